/* check_db_button.c: unit tests of button presses, deliveries waiting for the button, personalities and quips in the database. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include <glib.h>

#include "db.h"
#include "db_button.h"
#include "password.h"
#include "test_db.h"
#include "test_util.h"

#define ADDRESS "000d6f0001020304"
#define OTHER_ADDRESS "000d6f00aabbccdd"

/* State of one test: a temporary directory, a database in it and two printers. */
struct fixture {
	struct test_db tmp; /* the database */
	int64_t printer;    /* a printer */
	int64_t other;      /* another printer */
};

static void fixture_open(struct fixture *f)
{
	struct sirius_error err = { "" };
	struct db_printer p;

	test_db_open(&f->tmp, "sirius-dbb");
	ck_assert_int_eq(db_printer_seen(f->tmp.db, ADDRESS, 10, &p, &err), 0);
	f->printer = p.id;
	ck_assert_int_eq(db_printer_seen(f->tmp.db, OTHER_ADDRESS, 10, &p, &err), 0);
	f->other = p.id;
}

static void fixture_close(struct fixture *f)
{
	test_db_close(&f->tmp);
}

#define BRIDGE "000d6f0000000001"

/* Stores message id for printer with command, brought to status by the relay's own steps. */
static void add_message(struct fixture *f, uint32_t id, int64_t printer, int command, enum db_message_status status)
{
	struct sirius_error err = { "" };
	const char *address = printer == f->printer ? ADDRESS : OTHER_ADDRESS;

	test_db_message(f->tmp.db, id, printer, command, 20, 0, NULL);
	if (status == DB_MESSAGE_QUEUED)
		return;
	ck_assert_int_eq(db_outbox_sent(f->tmp.db, id, BRIDGE, 21, &err), 1);
	if (status == DB_MESSAGE_DELIVERED || status == DB_MESSAGE_PRINTED)
		ck_assert_int_eq(db_outbox_answered(f->tmp.db, id, BRIDGE, address, 0, 22, &err), 1);
	if (status == DB_MESSAGE_FAILED)
		ck_assert_int_eq(db_outbox_answered(f->tmp.db, id, BRIDGE, address, 3, 22, &err), 1);
	if (status == DB_MESSAGE_PRINTED)
		ck_assert_int_eq(db_outbox_printed(f->tmp.db, id, address, 23, &err), 1);
}

