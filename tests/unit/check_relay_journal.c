/* check_relay_journal.c: the relay's journal: its lines, appending, and the replay at a start over a real database. */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <glib.h>
#include <sqlite3.h>

#include "db.h"
#include "journal.h"
#include "pending_write.h"
#include "store_db.h"
#include "test_db.h"
#include "test_util.h"

#define ADDRESS "000d6f0001020304"
#define BRIDGE "000d6f0001b0c1d2"

struct fixture {
	struct test_db tmp;       /* the database; tmp.db is the relay's connection */
	struct relay_store store; /* the store over it */
	char *path;               /* the journal's file, in the database's directory */
	struct relay_journal *j;  /* open on path */
	sqlite3 *other;           /* another process's connection, to look and to hold the lock */
};

static struct fixture f;

static void setup(void)
{
	struct sirius_error err = { "" };

	test_db_open(&f.tmp, "sirius-journal");
	ck_assert_int_eq(db_printer_seen(f.tmp.db, ADDRESS, 1, NULL, &err), 0);
	db_set_busy_timeout(f.tmp.db, 20);
	store_db_init(&f.store, f.tmp.db);
	f.path = g_build_filename(f.tmp.dir, "sirius.db-relay-journal", NULL);
	f.j = relay_journal_open(f.path, &err);
	ck_assert_msg(f.j != NULL, "%s", err.message);
	ck_assert_int_eq(sqlite3_open(f.tmp.path, &f.other), SQLITE_OK);
}

static void teardown(void)
{
	sqlite3_close(f.other);
	relay_journal_close(f.j);
	g_free(f.path);
	test_db_close(&f.tmp);
}

/* A write of kind with the fixture's addresses, for command id (or print id) id at time at. */
static struct pending_write write_of(enum pending_kind kind, uint32_t id, long code, double at)
{
	struct pending_write w;

	memset(&w, 0, sizeof(w));
	w.kind = kind;
	g_strlcpy(w.device, ADDRESS, sizeof(w.device));
	g_strlcpy(w.bridge, BRIDGE, sizeof(w.bridge));
	w.command_id = id;
	w.code = code;
	w.at = at;
	return w;
}

/* Appends writes to the fixture's journal, as the registry does at the end of a turn. */
static void append(struct pending_write *writes, size_t count)
{
	struct sirius_error err = { "" };
	struct pending_write *ptrs[8];
	size_t i;

	ck_assert_uint_le(count, G_N_ELEMENTS(ptrs));
	for (i = 0; i < count; i++)
		ptrs[i] = &writes[i];
	ck_assert_msg(relay_journal_append(f.j, ptrs, count, &err) == 0, "%s", err.message);
}

/* The relay stopped without a commit and starts again: the journal is opened anew and recovered. */
static int restart(unsigned *replayed, unsigned *skipped, struct sirius_error *err)
{
	relay_journal_close(f.j);
	f.j = relay_journal_open(f.path, err);
	ck_assert_ptr_nonnull(f.j);
	return relay_journal_recover(f.j, &f.store, replayed, skipped, err);
}

