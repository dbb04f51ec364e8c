/* check_relay_store_db.c: the relay's store over a real database: writes done at once, or in a batch the registry brackets. */
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>
#include <sqlite3.h>

#include "db.h"
#include "store.h"
#include "store_db.h"
#include "test_db.h"
#include "test_util.h"

#define ADDRESS "000d6f0001020304"
#define BRIDGE "000d6f0001b0c1d2"

struct fixture {
	struct test_db tmp;       /* the database; tmp.db is the relay's connection */
	struct relay_store store; /* the store over it */
	sqlite3 *other;           /* another process's connection, as sirius-api's */
};

static struct fixture f;

static void setup(void)
{
	struct sirius_error err = { "" };

	test_db_open(&f.tmp, "sirius-store");
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS, 1, NULL, &err), 0);
	db_set_busy_timeout(f.tmp.db, 20);
	store_db_init(&f.store, f.tmp.db);
	ck_assert_int_eq(sqlite3_open(f.tmp.path, &f.other), SQLITE_OK);
}

static void teardown(void)
{
	sqlite3_close(f.other);
	test_db_close(&f.tmp);
}

/* Queues a message for the printer, as sirius-api does. */
static uint32_t queue(void)
{
	return test_db_queue(f.tmp.db, 1, 1, 100, 0, NULL);
}

