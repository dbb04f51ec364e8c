/* check_html_layout.c: unit tests of the HTML layout: inline CSS, white space, tags, and seeded fuzzing of tag soup. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "bitmap_png.h"
#include "html_layout.h"
#include "html_layout_impl.h"
#include "html_style.h"
#include "render.h"
#include "test_util.h"

/*
 * Fontconfig (through Pango) leaks a little memory it never frees by design;
 * LeakSanitizer in the sanitizer build is told to ignore allocations made
 * inside it. Our own leaks are still reported.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

/* Renders HTML without the template; fails the test unless it renders. */
static struct bitmap *html(const char *text)
{
	struct render_result result;
	struct sirius_error err = { "" };
	enum render_status st =
		render_message(RENDER_HTML, (const uint8_t *)text, strlen(text), NULL, NULL, &result, &err);

	ck_assert_msg(st == RENDER_OK, "%s: %s: %s", text, render_status_name(st), err.message);
	return result.bitmap;
}

/* Whether two HTML texts render to the same pixels. */
static int same(const char *a, const char *b)
{
	struct bitmap *x = html(a);
	struct bitmap *y = html(b);
	int eq = bitmap_equal(x, y);

	bitmap_free(x);
	bitmap_free(y);
	return eq;
}

/* The number of black pixels of bm. */
static size_t ink(const struct bitmap *bm)
{
	return bitmap_count_black(bm);
}

START_TEST(test_css_lengths)
{
	struct css_length len;

	ck_assert_int_eq(css_parse_length("12px", &len), 0);
	ck_assert_int_eq(len.unit, CSS_PX);
	ck_assert(fabs(len.value - 12) < 1e-9);
	ck_assert_int_eq(css_parse_length(" 1.5em", &len), 0);
	ck_assert_int_eq(len.unit, CSS_EM);
	ck_assert_int_eq(css_parse_length("50%", &len), 0);
	ck_assert_int_eq(len.unit, CSS_PERCENT);
	ck_assert_int_eq(css_parse_length("12pt", &len), 0);
	ck_assert(fabs(len.value - 16) < 1e-9);
	ck_assert_int_eq(css_parse_length("0", &len), 0);
	ck_assert_int_eq(css_parse_length("12", &len), -1);
	ck_assert_int_eq(css_parse_length("px", &len), -1);
	ck_assert_int_eq(css_parse_length("nan", &len), -1);
	ck_assert_int_eq(css_parse_length("infpx", &len), -1);
	ck_assert_int_eq(css_parse_length("1e999px", &len), -1);
	ck_assert_int_eq(css_parse_length("12furlongs", &len), -1);
	ck_assert_int_eq(css_parse_length("1e9px", &len), 0);
	ck_assert(len.value <= 100000);
	ck_assert(fabs(css_length_px(&len, 30, 384, 0, 0, 500) - 500) < 1e-9);
	len.unit = CSS_EM;
	len.value = 2;
	ck_assert(fabs(css_length_px(&len, 30, 384, 0, 0, 1000) - 60) < 1e-9);
	len.unit = CSS_PERCENT;
	len.value = 25;
	ck_assert(fabs(css_length_px(&len, 30, 384, 0, 0, 1000) - 96) < 1e-9);
	len.unit = CSS_UNSET;
	ck_assert(fabs(css_length_px(&len, 30, 384, 7, 0, 1000) - 7) < 1e-9);
}
END_TEST

