/* db_messages.c: the messages sent to printers and their status, in the database. */
#include "db_internal.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* The stored names of the statuses, in the order of enum db_message_status. */
static const char *const status_names[DB_MESSAGE_STATUS_COUNT] = {
	"queued", "sent", "delivered", "printed", "failed", "expired", "cancelled",
};

const char *db_message_status_name(enum db_message_status status)
{
	if ((unsigned)status >= DB_MESSAGE_STATUS_COUNT)
		return "unknown";
	return status_names[status];
}

/* The status stored as text; DB_MESSAGE_FAILED for text the schema would not allow. */
static enum db_message_status status_from_name(const char *name)
{
	size_t i;

	for (i = 0; name && i < DB_MESSAGE_STATUS_COUNT; i++)
		if (strcmp(name, status_names[i]) == 0)
			return (enum db_message_status)i;
	return DB_MESSAGE_FAILED;
}

static const char *const failure_names[] = { "", "offline", "relay_unreachable", "no_response" };

const char *db_message_failure_name(enum db_message_failure failure)
{
	if ((size_t)failure >= sizeof(failure_names) / sizeof(failure_names[0]))
		return "";
	return failure_names[failure];
}

/* The failure stored as name; DB_FAILURE_NONE for NULL, "" or anything unknown. */
static enum db_message_failure failure_from_name(const char *name)
{
	size_t i;

	for (i = 1; name && i < sizeof(failure_names) / sizeof(failure_names[0]); i++)
		if (strcmp(name, failure_names[i]) == 0)
			return (enum db_message_failure)i;
	return DB_FAILURE_NONE;
}

/* A copy of a blob column, or NULL (with *len 0) when it is NULL or empty; g_malloc aborts when out of memory. */
static uint8_t *copy_blob(sqlite3_stmt *st, int column, size_t *len)
{
	const void *blob = sqlite3_column_blob(st, column);
	int n = sqlite3_column_bytes(st, column);
	uint8_t *copy;

	*len = 0;
	if (!blob || n <= 0)
		return NULL;
	/* g_memdup2 is too new for some GLib we build against */
	copy = g_malloc((gsize)n);
	memcpy(copy, blob, (size_t)n);
	*len = (size_t)n;
	return copy;
}

/* Fills the struct db_message at out from a row selecting DB_MESSAGE_COLUMNS (without the print: db_message_load_print). */
static void read_message(struct db *db, enum db_stmt id, void *out)
{
	struct db_message *message = out;
	sqlite3_stmt *st = db->stmts[id];

	memset(message, 0, sizeof(*message));
	message->id = (uint32_t)sqlite3_column_int64(st, 0);
	message->printer_id = sqlite3_column_int64(st, 1);
	dbi_column_text(db, id, 2, message->sender, sizeof(message->sender));
	message->command = sqlite3_column_int(st, 3);
	message->status = status_from_name((const char *)sqlite3_column_text(st, 4));
	message->return_code = sqlite3_column_int(st, 5);
	message->created = sqlite3_column_int64(st, 6);
	message->sent = sqlite3_column_int64(st, 7);
	message->settled = sqlite3_column_int64(st, 8);
	message->failure = failure_from_name((const char *)sqlite3_column_text(st, 10));
	dbi_column_text(db, id, 11, message->bridge, sizeof(message->bridge));
	message->attempts = sqlite3_column_int(st, 12);
	message->key_id = sqlite3_column_int64(st, 13);
	message->delivered = sqlite3_column_int64(st, 14);
	message->printed = sqlite3_column_int64(st, 15);
	message->has_print = sqlite3_column_int(st, 9);
}

/* 1 when text is exactly DB_DEDUPE_LEN lower-case hex digits. */
static int dedupe_valid(const char *text)
{
	size_t i;

	for (i = 0; i < DB_DEDUPE_LEN; i++)
		if (!text[i] || !strchr("0123456789abcdef", text[i]))
			return 0;
	return text[DB_DEDUPE_LEN] == '\0';
}

