/* check_checkpointer.c: unit tests of the relay's checkpoint thread over a real database. */
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>
#include <sqlite3.h>

#include "checkpointer.h"
#include "db.h"
#include "test_db.h"
#include "test_util.h"

/* Longest a test waits for the thread (a slow machine's; the thread is usually done in milliseconds). */
#define PATIENCE_US (120 * G_USEC_PER_SEC)

static struct test_db tmp; /* its connection keeps the database (and its log) open, as the relay does */
static sqlite3 *writer;    /* another process's connection, that never checkpoints itself */

static void setup(void)
{
	test_db_open(&tmp, "sirius-ckpt");
	ck_assert_int_eq(sqlite3_open(tmp.path, &writer), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(writer, "PRAGMA wal_autocheckpoint = 0; CREATE TABLE filler (data BLOB)", NULL,
				      NULL, NULL), SQLITE_OK);
}

static void teardown(void)
{
	sqlite3_close(writer);
	test_db_close(&tmp);
}

/* Appends about rows pages to the log, in one transaction. */
static void write_rows(int rows)
{
	char sql[160];

	g_snprintf(sql, sizeof(sql),
		   "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
		   " INSERT INTO filler SELECT randomblob(3000) FROM n", rows);
	ck_assert_int_eq(sqlite3_exec(writer, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* The frames in the log now (a PASSIVE checkpoint of the writer's, which copies what is left). */
static int log_frames(void)
{
	int frames = -1, copied = -1;

	ck_assert_int_eq(sqlite3_wal_checkpoint_v2(writer, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied), SQLITE_OK);
	return frames;
}

/*
 * Waits until the thread has done what done() says of its counts and goal
 * (the counts to reach, or NULL), failing the test after PATIENCE_US.
 */
static void wait_for(struct checkpointer *cp,
		     int (*done)(const struct checkpointer_counts *c, const struct checkpointer_counts *goal),
		     const struct checkpointer_counts *goal, const char *what)
{
	gint64 until = g_get_monotonic_time() + PATIENCE_US;
	struct checkpointer_counts c;

	for (;;) {
		checkpointer_counts(cp, &c);
		if (done(&c, goal))
			return;
		ck_assert_msg(g_get_monotonic_time() < until, "the checkpointer never %s", what);
		g_usleep(1000);
	}
}

static int copied_some(const struct checkpointer_counts *c, const struct checkpointer_counts *goal)
{
	(void)goal;
	return c->checkpoints > 0 && c->frames >= 40;
}

static int restarted(const struct checkpointer_counts *c, const struct checkpointer_counts *goal)
{
	(void)goal;
	return c->restarts > 0;
}

static int rounds_done(const struct checkpointer_counts *c, const struct checkpointer_counts *goal)
{
	return c->rounds >= goal->rounds;
}

static int frames_copied(const struct checkpointer_counts *c, const struct checkpointer_counts *goal)
{
	return c->frames >= goal->frames;
}

/* What others commit is copied into the database file by the thread. */
START_TEST(test_copies_the_log)
{
	struct sirius_error err = { "" };
	struct checkpointer *cp;
	struct checkpointer_counts c;

	write_rows(40);
	cp = checkpointer_start(tmp.path, 1, 1000000, &err);
	ck_assert_msg(cp != NULL, "%s", err.message);
	wait_for(cp, copied_some, NULL, "copied the log");
	checkpointer_counts(cp, &c);
	ck_assert_uint_eq(c.restarts, 0);
	ck_assert_uint_eq(c.failures, 0);
	checkpointer_stop(cp);
}
END_TEST

/* A log past restart_frames starts over: the next commit writes from its start. */
START_TEST(test_long_log_starts_over)
{
	struct sirius_error err = { "" };
	struct checkpointer *cp;

	write_rows(200);
	ck_assert_int_ge(log_frames(), 200);
	cp = checkpointer_start(tmp.path, 1, 100, &err);
	ck_assert_msg(cp != NULL, "%s", err.message);
	wait_for(cp, restarted, NULL, "restarted the log");
	checkpointer_stop(cp);
	write_rows(1);
	ck_assert_int_lt(log_frames(), 100);
}
END_TEST

/*
 * A restarted log reports what it held until the next commit writes from its
 * start: those frames are counted once, and the log is not started over again
 * and again while nobody commits.
 */
START_TEST(test_restarted_log_is_counted_once)
{
	struct sirius_error err = { "" };
	struct checkpointer_counts first, later, goal = { 0 };
	struct checkpointer *cp;

	write_rows(200);
	cp = checkpointer_start(tmp.path, 1, 100, &err);
	ck_assert_msg(cp != NULL, "%s", err.message);
	wait_for(cp, restarted, NULL, "restarted the log");
	checkpointer_counts(cp, &first);
	ck_assert_uint_eq(first.restarts, 1);
	goal.rounds = first.rounds + 5;
	wait_for(cp, rounds_done, &goal, "looked at the log again");
	checkpointer_counts(cp, &later);
	ck_assert_uint_eq(later.restarts, first.restarts);
	ck_assert_uint_eq(later.checkpoints, first.checkpoints);
	ck_assert_uint_eq(later.frames, first.frames);
	/* the next commit's frames are counted from the new log's start */
	write_rows(10);
	goal.frames = first.frames + 10;
	wait_for(cp, frames_copied, &goal, "copied the new log");
	checkpointer_counts(cp, &later);
	ck_assert_uint_lt(later.frames - first.frames, 50);
	ck_assert_uint_eq(later.restarts, 1);
	ck_assert_uint_eq(later.failures, 0);
	checkpointer_stop(cp);
}
END_TEST

/* Stopping does not wait for the next round, however far away. */
START_TEST(test_stop_wakes_the_thread)
{
	struct sirius_error err = { "" };
	struct checkpointer *cp = checkpointer_start(tmp.path, 3600 * 1000, 100, &err);

	ck_assert_msg(cp != NULL, "%s", err.message);
	checkpointer_stop(cp);
	checkpointer_stop(NULL);
}
END_TEST

/* A database that cannot be opened is an error, not a thread. */
START_TEST(test_unopenable_database)
{
	struct sirius_error err = { "" };

	ck_assert_ptr_null(checkpointer_start("/proc/no/such/place/sirius.db", 1, 100, &err));
	ck_assert_str_ne(err.message, "");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("checkpointer");
	TCase *tc = tcase_create("thread");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 150);
	tcase_add_test(tc, test_copies_the_log);
	tcase_add_test(tc, test_long_log_starts_over);
	tcase_add_test(tc, test_restarted_log_is_counted_once);
	tcase_add_test(tc, test_stop_wakes_the_thread);
	tcase_add_test(tc, test_unopenable_database);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