START_TEST(test_css_declarations)
{
	struct css_style s;

	memset(&s, 0, sizeof(s));
	css_parse_inline("FONT-SIZE: 20px; font-weight: bold !important; font-style: oblique 10deg;"
			 "font-family: \"Helvetica Neue\", Arial; text-align: CENTER;"
			 "text-transform: uppercase; margin: 1px 2px 3px 4px; padding: 5px;"
			 "width: 50%; display: none; text-decoration: underline line-through;"
			 "color: red; : ; ;;; garbage; font-size: bogus",
			 &s);
	ck_assert_int_eq(s.font_size.unit, CSS_PX);
	ck_assert(fabs(s.font_size.value - 20) < 1e-9);
	ck_assert_int_eq(s.font_weight, 700);
	ck_assert_int_eq(s.italic, 2);
	ck_assert_int_eq(s.family, CSS_FAMILY_SANS);
	ck_assert_int_eq(s.align, CSS_ALIGN_CENTER);
	ck_assert_int_eq(s.transform, CSS_TRANSFORM_UPPER);
	ck_assert(fabs(s.margin_top.value - 1) < 1e-9);
	ck_assert(fabs(s.margin_bottom.value - 3) < 1e-9);
	ck_assert(fabs(s.padding_top.value - 5) < 1e-9);
	ck_assert(fabs(s.padding_bottom.value - 5) < 1e-9);
	ck_assert_int_eq(s.width.unit, CSS_PERCENT);
	ck_assert_int_eq(s.display_none, 1);
	ck_assert_int_eq(s.decoration, CSS_DECORATION_SET | CSS_DECORATION_UNDERLINE |
						 CSS_DECORATION_LINE_THROUGH);

	memset(&s, 0, sizeof(s));
	css_parse_inline("font-family: 'Courier New'; font-size: larger; font-weight: 250; "
			 "margin: 1px 2px 3px 4px 5px; padding: x; margin-top: 2em",
			 &s);
	ck_assert_int_eq(s.family, CSS_FAMILY_MONO);
	ck_assert_int_eq(s.font_size.unit, CSS_EM);
	ck_assert_int_eq(s.font_size_keyword, 0);
	ck_assert_int_eq(s.font_weight, 250);
	ck_assert_int_eq(s.margin_top.unit, CSS_EM);
	ck_assert_int_eq(s.margin_bottom.unit, CSS_UNSET);
	ck_assert_int_eq(s.padding_top.unit, CSS_UNSET);

	memset(&s, 0, sizeof(s));
	css_parse_inline("font-family: Georgia, serif; font-size: x-large; font-weight: 0", &s);
	ck_assert_int_eq(s.family, CSS_FAMILY_SERIF);
	ck_assert_int_eq(s.font_size_keyword, 1);
	ck_assert_int_eq(s.font_weight, 0);
	css_parse_inline(NULL, &s);
}
END_TEST

/*
 * An image decoded just as the render passes its time limit is freed, not left
 * with the caller that gives up (LeakSanitizer in the sanitizer build reports it
 * otherwise): a deadline already past makes every check of the clock fail.
 */
START_TEST(test_time_limit_frees_decoded_image)
{
	struct render_limits limits;
	struct sirius_error err = { "" };
	struct greymap *gm = greymap_new(640, 480), *out = gm;
	struct layout_page *page;
	uint8_t *png;
	size_t len;

	ck_assert_ptr_nonnull(gm);
	ck_assert_int_eq(png_write_greymap(gm, &png, &len, NULL), 0);
	greymap_free(gm);
	render_limits_default(&limits);
	page = layout_page_new(PRINTER_WIDTH, 1000, &limits, g_get_monotonic_time() - 1);
	ck_assert_ptr_nonnull(page);
	ck_assert_int_eq(page_decode_image(page, png, len, PRINTER_WIDTH, &out, &err), RENDER_TIMEOUT);
	ck_assert_ptr_null(out);
	ck_assert_msg(strstr(err.message, "longer than the limit") != NULL, "%s", err.message);
	ck_assert_int_eq(layout_add_image_data(page, png, len, &err), RENDER_TIMEOUT);
	layout_page_free(page);
	free(png);
}
END_TEST

START_TEST(test_white_space_collapses)
{
	ck_assert(same("<p>a b</p>", "<p>  a \n\t  b  </p>"));
	ck_assert(same("<p>a b</p>", "<p>a <b></b> b</p>"));
	ck_assert(!same("<p>a b</p>", "<pre>a    b</pre>"));
	ck_assert(!same("<p>a b</p>", "<p>a<br>b</p>"));
	/* A line break ending a paragraph adds no line; two make one empty line. */
	ck_assert(same("<p>a</p>", "<p>a<br></p>"));
	ck_assert(!same("<p>a</p>", "<p>a<br><br></p>"));
}
END_TEST