START_TEST(test_presses_newest_first_with_their_messages)
{
	struct fixture f;
	struct sirius_error err = { "" };
	struct db_button_press *list;
	size_t n;

	fixture_open(&f);
	add_message(&f, 7, f.printer, 0x0002, DB_MESSAGE_PRINTED);
	add_message(&f, 8, f.other, 0x0002, DB_MESSAGE_PRINTED);
	ck_assert_int_eq(db_button_press_add(f.tmp.db, f.printer, DB_PRESS_NOTHING, 0, 100, &err), 0);
	ck_assert_int_eq(db_button_press_add(f.tmp.db, f.printer, DB_PRESS_DELIVERY, 7, 200, &err), 0);
	ck_assert_int_eq(db_button_press_add(f.tmp.db, f.printer, DB_PRESS_QUIP, 0, 300, &err), 0);
	/* a print id of another printer's message names no message of this one */
	ck_assert_int_eq(db_button_press_add(f.tmp.db, f.printer, DB_PRESS_DELIVERY, 8, 400, &err), 0);
	ck_assert_int_eq(db_button_press_add(f.tmp.db, f.other, DB_PRESS_NOTHING, 0, 500, &err), 0);
	ck_assert_int_eq(db_button_press_add(f.tmp.db, 9999, DB_PRESS_NOTHING, 0, 500, &err), -1);

	ck_assert_int_eq(db_button_presses(f.tmp.db, f.printer, 10, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(list[0].time, 400);
	ck_assert_uint_eq(list[0].message_id, 0);
	ck_assert_str_eq(list[0].sender, "");
	ck_assert_int_eq(list[1].print_type, DB_PRESS_QUIP);
	ck_assert_int_eq(list[2].print_type, DB_PRESS_DELIVERY);
	ck_assert_uint_eq(list[2].print_id, 7);
	ck_assert_uint_eq(list[2].message_id, 7);
	ck_assert_str_eq(list[2].sender, "alice");
	ck_assert_int_eq(list[3].print_type, DB_PRESS_NOTHING);
	ck_assert_int_eq(list[3].time, 100);
	db_free(list);

	ck_assert_int_eq(db_button_presses(f.tmp.db, f.printer, 2, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	db_free(list);
	ck_assert_int_eq(db_button_presses(f.tmp.db, 12345, 10, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(list);
	fixture_close(&f);
}
END_TEST

START_TEST(test_waiting_deliveries)
{
	struct fixture f;
	struct sirius_error err = { "" };
	uint32_t *ids;
	size_t n;

	fixture_open(&f);
	add_message(&f, 1, f.printer, 0x0002, DB_MESSAGE_DELIVERED);  /* set_delivery: waiting */
	add_message(&f, 2, f.printer, 0x0012, DB_MESSAGE_DELIVERED);  /* set_delivery_no_face: waiting */
	add_message(&f, 3, f.printer, 0x0001, DB_MESSAGE_DELIVERED);  /* printed at once: not for the button */
	add_message(&f, 4, f.printer, 0x0002, DB_MESSAGE_PRINTED);    /* the button was pressed */
	add_message(&f, 5, f.printer, 0x0002, DB_MESSAGE_FAILED);     /* never reached the printer */
	add_message(&f, 6, f.printer, 0x0002, DB_MESSAGE_QUEUED);     /* not sent yet */
	add_message(&f, 7, f.other, 0x0002, DB_MESSAGE_DELIVERED);    /* another printer's */
	add_message(&f, 8, f.printer, 0x0002, DB_MESSAGE_SENT);       /* sent, not confirmed: held all the same */

	ck_assert_int_eq(db_button_waiting(f.tmp.db, f.printer, 10, &ids, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(ids[0], 8);
	ck_assert_uint_eq(ids[1], 2);
	ck_assert_uint_eq(ids[2], 1);
	db_free(ids);
	ck_assert_int_eq(db_button_is_waiting(f.tmp.db, f.printer, 1, &err), 1);
	ck_assert_int_eq(db_button_is_waiting(f.tmp.db, f.printer, 3, &err), 0);
	ck_assert_int_eq(db_button_is_waiting(f.tmp.db, f.printer, 7, &err), 0);
	ck_assert_int_eq(db_button_is_waiting(f.tmp.db, f.printer, 6, &err), 0);
	ck_assert_int_eq(db_button_is_waiting(f.tmp.db, f.other, 7, &err), 1);

	/* settled by the owner: cancelled, or printed now as message 9 */
	ck_assert_int_eq(db_button_settle(f.tmp.db, f.printer, 1, 0, 50, &err), 1);
	ck_assert_int_eq(db_button_settle(f.tmp.db, f.printer, 1, 0, 51, &err), 0);
	ck_assert_int_eq(db_button_settle(f.tmp.db, f.printer, 7, 0, 50, &err), 0);  /* not this printer's */
	ck_assert_int_eq(db_button_settle(f.tmp.db, f.printer, 3, 0, 50, &err), 0);  /* not for the button */
	ck_assert_int_eq(db_button_settle(f.tmp.db, f.printer, 4, 0, 50, &err), 0);  /* printed already */
	ck_assert_int_eq(db_button_is_waiting(f.tmp.db, f.printer, 1, &err), 0);
	add_message(&f, 9, f.printer, 0x0011, DB_MESSAGE_QUEUED);
	ck_assert_int_eq(db_button_settle(f.tmp.db, f.printer, 2, 9, 60, &err), 1);
	{
		uint32_t reprint = 77;
		int64_t when = 0;

		ck_assert_int_eq(db_button_settled(f.tmp.db, 1, &reprint, &when, &err), 1);
		ck_assert_uint_eq(reprint, 0);
		ck_assert_int_eq(when, 50);
		ck_assert_int_eq(db_button_settled(f.tmp.db, 2, &reprint, &when, &err), 1);
		ck_assert_uint_eq(reprint, 9);
		ck_assert_int_eq(when, 60);
		ck_assert_int_eq(db_button_settled(f.tmp.db, 3, &reprint, &when, &err), 0);
	}
	ck_assert_int_eq(db_button_settle(f.tmp.db, f.printer, 8, 0, 60, &err), 1);
	ck_assert_int_eq(db_button_waiting(f.tmp.db, f.printer, 10, &ids, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(ids);
	ck_assert_int_eq(db_button_waiting(f.tmp.db, f.other, 10, &ids, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	db_free(ids);
	fixture_close(&f);
}
END_TEST

START_TEST(test_personality_shipped_and_uploaded)
{
	struct fixture f;
	struct sirius_error err = { "" };
	struct db_personality p;
	static const uint8_t a[] = { 1 }, b[] = { 2, 2 }, c[] = { 3, 3, 3 }, d[] = { 4, 4, 4, 4 };
	const uint8_t *const png[DB_PERSONALITY_IMAGES] = { a, b, c, d };
	const size_t len[DB_PERSONALITY_IMAGES] = { sizeof(a), sizeof(b), sizeof(c), sizeof(d) };
	const uint8_t *const missing[DB_PERSONALITY_IMAGES] = { a, b, NULL, d };
	int i;

	fixture_open(&f);
	ck_assert_int_eq(db_personality_get(f.tmp.db, f.printer, &p, &err), 0);
	ck_assert_int_eq(db_personality_set(f.tmp.db, f.printer, "classic", NULL, NULL, 11, 100, &err), 0);
	ck_assert_int_eq(db_personality_get(f.tmp.db, f.printer, &p, &err), 1);
	ck_assert_str_eq(p.face, "classic");
	ck_assert_ptr_null(p.png[0]);
	ck_assert_uint_eq(p.message_id, 11);
	ck_assert_int_eq(p.created, 100);
	db_personality_clear(&p);

	/* uploaded images replace the shipped set */
	ck_assert_int_eq(db_personality_set(f.tmp.db, f.printer, NULL, png, len, 12, 200, &err), 0);
	ck_assert_int_eq(db_personality_get(f.tmp.db, f.printer, &p, &err), 1);
	ck_assert_str_eq(p.face, "");
	for (i = 0; i < DB_PERSONALITY_IMAGES; i++) {
		ck_assert_uint_eq(p.png_len[i], len[i]);
		ck_assert_int_eq(memcmp(p.png[i], png[i], len[i]), 0);
	}
	ck_assert_uint_eq(p.message_id, 12);
	db_personality_clear(&p);
	ck_assert_int_eq(db_personality_get(f.tmp.db, f.other, &p, &err), 0);

	/* a name and images, neither, a missing image, a name too long: refused, nothing changed */
	ck_assert_int_eq(db_personality_set(f.tmp.db, f.printer, "classic", png, len, 13, 300, &err), -1);
	ck_assert_int_eq(db_personality_set(f.tmp.db, f.printer, NULL, NULL, NULL, 13, 300, &err), -1);
	ck_assert_int_eq(db_personality_set(f.tmp.db, f.printer, "", NULL, NULL, 13, 300, &err), -1);
	ck_assert_int_eq(db_personality_set(f.tmp.db, f.printer, NULL, missing, len, 13, 300, &err), -1);
	ck_assert_int_eq(db_personality_set(f.tmp.db, f.printer, "a-name-that-is-longer-than-32-bytes", NULL, NULL, 13,
					    300, &err), -1);
	ck_assert_int_eq(db_personality_get(f.tmp.db, f.printer, &p, &err), 1);
	ck_assert_uint_eq(p.message_id, 12);
	db_personality_clear(&p);
	fixture_close(&f);
}
END_TEST

START_TEST(test_quips)
{
	struct fixture f;
	struct sirius_error err = { "" };
	struct db_quips q;
	const char *const first[DB_QUIPS] = { "Hello!", "Press me", "Ünïcödé ☃" };
	const char *const second[DB_QUIPS] = { "One", "Two", "Three" };
	const char *const empty[DB_QUIPS] = { "One", "", "Three" };
	char *long_quip = g_strnfill(DB_QUIP_MAX + 1, 'x');
	const char *const too_long[DB_QUIPS] = { "One", long_quip, "Three" };

	fixture_open(&f);
	ck_assert_int_eq(db_quips_get(f.tmp.db, f.printer, &q, &err), 0);
	ck_assert_int_eq(db_quips_set(f.tmp.db, f.printer, first, 21, 100, &err), 0);
	ck_assert_int_eq(db_quips_set(f.tmp.db, f.printer, second, 22, 200, &err), 0);
	ck_assert_int_eq(db_quips_set(f.tmp.db, f.other, first, 23, 200, &err), 0);
	ck_assert_int_eq(db_quips_get(f.tmp.db, f.printer, &q, &err), 1);
	ck_assert_str_eq(q.text[0], "One");
	ck_assert_str_eq(q.text[2], "Three");
	ck_assert_uint_eq(q.message_id, 22);
	ck_assert_int_eq(q.created, 200);
	ck_assert_int_eq(db_quips_get(f.tmp.db, f.other, &q, &err), 1);
	ck_assert_str_eq(q.text[2], "Ünïcödé ☃");
	ck_assert_int_eq(db_quips_set(f.tmp.db, f.printer, empty, 24, 300, &err), -1);
	ck_assert_int_eq(db_quips_set(f.tmp.db, f.printer, too_long, 24, 300, &err), -1);
	ck_assert_int_eq(db_quips_get(f.tmp.db, f.printer, &q, &err), 1);
	ck_assert_uint_eq(q.message_id, 22);
	g_free(long_quip);
	fixture_close(&f);
}
END_TEST

START_TEST(test_forgotten_rows_go_with_their_printer)
{
	struct fixture f;
	struct sirius_error err = { "" };
	const char *const quips[DB_QUIPS] = { "a", "b", "c" };
	struct db_button_press *list;
	uint32_t *ids;
	size_t n;
	sqlite3 *s;

	fixture_open(&f);
	add_message(&f, 1, f.printer, 0x0002, DB_MESSAGE_DELIVERED);
	ck_assert_int_eq(db_button_press_add(f.tmp.db, f.printer, DB_PRESS_NOTHING, 0, 100, &err), 0);
	ck_assert_int_eq(db_button_settle(f.tmp.db, f.printer, 1, 0, 50, &err), 1);
	ck_assert_int_eq(db_quips_set(f.tmp.db, f.printer, quips, 2, 100, &err), 0);
	ck_assert_int_eq(db_personality_set(f.tmp.db, f.printer, "classic", NULL, NULL, 3, 100, &err), 0);
	/* a printer row deleted (as a cascade from elsewhere would) takes its rows with it */
	ck_assert_int_eq(sqlite3_open(f.tmp.path, &s), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(s, "PRAGMA foreign_keys = ON; DELETE FROM printers WHERE address = '" ADDRESS "'",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(s);
	ck_assert_int_eq(db_button_presses(f.tmp.db, f.printer, 10, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(db_button_waiting(f.tmp.db, f.printer, 10, &ids, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	{
		struct db_quips q;
		struct db_personality p;

		ck_assert_int_eq(db_quips_get(f.tmp.db, f.printer, &q, &err), 0);
		ck_assert_int_eq(db_personality_get(f.tmp.db, f.printer, &p, &err), 0);
	}
	fixture_close(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("db_button");
	TCase *tc = tcase_create("button");

	password_set_cost(PASSWORD_COST_MINIMUM);
	tcase_add_test(tc, test_presses_newest_first_with_their_messages);
	tcase_add_test(tc, test_waiting_deliveries);
	tcase_add_test(tc, test_personality_shipped_and_uploaded);
	tcase_add_test(tc, test_quips);
	tcase_add_test(tc, test_forgotten_rows_go_with_their_printer);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
