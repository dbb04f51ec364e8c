/* db_idempotency.c: answers to API requests with an Idempotency-Key, kept a day, in the database. */
#include "db_internal.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* How long an answer is kept for a repeated request, in seconds. */
#define IDEMPOTENCY_LIFETIME (24 * 3600)

int db_idempotency_key_valid(const char *key)
{
	size_t i;

	if (!key || !key[0])
		return 0;
	for (i = 0; key[i]; i++)
		if (i >= DB_IDEMPOTENCY_KEY_MAX || key[i] < 0x20 || key[i] > 0x7e)
			return 0;
	return 1;
}

/* Binds $scope and $key of a statement. 0, or -1 with the statement reset. */
static int bind_key(struct db *db, enum db_stmt s, const char *scope, const char *key, struct sirius_error *err)
{
	if (dbi_bind_text(db, s, "$scope", scope, err) < 0 || dbi_bind_text(db, s, "$key", key, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	return 0;
}

int db_idempotency_begin(struct db *db, const char *scope, const char *key, int64_t now, int *status,
			 char **body, struct sirius_error *err)
{
	sqlite3_stmt *st;
	int rc, claimed;

	*status = 0;
	*body = NULL;
	if (!scope || !scope[0] || !db_idempotency_key_valid(key))
		return error_set(err, "an Idempotency-Key is 1 to %d printable ASCII characters",
				 DB_IDEMPOTENCY_KEY_MAX);
	if (dbi_begin(db, err) < 0)
		return -1;
	if (dbi_run_with_int(db, SQL_IDEMPOTENCY_PURGE, "$before", now - IDEMPOTENCY_LIFETIME, err) < 0)
		goto fail;
	if (bind_key(db, SQL_IDEMPOTENCY_CLAIM, scope, key, err) < 0 ||
	    dbi_bind_int(db, SQL_IDEMPOTENCY_CLAIM, "$now", now, err) < 0) {
		dbi_reset(db, SQL_IDEMPOTENCY_CLAIM);
		goto fail;
	}
	claimed = dbi_run(db, SQL_IDEMPOTENCY_CLAIM, err);
	if (claimed < 0)
		goto fail;
	if (claimed) {
		if (dbi_commit(db, err) < 0)
			goto fail;
		return DB_IDEMPOTENCY_NEW;
	}
	if (bind_key(db, SQL_IDEMPOTENCY_GET, scope, key, err) < 0)
		goto fail;
	st = db->stmts[SQL_IDEMPOTENCY_GET];
	rc = dbi_step(db, SQL_IDEMPOTENCY_GET, err);
	if (rc == SQLITE_ROW) {
		*status = sqlite3_column_int(st, 0);
		if (*status != 0)
			*body = g_strdup((const char *)sqlite3_column_text(st, 1));
	}
	dbi_reset(db, SQL_IDEMPOTENCY_GET);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			error_set(err, "database: an idempotency key vanished while it was read");
		goto fail;
	}
	if (dbi_commit(db, err) < 0)
		goto fail;
	return *status == 0 ? DB_IDEMPOTENCY_RUNNING : DB_IDEMPOTENCY_DONE;
fail:
	dbi_rollback(db);
	g_free(*body);
	*body = NULL;
	return -1;
}

int db_idempotency_finish(struct db *db, const char *scope, const char *key, int status, const char *body,
			  struct sirius_error *err)
{
	enum db_stmt s = SQL_IDEMPOTENCY_FINISH;

	if (status < 100 || status > 599 || !body)
		return error_set(err, "an answer needs an HTTP status and a body");
	if (bind_key(db, s, scope, key, err) < 0)
		return -1;
	if (dbi_bind_int(db, s, "$status", status, err) < 0 || dbi_bind_text(db, s, "$body", body, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	return dbi_run(db, s, err) < 0 ? -1 : 0;
}

int db_idempotency_abandon(struct db *db, const char *scope, const char *key, struct sirius_error *err)
{
	if (bind_key(db, SQL_IDEMPOTENCY_ABANDON, scope, key, err) < 0)
		return -1;
	return dbi_run(db, SQL_IDEMPOTENCY_ABANDON, err) < 0 ? -1 : 0;
}
