/* db.c: opening the database (schema, migrations, pragmas), the statement cache and the command_id sequence. */
#include "db_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* How long a statement waits for another process's write lock before failing. */
#define DB_BUSY_TIMEOUT_MS 5000

/*
 * The migrations of the real database, oldest first, ended by { 0, NULL }.
 * Version 1 is schema.sql as first written. To change the schema: edit
 * schema.sql (new databases are made from it and stamped with the newest
 * version) and add here { 2, "ALTER TABLE ...;" } with the statements that
 * turn a version 1 database into the same thing. Each open runs the missing
 * steps in one transaction, with foreign keys on.
 */
static const struct db_migration db_migrations[] = {
	/*
	 * 2: claim_codes.used_by (db.h, "Claiming rules"). An existing code is
	 * marked used by the printer that uses it, else by the newest address of
	 * its xor seen when it was entered, else by the first address seen after
	 * it: a code entered while some address of its printer existed was taken
	 * by it (or refused), so no later address may take it again.
	 */
	{ 2, "ALTER TABLE claim_codes ADD COLUMN used_by TEXT CHECK (used_by IS NULL OR length(used_by) = 16);"
	     "UPDATE claim_codes SET used_by = coalesce("
	     "(SELECT p.address FROM printers AS p WHERE p.claim_code_id = claim_codes.id"
	     " ORDER BY p.created DESC, p.id DESC LIMIT 1),"
	     "(SELECT p.address FROM printers AS p WHERE p.hardware_xor = claim_codes.hardware_xor"
	     " AND p.created <= claim_codes.created ORDER BY p.created DESC, p.id DESC LIMIT 1),"
	     "(SELECT p.address FROM printers AS p WHERE p.hardware_xor = claim_codes.hardware_xor"
	     " ORDER BY p.created, p.id LIMIT 1));" },
	/* 3: attempts, for the rate limits of claims and sign-ups. */
	{ 3, "CREATE TABLE attempts (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL,"
	     " time INTEGER NOT NULL);"
	     "CREATE INDEX attempts_subject ON attempts (kind, subject, time);"
	     "CREATE INDEX attempts_time ON attempts (time);" },
	/*
	 * 4: messages become the outbox (payload, bridge, attempts, the time of
	 * every state), with bridges and idempotency_keys. 'sending' and
	 * 'timed_out' were both written to a bridge without a confirmation: they
	 * become 'sent'. A 'queued' message of before had no payload to send: it
	 * never reached the relay, and is failed as such.
	 */
	{ 4, "CREATE TABLE messages_v4 (id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295),"
	     " printer_id INTEGER NOT NULL REFERENCES printers (id) ON DELETE CASCADE, sender TEXT NOT NULL,"
	     " command INTEGER NOT NULL, payload BLOB, bitmap_png BLOB, status TEXT NOT NULL CHECK (status IN"
	     " ('queued', 'sent', 'delivered', 'printed', 'failed', 'expired', 'cancelled')),"
	     " return_code INTEGER,"
	     " failure TEXT CHECK (failure IN ('offline', 'relay_unreachable', 'no_response')),"
	     " bridge TEXT CHECK (bridge IS NULL OR length(bridge) = 16), attempts INTEGER NOT NULL DEFAULT 0,"
	     " key_id INTEGER REFERENCES device_keys (id) ON DELETE SET NULL, dedupe TEXT,"
	     " created INTEGER NOT NULL, sent INTEGER, delivered INTEGER, printed INTEGER, settled INTEGER);"
	     "INSERT INTO messages_v4 (id, printer_id, sender, command, bitmap_png, status, return_code, failure,"
	     " attempts, created, sent, delivered, printed, settled)"
	     " SELECT id, printer_id, sender, command, bitmap_png,"
	     " CASE status WHEN 'sending' THEN 'sent' WHEN 'timed_out' THEN 'sent' WHEN 'queued' THEN 'failed'"
	     " ELSE status END, return_code,"
	     " CASE WHEN status = 'queued' THEN 'relay_unreachable' ELSE failure END,"
	     " CASE WHEN sent IS NULL THEN 0 ELSE 1 END, created, sent,"
	     " CASE WHEN status IN ('delivered', 'printed') THEN coalesce(settled, sent) END,"
	     " CASE WHEN status = 'printed' THEN settled END,"
	     " CASE WHEN status IN ('failed', 'printed') THEN settled WHEN status = 'queued' THEN created END"
	     " FROM messages;"
	     "DROP TABLE messages;"
	     "ALTER TABLE messages_v4 RENAME TO messages;"
	     "CREATE INDEX messages_printer ON messages (printer_id, id);"
	     "CREATE INDEX messages_outbox ON messages (printer_id, id) WHERE status = 'queued';"
	     "CREATE INDEX messages_status ON messages (status, created);"
	     "CREATE INDEX messages_dedupe ON messages (key_id, dedupe) WHERE dedupe IS NOT NULL;"
	     "CREATE TABLE bridges (address TEXT PRIMARY KEY CHECK (length(address) = 16),"
	     " confirms INTEGER NOT NULL DEFAULT 0 CHECK (confirms IN (0, 1)), confirmed INTEGER);"
	     "CREATE TABLE idempotency_keys (scope TEXT NOT NULL, key TEXT NOT NULL, created INTEGER NOT NULL,"
	     " status INTEGER NOT NULL DEFAULT 0, body TEXT, PRIMARY KEY (scope, key));"
	     "CREATE INDEX idempotency_keys_created ON idempotency_keys (created);" },
	/* 5: imported_users, the accounts sirius-import brought over from the original server. */
	{ 5, "CREATE TABLE imported_users (original_id INTEGER PRIMARY KEY,"
	     " user_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE, imported INTEGER NOT NULL);" },
	/*
	 * 6: printers are bound to the bridge they were claimed through
	 * (printers.bridge), a report from another bridge waits for the owner
	 * (printers.moving_to), and bridges keep their address and first sight.
	 */
	{ 6, "ALTER TABLE printers ADD COLUMN bridge TEXT CHECK (bridge IS NULL OR length(bridge) = 16);"
	     "ALTER TABLE printers ADD COLUMN moving_to TEXT CHECK (moving_to IS NULL OR length(moving_to) = 16);"
	     "ALTER TABLE bridges ADD COLUMN ip TEXT;"
	     "ALTER TABLE bridges ADD COLUMN first_seen INTEGER;"
	     "ALTER TABLE bridges ADD COLUMN last_seen INTEGER;"
	     "CREATE INDEX printers_unclaimed ON printers (last_seen) WHERE owner_id IS NULL;" },
	/* 7: the button's presses and settled deliveries, personalities and quips of printers. */
	{ 7, "CREATE TABLE button_presses (id INTEGER PRIMARY KEY,"
	     " printer_id INTEGER NOT NULL REFERENCES printers (id) ON DELETE CASCADE,"
	     " print_type INTEGER NOT NULL, print_id INTEGER NOT NULL, time INTEGER NOT NULL);"
	     "CREATE INDEX button_presses_printer ON button_presses (printer_id, time);"
	     "CREATE TABLE button_settled (message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,"
	     " how TEXT NOT NULL CHECK (how IN ('cancelled', 'printed_now')), reprint_id INTEGER,"
	     " time INTEGER NOT NULL);"
	     "CREATE TABLE personalities (printer_id INTEGER PRIMARY KEY REFERENCES printers (id) ON DELETE CASCADE,"
	     " face TEXT CHECK (face IS NULL OR length(face) BETWEEN 1 AND 32), face_png BLOB, nothing_png BLOB,"
	     " no_bridge_png BLOB, no_internet_png BLOB, message_id INTEGER NOT NULL, created INTEGER NOT NULL);"
	     "CREATE TABLE quips (printer_id INTEGER PRIMARY KEY REFERENCES printers (id) ON DELETE CASCADE,"
	     " quip1 TEXT NOT NULL, quip2 TEXT NOT NULL, quip3 TEXT NOT NULL, message_id INTEGER NOT NULL,"
	     " created INTEGER NOT NULL);" },
	/*
	 * 8: disabled accounts, the per-account sign-in limit (failures since the
	 * last good sign-in, and the address of that sign-in) and a notice a
	 * session shows on its next page.
	 */
	{ 8, "ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));"
	     "ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;"
	     "ALTER TABLE users ADD COLUMN last_login_address TEXT;"
	     "ALTER TABLE sessions ADD COLUMN notice TEXT;" },
	/* 9: printers.timezone and subscriptions to publications. */
	{ 9, "ALTER TABLE printers ADD COLUMN timezone TEXT;CREATE TABLE subscriptions (id INTEGER PRIMARY "
	     "KEY, printer_id INTEGER NOT NULL REFERENCES printers (id) ON DELETE CASCADE, url TEXT NOT NULL, "
	     "name TEXT NOT NULL, meta_json TEXT NOT NULL, config_json TEXT NOT NULL DEFAULT '{}', "
	     "delivery_time INTEGER NOT NULL CHECK (delivery_time BETWEEN 0 AND 1439), days INTEGER NOT NULL "
	     "DEFAULT 127 CHECK (days BETWEEN 1 AND 127), mode TEXT NOT NULL DEFAULT 'button' CHECK (mode IN "
	     "('button', 'print')), paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)), push_token "
	     "TEXT NOT NULL UNIQUE CHECK (length(push_token) = 32), delivery_count INTEGER NOT NULL DEFAULT "
	     "0, last_etag TEXT, next_due INTEGER, retry_at INTEGER, attempts INTEGER NOT NULL DEFAULT 0, "
	     "last_try INTEGER, last_state TEXT CHECK (last_state IN ('delivered', 'nothing', 'retrying', "
	     "'failed', 'sending')), last_message TEXT, last_message_id INTEGER, created INTEGER NOT NULL); "
	     "CREATE INDEX subscriptions_printer ON subscriptions (printer_id); CREATE INDEX "
	     "subscriptions_due ON subscriptions (paused, next_due);" },
	/*
	 * 10: messages.payload last in the row. Settled messages keep it now (the
	 * record of the print), and the columns after it were read from its
	 * overflow pages by every scan of the history.
	 */
	{ 10, "CREATE TEMP TABLE message_payloads AS SELECT id, payload FROM messages WHERE payload IS NOT NULL;"
	      "ALTER TABLE messages DROP COLUMN payload;"
	      "ALTER TABLE messages ADD COLUMN payload BLOB;"
	      "UPDATE messages SET payload = (SELECT p.payload FROM temp.message_payloads AS p WHERE p.id = messages.id)"
	      " WHERE id IN (SELECT id FROM temp.message_payloads);"
	      "DROP TABLE temp.message_payloads;" },
	/* 11: relay_journal, the newest line of the relay's journal whose write is committed (relay/journal.h). */
	{ 11, "CREATE TABLE relay_journal (id INTEGER PRIMARY KEY CHECK (id = 1), applied INTEGER NOT NULL"
	      " CHECK (applied >= 0));" },
	{ 0, NULL },
};

