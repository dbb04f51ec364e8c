/* check_print_submit.c: unit tests of cgi/print_submit (render, send, keep, resend) against a fake relay on a Unix socket. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bitmap_png.h"
#include "context.h"
#include "message_print.h"
#include "fake_relay.h"
#include "print_settings.h"
#include "print_submit.h"
#include "printer_payload.h"
#include "test_db.h"
#include "test_util.h"

/* The printer every test prints to, and the request's time. */
#define ADDRESS "000d6f000273ce0b"
#define NOW 1700000000

/* Per-test state: a temporary directory with the database and the socket, and a request context on them. */
static struct test_db tmp;
static char socket_path[256];
static int64_t printer_id;
static struct fake_relay relay;
static struct app app;
static struct ctx ctx;

static void setup(void)
{
	struct sirius_error err = { "" };
	struct db_printer row;

	unsetenv("SIRIUS_MAX_TEXT_BYTES");
	unsetenv("SIRIUS_MAX_IMAGE_BYTES");
	unsetenv("SIRIUS_HTML_RENDERER");
	setenv("SIRIUS_TIMEZONE", "Europe/London", 1);
	print_settings_reload();
	test_db_open(&tmp, "check_print_submit");
	ck_assert_int_lt(snprintf(socket_path, sizeof(socket_path), "%s/relay.sock", tmp.dir), (int)sizeof(socket_path));
	ck_assert_int_eq(db_printer_seen(tmp.db, ADDRESS, NOW - 100, &row, &err), 0);
	printer_id = row.id;
	memset(&relay, 0, sizeof(relay));
	memset(&app, 0, sizeof(app));
	g_strlcpy(app.relay_socket, socket_path, sizeof(app.relay_socket));
	memset(&ctx, 0, sizeof(ctx));
	ctx.app = &app;
	ctx.db = tmp.db;
	ctx.now = NOW;
}

static void teardown(void)
{
	fake_relay_stop(&relay);
	test_db_close(&tmp);
}

/* A text request from "tester". */
static struct print_request text_request(const char *text)
{
	struct print_request req;

	memset(&req, 0, sizeof(req));
	req.kind = RENDER_TEXT;
	req.body = (const uint8_t *)text;
	req.len = strlen(text);
	req.sender = "tester";
	return req;
}

/* The bitmap stored with message id (bitmap_free it), checking its status, failure, command and sender. */
static struct bitmap *stored(uint32_t id, enum db_message_status status, enum db_message_failure failure,
			     int command)
{
	struct sirius_error err = { "" };
	struct db_message m;
	struct bitmap *bm;

	ck_assert_int_eq(db_message_get(tmp.db, id, &m, &err), 1);
	ck_assert_msg(m.status == status, "status %s", db_message_status_name(m.status));
	ck_assert_int_eq(m.failure, failure);
	ck_assert_int_eq(m.command, command);
	ck_assert_str_eq(m.sender, "tester");
	ck_assert_int_eq(m.created, NOW);
	ck_assert_int_eq(db_message_load_print(tmp.db, &m, &err), 1);
	bm = message_print_bitmap(&m, &err);
	ck_assert_msg(bm != NULL, "stored print: %s", err.message);
	db_message_clear(&m);
	return bm;
}

