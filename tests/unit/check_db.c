/* check_db.c: unit tests of the database layer: schema, migrations, command ids, messages, users, sessions, keys, friends. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "db.h"
#include "db_internal.h"
#include "password.h"
#include "test_util.h"

/* A fresh temporary directory for one test (Check runs each test in its own process). */
static char *temp_dir(void)
{
	GError *gerr = NULL;
	char *dir = g_dir_make_tmp(NULL, &gerr);

	ck_assert_msg(dir != NULL, "cannot make a temporary directory: %s", gerr ? gerr->message : "?");
	return dir;
}

/* Removes a directory tree made by a test. */
static void remove_tree(const char *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	const char *name;

	if (dir) {
		while ((name = g_dir_read_name(dir))) {
			char *child = g_build_filename(path, name, NULL);

			if (g_file_test(child, G_FILE_TEST_IS_DIR))
				remove_tree(child);
			else
				g_remove(child);
			g_free(child);
		}
		g_dir_close(dir);
	}
	g_rmdir(path);
}

/* State of one test: its directory, database path and open connection. */
struct fixture {
	char *dir;       /* the temporary directory */
	char *path;      /* the database file inside it (in a subdirectory db_open must make) */
	struct db *db;   /* open on path */
};

static void fixture_open(struct fixture *f)
{
	struct sirius_error err = { "" };

	f->dir = temp_dir();
	f->path = g_build_filename(f->dir, "var", "deeper", "sirius.db", NULL);
	f->db = db_open(f->path, &err);
	ck_assert_msg(f->db != NULL, "db_open: %s", err.message);
}

static void fixture_close(struct fixture *f)
{
	db_close(f->db);
	remove_tree(f->dir);
	g_free(f->path);
	g_free(f->dir);
}

/* Runs SQL on the file with a separate raw connection (what a test sets up behind the API's back). */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *s;
	char *message = NULL;

	ck_assert_int_eq(sqlite3_open(path, &s), SQLITE_OK);
	sqlite3_busy_timeout(s, 5000);
	ck_assert_msg(sqlite3_exec(s, sql, NULL, NULL, &message) == SQLITE_OK, "%s: %s", sql,
		      message ? message : "?");
	sqlite3_close(s);
}

/* One integer from a query on a raw connection. */
static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	int64_t value;

	ck_assert_int_eq(sqlite3_open(path, &s), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(s));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	value = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(s);
	return value;
}

/* A user with a known password; returns the id. */
static int64_t make_user(struct db *db, const char *name)
{
	struct sirius_error err = { "" };
	int64_t id = 0;

	ck_assert_msg(db_user_create(db, name, "secret password", 0, 1000, &id, &err) == 1, "%s", err.message);
	ck_assert_int_gt(id, 0);
	return id;
}

/* A printer seen at address; returns its id. */
/* Queues a message with id for printer, created at now. Returns what db_message_create returns. */
static int queue_message(struct db *db, uint32_t id, int64_t printer, int64_t now, struct sirius_error *err)
{
	static const uint8_t payload[] = { 1, 0, 1, 0 };
	struct db_message_new m;

	memset(&m, 0, sizeof(m));
	m.id = id;
	m.printer_id = printer;
	m.sender = "x";
	m.command = 1;
	m.payload = payload;
	m.payload_len = sizeof(payload);
	return db_message_create(db, &m, now, err);
}

static int64_t make_printer(struct db *db, const char *address)
{
	struct sirius_error err = { "" };
	struct db_printer p;

	ck_assert_msg(db_printer_seen(db, address, 1000, &p, &err) == 0, "%s", err.message);
	return p.id;
}

/* ---- schema and migrations -------------------------------------------------- */

/*
 * Sets f up with a database made by schema version (1, 2 or 3) from the
 * schema text that version had (tests/vectors/schema/), stamped with it and
 * closed (f->db NULL), as an older sirius-c left it.
 */
static void old_database(struct fixture *f, int version)
{
	char name[64], *dir, *sql, *text;
	size_t len;

	f->dir = temp_dir();
	f->path = g_build_filename(f->dir, "var", "sirius.db", NULL);
	f->db = NULL;
	dir = g_path_get_dirname(f->path);
	ck_assert_int_eq(g_mkdir_with_parents(dir, 0700), 0);
	g_free(dir);
	snprintf(name, sizeof(name), "schema/schema_v%d.sql", version);
	sql = (char *)vector_read(name, &len);
	sql = g_realloc(sql, len + 1);
	sql[len] = '\0';
	text = g_strdup_printf("BEGIN; %s; PRAGMA user_version = %d; COMMIT", sql, version);
	raw_exec(f->path, text);
	g_free(text);
	g_free(sql);
}

/* Orders two elements of a GPtrArray of strings. */
static gint compare_lines(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every column (name, type, not null, default, key) and index of a database, one per line, sorted. */
static char *schema_shape(const char *path)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	GString *out = g_string_new(NULL);
	guint i;

	ck_assert_int_eq(sqlite3_open(path, &s), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(s,
		"SELECT m.name, p.name, p.type, p.\"notnull\", coalesce(p.dflt_value, ''), p.pk"
		" FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p WHERE m.type = 'table'"
		" UNION ALL SELECT 'index', name, tbl_name, '', '', '' FROM sqlite_master"
		" WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		g_ptr_array_add(lines, g_strdup_printf("%s.%s %s %s %s %s", sqlite3_column_text(st, 0),
						       sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
						       sqlite3_column_text(st, 3), sqlite3_column_text(st, 4),
						       sqlite3_column_text(st, 5)));
	sqlite3_finalize(st);
	sqlite3_close(s);
	g_ptr_array_sort(lines, compare_lines);
	for (i = 0; i < lines->len; i++)
		g_string_append_printf(out, "%s\n", (const char *)g_ptr_array_index(lines, i));
	g_ptr_array_free(lines, TRUE);
	return g_string_free(out, FALSE);
}


