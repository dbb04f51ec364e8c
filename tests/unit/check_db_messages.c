/* check_db_messages.c: unit tests of the outbox in the database: states, the relay's steps, housekeeping, repeats. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "db.h"
#include "test_db.h"
#include "test_util.h"

#define ADDRESS "000d6f0001020304"
#define OTHER "000d6f00aabbccdd"
#define BRIDGE "000d6f0001b0c1d2"
#define BRIDGE2 "000d6f0001b0c1d3"

struct fixture {
	struct test_db tmp; /* the database */
	int64_t printer;    /* a printer at ADDRESS */
	int64_t other;      /* a printer at OTHER */
};

static struct fixture f;

static void setup(void)
{
	struct sirius_error err = { "" };

	test_db_open(&f.tmp, "sirius-dbm");
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS, 1, NULL, &err), 0);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, OTHER, 1, NULL, &err), 0);
	f.printer = 1;
	f.other = 2;
}

static void teardown(void)
{
	test_db_close(&f.tmp);
}

/* Queues a message for printer with command, created at now, from a device key (0: none) with digest (NULL: none). */
static uint32_t queue(int64_t printer, int command, int64_t now, int64_t key_id, const char *digest)
{
	return test_db_queue(f.tmp.db, printer, command, now, key_id, digest);
}

static struct db_message get(uint32_t id)
{
	struct sirius_error err = { "" };
	struct db_message m;

	ck_assert_int_eq(db_message_get(f.tmp.db, id, &m, &err), 1);
	db_message_clear(&m);
	return m;
}

