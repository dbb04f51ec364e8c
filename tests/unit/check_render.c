/* check_render.c: unit tests of the print renderer: golden images, the template, kinds, limits, the external renderer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jpeglib.h>
#include <pango/pangocairo.h>

#include "base64.h"
#include "bitmap_png.h"
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

/* Where the golden images live; SIRIUS_UPDATE_GOLDEN=1 rewrites them from the renderer. */
#define GOLDEN_DIR SIRIUS_SOURCE_DIR "/tests/golden"

/* 2019-09-13 22:51:00 UTC: 23:51 in Europe/London (BST), the real print's time. */
#define PORK_CHOPS_TIME ((time_t)1568415060)

/* Renders text of a kind with the given options (NULL: no template) and limits (NULL: defaults). */
static struct bitmap *render_ok(enum render_kind kind, const char *text, size_t len,
				const struct render_options *options, const struct render_limits *limits,
				int *truncated)
{
	struct render_result result;
	struct sirius_error err = { "" };
	enum render_status st = render_message(kind, (const uint8_t *)text, len, options, limits,
					       &result, &err);

	ck_assert_msg(st == RENDER_OK, "render failed: %s: %s", render_status_name(st), err.message);
	ck_assert_ptr_nonnull(result.bitmap);
	ck_assert_int_eq(result.bitmap->width, PRINTER_WIDTH);
	if (truncated)
		*truncated = result.truncated;
	return result.bitmap;
}

static struct bitmap *render_html(const char *html)
{
	return render_ok(RENDER_HTML, html, strlen(html), NULL, NULL, NULL);
}

/* The status of rendering data, and err's message in msg (which must name the limit). */
static enum render_status render_status_of(enum render_kind kind, const void *data, size_t len,
					   const struct render_limits *limits, char *msg, size_t size)
{
	struct render_result result;
	struct sirius_error err = { "" };
	enum render_status st = render_message(kind, data, len, NULL, limits, &result, &err);

	if (st == RENDER_OK)
		bitmap_free(result.bitmap);
	else
		ck_assert_ptr_null(result.bitmap);
	snprintf(msg, size, "%s", err.message);
	return st;
}

/*
 * Compares bm with the golden image tests/golden/NAME.png pixel for pixel;
 * with SIRIUS_UPDATE_GOLDEN=1 writes bm there instead. A mismatch leaves the
 * rendering as NAME.actual.png in the current directory.
 */
static void check_golden(const struct bitmap *bm, const char *name)
{
	char path[4096];
	const char *update = getenv("SIRIUS_UPDATE_GOLDEN");
	struct sirius_error err = { "" };
	struct bitmap *golden;
	uint8_t *data;
	size_t len, diff = 0, i;
	int first_row = -1;

	snprintf(path, sizeof(path), "%s/%s.png", GOLDEN_DIR, name);
	if (update && !strcmp(update, "1")) {
		ck_assert_msg(png_write_bitmap_file(bm, path, &err) == 0, "%s", err.message);
		return;
	}
	ck_assert_msg(png_read_file(path, &data, &len, &err) == 0,
		      "no golden image %s (%s); SIRIUS_UPDATE_GOLDEN=1 writes it", path, err.message);
	golden = png_read_bitmap(data, len, BITMAP_MAX_PIXELS, &err);
	free(data);
	ck_assert_msg(golden != NULL, "%s: %s", path, err.message);
	if (golden->width == bm->width && golden->height == bm->height) {
		for (i = 0; i < bm->stride * (size_t)bm->height; i++) {
			uint8_t differ = golden->bits[i] ^ bm->bits[i];

			if (differ) {
				if (first_row < 0)
					first_row = (int)(i / bm->stride);
				diff += (size_t)__builtin_popcount(differ);
			}
		}
	}
	if (golden->width != bm->width || golden->height != bm->height || diff) {
		char actual[4096];

		snprintf(actual, sizeof(actual), "%s.actual.png", name);
		png_write_bitmap_file(bm, actual, NULL);
		ck_abort_msg("%s: rendered %dx%d, golden %dx%d, %zu pixels differ from row %d "
			     "(rendering left in %s)",
			     name, bm->width, bm->height, golden->width, golden->height, diff, first_row,
			     actual);
	}
	bitmap_free(golden);
}

/* Renders HTML without the template and compares it with a golden image. */
static void golden_html(const char *html, const char *name)
{
	struct bitmap *bm = render_html(html);

	check_golden(bm, name);
	bitmap_free(bm);
}

