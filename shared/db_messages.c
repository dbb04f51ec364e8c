/* db_messages.c: the messages sent to printers and their status, in the database. */
#include "db_internal.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* The stored names of the statuses, in the order of enum db_message_status. */
static const char *const status_names[] = {
	"queued", "sending", "delivered", "printed", "failed", "timed_out",
};

const char *db_message_status_name(enum db_message_status status)
{
	if ((unsigned)status >= sizeof(status_names) / sizeof(status_names[0]))
		return "unknown";
	return status_names[status];
}

/* The status stored as text; DB_MESSAGE_FAILED for text the schema would not allow. */
static enum db_message_status status_from_name(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (strcmp(name, status_names[i]) == 0)
			return (enum db_message_status)i;
	return DB_MESSAGE_FAILED;
}

static const char *const failure_names[] = { "", "offline", "relay_unreachable" };

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

/* Fills the struct db_message at out from a row selecting DB_MESSAGE_COLUMNS; the PNG is copied. */
static void read_message(struct db *db, enum db_stmt id, void *out)
{
	struct db_message *message = out;
	sqlite3_stmt *st = db->stmts[id];
	const void *png;
	int png_len;

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
	png = sqlite3_column_blob(st, 9);
	png_len = sqlite3_column_bytes(st, 9);
	if (png && png_len > 0) {
		/* g_memdup2 is too new for some GLib we build against; g_malloc aborts when out of memory. */
		message->png = g_malloc((gsize)png_len);
		memcpy(message->png, png, (size_t)png_len);
		message->png_len = (size_t)png_len;
	}
}

int db_message_create(struct db *db, uint32_t id, int64_t printer_id, const char *sender,
		      int command, const uint8_t *png, size_t png_len,
		      enum db_message_status status, int64_t now, struct sirius_error *err)
{
	enum db_stmt s = SQL_MESSAGE_INSERT;

