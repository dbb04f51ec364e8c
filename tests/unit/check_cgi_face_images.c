/* check_cgi_face_images.c: unit tests of personality images: the shipped sets and uploads made printable. */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "bitmap_png.h"
#include "face_images.h"
#include "test_util.h"

/* The www directory of the checkout, with the shipped sets. */
#define WWW SIRIUS_SOURCE_DIR "/www"

/* A grey PNG of width x height, a left-to-right gradient (malloc'd, *len bytes). */
static uint8_t *gradient_png(int width, int height, size_t *len)
{
	struct sirius_error err = { "" };
	struct greymap *gm = greymap_new(width, height);
	uint8_t *png = NULL;
	int x, y;

	ck_assert_ptr_nonnull(gm);
	for (y = 0; y < height; y++)
		for (x = 0; x < width; x++)
			gm->pixels[(size_t)y * (size_t)width + (size_t)x] = (uint8_t)(x * 255 / (width > 1 ? width - 1 : 1));
	ck_assert_int_eq(png_write_greymap(gm, &png, len, &err), 0);
	greymap_free(gm);
	return png;
}

START_TEST(test_shipped_sets)
{
	struct sirius_error err = { "" };
	struct bitmap *images[FACE_IMAGES];
	char **sets = face_sets(WWW);
	int i;

	ck_assert_uint_ge(g_strv_length(sets), 3);
	ck_assert(g_strv_contains((const char *const *)sets, "classic"));
	ck_assert(g_strv_contains((const char *const *)sets, "sleepy"));
	ck_assert(g_strv_contains((const char *const *)sets, "robot"));
	for (i = 1; sets[i]; i++)
		ck_assert_int_lt(strcmp(sets[i - 1], sets[i]), 0);
	g_strfreev(sets);
	ck_assert_int_eq(face_set_load(WWW, "robot", images, &err), 0);
	for (i = 0; i < FACE_IMAGES; i++) {
		ck_assert_int_eq(images[i]->width, PRINTER_WIDTH);
		ck_assert_int_le(images[i]->height, FACE_MAX_ROWS);
		bitmap_free(images[i]);
	}
	/* names that are no set, or not safe in a path */
	ck_assert(!face_set_exists(WWW, "nosuch"));
	ck_assert(!face_set_exists(WWW, "../faces/robot"));
	ck_assert(!face_set_exists(WWW, "Robot"));
	ck_assert(!face_set_exists(WWW, ""));
	ck_assert(!face_set_exists(WWW, NULL));
	ck_assert_int_eq(face_set_load(WWW, "../robot", images, &err), -1);
	ck_assert_ptr_null(images[0]);
}
END_TEST

START_TEST(test_incomplete_set_is_not_listed)
{
	char *dir = g_dir_make_tmp(NULL, NULL), *set, *file;
	char **sets;

	set = g_build_filename(dir, "static", "faces", "half", NULL);
	ck_assert_int_eq(g_mkdir_with_parents(set, 0700), 0);
	file = g_build_filename(set, "face.png", NULL);
	ck_assert(g_file_set_contents(file, "x", 1, NULL));
	sets = face_sets(dir);
	ck_assert_uint_eq(g_strv_length(sets), 0);
	g_strfreev(sets);
	ck_assert(!face_set_exists(dir, "half"));
	g_remove(file);
	g_rmdir(set);
	g_free(file);
	g_free(set);
	set = g_build_filename(dir, "static", "faces", NULL);
	g_rmdir(set);
	g_free(set);
	set = g_build_filename(dir, "static", NULL);
	g_rmdir(set);
	g_free(set);
	g_rmdir(dir);
	g_free(dir);
	/* no faces directory at all */
	sets = face_sets("/nonexistent");
	ck_assert_ptr_null(sets[0]);
	g_strfreev(sets);
}
END_TEST

/* An upload of width x height becomes a bitmap of the printer's width and rows rows. */
static void check_fit(int width, int height, int rows)
{
	char why[REQUEST_WHY_MAX] = "";
	size_t len;
	uint8_t *png = gradient_png(width, height, &len);
	int status = 0;
	struct bitmap *bm = face_image_from_upload(png, len, "face", &status, why);

	ck_assert_msg(bm != NULL, "%dx%d: %d %s", width, height, status, why);
	ck_assert_int_eq(bm->width, PRINTER_WIDTH);
	ck_assert_int_eq(bm->height, rows);
	bitmap_free(bm);
	g_free(png);
}

START_TEST(test_uploads_fitted)
{
	check_fit(768, 200, 100);   /* wide: scaled to the width */
	check_fit(100, 800, 384);   /* tall: scaled to 384 rows, centred */
	check_fit(48, 48, 384);     /* small: scaled up */
	check_fit(384, 100, 100);   /* as it is */
	check_fit(4000, 1, 1);      /* a thin line keeps a row */
}
END_TEST

START_TEST(test_tall_upload_is_centred_on_white)
{
	char why[REQUEST_WHY_MAX] = "";
	size_t len;
	uint8_t *png = gradient_png(96, 384, &len);
	int status = 0, x;
	struct bitmap *bm = face_image_from_upload(png, len, "face", &status, why);

	ck_assert_ptr_nonnull(bm);
	/* 96 wide stays 96 wide at 384 rows: white either side of columns 144..239 */
	for (x = 0; x < 144; x++)
		ck_assert_int_eq(bitmap_get(bm, x, 200), 0);
	for (x = 240; x < PRINTER_WIDTH; x++)
		ck_assert_int_eq(bitmap_get(bm, x, 200), 0);
	ck_assert_int_eq(bitmap_get(bm, 144, 200), 1); /* the gradient starts black */
	bitmap_free(bm);
	g_free(png);
}
END_TEST

START_TEST(test_uploads_refused)
{
	static const uint8_t text[] = "not a picture at all";
	static const uint8_t broken[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 1, 2, 3, 4, 5, 6, 7, 8 };
	char why[REQUEST_WHY_MAX] = "";
	uint8_t *big = g_malloc0(FACE_UPLOAD_MAX + 1);
	int status = 0;

	ck_assert_ptr_null(face_image_from_upload(text, sizeof(text), "face", &status, why));
	ck_assert_int_eq(status, 415);
	ck_assert_ptr_nonnull(strstr(why, "The face image"));
	ck_assert_ptr_null(face_image_from_upload(broken, sizeof(broken), "nothing to print", &status, why));
	ck_assert_int_eq(status, 422);
	ck_assert_ptr_nonnull(strstr(why, "nothing to print"));
	memcpy(big, broken, sizeof(broken));
	ck_assert_ptr_null(face_image_from_upload(big, FACE_UPLOAD_MAX + 1, "face", &status, why));
	ck_assert_int_eq(status, 413);
	g_free(big);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cgi_face_images");
	TCase *tc = tcase_create("faces");

	tcase_add_test(tc, test_shipped_sets);
	tcase_add_test(tc, test_incomplete_set_is_not_listed);
	tcase_add_test(tc, test_uploads_fitted);
	tcase_add_test(tc, test_tall_upload_is_centred_on_white);
	tcase_add_test(tc, test_uploads_refused);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