/* A JPEG of a w x h colour gradient (malloc'd by libjpeg, *len bytes). */
static uint8_t *make_jpeg(int w, int h, size_t *len)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr jerr;
	unsigned char *out = NULL;
	unsigned long out_len = 0;
	unsigned char *row = malloc((size_t)w * 3);
	int x;

	c.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &out, &out_len);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 90, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		int y = (int)c.next_scanline;

		for (x = 0; x < w; x++) {
			row[x * 3] = (unsigned char)(x * 255 / (w - 1));
			row[x * 3 + 1] = (unsigned char)(y * 255 / (h - 1));
			row[x * 3 + 2] = (unsigned char)(((x / 8 + y / 8) % 2) * 255);
		}
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(row);
	*len = out_len;
	return out;
}

/* A PNG of a horizontal grey ramp, w x h, black on the left (malloc'd, *len bytes). */
static uint8_t *make_ramp_png(int w, int h, size_t *len)
{
	struct greymap *gm = greymap_new(w, h);
	uint8_t *png = NULL;
	int x, y;

	ck_assert_ptr_nonnull(gm);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			gm->pixels[(size_t)y * (size_t)w + (size_t)x] = (uint8_t)(x * 255 / (w - 1));
	ck_assert_int_eq(png_write_greymap(gm, &png, len, NULL), 0);
	greymap_free(gm);
	return png;
}

/* A PNG of w x h with a black frame and a black diagonal on white. */
static uint8_t *make_frame_png(int w, int h, size_t *len)
{
	struct greymap *gm = greymap_new(w, h);
	uint8_t *png = NULL;
	int x, y;

	ck_assert_ptr_nonnull(gm);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			if (x == 0 || y == 0 || x == w - 1 || y == h - 1 || x * h / w == y)
				gm->pixels[(size_t)y * (size_t)w + (size_t)x] = 0;
	ck_assert_int_eq(png_write_greymap(gm, &png, len, NULL), 0);
	greymap_free(gm);
	return png;
}

/* Whether every pixel of bm is white. */
static int all_white(const struct bitmap *bm)
{
	return bitmap_count_black(bm) == 0;
}

/* The first and last rows with ink in rows [from, to) of bm; -1 when none. */
static void ink_rows(const struct bitmap *bm, int from, int to, int *first, int *last)
{
	int x, y;

	*first = *last = -1;
	for (y = from; y < to && y < bm->height; y++)
		for (x = 0; x < bm->width; x++)
			if (bitmap_get(bm, x, y)) {
				if (*first < 0)
					*first = y;
				*last = y;
				break;
			}
}

START_TEST(test_golden_text_wrap)
{
	static const char text[] =
		"Plain text keeps its   spaces\nand its line breaks,\n\n"
		"wraps long lines at word boundaries like this one does, and breaks "
		"supercalifragilisticexpialidociouslylongwordswithoutanyspaces.\n"
		"\ttab, caf\xc3\xa9, \xe2\x98\x85, invalid \xff byte\r\nCRLF\rCR";
	struct bitmap *bm = render_ok(RENDER_TEXT, text, sizeof(text) - 1, NULL, NULL, NULL);

	check_golden(bm, "text_wrap");
	bitmap_free(bm);
}
END_TEST

START_TEST(test_golden_template_header)
{
	struct render_options o = { "@notjosh", PORK_CHOPS_TIME, "Europe/London", 1, NULL, 0 };
	struct bitmap *bm = render_ok(RENDER_TEXT, "pork chops", 10, &o, NULL, NULL);

	check_golden(bm, "template_pork_chops");
	bitmap_free(bm);
}
END_TEST

/* Our template has the geometry of a print captured from the original server. */
START_TEST(test_template_matches_real_print)
{
	struct render_options o = { "@notjosh", PORK_CHOPS_TIME, "Europe/London", 1, NULL, 0 };
	struct bitmap *ours = render_ok(RENDER_TEXT, "pork chops", 10, &o, NULL, NULL);
	size_t len;
	uint8_t *png = vector_read("real/device_command_pork_chops.png", &len);
	struct bitmap *real = png_read_bitmap(png, len, BITMAP_MAX_PIXELS, NULL);
	int f1, l1, f2, l2;

	ck_assert_ptr_nonnull(real);
	ck_assert_int_eq(ours->width, real->width);
	ck_assert_int_eq(ours->height, real->height);
	ink_rows(ours, 0, 30, &f1, &l1);
	ink_rows(real, 0, 30, &f2, &l2);
	ck_assert_int_le(abs(f1 - f2), 1);
	ck_assert_int_le(abs(l1 - l2), 1);
	ink_rows(ours, 30, ours->height, &f1, &l1);
	ink_rows(real, 30, real->height, &f2, &l2);
	ck_assert_int_le(abs(f1 - f2), 1);
	ck_assert_int_le(abs(l1 - l2), 1);
	bitmap_free(ours);
	bitmap_free(real);
	free(png);
}
END_TEST