/* The message's state as another connection reads it. */
static char *state_seen_by_other(uint32_t id)
{
	sqlite3_stmt *st;
	char *state;

	ck_assert_int_eq(sqlite3_prepare_v2(f.other, "SELECT status FROM messages WHERE id = ?", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	state = g_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return state;
}

static void assert_state(uint32_t id, const char *want)
{
	char *state = state_seen_by_other(id);

	ck_assert_str_eq(state, want);
	g_free(state);
}

/* Sent, delivered and printed in one batch: others see none of it until the commit, then all of it. */
START_TEST(test_batch_is_committed_together)
{
	struct sirius_error err = { "" };
	uint32_t id = queue();

	ck_assert_msg(f.store.batch_begin(f.store.ctx, &err) == 0, "%s", err.message);
	ck_assert(db_transaction_open(f.tmp.db));
	ck_assert_int_eq(f.store.message_sent(f.store.ctx, id, BRIDGE, 101, &err), 0);
	ck_assert_int_eq(f.store.message_answered(f.store.ctx, id, BRIDGE, ADDRESS, 0, 101, &err), 0);
	ck_assert_int_eq(f.store.message_printed(f.store.ctx, ADDRESS, id, 102, &err), 0);
	assert_state(id, "queued");
	/* the batch holds the write lock meanwhile */
	ck_assert_int_eq(sqlite3_exec(f.other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_BUSY);
	ck_assert_msg(f.store.batch_commit(f.store.ctx, &err) == 0, "%s", err.message);
	ck_assert(!db_transaction_open(f.tmp.db));
	assert_state(id, "printed");
	ck_assert_int_eq(sqlite3_exec(f.other, "BEGIN IMMEDIATE; COMMIT", NULL, NULL, NULL), SQLITE_OK);
}
END_TEST

/* Outside a batch every write is done at once, in its own transaction, and holds nothing afterwards. */
START_TEST(test_writes_outside_a_batch_are_done_at_once)
{
	struct sirius_error err = { "" };
	uint32_t id = queue(), next = 0;

	ck_assert_int_eq(f.store.message_sent(f.store.ctx, id, BRIDGE, 101, &err), 0);
	ck_assert(!db_transaction_open(f.tmp.db));
	assert_state(id, "sent");
	ck_assert_msg(f.store.next_command_id(f.store.ctx, &next, &err) == 0, "%s", err.message);
	ck_assert_uint_gt(next, id);
	ck_assert_uint_gt(queue(), next);
}
END_TEST

/* A rolled back batch leaves nothing behind and holds nothing. */
START_TEST(test_rollback_undoes_the_batch)
{
	struct sirius_error err = { "" };
	uint32_t id = queue();

	ck_assert_msg(f.store.batch_begin(f.store.ctx, &err) == 0, "%s", err.message);
	ck_assert_int_eq(f.store.message_sent(f.store.ctx, id, BRIDGE, 101, &err), 0);
	f.store.batch_rollback(f.store.ctx);
	ck_assert(!db_transaction_open(f.tmp.db));
	assert_state(id, "queued");
	ck_assert_int_eq(sqlite3_exec(f.other, "BEGIN IMMEDIATE; COMMIT", NULL, NULL, NULL), SQLITE_OK);
}
END_TEST

/* A printer's last_seen is written with the time given. */
START_TEST(test_touch_writes_last_seen)
{
	struct sirius_error err = { "" };
	sqlite3_stmt *st;

	ck_assert_int_eq(f.store.printer_touch(f.store.ctx, ADDRESS, 700.5, &err), 0);
	ck_assert_int_eq(sqlite3_prepare_v2(f.other, "SELECT last_seen FROM printers WHERE address = ?", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, ADDRESS, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int64(st, 0), 700);
	sqlite3_finalize(st);
}
END_TEST

/* Reads go to the database at once, and take no write lock. */
START_TEST(test_reads_open_no_transaction)
{
	struct sirius_error err = { "" };
	uint32_t id = queue(), got = 0;
	uint8_t *payload = NULL;
	size_t len = 0;

	ck_assert_int_eq(f.store.outbox_next(f.store.ctx, ADDRESS, 0, &got, &payload, &len, &err), 1);
	ck_assert_uint_eq(got, id);
	free(payload);
	ck_assert(!db_transaction_open(f.tmp.db));
}
END_TEST

/*
 * Another process holds the write lock: the batch cannot begin (the store
 * says RELAY_STORE_BUSY and holds nothing); once the lock is gone it can.
 */
START_TEST(test_batch_meets_the_lock)
{
	struct sirius_error err = { "" };
	uint32_t id = queue();

	ck_assert_int_eq(sqlite3_exec(f.other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(f.store.batch_begin(f.store.ctx, &err), RELAY_STORE_BUSY);
	ck_assert(!db_transaction_open(f.tmp.db));
	ck_assert_int_eq(sqlite3_exec(f.other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_msg(f.store.batch_begin(f.store.ctx, &err) == 0, "%s", err.message);
	ck_assert_int_eq(f.store.message_sent(f.store.ctx, id, BRIDGE, 101, &err), 0);
	ck_assert_msg(f.store.batch_commit(f.store.ctx, &err) == 0, "%s", err.message);
	assert_state(id, "sent");
}
END_TEST

/* A write that fails inside a batch (here a did_print the database refuses) rolls back alone. */
START_TEST(test_one_failed_write_leaves_the_others)
{
	struct sirius_error err = { "" };
	uint32_t id = queue();

	ck_assert_int_eq(sqlite3_exec(f.other, "CREATE TRIGGER no_presses BEFORE INSERT ON button_presses"
					       " BEGIN SELECT RAISE(ABORT, 'no presses today'); END",
				      NULL, NULL, NULL), SQLITE_OK);
	ck_assert_msg(f.store.batch_begin(f.store.ctx, &err) == 0, "%s", err.message);
	ck_assert_int_eq(f.store.message_sent(f.store.ctx, id, BRIDGE, 101, &err), 0);
	ck_assert_int_eq(f.store.button_press(f.store.ctx, ADDRESS, 1, id, 101, &err), -1);
	ck_assert(db_transaction_open(f.tmp.db));
	ck_assert_int_eq(f.store.message_printed(f.store.ctx, ADDRESS, id, 102, &err), 0);
	ck_assert_msg(f.store.batch_commit(f.store.ctx, &err) == 0, "%s", err.message);
	assert_state(id, "printed");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("relay_store_db");
	TCase *tc = tcase_create("batches");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_batch_is_committed_together);
	tcase_add_test(tc, test_writes_outside_a_batch_are_done_at_once);
	tcase_add_test(tc, test_rollback_undoes_the_batch);
	tcase_add_test(tc, test_touch_writes_last_seen);
	tcase_add_test(tc, test_reads_open_no_transaction);
	tcase_add_test(tc, test_batch_meets_the_lock);
	tcase_add_test(tc, test_one_failed_write_leaves_the_others);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
