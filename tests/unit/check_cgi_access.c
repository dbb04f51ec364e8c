/* check_cgi_access.c: unit tests of the web UI's rules and helpers: printer access, the print form's format, message states, stats. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "access.h"
#include "claim_code.h"
#include "context.h"
#include "print_form.h"
#include "return_code.h"
#include "stats.h"
#include "test_db.h"
#include "test_util.h"
#include "web.h"

/* A temporary database with three users and printers, made for each test. */
static struct test_db tmp;
static int64_t owner, friend_id, other, printer, unclaimed, friends_printer;

/* Makes a user called name; returns its id. */
static int64_t user(const char *name)
{
	struct sirius_error err;
	int64_t id = 0;

	ck_assert_int_eq(db_user_create(tmp.db, name, "password1", 0, 100, &id, &err), 1);
	return id;
}

/* An unclaimed printer with address, seen at time 100; returns its id. */
static int64_t new_printer(const char *address)
{
	struct sirius_error err;
	struct db_printer p;

	ck_assert_int_eq(db_printer_seen(tmp.db, address, 100, &p, &err), 0);
	return p.id;
}

static void setup(void)
{
	test_db_open(&tmp, "sirius-access");
	password_set_cost(PASSWORD_COST_MINIMUM);
	owner = user("owner");
	friend_id = user("friend");
	other = user("other");
	printer = new_printer("000d6f000273ce0a");
	unclaimed = new_printer("000d6f0001b0c1d2");
	friends_printer = new_printer("000d6f0000aabbcc");
}

static void teardown(void)
{
	test_db_close(&tmp);
}

/* Claims the printer of address for user_id with a code made for its hardware xor. */
static void claim(const char *address, int64_t user_id, uint64_t secret)
{
	struct db_printer p;
	struct claim_code code;
	struct sirius_error err;
	int64_t id;

	ck_assert_int_eq(db_printer_by_address(tmp.db, address, &p, &err), 1);
	ck_assert_int_eq(claim_code_encode(p.hardware_xor, secret, &code), 0);
	ck_assert_int_eq(db_claim(tmp.db, user_id, code.digits, "Desk", 102, &id, &err), DB_CLAIM_OK);
	ck_assert_int_eq(id, p.id);
}

START_TEST(test_access_owner_friend_other)
{
	struct sirius_error err;
	struct db_printer p;

	claim("000d6f000273ce0a", owner, 12345);
	claim("000d6f0000aabbcc", friend_id, 777);
	/* before any friendship: the owner only */
	ck_assert_int_eq(printer_access_of(tmp.db, owner, printer, &p, &err), PRINTER_ACCESS_OWNER);
	ck_assert_int_eq(p.id, printer);
	ck_assert_int_eq(printer_access_of(tmp.db, friend_id, printer, NULL, &err), PRINTER_ACCESS_NONE);
	ck_assert_int_eq(printer_access_of(tmp.db, other, printer, NULL, &err), PRINTER_ACCESS_NONE);
	/* the owner lists friend: friend may print, other still nothing */
	ck_assert_int_eq(db_friend_add(tmp.db, owner, friend_id, 103, &err), 1);
	ck_assert_int_eq(printer_access_of(tmp.db, friend_id, printer, &p, &err), PRINTER_ACCESS_FRIEND);
	ck_assert_int_eq(p.owner_id, owner);
	ck_assert_int_eq(printer_access_of(tmp.db, other, printer, NULL, &err), PRINTER_ACCESS_NONE);
	/* friendship is one way: the owner may not print to the friend's printer */
	ck_assert_int_eq(printer_access_of(tmp.db, owner, friends_printer, NULL, &err), PRINTER_ACCESS_NONE);
	ck_assert_int_eq(printer_access_of(tmp.db, friend_id, friends_printer, NULL, &err), PRINTER_ACCESS_OWNER);
	/* nobody, unclaimed and unknown printers */
	ck_assert_int_eq(printer_access_of(tmp.db, 0, printer, NULL, &err), PRINTER_ACCESS_NONE);
	ck_assert_int_eq(printer_access_of(tmp.db, owner, unclaimed, NULL, &err), PRINTER_ACCESS_NONE);
	ck_assert_int_eq(printer_access_of(tmp.db, owner, 999999, NULL, &err), PRINTER_ACCESS_NONE);
	ck_assert_int_eq(printer_access_of(tmp.db, owner, 0, NULL, &err), PRINTER_ACCESS_NONE);
	/* removed again */
	ck_assert_int_eq(db_friend_remove(tmp.db, owner, friend_id, &err), 1);
	ck_assert_int_eq(printer_access_of(tmp.db, friend_id, printer, NULL, &err), PRINTER_ACCESS_NONE);
	/* forgotten: even the old owner gets nothing */
	ck_assert_int_eq(db_printer_forget(tmp.db, printer, owner, &err), 1);
	ck_assert_int_eq(printer_access_of(tmp.db, owner, printer, NULL, &err), PRINTER_ACCESS_NONE);
}
END_TEST