START_TEST(test_fresh_database_from_schema)
{
	struct fixture f;
	struct sirius_error err = { "" };
	static const char *const tables[] = {
		"users", "sessions", "login_attempts", "claim_codes", "printers", "messages",
		"device_keys", "device_key_senders", "friends", "command_ids", "attempts", "imported_users",
		"button_presses", "button_settled", "personalities", "quips",
		"subscriptions",
	};
	size_t i;

	fixture_open(&f);
	ck_assert(g_file_test(f.path, G_FILE_TEST_IS_REGULAR));
	ck_assert_int_eq(db_user_version(f.db, &err), db_schema_version());
	ck_assert_int_ge(db_schema_version(), 8);
	ck_assert_ptr_nonnull(strstr(db_schema_sql, "CREATE TABLE printers"));
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char sql[128];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
			 tables[i]);
		ck_assert_msg(raw_int(f.path, sql) == 1, "table %s missing", tables[i]);
	}
	ck_assert_int_eq(raw_int(f.path, "SELECT count(*) FROM command_ids"), 1);
	{
		sqlite3 *s;
		sqlite3_stmt *st;

		ck_assert_int_eq(sqlite3_open(f.path, &s), SQLITE_OK);
		ck_assert_int_eq(sqlite3_prepare_v2(s, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
		sqlite3_close(s);
	}
	/* Opening again leaves the database as it is. */
	db_close(f.db);
	f.db = db_open(f.path, &err);
	ck_assert_msg(f.db != NULL, "%s", err.message);
	ck_assert_int_eq(db_user_version(f.db, &err), db_schema_version());
	fixture_close(&f);
}
END_TEST

START_TEST(test_foreign_keys_enforced)
{
	struct fixture f;
	struct sirius_error err = { "" };

	fixture_open(&f);
	/* A message for a printer that does not exist is refused by the foreign key. */
	ck_assert_int_eq(queue_message(f.db, 5, 999, 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "SQL_MESSAGE_INSERT"));
	ck_assert_ptr_nonnull(strstr(err.message, "FOREIGN KEY"));
	fixture_close(&f);
}
END_TEST

START_TEST(test_migration_from_older_version)
{
	static const struct db_migration fake[] = {
		{ 2, "ALTER TABLE printers ADD COLUMN colour TEXT NOT NULL DEFAULT 'white';" },
		{ 3, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
		     "INSERT INTO notes (body) VALUES ('migrated');" },
		{ 0, NULL },
	};
	static const struct db_migration gap[] = {
		{ 3, "SELECT 1;" },
		{ 0, NULL },
	};
	struct fixture f;
	struct sirius_error err = { "" };
	struct db *db;

	fixture_open(&f);
	make_printer(f.db, "000d6f0001020304");
	db_close(f.db);
	f.db = NULL;
	/* The fake list starts at 2: the database is taken for a version 1 one. */
	raw_exec(f.path, "PRAGMA user_version = 1");

	db = db_open_with_migrations(f.path, fake, &err);
	ck_assert_msg(db != NULL, "%s", err.message);
	ck_assert_int_eq(db_user_version(db, &err), 3);
	db_close(db);
	ck_assert_int_eq(raw_int(f.path, "SELECT count(*) FROM printers WHERE colour = 'white'"), 1);
	ck_assert_int_eq(raw_int(f.path, "SELECT count(*) FROM notes"), 1);

	/* Opening again runs nothing twice. */
	db = db_open_with_migrations(f.path, fake, &err);
	ck_assert_msg(db != NULL, "%s", err.message);
	db_close(db);
	ck_assert_int_eq(raw_int(f.path, "SELECT count(*) FROM notes"), 1);

	/* A version past this program's list: the database is too new for it. */
	raw_exec(f.path, "PRAGMA user_version = 99");
	err.message[0] = '\0';
	ck_assert_ptr_null(db_open(f.path, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "newer"));

	/* A list with a gap is refused. */
	ck_assert_ptr_null(db_open_with_migrations(f.path, gap, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "migration 3"));
	fixture_close(&f);
}
END_TEST

START_TEST(test_failing_migration_rolls_back)
{
	static const struct db_migration bad[] = {
		{ 2, "CREATE TABLE half (id INTEGER); INSERT INTO nowhere VALUES (1);" },
		{ 0, NULL },
	};
	struct fixture f;
	struct sirius_error err = { "" };

	fixture_open(&f);
	db_close(f.db);
	f.db = NULL;
	raw_exec(f.path, "PRAGMA user_version = 1");
	ck_assert_ptr_null(db_open_with_migrations(f.path, bad, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "migration to version 2"));
	ck_assert_int_eq(raw_int(f.path, "PRAGMA user_version"), 1);
	ck_assert_int_eq(raw_int(f.path, "SELECT count(*) FROM sqlite_master WHERE name = 'half'"), 0);
	fixture_close(&f);
}
END_TEST

/* used_by of the claim code with text code, as a string ("" for NULL; g_free it). */
static char *raw_used_by(const char *path, const char *code)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	char *value;

	ck_assert_int_eq(sqlite3_open(path, &s), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(s, "SELECT coalesce(used_by, '') FROM claim_codes WHERE code = ?1", -1,
					    &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	value = g_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(s);
	return value;
}

/* Checks used_by of the claim code with text code. */
static void assert_used_by(const char *path, const char *code, const char *address)
{
	char *value = raw_used_by(path, code);

	ck_assert_str_eq(value, address);
	g_free(value);
}

/*
 * Migration 2 (claim_codes.used_by) on a version 1 database in the state the
 * old claiming rules left: a retired address, a new address joined to an
 * old code, a refused code stored anyway, and a code for a printer never seen.
 */
START_TEST(test_migration_2_marks_used_codes)
{
	/* Three addresses of one printer (one hardware xor, 0x020f6b), and another xor. */
	static const char *const first = "000d6f0001020304", *const second = "000d04000102036f";
	static const char *const third = "000d6f0003020104";
	struct fixture f;
	struct sirius_error err = { "" };
	struct db_printer p;
	int64_t alice;
	char *sql;

	old_database(&f, 1);
	alice = 1;
	raw_exec(f.path, "INSERT INTO users (id, name, password_hash, is_admin, created) VALUES (1, 'alice', 'x', 1, 5)");
	sql = g_strdup_printf(
		"INSERT INTO claim_codes (id, code, hardware_xor, secret, user_id, printer_name, created) VALUES"
		" (1, 'before0000000001', 135019, 1, %1$lld, 'p', 50),"
		" (2, 'refused000000002', 135019, 2, %1$lld, 'p', 200),"
		" (3, 'joined0000000003', 135019, 3, %1$lld, 'p', 250),"
		" (4, 'waiting000000004', 7, 4, %1$lld, 'p', 60);"
		"INSERT INTO printers (id, address, hardware_xor, owner_id, name, claim_code_id, created, last_seen)"
		" VALUES (1, '%2$s', 135019, NULL, NULL, NULL, 100, 290),"
		" (2, '%3$s', 135019, %1$lld, 'p', 3, 300, 300);",
		(long long)alice, first, second);
	raw_exec(f.path, sql);
	g_free(sql);

	f.db = db_open(f.path, &err);
	ck_assert_msg(f.db != NULL, "%s", err.message);
	ck_assert_int_eq(db_user_version(f.db, &err), db_schema_version());
	/* entered before any address: the first address seen after it */
	assert_used_by(f.path, "before0000000001", first);
	/* entered while the first address was the printer */
	assert_used_by(f.path, "refused000000002", first);
	/* joined to a printer: that printer's address */
	assert_used_by(f.path, "joined0000000003", second);
	/* no address of its xor seen yet: still waiting */
	assert_used_by(f.path, "waiting000000004", "");

	/* A further reset starts unclaimed, whatever codes the old rules left. */
	ck_assert_int_eq(db_printer_seen(f.db, third, 400, &p, &err), 0);
	ck_assert_uint_eq(p.hardware_xor, 135019);
	ck_assert_int_eq(p.owner_id, 0);
	ck_assert_int_eq(p.claim_code_id, 0);
	fixture_close(&f);
}
END_TEST

/* The last column of table in the database at path, by raw SQL. */
static char *last_column(const char *path, const char *table)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	char *name;

	ck_assert_int_eq(sqlite3_open(path, &s), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(s, "SELECT name FROM pragma_table_info(?) ORDER BY cid DESC LIMIT 1", -1, &st,
					    NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	name = g_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(s);
	return name;
}

/* 10: the payload moves to the end of the row, and every message keeps its own (settled or queued). */
START_TEST(test_migration_10_keeps_payloads_last)
{
	struct fixture f;
	struct sirius_error err = { "" };
	struct db_message m;
	char *last;

	old_database(&f, 9);
	raw_exec(f.path,
		 "INSERT INTO printers (id, address, hardware_xor, created, last_seen) VALUES (1, '000d6f0001020304', 1, 5, 5);"
		 "INSERT INTO messages (id, printer_id, sender, command, payload, status, created, settled)"
		 " VALUES (7, 1, 'bob', 1, x'0100010007000000', 'printed', 50, 60),"
		 " (8, 1, 'bob', 1, x'0100010008000000', 'queued', 70, NULL);"
		 "INSERT INTO messages (id, printer_id, sender, command, bitmap_png, status, created, settled)"
		 " VALUES (6, 1, 'amy', 1, x'89504e47', 'printed', 40, 45)");
	last = last_column(f.path, "messages");
	ck_assert_str_ne(last, "payload");
	g_free(last);
	f.db = db_open(f.path, &err);
	ck_assert_msg(f.db != NULL, "%s", err.message);
	last = last_column(f.path, "messages");
	ck_assert_str_eq(last, "payload");
	g_free(last);
	ck_assert_int_eq(db_message_get(f.db, 7, &m, &err), 1);
	ck_assert_int_eq(m.status, DB_MESSAGE_PRINTED);
	ck_assert_int_eq(db_message_load_print(f.db, &m, &err), 1);
	ck_assert_uint_eq(m.payload_len, 8);
	ck_assert_int_eq(m.payload[4], 7);
	ck_assert_ptr_null(m.png);
	db_message_clear(&m);
	m.id = 8;
	ck_assert_int_eq(db_message_load_print(f.db, &m, &err), 1);
	ck_assert_uint_eq(m.payload_len, 8);
	ck_assert_int_eq(m.payload[4], 8);
	db_message_clear(&m);
	ck_assert_int_eq(db_message_get(f.db, 6, &m, &err), 1);
	ck_assert(m.has_print);
	ck_assert_int_eq(db_message_load_print(f.db, &m, &err), 1);
	ck_assert_ptr_null(m.payload);
	ck_assert_uint_eq(m.png_len, 4);
	db_message_clear(&m);
	fixture_close(&f);
}
END_TEST

/*
 * Upgrading: a database made by each older schema version (from that
 * version's own schema text), holding a user, a claimed printer, its code, a
 * message, a device key, a friendship and a session, opens with today's
 * code: it is at the newest version, every row is still there and usable,
 * and its tables and indexes are those of a database made new.
 */
START_TEST(test_upgrade_from_every_older_version)
{
	struct fixture fresh, f;
	struct sirius_error err = { "" };
	char *fresh_shape, *shape;
	int version;

	fixture_open(&fresh);
	db_close(fresh.db);
	fresh.db = NULL;
	fresh_shape = schema_shape(fresh.path);
	for (version = 1; version < db_schema_version(); version++) {
		struct db_user user;
		struct db_printer printer;
		struct db_message message;
		struct db_device_key key;
		struct db_session session;
		int64_t count = 0, oldest = 0;

		old_database(&f, version);
		raw_exec(f.path,
			 "BEGIN; INSERT INTO users (id, name, password_hash, is_admin, api_key, created) VALUES"
			 " (1, 'alice', 'x', 1, 'abcdefghijklmnopqrstuvwxyz012345', 10), (2, 'bob', 'y', 0, NULL, 11);"
			 "INSERT INTO claim_codes (id, code, hardware_xor, secret, user_id, printer_name, created)"
			 " VALUES (1, '6xwh441j7d5y7kbv', 135019, 12345, 1, 'kitchen', 20);"
			 "INSERT INTO printers (id, address, hardware_xor, owner_id, name, claim_code_id, created, last_seen)"
			 " VALUES (1, '000d6f0001020304', 135019, 1, 'kitchen', 1, 30, 40);"
			 "INSERT INTO messages (id, printer_id, sender, command, bitmap_png, status, created)"
			 " VALUES (7, 1, 'bob', 1, x'89504e47', 'queued', 50);"
			 "UPDATE command_ids SET last = 7;"
			 "INSERT INTO device_keys (id, secret, printer_id, created, uses) VALUES (1, 'k0k1k2k3k4k5k6k7k8k9', 1, 60, 3);"
			 "INSERT INTO friends (user_id, friend_id, created) VALUES (1, 2, 70);"
			 "INSERT INTO sessions (token_hash, user_id, csrf_token, created, expires)"
			 " VALUES ('h', 1, 'c', 80, 9999999999);"
			 "INSERT INTO login_attempts (name, address, time) VALUES ('alice', '192.0.2.1', 90); COMMIT");

		f.db = db_open(f.path, &err);
		ck_assert_msg(f.db != NULL, "version %d: %s", version, err.message);
		ck_assert_int_eq(db_user_version(f.db, &err), db_schema_version());
		ck_assert_int_eq(db_user_by_name(f.db, "alice", &user, &err), 1);
		ck_assert(user.is_admin);
		ck_assert(!user.disabled);
		ck_assert_int_eq(user.failed_logins, 0);
		ck_assert_str_eq(user.api_key, "abcdefghijklmnopqrstuvwxyz012345");
		ck_assert_int_eq(db_printer_by_address(f.db, "000d6f0001020304", &printer, &err), 1);
		ck_assert_str_eq(printer.name, "kitchen");
		ck_assert_int_eq(printer.owner_id, 1);
		ck_assert_int_eq(db_message_get(f.db, 7, &message, &err), 1);
		ck_assert_str_eq(message.sender, "bob");
		db_message_clear(&message);
		ck_assert_int_eq(db_device_key_find(f.db, "k0k1k2k3k4k5k6k7k8k9", &key, &err), 1);
		ck_assert_int_eq(key.uses, 3);
		ck_assert_int_eq(db_friend_is(f.db, 1, 2, &err), 1);
		ck_assert_int_eq(db_login_account_failures(f.db, "ALICE", 0, &count, &oldest, &err), 0);
		ck_assert_int_eq(count, 1);
		/* the new columns work on the old rows */
		ck_assert_int_eq(db_user_change(f.db, 2, DB_USER_DISABLE, &err), DB_USER_CHANGED);
		ck_assert_int_eq(db_user_by_id(f.db, 2, &user, &err), 1);
		ck_assert(user.disabled);
		ck_assert_int_eq(db_session_set_notice(f.db, 1, "hello", &err), 1);
		ck_assert_int_eq(db_session_find(f.db, "0000000000000000000000000000000000000000000000000000000000000000",
						 100, &session, &err), 0);
		db_close(f.db);
		f.db = NULL;
		shape = schema_shape(f.path);
		if (strcmp(shape, fresh_shape) != 0)
			fprintf(stderr, "version %d migrated:\n%s\nnew:\n%s", version, shape, fresh_shape);
		ck_assert_msg(strcmp(shape, fresh_shape) == 0, "version %d: the migrated schema differs (see stderr)",
			      version);
		g_free(shape);
		fixture_close(&f);
	}
	g_free(fresh_shape);
	fixture_close(&fresh);
}
END_TEST

START_TEST(test_refuses_foreign_database)
{
	char *dir = temp_dir();
	char *path = g_build_filename(dir, "other.db", NULL);
	struct sirius_error err = { "" };

	raw_exec(path, "CREATE TABLE something (x);");
	ck_assert_ptr_null(db_open(path, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "not a sirius database"));
	remove_tree(dir);
	g_free(path);
	g_free(dir);
}
END_TEST

/* ---- command ids ------------------------------------------------------------ */

START_TEST(test_command_ids_increase_across_reopen)
{
	struct fixture f;
	struct sirius_error err = { "" };
	uint32_t id = 0, previous = 0;
	int i;

	fixture_open(&f);
	for (i = 0; i < 5; i++) {
		ck_assert_msg(db_next_command_id(f.db, &id, &err) == 0, "%s", err.message);
		ck_assert_uint_ne(id, 0);
		ck_assert_uint_gt(id, previous);
		previous = id;
	}
	ck_assert_uint_eq(previous, 5);
	db_close(f.db);
	f.db = db_open(f.path, &err);
	ck_assert_msg(f.db != NULL, "%s", err.message);
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), 0);
	ck_assert_uint_gt(id, previous);
	fixture_close(&f);
}
END_TEST

/* Calls with transactions of their own run inside a caller's; nested ones roll back alone. */
START_TEST(test_transactions_nest)
{
	struct fixture f;
	struct sirius_error err = { "" };
	uint32_t id = 0;

	fixture_open(&f);
	ck_assert_int_eq(db_transaction_begin(f.db, &err), 0);
	ck_assert_msg(db_next_command_id(f.db, &id, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(id, 1);
	/* no such key: db_device_key_used rolls back its own savepoint, the transaction goes on */
	ck_assert_int_eq(db_device_key_used(f.db, 999, "someone", &err), 0);
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), 0);
	ck_assert_uint_eq(id, 2);
	ck_assert_msg(db_transaction_commit(f.db, &err) == 0, "%s", err.message);
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), 0);
	ck_assert_uint_eq(id, 3);

	/* a rolled back transaction takes back what was done in it */
	ck_assert_int_eq(db_transaction_begin(f.db, &err), 0);
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), 0);
	ck_assert_uint_eq(id, 4);
	db_transaction_rollback(f.db);
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), 0);
	ck_assert_uint_eq(id, 4);

	/* an inner transaction's rollback leaves the outer one's work */
	ck_assert_int_eq(db_transaction_begin(f.db, &err), 0);
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), 0);
	ck_assert_uint_eq(id, 5);
	ck_assert_int_eq(db_transaction_begin(f.db, &err), 0);
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), 0);
	ck_assert_uint_eq(id, 6);
	db_transaction_rollback(f.db);
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), 0);
	ck_assert_uint_eq(id, 6);
	ck_assert_msg(db_transaction_commit(f.db, &err) == 0, "%s", err.message);
	db_close(f.db);
	f.db = db_open(f.path, &err);
	ck_assert_msg(f.db != NULL, "%s", err.message);
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), 0);
	ck_assert_uint_eq(id, 7);
	fixture_close(&f);
}
END_TEST