/* Whether the message has a payload in the database (raw SQL: get() clears what it read). */
static int has_payload(uint32_t id)
{
	sqlite3 *raw;
	sqlite3_stmt *st;
	int has;

	ck_assert_int_eq(sqlite3_open(f.tmp.path, &raw), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(raw, "SELECT payload IS NOT NULL FROM messages WHERE id = ?", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	has = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	return has;
}

START_TEST(test_queued_sent_delivered_printed)
{
	struct sirius_error err = { "" };
	uint32_t id = queue(f.printer, 1, 100, 0, NULL);
	struct db_message m = get(id);

	ck_assert_int_eq(m.status, DB_MESSAGE_QUEUED);
	ck_assert_int_eq(m.created, 100);
	ck_assert_int_eq(m.return_code, -1);
	/* only a sent message is answered; the answer must come through its bridge */
	ck_assert_int_eq(db_outbox_answered(f.tmp.db, id, BRIDGE, NULL, 0, 101, &err), 0);
	ck_assert_int_eq(db_outbox_sent(f.tmp.db, id, BRIDGE, 102, &err), 1);
	m = get(id);
	ck_assert_int_eq(m.status, DB_MESSAGE_SENT);
	ck_assert_int_eq(m.sent, 102);
	ck_assert_int_eq(m.attempts, 1);
	ck_assert_str_eq(m.bridge, BRIDGE);
	/* a resend counts an attempt and keeps the first time */
	ck_assert_int_eq(db_outbox_sent(f.tmp.db, id, BRIDGE, 103, &err), 1);
	ck_assert_int_eq(db_outbox_answered(f.tmp.db, id, BRIDGE2, NULL, 0, 104, &err), 0);
	ck_assert_int_eq(db_outbox_answered(f.tmp.db, id, BRIDGE, OTHER, 0, 104, &err), 0);
	/* a bridge may leave the device out */
	ck_assert_int_eq(db_outbox_answered(f.tmp.db, id, BRIDGE, NULL, 0, 105, &err), 1);
	m = get(id);
	ck_assert_int_eq(m.status, DB_MESSAGE_DELIVERED);
	ck_assert_int_eq(m.sent, 102);
	ck_assert_int_eq(m.attempts, 2);
	ck_assert_int_eq(m.delivered, 105);
	ck_assert_int_eq(m.return_code, 0);
	ck_assert(has_payload(id));
	/* delivered is never sent again, nor answered again */
	ck_assert_int_eq(db_outbox_sent(f.tmp.db, id, BRIDGE, 106, &err), 0);
	ck_assert_int_eq(db_outbox_answered(f.tmp.db, id, BRIDGE, ADDRESS, 0xe0, 106, &err), 0);
	/* did_print from another printer is not this message's */
	ck_assert_int_eq(db_outbox_printed(f.tmp.db, id, OTHER, 107, &err), 0);
	ck_assert_int_eq(db_outbox_printed(f.tmp.db, id, ADDRESS, 108, &err), 1);
	m = get(id);
	ck_assert_int_eq(m.status, DB_MESSAGE_PRINTED);
	ck_assert_int_eq(m.printed, 108);
	ck_assert_int_eq(m.settled, 108);
	/* settled, the payload stays as the record of the print */
	ck_assert(has_payload(id));
}
END_TEST

/* A settled message keeps its payload, the record of its print, read on demand. */
START_TEST(test_settled_message_keeps_its_payload)
{
	struct sirius_error err = { "" };
	uint32_t id = queue(f.printer, 1, 100, 0, NULL);
	struct db_message m;

	ck_assert_int_eq(db_outbox_sent(f.tmp.db, id, BRIDGE, 101, &err), 1);
	ck_assert_int_eq(db_outbox_printed(f.tmp.db, id, ADDRESS, 102, &err), 1);
	ck_assert_int_eq(db_message_get(f.tmp.db, id, &m, &err), 1);
	ck_assert_int_eq(m.status, DB_MESSAGE_PRINTED);
	/* read without it (lists and statuses need not carry it), then on demand */
	ck_assert(m.has_print);
	ck_assert_ptr_null(m.payload);
	ck_assert_int_eq(db_message_load_print(f.tmp.db, &m, &err), 1);
	ck_assert_uint_eq(m.payload_len, 6);
	ck_assert_int_eq(m.payload[0], 1);
	ck_assert_int_eq(m.payload[5], 9);
	ck_assert_ptr_null(m.png);
	db_message_clear(&m);
	ck_assert_ptr_null(m.payload);
	ck_assert_uint_eq(m.payload_len, 0);
	/* expired by the sweep, it keeps it too */
	id = queue(f.printer, 1, 10, 0, NULL);
	ck_assert_int_eq(db_outbox_sweep(f.tmp.db, 200, 50, 100, 0, NULL, NULL, &err), 0);
	ck_assert_int_eq(get(id).status, DB_MESSAGE_EXPIRED);
	ck_assert(has_payload(id));
}
END_TEST

/* A cancel that came while the relay was writing the message is too late: the relay's record of it sent wins. */
START_TEST(test_cancel_too_late_for_a_message_written)
{
	struct sirius_error err = { "" };
	uint32_t id = queue(f.printer, 1, 100, 0, NULL);
	struct db_message m;

	ck_assert_int_eq(db_message_cancel(f.tmp.db, id, f.printer, 101, &err), 1);
	ck_assert_int_eq(get(id).status, DB_MESSAGE_CANCELLED);
	ck_assert_int_eq(db_outbox_sent(f.tmp.db, id, BRIDGE, 102, &err), 1);
	m = get(id);
	ck_assert_int_eq(m.status, DB_MESSAGE_SENT);
	ck_assert_int_eq(m.settled, 0);
	ck_assert_int_eq(m.attempts, 1);
	/* and its answer and its print are recorded as for any other */
	ck_assert_int_eq(db_outbox_answered(f.tmp.db, id, BRIDGE, ADDRESS, 0, 103, &err), 1);
	ck_assert_int_eq(db_outbox_printed(f.tmp.db, id, ADDRESS, 104, &err), 1);
	ck_assert_int_eq(get(id).status, DB_MESSAGE_PRINTED);
	/* a settled one is not sent again, cancelled or not */
	ck_assert_int_eq(db_outbox_sent(f.tmp.db, id, BRIDGE, 105, &err), 0);
}
END_TEST

START_TEST(test_failures_in_words_and_printed_after_all)
{
	struct sirius_error err = { "" };
	uint32_t a = queue(f.printer, 1, 100, 0, NULL), b = queue(f.printer, 1, 100, 0, NULL);
	struct db_message m;

	ck_assert_int_eq(db_outbox_sent(f.tmp.db, a, BRIDGE, 101, &err), 1);
	ck_assert_int_eq(db_outbox_answered(f.tmp.db, a, BRIDGE, ADDRESS, 0x80, 102, &err), 1);
	m = get(a);
	ck_assert_int_eq(m.status, DB_MESSAGE_FAILED);
	ck_assert_int_eq(m.return_code, 0x80);
	ck_assert_int_eq(m.failure, DB_FAILURE_NONE);
	ck_assert(has_payload(a));
	/* no answer at all */
	ck_assert_int_eq(db_outbox_failed(f.tmp.db, b, DB_FAILURE_NO_RESPONSE, 103, &err), 0);
	ck_assert_int_eq(db_outbox_sent(f.tmp.db, b, BRIDGE, 103, &err), 1);
	ck_assert_int_eq(db_outbox_failed(f.tmp.db, b, DB_FAILURE_NONE, 104, &err), -1);
	ck_assert_int_eq(db_outbox_failed(f.tmp.db, b, DB_FAILURE_NO_RESPONSE, 104, &err), 1);
	m = get(b);
	ck_assert_int_eq(m.status, DB_MESSAGE_FAILED);
	ck_assert_int_eq(m.failure, DB_FAILURE_NO_RESPONSE);
	ck_assert_str_eq(db_message_failure_name(m.failure), "no_response");
	ck_assert(has_payload(b));
	/* ... and then the printer reports it printed: that is what counts */
	ck_assert_int_eq(db_outbox_printed(f.tmp.db, b, ADDRESS, 110, &err), 1);
	ck_assert_int_eq(get(b).status, DB_MESSAGE_PRINTED);
}
END_TEST

START_TEST(test_outbox_in_order_per_printer)
{
	struct sirius_error err = { "" };
	uint32_t a = queue(f.printer, 1, 100, 0, NULL), x = queue(f.other, 1, 100, 0, NULL);
	uint32_t b = queue(f.printer, 1, 101, 0, NULL), c = queue(f.printer, 1, 102, 0, NULL);
	uint8_t *payload = NULL;
	size_t len = 0;
	uint32_t id = 0;

	ck_assert_int_eq(db_outbox_next(f.tmp.db, ADDRESS, 0, &id, &payload, &len, &err), 1);
	ck_assert_uint_eq(id, a);
	ck_assert_uint_eq(len, 6);
	ck_assert_int_eq(payload[4], 9);
	free(payload);
	ck_assert_int_eq(db_outbox_next(f.tmp.db, ADDRESS, a, &id, &payload, &len, &err), 1);
	ck_assert_uint_eq(id, b);
	free(payload);
	/* a cancelled one is skipped; a sent one is not queued any more */
	ck_assert_int_eq(db_message_cancel(f.tmp.db, b, f.other, 103, &err), 0);
	ck_assert_int_eq(db_message_cancel(f.tmp.db, b, f.printer, 103, &err), 1);
	ck_assert_int_eq(db_message_cancel(f.tmp.db, b, f.printer, 104, &err), 0);
	ck_assert_int_eq(get(b).status, DB_MESSAGE_CANCELLED);
	ck_assert(has_payload(b));
	ck_assert_int_eq(db_outbox_sent(f.tmp.db, a, BRIDGE, 105, &err), 1);
	ck_assert_int_eq(db_message_cancel(f.tmp.db, a, f.printer, 106, &err), 0);
	ck_assert_int_eq(db_outbox_next(f.tmp.db, ADDRESS, 0, &id, &payload, &len, &err), 1);
	ck_assert_uint_eq(id, c);
	free(payload);
	ck_assert_int_eq(db_outbox_next(f.tmp.db, ADDRESS, c, &id, &payload, &len, &err), 0);
	ck_assert_ptr_null(payload);
	ck_assert_int_eq(db_outbox_next(f.tmp.db, OTHER, 0, &id, &payload, &len, &err), 1);
	ck_assert_uint_eq(id, x);
	free(payload);
	ck_assert_int_eq(db_outbox_next(f.tmp.db, "000d6f0000000000", 0, &id, &payload, &len, &err), 0);
}
END_TEST

START_TEST(test_sweep_expires_and_keeps_history)
{
	struct sirius_error err = { "" };
	uint32_t old_queued = queue(f.printer, 1, 1000, 0, NULL);
	uint32_t button = queue(f.printer, 2, 1001, 0, NULL);
	uint32_t ids[6];
	struct db_message m;
	int expired = -1, deleted = -1, i;

	ck_assert_int_eq(db_outbox_sent(f.tmp.db, button, BRIDGE, 1002, &err), 1);
	for (i = 0; i < 6; i++) {
		ids[i] = queue(f.printer, 1, 2000 + i, 0, NULL);
		ck_assert_int_eq(db_outbox_sent(f.tmp.db, ids[i], BRIDGE, 2000 + i, &err), 1);
		ck_assert_int_eq(db_outbox_answered(f.tmp.db, ids[i], BRIDGE, NULL, 0, 2000 + i, &err), 1);
	}
	/* nothing to do: no write happens, nothing changes */
	ck_assert_int_eq(db_outbox_sweep(f.tmp.db, 3000, 500, 100, 0, &expired, &deleted, &err), 0);
	ck_assert_int_eq(expired, 0);
	ck_assert_int_eq(deleted, 0);
	/* the queued one is older than the lifetime; keep 3: the newest 3 settled stay, queued and button ones too */
	ck_assert_int_eq(db_outbox_sweep(f.tmp.db, 3000, 1500, 3, 0, &expired, &deleted, &err), 0);
	ck_assert_int_eq(expired, 1);
	/* the expired one is settled now and beyond the 3 kept: it goes with the three oldest delivered */
	ck_assert_int_eq(deleted, 4);
	ck_assert_int_eq(db_message_get(f.tmp.db, old_queued, &m, &err), 0);
	ck_assert_int_eq(get(button).status, DB_MESSAGE_SENT);
	for (i = 3; i < 6; i++)
		ck_assert_int_eq(get(ids[i]).status, DB_MESSAGE_DELIVERED);
	/* by age: settled ones made before 2005 go, whatever the count */
	ck_assert_int_eq(db_outbox_sweep(f.tmp.db, 3000, 1500, 100, 2005, &expired, &deleted, &err), 0);
	ck_assert_int_eq(deleted, 2);
	ck_assert_int_eq(get(ids[5]).status, DB_MESSAGE_DELIVERED);
	ck_assert_int_eq(get(button).status, DB_MESSAGE_SENT);
	ck_assert_int_eq(db_outbox_sweep(f.tmp.db, 3000, 1500, -1, 0, NULL, NULL, &err), -1);
}
END_TEST

START_TEST(test_refused_offline_and_repeats)
{
	static const uint8_t payload[] = { 1 };
	struct sirius_error err = { "" };
	char digest[DB_DEDUPE_LEN + 1];
	enum db_message_status status;
	struct db_message_new m;
	uint32_t id = 0, found = 0, first;
	int64_t key;
	struct db_device_key k;

	memset(digest, 'a', DB_DEDUPE_LEN);
	digest[DB_DEDUPE_LEN] = '\0';
	ck_assert_int_eq(db_device_key_create(f.tmp.db, f.printer, 10, &k, &err), 0);
	key = k.id;
	first = queue(f.printer, 1, 100, key, digest);
	ck_assert_int_eq(db_message_find_repeat(f.tmp.db, key, digest, 96, &found, &status, &err), 1);
	ck_assert_uint_eq(found, first);
	ck_assert_int_eq(status, DB_MESSAGE_QUEUED);
	ck_assert_int_eq(db_message_find_repeat(f.tmp.db, key, digest, 101, &found, &status, &err), 0);
	ck_assert_int_eq(get(first).key_id, key);
	/* a bad digest is refused */
	ck_assert_int_eq(db_next_command_id(f.tmp.db, &id, &err), 0);
	memset(&m, 0, sizeof(m));
	m.id = id;
	m.printer_id = f.printer;
	m.sender = "bob";
	m.command = 1;
	m.payload = payload;
	m.payload_len = sizeof(payload);
	m.dedupe = "ABC";
	ck_assert_int_eq(db_message_create(f.tmp.db, &m, 100, &err), -1);
	/* refused offline: failed at once, never sent; its payload is the record of the print */
	m.dedupe = NULL;
	m.refused = DB_FAILURE_OFFLINE;
	ck_assert_int_eq(db_message_create(f.tmp.db, &m, 100, &err), 0);
	ck_assert_int_eq(get(id).status, DB_MESSAGE_FAILED);
	ck_assert_int_eq(get(id).failure, DB_FAILURE_OFFLINE);
	ck_assert(has_payload(id));
	/* a message without a payload is refused */
	m.id = id + 1000;
	m.refused = DB_FAILURE_NONE;
	m.payload = NULL;
	ck_assert_int_eq(db_message_create(f.tmp.db, &m, 100, &err), -1);
}
END_TEST

START_TEST(test_idempotency_keys)
{
	struct sirius_error err = { "" };
	char *body = NULL;
	int status = 0;

	ck_assert(db_idempotency_key_valid("abc-123"));
	ck_assert(!db_idempotency_key_valid(""));
	ck_assert(!db_idempotency_key_valid("tab\there"));
	ck_assert_int_eq(db_idempotency_begin(f.tmp.db, "user:1", "k1", 1000, &status, &body, &err), DB_IDEMPOTENCY_NEW);
	ck_assert_int_eq(db_idempotency_begin(f.tmp.db, "user:1", "k1", 1001, &status, &body, &err),
			 DB_IDEMPOTENCY_RUNNING);
	/* another caller's key of the same text is its own */
	ck_assert_int_eq(db_idempotency_begin(f.tmp.db, "user:2", "k1", 1001, &status, &body, &err), DB_IDEMPOTENCY_NEW);
	ck_assert_int_eq(db_idempotency_finish(f.tmp.db, "user:1", "k1", 202, "{\"status\":\"queued\"}", &err), 0);
	ck_assert_int_eq(db_idempotency_begin(f.tmp.db, "user:1", "k1", 1002, &status, &body, &err), DB_IDEMPOTENCY_DONE);
	ck_assert_int_eq(status, 202);
	ck_assert_str_eq(body, "{\"status\":\"queued\"}");
	g_free(body);
	/* a day later the key is new again */
	ck_assert_int_eq(db_idempotency_begin(f.tmp.db, "user:1", "k1", 1000 + 86401, &status, &body, &err),
			 DB_IDEMPOTENCY_NEW);
	/* given up after a server error: may be tried again */
	ck_assert_int_eq(db_idempotency_abandon(f.tmp.db, "user:2", "k1", &err), 0);
	ck_assert_int_eq(db_idempotency_begin(f.tmp.db, "user:2", "k1", 1003, &status, &body, &err), DB_IDEMPOTENCY_NEW);
}
END_TEST

START_TEST(test_unanswered_messages_are_queued_again_at_a_restart)
{
	struct sirius_error err = { "" };
	uint32_t before = queue(f.printer, 1, 40, 0, NULL), after = queue(f.printer, 1, 60, 0, NULL);
	uint32_t answered = queue(f.printer, 1, 60, 0, NULL), other = queue(f.printer, 1, 60, 0, NULL);

	ck_assert_int_eq(db_outbox_sent(f.tmp.db, before, BRIDGE, 40, &err), 1);
	ck_assert_int_eq(db_bridge_set_confirms(f.tmp.db, BRIDGE, 50, &err), 0);
	ck_assert_int_eq(db_outbox_sent(f.tmp.db, after, BRIDGE, 60, &err), 1);
	ck_assert_int_eq(db_outbox_sent(f.tmp.db, answered, BRIDGE, 60, &err), 1);
	ck_assert_int_eq(db_outbox_answered(f.tmp.db, answered, BRIDGE, NULL, 0, 61, &err), 1);
	ck_assert_int_eq(db_outbox_sent(f.tmp.db, other, BRIDGE2, 60, &err), 1);
	/* only the one written to a bridge known to confirm, and never answered */
	ck_assert_int_eq(db_outbox_requeue_unanswered(f.tmp.db, &err), 1);
	ck_assert_int_eq(get(after).status, DB_MESSAGE_QUEUED);
	ck_assert_int_eq(get(before).status, DB_MESSAGE_SENT);
	ck_assert_int_eq(get(answered).status, DB_MESSAGE_DELIVERED);
	ck_assert_int_eq(get(other).status, DB_MESSAGE_SENT);
	/* an answer arriving late still settles it; did_print too */
	ck_assert_int_eq(db_outbox_answered(f.tmp.db, after, BRIDGE, ADDRESS, 0, 70, &err), 1);
	ck_assert_int_eq(get(after).status, DB_MESSAGE_DELIVERED);
	/* a message never written cannot be answered or printed */
	ck_assert_int_eq(db_outbox_printed(f.tmp.db, queue(f.printer, 1, 80, 0, NULL), ADDRESS, 81, &err), 0);
}
END_TEST

START_TEST(test_bridges_that_confirm)
{
	struct sirius_error err = { "" };

	ck_assert_int_eq(db_bridge_confirms(f.tmp.db, BRIDGE, &err), 0);
	ck_assert_int_eq(db_bridge_set_confirms(f.tmp.db, BRIDGE, 50, &err), 0);
	ck_assert_int_eq(db_bridge_set_confirms(f.tmp.db, BRIDGE, 60, &err), 0);
	ck_assert_int_eq(db_bridge_confirms(f.tmp.db, BRIDGE, &err), 1);
	ck_assert_int_eq(db_bridge_confirms(f.tmp.db, BRIDGE2, &err), 0);
}
END_TEST

/* Runs SQL on a raw connection to path. */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *raw;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(raw, sql, NULL, NULL, &msg) == SQLITE_OK, "%s", msg ? msg : "");
	sqlite3_close(raw);
}

