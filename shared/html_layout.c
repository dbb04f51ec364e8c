/* html_layout.c: the page of a print: blocks of Pango text, images and rules, stacked and drawn with Cairo. */
#include "html_layout.h"
#include "html_layout_impl.h"

#include <math.h>
#include <string.h>

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <glib.h>
#include <pango/pangocairo.h>

#include "image_decode.h"
#include "image_scale.h"

/* Rows drawn per Cairo surface: bounds memory and keeps Cairo within its size limits. */
#define DRAW_BAND_ROWS 2048

/* How far ink may stray outside its block's box and still be drawn, in rows. */
#define DRAW_OVERHANG 64

/* How long layout_release_fonts waits for Pango's threads to let go of the font map, and how often it looks. */
#define RELEASE_WAIT_US G_USEC_PER_SEC
#define RELEASE_POLL_US 200

/* Plain text longer than this on one line is laid out in pieces of about this many bytes. */
#define TEXT_CHUNK_BYTES 4096

/* One thing on the page. */
enum block_type {
	BLOCK_TEXT,  /* a Pango layout */
	BLOCK_IMAGE, /* a greymap, already at its final size */
	BLOCK_RULE,  /* a black bar (hr) */
};

struct block {
	enum block_type type;   /* what it is */
	int x;                  /* left edge, in pixels */
	int y;                  /* top edge, in rows from the top of the page */
	int width;              /* width (images, rules) */
	int height;             /* height in rows */
	PangoLayout *layout;    /* BLOCK_TEXT: the text, owned */
	PangoLayout *marker;    /* BLOCK_TEXT: a list marker drawn left of x, owned; or NULL */
	int marker_gap;         /* pixels between the marker's right edge and x */
	struct greymap *image;  /* BLOCK_IMAGE: the pixels, owned */
};

/*
 * Set once text was laid out: Pango has loaded fontconfig's configuration
 * and fonts by then (layout_release_fonts).
 */
static int fonts_loaded;

struct layout_page {
	int width;                   /* column width in pixels */
	int max_height;              /* rows beyond this are dropped */
	int y;                       /* next free row; may pass max_height (then truncated) */
	int pending_margin;          /* collapsed margin waiting above the next block */
	int started;                 /* nonzero once anything took vertical space */
	int truncated;               /* content was dropped at max_height */
	int64_t deadline_us;         /* monotonic time by which work must end */
	int max_millis;              /* the budget, for messages */
	size_t pixels_left;          /* decoded image pixels still allowed */
	size_t max_image_pixels;     /* the whole pixel budget, for messages */
	int max_depth;               /* HTML nesting limit */
	int max_elements;            /* HTML element limit */
	PangoContext *context;       /* Pango context with the page's font options */
	GPtrArray *blocks;           /* struct block *, in order of y */
};

static void block_free(gpointer data)
{
	struct block *b = data;

	if (b->layout)
		g_object_unref(b->layout);
	if (b->marker)
		g_object_unref(b->marker);
	greymap_free(b->image);
	g_free(b);
}

struct layout_page *layout_page_new(int width, int max_height, const struct render_limits *limits,
				    int64_t deadline_us)
{
	struct layout_page *page;
	cairo_font_options_t *fo;
	PangoFontMap *map;

	if (width < 1 || width > BITMAP_MAX_SIDE || max_height < 1 || max_height > BITMAP_MAX_SIDE ||
	    !limits)
		return NULL;
	map = pango_cairo_font_map_get_default();
	if (!map)
		return NULL;
	page = g_new0(struct layout_page, 1);
	page->width = width;
	page->max_height = max_height;
	page->deadline_us = deadline_us;
	page->max_millis = limits->max_millis;
	page->pixels_left = limits->max_image_pixels;
	page->max_image_pixels = limits->max_image_pixels;
	page->max_depth = limits->max_depth < RENDER_DEPTH_CAP ? limits->max_depth : RENDER_DEPTH_CAP;
	page->max_elements = limits->max_elements;
	page->blocks = g_ptr_array_new_with_free_func(block_free);
	page->context = pango_font_map_create_context(map);
	/*
	 * Glyphs drawn without grey edges and fully hinted: the printer has no grey,
	 * and dithered edges of small text print ragged. Colour glyphs (emoji) keep
	 * their colours and are dithered with the images.
	 */
	fo = cairo_font_options_create();
	cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_NONE);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_FULL);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	pango_cairo_context_set_font_options(page->context, fo);
	cairo_font_options_destroy(fo);
	pango_cairo_context_set_resolution(page->context, 96.0);
	pango_context_set_base_dir(page->context, PANGO_DIRECTION_WEAK_LTR);
	return page;
}