/*
 * Begins a read transaction on f's connection, then adds a user through a
 * second connection, which it returns (for db_close).
 */
static struct db *read_while_another_writes(struct fixture *f)
{
	struct sirius_error err = { "" };
	struct db *other = db_open(f->path, &err);

	ck_assert_msg(other != NULL, "%s", err.message);
	ck_assert_msg(db_read_begin(f->db, &err) == 0, "%s", err.message);
	ck_assert_int_eq(db_user_count(f->db, &err), 0);
	make_user(other, "bob");
	return other;
}

/* A read transaction reads one snapshot: another connection's commit shows only after it ends. */
START_TEST(test_read_transaction_is_one_snapshot)
{
	struct fixture f;
	struct sirius_error err = { "" };
	struct db *other;

	fixture_open(&f);
	other = read_while_another_writes(&f);
	ck_assert_int_eq(db_user_count(f.db, &err), 0);
	db_read_end(f.db);
	ck_assert_int_eq(db_user_count(f.db, &err), 1);

	/* not inside another transaction, which stays open and usable */
	ck_assert_int_eq(db_transaction_begin(f.db, &err), 0);
	ck_assert_int_eq(db_read_begin(f.db, &err), -1);
	ck_assert_msg(strstr(err.message, "inside another transaction") != NULL, "%s", err.message);
	ck_assert_int_eq(db_transaction_open(f.db), 1);
	ck_assert_msg(db_transaction_commit(f.db, &err) == 0, "%s", err.message);

	/* nothing writes inside: a write transaction is refused, and the read one ends as usual */
	ck_assert_msg(db_read_begin(f.db, &err) == 0, "%s", err.message);
	ck_assert_int_eq(db_transaction_begin(f.db, &err), -1);
	ck_assert_msg(strstr(err.message, "inside a read transaction") != NULL, "%s", err.message);
	ck_assert_int_eq(db_user_count(f.db, &err), 1);
	db_read_end(f.db);

	/* ended, a write transaction begins as usual */
	ck_assert_msg(db_read_begin(f.db, &err) == 0, "%s", err.message);
	db_read_end(f.db);
	ck_assert_int_eq(db_transaction_open(f.db), 0);
	ck_assert_int_eq(db_transaction_begin(f.db, &err), 0);
	ck_assert_msg(db_transaction_commit(f.db, &err) == 0, "%s", err.message);
	db_close(other);
	fixture_close(&f);
}
END_TEST