static const char *const stmt_names[DB_STMT_COUNT] = {
#define DB_STATEMENT(id, sql) #id,
#include "db_statements.h"
#undef DB_STATEMENT
};

static const char *const stmt_sql[DB_STMT_COUNT] = {
#define DB_STATEMENT(id, sql) sql,
#include "db_statements.h"
#undef DB_STATEMENT
};

/* ---- the statement cache and helpers of the db_*.c files ------------------ */

sqlite3_stmt *dbi_stmt(struct db *db, enum db_stmt id, struct sirius_error *err)
{
	if (!db->stmts[id] &&
	    sqlite3_prepare_v3(db->sqlite, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &db->stmts[id],
			       NULL) != SQLITE_OK) {
		error_set(err, "database: preparing %s: %s", stmt_names[id], sqlite3_errmsg(db->sqlite));
		sqlite3_finalize(db->stmts[id]);
		db->stmts[id] = NULL;
		return NULL;
	}
	return db->stmts[id];
}

int dbi_fail(struct db *db, enum db_stmt id, struct sirius_error *err)
{
	return error_set(err, "database: %s: %s", stmt_names[id], sqlite3_errmsg(db->sqlite));
}

/* The index of a named parameter; 0 (and a reason in err) when the statement has none of that name. */
static int param_index(struct db *db, enum db_stmt id, const char *param, struct sirius_error *err)
{
	int index;

	if (!dbi_stmt(db, id, err))
		return 0;
	index = sqlite3_bind_parameter_index(db->stmts[id], param);
	if (index == 0)
		error_set(err, "database: %s has no parameter %s", stmt_names[id], param);
	return index;
}

