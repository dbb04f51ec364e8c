/* html_layout.h: a column of text, HTML and images laid out with Pango and drawn with Cairo into a greymap. */
#ifndef SIRIUS_HTML_LAYOUT_H
#define SIRIUS_HTML_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "bitmap.h"
#include "error.h"
#include "render.h"

/* Body text of a print: 30 px sans-serif, as the original's page. */
#define LAYOUT_BODY_FONT_PX 30.0

/*
 * A page being laid out: blocks stacked top to bottom in a column of a fixed
 * width, never taller than max_height rows (content beyond is dropped and the
 * page marked truncated). Every add function checks the page's time budget
 * and image-pixel budget, and returns RENDER_OK or the status of the limit it
 * hit, with err naming it. Usage: layout_page_new, any number of layout_add_*,
 * layout_page_draw, layout_page_free. Not shared between threads.
 */
struct layout_page;

/*
 * A new empty page width pixels wide and at most max_height rows tall, whose
 * work must end by deadline_us (g_get_monotonic_time() clock) and whose
 * images may together decode to at most limits->max_image_pixels pixels.
 * Returns NULL when out of memory or when a size is out of range.
 */
struct layout_page *layout_page_new(int width, int max_height, const struct render_limits *limits,
				    int64_t deadline_us);
void layout_page_free(struct layout_page *page);

/* The height laid out so far, in rows (at most max_height). */
int layout_page_height(const struct layout_page *page);

/* Whether content was dropped at max_height. */
int layout_page_truncated(const struct layout_page *page);

/*
 * Starts a new section (the content below the template's header): the top
 * margin of its first block is dropped, as at the top of the page.
 */
void layout_start_section(struct layout_page *page);

/* Adds rows of white (not collapsed with margins). */
void layout_add_space(struct layout_page *page, int rows);

/*
 * Adds plain text: its line breaks and runs of spaces kept, lines wrapped at
 * word boundaries and long words broken, in sans-serif of size_px pixels.
 * Invalid UTF-8 and control characters are replaced.
 */
enum render_status layout_add_text(struct layout_page *page, const char *text, size_t len,
				   double size_px, struct sirius_error *err);

/* Adds one centred, bold, upper-cased line of size_px pixels (the template's header). */
enum render_status layout_add_header(struct layout_page *page, const char *text, double size_px,
				     struct sirius_error *err);

/*
 * Adds an image given as encoded bytes (PNG, JPEG, GIF: sniffed, never
 * trusted from a label) scaled to the column's full width. Returns
 * RENDER_BAD_IMAGE for data that is not a supported intact image, and
 * RENDER_IMAGE_TOO_LARGE past the page's pixel budget.
 */
enum render_status layout_add_image_data(struct layout_page *page, const uint8_t *data, size_t len,
					 struct sirius_error *err);

/* Adds a grey image scaled to the column's full width (alpha already on white). */
enum render_status layout_add_greymap(struct layout_page *page, const struct greymap *gm,
				      struct sirius_error *err);

/*
 * Parses html with libxml2's HTML parser (tolerant of broken markup, no
 * network, no external entities) and lays out the body. Returns
 * RENDER_TOO_DEEP or RENDER_TOO_MANY_ELEMENTS before laying anything out when
 * the tree exceeds the page's limits, RENDER_TIMEOUT, RENDER_IMAGE_TOO_LARGE;
 * an <img> that cannot be decoded is left out, not an error.
 */
enum render_status layout_add_html(struct layout_page *page, const char *html, size_t len,
				   struct sirius_error *err);

/*
 * Draws the page into a new greymap width pixels wide and
 * min(height + bottom_rows, max_rows) rows tall (at least one row); the
 * caller frees it. Text is black on white without grey edges; images keep
 * their greys. Returns RENDER_OK, RENDER_TIMEOUT or RENDER_NO_MEMORY.
 */
enum render_status layout_page_draw(struct layout_page *page, int bottom_rows, int max_rows,
				    struct greymap **out, struct sirius_error *err);

/*
 * Releases what laying out text loads for the life of the process: Pango's
 * font map, Cairo's font caches and fontconfig's configuration. For the
 * end of a program, when no page is left; does nothing when no text was
 * laid out. Waits up to a second for Pango's font-sorting threads to finish;
 * with a page still alive it releases only the default font map.
 */
void layout_release_fonts(void);

#endif
