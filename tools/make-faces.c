/* make-faces.c: draws the personalities shipped in www/static/faces (four one-bit PNGs per set) with Cairo and Pango. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#include "bitmap.h"
#include "bitmap_png.h"

/*
 * Every set has the four images set_personality carries, in this order and
 * under these file names; the web UI reads them by the same names. The face
 * is what the printer prints with a delivery; the others are what it prints
 * when the button finds nothing, or when it cannot see its bridge or the
 * internet, under a caption saying so.
 */
#define FACE_ROWS 160      /* height of the face image, and of the face in the others */
#define CAPTION_ROWS 64    /* rows under the face for the caption of the others */
#define LINE 8.0           /* the stroke of the drawings, in dots */

/* The four moods of a set, one per image. */
enum mood { MOOD_FACE, MOOD_NOTHING, MOOD_NO_BRIDGE, MOOD_NO_INTERNET, MOOD_COUNT };

static const char *const file_names[MOOD_COUNT] = { "face.png", "nothing.png", "no-bridge.png", "no-internet.png" };
static const char *const captions[MOOD_COUNT] = { NULL, "Nothing to print", "I can't see my bridge",
						  "I can't reach the internet" };

/* A round dot of radius r at x, y. */
static void dot(cairo_t *cr, double x, double y, double r)
{
	cairo_new_sub_path(cr);
	cairo_arc(cr, x, y, r, 0, 2 * M_PI);
	cairo_fill(cr);
}

/* A stroked line from x0, y0 to x1, y1. */
static void line(cairo_t *cr, double x0, double y0, double x1, double y1)
{
	cairo_move_to(cr, x0, y0);
	cairo_line_to(cr, x1, y1);
	cairo_stroke(cr);
}

/* A stroked arc of radius r about x, y from angle a0 to a1 (radians, clockwise from east). */
static void arc(cairo_t *cr, double x, double y, double r, double a0, double a1)
{
	cairo_new_sub_path(cr);
	cairo_arc(cr, x, y, r, a0, a1);
	cairo_stroke(cr);
}

/* An X of half-size s at x, y (eyes that cannot see). */
static void cross(cairo_t *cr, double x, double y, double s)
{
	line(cr, x - s, y - s, x + s, y + s);
	line(cr, x - s, y + s, x + s, y - s);
}

/* A wavy line from x0 to x1 at height y (a puzzled mouth). */
static void wave(cairo_t *cr, double x0, double x1, double y, double amplitude)
{
	int i, steps = 48;

	cairo_move_to(cr, x0, y);
	for (i = 1; i <= steps; i++) {
		double t = (double)i / steps;

		cairo_line_to(cr, x0 + (x1 - x0) * t, y + amplitude * sin(t * 3 * M_PI));
	}
	cairo_stroke(cr);
}

/* Text in a font (Pango description) centred at x, y. */
static void text_at(cairo_t *cr, const char *font, const char *text, double x, double y)
{
	PangoLayout *layout = pango_cairo_create_layout(cr);
	PangoFontDescription *desc = pango_font_description_from_string(font);
	int w, h;

	pango_layout_set_font_description(layout, desc);
	pango_layout_set_text(layout, text, -1);
	pango_layout_get_pixel_size(layout, &w, &h);
	cairo_move_to(cr, x - w / 2.0, y - h / 2.0);
	pango_cairo_show_layout(cr, layout);
	pango_font_description_free(desc);
	g_object_unref(layout);
}