START_TEST(test_access_through_ctx)
{
	struct sirius_error err;
	struct ctx ctx;

	claim("000d6f000273ce0a", owner, 12345);
	memset(&ctx, 0, sizeof(ctx));
	ctx.db = tmp.db;
	ck_assert_int_eq(printer_access(&ctx, printer, NULL, &err), PRINTER_ACCESS_NONE); /* signed out */
	ctx.session.signed_in = 1;
	ctx.session.user.id = owner;
	ck_assert_int_eq(printer_access(&ctx, printer, NULL, &err), PRINTER_ACCESS_OWNER);
	ctx.session.user.id = other;
	ck_assert_int_eq(printer_access(&ctx, printer, NULL, &err), PRINTER_ACCESS_NONE);
}
END_TEST

START_TEST(test_printers_shared_with)
{
	struct sirius_error err;
	struct db_printer *list = NULL;
	size_t n = 99;

	claim("000d6f000273ce0a", owner, 12345);
	claim("000d6f0000aabbcc", friend_id, 777);
	ck_assert_int_eq(db_printers_shared_with(tmp.db, friend_id, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(list);
	ck_assert_int_eq(db_friend_add(tmp.db, owner, friend_id, 103, &err), 1);
	ck_assert_int_eq(db_printers_shared_with(tmp.db, friend_id, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(list[0].id, printer);
	db_free(list);
	ck_assert_int_eq(db_printers_shared_with(tmp.db, owner, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* Regression (device address shown to friends): only the owner's items carry the address (the claim code's xor comes from it). */
START_TEST(test_printer_item_hides_address_from_non_owners)
{
	struct sirius_error err;
	struct db_printer p;
	cJSON *list = cJSON_CreateArray(), *item;

	claim("000d6f000273ce0a", owner, 12345);
	ck_assert_int_eq(db_printer_by_id(tmp.db, printer, &p, &err), 1);
	item = web_printer_item(list, &p, "owner", owner);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(item, "address")), "000d6f000273ce0a");
	item = web_printer_item(list, &p, "owner", friend_id);
	ck_assert_ptr_null(cJSON_GetObjectItem(item, "address"));
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(item, "name")), "Desk");
	/* An unclaimed printer is nobody's: its address is not shown even as a name. */
	ck_assert_int_eq(db_printer_by_id(tmp.db, unclaimed, &p, &err), 1);
	item = web_printer_item(list, &p, NULL, friend_id);
	ck_assert_ptr_null(cJSON_GetObjectItem(item, "address"));
	ck_assert_ptr_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(item, "name")), p.address));
	cJSON_Delete(list);
}
END_TEST

START_TEST(test_db_stats)
{
	struct sirius_error err;
	static const uint8_t payload[] = { 1 };
	struct db_stats stats;
	struct db_message_new m;

	claim("000d6f000273ce0a", owner, 12345);
	memset(&m, 0, sizeof(m));
	m.printer_id = printer;
	m.sender = "me";
	m.command = 1;
	m.payload = payload;
	m.payload_len = sizeof(payload);
	ck_assert_int_eq(db_next_command_id(tmp.db, &m.id, &err), 0);
	m.refused = DB_FAILURE_OFFLINE;
	ck_assert_int_eq(db_message_create(tmp.db, &m, 200, &err), 0);
	ck_assert_int_eq(db_next_command_id(tmp.db, &m.id, &err), 0);
	m.refused = DB_FAILURE_NONE;
	ck_assert_int_eq(db_message_create(tmp.db, &m, 200, &err), 0);
	ck_assert_int_eq(db_outbox_sent(tmp.db, m.id, "000d6f0001b0c1d2", 201, &err), 1);
	ck_assert_int_eq(db_stats(tmp.db, &stats, &err), 0);
	ck_assert_int_eq(stats.users, 3);
	ck_assert_int_eq(stats.printers, 3);
	ck_assert_int_eq(stats.claimed_printers, 1);
	ck_assert_int_eq(stats.claim_codes, 1);
	ck_assert_int_eq(stats.messages[DB_MESSAGE_FAILED], 1);
	ck_assert_int_eq(stats.messages[DB_MESSAGE_SENT], 1);
	ck_assert_int_eq(stats.messages[DB_MESSAGE_PRINTED], 0);
}
END_TEST