int dbi_bind_text(struct db *db, enum db_stmt id, const char *param, const char *value,
		  struct sirius_error *err)
{
	int index = param_index(db, id, param, err);

	if (index == 0)
		return -1;
	if ((value ? sqlite3_bind_text(db->stmts[id], index, value, -1, SQLITE_TRANSIENT)
		   : sqlite3_bind_null(db->stmts[id], index)) != SQLITE_OK)
		return dbi_fail(db, id, err);
	return 0;
}

int dbi_bind_int(struct db *db, enum db_stmt id, const char *param, int64_t value,
		 struct sirius_error *err)
{
	int index = param_index(db, id, param, err);

	if (index == 0)
		return -1;
	if (sqlite3_bind_int64(db->stmts[id], index, value) != SQLITE_OK)
		return dbi_fail(db, id, err);
	return 0;
}

int dbi_bind_id(struct db *db, enum db_stmt id, const char *param, int64_t value,
		struct sirius_error *err)
{
	int index;

	if (value != 0)
		return dbi_bind_int(db, id, param, value, err);
	index = param_index(db, id, param, err);
	if (index == 0)
		return -1;
	if (sqlite3_bind_null(db->stmts[id], index) != SQLITE_OK)
		return dbi_fail(db, id, err);
	return 0;
}