void layout_page_free(struct layout_page *page)
{
	if (!page)
		return;
	g_ptr_array_free(page->blocks, TRUE);
	g_object_unref(page->context);
	g_free(page);
}

int layout_page_height(const struct layout_page *page)
{
	return page->y < page->max_height ? page->y : page->max_height;
}

int layout_page_truncated(const struct layout_page *page)
{
	return page->truncated;
}

int page_full(const struct layout_page *page)
{
	return page->y >= page->max_height;
}

void page_mark_truncated(struct layout_page *page)
{
	page->truncated = 1;
}

int page_width(const struct layout_page *page)
{
	return page->width;
}

PangoContext *page_context(struct layout_page *page)
{
	return page->context;
}

int page_max_depth(const struct layout_page *page)
{
	return page->max_depth;
}

int page_max_elements(const struct layout_page *page)
{
	return page->max_elements;
}

enum render_status page_check_time(const struct layout_page *page, struct sirius_error *err)
{
	if (g_get_monotonic_time() > page->deadline_us) {
		error_set(err, "rendering took longer than the limit of %d ms", page->max_millis);
		return RENDER_TIMEOUT;
	}
	return RENDER_OK;
}

void page_add_margin(struct layout_page *page, int rows)
{
	if (rows > page->pending_margin)
		page->pending_margin = rows;
}

void layout_start_section(struct layout_page *page)
{
	page->started = 0;
	page->pending_margin = 0;
}

void layout_add_space(struct layout_page *page, int rows)
{
	if (rows <= 0)
		return;
	if (page->started)
		page->y += page->pending_margin;
	page->pending_margin = 0;
	page->y += rows < page->max_height ? rows : page->max_height;
	page->started = 1;
	if (page->y > page->max_height)
		page->truncated = 1;
}

/*
 * Places a block of the given height at the next free row (after the pending
 * margin); takes ownership of b. Returns 0, or -1 when the page was already
 * full (b is then freed and the page marked truncated).
 */
static int page_place(struct layout_page *page, struct block *b)
{
	if (page->started)
		page->y += page->pending_margin;
	page->pending_margin = 0;
	if (page->y >= page->max_height) {
		page->truncated = 1;
		block_free(b);
		return -1;
	}
	b->y = page->y;
	page->y += b->height;
	page->started = 1;
	if (page->y > page->max_height)
		page->truncated = 1;
	g_ptr_array_add(page->blocks, b);
	return 0;
}

enum render_status page_add_layout(struct layout_page *page, PangoLayout *layout, int x,
				   PangoLayout *marker, int marker_gap, struct sirius_error *err)
{
	struct block *b = g_new0(struct block, 1);
	PangoRectangle logical;

	pango_layout_get_pixel_extents(layout, NULL, &logical);
	fonts_loaded = 1;
	b->type = BLOCK_TEXT;
	b->x = x;
	b->height = logical.y + logical.height;
	if (b->height < 1)
		b->height = 1;
	b->layout = layout;
	b->marker = marker;
	b->marker_gap = marker_gap;
	page_place(page, b);
	return page_check_time(page, err);
}

void layout_release_fonts(void)
{
	gint64 until = g_get_monotonic_time() + RELEASE_WAIT_US;
	PangoFontMap *map;

	if (!fonts_loaded)
		return;
	fonts_loaded = 0;
	/*
	 * Pango sorts fonts in threads of its own that may outlive a render,
	 * each holding the font map until it is done with fontconfig (the map
	 * is the last thing such a thread lets go). So the map is freed here,
	 * once this is its only holder, and only then Cairo's caches (which the
	 * map's fonts hold) and fontconfig. A map still held after the wait (a
	 * page never freed) is left with them as they are.
	 */
	map = g_object_ref(pango_cairo_font_map_get_default());
	pango_cairo_font_map_set_default(NULL);
	while (g_atomic_int_get((gint *)&G_OBJECT(map)->ref_count) > 1 && g_get_monotonic_time() < until)
		g_usleep(RELEASE_POLL_US);
	if (g_atomic_int_get((gint *)&G_OBJECT(map)->ref_count) > 1) {
		g_object_unref(map);
		return;
	}
	g_object_unref(map);
	cairo_debug_reset_static_data();
	FcFini();
}