START_TEST(test_template_zone_and_sender)
{
	/* The same instant in another zone and without a sender gives another header. */
	struct render_options london = { "x", PORK_CHOPS_TIME, "Europe/London", 1, NULL, 0 };
	struct render_options tokyo = { "x", PORK_CHOPS_TIME, "Asia/Tokyo", 1, NULL, 0 };
	struct render_options bogus = { "x", PORK_CHOPS_TIME, "Not/AZone", 1, NULL, 0 };
	struct render_options utc = { "x", PORK_CHOPS_TIME, "UTC", 1, NULL, 0 };
	struct render_options anonymous = { NULL, PORK_CHOPS_TIME, "UTC", 1, NULL, 0 };
	struct bitmap *a = render_ok(RENDER_TEXT, "", 0, &london, NULL, NULL);
	struct bitmap *b = render_ok(RENDER_TEXT, "", 0, &tokyo, NULL, NULL);
	struct bitmap *c = render_ok(RENDER_TEXT, "", 0, &bogus, NULL, NULL);
	struct bitmap *d = render_ok(RENDER_TEXT, "", 0, &utc, NULL, NULL);
	struct bitmap *e = render_ok(RENDER_TEXT, "", 0, &anonymous, NULL, NULL);
	/* the zone last used is kept: going back to an earlier one must give its time again */
	struct bitmap *again = render_ok(RENDER_TEXT, "", 0, &tokyo, NULL, NULL);

	ck_assert(bitmap_equal(again, b));
	bitmap_free(again);
	ck_assert(!bitmap_equal(a, b));
	ck_assert(bitmap_equal(c, d)); /* an unknown zone is UTC */
	ck_assert(!bitmap_equal(d, e));
	check_golden(b, "template_tokyo_empty");
	bitmap_free(a);
	bitmap_free(b);
	bitmap_free(c);
	bitmap_free(d);
	bitmap_free(e);
}
END_TEST

START_TEST(test_golden_headings)
{
	golden_html("<h1>Heading 1</h1><h2>Heading 2</h2><h3>Heading 3</h3>"
		    "<h4>Heading 4</h4><h5>Heading 5</h5><h6>Heading 6</h6><p>body text</p>",
		    "html_headings");
}
END_TEST

START_TEST(test_golden_inline)
{
	golden_html("<p>Plain <b>bold</b> <strong>strong</strong> <i>italic</i> <em>em</em> "
		    "<u>under</u> <s>struck</s> <small>small</small> <big>big</big> "
		    "H<sub>2</sub>O x<sup>2</sup> <code>code()</code> <a href=\"http://example.com/\">"
		    "a link</a> <span>span</span> <b><i>both</i></b></p>",
		    "html_inline");
}
END_TEST

START_TEST(test_golden_lists)
{
	golden_html("<ul><li>First item</li><li>Second item, long enough to wrap onto a second line"
		    "<ul><li>nested</li><li>nested too<ul><li>third level</li></ul></li></ul></li></ul>"
		    "<ol><li>one</li><li>two</li></ol><ol start=\"9\"><li>nine</li><li>ten</li></ol>"
		    "<li>an item outside a list</li><ul><li></li></ul>",
		    "html_lists");
}
END_TEST

START_TEST(test_golden_blocks)
{
	golden_html("<div>a div</div><p>a paragraph</p><blockquote>A quotation long enough to wrap "
		    "inside its indents.</blockquote><hr><center>centred</center>"
		    "<pre>pre  keeps\n    its\tspaces</pre><div>line<br>break<br><br>blank above</div>"
		    "<p align=\"right\">aligned right</p>",
		    "html_blocks");
}
END_TEST

START_TEST(test_golden_table)
{
	golden_html("<table><tr><th>Name</th><th>Qty</th></tr><tr><td>apples</td><td>3</td></tr>"
		    "<tr><td>pears</td><td>12</td></tr></table><p>after</p>",
		    "html_table");
}
END_TEST