	if (id == 0)
		return error_set(err, "a message needs a command_id");
	if (status != DB_MESSAGE_QUEUED && status != DB_MESSAGE_SENDING)
		return error_set(err, "a new message is queued or sending, not %s",
				 db_message_status_name(status));
	if (!sender || strnlen(sender, DB_SENDER_MAX + 1) > DB_SENDER_MAX)
		return error_set(err, "a sender name is at most %d bytes", DB_SENDER_MAX);
	if (dbi_bind_int(db, s, "$id", id, err) < 0 ||
	    dbi_bind_int(db, s, "$printer", printer_id, err) < 0 ||
	    dbi_bind_text(db, s, "$sender", sender, err) < 0 ||
	    dbi_bind_int(db, s, "$command", command, err) < 0 ||
	    dbi_bind_blob(db, s, "$png", png, png_len, err) < 0 ||
	    dbi_bind_text(db, s, "$status", db_message_status_name(status), err) < 0 ||
	    dbi_bind_int(db, s, "$now", now, err) < 0 ||
	    dbi_bind_id(db, s, "$sent", status == DB_MESSAGE_SENDING ? now : 0, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	return dbi_run(db, s, err) < 0 ? -1 : 0;
}

/* Runs one of the status updates that take $id and $now (and $code when code is not NULL): 1, 0 or -1. */
static int update_status(struct db *db, enum db_stmt s, uint32_t id, const int *code, int64_t now,
			 struct sirius_error *err)
{
	if (dbi_bind_int(db, s, "$id", id, err) < 0 || dbi_bind_int(db, s, "$now", now, err) < 0 ||
	    (code && dbi_bind_int(db, s, "$code", *code, err) < 0)) {
		dbi_reset(db, s);
		return -1;
	}
	return dbi_run(db, s, err);
}

int db_message_sending(struct db *db, uint32_t id, int64_t now, struct sirius_error *err)
{
	return update_status(db, SQL_MESSAGE_SENDING, id, NULL, now, err);
}

int db_message_settle(struct db *db, uint32_t id, int return_code, int64_t now,
		      struct sirius_error *err)
{
	return update_status(db, SQL_MESSAGE_SETTLE, id, &return_code, now, err);
}

int db_message_fail(struct db *db, uint32_t id, enum db_message_failure failure, int64_t now,
		    struct sirius_error *err)
{
	if (failure == DB_FAILURE_NONE || (size_t)failure >= sizeof(failure_names) / sizeof(failure_names[0]))
		return error_set(err, "database: message %u: no failure reason given", id);
	if (dbi_bind_text(db, SQL_MESSAGE_FAIL, "$failure", failure_names[failure], err) < 0) {
		dbi_reset(db, SQL_MESSAGE_FAIL);
		return -1;
	}
	return update_status(db, SQL_MESSAGE_FAIL, id, NULL, now, err);
}

int db_message_printed(struct db *db, uint32_t print_id, int64_t now, struct sirius_error *err)
{
	return update_status(db, SQL_MESSAGE_PRINTED, print_id, NULL, now, err);
}

int db_messages_time_out(struct db *db, int64_t now, int64_t max_age, struct sirius_error *err)
{
	if (dbi_bind_int(db, SQL_MESSAGES_TIME_OUT, "$now", now, err) < 0 ||
	    dbi_bind_int(db, SQL_MESSAGES_TIME_OUT, "$before", now - max_age, err) < 0) {
		dbi_reset(db, SQL_MESSAGES_TIME_OUT);
		return -1;
	}
	return dbi_run(db, SQL_MESSAGES_TIME_OUT, err);
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

int db_messages_queued(struct db *db, int64_t printer_id, struct db_message **list, size_t *count,
		       struct sirius_error *err)
{
	*list = NULL;
	*count = 0;
	if (dbi_bind_int(db, SQL_MESSAGES_QUEUED, "$printer", printer_id, err) < 0) {
		dbi_reset(db, SQL_MESSAGES_QUEUED);
		return -1;
	}
	return dbi_collect(db, SQL_MESSAGES_QUEUED, read_message, clear_message, sizeof(**list), (void **)list, count,
			   err);
}

void db_messages_free(struct db_message *list, size_t count)
{
	size_t i;

	for (i = 0; list && i < count; i++)
		db_message_clear(&list[i]);
	g_free(list);
}

int db_messages_retain(struct db *db, int keep, struct sirius_error *err)
{
	if (keep < 0)
		return error_set(err, "cannot keep %d messages", keep);
	return dbi_run_with_int(db, SQL_MESSAGES_RETAIN, "$keep", keep, err);
}

/* relay */

int db_busy(struct db *db)
{
	int rc = sqlite3_errcode(db->sqlite) & 0xff;

	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

int db_message_relay_sent(struct db *db, uint32_t id, int64_t now, struct sirius_error *err)
{
	return update_status(db, SQL_RELAY_MESSAGE_SENT, id, NULL, now, err);
}

int db_message_settle_device(struct db *db, uint32_t id, const char *address, int return_code, int64_t now,
			     struct sirius_error *err)
{
	if (dbi_bind_text(db, SQL_RELAY_MESSAGE_SETTLE, "$address", address, err) < 0) {
		dbi_reset(db, SQL_RELAY_MESSAGE_SETTLE);
		return -1;
	}
	return update_status(db, SQL_RELAY_MESSAGE_SETTLE, id, &return_code, now, err);
}

int db_message_printed_device(struct db *db, uint32_t print_id, const char *address, int64_t now,
			      struct sirius_error *err)
{
	if (dbi_bind_text(db, SQL_RELAY_MESSAGE_PRINTED, "$address", address, err) < 0) {
		dbi_reset(db, SQL_RELAY_MESSAGE_PRINTED);
		return -1;
	}
	return update_status(db, SQL_RELAY_MESSAGE_PRINTED, print_id, NULL, now, err);
}

int db_messages_time_out_due(struct db *db, int64_t now, int64_t max_age, struct sirius_error *err)
{
	int64_t due = 0;

	if (dbi_bind_int(db, SQL_RELAY_MESSAGES_DUE, "$before", now - max_age, err) < 0) {
		dbi_reset(db, SQL_RELAY_MESSAGES_DUE);
		return -1;
	}
	if (dbi_run_int(db, SQL_RELAY_MESSAGES_DUE, &due, err) < 0)
		return -1;
	return due ? 1 : 0;
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

		for (i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
			if (name && strcmp(name, status_names[i]) == 0)
				out->messages[i] += sqlite3_column_int64(st, 1);
	}
	dbi_reset(db, SQL_STATS_MESSAGES);
	return rc < 0 ? -1 : 0;
}