int dbi_bind_blob(struct db *db, enum db_stmt id, const char *param, const void *data, size_t len,
		  struct sirius_error *err)
{
	int index = param_index(db, id, param, err);
	int rc;

	if (index == 0)
		return -1;
	if (data)
		rc = sqlite3_bind_blob64(db->stmts[id], index, data, (sqlite3_uint64)len, SQLITE_TRANSIENT);
	else
		rc = sqlite3_bind_null(db->stmts[id], index);
	if (rc != SQLITE_OK)
		return dbi_fail(db, id, err);
	return 0;
}

int dbi_step(struct db *db, enum db_stmt id, struct sirius_error *err)
{
	int rc;

	if (!dbi_stmt(db, id, err))
		return -1;
	rc = sqlite3_step(db->stmts[id]);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	return dbi_fail(db, id, err);
}

void dbi_reset(struct db *db, enum db_stmt id)
{
	if (db->stmts[id]) {
		sqlite3_reset(db->stmts[id]);
		sqlite3_clear_bindings(db->stmts[id]);
	}
}

int dbi_run(struct db *db, enum db_stmt id, struct sirius_error *err)
{
	int rc;

	while ((rc = dbi_step(db, id, err)) == SQLITE_ROW)
		;
	rc = rc == SQLITE_DONE ? sqlite3_changes(db->sqlite) : -1;
	dbi_reset(db, id);
	return rc;
}

int dbi_run_with_int(struct db *db, enum db_stmt id, const char *param, int64_t value, struct sirius_error *err)
{
	if (dbi_bind_int(db, id, param, value, err) < 0) {
		dbi_reset(db, id);
		return -1;
	}
	return dbi_run(db, id, err);
}

int dbi_run_with_text(struct db *db, enum db_stmt id, const char *param, const char *value,
		      struct sirius_error *err)
{
	if (dbi_bind_text(db, id, param, value, err) < 0) {
		dbi_reset(db, id);
		return -1;
	}
	return dbi_run(db, id, err);
}

