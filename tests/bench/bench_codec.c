/* bench_codec.c: times of the printer codec on a full 384 x 10,000 page: run-length code both ways and 1-bit PNG (figures only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "bitmap_png.h"
#include "dither.h"
#include "render.h"
#include "rle.h"

/* One page to time the codec on. */
struct page {
	const char *name;  /* what it is */
	struct bitmap *bm; /* 384 x 10,000 */
	uint8_t *code;     /* its run-length code */
	size_t code_len;   /* bytes of code */
	uint8_t *png;      /* its 1-bit PNG */
	size_t png_len;    /* bytes of PNG */
	struct greymap *grey; /* what it was dithered from, if it was */
};

/* What one timed run does; returns 0, or -1 after saying why. */
typedef int (*bench_fn)(struct page *page);

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

static int run_encode(struct page *page)
{
	struct sirius_error err;
	uint8_t *code;
	size_t len;

	if (rle_encode_bitmap(page->bm, &code, &len, &err) < 0) {
		printf("encode failed: %s\n", err.message);
		return -1;
	}
	free(code);
	return 0;
}

static int run_dither(struct page *page)
{
	struct bitmap *bm = dither_floyd_steinberg(page->grey);

	if (!bm) {
		printf("dither failed\n");
		return -1;
	}
	bitmap_free(bm);
	return 0;
}

static int run_decode(struct page *page)
{
	struct sirius_error err;
	struct bitmap *bm = rle_decode_bitmap(page->code, page->code_len, PRINTER_WIDTH,
					      (size_t)PRINTER_WIDTH * PRINTER_MAX_ROWS, &err);

	if (!bm) {
		printf("decode failed: %s\n", err.message);
		return -1;
	}
	bitmap_free(bm);
	return 0;
}

static int run_png_read(struct page *page)
{
	struct sirius_error err;
	struct bitmap *bm = png_read_bitmap(page->png, page->png_len, BITMAP_MAX_PIXELS, &err);

	if (!bm) {
		printf("PNG read failed: %s\n", err.message);
		return -1;
	}
	bitmap_free(bm);
	return 0;
}

static int run_png_write(struct page *page)
{
	struct sirius_error err;
	uint8_t *png;
	size_t len;

	if (png_write_bitmap(page->bm, &png, &len, &err) < 0) {
		printf("PNG write failed: %s\n", err.message);
		return -1;
	}
	free(png);
	return 0;
}

/*
 * Times runs calls of fn on page in CPU time of this thread (a busy machine
 * does not inflate it); prints the median and p99 in ms and the target when
 * there is one.
 */
static void bench(const char *what, struct page *page, bench_fn fn, int runs, double target_ms)
{
	double *ms = calloc((size_t)runs, sizeof(double));
	double median, p99;
	int i;

	if (!ms)
		return;
	for (i = 0; i < runs; i++) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
		if (fn(page) < 0) {
			free(ms);
			return;
		}
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
		ms[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	}
	qsort(ms, (size_t)runs, sizeof(double), compare_double);
	median = quantile(ms, runs, 0.5);
	p99 = quantile(ms, runs, 0.99);
	printf("%-12s %-16s median %7.3f ms  p99 %7.3f ms  (%d runs)", what, page->name, median, p99, runs);
	if (target_ms > 0)
		printf("  target %.0f ms: %s", target_ms, median < target_ms ? "met" : "MISSED");
	printf("\n");
	free(ms);
}

/* A page of rendered text: as many lines as fill 10,000 rows, without the template. */
static struct bitmap *text_page(void)
{
	struct render_limits limits;
	struct render_result result;
	struct sirius_error err;
	struct bitmap *bm;
	GString *s = g_string_new(NULL);
	int line, y;