/* An integer read by the other connection. */
static int64_t other_int(const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	ck_assert_int_eq(sqlite3_prepare_v2(f.other, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void assert_status(uint32_t id, const char *want)
{
	char sql[96];
	sqlite3_stmt *st;

	snprintf(sql, sizeof(sql), "SELECT status FROM messages WHERE id = %u", id);
	ck_assert_int_eq(sqlite3_prepare_v2(f.other, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), want);
	sqlite3_finalize(st);
}

static uint64_t file_size(void)
{
	struct stat st;

	ck_assert_int_eq(stat(f.path, &st), 0);
	return (uint64_t)st.st_size;
}

/* ---- lines ---------------------------------------------------------------------- */

/* Every kind reads back as it was written, empty texts and odd numbers included. */
START_TEST(test_every_kind_reads_back)
{
	enum pending_kind kinds[] = { PENDING_SEEN,	PENDING_TOUCH,	  PENDING_SENT,	 PENDING_ANSWERED,
				      PENDING_FAILED,	PENDING_PRINTED,  PENDING_CONFIRMS, PENDING_BRIDGE,
				      PENDING_BIND,	PENDING_MOVING,	  PENDING_PRESS };
	char line[PENDING_LINE_MAX];
	size_t i, len;

	for (i = 0; i < G_N_ELEMENTS(kinds); i++) {
		struct pending_write w = write_of(kinds[i], UINT32_MAX - (uint32_t)i, -(long)i, 1765000000.123456),
				     back;

		w.seq = PENDING_SEQ_MAX - i;
		if (i % 2)
			w.device[0] = '\0';
		if (i % 3 == 0)
			g_strlcpy(w.ip, i ? "[2001:db8::1]" : "192.0.2.7", sizeof(w.ip));
		len = pending_write_format(&w, line);
		ck_assert_uint_gt(len, 0);
		ck_assert_int_eq(line[len - 1], '\n');
		ck_assert_ptr_eq(strchr(line, '\n'), line + len - 1);
		line[len - 1] = '\0';
		ck_assert_msg(pending_write_parse(line, &back) == 0, "%s", line);
		ck_assert_int_eq(back.kind, w.kind);
		ck_assert_str_eq(back.device, w.device);
		ck_assert_str_eq(back.bridge, w.bridge);
		ck_assert_str_eq(back.ip, w.ip);
		ck_assert_uint_eq(back.command_id, w.command_id);
		ck_assert_int_eq(back.code, w.code);
		ck_assert_uint_eq(back.seq, w.seq);
		ck_assert(fabs(back.at - w.at) < 1e-6);
	}
}
END_TEST

/* An address with a space or a newline (which a socket never reports) cannot break the line: it is made plain. */
START_TEST(test_ip_cannot_break_a_line)
{
	struct pending_write w = write_of(PENDING_BRIDGE, 0, 0, 5), back;
	char line[PENDING_LINE_MAX];
	size_t len;

	w.seq = 1;
	g_strlcpy(w.ip, "10.0.0.1 x\nseen", sizeof(w.ip));
	len = pending_write_format(&w, line);
	ck_assert_ptr_eq(strchr(line, '\n'), line + len - 1);
	line[len - 1] = '\0';
	ck_assert_int_eq(pending_write_parse(line, &back), 0);
	ck_assert_str_eq(back.ip, "10.0.0.1_x_seen");
}
END_TEST

/* Lines that are not writes are refused, field by field. */
START_TEST(test_lines_that_are_not_writes_are_refused)
{
	static const char *const bad[] = {
		"",
		"1 sent - " BRIDGE " - 5 0",                        /* a field short */
		"1 sent - " BRIDGE " - 5 0 10.5 extra",            /* a field more */
		"0 sent - " BRIDGE " - 5 0 10.5",                  /* no line is number 0 */
		"x sent - " BRIDGE " - 5 0 10.5",                  /* not a number */
		"-1 sent - " BRIDGE " - 5 0 10.5",                 /* signed */
		"18446744073709551616 sent - " BRIDGE " - 5 0 10.5", /* past 64 bits */
		"4611686018427387905 sent - " BRIDGE " - 5 0 10.5", /* past PENDING_SEQ_MAX */
		"1 resent - " BRIDGE " - 5 0 10.5",                /* no such kind */
		"1 sent 000D6F0001020304 " BRIDGE " - 5 0 10.5",   /* an address in upper case */
		"1 sent 0001020304 " BRIDGE " - 5 0 10.5",         /* an address too short */
		"1 sent - " BRIDGE " a,b - 5 0 10.5",              /* an ip with a comma */
		"1 sent - " BRIDGE " - 4294967296 0 10.5",         /* an id past 32 bits */
		"1 sent - " BRIDGE " - 5 zero 10.5",               /* a code that is not a number */
		"1 sent - " BRIDGE " - 5 4294967296 10.5",         /* a code past an int */
		"1 sent - " BRIDGE " - 5 0 1e300",                 /* a time past the year 2242 */
		"1 sent - " BRIDGE " - 5 0 8589934593",            /* just past it */
		"1 sent - " BRIDGE " - 5 0 -3",                    /* a time before 1970 */
		"1 sent - " BRIDGE " - 5 0 nan",                   /* not a time */
		"1  sent - " BRIDGE " - 5 0 10.5",                 /* two spaces */
	};
	struct pending_write w;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++)
		ck_assert_msg(pending_write_parse(bad[i], &w) < 0, "accepted: %s", bad[i]);
	ck_assert_int_eq(pending_write_parse("7 sent - " BRIDGE " - 5 0 10.5", &w), 0);
	ck_assert_uint_eq(w.seq, 7);
}
END_TEST

/* ---- appending ------------------------------------------------------------------ */

/* One relay per database: a second one cannot open the journal (it would replay and empty the first one's). */
START_TEST(test_a_second_relay_is_refused)
{
	struct sirius_error err = { "" };
	struct relay_journal *second = relay_journal_open(f.path, &err);

	ck_assert_ptr_null(second);
	ck_assert_ptr_nonnull(strstr(err.message, "another relay is using this database"));
	/* once the first is gone, a new one may */
	relay_journal_close(f.j);
	f.j = relay_journal_open(f.path, &err);
	ck_assert_msg(f.j != NULL, "%s", err.message);
}
END_TEST

/* Lines are numbered on from the last one, one write each time. */
START_TEST(test_append_numbers_the_lines)
{
	struct pending_write w[3] = { write_of(PENDING_SENT, 5, 0, 10), write_of(PENDING_ANSWERED, 5, 0, 11),
				      write_of(PENDING_PRINTED, 5, 0, 12) };

	ck_assert_uint_eq(relay_journal_last(f.j), 0);
	append(w, 2);
	ck_assert_uint_eq(w[0].seq, 1);
	ck_assert_uint_eq(w[1].seq, 2);
	append(&w[2], 1);
	ck_assert_uint_eq(w[2].seq, 3);
	ck_assert_uint_eq(relay_journal_last(f.j), 3);
	ck_assert_uint_eq(relay_journal_size(f.j), file_size());
	ck_assert_uint_gt(file_size(), 0);
}
END_TEST

/* The file stops growing at its most bytes (commits failing for long): the writes are refused whole. */
START_TEST(test_append_stops_at_the_most_bytes)
{
	struct pending_write w[2] = { write_of(PENDING_SENT, 5, 0, 10), write_of(PENDING_ANSWERED, 5, 0, 11) };
	struct pending_write *ptrs[2] = { &w[0], &w[1] };
	struct sirius_error err = { "" };
	uint64_t size;

	append(w, 1);
	size = file_size();
	relay_journal_set_max(f.j, size + size / 2);
	ck_assert_int_lt(relay_journal_append(f.j, ptrs, 2, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.message, "full"));
	ck_assert_uint_eq(file_size(), size);
	ck_assert_uint_eq(w[0].seq, 0);
	ck_assert_uint_eq(relay_journal_last(f.j), 1);
	/* emptied by a commit, it takes what fits again */
	ck_assert_int_eq(relay_journal_reset(f.j, &err), 0);
	append(&w[1], 1);
	ck_assert_uint_eq(w[1].seq, 2);
}
END_TEST

/*
 * A write(2) that stops part way (here the file size limit; the disk full
 * alike) leaves the file as it was, so that no torn line swallows the next
 * one, and the writes unnumbered, for the caller to commit.
 */
START_TEST(test_append_that_fails_leaves_the_file_whole)
{
	struct pending_write first = write_of(PENDING_SENT, 5, 0, 10);
	struct pending_write more[3] = { write_of(PENDING_ANSWERED, 5, 0, 11), write_of(PENDING_PRINTED, 5, 0, 12),
					 write_of(PENDING_PRESS, 5, 1, 12) };
	struct pending_write *ptrs[3] = { &more[0], &more[1], &more[2] };
	struct sirius_error err = { "" };
	struct rlimit limit, old;
	uint64_t size;

	append(&first, 1);
	size = file_size();
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	limit = old;
	limit.rlim_cur = (rlim_t)size + 20; /* room for a part of the next line only */
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &limit), 0);
	ck_assert_int_lt(relay_journal_append(f.j, ptrs, 3, &err), 0);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	ck_assert_ptr_nonnull(strstr(err.message, "journal"));
	ck_assert_uint_eq(file_size(), size);
	ck_assert_uint_eq(more[0].seq, 0);
	ck_assert_uint_eq(more[2].seq, 0);
	ck_assert_uint_eq(relay_journal_last(f.j), 1);
	/* once there is room again, the numbers go on */
	append(more, 3);
	ck_assert_uint_eq(more[0].seq, 2);
	ck_assert_uint_eq(relay_journal_last(f.j), 4);
}
END_TEST