int dbi_run_int(struct db *db, enum db_stmt id, int64_t *value, struct sirius_error *err)
{
	int rc = dbi_step(db, id, err);

	if (rc == SQLITE_ROW)
		*value = sqlite3_column_int64(db->stmts[id], 0);
	else if (rc == SQLITE_DONE)
		error_set(err, "database: %s returned no row", stmt_names[id]);
	dbi_reset(db, id);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * A write transaction, or inside one a savepoint: a function that writes in
 * its own transaction can then run as part of a caller's, which commits or
 * rolls back everything at once, while the inner one still rolls back only
 * its own changes.
 */
int dbi_begin(struct db *db, struct sirius_error *err)
{
	if (db->reading)
		return error_set(err, "database: a write inside a read transaction");
	if (dbi_run(db, db->depth > 0 ? SQL_SAVEPOINT : SQL_BEGIN, err) < 0)
		return -1;
	db->depth++;
	return 0;
}

int dbi_commit(struct db *db, struct sirius_error *err)
{
	if (dbi_run(db, db->depth > 1 ? SQL_RELEASE : SQL_COMMIT, err) < 0) {
		dbi_rollback(db);
		return -1;
	}
	if (db->depth > 0)
		db->depth--;
	return 0;
}

void dbi_rollback(struct db *db)
{
	if (db->depth > 1) {
		dbi_run(db, SQL_ROLLBACK_TO, NULL);
		dbi_run(db, SQL_RELEASE, NULL);
		db->depth--;
		return;
	}
	db->depth = 0;
	db->reading = 0;
	if (!sqlite3_get_autocommit(db->sqlite))
		dbi_run(db, SQL_ROLLBACK, NULL);
}

int db_transaction_begin(struct db *db, struct sirius_error *err)
{
	return dbi_begin(db, err);
}

int db_transaction_commit(struct db *db, struct sirius_error *err)
{
	return dbi_commit(db, err);
}

void db_transaction_rollback(struct db *db)
{
	dbi_rollback(db);
}

int db_read_begin(struct db *db, struct sirius_error *err)
{
	if (db_transaction_open(db))
		return error_set(err, "a read transaction cannot begin inside another transaction");
	if (dbi_run(db, SQL_BEGIN_READ, err) < 0)
		return -1;
	db->depth = 1;
	db->reading = 1;
	return 0;
}

void db_read_end(struct db *db)
{
	/* nothing was written: a COMMIT that fails has nothing to lose, and a rollback closes the snapshot all the same */
	if (dbi_run(db, SQL_COMMIT, NULL) < 0 && !sqlite3_get_autocommit(db->sqlite))
		dbi_run(db, SQL_ROLLBACK, NULL);
	db->depth = 0;
	db->reading = 0;
}

int db_transaction_open(struct db *db)
{
	if (db->depth > 0 && sqlite3_get_autocommit(db->sqlite)) {
		db->depth = 0;
		db->reading = 0;
	}
	return db->depth > 0;
}

void dbi_column_text(struct db *db, enum db_stmt id, int col, char *out, size_t size)
{
	const unsigned char *text = sqlite3_column_text(db->stmts[id], col);

	if (size == 0)
		return;
	if (!text) {
		out[0] = '\0';
		return;
	}
	strncpy(out, (const char *)text, size - 1);
	out[size - 1] = '\0';
}

int dbi_lookup(struct db *db, enum db_stmt id, void (*reader)(struct db *, enum db_stmt, void *),
	       void *out, struct sirius_error *err)
{
	int rc = dbi_step(db, id, err);

	if (rc == SQLITE_ROW && out)
		reader(db, id, out);
	dbi_reset(db, id);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int dbi_collect(struct db *db, enum db_stmt id, void (*reader)(struct db *, enum db_stmt, void *),
		void (*clear)(void *), size_t elem_size, void **list, size_t *count,
		struct sirius_error *err)
{
	GArray *rows = g_array_new(FALSE, TRUE, (guint)elem_size);
	guint i;
	int rc;

	*list = NULL;
	*count = 0;
	while ((rc = dbi_step(db, id, err)) == SQLITE_ROW) {
		g_array_set_size(rows, rows->len + 1);
		reader(db, id, rows->data + (size_t)(rows->len - 1) * elem_size);
	}
	dbi_reset(db, id);
	if (rc < 0 || rows->len == 0) {
		for (i = 0; clear && i < rows->len; i++)
			clear(rows->data + (size_t)i * elem_size);
		g_array_free(rows, TRUE);
		return rc < 0 ? -1 : 0;
	}
	*count = rows->len;
	*list = g_array_free(rows, FALSE);
	return 0;
}

void db_free(void *list)
{
	g_free(list);
}

/* ---- opening, schema and migrations --------------------------------------- */

/* The newest version a migration list leads to: that of its last entry, 1 when empty. */
static int newest_version(const struct db_migration *migrations)
{
	int version = 1;

	for (; migrations->sql; migrations++)
		version = migrations->version;
	return version;
}

int db_schema_version(void)
{
	return newest_version(db_migrations);
}

/* Runs a script (no parameters: schema and migrations); 0, or -1 with what failed in err. */
static int exec_script(struct db *db, const char *what, const char *sql, struct sirius_error *err)
{
	char *message = NULL;

	if (sqlite3_exec(db->sqlite, sql, NULL, NULL, &message) != SQLITE_OK) {
		error_set(err, "database: %s: %s", what, message ? message : sqlite3_errmsg(db->sqlite));
		sqlite3_free(message);
		return -1;
	}
	return 0;
}

/* Stamps the database with a schema version; 0, or -1 with a reason in err. */
static int set_user_version(struct db *db, int version, struct sirius_error *err)
{
	char sql[64];

	/* A pragma takes no parameters: the number is formatted from an int. */
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	return exec_script(db, "setting user_version", sql, err);
}

int db_user_version(struct db *db, struct sirius_error *err)
{
	int64_t version;

	if (dbi_run_int(db, SQL_USER_VERSION, &version, err) < 0)
		return -1;
	return (int)version;
}

/* 1 when the database holds no tables at all, 0 when it does, -1 on error. */
static int database_empty(struct db *db, struct sirius_error *err)
{
	sqlite3_stmt *st;
	int rc, empty = -1;

	if (sqlite3_prepare_v2(db->sqlite, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) != SQLITE_OK) {
		error_set(err, "database: counting tables: %s", sqlite3_errmsg(db->sqlite));
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		empty = sqlite3_column_int64(st, 0) == 0;
	else
		error_set(err, "database: counting tables: %s", sqlite3_errmsg(db->sqlite));
	sqlite3_finalize(st);
	return empty;
}

/*
 * Brings the database to the newest version of migrations inside one write
 * transaction (so two processes opening a new database do not both make it).
 * Returns 0, or -1 with a reason in err.
 */
static int migrate(struct db *db, const struct db_migration *migrations, struct sirius_error *err)
{
	int newest = newest_version(migrations), version, empty;
	const struct db_migration *m;

	if (dbi_begin(db, err) < 0)
		return -1;
	version = db_user_version(db, err);
	if (version < 0)
		goto fail;
	if (version == 0) {
		empty = database_empty(db, err);
		if (empty < 0)
			goto fail;
		if (!empty) {
			error_set(err, "database: the file has tables but no schema version: not a sirius database");
			goto fail;
		}
		if (exec_script(db, "creating the schema", db_schema_sql, err) < 0 ||
		    set_user_version(db, newest, err) < 0)
			goto fail;
		version = newest;
	}
	if (version > newest) {
		error_set(err, "database: schema version %d is newer than this program knows (%d)", version,
			  newest);
		goto fail;
	}
	for (m = migrations; m->sql; m++) {
		char what[64];

		if (m->version <= version)
			continue;
		snprintf(what, sizeof(what), "migration to version %d", m->version);
		if (exec_script(db, what, m->sql, err) < 0 || set_user_version(db, m->version, err) < 0)
			goto fail;
		version = m->version;
	}
	return dbi_commit(db, err);
fail:
	dbi_rollback(db);
	return -1;
}

/* 0 when versions run 2, 3, ... without gaps, else -1 with a reason in err. */
static int check_migrations(const struct db_migration *migrations, struct sirius_error *err)
{
	int expect = 2;

	for (; migrations->sql; migrations++, expect++)
		if (migrations->version != expect)
			return error_set(err, "database: migration %d listed where %d belongs",
					 migrations->version, expect);
	return 0;
}

/* Makes the directory that will hold path; 0, or -1 with a reason in err. */
static int make_parent(const char *path, struct sirius_error *err)
{
	char *dir;
	int rc = 0;

	if (strcmp(path, ":memory:") == 0 || !strchr(path, '/'))
		return 0;
	dir = g_path_get_dirname(path);
	if (g_mkdir_with_parents(dir, 0770) != 0)
		rc = error_set(err, "database: cannot make the directory %s: %s", dir, g_strerror(errno));
	g_free(dir);
	return rc;
}

/*
 * SQLite's busy handler: waits for another connection's lock in short steps.
 * sqlite3_busy_timeout sleeps 1, 2, 5, 10, 15, 20, 25... ms between tries,
 * while our write transactions hold the lock for well under a millisecond:
 * a print met a lock and then slept through many free moments, and with
 * several FastCGI processes and the relay writing, those sleeps were most of
 * a print's latency. Here: 50 µs doubling up to 1 ms, until busy_timeout_ms
 * is used up (then SQLITE_BUSY, as with sqlite3_busy_timeout). Returns 1 to
 * try again, 0 to give up.
 */
static int busy_wait(void *arg, int count)
{
	struct db *db = arg;
	gint64 now = g_get_monotonic_time(), step;

	/* a checkpoint's waits go on counting from the last statement's: a new wait starts at 0 */
	if (count == 0 || db->busy_since == 0)
		db->busy_since = now;
	if (now - db->busy_since >= (gint64)db->busy_timeout_ms * 1000)
		return 0;
	step = count < 5 ? (gint64)50 << count : 1000;
	if (step > db->busy_since + (gint64)db->busy_timeout_ms * 1000 - now)
		step = db->busy_since + (gint64)db->busy_timeout_ms * 1000 - now;
	g_usleep((gulong)step);
	return 1;
}

int db_checkpoint(struct db *db, enum db_checkpoint_mode mode, int *wal_frames, int *copied,
		  struct sirius_error *err)
{
	int rc;

	*wal_frames = *copied = 0;
	db->busy_since = 0;
	rc = sqlite3_wal_checkpoint_v2(db->sqlite, NULL,
				       mode == DB_CHECKPOINT_RESTART ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE,
				       wal_frames, copied);
	db->busy_since = 0;
	if (rc == SQLITE_OK)
		return 0;
	return error_set(err, "database: checkpoint: %s", sqlite3_errmsg(db->sqlite));
}

void db_set_busy_timeout(struct db *db, int milliseconds)
{
	db->busy_timeout_ms = milliseconds > 0 ? milliseconds : 0;
	sqlite3_busy_handler(db->sqlite, milliseconds > 0 ? busy_wait : NULL, db);
}

struct db *db_open_with_migrations(const char *path, const struct db_migration *migrations,
				   struct sirius_error *err)
{
	struct db *db;

	if (!path || !path[0]) {
		error_set(err, "database: no path");
		return NULL;
	}
	if (check_migrations(migrations, err) < 0 || make_parent(path, err) < 0)
		return NULL;
	db = calloc(1, sizeof(*db));
	if (!db) {
		error_set(err, "database: out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &db->sqlite, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		error_set(err, "database: cannot open %s: %s", path,
			  db->sqlite ? sqlite3_errmsg(db->sqlite) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db->sqlite, 1);
	db_set_busy_timeout(db, DB_BUSY_TIMEOUT_MS);
	if (exec_script(db, "setting up the connection",
			"PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
			" PRAGMA wal_autocheckpoint = " G_STRINGIFY(DB_WAL_AUTOCHECKPOINT_PAGES) ";",
			err) < 0 ||
	    migrate(db, migrations, err) < 0)
		goto fail;
	return db;
fail:
	db_close(db);
	return NULL;
}

struct db *db_open(const char *path, struct sirius_error *err)
{
	return db_open_with_migrations(path, db_migrations, err);
}

void db_close(struct db *db)
{
	size_t i;

	if (!db)
		return;
	for (i = 0; i < DB_STMT_COUNT; i++)
		sqlite3_finalize(db->stmts[i]);
	sqlite3_close(db->sqlite);
	free(db);
}

/* ---- command ids ----------------------------------------------------------- */

int db_next_command_id(struct db *db, uint32_t *id, struct sirius_error *err)
{
	int64_t last;
	int changed;

	if (dbi_begin(db, err) < 0)
		return -1;
	changed = dbi_run(db, SQL_COMMAND_ID_BUMP, err);
	if (changed < 0)
		goto fail;
	if (changed == 0) {
		error_set(err, "database: every command_id has been used");
		goto fail;
	}
	if (dbi_run_int(db, SQL_COMMAND_ID_LAST, &last, err) < 0)
		goto fail;
	if (dbi_commit(db, err) < 0)
		return -1;
	*id = (uint32_t)last;
	return 0;
fail:
	dbi_rollback(db);
	return -1;
}
