/* check_render_images.c: HTML messages with http(s) images: fetched into the print, or left out with a warning. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base64.h"
#include "bitmap.h"
#include "fetch.h"
#include "http_server.h"
#include "render.h"
#include "test_util.h"

/* Renders html with remote images fetched (or not); fails the test unless it renders. */
static struct render_result render_html(const char *html, int fetch_images)
{
	struct render_options options;
	struct render_result result;
	struct sirius_error err;

	memset(&options, 0, sizeof(options));
	options.fetch_images = fetch_images;
	ck_assert_int_eq(render_message(RENDER_HTML, (const uint8_t *)html, strlen(html), &options, NULL, &result,
					&err),
			 RENDER_OK);
	return result;
}

START_TEST(test_remote_image_prints_as_inline_one)
{
	struct http_server *s = http_server_start("127.0.0.1");
	size_t len;
	uint8_t *png = vector_read("generated/images/img_001_0.png", &len);
	char *b64 = base64_encode_alloc(png, len);
	struct http_route r = { "/pic.png", HTTP_ANSWER, 200, "Content-Type: image/png\r\n", (const char *)png, len };
	char *remote = g_strdup_printf("<p>Look:</p><img src=\"http://127.0.0.1:%d/pic.png\"><p>end</p>",
				       http_server_port(s));
	char *inline_html = g_strdup_printf("<p>Look:</p><img src=\"data:image/png;base64,%s\"><p>end</p>", b64);
	struct render_result a, b, off;

	http_server_route(s, &r);
	setenv("SIRIUS_FETCH_PRIVATE", "127.0.0.1", 1);
	fetch_settings_load();
	a = render_html(remote, 1);
	b = render_html(inline_html, 0);
	ck_assert_int_eq(a.warning_count, 0);
	ck_assert_msg(bitmap_equal(a.bitmap, b.bitmap), "a fetched image prints as the same image inline");
	ck_assert_int_eq(http_server_connections(s), 1);
	/* Without fetch_images nothing is asked for, and the image is left out as before. */
	off = render_html(remote, 0);
	ck_assert_int_eq(http_server_connections(s), 1);
	ck_assert_int_eq(off.warning_count, 0);
	ck_assert_int_lt(off.bitmap->height, a.bitmap->height);
	bitmap_free(a.bitmap);
	bitmap_free(b.bitmap);
	bitmap_free(off.bitmap);
	g_free(remote);
	g_free(inline_html);
	free(b64);
	free(png);
	http_server_stop(s);
	unsetenv("SIRIUS_FETCH_PRIVATE");
}
END_TEST

START_TEST(test_unloadable_images_warn)
{
	struct http_server *s = http_server_start("127.0.0.1");
	struct http_route text = { "/text", HTTP_ANSWER, 200, "Content-Type: image/png\r\n", "not an image", 0 };
	char *html = g_strdup_printf("<img src=\"http://127.0.0.1:%d/missing.png\">"
				     "<img src=\"http://127.0.0.1:%d/text\">"
				     "<img src=\"file:///etc/passwd\"><img src=\"cat.png\"><p>text stays</p>",
				     http_server_port(s), http_server_port(s));
	struct render_result r;

	http_server_route(s, &text);
	setenv("SIRIUS_FETCH_PRIVATE", "1", 1);
	fetch_settings_load();
	r = render_html(html, 1);
	ck_assert_int_eq(r.warning_count, 4);
	ck_assert_ptr_nonnull(strstr(r.warnings[0], "/missing.png"));
	ck_assert_ptr_nonnull(strstr(r.warnings[0], "404"));
	ck_assert_ptr_nonnull(strstr(r.warnings[1], "not a PNG, JPEG, GIF or WebP"));
	ck_assert_ptr_nonnull(strstr(r.warnings[2], "file:///etc/passwd"));
	ck_assert_ptr_nonnull(strstr(r.warnings[3], "cat.png"));
	bitmap_free(r.bitmap);
	/* A private address is refused unless allowed, and said so. */
	setenv("SIRIUS_FETCH_PRIVATE", "0", 1);
	fetch_settings_load();
	r = render_html(html, 1);
	ck_assert_ptr_nonnull(strstr(r.warnings[0], "private"));
	bitmap_free(r.bitmap);
	g_free(html);
	http_server_stop(s);
	unsetenv("SIRIUS_FETCH_PRIVATE");
}
END_TEST

START_TEST(test_warnings_are_bounded)
{
	GString *html = g_string_new(NULL);
	struct render_result r;
	int i;

	for (i = 0; i < 40; i++)
		g_string_append_printf(html, "<img src=\"ftp://example.org/%d.png\">", i);
	r = render_html(html->str, 1);
	ck_assert_int_eq(r.warning_count, RENDER_WARNINGS_MAX);
	ck_assert_str_eq(r.warnings[RENDER_WARNINGS_MAX - 1], "More images could not be loaded.");
	bitmap_free(r.bitmap);
	g_string_free(html, TRUE);
}
END_TEST

static Suite *render_images_suite(void)
{
	Suite *s = suite_create("render_images");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_remote_image_prints_as_inline_one);
	tcase_add_test(tc, test_unloadable_images_warn);
	tcase_add_test(tc, test_warnings_are_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(render_images_suite());
}
