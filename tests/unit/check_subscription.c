/* check_subscription.c: delivery times in a printer's zone, and one edition fetched, sent and recorded exactly once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "db.h"
#include "db_subscriptions.h"
#include "fake_relay.h"
#include "fetch.h"
#include "http_server.h"
#include "subscription.h"
#include "test_db.h"
#include "test_util.h"

#define ADDRESS "000d6f000273ce0c"

/* 2024-03-29 12:00:00 UTC, a Friday; British Summer Time starts on Sunday 31 March at 01:00 UTC. */
#define FRIDAY_NOON 1711713600

START_TEST(test_parse_time)
{
	int m = -1;

	ck_assert(subscription_parse_time("08:30", &m));
	ck_assert_int_eq(m, 510);
	ck_assert(subscription_parse_time("00:00", &m));
	ck_assert_int_eq(m, 0);
	ck_assert(subscription_parse_time("23:59", &m));
	ck_assert_int_eq(m, 1439);
	ck_assert(!subscription_parse_time("24:00", &m));
	ck_assert(!subscription_parse_time("8:30", &m));
	ck_assert(!subscription_parse_time("08:60", &m));
	ck_assert(!subscription_parse_time("08:30 ", &m));
	ck_assert(!subscription_parse_time(NULL, &m));
}
END_TEST

START_TEST(test_timezone_valid)
{
	ck_assert(subscription_timezone_valid("Europe/London"));
	ck_assert(subscription_timezone_valid("UTC"));
	ck_assert(subscription_timezone_valid("Asia/Tokyo"));
	ck_assert(!subscription_timezone_valid("Not/AZone"));
	ck_assert(!subscription_timezone_valid("../../etc/passwd"));
	ck_assert(!subscription_timezone_valid("+05:00"));
	ck_assert(!subscription_timezone_valid(""));
}
END_TEST

START_TEST(test_next_due)
{
	/* 08:00 in London: Saturday is still GMT, Monday is BST (07:00 UTC). */
	ck_assert_int_eq(subscription_next_due(FRIDAY_NOON, 480, SUBSCRIPTION_ALL_DAYS, "Europe/London"),
			 FRIDAY_NOON + 20 * 3600);
	ck_assert_int_eq(subscription_next_due(FRIDAY_NOON, 480, 1, "Europe/London"),
			 FRIDAY_NOON + 3 * 86400 - 5 * 3600);
	/* Later today. */
	ck_assert_int_eq(subscription_next_due(FRIDAY_NOON, 13 * 60, SUBSCRIPTION_ALL_DAYS, "UTC"),
			 FRIDAY_NOON + 3600);
	/* Exactly now is not after now. */
	ck_assert_int_eq(subscription_next_due(FRIDAY_NOON, 12 * 60, SUBSCRIPTION_ALL_DAYS, "UTC"),
			 FRIDAY_NOON + 86400);
	/* Tokyo is 9 hours ahead: 08:00 there is 23:00 UTC the day before. */
	ck_assert_int_eq(subscription_next_due(FRIDAY_NOON, 480, SUBSCRIPTION_ALL_DAYS, "Asia/Tokyo"),
			 FRIDAY_NOON + 11 * 3600);
	/* 01:30 on Sunday 31 March does not exist in London: it is taken after the gap. */
	ck_assert_int_gt(subscription_next_due(FRIDAY_NOON + 86400, 90, 1 << 6, "Europe/London"),
			 FRIDAY_NOON + 86400);
	ck_assert_int_eq(subscription_next_due(FRIDAY_NOON, 480, 0, "UTC"), 0);
}
END_TEST

START_TEST(test_local_time)
{
	char out[40];

	subscription_local_time(FRIDAY_NOON, "Europe/London", out, sizeof(out));
	ck_assert_str_eq(out, "2024-03-29T12:00:00+00:00");
	subscription_local_time(FRIDAY_NOON + 3 * 86400, "Europe/London", out, sizeof(out));
	ck_assert_str_eq(out, "2024-04-01T13:00:00+01:00");
	subscription_local_time(FRIDAY_NOON, "Asia/Tokyo", out, sizeof(out));
	ck_assert_str_eq(out, "2024-03-29T21:00:00+09:00");
}
END_TEST

/* ---- one edition, end to end against a loopback publication and a fake relay ---- */