START_TEST(test_golden_css)
{
	golden_html("<p style=\"font-size: 16px; text-align: right\">16px right</p>"
		    "<p style=\"font-size:2em;font-weight:bold;margin:0\">2em bold</p>"
		    "<p style=\"font-family: Georgia, serif; font-style: italic\">serif italic</p>"
		    "<p style=\"font-family: 'Courier New', monospace; text-align:center\">monospace</p>"
		    "<p style=\"text-transform: uppercase\">upper case</p>"
		    "<p style=\"text-transform: capitalize\">capitalize each word</p>"
		    "<div style=\"margin-top: 40px; padding-bottom: 20px; font-weight: 300\">margins</div>"
		    "<div style=\"display:none\">hidden</div>"
		    "<p style=\"font-size: 12pt; text-decoration: underline; text-align: justify\">"
		    "Justified text of twelve points that runs over a few lines to show the spacing.</p>"
		    "<span style=\"font-size: 1e9px; font-weight: 99999; margin: nan\">hostile values</span>",
		    "html_css");
}
END_TEST

START_TEST(test_golden_broken_html)
{
	golden_html("<p><b>unclosed <i>tags</p></b> <div <<>> &bogus; &amp; &lt;x&gt; &#9731; "
		    "</table></td><li>stray item<h1>heading inside li <p>para in h1"
		    "<![CDATA[cdata]]><!-- comment --> <tr><td>cell</td> trailing </html> after the end",
		    "html_broken");
}
END_TEST

/* HTML with a data: URI image of the given bytes, width and alignment. */
static char *img_html(const uint8_t *png, size_t len, const char *attrs, const char *before)
{
	char *b64 = base64_encode_alloc(png, len);
	size_t size = strlen(b64) + strlen(attrs) + strlen(before) + 128;
	char *html = malloc(size);

	snprintf(html, size, "%s<img %s src=\"data:image/png;base64,%s\"><p>after</p>", before, attrs,
		 b64);
	free(b64);
	return html;
}

START_TEST(test_golden_html_images)
{
	size_t len;
	uint8_t *png = make_frame_png(40, 30, &len);
	char *a = img_html(png, len, "", "<p>natural size</p>");
	char *b = img_html(png, len, "style=\"width: 50%\"", "<center><p>half width, centred</p>");
	char *c = img_html(png, len, "width=\"100\" height=\"20\"", "<p>100 x 20</p>");
	GString *all = g_string_new(NULL);

	g_string_append(all, a);
	g_string_append(all, b);
	g_string_append(all, "</center>");
	g_string_append(all, c);
	/* Nothing is fetched: other URIs are left out. */
	g_string_append(all, "<img src=\"file:///etc/passwd\"><img src=\"http://127.0.0.1/x.png\">"
			     "<img src=\"data:image/png;base64,AAAA\"><img src=\"data:,notanimage\">");
	golden_html(all->str, "html_images");
	g_string_free(all, TRUE);
	free(a);
	free(b);
	free(c);
	free(png);
}
END_TEST

START_TEST(test_golden_grey_ramp)
{
	size_t len;
	uint8_t *png = make_ramp_png(256, 64, &len);
	struct bitmap *bm = render_ok(RENDER_IMAGE, (const char *)png, len, NULL, NULL, NULL);
	int x, y, black_left = 0, black_right = 0;

	/* An image alone fills the width; dark on the left, light on the right. */
	ck_assert_int_eq(bm->height, 96);
	for (y = 0; y < bm->height; y++)
		for (x = 0; x < 64; x++) {
			black_left += bitmap_get(bm, x, y);
			black_right += bitmap_get(bm, PRINTER_WIDTH - 1 - x, y);
		}
	ck_assert_int_gt(black_left, 64 * 96 * 3 / 4);
	ck_assert_int_lt(black_right, 64 * 96 / 4);
	check_golden(bm, "image_grey_ramp");
	bitmap_free(bm);
	free(png);
}
END_TEST

START_TEST(test_golden_image_scaling)
{
	struct render_options o = { "me", PORK_CHOPS_TIME, "UTC", 1, NULL, 0 };
	size_t len;
	uint8_t *png = make_frame_png(48, 24, &len);
	struct bitmap *bm = render_ok(RENDER_IMAGE, (const char *)png, len, &o, NULL, NULL);

	check_golden(bm, "image_scaled_template");
	bitmap_free(bm);
	free(png);
}
END_TEST

/* A JPEG sent as image/png is still a JPEG: the format comes from the bytes. */
START_TEST(test_png_labelled_jpeg)
{
	size_t len;
	uint8_t *jpeg = make_jpeg(96, 64, &len);
	enum render_kind kind = RENDER_TEXT;
	struct bitmap *bm;

	ck_assert_int_eq(render_kind_from_mime("image/png", &kind), 0);
	ck_assert_int_eq(kind, RENDER_IMAGE);
	bm = render_ok(kind, (const char *)jpeg, len, NULL, NULL, NULL);
	ck_assert_int_eq(bm->height, 256);
	check_golden(bm, "image_png_labelled_jpeg");
	bitmap_free(bm);
	free(jpeg);
}
END_TEST

