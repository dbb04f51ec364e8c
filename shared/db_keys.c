/* db_keys.c: the keys of the device-key HTTP API and who printed with them, in the database. */
#include "db_internal.h"

#include <string.h>

#include <glib.h>

#include "random_token.h"

/* Fresh keys tried before giving up, should a random key already exist. */
#define KEY_ATTEMPTS 4

int db_device_key_valid(const char *text)
{
	size_t i;

	if (!text)
		return 0;
	for (i = 0; i < DB_DEVICE_KEY_LEN; i++)
		if (!((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= '0' && text[i] <= '9')))
			return 0;
	return text[DB_DEVICE_KEY_LEN] == '\0';
}

/* Fills the struct db_device_key at out from a row selecting DB_DEVICE_KEY_COLUMNS. */
static void read_key(struct db *db, enum db_stmt id, void *out)
{
	struct db_device_key *key = out;
	sqlite3_stmt *st = db->stmts[id];

	memset(key, 0, sizeof(*key));
	key->id = sqlite3_column_int64(st, 0);
	dbi_column_text(db, id, 1, key->secret, sizeof(key->secret));
	key->printer_id = sqlite3_column_int64(st, 2);
	key->created = sqlite3_column_int64(st, 3);
	key->uses = sqlite3_column_int64(st, 4);
}

int db_device_key_create(struct db *db, int64_t printer_id, int64_t now, struct db_device_key *out,
			 struct sirius_error *err)
{
	int attempt, rc = -1;

	memset(out, 0, sizeof(*out));
	for (attempt = 0; attempt < KEY_ATTEMPTS; attempt++) {
		if (random_token_alnum(out->secret, DB_DEVICE_KEY_LEN, err) < 0)
			return -1;
		if (dbi_bind_text(db, SQL_KEY_INSERT, "$secret", out->secret, err) < 0 ||
		    dbi_bind_int(db, SQL_KEY_INSERT, "$printer", printer_id, err) < 0 ||
		    dbi_bind_int(db, SQL_KEY_INSERT, "$now", now, err) < 0) {
			dbi_reset(db, SQL_KEY_INSERT);
			return -1;
		}
		rc = dbi_run(db, SQL_KEY_INSERT, err);
		/* Only a clash with an existing key (1 in 36^20) is worth another try. */
		if (rc >= 0 || sqlite3_extended_errcode(db->sqlite) != SQLITE_CONSTRAINT_UNIQUE)
			break;
	}
	if (rc < 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->id = sqlite3_last_insert_rowid(db->sqlite);
	out->printer_id = printer_id;
	out->created = now;
	return 0;
}

int db_device_key_find(struct db *db, const char *secret, struct db_device_key *out,
		       struct sirius_error *err)
{
	if (!db_device_key_valid(secret))
		return 0;
	if (dbi_bind_text(db, SQL_KEY_FIND, "$secret", secret, err) < 0) {
		dbi_reset(db, SQL_KEY_FIND);
		return -1;
	}
	return dbi_lookup(db, SQL_KEY_FIND, read_key, out, err);
}

int db_device_key_used(struct db *db, int64_t key_id, const char *sender, struct sirius_error *err)
{
	int changed;

	if (!sender || strnlen(sender, DB_SENDER_MAX + 1) > DB_SENDER_MAX)
		return error_set(err, "a sender name is at most %d bytes", DB_SENDER_MAX);
	if (dbi_begin(db, err) < 0)
		return -1;
	if (dbi_bind_int(db, SQL_KEY_USE, "$id", key_id, err) < 0) {
		dbi_reset(db, SQL_KEY_USE);
		goto fail;
	}
	changed = dbi_run(db, SQL_KEY_USE, err);
	if (changed < 0)
		goto fail;
	if (changed == 0) {
		dbi_rollback(db);
		return 0;
	}
	if (dbi_bind_int(db, SQL_KEY_SENDER_ADD, "$id", key_id, err) < 0 ||
	    dbi_bind_text(db, SQL_KEY_SENDER_ADD, "$sender", sender, err) < 0) {
		dbi_reset(db, SQL_KEY_SENDER_ADD);
		goto fail;
	}
	if (dbi_run(db, SQL_KEY_SENDER_ADD, err) < 0)
		goto fail;
	return dbi_commit(db, err) < 0 ? -1 : 1;
fail:
	dbi_rollback(db);
	return -1;
}

int db_device_keys_of_printer(struct db *db, int64_t printer_id, struct db_device_key **list,
			      size_t *count, struct sirius_error *err)
{
	*list = NULL;
	*count = 0;
	if (dbi_bind_int(db, SQL_KEYS_OF_PRINTER, "$printer", printer_id, err) < 0) {
		dbi_reset(db, SQL_KEYS_OF_PRINTER);
		return -1;
	}
	return dbi_collect(db, SQL_KEYS_OF_PRINTER, read_key, NULL, sizeof(**list), (void **)list, count, err);
}

/* Reads the sender of a row into the char * at out (a copy made with g_strdup). */
static void read_sender(struct db *db, enum db_stmt id, void *out)
{
	const unsigned char *text = sqlite3_column_text(db->stmts[id], 0);

	*(char **)out = g_strdup(text ? (const char *)text : "");
}

/* Frees the string in an element of read_sender. */
static void free_sender(void *element)
{
	g_free(*(char **)element);
}

int db_device_key_senders(struct db *db, int64_t key_id, char ***names, size_t *count,
			  struct sirius_error *err)
{
	*names = NULL;
	*count = 0;
	if (dbi_bind_int(db, SQL_KEY_SENDERS, "$id", key_id, err) < 0) {
		dbi_reset(db, SQL_KEY_SENDERS);
		return -1;
	}
	return dbi_collect(db, SQL_KEY_SENDERS, read_sender, free_sender, sizeof(char *), (void **)names, count, err);
}

int db_device_key_delete(struct db *db, int64_t key_id, int64_t printer_id, struct sirius_error *err)
{
	if (dbi_bind_int(db, SQL_KEY_DELETE, "$id", key_id, err) < 0 ||
	    dbi_bind_int(db, SQL_KEY_DELETE, "$printer", printer_id, err) < 0) {
		dbi_reset(db, SQL_KEY_DELETE);
		return -1;
	}
	return dbi_run(db, SQL_KEY_DELETE, err);
}

void db_strings_free(char **strings, size_t count)
{
	size_t i;

	for (i = 0; strings && i < count; i++)
		g_free(strings[i]);
	g_free(strings);
}

/* api */

/* The window a device key's rate is counted over, in milliseconds. */
#define KEY_RATE_PERIOD_MS 60000

/* The whole seconds until one more request of a key whose theoretical arrival time is tat fits (at least 1). */
static int64_t seconds_until_it_fits(int64_t tat, int64_t interval, int64_t now_ms)
{
	/* the next request fits when now >= tat + interval - period */
	int64_t seconds = (tat + interval - KEY_RATE_PERIOD_MS - now_ms + 999) / 1000;

	return seconds < 1 ? 1 : seconds;
}

int db_device_key_rate_check(struct db *db, int64_t key_id, int rate, int64_t now_ms, int64_t *retry_after,
			     struct sirius_error *err)
{
	int64_t interval, tat = 0;
	int rc;