/*
 * An authorizer that refuses COMMIT, the one way to make a read
 * transaction's COMMIT fail; counts its refusals in *opaque.
 */
static int refuse_commit(void *opaque, int action, const char *what, const char *unused1, const char *unused2,
			 const char *unused3)
{
	int *refused = opaque;

	(void)unused1;
	(void)unused2;
	(void)unused3;
	if (action != SQLITE_TRANSACTION || !what || strcmp(what, "COMMIT") != 0)
		return SQLITE_OK;
	(*refused)++;
	return SQLITE_DENY;
}

/* A read transaction whose COMMIT fails is rolled back: its snapshot ends and the connection stays usable. */
START_TEST(test_read_transaction_ends_when_its_commit_fails)
{
	struct fixture f;
	struct sirius_error err = { "" };
	struct db *other;
	int refused = 0;

	fixture_open(&f);
	other = read_while_another_writes(&f);
	/* setting an authorizer expires the prepared COMMIT: it is prepared again, and refused */
	sqlite3_set_authorizer(f.db->sqlite, refuse_commit, &refused);
	db_read_end(f.db);
	ck_assert_int_eq(refused, 1);
	ck_assert_int_eq(sqlite3_get_autocommit(f.db->sqlite), 1);
	sqlite3_set_authorizer(f.db->sqlite, NULL, NULL);
	ck_assert_int_eq(db_user_count(f.db, &err), 1);
	ck_assert_msg(db_read_begin(f.db, &err) == 0, "%s", err.message);
	db_read_end(f.db);
	ck_assert_int_eq(db_transaction_begin(f.db, &err), 0);
	ck_assert_msg(db_transaction_commit(f.db, &err) == 0, "%s", err.message);
	db_close(other);
	fixture_close(&f);
}
END_TEST

START_TEST(test_command_ids_above_stored_messages)
{
	struct fixture f;
	struct sirius_error err = { "" };
	uint32_t id = 0;
	int64_t printer;

	fixture_open(&f);
	printer = make_printer(f.db, "000d6f0001020304");
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), 0);
	ck_assert_uint_eq(id, 1);
	/* A message stored with a high id, as an older server may have left it. */
	ck_assert_int_eq(queue_message(f.db, 70000, printer, 5, &err), 0);
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), 0);
	ck_assert_uint_eq(id, 70001);
	/* Deleting the message does not bring its id back. */
	raw_exec(f.path, "DELETE FROM messages");
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), 0);
	ck_assert_uint_eq(id, 70002);
	/* The last id there is, then nothing more. */
	db_close(f.db);
	raw_exec(f.path, "UPDATE command_ids SET last = 4294967294;");
	f.db = db_open(f.path, &err);
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), 0);
	ck_assert_uint_eq(id, 4294967295u);
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "every command_id"));
	fixture_close(&f);
}
END_TEST

#define WRITER_IDS 150

/* In a child process: takes WRITER_IDS ids on its own connection and writes them to fd. */
static void writer(const char *path, int fd)
{
	struct sirius_error err = { "" };
	struct db *db = db_open(path, &err);
	uint32_t ids[WRITER_IDS];
	int i;

	if (!db)
		_exit(2);
	for (i = 0; i < WRITER_IDS; i++)
		if (db_next_command_id(db, &ids[i], &err) < 0)
			_exit(3);
	db_close(db);
	_exit(write(fd, ids, sizeof(ids)) == (ssize_t)sizeof(ids) ? 0 : 4);
}

START_TEST(test_command_ids_two_writers)
{
	struct fixture f;
	uint32_t ids[2][WRITER_IDS];
	GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	pid_t pid[2];
	int fds[2][2], k, i, status;

	fixture_open(&f);
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(pipe(fds[k]), 0);
		pid[k] = fork();
		ck_assert_int_ge(pid[k], 0);
		if (pid[k] == 0) {
			close(fds[k][0]);
			writer(f.path, fds[k][1]);
		}
		close(fds[k][1]);
	}
	for (k = 0; k < 2; k++) {
		size_t got = 0;
		ssize_t n;

		while (got < sizeof(ids[k]) && (n = read(fds[k][0], (char *)ids[k] + got, sizeof(ids[k]) - got)) > 0)
			got += (size_t)n;
		close(fds[k][0]);
		ck_assert_int_eq(waitpid(pid[k], &status, 0), pid[k]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed (%d)", k, status);
		ck_assert_uint_eq(got, sizeof(ids[k]));
	}
	for (k = 0; k < 2; k++)
		for (i = 0; i < WRITER_IDS; i++) {
			ck_assert_uint_ne(ids[k][i], 0);
			if (i > 0)
				ck_assert_uint_gt(ids[k][i], ids[k][i - 1]);
			ck_assert_msg(!g_hash_table_contains(seen, GUINT_TO_POINTER(ids[k][i])),
				      "id %u handed out twice", ids[k][i]);
			g_hash_table_add(seen, GUINT_TO_POINTER(ids[k][i]));
		}
	ck_assert_uint_eq(g_hash_table_size(seen), 2 * WRITER_IDS);
	g_hash_table_destroy(seen);
	fixture_close(&f);
}
END_TEST

/*
 * A write that meets another connection's lock waits for it in short steps:
 * it gives up with a busy error when the lock outlasts the busy timeout, and
 * goes through once the lock is released during the wait.
 */