START_TEST(test_bad_images)
{
	char msg[SIRIUS_ERROR_MAX];
	static const char text[] = "this is not an image";
	static const uint8_t truncated_png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0 };

	ck_assert_int_eq(render_status_of(RENDER_IMAGE, text, sizeof(text) - 1, NULL, msg, sizeof(msg)),
			 RENDER_BAD_IMAGE);
	ck_assert_int_eq(render_status_of(RENDER_IMAGE, truncated_png, sizeof(truncated_png), NULL, msg,
					  sizeof(msg)),
			 RENDER_BAD_IMAGE);
	ck_assert_int_eq(render_status_of(RENDER_IMAGE, "", 0, NULL, msg, sizeof(msg)), RENDER_BAD_IMAGE);
}
END_TEST

START_TEST(test_kind_from_mime)
{
	static const struct {
		const char *type; /* a Content-Type */
		int ok;                /* 0 when it maps to kind */
		enum render_kind kind; /* the kind it maps to */
	} cases[] = {
		{ "text/html", 0, RENDER_HTML },
		{ "TEXT/HTML; charset=utf-8", 0, RENDER_HTML },
		{ " text/html ;charset=x", 0, RENDER_HTML },
		{ "text/plain", 0, RENDER_TEXT },
		{ "text/markdown; charset=utf-8", 0, RENDER_TEXT },
		{ "image/png", 0, RENDER_IMAGE },
		{ "image/jpeg", 0, RENDER_IMAGE },
		{ "Image/GIF", 0, RENDER_IMAGE },
		{ "text/htmlx", 0, RENDER_TEXT },
		{ "application/json", -1, RENDER_TEXT },
		{ "text", -1, RENDER_TEXT },
		{ "text/", -1, RENDER_TEXT },
		{ "/html", -1, RENDER_TEXT },
		{ "image", -1, RENDER_TEXT },
		{ "", -1, RENDER_TEXT },
		{ "texts/html", -1, RENDER_TEXT },
	};
	size_t i;

	ck_assert_int_eq(render_kind_from_mime(NULL, NULL), -1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum render_kind kind = (enum render_kind)99;

		ck_assert_msg(render_kind_from_mime(cases[i].type, &kind) == cases[i].ok, "%s",
			      cases[i].type);
		if (cases[i].ok == 0)
			ck_assert_msg(kind == cases[i].kind, "%s", cases[i].type);
	}
}
END_TEST

START_TEST(test_status_names)
{
	int i, j;

	for (i = RENDER_OK; i <= RENDER_NO_MEMORY; i++) {
		ck_assert_str_ne(render_status_name((enum render_status)i), "unknown");
		for (j = RENDER_OK; j < i; j++)
			ck_assert_str_ne(render_status_name((enum render_status)i),
					 render_status_name((enum render_status)j));
	}
	ck_assert_str_eq(render_status_name(RENDER_OK), "ok");
	ck_assert_str_eq(render_status_name((enum render_status)1000), "unknown");
}
END_TEST

START_TEST(test_limit_body_size)
{
	struct render_limits l;
	char msg[SIRIUS_ERROR_MAX];
	char *big;
	size_t len;
	uint8_t *png = make_ramp_png(16, 16, &len);

	render_limits_default(&l);
	ck_assert_uint_eq(l.max_body_bytes, 1024 * 1024);
	ck_assert_uint_eq(l.max_image_bytes, 10 * 1024 * 1024);
	big = malloc(l.max_body_bytes + 1);
	memset(big, 'a', l.max_body_bytes + 1);
	ck_assert_int_eq(render_status_of(RENDER_TEXT, big, l.max_body_bytes + 1, &l, msg, sizeof(msg)),
			 RENDER_BODY_TOO_LARGE);
	ck_assert_ptr_nonnull(strstr(msg, "1048576"));
	ck_assert_int_eq(render_status_of(RENDER_HTML, big, l.max_body_bytes + 1, &l, msg, sizeof(msg)),
			 RENDER_BODY_TOO_LARGE);
	l.max_image_bytes = len - 1;
	ck_assert_int_eq(render_status_of(RENDER_IMAGE, png, len, &l, msg, sizeof(msg)),
			 RENDER_BODY_TOO_LARGE);
	l.max_image_bytes = len;
	ck_assert_int_eq(render_status_of(RENDER_IMAGE, png, len, &l, msg, sizeof(msg)), RENDER_OK);
	free(big);
	free(png);
}
END_TEST