void page_add_rule(struct layout_page *page, int x, int width, int height)
{
	struct block *b = g_new0(struct block, 1);

	b->type = BLOCK_RULE;
	b->x = x;
	b->width = width > 0 ? width : 1;
	b->height = height > 0 ? height : 1;
	page_place(page, b);
}

int page_rows_left(const struct layout_page *page)
{
	int y = page->y + (page->started ? page->pending_margin : 0);

	return y < page->max_height ? page->max_height - y : 0;
}

void page_add_scaled_image(struct layout_page *page, struct greymap *gm, int x)
{
	struct block *b = g_new0(struct block, 1);

	b->type = BLOCK_IMAGE;
	b->x = x;
	b->width = gm->width;
	b->height = gm->height;
	b->image = gm;
	page_place(page, b);
}

enum render_status page_decode_image(struct layout_page *page, const uint8_t *data, size_t len,
				     int target_width, struct greymap **out, struct sirius_error *err)
{
	struct sirius_error why;
	enum image_decode_status st;
	enum render_status st_time;
	size_t pixels;

	*out = NULL;
	if (page->pixels_left == 0) {
		error_set(err, "images exceed the limit of %zu decoded pixels", page->max_image_pixels);
		return RENDER_IMAGE_TOO_LARGE;
	}
	st = image_decode_for_width(data, len, page->pixels_left, target_width, out, &why);
	switch (st) {
	case IMAGE_OK:
		break;
	case IMAGE_TOO_MANY_PIXELS:
		error_set(err, "images exceed the limit of %zu decoded pixels (%s)",
			  page->max_image_pixels, why.message);
		return RENDER_IMAGE_TOO_LARGE;
	case IMAGE_NO_MEMORY:
		error_set(err, "out of memory decoding an image");
		return RENDER_NO_MEMORY;
	default:
		error_set(err, "not a usable image: %s", why.message);
		return RENDER_BAD_IMAGE;
	}
	pixels = (size_t)(*out)->width * (size_t)(*out)->height;
	page->pixels_left = pixels < page->pixels_left ? page->pixels_left - pixels : 0;
	st_time = page_check_time(page, err);
	if (st_time != RENDER_OK) {
		/* The caller only owns *out on RENDER_OK: a decoded image is tens of megabytes. */
		greymap_free(*out);
		*out = NULL;
	}
	return st_time;
}

enum render_status layout_add_greymap(struct layout_page *page, const struct greymap *gm,
				      struct sirius_error *err)
{
	struct greymap *scaled;
	int rows = page_rows_left(page);

	if (rows <= 0) {
		page->truncated = 1;
		return RENDER_OK;
	}
	scaled = greymap_fit_width(gm, page->width, rows);
	if (!scaled) {
		error_set(err, "out of memory scaling an image");
		return RENDER_NO_MEMORY;
	}
	/* greymap_fit_width cuts what does not fit: say so. */
	if ((double)gm->height * page->width / gm->width > rows + 0.5)
		page->truncated = 1;
	page_add_scaled_image(page, scaled, 0);
	return page_check_time(page, err);
}

enum render_status layout_add_image_data(struct layout_page *page, const uint8_t *data, size_t len,
					 struct sirius_error *err)
{
	struct greymap *gm = NULL;
	enum render_status st = page_decode_image(page, data, len, page->width, &gm, err);

	if (st != RENDER_OK) {
		greymap_free(gm);
		return st;
	}
	st = layout_add_greymap(page, gm, err);
	greymap_free(gm);
	return st;
}

void page_no_hyphens(PangoAttrList *attrs)
{
	pango_attr_list_insert_before(attrs, pango_attr_insert_hyphens_new(FALSE));
}

/* A new layout of the page's width, wrapping words and breaking long ones. */
PangoLayout *page_new_layout(struct layout_page *page, int width)
{
	PangoLayout *layout = pango_layout_new(page->context);

	PangoAttrList *attrs = pango_attr_list_new();

	pango_layout_set_width(layout, (width > 0 ? width : 1) * PANGO_SCALE);
	pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
	page_no_hyphens(attrs);
	pango_layout_set_attributes(layout, attrs);
	pango_attr_list_unref(attrs);
	return layout;
}

/*
 * A copy of len bytes of text that is valid UTF-8 without control characters
 * other than tab and line feed (CR LF and lone CR become LF; others are dropped).
 */