START_TEST(test_busy_wait)
{
	struct sirius_error err = { "" };
	struct fixture f;
	sqlite3 *holder;
	uint32_t id;
	pid_t pid;
	int fds[2], status;
	char c;

	fixture_open(&f);
	ck_assert_int_eq(sqlite3_open(f.path, &holder), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(holder, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	db_set_busy_timeout(f.db, 20);
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), -1);
	ck_assert(db_busy(f.db));
	ck_assert_int_eq(sqlite3_exec(holder, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(holder);
	ck_assert_int_eq(db_next_command_id(f.db, &id, &err), 0);

	/* a lock released while the write waits (the timeout is generous) */
	db_set_busy_timeout(f.db, 30000);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		if (sqlite3_open(f.path, &holder) != SQLITE_OK ||
		    sqlite3_exec(holder, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK || write(fds[1], "x", 1) != 1)
			_exit(1);
		g_usleep(50000);
		_exit(sqlite3_exec(holder, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : 1);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	close(fds[0]);
	ck_assert_msg(db_next_command_id(f.db, &id, &err) == 0, "%s", err.message);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fixture_close(&f);
}
END_TEST

/* ---- messages --------------------------------------------------------------- */

START_TEST(test_users_and_passwords)
{
	struct fixture f;
	struct sirius_error err = { "" };
	struct db_user u;
	int64_t id = 0, other = 0;

	fixture_open(&f);
	ck_assert_int_eq(db_user_count(f.db, &err), 0);
	ck_assert_int_eq(db_user_create(f.db, "Alice.B-1_", "correct horse", 1, 500, &id, &err), 1);
	ck_assert_int_eq(db_user_create(f.db, "alice.b-1_", "other", 0, 500, &other, &err), 0);
	ck_assert_int_eq(db_user_create(f.db, "", "pw", 0, 500, NULL, &err), -1);
	ck_assert_int_eq(db_user_create(f.db, "has space", "pw", 0, 500, NULL, &err), -1);
	ck_assert_int_eq(db_user_create(f.db, "abcdefghijklmnopqrstuvwxyzABCDEFG", "pw", 0, 500, NULL, &err), -1);
	ck_assert_int_eq(db_user_create(f.db, "abcdefghijklmnopqrstuvwxyzABCDEF", "pw", 0, 500, NULL, &err), 1);
	ck_assert_int_eq(db_user_create(f.db, "nopassword", "", 0, 500, NULL, &err), -1);
	ck_assert_int_eq(db_user_count(f.db, &err), 2);

	ck_assert_int_eq(db_user_by_name(f.db, "ALICE.B-1_", &u, &err), 1);
	ck_assert_int_eq(u.id, id);
	ck_assert_str_eq(u.name, "Alice.B-1_");
	ck_assert_int_eq(u.is_admin, 1);
	ck_assert_str_eq(u.api_key, "");
	ck_assert_int_eq(u.created, 500);
	ck_assert_ptr_nonnull(strstr(u.password_hash, "$argon2id$"));
	ck_assert(strstr(u.password_hash, "correct horse") == NULL);
	ck_assert_int_eq(db_user_by_id(f.db, id, &u, &err), 1);
	ck_assert_int_eq(db_user_by_id(f.db, id + 100, &u, &err), 0);
	ck_assert_int_eq(db_user_by_name(f.db, "nobody", &u, &err), 0);

	ck_assert_int_eq(db_user_login(f.db, "alice.b-1_", "correct horse", &u, &err), 1);
	ck_assert_int_eq(u.id, id);
	ck_assert_int_eq(db_user_login(f.db, "Alice.B-1_", "correct horsE", &u, &err), 0);
	ck_assert_int_eq(db_user_login(f.db, "nobody", "correct horse", &u, &err), 0);
	ck_assert_int_eq(db_user_login(f.db, "bad name!", "correct horse", &u, &err), 0);

	ck_assert_int_eq(db_user_set_password(f.db, id, "new one", &err), 1);
	ck_assert_int_eq(db_user_login(f.db, "alice.b-1_", "correct horse", NULL, &err), 0);
	ck_assert_int_eq(db_user_login(f.db, "alice.b-1_", "new one", NULL, &err), 1);
	ck_assert_int_eq(db_user_set_password(f.db, id + 100, "x", &err), 0);
	ck_assert_int_eq(db_user_set_admin(f.db, id, 0, &err), 1);
	ck_assert_int_eq(db_user_by_id(f.db, id, &u, &err), 1);
	ck_assert_int_eq(u.is_admin, 0);

	ck_assert_int_eq(db_user_delete(f.db, id, &err), 1);
	ck_assert_int_eq(db_user_delete(f.db, id, &err), 0);
	ck_assert_int_eq(db_user_count(f.db, &err), 1);
	fixture_close(&f);
}
END_TEST

START_TEST(test_login_rehashes_old_hash)
{
	struct fixture f;
	struct sirius_error err = { "" };
	struct db_user before, after;
	int64_t id;

	fixture_open(&f);
	password_set_cost(PASSWORD_COST_INTERACTIVE);
	id = make_user(f.db, "carol");
	password_set_cost(PASSWORD_COST_MINIMUM);
	ck_assert_int_eq(db_user_by_id(f.db, id, &before, &err), 1);
	ck_assert_int_eq(db_user_login(f.db, "carol", "secret password", NULL, &err), 1);
	ck_assert_int_eq(db_user_by_id(f.db, id, &after, &err), 1);
	ck_assert_str_ne(before.password_hash, after.password_hash);
	ck_assert(!password_needs_rehash(after.password_hash));
	ck_assert_int_eq(db_user_login(f.db, "carol", "secret password", NULL, &err), 1);
	fixture_close(&f);
}
END_TEST

START_TEST(test_api_keys)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char key[DB_API_KEY_LEN + 1], first[DB_API_KEY_LEN + 1];
	struct db_user u;
	int64_t id;
	size_t i;

	fixture_open(&f);
	id = make_user(f.db, "dan");
	ck_assert_int_eq(db_user_new_api_key(f.db, id, key, &err), 1);
	ck_assert_uint_eq(strlen(key), DB_API_KEY_LEN);
	for (i = 0; i < DB_API_KEY_LEN; i++)
		ck_assert(strchr("abcdefghijklmnopqrstuvwxyz0123456789", key[i]) != NULL);
	strcpy(first, key);
	ck_assert_int_eq(db_user_by_api_key(f.db, key, &u, &err), 1);
	ck_assert_int_eq(u.id, id);
	ck_assert_str_eq(u.api_key, key);
	ck_assert_int_eq(db_user_new_api_key(f.db, id, key, &err), 1);
	ck_assert_str_ne(first, key);
	ck_assert_int_eq(db_user_by_api_key(f.db, first, &u, &err), 0);
	ck_assert_int_eq(db_user_by_api_key(f.db, key, &u, &err), 1);
	ck_assert_int_eq(db_user_by_api_key(f.db, "short", &u, &err), 0);
	ck_assert_int_eq(db_user_clear_api_key(f.db, id, &err), 1);
	ck_assert_int_eq(db_user_by_api_key(f.db, key, &u, &err), 0);
	ck_assert_int_eq(db_user_new_api_key(f.db, id + 9, key, &err), 0);
	fixture_close(&f);
}
END_TEST

START_TEST(test_sessions)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char token[DB_SESSION_TOKEN_LEN + 1], other[DB_SESSION_TOKEN_LEN + 1];
	struct db_session s, found;
	int64_t id;
	char saved;

	fixture_open(&f);
	id = make_user(f.db, "erin");
	ck_assert_int_eq(db_session_create(f.db, id, 1000, 3600, token, &s, &err), 0);
	ck_assert_uint_eq(strlen(token), DB_SESSION_TOKEN_LEN);
	ck_assert_uint_eq(strlen(s.csrf_token), DB_CSRF_TOKEN_LEN);
	ck_assert_int_eq(s.expires, 4600);
	/* Only a hash of the token is stored. */
	{
		char sql[200];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE token_hash = '%s'", token);
		ck_assert_int_eq(raw_int(f.path, sql), 0);
	}
	ck_assert_int_eq(db_session_find(f.db, token, 2000, &found, &err), 1);
	ck_assert_int_eq(found.user_id, id);
	ck_assert_str_eq(found.csrf_token, s.csrf_token);
	ck_assert_int_eq(db_session_find(f.db, token, 4600, &found, &err), 0);
	ck_assert_int_eq(db_session_find(f.db, "not a token", 2000, &found, &err), 0);
	saved = token[0];
	token[0] = saved == 'a' ? 'b' : 'a';
	ck_assert_int_eq(db_session_find(f.db, token, 2000, &found, &err), 0);
	token[0] = saved;

	ck_assert_int_eq(db_session_create(f.db, id, 1000, 10, other, NULL, &err), 0);
	ck_assert_str_ne(token, other);
	ck_assert_int_eq(db_sessions_purge(f.db, 1010, &err), 1);
	ck_assert_int_eq(db_session_find(f.db, other, 1005, &found, &err), 0);
	ck_assert_int_eq(db_session_delete(f.db, token, &err), 1);
	ck_assert_int_eq(db_session_find(f.db, token, 2000, &found, &err), 0);
	ck_assert_int_eq(db_session_delete(f.db, token, &err), 0);

	ck_assert_int_eq(db_session_create(f.db, id, 1000, 100, token, NULL, &err), 0);
	ck_assert_int_eq(db_session_create(f.db, id, 1000, 100, other, NULL, &err), 0);
	ck_assert_int_eq(db_sessions_delete_user(f.db, id, &err), 2);
	ck_assert_int_eq(db_session_create(f.db, id, 1000, 0, token, NULL, &err), -1);
	/* Deleting the user ends their sessions. */
	ck_assert_int_eq(db_session_create(f.db, id, 1000, 100, token, NULL, &err), 0);
	ck_assert_int_eq(db_user_delete(f.db, id, &err), 1);
	ck_assert_int_eq(db_session_find(f.db, token, 1001, &found, &err), 0);
	fixture_close(&f);
}
END_TEST

START_TEST(test_login_failures)
{
	struct fixture f;
	struct sirius_error err = { "" };
	int64_t by_name = -1, by_address = -1;

	fixture_open(&f);
	ck_assert_int_eq(db_login_failure(f.db, "frank", "192.0.2.1", 100, &err), 0);
	ck_assert_int_eq(db_login_failure(f.db, "Frank", "192.0.2.2", 200, &err), 0);
	ck_assert_int_eq(db_login_failure(f.db, "gina", "192.0.2.1", 300, &err), 0);
	/* A name's failures count only from the address they came from (lockout from elsewhere). */
	ck_assert_int_eq(db_login_failures(f.db, "FRANK", "192.0.2.1", 0, &by_name, &by_address, &err), 0);
	ck_assert_int_eq(by_name, 1);
	ck_assert_int_eq(by_address, 2);
	ck_assert_int_eq(db_login_failures(f.db, "frank", "192.0.2.2", 0, &by_name, &by_address, &err), 0);
	ck_assert_int_eq(by_name, 1);
	ck_assert_int_eq(by_address, 1);
	ck_assert_int_eq(db_login_failures(f.db, "frank", "192.0.2.3", 0, &by_name, &by_address, &err), 0);
	ck_assert_int_eq(by_name, 0);
	ck_assert_int_eq(by_address, 0);
	ck_assert_int_eq(db_login_failures(f.db, "frank", "192.0.2.1", 150, &by_name, &by_address, &err), 0);
	ck_assert_int_eq(by_name, 0);
	ck_assert_int_eq(by_address, 1);
	ck_assert_int_eq(db_login_failures_purge(f.db, 250, &err), 2);
	ck_assert_int_eq(db_login_failures(f.db, "frank", "192.0.2.1", 0, &by_name, &by_address, &err), 0);
	ck_assert_int_eq(by_name, 0);
	ck_assert_int_eq(by_address, 1);
	fixture_close(&f);
}
END_TEST

/* The first account is an administrator however it is made (db_user_create too), later ones only when asked. */
START_TEST(test_first_account_admin_every_way)
{
	struct fixture f;
	struct sirius_error err = { "" };
	struct db_user u;
	int64_t id = 0;

	fixture_open(&f);
	ck_assert_int_eq(db_user_create(f.db, "first", "secret password", 0, 10, &id, &err), 1);
	ck_assert_int_eq(db_user_by_id(f.db, id, &u, &err), 1);
	ck_assert(u.is_admin);
	ck_assert_int_eq(db_user_create(f.db, "second", "secret password", 0, 11, &id, &err), 1);
	ck_assert_int_eq(db_user_by_id(f.db, id, &u, &err), 1);
	ck_assert(!u.is_admin);
	ck_assert_int_eq(db_user_create(f.db, "third", "secret password", 1, 12, &id, &err), 1);
	ck_assert_int_eq(db_user_by_id(f.db, id, &u, &err), 1);
	ck_assert(u.is_admin);
	ck_assert_int_eq(db_user_admin_count(f.db, &err), 2);
	fixture_close(&f);
}
END_TEST

/*
 * Administrators change accounts: the last enabled administrator can be
 * neither unmade nor disabled (a disabled one does not count), disabling
 * ends the account's sessions, and the list shows each account with its
 * printers.
 */
START_TEST(test_user_changes_keep_an_administrator)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char token[DB_SESSION_TOKEN_LEN + 1];
	struct db_user_summary *list = NULL;
	struct db_session session;
	struct db_user u;
	size_t n = 0;
	int64_t alice, bob;

	fixture_open(&f);
	alice = make_user(f.db, "alice");
	bob = make_user(f.db, "Bob");
	ck_assert_int_eq(db_user_change(f.db, alice, DB_USER_UNMAKE_ADMIN, &err), DB_USER_LAST_ADMIN);
	ck_assert_int_eq(db_user_change(f.db, alice, DB_USER_DISABLE, &err), DB_USER_LAST_ADMIN);
	ck_assert_int_eq(db_user_change(f.db, 999, DB_USER_DISABLE, &err), DB_USER_NO_SUCH);
	ck_assert_int_eq(db_user_change(f.db, bob, DB_USER_MAKE_ADMIN, &err), DB_USER_CHANGED);
	ck_assert_int_eq(db_user_admin_count(f.db, &err), 2);
	ck_assert_int_eq(db_session_create(f.db, alice, 100, 1000, token, NULL, &err), 0);
	ck_assert_int_eq(db_user_change(f.db, alice, DB_USER_DISABLE, &err), DB_USER_CHANGED);
	ck_assert_int_eq(db_session_find(f.db, token, 100, &session, &err), 0);
	ck_assert_int_eq(db_user_by_id(f.db, alice, &u, &err), 1);
	ck_assert(u.disabled && u.is_admin);
	/* alice is disabled: bob is the last enabled administrator */
	ck_assert_int_eq(db_user_admin_count(f.db, &err), 1);
	ck_assert_int_eq(db_user_change(f.db, bob, DB_USER_UNMAKE_ADMIN, &err), DB_USER_LAST_ADMIN);
	ck_assert_int_eq(db_user_change(f.db, alice, DB_USER_ENABLE, &err), DB_USER_CHANGED);
	ck_assert_int_eq(db_user_change(f.db, bob, DB_USER_UNMAKE_ADMIN, &err), DB_USER_CHANGED);
	ck_assert_int_eq(db_user_by_id(f.db, bob, &u, &err), 1);
	ck_assert(!u.is_admin && !u.disabled);

	ck_assert_int_eq(db_printer_seen(f.db, "000d6f0001020304", 10, NULL, &err), 0);
	raw_exec(f.path, "UPDATE printers SET owner_id = 2, name = 'desk'");
	ck_assert_int_eq(db_users_list(f.db, 0, -1, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].user.name, "alice");
	ck_assert_int_eq(list[0].printers, 0);
	ck_assert_str_eq(list[1].user.name, "Bob");
	ck_assert_int_eq(list[1].printers, 1);
	ck_assert_str_eq(list[1].user.password_hash, "");
	db_free(list);
	ck_assert_int_eq(db_users_list(f.db, 1, 1, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0].user.name, "Bob");
	db_free(list);
	fixture_close(&f);
}
END_TEST

/*
 * The per-account count of failed logins: across addresses, ignoring case,
 * and the account's own count since its last good sign-in, given back once.
 */
START_TEST(test_login_account_failures)
{
	struct fixture f;
	struct sirius_error err = { "" };
	int64_t count = -1, oldest = -1, before = -1;
	struct db_user u;
	int64_t alice;

	fixture_open(&f);
	alice = make_user(f.db, "alice");
	ck_assert_int_eq(db_login_failure(f.db, "alice", "192.0.2.1", 100, &err), 0);
	ck_assert_int_eq(db_login_failure(f.db, "ALICE", "192.0.2.2", 200, &err), 0);
	ck_assert_int_eq(db_login_failure(f.db, "nobody", "192.0.2.2", 250, &err), 0);
	ck_assert_int_eq(db_login_account_failures(f.db, "Alice", 0, &count, &oldest, &err), 0);
	ck_assert_int_eq(count, 2);
	ck_assert_int_eq(oldest, 100);
	ck_assert_int_eq(db_login_account_failures(f.db, "alice", 150, &count, &oldest, &err), 0);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(oldest, 200);
	ck_assert_int_eq(db_login_account_failures(f.db, "carol", 0, &count, &oldest, &err), 0);
	ck_assert_int_eq(count, 0);
	ck_assert_int_eq(oldest, 0);
	ck_assert_int_eq(db_user_by_id(f.db, alice, &u, &err), 1);
	ck_assert_int_eq(u.failed_logins, 2);
	ck_assert_int_eq(db_user_signed_in(f.db, alice, "198.51.100.7", &before, &err), 0);
	ck_assert_int_eq(before, 2);
	ck_assert_int_eq(db_user_by_id(f.db, alice, &u, &err), 1);
	ck_assert_int_eq(u.failed_logins, 0);
	ck_assert_str_eq(u.last_login_address, "198.51.100.7");
	ck_assert_int_eq(db_user_signed_in(f.db, alice, "198.51.100.7", &before, &err), 0);
	ck_assert_int_eq(before, 0);
	fixture_close(&f);
}
END_TEST

/* A session keeps one notice for its next page, bounded, and clears it. */
START_TEST(test_session_notice)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char token[DB_SESSION_TOKEN_LEN + 1], *long_notice;
	struct db_session s;
	int64_t alice;

	fixture_open(&f);
	alice = make_user(f.db, "alice");
	ck_assert_int_eq(db_session_create(f.db, alice, 100, 1000, token, &s, &err), 0);
	ck_assert_str_eq(s.notice, "");
	ck_assert_int_eq(db_session_set_notice(f.db, s.id, "The message was sent again.", &err), 1);
	ck_assert_int_eq(db_session_find(f.db, token, 101, &s, &err), 1);
	ck_assert_str_eq(s.notice, "The message was sent again.");
	long_notice = g_strnfill(DB_NOTICE_MAX + 1, 'a');
	ck_assert_int_eq(db_session_set_notice(f.db, s.id, long_notice, &err), -1);
	g_free(long_notice);
	ck_assert_int_eq(db_session_set_notice(f.db, s.id, NULL, &err), 1);
	ck_assert_int_eq(db_session_find(f.db, token, 102, &s, &err), 1);
	ck_assert_str_eq(s.notice, "");
	ck_assert_int_eq(db_session_set_notice(f.db, 999, "x", &err), 0);
	fixture_close(&f);
}
END_TEST