static struct test_db tmp;
static char socket_path[128];
static int64_t printer_id;
static struct fake_relay relay;
static struct http_server *server;

static void setup(void)
{
	struct sirius_error err = { "" };
	struct db_printer row;

	test_db_open(&tmp, "check_subscription");
	ck_assert_int_lt(snprintf(socket_path, sizeof(socket_path), "%s/relay.sock", tmp.dir), (int)sizeof(socket_path));
	ck_assert_int_eq(db_printer_seen(tmp.db, ADDRESS, FRIDAY_NOON, &row, &err), 0);
	printer_id = row.id;
	memset(&relay, 0, sizeof(relay));
	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	server = http_server_start("127.0.0.1");
	setenv("SIRIUS_FETCH_PRIVATE", "127.0.0.1", 1);
	fetch_settings_load();
}

static void teardown(void)
{
	http_server_stop(server);
	fake_relay_stop(&relay);
	test_db_close(&tmp);
}

/* A subscription of the test printer to the loopback publication, due at due; its id. */
static int64_t subscribe(int64_t due, const char *mode)
{
	struct db_subscription s;
	struct sirius_error err;

	memset(&s, 0, sizeof(s));
	s.printer_id = printer_id;
	snprintf(s.url, sizeof(s.url), "http://127.0.0.1:%d/pub/", http_server_port(server));
	g_strlcpy(s.name, "Daily Test", sizeof(s.name));
	s.meta_json = "{\"name\":\"Daily Test\",\"send_delivery_count\":true,\"send_timezone_info\":true}";
	s.config_json = "{\"city\":\"Leeds\"}";
	s.delivery_time = 12 * 60 + 1;
	s.days = SUBSCRIPTION_ALL_DAYS;
	g_strlcpy(s.mode, mode, sizeof(s.mode));
	s.next_due = due;
	ck_assert_int_eq(db_subscription_create(tmp.db, &s, FRIDAY_NOON, &err), 0);
	ck_assert_int_eq((int)strlen(s.push_token), DB_PUSH_TOKEN_LEN);
	ck_assert_int_eq(db_printer_set_timezone(tmp.db, printer_id, "UTC", &err), 1);
	return s.id;
}

/* Runs what is due at now, as the scheduler does; returns how many subscriptions ran. */
static size_t run_due(int64_t now)
{
	struct subscription_env env = { socket_path, NULL, "UTC", NULL, 2000, NULL, NULL };
	struct db_subscription *list;
	struct sirius_error err;
	size_t n, i;

	ck_assert_int_eq(db_subscriptions_due(tmp.db, now, &list, &n, &err), 0);
	for (i = 0; i < n; i++)
		ck_assert_msg(subscription_run(tmp.db, &env, &list[i], now, SUBSCRIPTION_SCHEDULED, &err) == 0, "%s",
			      err.message);
	db_subscriptions_free(list, n);
	return n;
}

/* Reads subscription id (cleared before return). */
static struct db_subscription get(int64_t id)
{
	struct db_subscription s;
	struct sirius_error err;

	ck_assert_int_eq(db_subscription_get(tmp.db, id, &s, &err), 1);
	db_subscription_clear(&s);
	return s;
}

START_TEST(test_delivered_once_then_moves_on)
{
	struct http_route ed = { "/pub/edition/", HTTP_ANSWER, 200, "Content-Type: text/html\r\nETag: \"d1\"\r\n",
				 "<h1>Edition one</h1>", 0 };
	int64_t due = FRIDAY_NOON + 60, id;
	struct db_subscription s;
	char *last;

	http_server_route(server, &ed);
	id = subscribe(due, "print");
	ck_assert_uint_eq(run_due(due - 1), 0);
	ck_assert_int_eq(relay.requests, 0);
	ck_assert_uint_eq(run_due(due), 1);
	ck_assert_int_eq(relay.requests, 1);
	ck_assert_str_eq(relay.op, "wake");
	last = http_server_last_request(server);
	ck_assert_ptr_nonnull(strstr(last, "local_delivery_time=2024-03-29T12%3A01%3A00%2B00%3A00&delivery_count=0"
					   "&city=Leeds"));
	g_free(last);
	s = get(id);
	ck_assert_str_eq(s.last_state, "delivered");
	ck_assert_str_eq(s.last_etag, "\"d1\"");
	ck_assert_int_eq(s.delivery_count, 1);
	ck_assert_int_eq(s.next_due, due + 86400);
	ck_assert_int_ne(s.last_message_id, 0);
	/* Run again at the same time, and after a restart days later: nothing twice, the missed day once. */
	ck_assert_uint_eq(run_due(due + 10), 0);
	ck_assert_int_eq(relay.requests, 1);
	ck_assert_uint_eq(run_due(due + 3 * 86400 + 30), 1);
	s = get(id);
	/* The same ETag again is nothing new. */
	ck_assert_str_eq(s.last_state, "nothing");
	ck_assert_int_eq(relay.requests, 1);
	ck_assert_int_eq(s.next_due, due + 4 * 86400);
	ck_assert_uint_eq(run_due(due + 3 * 86400 + 40), 0);
}
END_TEST