START_TEST(test_tags_render_text)
{
	ck_assert(same("<p>hello world</p>", "<p><blink>hello</blink> <foo:bar x=1>world</foo:bar></p>"));
	ck_assert(same("<p>x &lt;&amp;&gt; y</p>", "<p>x &#60;&#38;&#x3e; y</p>"));
	ck_assert(same("hello", "<p>hello</p>"));
	ck_assert(same("<p>a</p>", "<p>a</p><script>b</script><style>c</style>"));
	ck_assert(!same("<p>a</p>", "<p><b>a</b></p>"));
	ck_assert(!same("<p>a</p>", "<h1>a</h1>"));
}
END_TEST

/* Nothing named by a URI is ever read: only data: images appear. */
START_TEST(test_no_fetching)
{
	ck_assert(same("<p>x</p>", "<p>x</p><img src=\"file:///usr/share/pixmaps/debian-logo.png\">"
				   "<img src=\"/etc/passwd\"><img src=\"https://example.com/a.png\">"
				   "<img src=\"data:image/png;base64,!!!\"><img>"));
}
END_TEST

START_TEST(test_text_transform_and_size)
{
	struct bitmap *small = html("<p style=\"font-size: 10px\">size</p>");
	struct bitmap *big = html("<p style=\"font-size: 60px\">size</p>");
	struct bitmap *huge = html("<p style=\"font-size: 99999px\">W</p>");

	ck_assert_int_lt(small->height, big->height);
	ck_assert_int_lt(ink(small), ink(big));
	ck_assert_int_le(huge->height, PRINTER_MAX_ROWS);
	ck_assert(same("<p>ABC DEF</p>", "<p style=\"text-transform: uppercase\">abc def</p>"));
	ck_assert(same("<p>abc def</p>", "<p style=\"text-transform: lowercase\">ABC DEF</p>"));
	ck_assert(same("<p>Abc Def</p>", "<p style=\"text-transform: capitalize\">abc def</p>"));
	bitmap_free(small);
	bitmap_free(big);
	bitmap_free(huge);
}
END_TEST

START_TEST(test_long_paragraph)
{
	/* A paragraph far longer than a page: laid out in pieces, cut at max_rows. */
	GString *s = g_string_new("<p>");
	struct render_result result;
	struct sirius_error err;
	int i;

	for (i = 0; i < 60000; i++)
		g_string_append(s, "word ");
	g_string_append(s, "</p>");
	ck_assert_int_eq(render_message(RENDER_HTML, (const uint8_t *)s->str, s->len, NULL, NULL,
					&result, &err),
			 RENDER_OK);
	ck_assert_int_eq(result.bitmap->height, PRINTER_MAX_ROWS);
	ck_assert_int_eq(result.truncated, 1);
	bitmap_free(result.bitmap);
	g_string_free(s, TRUE);
}
END_TEST

/* A small deterministic generator (xorshift64*), so fuzz runs repeat exactly. */
static uint64_t fuzz_state;