START_TEST(test_limit_image_pixels)
{
	struct render_limits l;
	char msg[SIRIUS_ERROR_MAX];
	size_t len;
	uint8_t *png = make_ramp_png(100, 100, &len);
	char *html = img_html(png, len, "", "");
	GString *two = g_string_new(html);

	render_limits_default(&l);
	l.max_image_pixels = 9999;
	ck_assert_int_eq(render_status_of(RENDER_IMAGE, png, len, &l, msg, sizeof(msg)),
			 RENDER_IMAGE_TOO_LARGE);
	ck_assert_ptr_nonnull(strstr(msg, "9999"));
	ck_assert_int_eq(render_status_of(RENDER_HTML, html, strlen(html), &l, msg, sizeof(msg)),
			 RENDER_IMAGE_TOO_LARGE);
	/* The budget is for all images of a message together. */
	l.max_image_pixels = 15000;
	ck_assert_int_eq(render_status_of(RENDER_HTML, html, strlen(html), &l, msg, sizeof(msg)),
			 RENDER_OK);
	g_string_append(two, html);
	ck_assert_int_eq(render_status_of(RENDER_HTML, two->str, two->len, &l, msg, sizeof(msg)),
			 RENDER_IMAGE_TOO_LARGE);
	g_string_free(two, TRUE);
	free(html);
	free(png);
}
END_TEST

START_TEST(test_limit_depth)
{
	struct render_limits l;
	char msg[SIRIUS_ERROR_MAX];
	GString *html = g_string_new(NULL);
	enum render_status st;
	int i;

	render_limits_default(&l);
	for (i = 0; i < l.max_depth; i++)
		g_string_append(html, "<span>");
	g_string_append(html, "deep");
	ck_assert_int_eq(render_status_of(RENDER_HTML, html->str, html->len, &l, msg, sizeof(msg)),
			 RENDER_OK);
	g_string_prepend(html, "<div>");
	ck_assert_int_eq(render_status_of(RENDER_HTML, html->str, html->len, &l, msg, sizeof(msg)),
			 RENDER_TOO_DEEP);
	ck_assert_ptr_nonnull(strstr(msg, "64"));
	/* Far deeper than any parser limit, in well under the body limit. */
	g_string_truncate(html, 0);
	for (i = 0; i < 100000; i++)
		g_string_append(html, "<b>");
	ck_assert_int_eq(render_status_of(RENDER_HTML, html->str, html->len, &l, msg, sizeof(msg)),
			 RENDER_TOO_DEEP);
	/*
	 * A limit above the cap is the cap. (libxml2 itself stops nesting at 256
	 * levels, so such a tree renders: either way nothing overflows.)
	 */
	l.max_depth = 1 << 30;
	st = render_status_of(RENDER_HTML, html->str, html->len, &l, msg, sizeof(msg));
	ck_assert_msg(st == RENDER_OK || (st == RENDER_TOO_DEEP && strstr(msg, "1000")), "%s: %s",
		      render_status_name(st), msg);
	g_string_free(html, TRUE);
}
END_TEST

START_TEST(test_limit_elements)
{
	struct render_limits l;
	char msg[SIRIUS_ERROR_MAX];
	GString *html = g_string_new(NULL);
	int i;

	render_limits_default(&l);
	for (i = 0; i < l.max_elements; i++)
		g_string_append(html, "<br>");
	ck_assert_int_eq(render_status_of(RENDER_HTML, html->str, html->len, &l, msg, sizeof(msg)),
			 RENDER_OK);
	g_string_append(html, "<i>");
	ck_assert_int_eq(render_status_of(RENDER_HTML, html->str, html->len, &l, msg, sizeof(msg)),
			 RENDER_TOO_MANY_ELEMENTS);
	ck_assert_ptr_nonnull(strstr(msg, "5000"));
	g_string_free(html, TRUE);
}
END_TEST

START_TEST(test_limit_time)
{
	struct render_limits l;
	char msg[SIRIUS_ERROR_MAX];
	GString *html = g_string_new(NULL);
	int i;

	render_limits_default(&l);
	for (i = 0; i < 2000; i++)
		g_string_append_printf(html, "<p>paragraph %d with <b>some</b> words to lay out</p>", i);
	l.max_millis = 1;
	ck_assert_int_eq(render_status_of(RENDER_HTML, html->str, html->len, &l, msg, sizeof(msg)),
			 RENDER_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(msg, "1 ms"));
	ck_assert_int_eq(render_status_of(RENDER_TEXT, html->str, html->len, &l, msg, sizeof(msg)),
			 RENDER_TIMEOUT);
	g_string_free(html, TRUE);
}
END_TEST