/* The administrators' list of printers: claimed first, then newest seen, with owners' names, a page at a time. */
START_TEST(test_printers_list_for_admins)
{
	struct fixture f;
	struct sirius_error err = { "" };
	struct db_printer_summary *list = NULL;
	size_t n = 0;

	fixture_open(&f);
	make_user(f.db, "alice");
	ck_assert_int_eq(db_printer_seen(f.db, "000d6f0001020304", 10, NULL, &err), 0);
	ck_assert_int_eq(db_printer_seen(f.db, "000d6f0001020305", 20, NULL, &err), 0);
	ck_assert_int_eq(db_printer_seen(f.db, "000d6f0001020306", 30, NULL, &err), 0);
	raw_exec(f.path, "UPDATE printers SET owner_id = 1, name = 'old one' WHERE address = '000d6f0001020304'");
	ck_assert_int_eq(db_printer_count(f.db, &err), 3);
	ck_assert_int_eq(db_printers_list(f.db, 0, 2, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].printer.name, "old one");
	ck_assert_str_eq(list[0].owner, "alice");
	ck_assert_str_eq(list[1].printer.address, "000d6f0001020306");
	ck_assert_str_eq(list[1].owner, "");
	db_free(list);
	ck_assert_int_eq(db_printers_list(f.db, 2, 2, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0].printer.address, "000d6f0001020305");
	db_free(list);
	fixture_close(&f);
}
END_TEST

