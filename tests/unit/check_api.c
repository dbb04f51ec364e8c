/* check_api.c: unit tests of the device-key API's parts: Accept negotiation, key URLs, the per-key rate in the database. */
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "device_key_url.h"
#include "http_accept.h"
#include "print_settings.h"
#include "test_db.h"
#include "test_util.h"

START_TEST(test_accept_quality)
{
	ck_assert(accept_quality(NULL, "text/html") == 1);
	ck_assert(accept_quality("", "text/html") == 1);
	ck_assert(accept_quality("text/html", "text/html") == 1);
	ck_assert(accept_quality("text/html", "application/json") == 0);
	ck_assert(accept_quality("*/*;q=0.8", "application/json") == 0.8);
	ck_assert(accept_quality("text/*;q=0.3, text/html;q=0.7", "text/html") == 0.7);
	ck_assert(accept_quality("text/html;q=0.7, text/*;q=0.3", "text/html") == 0.7);
	ck_assert(accept_quality("text/*;q=0.3, */*;q=0.9", "text/plain") == 0.3);
	ck_assert(accept_quality("TEXT/HTML;Q=0.5", "text/html") == 0.5);
	ck_assert(accept_quality("text/html ; q=0.25 ; ext=1", "text/html") == 0.25);
	ck_assert(accept_quality("text/html;level=1;q=0.2, text/html;q=0.9", "text/html") == 0.2);
	/* malformed q-values and ranges are skipped */
	ck_assert(accept_quality("text/html;q=2, */*;q=0.1", "text/html") == 0.1);
	ck_assert(accept_quality("text/html;q=0.1234", "text/html") == 0);
	ck_assert(accept_quality("text/html;q=1.5", "text/html") == 0);
	ck_assert(accept_quality("texthtml, */*;q=0.4", "text/html") == 0.4);
	ck_assert(accept_quality(",,, ,", "text/html") == 1);
}
END_TEST

START_TEST(test_accept_prefers_html)
{
	ck_assert_int_eq(accept_prefers_html(NULL), 0);
	ck_assert_int_eq(accept_prefers_html("*/*"), 0);
	ck_assert_int_eq(accept_prefers_html("application/json"), 0);
	ck_assert_int_eq(accept_prefers_html("text/html, application/json"), 0);
	ck_assert_int_eq(accept_prefers_html("text/html;q=0.5, application/json"), 0);
	ck_assert_int_eq(accept_prefers_html("image/png"), 0);
	ck_assert_int_eq(accept_prefers_html("text/html"), 1);
	ck_assert_int_eq(accept_prefers_html("text/html, application/json;q=0.9"), 1);
	ck_assert_int_eq(accept_prefers_html(
		"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"), 1);
	ck_assert_int_eq(accept_prefers_html("text/*, application/*;q=0.5"), 1);
}
END_TEST

/* A long header is read only up to ACCEPT_RANGES_MAX ranges. */
START_TEST(test_accept_long_header)
{
	GString *header = g_string_new(NULL);
	int i;

	for (i = 0; i < 1000; i++)
		g_string_append(header, "x/y, ");
	g_string_append(header, "text/html");
	ck_assert(accept_quality(header->str, "text/html") == 0);
	g_string_free(header, TRUE);
}
END_TEST

/* A request context with a Host header and a base URL. */
static void url_ctx(struct ctx *ctx, struct app *app, const char *host, int https, const char *base)
{
	memset(ctx, 0, sizeof(*ctx));
	memset(app, 0, sizeof(*app));
	g_strlcpy(app->base_url, base, sizeof(app->base_url));
	ctx->app = app;
	ctx->req.host = (char *)host;
	ctx->req.https = https;
}

START_TEST(test_device_key_url)
{
	const char *secret = "abcdefghij0123456789";
	struct ctx ctx;
	struct app app;
	char *url;

	unsetenv("DEVICE_KEY_DOMAIN");
	print_settings_reload();
	url_ctx(&ctx, &app, "printer.local:8080", 0, "");
	url = device_key_url(&ctx, secret);
	ck_assert_str_eq(url, "http://printer.local:8080/printkey/abcdefghij0123456789");
	g_free(url);
	url_ctx(&ctx, &app, "[::1]:443", 1, "");
	url = device_key_url(&ctx, secret);
	ck_assert_str_eq(url, "https://[::1]:443/printkey/abcdefghij0123456789");
	g_free(url);
	/* a Host that is not a host is not put into a URL */
	url_ctx(&ctx, &app, "evil.example/\"><script>", 0, "");
	url = device_key_url(&ctx, secret);
	ck_assert_str_eq(url, "/printkey/abcdefghij0123456789");
	g_free(url);
	url_ctx(&ctx, &app, "", 0, "");
	url = device_key_url(&ctx, secret);
	ck_assert_str_eq(url, "/printkey/abcdefghij0123456789");
	g_free(url);
	/* SIRIUS_BASE_URL wins over the Host */
	url_ctx(&ctx, &app, "printer.local", 0, "https://sirius.example.org/base");
	url = device_key_url(&ctx, secret);
	ck_assert_str_eq(url, "https://sirius.example.org/base/printkey/abcdefghij0123456789");
	g_free(url);
	/* DEVICE_KEY_DOMAIN wins over both */
	setenv("DEVICE_KEY_DOMAIN", "p.example.org", 1);
	print_settings_reload();
	url = device_key_url(&ctx, secret);
	ck_assert_str_eq(url, "https://p.example.org/abcdefghij0123456789");
	g_free(url);
	unsetenv("DEVICE_KEY_DOMAIN");
	print_settings_reload();
}
END_TEST