/* SIRIUS_RENDER_SECONDS sets the default time budget; nonsense keeps 2 s, and a huge value stops at the cap. */
START_TEST(test_limit_millis_setting)
{
	static const struct {
		const char *value;
		int millis;
	} cases[] = {
		{ "5", 5000 },
		{ "3600", 3600 * 1000 },
		{ "3601", RENDER_MAX_SECONDS * 1000 },
		{ "99999999999999999999", RENDER_MAX_SECONDS * 1000 },
		{ "0", RENDER_DEFAULT_MILLIS },
		{ "-3", RENDER_DEFAULT_MILLIS },
		{ "2s", RENDER_DEFAULT_MILLIS },
		{ "", RENDER_DEFAULT_MILLIS },
	};
	char *saved = getenv("SIRIUS_RENDER_SECONDS") ? strdup(getenv("SIRIUS_RENDER_SECONDS")) : NULL;
	struct render_limits l;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setenv("SIRIUS_RENDER_SECONDS", cases[i].value, 1);
		render_limits_default(&l);
		ck_assert_msg(l.max_millis == cases[i].millis, "\"%s\": %d ms", cases[i].value, l.max_millis);
	}
	unsetenv("SIRIUS_RENDER_SECONDS");
	render_limits_default(&l);
	ck_assert_int_eq(l.max_millis, RENDER_DEFAULT_MILLIS);
	ck_assert_int_eq(RENDER_DEFAULT_MILLIS, 2000);
	if (saved)
		setenv("SIRIUS_RENDER_SECONDS", saved, 1);
	free(saved);
}
END_TEST

START_TEST(test_limit_rows)
{
	struct render_limits l;
	GString *text = g_string_new(NULL);
	struct bitmap *bm;
	int truncated = -1, i;

	render_limits_default(&l);
	for (i = 0; i < 400; i++)
		g_string_append_printf(text, "line %d\n", i);
	bm = render_ok(RENDER_TEXT, text->str, text->len, NULL, &l, &truncated);
	ck_assert_int_eq(bm->height, l.max_rows);
	ck_assert_int_eq(truncated, 1);
	bitmap_free(bm);
	l.max_rows = 100;
	bm = render_ok(RENDER_HTML, text->str, text->len, NULL, &l, &truncated);
	ck_assert_int_eq(bm->height, 100);
	ck_assert_int_eq(truncated, 1);
	bitmap_free(bm);
	bm = render_ok(RENDER_TEXT, "short", 5, NULL, &l, &truncated);
	ck_assert_int_lt(bm->height, 100);
	ck_assert_int_eq(truncated, 0);
	bitmap_free(bm);
	g_string_free(text, TRUE);
}
END_TEST

START_TEST(test_bad_input)
{
	struct render_limits l;
	char msg[SIRIUS_ERROR_MAX];

	render_limits_default(&l);
	ck_assert_int_eq(render_status_of(RENDER_TEXT, NULL, 5, &l, msg, sizeof(msg)), RENDER_BAD_INPUT);
	ck_assert_int_eq(render_status_of((enum render_kind)7, "x", 1, &l, msg, sizeof(msg)),
			 RENDER_BAD_INPUT);
	l.max_rows = 0;
	ck_assert_int_eq(render_status_of(RENDER_TEXT, "x", 1, &l, msg, sizeof(msg)), RENDER_BAD_INPUT);
}
END_TEST

START_TEST(test_hidden_content)
{
	struct bitmap *empty = render_html("");
	struct bitmap *hidden = render_html("<head><title>t</title><style>p{}</style></head>"
					    "<script>document.write('x')</script><template>t</template>"
					    "<div style=\"display: none\">none</div>");

	ck_assert_int_eq(empty->height, 1);
	ck_assert(all_white(empty));
	ck_assert(bitmap_equal(empty, hidden));
	bitmap_free(empty);
	bitmap_free(hidden);
}
END_TEST

START_TEST(test_deterministic)
{
	const char *html = "<h1>Same</h1><p>twice <i>over</i></p><ul><li>a</li></ul>";
	struct bitmap *a = render_html(html);
	struct bitmap *b = render_html(html);

	ck_assert(bitmap_equal(a, b));
	ck_assert(!all_white(a));
	bitmap_free(a);
	bitmap_free(b);
}
END_TEST

/*
 * Releasing the fonts (at a program's exit) frees the font map, even just
 * after a size never used before (Pango sorts its fonts in threads that
 * hold the map), and leaves nothing behind that the next render would trip on.
 */