static uint32_t fuzz_next(void)
{
	fuzz_state ^= fuzz_state >> 12;
	fuzz_state ^= fuzz_state << 25;
	fuzz_state ^= fuzz_state >> 27;
	return (uint32_t)((fuzz_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t fuzz_below(uint32_t n)
{
	return fuzz_next() % n;
}

/*
 * Renders per fuzz test. The seeds are fixed, so these are a fixed set of
 * inputs, rendered on every run in both trees (a render costs ten times as
 * much under the sanitizers); the search for new inputs is tests/fuzz's
 * libFuzzer harness, whose corpus make check also replays.
 */
#define TAG_SOUP_RENDERS 400
#define MUTATION_RENDERS 300

/* Appends one random piece of tag soup to s. */
static void fuzz_piece(GString *s)
{
	static const char *const tags[] = {
		"p", "div", "br", "h1", "h3", "h6", "b", "strong", "i", "em", "u", "s", "small", "big",
		"sub", "sup", "code", "pre", "blockquote", "ul", "ol", "li", "hr", "center", "a", "span",
		"table", "tr", "td", "th", "img", "script", "style", "head", "body", "html", "title",
		"foo", "svg", "math", "textarea", "select", "option", "iframe", "dl", "dd", "xmp",
	};
	static const char *const styles[] = {
		"font-size: 1e6px", "font-size: -5px", "font-size: 0", "font-size: 200%",
		"font-size: xx-small", "font-weight: bold", "font-weight: 1000", "font-style: italic",
		"font-family: monospace", "text-align: center", "text-align: justify",
		"text-transform: uppercase", "text-transform: capitalize", "margin: 99999px",
		"margin-top: -100px", "padding: 1e308px", "padding-bottom: 3em", "width: 150%",
		"width: 0px", "height: 99999px", "display: none", "text-decoration: underline",
		"margin: auto auto", "font-size: nan", ";;::", "font-size:", "margin: 1px 2px 3px 4px",
	};
	static const char *const texts[] = {
		"hello", " ", "\n", "  spaced  out  ", "\t", "caf\xc3\xa9", "\xe2\x98\x83",
		"\xf0\x9f\x98\x80", "&amp;", "&bogus;", "&#0;", "&#x110000;", "&#65;", "<", ">", "&",
		"\"", "'", "=", "/", "<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE html>", "<?xml?>",
		"\xff\xfe", "\xc3", "\x01\x02", "averyveryveryveryveryveryveryveryverylongword",
		"\xe2\x80\xae", "\xcc\x81\xcc\x81\xcc\x81", "\xd8\xa7\xd9\x84\xd8\xb9",
	};
	static const char *const images[] = {
		"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==",
		"data:image/png;base64,iVBORw0KGgo=", "data:,", "data:image/gif;base64,R0lGODlh",
		"data:text/html,<b>x</b>", "file:///etc/passwd", "http://127.0.0.1/",
	};
	const char *tag = tags[fuzz_below(G_N_ELEMENTS(tags))];

	switch (fuzz_below(8)) {
	case 0:
	case 1:
		g_string_append_printf(s, "<%s>", tag);
		break;
	case 2:
		g_string_append_printf(s, "</%s>", tag);
		break;
	case 3:
		g_string_append_printf(s, "<%s style=\"%s; %s\">", tag, styles[fuzz_below(G_N_ELEMENTS(styles))],
				       styles[fuzz_below(G_N_ELEMENTS(styles))]);
		break;
	case 4:
		g_string_append_printf(s, "<img src=\"%s\" width=\"%d%s\" height=\"%d\">",
				       images[fuzz_below(G_N_ELEMENTS(images))],
				       (int)fuzz_below(3000) - 100, fuzz_below(2) ? "%" : "",
				       (int)fuzz_below(70000) - 100);
		break;
	case 5:
		g_string_append_printf(s, "<%s align=\"%s\" start=\"%d\">", tag,
				       fuzz_below(2) ? "center" : "right", (int)fuzz_next());
		break;
	default:
		g_string_append(s, texts[fuzz_below(G_N_ELEMENTS(texts))]);
		break;
	}
}

/* Renders fuzz input; any status but a crash is fine, and a bitmap must be well formed. */
static void fuzz_render(const char *data, size_t len, const struct render_limits *limits)
{
	struct render_result result;
	struct sirius_error err = { "" };
	enum render_status st =
		render_message(RENDER_HTML, (const uint8_t *)data, len, NULL, limits, &result, &err);

	if (st == RENDER_OK) {
		ck_assert_ptr_nonnull(result.bitmap);
		ck_assert_int_eq(result.bitmap->width, PRINTER_WIDTH);
		ck_assert_int_ge(result.bitmap->height, 1);
		ck_assert_int_le(result.bitmap->height, limits->max_rows);
		bitmap_free(result.bitmap);
	} else {
		ck_assert_ptr_null(result.bitmap);
		ck_assert_msg(st == RENDER_TOO_DEEP || st == RENDER_TOO_MANY_ELEMENTS ||
				      st == RENDER_TIMEOUT || st == RENDER_IMAGE_TOO_LARGE,
			      "unexpected status %s: %s", render_status_name(st), err.message);
		ck_assert(err.message[0] != '\0');
	}
}

START_TEST(test_fuzz_tag_soup)
{
	struct render_limits limits;
	GString *s = g_string_new(NULL);
	int i, n;

	render_limits_default(&limits);
	limits.max_rows = 1500;
	limits.max_millis = 20000; /* generous: sanitizer builds are slow, and timeouts are allowed anyway */
	fuzz_state = 0x5eed5eed12345678ULL;
	for (i = 0; i < TAG_SOUP_RENDERS; i++) {
		g_string_truncate(s, 0);
		for (n = (int)fuzz_below(40) + 1; n > 0; n--)
			fuzz_piece(s);
		fuzz_render(s->str, s->len, &limits);
	}
	g_string_free(s, TRUE);
}
END_TEST

START_TEST(test_fuzz_mutations)
{
	static const char *const seeds[] = {
		"<html><head><title>t</title></head><body><h1>Title</h1><p>Some <b>bold</b> and "
		"<i>italic</i> text.</p><ul><li>one</li><li>two</li></ul><hr><pre>  x</pre></body></html>",
		"<table><tr><td>a</td><td>b</td></tr></table><blockquote style=\"margin: 2em\">q</blockquote>",
		"<p style=\"font-size: 20px; text-align: center\">centre</p><ol start=3><li>x<ol><li>y",
	};
	struct render_limits limits;
	int i;

	render_limits_default(&limits);
	limits.max_rows = 1500;
	limits.max_millis = 20000;
	fuzz_state = 0x0123456789abcdefULL;
	for (i = 0; i < MUTATION_RENDERS; i++) {
		GString *s = g_string_new(seeds[i % G_N_ELEMENTS(seeds)]);
		int m;

		for (m = (int)fuzz_below(8) + 1; m > 0 && s->len > 0; m--) {
			size_t at = fuzz_below((uint32_t)s->len);

			switch (fuzz_below(4)) {
			case 0:
				s->str[at] = (char)fuzz_next();
				break;
			case 1:
				g_string_erase(s, (gssize)at, (gssize)fuzz_below((uint32_t)(s->len - at)) + 1);
				break;
			case 2:
				g_string_insert_c(s, (gssize)at, "<>/\"'=&;! \n\x80\xff"[fuzz_below(14)]);
				break;
			default:
				g_string_insert_len(s, (gssize)at, s->str, (gssize)(at < 64 ? at : 64));
				break;
			}
		}
		fuzz_render(s->str, s->len, &limits);
		g_string_free(s, TRUE);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("html_layout");
	TCase *css = tcase_create("css");
	TCase *layout = tcase_create("layout");
	TCase *fuzz = tcase_create("fuzz");

	tcase_add_test(css, test_css_lengths);
	tcase_add_test(css, test_css_declarations);
	suite_add_tcase(s, css);
	tcase_set_timeout(layout, 60);
	tcase_add_test(layout, test_white_space_collapses);
	tcase_add_test(layout, test_tags_render_text);
	tcase_add_test(layout, test_no_fetching);
	tcase_add_test(layout, test_text_transform_and_size);
	tcase_add_test(layout, test_long_paragraph);
	tcase_add_test(layout, test_time_limit_frees_decoded_image);
	suite_add_tcase(s, layout);
	tcase_set_timeout(fuzz, 900);
	tcase_add_test(fuzz, test_fuzz_tag_soup);
	tcase_add_test(fuzz, test_fuzz_mutations);
	suite_add_tcase(s, fuzz);
	return run_suite(s);
}
