/*
 * bench_render.c: render times of typical messages, natively and through wkhtmltoimage when installed (figures only).
 * With --write-cases DIR it writes each case instead (N.body, N.html, N.type, N.name) for tests/bench/renderers.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <jpeglib.h>

#include "base64.h"
#include "render.h"

/* One benchmark input. */
struct bench_case {
	const char *name;      /* what it is */
	enum render_kind kind; /* how it is rendered */
	uint8_t *data;         /* the body (owned) */
	size_t len;            /* its length */
	char *as_html;         /* the same content as an HTML page, for wkhtmltoimage (owned) */
	int runs;              /* how many timed renders */
};

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of n sorted samples. */
static double quantile(const double *sorted, int n, double q)
{
	int i = (int)(q * (n - 1) + 0.5);

	return sorted[i < n ? i : n - 1];
}

/* A 1600x1200 photograph-like JPEG (smooth shading with detail and noise), malloc'd by libjpeg. */
static uint8_t *make_photo(size_t *len)
{
	const int w = 1600, h = 1200;
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr jerr;
	unsigned char *out = NULL;
	unsigned long out_len = 0;
	unsigned char *row = malloc((size_t)w * 3);
	uint32_t seed = 12345;
	int x;

	c.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &out, &out_len);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 85, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		int y = (int)c.next_scanline;

		for (x = 0; x < w; x++) {
			int dx = x - w / 2, dy = y - h / 3;
			int v = 255 - (dx * dx + dy * dy) / 4000;

			seed = seed * 1103515245u + 12345u;
			v += (int)((seed >> 16) % 32) - 16 + ((x / 40 + y / 40) % 2) * 20;
			v = v < 0 ? 0 : v > 255 ? 255 : v;
			row[x * 3] = (unsigned char)v;
			row[x * 3 + 1] = (unsigned char)(v * 3 / 4);
			row[x * 3 + 2] = (unsigned char)(255 - v / 2);
		}
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(row);
	*len = out_len;
	return out;
}

/* Times case->runs renders of a case; prints median and p99 in ms; returns the median. */
static double bench_native(const struct bench_case *bc)
{
	struct render_options options = { "bench", 1568415060, "UTC", 1, NULL, 0 };
	struct render_limits limits;
	double *ms = calloc((size_t)bc->runs, sizeof(double));
	double median;
	int i, rows = 0, truncated = 0;

	render_limits_default(&limits);
	limits.max_millis = 60000;
	for (i = 0; i < bc->runs; i++) {
		struct render_result result;
		struct sirius_error err;
		gint64 t0 = g_get_monotonic_time();
		enum render_status st =
			render_message(bc->kind, bc->data, bc->len, &options, &limits, &result, &err);

		ms[i] = (double)(g_get_monotonic_time() - t0) / 1000.0;
		if (st != RENDER_OK) {
			printf("%-34s failed: %s: %s\n", bc->name, render_status_name(st), err.message);
			free(ms);
			return -1;
		}
		rows = result.bitmap->height;
		truncated = result.truncated;
		bitmap_free(result.bitmap);
	}
	qsort(ms, (size_t)bc->runs, sizeof(double), compare_double);
	median = quantile(ms, bc->runs, 0.5);
	printf("%-34s native  median %8.2f ms  p99 %8.2f ms  (%d runs, %d rows%s)\n", bc->name, median,
	       quantile(ms, bc->runs, 0.99), bc->runs, rows, truncated ? ", cut" : "");
	free(ms);
	return median;
}

/* Times wkhtmltoimage on a case's HTML; prints median and p99 and the ratio to native. */
static void bench_wkhtml(const char *wk, const struct bench_case *bc, double native_median)
{
	gchar *dir = g_dir_make_tmp(NULL, NULL);
	char in[4096], out[4096];
	int runs = bc->runs < 5 ? bc->runs : 5, i;
	double ms[5], median;

	if (!dir)
		return;
	snprintf(in, sizeof(in), "%s/in.html", dir);
	snprintf(out, sizeof(out), "%s/out.png", dir);
	if (!g_file_set_contents(in, bc->as_html, -1, NULL))
		goto out;
	for (i = 0; i < runs; i++) {
		const char *argv[] = { wk, "--quiet", "--width", "384", "--disable-javascript",
				       "--format", "png", in, out, NULL };
		gint status = -1;
		gint64 t0 = g_get_monotonic_time();

		if (!g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
				  G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL) ||
		    status != 0) {
			printf("%-34s wkhtmltoimage failed\n", bc->name);
			goto out;
		}
		ms[i] = (double)(g_get_monotonic_time() - t0) / 1000.0;
	}
	qsort(ms, (size_t)runs, sizeof(double), compare_double);
	median = quantile(ms, runs, 0.5);
	printf("%-34s wkhtml  median %8.2f ms  p99 %8.2f ms  (%d runs)  %.0fx the native time\n",
	       bc->name, median, quantile(ms, runs, 0.99), runs,
	       native_median > 0 ? median / native_median : 0.0);