int db_message_create(struct db *db, const struct db_message_new *m, int64_t now, struct sirius_error *err)
{
	enum db_stmt s = SQL_MESSAGE_INSERT;
	int refused = m->refused != DB_FAILURE_NONE;

	if (m->id == 0)
		return error_set(err, "a message needs a command_id");
	if (!m->payload || m->payload_len == 0)
		return error_set(err, "message %u has no payload to send", m->id);
	if (refused && m->refused != DB_FAILURE_OFFLINE)
		return error_set(err, "a new message is refused only because its printer is offline");
	if (!m->sender || strnlen(m->sender, DB_SENDER_MAX + 1) > DB_SENDER_MAX)
		return error_set(err, "a sender name is at most %d bytes", DB_SENDER_MAX);
	if (m->dedupe && !dedupe_valid(m->dedupe))
		return error_set(err, "a request digest is %d lower-case hex digits", DB_DEDUPE_LEN);
	if (dbi_bind_int(db, s, "$id", m->id, err) < 0 ||
	    dbi_bind_int(db, s, "$printer", m->printer_id, err) < 0 ||
	    dbi_bind_text(db, s, "$sender", m->sender, err) < 0 ||
	    dbi_bind_int(db, s, "$command", m->command, err) < 0 ||
	    dbi_bind_blob(db, s, "$payload", m->payload, m->payload_len, err) < 0 ||
	    dbi_bind_text(db, s, "$status", refused ? "failed" : "queued", err) < 0 ||
	    dbi_bind_text(db, s, "$failure", refused ? failure_names[m->refused] : NULL, err) < 0 ||
	    dbi_bind_id(db, s, "$key", m->key_id, err) < 0 ||
	    dbi_bind_text(db, s, "$dedupe", m->dedupe, err) < 0 ||
	    dbi_bind_int(db, s, "$now", now, err) < 0 ||
	    dbi_bind_id(db, s, "$settled", refused ? now : 0, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	return dbi_run(db, s, err) < 0 ? -1 : 0;
}

/* Copies the print of a SQL_MESSAGE_PRINT row into the struct db_message at out. */
static void read_print(struct db *db, enum db_stmt id, void *out)
{
	struct db_message *message = out;
	sqlite3_stmt *st = db->stmts[id];

	message->payload = copy_blob(st, 0, &message->payload_len);
	message->png = copy_blob(st, 1, &message->png_len);
	message->has_print = message->payload || message->png;
}

int db_message_load_print(struct db *db, struct db_message *message, struct sirius_error *err)
{
	g_free(message->payload);
	g_free(message->png);
	message->payload = message->png = NULL;
	message->payload_len = message->png_len = 0;
	if (dbi_bind_int(db, SQL_MESSAGE_PRINT, "$id", message->id, err) < 0) {
		dbi_reset(db, SQL_MESSAGE_PRINT);
		return -1;
	}
	return dbi_lookup(db, SQL_MESSAGE_PRINT, read_print, message, err);
}

int db_message_get(struct db *db, uint32_t id, struct db_message *out, struct sirius_error *err)
{
	memset(out, 0, sizeof(*out));
	if (dbi_bind_int(db, SQL_MESSAGE_GET, "$id", id, err) < 0) {
		dbi_reset(db, SQL_MESSAGE_GET);
		return -1;
	}
	return dbi_lookup(db, SQL_MESSAGE_GET, read_message, out, err);
}

void db_message_clear(struct db_message *message)
{
	if (!message)
		return;
	g_free(message->payload);
	message->payload = NULL;
	message->payload_len = 0;
	g_free(message->png);
	message->png = NULL;
	message->png_len = 0;
}

/* db_message_clear for an element of a collected array. */
static void clear_message(void *element)
{
	db_message_clear(element);
}

int db_messages_of_printer(struct db *db, int64_t printer_id, int limit, struct db_message **list,
			   size_t *count, struct sirius_error *err)
{
	*list = NULL;
	*count = 0;
	if (dbi_bind_int(db, SQL_MESSAGES_OF_PRINTER, "$printer", printer_id, err) < 0 ||
	    dbi_bind_int(db, SQL_MESSAGES_OF_PRINTER, "$limit", limit < 0 ? 0 : limit, err) < 0) {
		dbi_reset(db, SQL_MESSAGES_OF_PRINTER);
		return -1;
	}
	return dbi_collect(db, SQL_MESSAGES_OF_PRINTER, read_message, clear_message, sizeof(**list), (void **)list,
			   count, err);
}

void db_messages_free(struct db_message *list, size_t count)
{
	size_t i;

	for (i = 0; list && i < count; i++)
		db_message_clear(&list[i]);
	g_free(list);
}

int db_message_cancel(struct db *db, uint32_t id, int64_t printer_id, int64_t now, struct sirius_error *err)
{
	enum db_stmt s = SQL_MESSAGE_CANCEL;

	if (dbi_bind_int(db, s, "$id", id, err) < 0 || dbi_bind_int(db, s, "$printer", printer_id, err) < 0 ||
	    dbi_bind_int(db, s, "$now", now, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	return dbi_run(db, s, err);
}

int db_message_find_repeat(struct db *db, int64_t key_id, const char *dedupe, int64_t since, uint32_t *id,
			   enum db_message_status *status, struct sirius_error *err)
{
	enum db_stmt s = SQL_MESSAGE_FIND_REPEAT;
	int rc;

	if (dbi_bind_int(db, s, "$key", key_id, err) < 0 || dbi_bind_text(db, s, "$dedupe", dedupe, err) < 0 ||
	    dbi_bind_int(db, s, "$since", since, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	rc = dbi_step(db, s, err);
	if (rc == SQLITE_ROW) {
		*id = (uint32_t)sqlite3_column_int64(db->stmts[s], 0);
		*status = status_from_name((const char *)sqlite3_column_text(db->stmts[s], 1));
	}
	dbi_reset(db, s);
	return rc < 0 ? -1 : rc == SQLITE_ROW;
}

/* relay */

int db_busy(struct db *db)
{
	int rc = sqlite3_errcode(db->sqlite) & 0xff;

	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

int db_outbox_next(struct db *db, const char *address, uint32_t after_id, uint32_t *id, uint8_t **payload,
		   size_t *payload_len, struct sirius_error *err)
{
	enum db_stmt s = SQL_OUTBOX_NEXT;
	const void *blob;
	int rc, len;

	*payload = NULL;
	*payload_len = 0;
	if (dbi_bind_text(db, s, "$address", address, err) < 0 || dbi_bind_int(db, s, "$after", after_id, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	rc = dbi_step(db, s, err);
	if (rc == SQLITE_ROW) {
		*id = (uint32_t)sqlite3_column_int64(db->stmts[s], 0);
		blob = sqlite3_column_blob(db->stmts[s], 1);
		len = sqlite3_column_bytes(db->stmts[s], 1);
		if (blob && len > 0) {
			*payload = g_malloc((gsize)len);
			memcpy(*payload, blob, (size_t)len);
			*payload_len = (size_t)len;
		}
	}
	dbi_reset(db, s);
	if (rc == SQLITE_ROW && !*payload)
		return error_set(err, "database: queued message %u has no payload", *id);
	return rc < 0 ? -1 : rc == SQLITE_ROW;
}

/* Runs SQL_OUTBOX_SENT or SQL_OUTBOX_SENT_CANCELLED: 1, 0 (no such message in its states) or -1. */
static int outbox_mark_sent(struct db *db, enum db_stmt s, uint32_t id, const char *bridge, int64_t now,
			    struct sirius_error *err)
{
	if (dbi_bind_int(db, s, "$id", id, err) < 0 || dbi_bind_text(db, s, "$bridge", bridge, err) < 0 ||
	    dbi_bind_int(db, s, "$now", now, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	return dbi_run(db, s, err);
}

int db_outbox_sent(struct db *db, uint32_t id, const char *bridge, int64_t now, struct sirius_error *err)
{
	int rc = outbox_mark_sent(db, SQL_OUTBOX_SENT, id, bridge, now, err);

	return rc == 0 ? outbox_mark_sent(db, SQL_OUTBOX_SENT_CANCELLED, id, bridge, now, err) : rc;
}

int db_outbox_answered(struct db *db, uint32_t id, const char *bridge, const char *device, int return_code,
		       int64_t now, struct sirius_error *err)
{
	enum db_stmt s = SQL_OUTBOX_ANSWERED;

	if (dbi_bind_int(db, s, "$id", id, err) < 0 || dbi_bind_text(db, s, "$bridge", bridge, err) < 0 ||
	    dbi_bind_text(db, s, "$address", device && device[0] ? device : NULL, err) < 0 ||
	    dbi_bind_int(db, s, "$code", return_code, err) < 0 || dbi_bind_int(db, s, "$now", now, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	return dbi_run(db, s, err);
}

int db_outbox_failed(struct db *db, uint32_t id, enum db_message_failure failure, int64_t now,
		     struct sirius_error *err)
{
	enum db_stmt s = SQL_OUTBOX_FAILED;

	if (failure == DB_FAILURE_NONE || (size_t)failure >= sizeof(failure_names) / sizeof(failure_names[0]))
		return error_set(err, "database: message %u: no failure reason given", id);
	if (dbi_bind_int(db, s, "$id", id, err) < 0 || dbi_bind_text(db, s, "$failure", failure_names[failure], err) < 0 ||
	    dbi_bind_int(db, s, "$now", now, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	return dbi_run(db, s, err);
}

int db_outbox_printed(struct db *db, uint32_t print_id, const char *device, int64_t now, struct sirius_error *err)
{
	enum db_stmt s = SQL_OUTBOX_PRINTED;

	if (dbi_bind_int(db, s, "$id", print_id, err) < 0 || dbi_bind_text(db, s, "$address", device, err) < 0 ||
	    dbi_bind_int(db, s, "$now", now, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	return dbi_run(db, s, err);
}

/* Whether a housekeeping step has work (a read that takes no write lock): 1, 0, or -1. */
static int sweep_due(struct db *db, enum db_stmt due, const char *param, int64_t value, int keep,
		     struct sirius_error *err)
{
	int64_t any = 0;

	if (dbi_bind_int(db, due, param, value, err) < 0 || (keep >= 0 && dbi_bind_int(db, due, "$keep", keep, err) < 0)) {
		dbi_reset(db, due);
		return -1;
	}
	if (dbi_run_int(db, due, &any, err) < 0)
		return -1;
	return any != 0;
}

int db_outbox_sweep(struct db *db, int64_t now, int64_t expire_before, int keep, int64_t keep_after,
		    int *expired, int *deleted, struct sirius_error *err)
{
	int due, n;

	if (expired)
		*expired = 0;
	if (deleted)
		*deleted = 0;
	if (keep < 0)
		return error_set(err, "cannot keep %d messages", keep);
	due = sweep_due(db, SQL_OUTBOX_EXPIRE_DUE, "$before", expire_before, -1, err);
	if (due < 0)
		return -1;
	if (due) {
		if (dbi_bind_int(db, SQL_OUTBOX_EXPIRE, "$before", expire_before, err) < 0 ||
		    dbi_bind_int(db, SQL_OUTBOX_EXPIRE, "$now", now, err) < 0) {
			dbi_reset(db, SQL_OUTBOX_EXPIRE);
			return -1;
		}
		n = dbi_run(db, SQL_OUTBOX_EXPIRE, err);
		if (n < 0)
			return -1;
		if (expired)
			*expired = n;
	}
	due = sweep_due(db, SQL_OUTBOX_TRIM_DUE, "$after", keep_after, keep, err);
	if (due < 0)
		return -1;
	if (due) {
		if (dbi_bind_int(db, SQL_OUTBOX_TRIM, "$after", keep_after, err) < 0 ||
		    dbi_bind_int(db, SQL_OUTBOX_TRIM, "$keep", keep, err) < 0) {
			dbi_reset(db, SQL_OUTBOX_TRIM);
			return -1;
		}
		n = dbi_run(db, SQL_OUTBOX_TRIM, err);
		if (n < 0)
			return -1;
		if (deleted)
			*deleted = n;
	}
	return 0;
}

int db_outbox_requeue_unanswered(struct db *db, struct sirius_error *err)
{
	return dbi_run(db, SQL_OUTBOX_REQUEUE, err);
}

int db_bridge_confirms(struct db *db, const char *address, struct sirius_error *err)
{
	int64_t confirms = 0;

	if (dbi_bind_text(db, SQL_BRIDGE_CONFIRMS, "$address", address, err) < 0) {
		dbi_reset(db, SQL_BRIDGE_CONFIRMS);
		return -1;
	}
	if (dbi_run_int(db, SQL_BRIDGE_CONFIRMS, &confirms, err) < 0)
		return -1;
	return confirms ? 1 : 0;
}

int db_bridge_set_confirms(struct db *db, const char *address, int64_t now, struct sirius_error *err)
{
	if (dbi_bind_text(db, SQL_BRIDGE_SET_CONFIRMS, "$address", address, err) < 0 ||
	    dbi_bind_int(db, SQL_BRIDGE_SET_CONFIRMS, "$now", now, err) < 0) {
		dbi_reset(db, SQL_BRIDGE_SET_CONFIRMS);
		return -1;
	}
	return dbi_run(db, SQL_BRIDGE_SET_CONFIRMS, err) < 0 ? -1 : 0;
}

int db_relay_journal_applied(struct db *db, uint64_t *applied, struct sirius_error *err)
{
	int64_t value = 0;

	if (dbi_run_int(db, SQL_RELAY_JOURNAL_APPLIED, &value, err) < 0)
		return -1;
	*applied = value > 0 ? (uint64_t)value : 0;
	return 0;
}

int db_relay_journal_mark(struct db *db, uint64_t applied, struct sirius_error *err)
{
	if (applied > INT64_MAX)
		return error_set(err, "journal number %llu out of range", (unsigned long long)applied);
	if (dbi_bind_int(db, SQL_RELAY_JOURNAL_MARK, "$applied", (int64_t)applied, err) < 0) {
		dbi_reset(db, SQL_RELAY_JOURNAL_MARK);
		return -1;
	}
	return dbi_run(db, SQL_RELAY_JOURNAL_MARK, err) < 0 ? -1 : 0;
}

/* web */

int db_stats(struct db *db, struct db_stats *out, struct sirius_error *err)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	st = dbi_stmt(db, SQL_STATS_COUNTS, err);
	if (!st)
		return -1;
	rc = dbi_step(db, SQL_STATS_COUNTS, err);
	if (rc == SQLITE_ROW) {
		out->users = sqlite3_column_int64(st, 0);
		out->printers = sqlite3_column_int64(st, 1);
		out->claimed_printers = sqlite3_column_int64(st, 2);
		out->device_keys = sqlite3_column_int64(st, 3);
		out->friendships = sqlite3_column_int64(st, 4);
		out->claim_codes = sqlite3_column_int64(st, 5);
	}
	dbi_reset(db, SQL_STATS_COUNTS);
	if (rc < 0)
		return -1;
	st = dbi_stmt(db, SQL_STATS_MESSAGES, err);
	if (!st)
		return -1;
	while ((rc = dbi_step(db, SQL_STATS_MESSAGES, err)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		size_t i;

		for (i = 0; i < DB_MESSAGE_STATUS_COUNT; i++)
			if (name && strcmp(name, status_names[i]) == 0)
				out->messages[i] += sqlite3_column_int64(st, 1);
	}
	dbi_reset(db, SQL_STATS_MESSAGES);
	return rc < 0 ? -1 : 0;
}