static GString *clean_text(const char *text, size_t len)
{
	gchar *valid = g_utf8_make_valid(text, (gssize)len);
	GString *out = g_string_sized_new(len + 1);
	const char *p;

	for (p = valid; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\r') {
			if (p[1] != '\n')
				g_string_append_c(out, '\n');
		} else if (c >= 0x20 || c == '\n' || c == '\t') {
			if (c != 0x7f)
				g_string_append_c(out, (char)c);
		}
	}
	g_free(valid);
	return out;
}

/* The end of a piece of at most TEXT_CHUNK_BYTES of line[0..len): after a space if there is one. */
static size_t chunk_end(const char *line, size_t len)
{
	size_t end, i;

	if (len <= TEXT_CHUNK_BYTES)
		return len;
	end = TEXT_CHUNK_BYTES;
	for (i = end; i > TEXT_CHUNK_BYTES / 2; i--) {
		if (line[i - 1] == ' ')
			return i;
	}
	while (end > 0 && ((unsigned char)line[end] & 0xc0) == 0x80)
		end--;
	return end > 0 ? end : len;
}

enum render_status layout_add_text(struct layout_page *page, const char *text, size_t len,
				   double size_px, struct sirius_error *err)
{
	GString *clean = clean_text(text, len);
	PangoFontDescription *fd = pango_font_description_from_string("DejaVu Sans, sans-serif");
	enum render_status st = RENDER_OK;
	const char *line = clean->str;
	const char *end = clean->str + clean->len;

	pango_font_description_set_absolute_size(fd, size_px * PANGO_SCALE);
	/* One layout per line (and per piece of a very long line): work stops at the page's end. */
	while (st == RENDER_OK && line <= end && !page_full(page)) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t line_len = nl ? (size_t)(nl - line) : (size_t)(end - line);
		size_t done = 0;

		do {
			size_t piece = chunk_end(line + done, line_len - done);
			PangoLayout *layout = page_new_layout(page, page->width);

			pango_layout_set_font_description(layout, fd);
			pango_layout_set_text(layout, line + done, (int)piece);
			st = page_add_layout(page, layout, 0, NULL, 0, err);
			done += piece;
		} while (st == RENDER_OK && done < line_len && !page_full(page));
		if (!nl)
			break;
		line = nl + 1;
	}
	if (page_full(page) && line < end)
		page->truncated = 1;
	pango_font_description_free(fd);
	g_string_free(clean, TRUE);
	return st;
}

enum render_status layout_add_header(struct layout_page *page, const char *text, double size_px,
				     struct sirius_error *err)
{
	GString *clean = clean_text(text, strlen(text));
	gchar *upper = g_utf8_strup(clean->str, (gssize)clean->len);
	PangoFontDescription *fd = pango_font_description_from_string("DejaVu Sans, sans-serif Bold");
	PangoLayout *layout = page_new_layout(page, page->width);

	pango_font_description_set_absolute_size(fd, size_px * PANGO_SCALE);
	pango_layout_set_font_description(layout, fd);
	pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
	pango_layout_set_text(layout, upper, -1);
	pango_font_description_free(fd);
	g_free(upper);
	g_string_free(clean, TRUE);
	return page_add_layout(page, layout, 0, NULL, 0, err);
}

/* The grey of an RGB24 pixel (BT.601 weights in 256ths). */
static inline uint8_t rgb24_grey(uint32_t p)
{
	uint32_t r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;

	return (uint8_t)((r * 77 + g * 150 + b * 29 + 128) >> 8);
}

/* Converts one band of an RGB24 surface to grey rows of out, starting at row y0. */
static void band_to_grey(cairo_surface_t *surface, int rows, struct greymap *out, int y0)
{
	const unsigned char *data;
	int stride, x, y;

	cairo_surface_flush(surface);
	data = cairo_image_surface_get_data(surface);
	stride = cairo_image_surface_get_stride(surface);
	for (y = 0; y < rows; y++) {
		const uint32_t *src = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
		uint8_t *dst = out->pixels + (size_t)(y0 + y) * (size_t)out->width;

		/*
		 * Two pixels at a time: text is drawn black on white, and a pixel
		 * whose red, green and blue are equal is that grey exactly (the
		 * weights add up to 256), so most pairs need no arithmetic.
		 */
		for (x = 0; x + 2 <= out->width; x += 2) {
			uint64_t pair = (uint64_t)src[x] | (uint64_t)src[x + 1] << 32;

			if ((((pair >> 8) ^ pair) & 0x0000ffff0000ffffull) == 0) {
				dst[x] = (uint8_t)pair;
				dst[x + 1] = (uint8_t)(pair >> 32);
			} else {
				dst[x] = rgb24_grey(src[x]);
				dst[x + 1] = rgb24_grey(src[x + 1]);
			}
		}
		for (; x < out->width; x++)
			dst[x] = rgb24_grey(src[x]);
	}
}