/* "classic": the round eyes and wide smile the printer's front is known for. */
static void draw_classic(cairo_t *cr, enum mood mood)
{
	switch (mood) {
	case MOOD_FACE:
		dot(cr, 148, 62, 15);
		dot(cr, 236, 62, 15);
		arc(cr, 192, 70, 56, 0.2 * M_PI, 0.8 * M_PI);
		break;
	case MOOD_NOTHING:
		line(cr, 130, 64, 166, 64);
		line(cr, 218, 64, 254, 64);
		line(cr, 160, 122, 224, 122);
		break;
	case MOOD_NO_BRIDGE:
		dot(cr, 148, 66, 15);
		dot(cr, 236, 66, 15);
		line(cr, 126, 34, 160, 24);
		line(cr, 258, 34, 224, 24);
		arc(cr, 192, 158, 44, 1.25 * M_PI, 1.75 * M_PI);
		break;
	default:
		cross(cr, 148, 62, 16);
		cross(cr, 236, 62, 16);
		arc(cr, 192, 118, 14, 0, 2 * M_PI);
		break;
	}
}

/* "sleepy": closed eyes and a small smile, dozing until the button is pressed. */
static void draw_sleepy(cairo_t *cr, enum mood mood)
{
	switch (mood) {
	case MOOD_FACE:
		arc(cr, 148, 58, 22, 0.1 * M_PI, 0.9 * M_PI);
		arc(cr, 236, 58, 22, 0.1 * M_PI, 0.9 * M_PI);
		arc(cr, 192, 96, 24, 0.25 * M_PI, 0.75 * M_PI);
		text_at(cr, "DejaVu Sans Bold 18", "z", 300, 40);
		text_at(cr, "DejaVu Sans Bold 24", "z", 326, 18);
		break;
	case MOOD_NOTHING:
		arc(cr, 148, 58, 22, 0.1 * M_PI, 0.9 * M_PI);
		arc(cr, 236, 58, 22, 0.1 * M_PI, 0.9 * M_PI);
		arc(cr, 192, 120, 12, 0, 2 * M_PI);
		text_at(cr, "DejaVu Sans Bold 18", "z", 290, 48);
		text_at(cr, "DejaVu Sans Bold 24", "z", 316, 26);
		text_at(cr, "DejaVu Sans Bold 30", "Z", 348, 8 + 12);
		break;
	case MOOD_NO_BRIDGE:
		dot(cr, 148, 62, 13);
		arc(cr, 236, 58, 22, 0.1 * M_PI, 0.9 * M_PI);
		arc(cr, 192, 150, 36, 1.3 * M_PI, 1.7 * M_PI);
		break;
	default:
		line(cr, 126, 58, 170, 58);
		line(cr, 214, 58, 258, 58);
		dot(cr, 148, 70, 9);
		dot(cr, 236, 70, 9);
		wave(cr, 150, 234, 116, 8);
		break;
	}
}

/* A rounded rectangle path of x, y, w, h and corner radius r. */
static void rounded(cairo_t *cr, double x, double y, double w, double h, double r)
{
	cairo_new_sub_path(cr);
	cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
	cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
	cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
	cairo_arc(cr, x + r, y + r, r, M_PI, 1.5 * M_PI);
	cairo_close_path(cr);
}

/* "robot": a boxy head with an aerial, square eyes and a grille for a mouth. */
static void draw_robot(cairo_t *cr, enum mood mood)
{
	int i;

	rounded(cr, 92, 28, 200, 124, 18);
	cairo_stroke(cr);
	line(cr, 192, 28, 192, 12);
	dot(cr, 192, 10, 8);
	line(cr, 92, 90, 78, 90);
	line(cr, 292, 90, 306, 90);
	switch (mood) {
	case MOOD_FACE:
		cairo_rectangle(cr, 130, 56, 30, 30);
		cairo_rectangle(cr, 224, 56, 30, 30);
		cairo_fill(cr);
		rounded(cr, 142, 106, 100, 28, 6);
		cairo_stroke(cr);
		for (i = 1; i < 5; i++)
			line(cr, 142 + i * 20, 106, 142 + i * 20, 134);
		break;
	case MOOD_NOTHING:
		cairo_rectangle(cr, 126, 66, 38, 10);
		cairo_rectangle(cr, 220, 66, 38, 10);
		cairo_fill(cr);
		line(cr, 146, 120, 238, 120);
		break;
	case MOOD_NO_BRIDGE:
		cairo_rectangle(cr, 130, 56, 30, 30);
		cairo_rectangle(cr, 224, 56, 30, 30);
		cairo_stroke(cr);
		cairo_move_to(cr, 142, 128);
		for (i = 1; i <= 6; i++)
			cairo_line_to(cr, 142 + i * 100.0 / 6, i % 2 ? 112 : 128);
		cairo_stroke(cr);
		break;
	default:
		cross(cr, 145, 71, 14);
		cross(cr, 239, 71, 14);
		text_at(cr, "DejaVu Sans Bold 22", "? ? ?", 192, 120);
		break;
	}
}

