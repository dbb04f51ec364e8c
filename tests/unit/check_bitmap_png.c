/* check_bitmap_png.c: unit tests of reading and writing PNG, with test images made here by libpng. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <png.h>

#include "bitmap_png.h"
#include "test_util.h"

/* A PNG for a test to make: its header and its rows as PNG stores them. */
struct png_spec {
	int width;                        /* pixels per row */
	int height;                       /* rows */
	int bit_depth;                    /* 1, 2, 4, 8 or 16 */
	int color_type;                   /* PNG_COLOR_TYPE_... */
	int interlace;                    /* PNG_INTERLACE_NONE or PNG_INTERLACE_ADAM7 */
	const uint8_t *rows;              /* height rows of packed samples, rowbytes each */
	size_t rowbytes;                  /* bytes of one row at rows */
	const png_color *palette;         /* the PLTE entries, for a palette image */
	int palette_len;                  /* entries at palette */
	const uint8_t *trans;             /* tRNS alpha of the palette entries, or NULL */
	int trans_len;                    /* entries at trans */
	const png_color_16 *trans_colour; /* tRNS colour of a grey or RGB image, or NULL */
};

/* What writing a test PNG needs across libpng's setjmp. */
struct png_maker {
	png_structp png;                /* libpng's write state */
	png_infop info;                 /* the header */
	FILE *f;                        /* the memory stream written to */
	const struct png_spec *spec;    /* the image */
	png_bytep *row_pointers;        /* one pointer per row of spec->rows */
};