	for (line = 0; line < 600; line++)
		g_string_append_printf(s, "Line %d: the quick brown fox jumps over the lazy dog, twice.\n", line);
	render_limits_default(&limits);
	limits.max_rows = PRINTER_MAX_ROWS;
	limits.max_millis = 60000;
	if (render_message(RENDER_TEXT, (const uint8_t *)s->str, s->len, NULL, &limits, &result, &err) != RENDER_OK) {
		printf("rendering the text page failed: %s\n", err.message);
		g_string_free(s, TRUE);
		return NULL;
	}
	g_string_free(s, TRUE);
	/* Exactly 10,000 rows, whatever the font's line height made of it. */
	bm = bitmap_new(PRINTER_WIDTH, PRINTER_MAX_ROWS);
	if (bm)
		for (y = 0; y < result.bitmap->height && y < PRINTER_MAX_ROWS; y++)
			memcpy(bitmap_row(bm, y), bitmap_row(result.bitmap, y), bm->stride);
	bitmap_free(result.bitmap);
	return bm;
}

/* Random grey levels (kept in *grey) dithered: the worst case for the code, runs of one or two pixels. */
static struct bitmap *noise_page(struct greymap **grey)
{
	struct greymap *gm = greymap_new(PRINTER_WIDTH, PRINTER_MAX_ROWS);
	uint32_t seed = 2463534242u;
	size_t i;

	*grey = gm;
	if (!gm)
		return NULL;
	for (i = 0; i < (size_t)PRINTER_WIDTH * PRINTER_MAX_ROWS; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		gm->pixels[i] = (uint8_t)seed;
	}
	return dither_floyd_steinberg(gm);
}

/* Fills page's code and PNG from its bitmap; 0, or -1 after saying why. */
static int prepare(struct page *page)
{
	struct sirius_error err;

	if (!page->bm) {
		printf("%s: no bitmap\n", page->name);
		return -1;
	}
	if (rle_encode_bitmap(page->bm, &page->code, &page->code_len, &err) < 0 ||
	    png_write_bitmap(page->bm, &page->png, &page->png_len, &err) < 0) {
		printf("%s: %s\n", page->name, err.message);
		return -1;
	}
	printf("%-16s %zu black pixels of %zu, %zu bytes of run-length code, %zu bytes of PNG\n", page->name,
	       bitmap_count_black(page->bm), (size_t)PRINTER_WIDTH * PRINTER_MAX_ROWS, page->code_len,
	       page->png_len);
	return 0;
}

int main(int argc, char **argv)
{
	struct page pages[2] = { { "text page", NULL, NULL, 0, NULL, 0, NULL },
				 { "dither noise", NULL, NULL, 0, NULL, 0, NULL } };
	int scale = argc > 1 ? atoi(argv[1]) : 1, i;

	if (scale < 1)
		scale = 1;
	pages[0].bm = text_page();
	pages[1].bm = noise_page(&pages[1].grey);
	for (i = 0; i < 2; i++)
		if (prepare(&pages[i]) < 0)
			return 1;
	printf("codec benchmark, 384 x 10,000 pages (argument: a multiple of the runs)\n");
	bench("encode", &pages[0], run_encode, 200 * scale, 1);
	bench("encode", &pages[1], run_encode, 100 * scale, 4);
	bench("decode", &pages[0], run_decode, 200 * scale, 0);
	bench("decode", &pages[1], run_decode, 100 * scale, 0);
	bench("PNG read", &pages[0], run_png_read, 100 * scale, 5);
	bench("PNG write", &pages[0], run_png_write, 100 * scale, 5);
	bench("PNG read", &pages[1], run_png_read, 20 * scale, 0);
	bench("PNG write", &pages[1], run_png_write, 20 * scale, 0);
	bench("dither", &pages[1], run_dither, 10 * scale, 0);
	for (i = 0; i < 2; i++) {
		bitmap_free(pages[i].bm);
		free(pages[i].code);
		free(pages[i].png);
		greymap_free(pages[i].grey);
	}
	return 0;
}