/* A set: its directory name and how it draws each mood. */
struct face_set {
	const char *name;                      /* directory under www/static/faces */
	void (*draw)(cairo_t *cr, enum mood);  /* draws a mood in a FACE_ROWS-high area */
};

static const struct face_set sets[] = {
	{ "classic", draw_classic },
	{ "sleepy", draw_sleepy },
	{ "robot", draw_robot },
};

/* Draws one image of a set and writes it as a one-bit PNG at path. Returns 0, or -1 after saying why. */
static int write_image(const struct face_set *set, enum mood mood, const char *path)
{
	int height = FACE_ROWS + (captions[mood] ? CAPTION_ROWS : 0);
	cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, PRINTER_WIDTH, height);
	cairo_t *cr = cairo_create(surface);
	struct sirius_error err = { "" };
	struct greymap *grey;
	struct bitmap *bm;
	unsigned char *data;
	int stride, x, y, rc;

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, LINE);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	set->draw(cr, mood);
	if (captions[mood])
		text_at(cr, "DejaVu Sans Bold 18", captions[mood], PRINTER_WIDTH / 2.0, FACE_ROWS + CAPTION_ROWS / 2.0);
	cairo_destroy(cr);
	cairo_surface_flush(surface);
	grey = greymap_new(PRINTER_WIDTH, height);
	if (!grey) {
		cairo_surface_destroy(surface);
		fprintf(stderr, "make-faces: out of memory\n");
		return -1;
	}
	data = cairo_image_surface_get_data(surface);
	stride = cairo_image_surface_get_stride(surface);
	for (y = 0; y < height; y++)
		for (x = 0; x < PRINTER_WIDTH; x++)
			grey->pixels[(size_t)y * PRINTER_WIDTH + (size_t)x] = data[(size_t)y * (size_t)stride + (size_t)x * 4];
	cairo_surface_destroy(surface);
	bm = bitmap_from_greymap_threshold(grey);
	greymap_free(grey);
	rc = bm ? png_write_bitmap_file(bm, path, &err) : -1;
	bitmap_free(bm);
	if (rc != 0)
		fprintf(stderr, "make-faces: %s: %s\n", path, bm ? err.message : "out of memory");
	return rc;
}

/* make-faces DIR: writes DIR/SET/{face,nothing,no-bridge,no-internet}.png for every set. Exit status 0 or 1. */
int main(int argc, char **argv)
{
	size_t i;
	int m;

	if (argc != 2) {
		fprintf(stderr, "usage: make-faces DIR (www/static/faces)\n");
		return 2;
	}
	if (mkdir(argv[1], 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "make-faces: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		char dir[4096], path[4200];

		snprintf(dir, sizeof(dir), "%s/%s", argv[1], sets[i].name);
		if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "make-faces: %s: %s\n", dir, strerror(errno));
			return 1;
		}
		for (m = 0; m < MOOD_COUNT; m++) {
			snprintf(path, sizeof(path), "%s/%s", dir, file_names[m]);
			if (write_image(&sets[i], (enum mood)m, path) != 0)
				return 1;
			printf("%s\n", path);
		}
	}
	return 0;
}