/* ---- recovery ------------------------------------------------------------------- */

/* What a relay stopped before its commit left in the journal is done at the next start, before anything else. */
START_TEST(test_recover_does_what_a_stopped_relay_left)
{
	struct sirius_error err = { "" };
	uint32_t id = test_db_queue(f.tmp.db, 1, 1, 100, 0, NULL);
	struct pending_write w[3] = { write_of(PENDING_SENT, id, 0, 101), write_of(PENDING_ANSWERED, id, 0, 102),
				      write_of(PENDING_PRESS, id, 1, 103) };
	unsigned replayed, skipped;

	append(w, 3);
	assert_status(id, "queued");
	ck_assert_msg(restart(&replayed, &skipped, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(replayed, 3);
	ck_assert_uint_eq(skipped, 0);
	assert_status(id, "delivered");
	ck_assert_int_eq(other_int("SELECT count(*) FROM button_presses"), 1);
	ck_assert_int_eq(other_int("SELECT applied FROM relay_journal"), 3);
	/* done: the file starts again, and its numbers go on */
	ck_assert_uint_eq(file_size(), 0);
	ck_assert_uint_eq(relay_journal_last(f.j), 3);
	w[0] = write_of(PENDING_PRINTED, id, 0, 104);
	append(w, 1);
	ck_assert_uint_eq(w[0].seq, 4);
}
END_TEST

/*
 * A relay that stops between a commit and the emptying of its journal
 * leaves lines that are already done: they are not done again (a press
 * would be counted twice).
 */
START_TEST(test_recover_does_each_line_once)
{
	struct sirius_error err = { "" };
	uint32_t id = test_db_queue(f.tmp.db, 1, 1, 100, 0, NULL);
	struct pending_write w[2] = { write_of(PENDING_PRESS, id, 1, 101), write_of(PENDING_PRESS, id, 1, 102) };
	unsigned replayed, skipped;
	char line[PENDING_LINE_MAX];
	gchar *lines, *again;

	append(w, 1);
	ck_assert(g_file_get_contents(f.path, &lines, NULL, NULL));
	ck_assert_int_eq(restart(&replayed, &skipped, &err), 0);
	ck_assert_uint_eq(replayed, 1);
	/* the same line again (the stop came after the commit), and one the database has not */
	w[1].seq = 2;
	pending_write_format(&w[1], line);
	again = g_strconcat(lines, line, NULL);
	ck_assert(g_file_set_contents(f.path, again, -1, NULL));
	g_free(again);
	ck_assert_int_eq(restart(&replayed, &skipped, &err), 0);
	ck_assert_uint_eq(replayed, 1);
	ck_assert_int_eq(other_int("SELECT count(*) FROM button_presses"), 2);
	ck_assert_int_eq(other_int("SELECT applied FROM relay_journal"), 2);
	g_free(lines);
}
END_TEST

/* A torn last line (the write cut short) and lines that are not writes are skipped and counted; the rest is done. */
START_TEST(test_torn_and_foreign_lines_are_skipped)
{
	struct sirius_error err = { "" };
	uint32_t id = test_db_queue(f.tmp.db, 1, 1, 100, 0, NULL);
	struct pending_write w = write_of(PENDING_SENT, id, 0, 101);
	unsigned replayed, skipped;
	char line[PENDING_LINE_MAX];
	gchar *text;
	FILE *out;

	w.seq = 1;
	pending_write_format(&w, line);
	text = g_strdup_printf("not a write\n%s", line);
	relay_journal_close(f.j);
	out = fopen(f.path, "w");
	ck_assert_ptr_nonnull(out);
	fputs(text, out);
	/* a line far longer than any write */
	for (int i = 0; i < 1000; i++)
		fputc('x', out);
	fputc('\n', out);
	/* a write with a NUL byte after it (what a line is read up to must not hide it) */
	w.seq = 3;
	pending_write_format(&w, line);
	fwrite(line, 1, strlen(line) - 1, out);
	fwrite("\0x\n", 1, 3, out);
	/* and the last one torn: its newline never written */
	fputs("2 answered - " BRIDGE " - 1 0 1", out);
	fclose(out);
	f.j = relay_journal_open(f.path, &err);
	ck_assert_int_eq(relay_journal_recover(f.j, &f.store, &replayed, &skipped, &err), 0);
	ck_assert_uint_eq(replayed, 1);
	ck_assert_uint_eq(skipped, 4);
	assert_status(id, "sent");
	g_free(text);
}
END_TEST

/* Recovery that meets another process's lock does nothing and keeps the file, for the next start. */
START_TEST(test_recover_meets_the_lock)
{
	struct sirius_error err = { "" };
	uint32_t id = test_db_queue(f.tmp.db, 1, 1, 100, 0, NULL);
	struct pending_write w = write_of(PENDING_SENT, id, 0, 101);
	unsigned replayed, skipped;
	uint64_t size;

	append(&w, 1);
	size = file_size();
	ck_assert_int_eq(sqlite3_exec(f.other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_lt(restart(&replayed, &skipped, &err), 0);
	ck_assert_uint_eq(replayed, 0);
	ck_assert_uint_eq(file_size(), size);
	ck_assert_int_eq(sqlite3_exec(f.other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_status(id, "queued");
	ck_assert_int_eq(restart(&replayed, &skipped, &err), 0);
	ck_assert_uint_eq(replayed, 1);
	assert_status(id, "sent");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("relay_journal");
	TCase *tc = tcase_create("journal");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_every_kind_reads_back);
	tcase_add_test(tc, test_ip_cannot_break_a_line);
	tcase_add_test(tc, test_lines_that_are_not_writes_are_refused);
	tcase_add_test(tc, test_a_second_relay_is_refused);
	tcase_add_test(tc, test_append_numbers_the_lines);
	tcase_add_test(tc, test_append_stops_at_the_most_bytes);
	tcase_add_test(tc, test_append_that_fails_leaves_the_file_whole);
	tcase_add_test(tc, test_recover_does_what_a_stopped_relay_left);
	tcase_add_test(tc, test_recover_does_each_line_once);
	tcase_add_test(tc, test_torn_and_foreign_lines_are_skipped);
	tcase_add_test(tc, test_recover_meets_the_lock);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