START_TEST(test_migration_4_keeps_the_history)
{
	struct sirius_error err = { "" };
	char *dir = g_dir_make_tmp("sirius-v3-XXXXXX", NULL), *path = g_build_filename(dir, "old.db", NULL);
	size_t len = 0;
	char *schema = (char *)vector_read("schema/schema_v3.sql", &len);
	char *sql = g_strndup(schema, len);
	struct db_message m;
	struct db *db;

	raw_exec(path, sql);
	raw_exec(path, "PRAGMA user_version = 3;"
		       "INSERT INTO printers (id, address, hardware_xor, created, last_seen) VALUES (1, '" ADDRESS "', 5, 1, 1);"
		       "INSERT INTO messages (id, printer_id, sender, command, status, created, sent, settled) VALUES"
		       " (1, 1, 'a', 1, 'sending', 10, 11, NULL), (2, 1, 'b', 1, 'timed_out', 10, 11, 80),"
		       " (3, 1, 'c', 1, 'printed', 10, 11, 20), (4, 1, 'd', 1, 'queued', 10, NULL, NULL),"
		       " (5, 1, 'e', 1, 'delivered', 10, 11, 12);"
		       "INSERT INTO messages (id, printer_id, sender, command, status, failure, created, settled) VALUES"
		       " (6, 1, 'f', 1, 'failed', 'offline', 10, 10);");
	db = db_open(path, &err);
	ck_assert_msg(db != NULL, "%s", err.message);
	ck_assert_int_eq(db_user_version(db, &err), db_schema_version());
	ck_assert_int_eq(db_message_get(db, 1, &m, &err), 1);
	ck_assert_int_eq(m.status, DB_MESSAGE_SENT);
	ck_assert_int_eq(m.attempts, 1);
	ck_assert_int_eq(db_message_get(db, 2, &m, &err), 1);
	ck_assert_int_eq(m.status, DB_MESSAGE_SENT);
	ck_assert_int_eq(db_message_get(db, 3, &m, &err), 1);
	ck_assert_int_eq(m.status, DB_MESSAGE_PRINTED);
	ck_assert_int_eq(m.printed, 20);
	/* a queued message of before never reached the relay and has nothing to send */
	ck_assert_int_eq(db_message_get(db, 4, &m, &err), 1);
	ck_assert_int_eq(m.status, DB_MESSAGE_FAILED);
	ck_assert_int_eq(m.failure, DB_FAILURE_RELAY_UNREACHABLE);
	ck_assert_int_eq(db_message_get(db, 5, &m, &err), 1);
	ck_assert_int_eq(m.status, DB_MESSAGE_DELIVERED);
	ck_assert_int_eq(m.delivered, 12);
	ck_assert_int_eq(db_message_get(db, 6, &m, &err), 1);
	ck_assert_int_eq(m.failure, DB_FAILURE_OFFLINE);
	db_close(db);
	g_free(sql);
	free(schema);
	g_remove(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}
END_TEST

START_TEST(test_printers_bound_to_their_bridge)
{
	struct sirius_error err = { "" };
	struct db_printer_bridge b;
	char bound[17];
	int claimed = -1;

	ck_assert_int_eq(db_bridge_seen(f.tmp.db, BRIDGE, "192.0.2.5", 100, &err), 0);
	ck_assert_int_eq(db_bridge_seen(f.tmp.db, BRIDGE, "192.0.2.6", 200, &err), 0);
	ck_assert_int_eq(db_printer_binding(f.tmp.db, ADDRESS, bound, &claimed, &err), 1);
	ck_assert_str_eq(bound, "");
	ck_assert_int_eq(claimed, 0);
	/* only a claimed printer is bound */
	ck_assert_int_eq(db_printer_bind(f.tmp.db, ADDRESS, BRIDGE, &err), 0);
	raw_exec(f.tmp.path, "INSERT INTO users (id, name, password_hash, created) VALUES (7, 'owner', 'x', 1);"
			 "UPDATE printers SET owner_id = 7, name = 'Desk' WHERE id = 1");
	ck_assert_int_eq(db_printer_bind(f.tmp.db, ADDRESS, BRIDGE, &err), 1);
	ck_assert_int_eq(db_printer_binding(f.tmp.db, ADDRESS, bound, &claimed, &err), 1);
	ck_assert_str_eq(bound, BRIDGE);
	ck_assert_int_eq(claimed, 1);
	/* another bridge reported it: a move for the owner, who confirms it */
	ck_assert_int_eq(db_printer_confirm_move(f.tmp.db, f.printer, 7, &err), 0);
	ck_assert_int_eq(db_printer_moving(f.tmp.db, ADDRESS, BRIDGE2, &err), 1);
	ck_assert_int_eq(db_printer_bridge(f.tmp.db, f.printer, &b, &err), 1);
	ck_assert_str_eq(b.bridge, BRIDGE);
	ck_assert_str_eq(b.ip, "192.0.2.6");
	ck_assert_int_eq(b.first_seen, 100);
	ck_assert_str_eq(b.moving_to, BRIDGE2);
	ck_assert_int_eq(db_printer_confirm_move(f.tmp.db, f.printer, 8, &err), 0);
	ck_assert_int_eq(db_printer_confirm_move(f.tmp.db, f.printer, 7, &err), 1);
	ck_assert_int_eq(db_printer_bridge(f.tmp.db, f.printer, &b, &err), 1);
	ck_assert_str_eq(b.bridge, BRIDGE2);
	ck_assert_str_eq(b.moving_to, "");
	ck_assert_int_eq(db_printer_binding(f.tmp.db, "000d6f0000000001", bound, &claimed, &err), 0);
}
END_TEST

/* Regression: never-claimed device addresses, which anyone may name, piled up in printers for good. */
START_TEST(test_silent_unclaimed_printers_are_forgotten)
{
	struct sirius_error err = { "" };
	struct db_printer p;

	/* OTHER has a message; ADDRESS has nothing; both last seen at 1 */
	queue(f.other, 1, 5, 0, NULL);
	ck_assert_int_eq(db_printer_seen(f.tmp.db, "000d6f0000000099", 5000, NULL, &err), 0);
	ck_assert_int_eq(db_printers_sweep_unclaimed(f.tmp.db, 10, &err), 1);
	ck_assert_int_eq(db_printer_by_address(f.tmp.db, ADDRESS, &p, &err), 0);
	ck_assert_int_eq(db_printer_by_address(f.tmp.db, OTHER, &p, &err), 1);
	ck_assert_int_eq(db_printer_by_address(f.tmp.db, "000d6f0000000099", &p, &err), 1);
	ck_assert_int_eq(db_printers_sweep_unclaimed(f.tmp.db, 10, &err), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("db_messages");
	TCase *tc = tcase_create("outbox");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_queued_sent_delivered_printed);
	tcase_add_test(tc, test_settled_message_keeps_its_payload);
	tcase_add_test(tc, test_cancel_too_late_for_a_message_written);
	tcase_add_test(tc, test_failures_in_words_and_printed_after_all);
	tcase_add_test(tc, test_outbox_in_order_per_printer);
	tcase_add_test(tc, test_sweep_expires_and_keeps_history);
	tcase_add_test(tc, test_refused_offline_and_repeats);
	tcase_add_test(tc, test_idempotency_keys);
	tcase_add_test(tc, test_unanswered_messages_are_queued_again_at_a_restart);
	tcase_add_test(tc, test_bridges_that_confirm);
	tcase_add_test(tc, test_printers_bound_to_their_bridge);
	tcase_add_test(tc, test_silent_unclaimed_printers_are_forgotten);
	tcase_add_test(tc, test_migration_4_keeps_the_history);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