/* Draws the text and rules of the blocks that reach into rows [y0, y0 + rows) with cr. */
static void draw_band(struct layout_page *page, cairo_t *cr, int y0, int rows)
{
	guint i;

	/* Rules, underlines and strike-throughs on whole pixels, without grey edges. */
	cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	for (i = 0; i < page->blocks->len; i++) {
		struct block *b = g_ptr_array_index(page->blocks, i);

		/* Ink may reach a little beyond a block's box (italics, big glyphs). */
		if (b->y >= y0 + rows + DRAW_OVERHANG)
			break;
		if (b->y + b->height + DRAW_OVERHANG <= y0)
			continue;
		if (b->type == BLOCK_TEXT) {
			cairo_move_to(cr, b->x, b->y - y0);
			pango_cairo_show_layout(cr, b->layout);
			if (b->marker) {
				PangoRectangle ink, logical;
				int baseline = pango_layout_get_baseline(b->layout) / PANGO_SCALE;
				int mb = pango_layout_get_baseline(b->marker) / PANGO_SCALE;

				int mx;

				pango_layout_get_pixel_extents(b->marker, &ink, &logical);
				/* A marker wider than the indent starts at the page's edge. */
				mx = b->x - b->marker_gap - logical.width;
				cairo_move_to(cr, mx > 0 ? mx : 0, b->y - y0 + baseline - mb);
				pango_cairo_show_layout(cr, b->marker);
			}
		} else if (b->type == BLOCK_RULE) {
			cairo_rectangle(cr, b->x, b->y - y0, b->width, b->height);
			cairo_fill(cr);
		}
	}
}

/* Copies the images of the page into out, cut at out's height. */
static void paste_images(const struct layout_page *page, struct greymap *out)
{
	guint i;
	int y;

	for (i = 0; i < page->blocks->len; i++) {
		const struct block *b = g_ptr_array_index(page->blocks, i);
		int w;

		if (b->type != BLOCK_IMAGE || b->x >= out->width)
			continue;
		w = b->x + b->width <= out->width ? b->width : out->width - b->x;
		for (y = 0; y < b->height && b->y + y < out->height; y++)
			memcpy(out->pixels + (size_t)(b->y + y) * (size_t)out->width + (size_t)b->x,
			       b->image->pixels + (size_t)y * (size_t)b->image->width, (size_t)w);
	}
}

enum render_status layout_page_draw(struct layout_page *page, int bottom_rows, int max_rows,
				    struct greymap **out, struct sirius_error *err)
{
	struct greymap *gm;
	int height = layout_page_height(page) + (bottom_rows > 0 ? bottom_rows : 0);
	int y0;

	*out = NULL;
	if (max_rows > 0 && height > max_rows)
		height = max_rows;
	if (height < 1)
		height = 1;
	gm = greymap_new(page->width, height);
	if (!gm) {
		error_set(err, "out of memory for a page of %d x %d", page->width, height);
		return RENDER_NO_MEMORY;
	}
	for (y0 = 0; y0 < height; y0 += DRAW_BAND_ROWS) {
		int rows = height - y0 < DRAW_BAND_ROWS ? height - y0 : DRAW_BAND_ROWS;
		cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, page->width, rows);
		cairo_t *cr;
		enum render_status st;

		if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
			cairo_surface_destroy(surface);
			greymap_free(gm);
			error_set(err, "out of memory for a drawing surface");
			return RENDER_NO_MEMORY;
		}
		cr = cairo_create(surface);
		draw_band(page, cr, y0, rows);
		cairo_destroy(cr);
		band_to_grey(surface, rows, gm, y0);
		cairo_surface_destroy(surface);
		st = page_check_time(page, err);
		if (st != RENDER_OK) {
			greymap_free(gm);
			return st;
		}
	}
	paste_images(page, gm);
	*out = gm;
	return RENDER_OK;
}