out:
	remove(in);
	remove(out);
	g_rmdir(dir);
	g_free(dir);
}

/* Writes one case's files into dir; returns 0, or -1 after saying why. */
static int write_case(const char *dir, int n, const struct bench_case *bc)
{
	static const char *const types[] = { [RENDER_TEXT] = "text/plain", [RENDER_HTML] = "text/html",
					     [RENDER_IMAGE] = "image/jpeg" };
	const char *type = (size_t)bc->kind < G_N_ELEMENTS(types) && types[bc->kind] ? types[bc->kind] : NULL;
	GError *gerr = NULL;
	gchar *path;
	int ok;

	if (!type) {
		fprintf(stderr, "bench_render: case %s has no content type\n", bc->name);
		return -1;
	}
#define WRITE(ext, data, len) \
	path = g_strdup_printf("%s/%d.%s", dir, n, ext); \
	ok = g_file_set_contents(path, (const gchar *)(data), (gssize)(len), &gerr); \
	g_free(path); \
	if (!ok) { \
		fprintf(stderr, "bench_render: %s\n", gerr->message); \
		g_error_free(gerr); \
		return -1; \
	}
	WRITE("body", bc->data, bc->len)
	WRITE("html", bc->as_html, strlen(bc->as_html))
	WRITE("type", type, strlen(type))
	WRITE("name", bc->name, strlen(bc->name))
#undef WRITE
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_case cases[4];
	GString *s = g_string_new(NULL);
	GString *page = g_string_new(NULL);
	gchar *wk = g_find_program_in_path("wkhtmltoimage");
	size_t photo_len, i;
	uint8_t *photo = make_photo(&photo_len);
	char *b64 = base64_encode_alloc(photo, photo_len);
	int line;

	cases[0].name = "short text message";
	cases[0].kind = RENDER_TEXT;
	cases[0].data = (uint8_t *)g_strdup("Don't forget the milk!");
	cases[0].len = strlen((char *)cases[0].data);
	cases[0].as_html = g_strdup("<body style=\"margin:0;font:30px sans-serif\">Don't forget the milk!");
	cases[0].runs = 200;

	g_string_append(s, "<h1>Shopping</h1><p>For the <b>weekend</b>, and <i>soon</i>:</p><ul>");
	for (line = 0; line < 12; line++)
		g_string_append_printf(s, "<li>item number %d</li>", line + 1);
	g_string_append(s, "</ul><h2>Notes</h2><p>Remember the bags.</p><h3>Later</h3>"
			   "<p>Call <u>Alice</u>.</p><p>Done.</p>");
	cases[1].name = "20-line HTML, headings and a list";
	cases[1].kind = RENDER_HTML;
	cases[1].data = (uint8_t *)g_strdup(s->str);
	cases[1].len = s->len;
	cases[1].as_html = g_strdup_printf("<body style=\"margin:0;font:30px sans-serif\">%s", s->str);
	cases[1].runs = 200;

	cases[2].name = "1600x1200 JPEG photo";
	cases[2].kind = RENDER_IMAGE;
	cases[2].data = photo;
	cases[2].len = photo_len;
	cases[2].as_html = g_strdup_printf("<body style=\"margin:0\"><img style=\"width:100%%\" "
					   "src=\"data:image/jpeg;base64,%s\">",
					   b64);
	cases[2].runs = 30;

	g_string_truncate(s, 0);
	for (line = 0; line < 400; line++)
		g_string_append_printf(s, "line %d of a message long enough to be cut\n", line);
	cases[3].name = "10,000-row message";
	cases[3].kind = RENDER_TEXT;
	cases[3].data = (uint8_t *)g_strdup(s->str);
	cases[3].len = s->len;
	g_string_append(page, "<body style=\"margin:0;font:30px sans-serif;white-space:pre-wrap\">");
	g_string_append(page, s->str);
	cases[3].as_html = g_strdup(page->str);
	cases[3].runs = 20;

	if (argc == 3 && strcmp(argv[1], "--write-cases") == 0) {
		int rc = 0;

		for (i = 0; i < G_N_ELEMENTS(cases) && rc == 0; i++)
			rc = write_case(argv[2], (int)i, &cases[i]);
		return rc ? 1 : 0;
	}
	printf("render benchmark (times include the page template and dithering)\n");
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		double median = bench_native(&cases[i]);

		if (wk)
			bench_wkhtml(wk, &cases[i], median);
	}
	if (!wk)
		printf("wkhtmltoimage is not installed: no comparison with the browser renderer\n");
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		if (cases[i].kind == RENDER_IMAGE)
			free(cases[i].data);
		else
			g_free(cases[i].data);
		g_free(cases[i].as_html);
	}
	free(b64);
	g_free(wk);
	g_string_free(s, TRUE);
	g_string_free(page, TRUE);
	return 0;
}