/* Regression (two first sign-ups both admin): the first sign-up is an administrator, later ones are not. */
START_TEST(test_first_signup_admin_once)
{
	struct fixture f;
	struct sirius_error err = { "" };
	struct db_user u;
	int64_t id = 0;
	int admin = -1;

	fixture_open(&f);
	ck_assert_int_eq(db_user_signup(f.db, "first", "secret password", 10, &id, &admin, &err), 1);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(admin, 1);
	ck_assert_int_eq(db_user_signup(f.db, "second", "secret password", 11, &id, &admin, &err), 1);
	ck_assert_int_eq(admin, 0);
	ck_assert_int_eq(db_user_by_name(f.db, "second", &u, &err), 1);
	ck_assert_int_eq(u.is_admin, 0);
	ck_assert_int_eq(db_user_signup(f.db, "FIRST", "secret password", 12, &id, &admin, &err), 0);
	ck_assert_int_eq(db_user_signup(f.db, "bad name", "secret password", 12, NULL, NULL, &err), -1);
	fixture_close(&f);
}
END_TEST

/* Regression (two first sign-ups both admin): many processes signing up at once on an empty database make one administrator. */
START_TEST(test_first_signup_admin_once_concurrently)
{
	enum { PROCESSES = 6 };
	struct fixture f;
	pid_t pids[PROCESSES];
	int i, status;

	fixture_open(&f);
	db_close(f.db);
	f.db = NULL;
	for (i = 0; i < PROCESSES; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			struct sirius_error err = { "" };
			struct db *db = db_open(f.path, &err);
			char name[32];
			int rc;

			snprintf(name, sizeof(name), "racer%d", i);
			rc = db && db_user_signup(db, name, "secret password", 10, NULL, NULL, &err) == 1;
			db_close(db);
			_exit(rc ? 0 : 1);
		}
	}
	for (i = 0; i < PROCESSES; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_int_eq(raw_int(f.path, "SELECT count(*) FROM users"), PROCESSES);
	ck_assert_int_eq(raw_int(f.path, "SELECT count(*) FROM users WHERE is_admin = 1"), 1);
	fixture_close(&f);
}
END_TEST

/* Regression (sessions unbounded): a user keeps only the newest sessions. */
START_TEST(test_sessions_trimmed)
{
	struct fixture f;
	struct sirius_error err = { "" };
	char tokens[4][DB_SESSION_TOKEN_LEN + 1];
	struct db_session row;
	int64_t alice, bob;
	int i;

	fixture_open(&f);
	alice = make_user(f.db, "alice");
	bob = make_user(f.db, "bob");
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(db_session_create(f.db, alice, 100 + i, 1000, tokens[i], NULL, &err), 0);
	ck_assert_int_eq(db_session_create(f.db, bob, 90, 1000, tokens[0], NULL, &err), 0);
	ck_assert_int_eq(db_sessions_trim_user(f.db, alice, 2, &err), 2);
	ck_assert_int_eq(db_session_find(f.db, tokens[1], 200, &row, &err), 0);
	ck_assert_int_eq(db_session_find(f.db, tokens[2], 200, &row, &err), 1);
	ck_assert_int_eq(db_session_find(f.db, tokens[3], 200, &row, &err), 1);
	/* Other users' sessions stay. */
	ck_assert_int_eq(db_session_find(f.db, tokens[0], 200, &row, &err), 1);
	ck_assert_int_eq(row.user_id, bob);
	ck_assert_int_eq(db_sessions_trim_user(f.db, alice, -1, &err), -1);
	fixture_close(&f);
}
END_TEST