START_TEST(test_failures_retry_then_give_up)
{
	struct http_route ed = { "/pub/edition/", HTTP_ANSWER, 500, NULL, "broken", 0 };
	int64_t due = FRIDAY_NOON + 60, now = due, id;
	struct db_subscription s;
	int i;

	http_server_route(server, &ed);
	id = subscribe(due, "button");
	for (i = 1; i < SUBSCRIPTION_MAX_ATTEMPTS; i++) {
		ck_assert_uint_eq(run_due(now), 1);
		s = get(id);
		ck_assert_str_eq(s.last_state, "retrying");
		ck_assert_ptr_nonnull(strstr(s.last_message, "500"));
		ck_assert_int_eq(s.attempts, i);
		ck_assert_int_eq(s.next_due, due);
		ck_assert_int_gt(s.retry_at, now);
		ck_assert_int_le(s.retry_at - now, SUBSCRIPTION_RETRY_MAX);
		ck_assert_uint_eq(run_due(s.retry_at - 1), 0);
		now = s.retry_at;
	}
	ck_assert_uint_eq(run_due(now), 1);
	s = get(id);
	ck_assert_str_eq(s.last_state, "failed");
	ck_assert_int_eq(s.retry_at, 0);
	ck_assert_int_eq(s.next_due, due + 86400);
	ck_assert_int_eq(relay.requests, 0);
}
END_TEST

START_TEST(test_too_large_and_pause)
{
	struct http_route ed = { "/pub/edition/", HTTP_ENDLESS, 200, NULL, NULL, 0 };
	struct sirius_error err;
	int64_t due = FRIDAY_NOON + 60, id;
	struct db_subscription s;

	http_server_route(server, &ed);
	id = subscribe(due, "button");
	ck_assert_uint_eq(run_due(due), 1);
	s = get(id);
	ck_assert_str_eq(s.last_state, "retrying");
	ck_assert_ptr_nonnull(strstr(s.last_message, "larger than"));
	ck_assert_int_eq(db_subscription_pause(tmp.db, id, printer_id, 1, 0, &err), 1);
	ck_assert_int_eq(db_subscription_pause(tmp.db, id, printer_id + 1, 0, due, &err), 0);
	ck_assert_uint_eq(run_due(due + 86400 * 2), 0);
	ck_assert_int_eq(db_subscription_pause(tmp.db, id, printer_id, 0, due + 86400 * 3, &err), 1);
	ck_assert_uint_eq(run_due(due + 86400 * 3), 1);
	ck_assert_int_eq(db_subscription_delete(tmp.db, id, printer_id, &err), 1);
	ck_assert_int_eq(relay.requests, 0);
}
END_TEST

static Suite *subscription_suite(void)
{
	Suite *s = suite_create("subscription");
	TCase *pure = tcase_create("schedule"), *run = tcase_create("run");

	tcase_add_test(pure, test_parse_time);
	tcase_add_test(pure, test_timezone_valid);
	tcase_add_test(pure, test_next_due);
	tcase_add_test(pure, test_local_time);
	suite_add_tcase(s, pure);
	tcase_set_timeout(run, 60);
	tcase_add_checked_fixture(run, setup, teardown);
	tcase_add_test(run, test_delivered_once_then_moves_on);
	tcase_add_test(run, test_failures_retry_then_give_up);
	tcase_add_test(run, test_too_large_and_pause);
	suite_add_tcase(s, run);
	return s;
}

int main(void)
{
	return run_suite(subscription_suite());
}
