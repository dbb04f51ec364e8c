/* db_subscriptions.c: subscriptions to publications, their delivery state, and printers' time zones. */
#include "db_internal.h"
#include "db_subscriptions.h"

#include <string.h>

#include <glib.h>

#include "random_token.h"

/* Fresh tokens tried before giving up, should a random token already exist. */
#define TOKEN_ATTEMPTS 4

/* Fills the struct db_subscription at out from a row selecting DB_SUBSCRIPTION_COLUMNS. */
static void read_subscription(struct db *db, enum db_stmt id, void *out)
{
	struct db_subscription *s = out;
	sqlite3_stmt *st = db->stmts[id];
	const unsigned char *text;

	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	s->printer_id = sqlite3_column_int64(st, 1);
	dbi_column_text(db, id, 2, s->url, sizeof(s->url));
	dbi_column_text(db, id, 3, s->name, sizeof(s->name));
	text = sqlite3_column_text(st, 4);
	s->meta_json = g_strdup(text ? (const char *)text : "{}");
	text = sqlite3_column_text(st, 5);
	s->config_json = g_strdup(text ? (const char *)text : "{}");
	s->delivery_time = sqlite3_column_int(st, 6);
	s->days = sqlite3_column_int(st, 7);
	dbi_column_text(db, id, 8, s->mode, sizeof(s->mode));
	s->paused = sqlite3_column_int(st, 9);
	dbi_column_text(db, id, 10, s->push_token, sizeof(s->push_token));
	s->delivery_count = sqlite3_column_int64(st, 11);
	dbi_column_text(db, id, 12, s->last_etag, sizeof(s->last_etag));
	s->next_due = sqlite3_column_int64(st, 13);
	s->retry_at = sqlite3_column_int64(st, 14);
	s->attempts = sqlite3_column_int(st, 15);
	s->last_try = sqlite3_column_int64(st, 16);
	dbi_column_text(db, id, 17, s->last_state, sizeof(s->last_state));
	dbi_column_text(db, id, 18, s->last_message, sizeof(s->last_message));
	s->last_message_id = sqlite3_column_int64(st, 19);
	s->created = sqlite3_column_int64(st, 20);
}

void db_subscription_clear(struct db_subscription *sub)
{
	g_free(sub->meta_json);
	g_free(sub->config_json);
	sub->meta_json = sub->config_json = NULL;
}

/* dbi_collect's clear for a list element. */
static void clear_element(void *element)
{
	db_subscription_clear(element);
}

void db_subscriptions_free(struct db_subscription *list, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		db_subscription_clear(&list[i]);
	db_free(list);
}

int db_subscription_create(struct db *db, struct db_subscription *in, int64_t now, struct sirius_error *err)
{
	const enum db_stmt q = SQL_SUBSCRIPTION_INSERT;
	int attempt, rc = -1;

	for (attempt = 0; attempt < TOKEN_ATTEMPTS; attempt++) {
		if (random_token_alnum(in->push_token, DB_PUSH_TOKEN_LEN, err) < 0)
			return -1;
		if (dbi_bind_int(db, q, "$printer", in->printer_id, err) < 0 ||
		    dbi_bind_text(db, q, "$url", in->url, err) < 0 || dbi_bind_text(db, q, "$name", in->name, err) < 0 ||
		    dbi_bind_text(db, q, "$meta", in->meta_json, err) < 0 ||
		    dbi_bind_text(db, q, "$config", in->config_json, err) < 0 ||
		    dbi_bind_int(db, q, "$time", in->delivery_time, err) < 0 ||
		    dbi_bind_int(db, q, "$days", in->days, err) < 0 || dbi_bind_text(db, q, "$mode", in->mode, err) < 0 ||
		    dbi_bind_text(db, q, "$token", in->push_token, err) < 0 ||
		    dbi_bind_int(db, q, "$next", in->next_due, err) < 0 || dbi_bind_int(db, q, "$now", now, err) < 0) {
			dbi_reset(db, q);
			return -1;
		}
		rc = dbi_run(db, q, err);
		/* Only a clash with an existing token (1 in 36^32) is worth another try. */
		if (rc >= 0 || sqlite3_extended_errcode(db->sqlite) != SQLITE_CONSTRAINT_UNIQUE)
			break;
	}
	if (rc < 0)
		return -1;
	in->id = sqlite3_last_insert_rowid(db->sqlite);
	in->created = now;
	return 0;
}

int db_subscription_get(struct db *db, int64_t id, struct db_subscription *out, struct sirius_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (dbi_bind_int(db, SQL_SUBSCRIPTION_GET, "$id", id, err) < 0) {
		dbi_reset(db, SQL_SUBSCRIPTION_GET);
		return -1;
	}
	rc = dbi_lookup(db, SQL_SUBSCRIPTION_GET, read_subscription, out, err);
	if (rc <= 0)
		db_subscription_clear(out);
	return rc;
}