/* Makes message id as an earlier version left it once settled: its print as a one-bit PNG of bm, no payload. */
static void keep_png_only(uint32_t id, const struct bitmap *bm)
{
	struct sirius_error err = { "" };
	sqlite3 *raw;
	sqlite3_stmt *st;
	uint8_t *png;
	size_t len;

	ck_assert_int_eq(png_write_bitmap(bm, &png, &len, &err), 0);
	ck_assert_int_eq(sqlite3_open(tmp.path, &raw), SQLITE_OK);
	sqlite3_busy_timeout(raw, 10000);
	ck_assert_int_eq(sqlite3_prepare_v2(raw, "UPDATE messages SET payload = NULL, bitmap_png = ? WHERE id = ?", -1, &st,
					    NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, png, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	ck_assert_int_eq(sqlite3_changes(raw), 1);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	free(png);
}

/* The preview is render_message with the template, the sender, the time and the zone of the settings. */
START_TEST(test_render_is_render_message)
{
	struct sirius_error err = { "" };
	struct print_request req = text_request("Hello, printer.\nSecond line.");
	struct render_result mine, theirs;
	struct render_options options;

	ck_assert_int_eq(print_render(&req, NOW, &mine, &err), RENDER_OK);
	memset(&options, 0, sizeof(options));
	options.sender = "tester";
	options.when = NOW;
	options.timezone = "Europe/London";
	options.use_template = 1;
	ck_assert_int_eq(render_message(RENDER_TEXT, req.body, req.len, &options, NULL, &theirs, &err), RENDER_OK);
	ck_assert(bitmap_equal(mine.bitmap, theirs.bitmap));
	ck_assert_int_eq(mine.bitmap->width, PRINTER_WIDTH);
	bitmap_free(mine.bitmap);
	bitmap_free(theirs.bitmap);
}
END_TEST

/* SIRIUS_MAX_TEXT_BYTES and SIRIUS_MAX_IMAGE_BYTES lower the body limits; nonsense keeps the defaults. */
START_TEST(test_limits_from_environment)
{
	struct sirius_error err = { "" };
	struct print_request req = text_request("eleven byte");
	struct render_result out;

	setenv("SIRIUS_MAX_TEXT_BYTES", "10", 1);
	setenv("SIRIUS_MAX_IMAGE_BYTES", "2000", 1);
	print_settings_reload();
	ck_assert_uint_eq(print_settings()->limits.max_body_bytes, 10);
	ck_assert_uint_eq(print_settings()->limits.max_image_bytes, 2000);
	ck_assert_int_eq(print_render(&req, NOW, &out, &err), RENDER_BODY_TOO_LARGE);
	ck_assert_ptr_null(out.bitmap);
	setenv("SIRIUS_MAX_TEXT_BYTES", "-5", 1);
	setenv("SIRIUS_MAX_IMAGE_BYTES", "lots", 1);
	setenv("SIRIUS_KEY_RATE", "0", 1);
	print_settings_reload();
	ck_assert_uint_eq(print_settings()->limits.max_body_bytes, 1024 * 1024);
	ck_assert_uint_eq(print_settings()->limits.max_image_bytes, 10 * 1024 * 1024);
	ck_assert_int_eq(print_settings()->key_rate, PRINT_KEY_RATE_DEFAULT);
	unsetenv("SIRIUS_KEY_RATE");
}
END_TEST

/* A zone or a domain with characters they cannot hold is ignored. */
START_TEST(test_words_checked)
{
	setenv("SIRIUS_TIMEZONE", "Europe/London\"; rm", 1);
	setenv("DEVICE_KEY_DOMAIN", "print.example.org", 1);
	print_settings_reload();
	ck_assert_str_eq(print_settings()->timezone, "");
	ck_assert_str_eq(print_settings()->device_key_domain, "print.example.org");
	setenv("DEVICE_KEY_DOMAIN", "evil.example/<script>", 1);
	print_settings_reload();
	ck_assert_str_eq(print_settings()->device_key_domain, "");
	unsetenv("DEVICE_KEY_DOMAIN");
}
END_TEST

/* Sent: the message is stored sending with exactly the preview's bitmap and set_delivery_and_print. */
START_TEST(test_sent)
{
	struct sirius_error err = { "" };
	struct print_request req = text_request("to the printer");
	struct print_submit_result res;
	struct render_result preview;
	struct bitmap *bm;

	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	ck_assert_int_eq(print_submit(&ctx, printer_id, &req, &res, &err), 0);
	ck_assert_int_eq(res.status, PRINT_SUBMIT_SENT);
	ck_assert_int_eq(res.render, RENDER_OK);
	ck_assert_uint_gt(res.message_id, 0);
	ck_assert_int_eq(res.truncated, 0);
	ck_assert_int_eq(relay.requests, 1);
	/* the message was queued and the relay woken for it */
	ck_assert_str_eq(relay.op, "wake");
	ck_assert_str_eq(relay.device, ADDRESS);
	ck_assert(relay.command_id == (double)res.message_id);
	bm = stored(res.message_id, DB_MESSAGE_QUEUED, DB_FAILURE_NONE, PRINTER_SET_DELIVERY_AND_PRINT);
	ck_assert_int_eq(print_render(&req, NOW, &preview, &err), RENDER_OK);
	ck_assert(bitmap_equal(bm, preview.bitmap));
	bitmap_free(bm);
	bitmap_free(preview.bitmap);
	ck_assert_str_eq(print_submit_status_name(res.status), "sent");
}
END_TEST

/*
 * A request whose digest a message of the same key has since dedupe_since
 * is answered as that message (found where the message would be stored):
 * nothing stored, the relay not woken.
 */
START_TEST(test_repeat_answered_as_the_first)
{
	static const char digest[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct sirius_error err = { "" };
	struct print_request req = text_request("once");
	struct print_submit_result res;
	struct db_device_key key;
	uint32_t first;

	ck_assert_int_eq(db_device_key_create(tmp.db, printer_id, NOW - 100, &key, &err), 0);
	first = test_db_queue(tmp.db, printer_id, PRINTER_SET_DELIVERY_AND_PRINT, NOW - 1, key.id, digest);
	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	req.key_id = key.id;
	req.dedupe = digest;
	req.dedupe_since = NOW - 5;
	ck_assert_msg(print_submit(&ctx, printer_id, &req, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(res.repeat, 1);
	ck_assert_uint_eq(res.message_id, first);
	ck_assert_int_eq(res.status, PRINT_SUBMIT_QUEUED);
	ck_assert_int_eq(relay.requests, 0);
	/* a window that starts after the first: printed */
	req.dedupe_since = NOW;
	ck_assert_msg(print_submit(&ctx, printer_id, &req, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(res.repeat, 0);
	ck_assert_uint_gt(res.message_id, first);
	ck_assert_int_eq(res.status, PRINT_SUBMIT_SENT);
	ck_assert_int_eq(relay.requests, 1);
}
END_TEST

/* no_face picks set_delivery_and_print_no_face. */
START_TEST(test_no_face)
{
	struct sirius_error err = { "" };
	struct print_request req = text_request("quietly");
	struct print_submit_result res;

	req.no_face = 1;
	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	ck_assert_int_eq(print_submit(&ctx, printer_id, &req, &res, &err), 0);
	ck_assert_int_eq(res.status, PRINT_SUBMIT_SENT);
	bitmap_free(stored(res.message_id, DB_MESSAGE_QUEUED, DB_FAILURE_NONE,
			   PRINTER_SET_DELIVERY_AND_PRINT_NO_FACE));
}
END_TEST

/* for_button picks set_delivery (the printer holds it for its button), with or without the face. */
START_TEST(test_for_the_button)
{
	struct sirius_error err = { "" };
	struct print_request req = text_request("when you are ready");
	struct print_submit_result res;

	req.for_button = 1;
	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"queued\"}");
	ck_assert_int_eq(print_submit(&ctx, printer_id, &req, &res, &err), 0);
	ck_assert_int_eq(res.status, PRINT_SUBMIT_QUEUED);
	bitmap_free(stored(res.message_id, DB_MESSAGE_QUEUED, DB_FAILURE_NONE, PRINTER_SET_DELIVERY));
	req.no_face = 1;
	ck_assert_int_eq(print_submit(&ctx, printer_id, &req, &res, &err), 0);
	bitmap_free(stored(res.message_id, DB_MESSAGE_QUEUED, DB_FAILURE_NONE, PRINTER_SET_DELIVERY_NO_FACE));
}
END_TEST

/* An offline printer: the message is queued, to print when it is back. */
START_TEST(test_offline_queues)
{
	struct sirius_error err = { "" };
	struct print_request req = text_request("nobody home");
	struct print_submit_result res;

	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"offline\"}");
	ck_assert_int_eq(print_submit(&ctx, printer_id, &req, &res, &err), 0);
	ck_assert_int_eq(res.status, PRINT_SUBMIT_QUEUED);
	ck_assert_str_eq(print_submit_status_name(res.status), "queued");
	bitmap_free(stored(res.message_id, DB_MESSAGE_QUEUED, DB_FAILURE_NONE, PRINTER_SET_DELIVERY_AND_PRINT));
}
END_TEST

/* No relay at all: the message is stored queued all the same; nothing marks it failed. */
START_TEST(test_relay_down_leaves_it_queued)
{
	struct sirius_error err = { "" };
	struct print_request req = text_request("is anyone there");
	struct print_submit_result res;

	ck_assert_int_eq(print_submit(&ctx, printer_id, &req, &res, &err), 0);
	ck_assert_int_eq(res.status, PRINT_SUBMIT_QUEUED);
	bitmap_free(stored(res.message_id, DB_MESSAGE_QUEUED, DB_FAILURE_NONE, PRINTER_SET_DELIVERY_AND_PRINT));
}
END_TEST

/* The renderer refusing the input stores nothing and asks the relay nothing. */
START_TEST(test_refused)
{
	static const uint8_t not_png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0 };
	struct sirius_error err = { "" };
	struct print_request req = text_request("");
	struct print_submit_result res;
	struct db_message *list;
	size_t count;

	req.kind = RENDER_IMAGE;
	req.body = not_png;
	req.len = sizeof(not_png);
	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	ck_assert_int_eq(print_submit(&ctx, printer_id, &req, &res, &err), 0);
	ck_assert_int_eq(res.status, PRINT_SUBMIT_REFUSED);
	ck_assert_int_eq(res.render, RENDER_BAD_IMAGE);
	ck_assert_uint_eq(res.message_id, 0);
	ck_assert_int_eq(relay.requests, 0);
	ck_assert_int_eq(db_messages_of_printer(tmp.db, printer_id, 10, &list, &count, &err), 0);
	ck_assert_uint_eq(count, 0);
	db_messages_free(list, count);
}
END_TEST

/* A missing, empty, too long or non-UTF-8 sender and an unknown printer are faults of the caller. */
START_TEST(test_errors)
{
	struct sirius_error err = { "" };
	struct print_request req = text_request("x");
	struct print_submit_result res;
	char long_sender[DB_SENDER_MAX + 2];

	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	req.sender = NULL;
	ck_assert_int_eq(print_submit(&ctx, printer_id, &req, &res, &err), -1);
	ck_assert_int_eq(res.status, PRINT_SUBMIT_ERROR);
	req.sender = "";
	ck_assert_int_eq(print_submit(&ctx, printer_id, &req, &res, &err), -1);
	memset(long_sender, 'a', sizeof(long_sender) - 1);
	long_sender[sizeof(long_sender) - 1] = '\0';
	req.sender = long_sender;
	ck_assert_int_eq(print_submit(&ctx, printer_id, &req, &res, &err), -1);
	req.sender = "\xff\xfe";
	ck_assert_int_eq(print_submit(&ctx, printer_id, &req, &res, &err), -1);
	req.sender = "tester";
	ck_assert_int_eq(print_submit(&ctx, printer_id + 1000, &req, &res, &err), -1);
	ck_assert_int_eq(res.status, PRINT_SUBMIT_ERROR);
	ck_assert_uint_eq(res.message_id, 0);
	ck_assert_int_eq(relay.requests, 0);
}
END_TEST

/* A reprint sends the stored bitmap, command and sender again as a new message. */
START_TEST(test_resend)
{
	struct sirius_error err = { "" };
	struct print_request req = text_request("once more");
	struct print_submit_result first, again;
	struct db_message m;
	struct bitmap *a, *b;

	req.no_face = 1;
	fake_relay_start(&relay, socket_path, "{\"ok\":true,\"result\":\"sent\"}");
	ck_assert_int_eq(print_submit(&ctx, printer_id, &req, &first, &err), 0);
	ck_assert_int_eq(db_message_get(tmp.db, first.message_id, &m, &err), 1);
	ck_assert_int_eq(print_resend(&ctx, printer_id, &m, &again, &err), 0);
	ck_assert_int_eq(again.status, PRINT_SUBMIT_SENT);
	ck_assert_uint_gt(again.message_id, first.message_id);
	a = stored(first.message_id, DB_MESSAGE_QUEUED, DB_FAILURE_NONE, PRINTER_SET_DELIVERY_AND_PRINT_NO_FACE);
	b = stored(again.message_id, DB_MESSAGE_QUEUED, DB_FAILURE_NONE, PRINTER_SET_DELIVERY_AND_PRINT_NO_FACE);
	ck_assert(bitmap_equal(a, b));
	bitmap_free(b);
	db_message_clear(&m);
	/* a message settled by an earlier version kept a PNG of its print and no payload: sent again from the PNG */
	keep_png_only(first.message_id, a);
	ck_assert_int_eq(db_message_get(tmp.db, first.message_id, &m, &err), 1);
	ck_assert_int_eq(print_resend(&ctx, printer_id, &m, &again, &err), 0);
	b = stored(again.message_id, DB_MESSAGE_QUEUED, DB_FAILURE_NONE, PRINTER_SET_DELIVERY_AND_PRINT_NO_FACE);
	ck_assert(bitmap_equal(a, b));
	bitmap_free(a);
	bitmap_free(b);
	db_message_clear(&m);
	/* a message without its print cannot be sent again */
	memset(&m, 0, sizeof(m));
	g_strlcpy(m.sender, "tester", sizeof(m.sender));
	ck_assert_int_eq(print_resend(&ctx, printer_id, &m, &again, &err), -1);
	ck_assert_int_eq(again.status, PRINT_SUBMIT_ERROR);
}
END_TEST

static Suite *print_submit_suite(void)
{
	Suite *s = suite_create("print_submit");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_render_is_render_message);
	tcase_add_test(tc, test_limits_from_environment);
	tcase_add_test(tc, test_words_checked);
	tcase_add_test(tc, test_sent);
	tcase_add_test(tc, test_no_face);
	tcase_add_test(tc, test_offline_queues);
	tcase_add_test(tc, test_for_the_button);
	tcase_add_test(tc, test_relay_down_leaves_it_queued);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_resend);
	tcase_add_test(tc, test_repeat_answered_as_the_first);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(print_submit_suite());
}
