/* face_images.c: the four images of a personality: sets shipped in www/static/faces, or uploads made printable. */
#include "face_images.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "bitmap_png.h"
#include "db_button.h"
#include "dither.h"
#include "image_decode.h"
#include "image_scale.h"

const char *const face_image_files[FACE_IMAGES] = { "face.png", "nothing.png", "no-bridge.png", "no-internet.png" };
const char *const face_image_fields[FACE_IMAGES] = { "face_image", "nothing_image", "no_bridge_image",
						     "no_internet_image" };
const char *const face_kept_fields[FACE_IMAGES] = { "kept_face", "kept_nothing", "kept_no_bridge",
						    "kept_no_internet" };
const char *const face_image_labels[FACE_IMAGES] = { "face", "nothing to print", "cannot see the bridge",
						     "cannot reach the internet" };

/* 1 when name is 1..DB_FACE_NAME_MAX of [a-z0-9-], so that it is safe in a path and a URL. */
static int set_name_ok(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > DB_FACE_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!g_ascii_islower(name[i]) && !g_ascii_isdigit(name[i]) && name[i] != '-')
			return 0;
	return 1;
}

/* 1 when www_dir/static/faces/name holds all four files. */
static int set_complete(const char *www_dir, const char *name)
{
	int i;

	for (i = 0; i < FACE_IMAGES; i++) {
		char *path = g_build_filename(www_dir, "static", "faces", name, face_image_files[i], NULL);
		int there = g_file_test(path, G_FILE_TEST_IS_REGULAR);

		g_free(path);
		if (!there)
			return 0;
	}
	return 1;
}

/* Orders set names for g_ptr_array_sort. */
static gint compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char **face_sets(const char *www_dir)
{
	char *dir_path = g_build_filename(www_dir, "static", "faces", NULL);
	GDir *dir = g_dir_open(dir_path, 0, NULL);
	GPtrArray *names = g_ptr_array_new();
	const char *name;

	while (dir && (name = g_dir_read_name(dir)))
		if (set_name_ok(name) && set_complete(www_dir, name))
			g_ptr_array_add(names, g_strdup(name));
	if (dir)
		g_dir_close(dir);
	g_free(dir_path);
	g_ptr_array_sort(names, compare_names);
	g_ptr_array_add(names, NULL);
	return (char **)g_ptr_array_free(names, FALSE);
}

int face_set_exists(const char *www_dir, const char *name)
{
	return name && set_name_ok(name) && set_complete(www_dir, name);
}

int face_set_load(const char *www_dir, const char *name, struct bitmap *out[FACE_IMAGES], struct sirius_error *err)
{
	int i, j;

	for (i = 0; i < FACE_IMAGES; i++)
		out[i] = NULL;
	if (!face_set_exists(www_dir, name))
		return error_set(err, "no face set named %s", name ? name : "(none)");
	for (i = 0; i < FACE_IMAGES; i++) {
		char *path = g_build_filename(www_dir, "static", "faces", name, face_image_files[i], NULL);
		uint8_t *data = NULL;
		size_t len = 0;

		if (png_read_file(path, &data, &len, err) == 0)
			out[i] = png_read_bitmap(data, len, (size_t)PRINTER_WIDTH * FACE_MAX_ROWS, err);
		free(data);
		if (out[i] && (out[i]->width != PRINTER_WIDTH || out[i]->height > FACE_MAX_ROWS)) {
			error_set(err, "%s is %dx%d, not %d wide and at most %d rows", path, out[i]->width, out[i]->height,
				  PRINTER_WIDTH, FACE_MAX_ROWS);
			bitmap_free(out[i]);
			out[i] = NULL;
		}
		g_free(path);
		if (!out[i]) {
			for (j = 0; j < i; j++) {
				bitmap_free(out[j]);
				out[j] = NULL;
			}
			return -1;
		}
	}
	return 0;
}

/* src scaled as large as fits PRINTER_WIDTH x FACE_MAX_ROWS, centred on a white greymap of the printer's width. */
static struct greymap *fit_box(const struct greymap *src)
{
	double f = (double)PRINTER_WIDTH / src->width;
	struct greymap *scaled, *out;
	long w, h;
	int y;

	if ((double)FACE_MAX_ROWS / src->height < f)
		f = (double)FACE_MAX_ROWS / src->height;
	w = lround(src->width * f);
	h = lround(src->height * f);
	w = w < 1 ? 1 : w > PRINTER_WIDTH ? PRINTER_WIDTH : w;
	h = h < 1 ? 1 : h > FACE_MAX_ROWS ? FACE_MAX_ROWS : h;
	scaled = greymap_scale(src, (int)w, (int)h);
	out = scaled ? greymap_new(PRINTER_WIDTH, (int)h) : NULL;
	for (y = 0; out && y < h; y++)
		memcpy(out->pixels + (size_t)y * PRINTER_WIDTH + (size_t)(PRINTER_WIDTH - w) / 2,
		       scaled->pixels + (size_t)y * (size_t)w, (size_t)w);
	greymap_free(scaled);
	return out;
}

struct bitmap *face_image_from_upload(const uint8_t *data, size_t len, const char *label, int *status,
				      char why[REQUEST_WHY_MAX])
{
	struct greymap *grey = NULL, *fitted;
	struct sirius_error err = { "" };
	struct bitmap *bm;

	if (len > FACE_UPLOAD_MAX) {
		*status = 413;
		snprintf(why, REQUEST_WHY_MAX, "The %s image is %zu bytes; the limit is %d MiB.", label, len,
			 FACE_UPLOAD_MAX / (1024 * 1024));
		return NULL;
	}
	switch (image_decode_for_width(data, len, FACE_UPLOAD_MAX_PIXELS, PRINTER_WIDTH, &grey, &err)) {
	case IMAGE_OK:
		break;
	case IMAGE_UNSUPPORTED:
		*status = 415;
		snprintf(why, REQUEST_WHY_MAX, "The %s image is not a PNG, JPEG, GIF or WebP picture.", label);
		return NULL;
	case IMAGE_TOO_MANY_PIXELS:
		*status = 413;
		snprintf(why, REQUEST_WHY_MAX, "The %s image has too many pixels; the limit is 4096 x 4096.", label);
		return NULL;
	case IMAGE_NO_MEMORY:
		*status = 500;
		snprintf(why, REQUEST_WHY_MAX, "The server ran out of memory reading the %s image.", label);
		return NULL;
	default:
		*status = 422;
		snprintf(why, REQUEST_WHY_MAX, "The %s image cannot be read: %.150s.", label, err.message);
		return NULL;
	}
	fitted = fit_box(grey);
	greymap_free(grey);
	bm = fitted ? dither_floyd_steinberg(fitted) : NULL;
	greymap_free(fitted);
	if (!bm) {
		*status = 500;
		snprintf(why, REQUEST_WHY_MAX, "The server ran out of memory scaling the %s image.", label);
	}
	return bm;
}