int db_subscriptions_of_printer(struct db *db, int64_t printer_id, struct db_subscription **list, size_t *count,
				struct sirius_error *err)
{
	*list = NULL;
	*count = 0;
	if (dbi_bind_int(db, SQL_SUBSCRIPTIONS_OF_PRINTER, "$printer", printer_id, err) < 0) {
		dbi_reset(db, SQL_SUBSCRIPTIONS_OF_PRINTER);
		return -1;
	}
	return dbi_collect(db, SQL_SUBSCRIPTIONS_OF_PRINTER, read_subscription, clear_element, sizeof(**list),
			   (void **)list, count, err);
}

int db_subscriptions_due(struct db *db, int64_t before, struct db_subscription **list, size_t *count,
			 struct sirius_error *err)
{
	*list = NULL;
	*count = 0;
	if (dbi_bind_int(db, SQL_SUBSCRIPTIONS_DUE, "$before", before, err) < 0) {
		dbi_reset(db, SQL_SUBSCRIPTIONS_DUE);
		return -1;
	}
	return dbi_collect(db, SQL_SUBSCRIPTIONS_DUE, read_subscription, clear_element, sizeof(**list),
			   (void **)list, count, err);
}

int db_subscriptions_next(struct db *db, int64_t *when, struct sirius_error *err)
{
	return dbi_run_int(db, SQL_SUBSCRIPTIONS_NEXT, when, err);
}

int db_subscription_pause(struct db *db, int64_t id, int64_t printer_id, int paused, int64_t next_due,
			  struct sirius_error *err)
{
	const enum db_stmt q = SQL_SUBSCRIPTION_PAUSE;

	if (dbi_bind_int(db, q, "$id", id, err) < 0 || dbi_bind_int(db, q, "$printer", printer_id, err) < 0 ||
	    dbi_bind_int(db, q, "$paused", paused ? 1 : 0, err) < 0 ||
	    (paused ? dbi_bind_text(db, q, "$next", NULL, err) : dbi_bind_int(db, q, "$next", next_due, err)) < 0) {
		dbi_reset(db, q);
		return -1;
	}
	return dbi_run(db, q, err);
}

int db_subscription_delete(struct db *db, int64_t id, int64_t printer_id, struct sirius_error *err)
{
	if (dbi_bind_int(db, SQL_SUBSCRIPTION_DELETE, "$id", id, err) < 0 ||
	    dbi_bind_int(db, SQL_SUBSCRIPTION_DELETE, "$printer", printer_id, err) < 0) {
		dbi_reset(db, SQL_SUBSCRIPTION_DELETE);
		return -1;
	}
	return dbi_run(db, SQL_SUBSCRIPTION_DELETE, err);
}

int db_subscription_record(struct db *db, int64_t id, int64_t now, const struct db_subscription_try *t,
			   struct sirius_error *err)
{
	const enum db_stmt q = SQL_SUBSCRIPTION_RECORD;

	if (dbi_bind_int(db, q, "$id", id, err) < 0 || dbi_bind_int(db, q, "$now", now, err) < 0 ||
	    dbi_bind_int(db, q, "$next", t->next_due, err) < 0 || dbi_bind_id(db, q, "$retry", t->retry_at, err) < 0 ||
	    dbi_bind_int(db, q, "$attempts", t->attempts, err) < 0 ||
	    dbi_bind_text(db, q, "$state", t->state, err) < 0 ||
	    dbi_bind_text(db, q, "$message", t->message ? t->message : "", err) < 0 ||
	    dbi_bind_id(db, q, "$message_id", t->message_id, err) < 0 ||
	    dbi_bind_int(db, q, "$delivered", t->delivered ? 1 : 0, err) < 0 ||
	    dbi_bind_text(db, q, "$etag", t->etag, err) < 0) {
		dbi_reset(db, q);
		return -1;
	}
	return dbi_run(db, q, err);
}

/* Reads column 0 as text into the GString at out. */
static void read_zone(struct db *db, enum db_stmt id, void *out)
{
	const unsigned char *text = sqlite3_column_text(db->stmts[id], 0);

	g_string_assign(out, text ? (const char *)text : "");
}

int db_printer_timezone(struct db *db, int64_t printer_id, char *out, size_t size, struct sirius_error *err)
{
	GString *zone = g_string_new(NULL);
	int rc;

	out[0] = '\0';
	if (dbi_bind_int(db, SQL_PRINTER_TIMEZONE, "$id", printer_id, err) < 0) {
		dbi_reset(db, SQL_PRINTER_TIMEZONE);
		g_string_free(zone, TRUE);
		return -1;
	}
	rc = dbi_lookup(db, SQL_PRINTER_TIMEZONE, read_zone, zone, err);
	if (rc > 0 && g_strlcpy(out, zone->str, size) >= size)
		out[0] = '\0';
	g_string_free(zone, TRUE);
	return rc;
}

int db_printer_set_timezone(struct db *db, int64_t printer_id, const char *zone, struct sirius_error *err)
{
	if (dbi_bind_int(db, SQL_PRINTER_SET_TIMEZONE, "$id", printer_id, err) < 0 ||
	    dbi_bind_text(db, SQL_PRINTER_SET_TIMEZONE, "$zone", zone && zone[0] ? zone : NULL, err) < 0) {
		dbi_reset(db, SQL_PRINTER_SET_TIMEZONE);
		return -1;
	}
	return dbi_run(db, SQL_PRINTER_SET_TIMEZONE, err);
}