START_TEST(test_format_decision)
{
	enum render_kind kind;

	ck_assert_int_eq(print_looks_like_html("Hello <b>world</b>", 18), 1);
	ck_assert_int_eq(print_looks_like_html("<!doctype html>", 15), 1);
	ck_assert_int_eq(print_looks_like_html("a < b and c > d", 15), 0);
	ck_assert_int_eq(print_looks_like_html("x <3", 4), 0);
	ck_assert_int_eq(print_looks_like_html("<p", 2), 0);
	ck_assert_int_eq(print_looks_like_html("", 0), 0);
	ck_assert_int_eq(print_format_kind("auto", "<p>hi</p>", 9, &kind), 0);
	ck_assert_int_eq(kind, RENDER_HTML);
	ck_assert_int_eq(print_format_kind(NULL, "1 < 2", 5, &kind), 0);
	ck_assert_int_eq(kind, RENDER_TEXT);
	ck_assert_int_eq(print_format_kind("text", "<p>hi</p>", 9, &kind), 0);
	ck_assert_int_eq(kind, RENDER_TEXT);
	ck_assert_int_eq(print_format_kind("html", "plain", 5, &kind), 0);
	ck_assert_int_eq(kind, RENDER_HTML);
	ck_assert_int_eq(print_format_kind("pdf", "plain", 5, &kind), -1);
}
END_TEST

START_TEST(test_message_state_in_words)
{
	struct db_message m;
	char *s;

	memset(&m, 0, sizeof(m));
	m.return_code = -1;
	m.command = 1;
	m.status = DB_MESSAGE_QUEUED;
	s = web_message_state(&m);
	ck_assert_str_eq(s, "queued: it prints when the printer is online");
	g_free(s);
	m.status = DB_MESSAGE_SENT;
	s = web_message_state(&m);
	ck_assert(g_str_has_prefix(s, "sent, not confirmed"));
	g_free(s);
	m.command = 2;
	s = web_message_state(&m);
	ck_assert_str_eq(s, "sent, waiting for the button");
	g_free(s);
	m.status = DB_MESSAGE_DELIVERED;
	m.delivered = 1700000000;
	s = web_message_state(&m);
	ck_assert_str_eq(s, "delivered at 2023-11-14 22:13 UTC, waiting for the button");
	g_free(s);
	m.command = 1;
	s = web_message_state(&m);
	ck_assert_str_eq(s, "delivered at 2023-11-14 22:13 UTC");
	g_free(s);
	m.status = DB_MESSAGE_PRINTED;
	m.printed = 1700000060;
	s = web_message_state(&m);
	ck_assert_str_eq(s, "printed at 2023-11-14 22:14 UTC");
	g_free(s);
	m.status = DB_MESSAGE_FAILED;
	m.failure = DB_FAILURE_OFFLINE;
	s = web_message_state(&m);
	ck_assert_str_eq(s, "refused: the printer was offline");
	g_free(s);
	m.failure = DB_FAILURE_NO_RESPONSE;
	m.attempts = 3;
	s = web_message_state(&m);
	ck_assert_str_eq(s, "failed: the bridge never answered (3 attempts)");
	g_free(s);
	m.failure = DB_FAILURE_NONE;
	m.return_code = RETURN_CODE_BUSY;
	s = web_message_state(&m);
	ck_assert(g_str_has_prefix(s, "failed: "));
	ck_assert_str_eq(s + 8, return_code_description(RETURN_CODE_BUSY));
	g_free(s);
	m.status = DB_MESSAGE_EXPIRED;
	m.settled = 1700000000;
	s = web_message_state(&m);
	ck_assert(g_str_has_prefix(s, "expired at 2023-11-14 22:13 UTC"));
	g_free(s);
	m.status = DB_MESSAGE_CANCELLED;
	s = web_message_state(&m);
	ck_assert_str_eq(s, "cancelled at 2023-11-14 22:13 UTC");
	g_free(s);
	/* the history names every step with its time */
	m.status = DB_MESSAGE_PRINTED;
	m.created = 1700000000;
	m.sent = 1700000000;
	m.delivered = 1700000000;
	m.printed = 1700000060;
	m.attempts = 2;
	s = web_message_history(&m);
	ck_assert_str_eq(s, "queued 2023-11-14 22:13 UTC; sent 2023-11-14 22:13 UTC (2 attempts); delivered "
			    "2023-11-14 22:13 UTC; printed 2023-11-14 22:14 UTC");
	g_free(s);
}
END_TEST