START_TEST(test_fonts_released_and_loaded_again)
{
	struct render_options o = { "@notjosh", PORK_CHOPS_TIME, "Europe/London", 1, NULL, 0 };
	struct bitmap *before = render_ok(RENDER_TEXT, "pork chops", 10, &o, NULL, NULL), *after;
	gpointer map = pango_cairo_font_map_get_default();

	g_object_add_weak_pointer(G_OBJECT(map), &map);
	bitmap_free(render_html("<p style=\"font-size:41px\">a size of its own</p>"));
	render_release_fonts();
	ck_assert_msg(map == NULL, "the font map outlived the release");
	render_release_fonts(); /* a second time: nothing left to release */
	after = render_ok(RENDER_TEXT, "pork chops", 10, &o, NULL, NULL);
	ck_assert(bitmap_equal(before, after));
	check_golden(after, "template_pork_chops");
	bitmap_free(before);
	bitmap_free(after);
}
END_TEST

START_TEST(test_external_renderer)
{
	char cmd[4096];
	struct render_options o = { NULL, 0, NULL, 0, cmd, 0 };
	struct bitmap *native = render_html("<p>native</p>");
	struct bitmap *bm;
	size_t len;
	uint8_t *png = make_frame_png(PRINTER_WIDTH, 50, &len);
	FILE *f = fopen("external_frame.png", "wb");

	/* A renderer that fails: the native renderer steps in. */
	snprintf(cmd, sizeof(cmd), "false");
	bm = render_ok(RENDER_HTML, "<p>native</p>", 13, &o, NULL, NULL);
	ck_assert(bitmap_equal(bm, native));
	bitmap_free(bm);
	snprintf(cmd, sizeof(cmd), "/nonexistent/renderer --flag");
	bm = render_ok(RENDER_HTML, "<p>native</p>", 13, &o, NULL, NULL);
	ck_assert(bitmap_equal(bm, native));
	bitmap_free(bm);

	/* A renderer that works: its picture is the print. */
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(png, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "sh -c 'cat >/dev/null; cat external_frame.png'");
	bm = render_ok(RENDER_HTML, "<p>native</p>", 13, &o, NULL, NULL);
	ck_assert_int_eq(bm->height, 50);
	ck_assert_int_eq(bitmap_get(bm, 0, 0), 1);
	ck_assert_int_eq(bitmap_get(bm, 10, 20), 0);
	bitmap_free(bm);
	remove("external_frame.png");
	bitmap_free(native);
	free(png);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("render");
	TCase *golden = tcase_create("golden");
	TCase *api = tcase_create("api");
	TCase *limits = tcase_create("limits");

	tcase_set_timeout(golden, 60);
	tcase_set_timeout(api, 60);
	tcase_set_timeout(limits, 120);
	tcase_add_test(golden, test_golden_text_wrap);
	tcase_add_test(golden, test_golden_template_header);
	tcase_add_test(golden, test_template_matches_real_print);
	tcase_add_test(golden, test_template_zone_and_sender);
	tcase_add_test(golden, test_golden_headings);
	tcase_add_test(golden, test_golden_inline);
	tcase_add_test(golden, test_golden_lists);
	tcase_add_test(golden, test_golden_blocks);
	tcase_add_test(golden, test_golden_table);
	tcase_add_test(golden, test_golden_css);
	tcase_add_test(golden, test_golden_broken_html);
	tcase_add_test(golden, test_golden_html_images);
	tcase_add_test(golden, test_golden_grey_ramp);
	tcase_add_test(golden, test_golden_image_scaling);
	tcase_add_test(golden, test_png_labelled_jpeg);
	suite_add_tcase(s, golden);
	tcase_add_test(api, test_bad_images);
	tcase_add_test(api, test_kind_from_mime);
	tcase_add_test(api, test_status_names);
	tcase_add_test(api, test_bad_input);
	tcase_add_test(api, test_hidden_content);
	tcase_add_test(api, test_deterministic);
	tcase_add_test(api, test_fonts_released_and_loaded_again);
	tcase_add_test(api, test_external_renderer);
	suite_add_tcase(s, api);
	tcase_add_test(limits, test_limit_body_size);
	tcase_add_test(limits, test_limit_millis_setting);
	tcase_add_test(limits, test_limit_image_pixels);
	tcase_add_test(limits, test_limit_depth);
	tcase_add_test(limits, test_limit_elements);
	tcase_add_test(limits, test_limit_time);
	tcase_add_test(limits, test_limit_rows);
	suite_add_tcase(s, limits);
	return run_suite(s);
}