/* Attempts are counted per kind and subject within a window, with the oldest time, and purged. */
START_TEST(test_attempts)
{
	struct fixture f;
	struct sirius_error err = { "" };
	int64_t count = -1, oldest = -1;

	fixture_open(&f);
	ck_assert_int_eq(db_attempt_add(f.db, "claim-user", "7", 100, &err), 0);
	ck_assert_int_eq(db_attempt_add(f.db, "claim-user", "7", 200, &err), 0);
	ck_assert_int_eq(db_attempt_add(f.db, "claim-user", "8", 200, &err), 0);
	ck_assert_int_eq(db_attempt_add(f.db, "signup-address", "7", 200, &err), 0);
	ck_assert_int_eq(db_attempts(f.db, "claim-user", "7", 0, &count, &oldest, &err), 0);
	ck_assert_int_eq(count, 2);
	ck_assert_int_eq(oldest, 100);
	ck_assert_int_eq(db_attempts(f.db, "claim-user", "7", 150, &count, &oldest, &err), 0);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(oldest, 200);
	ck_assert_int_eq(db_attempts(f.db, "claim-user", "9", 0, &count, &oldest, &err), 0);
	ck_assert_int_eq(count, 0);
	ck_assert_int_eq(oldest, 0);
	ck_assert_int_eq(db_attempt_add(f.db, "", "7", 200, &err), -1);
	ck_assert_int_eq(db_attempts_purge(f.db, 150, &err), 1);
	ck_assert_int_eq(db_attempts(f.db, "claim-user", "7", 0, &count, &oldest, &err), 0);
	ck_assert_int_eq(count, 1);
	fixture_close(&f);
}
END_TEST

/* ---- device keys and friends ------------------------------------------------ */

START_TEST(test_device_keys)
{
	struct fixture f;
	struct sirius_error err = { "" };
	struct db_device_key k1, k2, found, *list;
	char **senders;
	size_t n;
	int64_t printer, other;

	fixture_open(&f);
	printer = make_printer(f.db, "000d6f0001020304");
	other = make_printer(f.db, "000d6f00aabbccdd");
	ck_assert_int_eq(db_device_key_create(f.db, printer, 300, &k1, &err), 0);
	ck_assert_int_eq(db_device_key_create(f.db, printer, 301, &k2, &err), 0);
	ck_assert(db_device_key_valid(k1.secret));
	ck_assert_str_ne(k1.secret, k2.secret);
	ck_assert_int_eq(db_device_key_create(f.db, 9999, 300, &found, &err), -1);

	ck_assert_int_eq(db_device_key_find(f.db, k1.secret, &found, &err), 1);
	ck_assert_int_eq(found.id, k1.id);
	ck_assert_int_eq(found.printer_id, printer);
	ck_assert_int_eq(found.uses, 0);
	ck_assert_int_eq(db_device_key_find(f.db, "aaaaaaaaaaaaaaaaaaaa", &found, &err), 0);
	ck_assert_int_eq(db_device_key_find(f.db, "AAAAAAAAAAAAAAAAAAAA", &found, &err), 0);
	ck_assert(!db_device_key_valid("abc"));

	ck_assert_int_eq(db_device_key_used(f.db, k1.id, "zoe", &err), 1);
	ck_assert_int_eq(db_device_key_used(f.db, k1.id, "adam", &err), 1);
	ck_assert_int_eq(db_device_key_used(f.db, k1.id, "zoe", &err), 1);
	ck_assert_int_eq(db_device_key_used(f.db, 9999, "zoe", &err), 0);
	ck_assert_int_eq(db_device_key_find(f.db, k1.secret, &found, &err), 1);
	ck_assert_int_eq(found.uses, 3);
	ck_assert_int_eq(db_device_key_senders(f.db, k1.id, &senders, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(senders[0], "adam");
	ck_assert_str_eq(senders[1], "zoe");
	db_strings_free(senders, n);

	ck_assert_int_eq(db_device_keys_of_printer(f.db, printer, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].secret, k1.secret);
	ck_assert_str_eq(list[1].secret, k2.secret);
	db_free(list);

	ck_assert_int_eq(db_device_key_delete(f.db, k1.id, other, &err), 0);
	ck_assert_int_eq(db_device_key_delete(f.db, k1.id, printer, &err), 1);
	ck_assert_int_eq(db_device_key_find(f.db, k1.secret, &found, &err), 0);
	ck_assert_int_eq(raw_int(f.path, "SELECT count(*) FROM device_key_senders"), 0);
	fixture_close(&f);
}
END_TEST

START_TEST(test_friends)
{
	struct fixture f;
	struct sirius_error err = { "" };
	struct db_user *list;
	size_t n;
	int64_t a, b, c;

	fixture_open(&f);
	a = make_user(f.db, "anna");
	b = make_user(f.db, "zed");
	c = make_user(f.db, "bert");
	ck_assert_int_eq(db_friend_add(f.db, a, b, 10, &err), 1);
	ck_assert_int_eq(db_friend_add(f.db, a, b, 11, &err), 0);
	ck_assert_int_eq(db_friend_add(f.db, a, c, 12, &err), 1);
	ck_assert_int_eq(db_friend_add(f.db, a, a, 12, &err), -1);
	ck_assert_int_eq(db_friend_add(f.db, a, 9999, 12, &err), -1);
	ck_assert_int_eq(db_friend_is(f.db, a, b, &err), 1);
	ck_assert_int_eq(db_friend_is(f.db, b, a, &err), 0);
	ck_assert_int_eq(db_friends_of(f.db, a, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].name, "bert");
	ck_assert_str_eq(list[1].name, "zed");
	ck_assert_str_eq(list[1].password_hash, "");
	db_free(list);
	ck_assert_int_eq(db_friend_remove(f.db, a, b, &err), 1);
	ck_assert_int_eq(db_friend_remove(f.db, a, b, &err), 0);
	ck_assert_int_eq(db_user_delete(f.db, c, &err), 1);
	ck_assert_int_eq(db_friends_of(f.db, a, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	fixture_close(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("db");
	TCase *schema = tcase_create("schema");
	TCase *ids = tcase_create("command ids");
	TCase *users = tcase_create("users");
	TCase *keys = tcase_create("keys and friends");

	password_set_cost(PASSWORD_COST_MINIMUM);
	tcase_add_test(schema, test_fresh_database_from_schema);
	tcase_add_test(schema, test_foreign_keys_enforced);
	tcase_add_test(schema, test_migration_from_older_version);
	tcase_add_test(schema, test_failing_migration_rolls_back);
	tcase_add_test(schema, test_migration_2_marks_used_codes);
	tcase_add_test(schema, test_migration_10_keeps_payloads_last);
	tcase_add_test(schema, test_refuses_foreign_database);
	tcase_add_test(schema, test_upgrade_from_every_older_version);
	tcase_add_test(ids, test_command_ids_increase_across_reopen);
	tcase_add_test(ids, test_transactions_nest);
	tcase_add_test(ids, test_read_transaction_is_one_snapshot);
	tcase_add_test(ids, test_read_transaction_ends_when_its_commit_fails);
	tcase_add_test(ids, test_command_ids_above_stored_messages);
	tcase_add_test(ids, test_command_ids_two_writers);
	tcase_add_test(ids, test_busy_wait);
	tcase_set_timeout(ids, 60);
	tcase_add_test(users, test_users_and_passwords);
	tcase_add_test(users, test_login_rehashes_old_hash);
	tcase_add_test(users, test_api_keys);
	tcase_add_test(users, test_sessions);
	tcase_add_test(users, test_login_failures);
	tcase_add_test(users, test_first_signup_admin_once);
	tcase_add_test(users, test_first_signup_admin_once_concurrently);
	tcase_add_test(users, test_sessions_trimmed);
	tcase_add_test(users, test_attempts);
	tcase_add_test(users, test_first_account_admin_every_way);
	tcase_add_test(users, test_user_changes_keep_an_administrator);
	tcase_add_test(users, test_login_account_failures);
	tcase_add_test(users, test_session_notice);
	tcase_add_test(users, test_printers_list_for_admins);
	tcase_set_timeout(users, 60);
	tcase_set_timeout(schema, 60);
	tcase_add_test(keys, test_device_keys);
	tcase_add_test(keys, test_friends);
	suite_add_tcase(s, schema);
	suite_add_tcase(s, ids);
	suite_add_tcase(s, users);
	suite_add_tcase(s, keys);
	return run_suite(s);
}