/* Writes the spec's image (inside make_png_run()'s setjmp). */
static void make_png_body(struct png_maker *m)
{
	const struct png_spec *s = m->spec;
	int y;

	png_init_io(m->png, m->f);
	png_set_IHDR(m->png, m->info, (png_uint_32)s->width, (png_uint_32)s->height, s->bit_depth, s->color_type,
		     s->interlace, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (s->palette)
		png_set_PLTE(m->png, m->info, s->palette, s->palette_len);
	if (s->trans || s->trans_colour)
		png_set_tRNS(m->png, m->info, s->trans, s->trans_len, s->trans_colour);
	png_write_info(m->png, m->info);
	for (y = 0; y < s->height; y++)
		m->row_pointers[y] = (png_bytep)(s->rows + (size_t)y * s->rowbytes);
	png_write_image(m->png, m->row_pointers);
	png_write_end(m->png, NULL);
}

/* Runs make_png_body() with libpng's errors caught; 0 or -1. */
static int make_png_run(struct png_maker *m)
{
	if (setjmp(png_jmpbuf(m->png)))
		return -1;
	make_png_body(m);
	return 0;
}

/* Makes a PNG in memory from spec; fails the test when libpng refuses. */
static uint8_t *make_png(const struct png_spec *spec, size_t *len)
{
	struct png_maker m;
	char *buf = NULL;
	size_t size = 0;
	int rc;

	memset(&m, 0, sizeof(m));
	m.spec = spec;
	m.f = open_memstream(&buf, &size);
	m.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	m.info = png_create_info_struct(m.png);
	m.row_pointers = calloc((size_t)spec->height, sizeof(png_bytep));
	ck_assert(m.f && m.png && m.info && m.row_pointers);
	rc = make_png_run(&m);
	png_destroy_write_struct(&m.png, &m.info);
	free(m.row_pointers);
	ck_assert_int_eq(fclose(m.f), 0);
	ck_assert_msg(rc == 0, "libpng could not make the test image");
	*len = size;
	return (uint8_t *)buf;
}

/* Reads a PNG made from spec and checks its grey pixels against want (width * height values). */
static void check_grey(const struct png_spec *spec, const uint8_t *want)
{
	struct sirius_error err = { "" };
	size_t len, i, n = (size_t)spec->width * (size_t)spec->height;
	uint8_t *png = make_png(spec, &len);
	struct greymap *gm = png_read_grey(png, len, n, &err);

	ck_assert_msg(gm != NULL, "refused: %s", err.message);
	ck_assert_int_eq(gm->width, spec->width);
	ck_assert_int_eq(gm->height, spec->height);
	for (i = 0; i < n; i++)
		ck_assert_msg(gm->pixels[i] == want[i], "pixel %zu is %u, want %u", i, gm->pixels[i], want[i]);
	greymap_free(gm);
	free(png);
}

START_TEST(test_one_bit_grey)
{
	/* 10 x 2: row 0 = 1010 0000 11, row 1 = all white. PNG 1 is white. */
	static const uint8_t rows[] = { 0xa0, 0xc0, 0xff, 0xc0 };
	static const uint8_t want_grey[] = {
		255, 0, 255, 0, 0, 0, 0, 0, 255, 255,
		255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	};
	struct png_spec s = { 10, 2, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, rows, 2, NULL, 0, NULL, 0, NULL };
	struct bitmap *bm;
	size_t len;
	uint8_t *png;

	check_grey(&s, want_grey);
	png = make_png(&s, &len);
	bm = png_read_bitmap(png, len, 20, NULL);
	ck_assert_ptr_nonnull(bm);
	ck_assert_uint_eq(bitmap_get(bm, 0, 0), 0);
	ck_assert_uint_eq(bitmap_get(bm, 1, 0), 1);
	ck_assert_uint_eq(bitmap_get(bm, 7, 0), 1);
	ck_assert_uint_eq(bitmap_get(bm, 8, 0), 0);
	ck_assert_uint_eq(bitmap_get(bm, 3, 1), 0);
	bitmap_free(bm);
	free(png);
}
END_TEST

START_TEST(test_low_depth_grey)
{
	static const uint8_t two_bit[] = { 0x1b };       /* 0, 1, 2, 3 */
	static const uint8_t four_bit[] = { 0x05, 0xaf }; /* 0, 5, 10, 15 */
	static const uint8_t want[] = { 0, 85, 170, 255 };
	struct png_spec s2 = { 4, 1, 2, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, two_bit, 1, NULL, 0, NULL, 0, NULL };
	struct png_spec s4 = { 4, 1, 4, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, four_bit, 2, NULL, 0, NULL, 0, NULL };

	check_grey(&s2, want);
	check_grey(&s4, want);
}
END_TEST

START_TEST(test_eight_and_sixteen_bit_grey)
{
	static const uint8_t eight[] = { 0, 100, 255 };
	static const uint8_t sixteen[] = { 0x80, 0x80, 0xff, 0xff, 0x12, 0x34, 0x00, 0x00 };
	static const uint8_t want16[] = { 128, 255, 18, 0 };
	struct png_spec s8 = { 3, 1, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, eight, 3, NULL, 0, NULL, 0, NULL };
	struct png_spec s16 = { 4, 1, 16, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, sixteen, 8, NULL, 0, NULL, 0, NULL };

	check_grey(&s8, eight);
	check_grey(&s16, want16);
}
END_TEST

START_TEST(test_grey_alpha_on_white)
{
	/* (grey, alpha) pairs: transparent, opaque black, half black, 100 at 20%. */
	static const uint8_t rows[] = { 0, 0, 0, 255, 0, 128, 100, 51 };
	static const uint8_t want[] = { 255, 0, 127, 224 };
	struct png_spec s = { 4, 1, 8, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_INTERLACE_NONE, rows, 8, NULL, 0, NULL, 0,
			      NULL };

	check_grey(&s, want);
}
END_TEST

START_TEST(test_grey_trns)
{
	/* Grey 0 is the transparent colour: it becomes white paper. */
	static const uint8_t rows[] = { 0, 100, 1 };
	static const uint8_t want[] = { 255, 100, 1 };
	png_color_16 trans = { 0, 0, 0, 0, 0 };
	struct png_spec s = { 3, 1, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, rows, 3, NULL, 0, NULL, 0, &trans };

	check_grey(&s, want);
}
END_TEST

START_TEST(test_rgb)
{
	static const uint8_t rows[] = { 255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30 };
	static const uint8_t want[] = { 76, 150, 29, 255, 18 };
	static const uint8_t rows16[] = { 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t want16[] = { 76, 255 };
	struct png_spec s = { 5, 1, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, rows, 15, NULL, 0, NULL, 0, NULL };
	struct png_spec s16 = { 2, 1, 16, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, rows16, 12, NULL, 0, NULL, 0, NULL };

	check_grey(&s, want);
	check_grey(&s16, want16);
}
END_TEST

START_TEST(test_rgba_on_white)
{
	static const uint8_t rows[] = { 255, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 128, 255, 0, 0, 128 };
	static const uint8_t want[] = { 255, 0, 255, 165 };
	struct png_spec s = { 4, 1, 8, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, rows, 16, NULL, 0, NULL, 0,
			      NULL };

	check_grey(&s, want);
}
END_TEST

START_TEST(test_palette)
{
	static const png_color palette[] = { { 0, 0, 0 }, { 255, 255, 255 }, { 255, 0, 0 }, { 128, 128, 128 } };
	static const uint8_t trans[] = { 255, 255, 0, 128 };
	static const uint8_t rows8[] = { 0, 1, 2, 3 };
	static const uint8_t want_trns[] = { 0, 255, 255, 191 };
	static const uint8_t rows2[] = { 0x1b };
	static const uint8_t want_plain[] = { 0, 255, 76, 128 };
	struct png_spec s8 = { 4, 1, 8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, rows8, 4, palette, 4, trans, 4,
			       NULL };
	struct png_spec s2 = { 4, 1, 2, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, rows2, 1, palette, 4, NULL, 0,
			       NULL };

	check_grey(&s8, want_trns);
	check_grey(&s2, want_plain);
}
END_TEST

START_TEST(test_interlaced)
{
	enum { W = 13, H = 11 };
	uint8_t grey[W * H], rgba[W * H * 4], want[W * H];
	struct png_spec sg = { W, H, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_ADAM7, grey, W, NULL, 0, NULL, 0, NULL };
	struct png_spec sa = { W, H, 8, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_ADAM7, rgba, W * 4, NULL, 0, NULL, 0,
			       NULL };
	int x, y;

	for (y = 0; y < H; y++) {
		for (x = 0; x < W; x++) {
			uint8_t v = (uint8_t)(x * 19 + y * 7);
			uint8_t *p = rgba + 4 * (y * W + x);

			grey[y * W + x] = v;
			/* Grey colour, opaque on even rows, transparent on odd ones. */
			p[0] = p[1] = p[2] = v;
			p[3] = y % 2 ? 0 : 255;
			want[y * W + x] = y % 2 ? 255 : v;
		}
	}
	check_grey(&sg, grey);
	check_grey(&sa, want);
}
END_TEST

/* A one-bit grey PNG of random rows, interlaced or not, for every width from 1 to 70: the direct path matches the grey one. */
START_TEST(test_one_bit_direct_matches_grey)
{
	uint32_t seed = 4242;
	int width, interlace;

	for (interlace = 0; interlace < 2; interlace++) {
		for (width = 1; width <= 70; width++) {
			int height = 1 + (int)(test_random(&seed) % 9), y;
			size_t rowbytes = ((size_t)width + 7) / 8, len, i;
			uint8_t *rows = malloc(rowbytes * (size_t)height), *png;
			struct png_spec s = { width, height, 1, PNG_COLOR_TYPE_GRAY,
					      interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
					      rows, rowbytes, NULL, 0, NULL, 0, NULL };
			struct bitmap *direct, *via_grey;
			struct greymap *gm;

			/* Random bits, padding included: the reader must clear it. */
			for (i = 0; i < rowbytes * (size_t)height; i++)
				rows[i] = (uint8_t)test_random(&seed);
			png = make_png(&s, &len);
			direct = png_read_bitmap(png, len, BITMAP_MAX_PIXELS, NULL);
			gm = png_read_grey(png, len, BITMAP_MAX_PIXELS, NULL);
			ck_assert(direct && gm);
			via_grey = bitmap_from_greymap_threshold(gm);
			ck_assert_msg(bitmap_equal(direct, via_grey), "width %d, interlace %d", width, interlace);
			for (y = 0; y < height; y++)
				ck_assert_uint_eq(bitmap_row(direct, y)[direct->stride - 1] &
							  (uint8_t)~bitmap_last_byte_mask(width), 0);
			bitmap_free(direct);
			bitmap_free(via_grey);
			greymap_free(gm);
			free(png);
			free(rows);
		}
	}
}
END_TEST

/* The RGBA pixel (x, y) of the large test image below. */
static void big_pixel(int x, int y, uint8_t *px)
{
	px[0] = (uint8_t)x;
	px[1] = (uint8_t)y;
	px[2] = (uint8_t)(x + y);
	px[3] = (uint8_t)(x * 3 + y * 5);
}

/* Writes an interlaced RGBA PNG of w x h, generating each row as libpng asks for it (inside setjmp). */
static void make_big_png_body(struct png_maker *m, int w, int h, uint8_t *row)
{
	int passes, pass, x, y;

	png_init_io(m->png, m->f);
	png_set_compression_level(m->png, 1);
	png_set_IHDR(m->png, m->info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_ADAM7,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(m->png, m->info);
	passes = png_set_interlace_handling(m->png);
	for (pass = 0; pass < passes; pass++) {
		for (y = 0; y < h; y++) {
			for (x = 0; x < w; x++)
				big_pixel(x, y, row + 4 * x);
			png_write_row(m->png, row);
		}
	}
	png_write_end(m->png, NULL);
}

/* Runs make_big_png_body() with libpng's errors caught; 0 or -1. */
static int make_big_png_run(struct png_maker *m, int w, int h, uint8_t *row)
{
	if (setjmp(png_jmpbuf(m->png)))
		return -1;
	make_big_png_body(m, w, h, row);
	return 0;
}

/* Makes the large interlaced RGBA test PNG; fails the test when libpng refuses. */
static uint8_t *make_big_png(int w, int h, size_t *len)
{
	struct png_maker m;
	char *buf = NULL;
	size_t size = 0;
	uint8_t *row = malloc((size_t)w * 4);
	int rc;

	memset(&m, 0, sizeof(m));
	m.f = open_memstream(&buf, &size);
	m.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	m.info = png_create_info_struct(m.png);
	ck_assert(m.f && m.png && m.info && row);
	rc = make_big_png_run(&m, w, h, row);
	png_destroy_write_struct(&m.png, &m.info);
	free(row);
	ck_assert_int_eq(fclose(m.f), 0);
	ck_assert_msg(rc == 0, "libpng could not make the test image");
	*len = size;
	return (uint8_t *)buf;
}

/*
 * Regression: a small interlaced RGBA PNG of many pixels took a whole-image
 * RGBA copy (4 bytes a pixel) on top of the greymap before any limit applied.
 * It now decodes in the greymap's memory and a few rows (checked by a budget
 * that counts every allocation of the decode), and one over the budget is
 * refused before the image is allocated, with a sentence that says so.
 */
START_TEST(test_interlaced_rgba_png_decodes_within_budget)
{
	enum { W = 3000, H = 2500 };
	const size_t image = (size_t)W * H, mib = 1024 * 1024;
	struct sirius_error err = { "" };
	struct greymap *gm;
	uint8_t px[4], *png;
	size_t len, i;

	png = make_big_png(W, H, &len);
	ck_assert_uint_lt(len, image / 4);
	/* The greymap and 2 MiB for libpng; the old reader needed 4 bytes a pixel more. */
	gm = png_read_grey_budget(png, len, BITMAP_MAX_PIXELS, image + 2 * mib, &err);
	ck_assert_msg(gm != NULL, "refused: %s", err.message);
	ck_assert_int_eq(gm->width, W);
	ck_assert_int_eq(gm->height, H);
	for (i = 0; i < image; i += 997) {
		big_pixel((int)(i % W), (int)(i / W), px);
		ck_assert_msg(gm->pixels[i] == grey_on_white(px), "pixel %zu: %u, want %u", i, gm->pixels[i],
			      grey_on_white(px));
	}
	greymap_free(gm);

	gm = png_read_grey_budget(png, len, BITMAP_MAX_PIXELS, 4 * mib, &err);
	ck_assert_ptr_null(gm);
	ck_assert_msg(strstr(err.message, "PNG of 3000 x 2500 pixels needs 8 MiB of memory to decode, "
					  "more than the 4 MiB allowed") != NULL,
		      "%s", err.message);
	free(png);
}
END_TEST

/* A budget too small for libpng itself is refused with a reason, never a crash. */
START_TEST(test_budget_below_libpng_needs)
{
	static const uint8_t rows[] = { 0xa0, 0xc0, 0xff, 0xc0 };
	struct png_spec s = { 10, 2, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, rows, 2, NULL, 0, NULL, 0, NULL };
	struct sirius_error err = { "" };
	size_t len, budget;
	uint8_t *png = make_png(&s, &len);
	struct greymap *gm;

	for (budget = 0; budget < 4096; budget += 97) {
		gm = png_read_grey_budget(png, len, 100, budget, &err);
		ck_assert_ptr_null(gm);
		ck_assert_msg(strstr(err.message, "MiB") != NULL || strstr(err.message, "memory") != NULL,
			      "%zu: %s", budget, err.message);
	}
	gm = png_read_grey_budget(png, len, 100, 1024 * 1024, &err);
	ck_assert_msg(gm != NULL, "%s", err.message);
	greymap_free(gm);
	free(png);
}
END_TEST

START_TEST(test_write_read_round_trip)
{
	struct bitmap *bm = bitmap_new(77, 33), *back;
	struct greymap *gm = greymap_new(19, 7), *gback;
	uint8_t *png;
	size_t len, i;

	for (i = 0; i < 77 * 33; i++)
		bitmap_set(bm, (int)(i % 77), (int)(i / 77), (i * 7919 % 13) < 5);
	for (i = 0; i < 19 * 7; i++)
		gm->pixels[i] = (uint8_t)(i * 37);

	ck_assert_int_eq(png_write_bitmap(bm, &png, &len, NULL), 0);
	ck_assert_uint_gt(len, 33);
	ck_assert(memcmp(png + 12, "IHDR", 4) == 0);
	ck_assert_uint_eq(png[24], 1); /* bit depth */
	ck_assert_uint_eq(png[25], 0); /* grey */
	back = png_read_bitmap(png, len, 77 * 33, NULL);
	ck_assert_ptr_nonnull(back);
	ck_assert(bitmap_equal(bm, back));
	bitmap_free(back);
	free(png);

	ck_assert_int_eq(png_write_greymap(gm, &png, &len, NULL), 0);
	ck_assert_uint_eq(png[24], 8);
	ck_assert_uint_eq(png[25], 0);
	gback = png_read_grey(png, len, 19 * 7, NULL);
	ck_assert_ptr_nonnull(gback);
	ck_assert_int_eq(gback->width, 19);
	ck_assert_int_eq(gback->height, 7);
	ck_assert(memcmp(gback->pixels, gm->pixels, 19 * 7) == 0);
	greymap_free(gback);
	free(png);
	bitmap_free(bm);
	greymap_free(gm);
}
END_TEST

START_TEST(test_files)
{
	char dir[64] = "/tmp/check_bitmap_png.", path[256];
	size_t end = strlen(dir);
	struct bitmap *bm = bitmap_new(384, 5), *back;
	struct sirius_error err = { "" };
	uint8_t *data;
	size_t len;

	/* mkdtemp() wants the name to end in six capital X. */
	memset(dir + end, 'X', 6);
	dir[end + 6] = '\0';
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/print.png", dir);
	bitmap_set(bm, 383, 4, 1);
	bitmap_set(bm, 0, 0, 1);
	ck_assert_int_eq(png_write_bitmap_file(bm, path, &err), 0);
	ck_assert_int_eq(png_read_file(path, &data, &len, &err), 0);
	back = png_read_bitmap(data, len, BITMAP_MAX_PIXELS, &err);
	ck_assert_ptr_nonnull(back);
	ck_assert(bitmap_equal(bm, back));
	bitmap_free(back);
	free(data);

	ck_assert_int_eq(png_read_file(dir, &data, &len, &err), -1);
	ck_assert(strstr(err.message, "regular file") != NULL);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(png_read_file(path, &data, &len, &err), -1);
	ck_assert(strstr(err.message, "cannot open") != NULL);
	snprintf(path, sizeof(path), "%s/missing/print.png", dir);
	ck_assert_int_eq(png_write_bitmap_file(bm, path, &err), -1);
	ck_assert(strstr(err.message, "cannot create") != NULL);
	ck_assert_int_eq(rmdir(dir), 0);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_vector_png)
{
	size_t len, black;
	uint8_t *data = vector_read("real/device_command_pork_chops.png", &len);
	struct bitmap *bm = png_read_bitmap(data, len, BITMAP_MAX_PIXELS, NULL);

	ck_assert_ptr_nonnull(bm);
	ck_assert_int_eq(bm->width, 384);
	ck_assert_int_eq(bm->height, 155);
	black = bitmap_count_black(bm);
	ck_assert_uint_gt(black, 0);
	ck_assert_uint_lt(black, (size_t)bm->width * (size_t)bm->height);
	/* Too many pixels for the caller's bound. */
	ck_assert_ptr_null(png_read_bitmap(data, len, 384 * 155 - 1, NULL));
	bitmap_free(bm);
	free(data);
}
END_TEST

START_TEST(test_refusals)
{
	static const uint8_t rows[] = { 0xa0, 0xc0, 0xff, 0xc0 };
	struct png_spec s = { 10, 2, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, rows, 2, NULL, 0, NULL, 0, NULL };
	struct sirius_error err = { "" };
	size_t len, cut;
	uint8_t *png = make_png(&s, &len);

	ck_assert_ptr_null(png_read_grey((const uint8_t *)"GIF89a, not a PNG", 17, 100, &err));
	ck_assert_str_eq(err.message, "not a PNG image");
	ck_assert_ptr_null(png_read_grey(NULL, 0, 100, &err));
	ck_assert_ptr_null(png_read_grey(png, 7, 100, &err));
	for (cut = 8; cut < len; cut++) {
		err.message[0] = '\0';
		ck_assert_msg(png_read_grey(png, cut, 100, &err) == NULL, "accepted %zu of %zu bytes", cut, len);
		ck_assert(err.message[0] != '\0');
	}
	ck_assert_ptr_null(png_read_grey(png, len, 19, &err));
	ck_assert(strstr(err.message, "larger than 19") != NULL);
	greymap_free(png_read_grey(png, len, 20, NULL));
	/* A changed byte of IHDR breaks its CRC. */
	png[17] ^= 1;
	ck_assert_ptr_null(png_read_grey(png, len, 1000, &err));
	ck_assert(strstr(err.message, "invalid PNG") != NULL);
	free(png);
}
END_TEST

/* Reads data with png_read_grey() and, when it is accepted, checks the result's size; returns whether it was. */
static int read_any(const uint8_t *data, size_t len, size_t max_pixels)
{
	struct sirius_error err = { "" };
	struct greymap *gm = png_read_grey(data, len, max_pixels, &err);

	if (!gm) {
		ck_assert(err.message[0] != '\0');
		return 0;
	}
	ck_assert_uint_le((size_t)gm->width * (size_t)gm->height, max_pixels);
	greymap_free(gm);
	return 1;
}

/* One chunk of a PNG: its type and its data. */
struct chunk {
	char type[5];       /* four letters and a NUL */
	const uint8_t *data; /* the chunk's data, inside the PNG */
	size_t len;          /* bytes at data */
};

/* Splits a valid PNG into its chunks; returns how many (at most max). */
static size_t split_chunks(const uint8_t *png, size_t len, struct chunk *chunks, size_t max)
{
	size_t pos = 8, n = 0;

	while (pos + 12 <= len && n < max) {
		size_t clen = (size_t)png[pos] << 24 | (size_t)png[pos + 1] << 16 | (size_t)png[pos + 2] << 8 |
			      png[pos + 3];

		ck_assert_uint_le(pos + 12 + clen, len);
		memcpy(chunks[n].type, png + pos + 4, 4);
		chunks[n].type[4] = '\0';
		chunks[n].data = png + pos + 8;
		chunks[n].len = clen;
		n++;
		pos += 12 + clen;
	}
	return n;
}

/* What rebuilding a PNG from chunks needs across libpng's setjmp. */
struct chunk_writer {
	png_structp png;           /* libpng's write state, used for its chunk writer */
	FILE *f;                   /* the memory stream */
	const struct chunk *chunks; /* the chunks to write, with fresh CRCs */
	size_t count;              /* chunks at chunks */
};

/* Writes the signature and the chunks with libpng's errors caught; 0 or -1. */
static int write_chunks_run(struct chunk_writer *w)
{
	size_t i;

	if (setjmp(png_jmpbuf(w->png)))
		return -1;
	png_init_io(w->png, w->f);
	png_write_sig(w->png);
	for (i = 0; i < w->count; i++)
		png_write_chunk(w->png, (png_const_bytep)w->chunks[i].type, w->chunks[i].data, w->chunks[i].len);
	return 0;
}

/* Writes a PNG made of chunks, each with a correct CRC, into a malloc'd buffer. */
static uint8_t *write_chunks(const struct chunk *chunks, size_t count, size_t *len)
{
	struct chunk_writer w = { NULL, NULL, chunks, count };
	char *buf = NULL;
	size_t size = 0;
	int rc;

	w.f = open_memstream(&buf, &size);
	w.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	ck_assert(w.f && w.png);
	rc = write_chunks_run(&w);
	png_destroy_write_struct(&w.png, NULL);
	ck_assert_int_eq(fclose(w.f), 0);
	ck_assert_int_eq(rc, 0);
	*len = size;
	return (uint8_t *)buf;
}

START_TEST(test_fuzz_read)
{
	enum { W = 23, H = 9, MAX_CHUNKS = 16 };
	uint8_t rgba[W * H * 4];
	struct png_spec s = { W, H, 8, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_ADAM7, rgba, W * 4, NULL, 0, NULL, 0,
			      NULL };
	struct chunk chunks[MAX_CHUNKS], mutated[MAX_CHUNKS];
	uint8_t ihdr[13], *idat, *buf;
	uint32_t seed = 4242;
	size_t len, n, i, idat_at = 0;
	uint8_t *png;
	int round, accepted = 0;

	for (i = 0; i < sizeof(rgba); i++)
		rgba[i] = (uint8_t)(i * 131 + (i >> 3));
	png = make_png(&s, &len);
	buf = malloc(len);

	/* Raw damage: flipped bytes and truncations (most end at a CRC check). */
	for (round = 0; round < 1500; round++) {
		size_t cut = len, k, flips = test_random(&seed) % 4;

		memcpy(buf, png, len);
		for (k = 0; k < flips; k++)
			buf[test_random(&seed) % len] = (uint8_t)test_random(&seed);
		if (round % 2)
			cut = test_random(&seed) % (len + 1);
		read_any(buf, cut, 1u << 20);
	}

	/* Damage behind valid CRCs: changed headers, image data, palettes and transparency. */
	n = split_chunks(png, len, chunks, MAX_CHUNKS);
	for (i = 0; i < n; i++)
		if (strcmp(chunks[i].type, "IDAT") == 0)
			idat_at = i;
	ck_assert_str_eq(chunks[0].type, "IHDR");
	ck_assert_uint_gt(idat_at, 0);
	idat = malloc(chunks[idat_at].len);
	for (round = 0; round < 2500; round++) {
		static const uint8_t depths[] = { 1, 2, 4, 8, 16, 3 };
		static const uint8_t types[] = { 0, 2, 3, 4, 6, 5 };
		uint8_t plte[3 * 20], trns[20];
		size_t count = n, k, out_len;
		uint32_t r = test_random(&seed);
		uint8_t *out;

		memcpy(mutated, chunks, sizeof(chunks[0]) * n);
		memcpy(ihdr, chunks[0].data, 13);
		/* A new colour type and depth, sometimes a new size or interlace. */
		ihdr[8] = depths[r % 6];
		ihdr[9] = types[(r >> 3) % 6];
		if ((r >> 6) % 4 == 0) {
			ihdr[3] = (uint8_t)test_random(&seed);
			ihdr[7] = (uint8_t)test_random(&seed);
			ihdr[2] = (r >> 9) % 8 == 0 ? (uint8_t)test_random(&seed) : 0;
		}
		if ((r >> 12) % 8 == 0)
			ihdr[12] = (uint8_t)(test_random(&seed) % 3);
		mutated[0].data = ihdr;
		/* The image data with a few bytes changed, or cut short. */
		memcpy(idat, chunks[idat_at].data, chunks[idat_at].len);
		for (k = 0; k < (r >> 16) % 4; k++)
			idat[test_random(&seed) % chunks[idat_at].len] = (uint8_t)test_random(&seed);
		mutated[idat_at].data = idat;
		if ((r >> 20) % 3 == 0)
			mutated[idat_at].len = test_random(&seed) % chunks[idat_at].len;
		/* A palette and transparency before the image data, random in size and contents. */
		if ((r >> 24) % 2 && count + 2 <= MAX_CHUNKS) {
			size_t plte_len = 3 * (test_random(&seed) % 21), trns_len = test_random(&seed) % 21;

			for (k = 0; k < sizeof(plte); k++)
				plte[k] = (uint8_t)test_random(&seed);
			for (k = 0; k < sizeof(trns); k++)
				trns[k] = (uint8_t)test_random(&seed);
			memmove(mutated + 3, mutated + 1, sizeof(mutated[0]) * (count - 1));
			memcpy(mutated[1].type, "PLTE", 5);
			mutated[1].data = plte;
			mutated[1].len = plte_len;
			memcpy(mutated[2].type, "tRNS", 5);
			mutated[2].data = trns;
			mutated[2].len = trns_len;
			count += 2;
		}
		out = write_chunks(mutated, count, &out_len);
		accepted += read_any(out, out_len, 1u << 16);
		free(out);
	}
	/* Some of the rebuilt images are valid (another colour type over the same data), most are not. */
	ck_assert_int_gt(accepted, 10);
	ck_assert_int_lt(accepted, 2400);
	free(idat);
	free(buf);
	free(png);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bitmap_png");
	TCase *tc = tcase_create("png");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_one_bit_grey);
	tcase_add_test(tc, test_low_depth_grey);
	tcase_add_test(tc, test_eight_and_sixteen_bit_grey);
	tcase_add_test(tc, test_grey_alpha_on_white);
	tcase_add_test(tc, test_grey_trns);
	tcase_add_test(tc, test_rgb);
	tcase_add_test(tc, test_rgba_on_white);
	tcase_add_test(tc, test_palette);
	tcase_add_test(tc, test_interlaced);
	tcase_add_test(tc, test_one_bit_direct_matches_grey);
	tcase_add_test(tc, test_interlaced_rgba_png_decodes_within_budget);
	tcase_add_test(tc, test_budget_below_libpng_needs);
	tcase_add_test(tc, test_write_read_round_trip);
	tcase_add_test(tc, test_files);
	tcase_add_test(tc, test_vector_png);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_fuzz_read);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