/* The rate: a burst of rate requests, then one every 60 / rate seconds; keys counted apart; kept in the file. */
START_TEST(test_key_rate)
{
	struct sirius_error err = { "" };
	struct test_db tmp;
	struct db_device_key k1, k2;
	struct db_printer printer;
	int64_t now = 1700000000000LL, retry;
	struct db *db, *other;
	int i;

	test_db_open(&tmp, "check_api");
	db = tmp.db;
	ck_assert_int_eq(db_printer_seen(db, "000d6f000273ce0b", 1, &printer, &err), 0);
	ck_assert_int_eq(db_device_key_create(db, printer.id, 1, &k1, &err), 0);
	ck_assert_int_eq(db_device_key_create(db, printer.id, 1, &k2, &err), 0);
	for (i = 0; i < 30; i++)
		ck_assert_int_eq(db_device_key_rate(db, k1.id, 30, now + i, &retry, &err), 1);
	ck_assert_int_eq(db_device_key_rate(db, k1.id, 30, now + 30, &retry, &err), 0);
	ck_assert_int_eq(retry, 2);
	/* another key has its own allowance */
	ck_assert_int_eq(db_device_key_rate(db, k2.id, 30, now + 30, &retry, &err), 1);
	/* another connection (another process) sees the same count */
	other = db_open(tmp.path, &err);
	ck_assert_ptr_nonnull(other);
	ck_assert_int_eq(db_device_key_rate(other, k1.id, 30, now + 1000, &retry, &err), 0);
	ck_assert_int_eq(retry, 1);
	/* two seconds later one more fits, and then none again */
	ck_assert_int_eq(db_device_key_rate(other, k1.id, 30, now + 2000, &retry, &err), 1);
	ck_assert_int_eq(db_device_key_rate(db, k1.id, 30, now + 2001, &retry, &err), 0);
	/* a minute of quiet refills it */
	for (i = 0; i < 30; i++)
		ck_assert_int_eq(db_device_key_rate(db, k1.id, 30, now + 70000 + i, &retry, &err), 1);
	ck_assert_int_eq(db_device_key_rate(db, k1.id, 30, now + 70030, &retry, &err), 0);
	/* checking writes nothing; counting counts whether or not it fits */
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(db_device_key_rate_check(db, k2.id, 30, now + 40000, &retry, &err), 1);
	for (i = 0; i < 30; i++)
		ck_assert_int_eq(db_device_key_rate_count(db, k2.id, 30, now + 40000, &err), 0);
	ck_assert_int_eq(db_device_key_rate_check(db, k2.id, 30, now + 40000, &retry, &err), 0);
	ck_assert_int_eq(retry, 2);
	ck_assert_int_eq(db_device_key_rate_count(db, k2.id, 30, now + 40000, &err), 0);
	ck_assert_int_eq(db_device_key_rate_check(db, k2.id, 30, now + 42000, &retry, &err), 0);
	ck_assert_int_eq(db_device_key_rate_check(db, k2.id, 30, now + 44000, &retry, &err), 1);
	ck_assert_int_eq(db_device_key_rate_count(db, k2.id, 0, now, &err), -1);
	/* a deleted key's count goes with it; an unknown key is an error */
	ck_assert_int_eq(db_device_key_delete(db, k1.id, printer.id, &err), 1);
	ck_assert_int_eq(db_device_key_rate(db, k1.id, 30, now + 80000, &retry, &err), -1);
	ck_assert_int_eq(db_device_key_rate(db, k2.id, 0, now, &retry, &err), -1);
	db_close(other);
	test_db_close(&tmp);
}
END_TEST

static Suite *api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_accept_quality);
	tcase_add_test(tc, test_accept_prefers_html);
	tcase_add_test(tc, test_accept_long_header);
	tcase_add_test(tc, test_device_key_url);
	tcase_add_test(tc, test_key_rate);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(api_suite());
}