START_TEST(test_loopback)
{
	struct ctx ctx;
	const char *yes[] = { "127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1" };
	const char *no[] = { "10.0.0.1", "::2", "192.0.2.1", "1127.0.0.1", "unknown" };
	size_t i;

	memset(&ctx, 0, sizeof(ctx));
	ck_assert_int_eq(web_from_loopback(&ctx), 0);
	for (i = 0; i < G_N_ELEMENTS(yes); i++) {
		ctx.req.remote_addr = (char *)yes[i];
		ck_assert_msg(web_from_loopback(&ctx), "%s", yes[i]);
		ck_assert_int_eq(stats_allowed(&ctx), 1);
	}
	for (i = 0; i < G_N_ELEMENTS(no); i++) {
		ctx.req.remote_addr = (char *)no[i];
		ck_assert_msg(!web_from_loopback(&ctx), "%s", no[i]);
		ck_assert_int_eq(stats_allowed(&ctx), 0);
		ctx.session.signed_in = 1;
		ck_assert_int_eq(stats_allowed(&ctx), 0);
		ctx.session.user.is_admin = 1;
		ck_assert_int_eq(stats_allowed(&ctx), 1);
		ctx.session.signed_in = 0;
		ctx.session.user.is_admin = 0;
	}
}
END_TEST

START_TEST(test_stats_formats)
{
	struct site_stats stats;
	GString *text = g_string_new(NULL), *prom = g_string_new(NULL);

	memset(&stats, 0, sizeof(stats));
	stats.db.users = 4;
	stats.db.messages[DB_MESSAGE_PRINTED] = 7;
	stats.relay_up = 1;
	stats.bridges_online = 2;
	stats.devices_online = 3;
	stats.counters = cJSON_Parse("{\"deliveries\": 5, \"bridges_known\": 2, \"bad-name\": 1, \"text\": \"x\"}");
	stats_text(&stats, text);
	ck_assert_ptr_nonnull(strstr(text->str, "users: 4\n"));
	ck_assert_ptr_nonnull(strstr(text->str, "messages_printed: 7\n"));
	ck_assert_ptr_nonnull(strstr(text->str, "bridges_online: 2\n"));
	ck_assert_ptr_nonnull(strstr(text->str, "relay_deliveries: 5\n"));
	ck_assert_ptr_null(strstr(text->str, "text"));
	stats_prometheus(&stats, prom);
	ck_assert_ptr_nonnull(strstr(prom->str, "# HELP sirius_users "));
	ck_assert_ptr_nonnull(strstr(prom->str, "# TYPE sirius_users gauge\nsirius_users 4\n"));
	ck_assert_ptr_nonnull(strstr(prom->str, "sirius_messages{status=\"printed\"} 7\n"));
	ck_assert_ptr_nonnull(strstr(prom->str, "# TYPE sirius_relay_deliveries_total counter\n"
					       "sirius_relay_deliveries_total 5\n"));
	ck_assert_ptr_nonnull(strstr(prom->str, "# TYPE sirius_relay_bridges_known gauge\n"));
	ck_assert_ptr_nonnull(strstr(prom->str, "sirius_relay_bad_name_total 1\n"));
	ck_assert_ptr_nonnull(strstr(prom->str, "sirius_devices_online 3\n"));
	stats_clear(&stats);
	/* relay down: no relay lines */
	stats.relay_up = 0;
	g_string_truncate(text, 0);
	g_string_truncate(prom, 0);
	stats_text(&stats, text);
	stats_prometheus(&stats, prom);
	ck_assert_ptr_nonnull(strstr(text->str, "relay_up: 0\n"));
	ck_assert_ptr_null(strstr(text->str, "bridges_online"));
	ck_assert_ptr_nonnull(strstr(prom->str, "sirius_relay_up 0\n"));
	ck_assert_ptr_null(strstr(prom->str, "sirius_bridges_online"));
	g_string_free(text, TRUE);
	g_string_free(prom, TRUE);
}
END_TEST

START_TEST(test_web_time)
{
	char buf[WEB_TIME_SIZE];

	ck_assert_str_eq(web_time(0, buf), "never");
	ck_assert_str_eq(web_time(86400, buf), "1970-01-02 00:00 UTC");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cgi_access");
	TCase *db_case = tcase_create("database");
	TCase *pure = tcase_create("helpers");

	tcase_add_checked_fixture(db_case, setup, teardown);
	tcase_add_test(db_case, test_access_owner_friend_other);
	tcase_add_test(db_case, test_access_through_ctx);
	tcase_add_test(db_case, test_printers_shared_with);
	tcase_add_test(db_case, test_printer_item_hides_address_from_non_owners);
	tcase_add_test(db_case, test_db_stats);
	suite_add_tcase(s, db_case);
	tcase_add_test(pure, test_format_decision);
	tcase_add_test(pure, test_message_state_in_words);
	tcase_add_test(pure, test_loopback);
	tcase_add_test(pure, test_stats_formats);
	tcase_add_test(pure, test_web_time);
	suite_add_tcase(s, pure);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