	*retry_after = 0;
	if (rate < 1)
		return error_set(err, "a key's rate must be at least 1 a minute");
	interval = KEY_RATE_PERIOD_MS / rate;
	if (dbi_bind_int(db, SQL_KEY_RATE_TAT, "$id", key_id, err) < 0) {
		dbi_reset(db, SQL_KEY_RATE_TAT);
		return -1;
	}
	rc = dbi_step(db, SQL_KEY_RATE_TAT, err);
	if (rc == SQLITE_ROW)
		tat = sqlite3_column_int64(db->stmts[SQL_KEY_RATE_TAT], 0);
	dbi_reset(db, SQL_KEY_RATE_TAT);
	if (rc < 0)
		return -1;
	/* a burst of rate, then one every interval: the theoretical arrival time may run a period ahead */
	if ((tat > now_ms ? tat : now_ms) + interval - now_ms <= KEY_RATE_PERIOD_MS)
		return 1;
	*retry_after = seconds_until_it_fits(tat, interval, now_ms);
	return 0;
}

int db_device_key_rate_count(struct db *db, int64_t key_id, int rate, int64_t now_ms, struct sirius_error *err)
{
	if (rate < 1)
		return error_set(err, "a key's rate must be at least 1 a minute");
	if (dbi_bind_int(db, SQL_KEY_RATE_COUNT, "$id", key_id, err) < 0 ||
	    dbi_bind_int(db, SQL_KEY_RATE_COUNT, "$now", now_ms, err) < 0 ||
	    dbi_bind_int(db, SQL_KEY_RATE_COUNT, "$interval", KEY_RATE_PERIOD_MS / rate, err) < 0) {
		dbi_reset(db, SQL_KEY_RATE_COUNT);
		return -1;
	}
	return dbi_run(db, SQL_KEY_RATE_COUNT, err) < 0 ? -1 : 0;
}

int db_device_key_rate(struct db *db, int64_t key_id, int rate, int64_t now_ms, int64_t *retry_after,
		       struct sirius_error *err)
{
	int rc;

	/* the check and the count in one transaction: no other process counts in between */
	if (dbi_begin(db, err) < 0)
		return -1;
	rc = db_device_key_rate_check(db, key_id, rate, now_ms, retry_after, err);
	if (rc == 1 && db_device_key_rate_count(db, key_id, rate, now_ms, err) < 0)
		rc = -1;
	if (rc < 0) {
		dbi_rollback(db);
		return -1;
	}
	return dbi_commit(db, err) < 0 ? -1 : rc;
}
