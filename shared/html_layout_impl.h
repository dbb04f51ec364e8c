/* html_layout_impl.h: the page's internals shared by html_layout.c and the HTML tree walk (html_tree.c). */
#ifndef SIRIUS_HTML_LAYOUT_IMPL_H
#define SIRIUS_HTML_LAYOUT_IMPL_H

#include <pango/pango.h>

#include "html_layout.h"

/* Whether the page has no room left (content added now is dropped). */
int page_full(const struct layout_page *page);

/* Records that content was dropped at the page's end. */
void page_mark_truncated(struct layout_page *page);

/* The column width, in pixels. */
int page_width(const struct layout_page *page);

/* The page's Pango context (font options set). */
PangoContext *page_context(struct layout_page *page);

/* The HTML limits of the page. */
int page_max_depth(const struct layout_page *page);
int page_max_elements(const struct layout_page *page);

/* RENDER_TIMEOUT (err naming the limit) once the page's deadline has passed, else RENDER_OK. */
enum render_status page_check_time(const struct layout_page *page, struct sirius_error *err);

/* Asks for at least rows of white before the next block (margins collapse: the largest wins). */
void page_add_margin(struct layout_page *page, int rows);

/* Rows left below the next block's top, 0 when full. */
int page_rows_left(const struct layout_page *page);

/* Adds to attrs an attribute that keeps Pango from adding hyphens where it breaks a word. */
void page_no_hyphens(PangoAttrList *attrs);

/* A new layout width pixels wide that wraps at words and breaks long words (without hyphens). */
PangoLayout *page_new_layout(struct layout_page *page, int width);

/*
 * Places layout (ownership taken) at x, with an optional list marker (owned
 * too) right-aligned marker_gap pixels left of x on the first line's baseline.
 * Returns RENDER_OK or RENDER_TIMEOUT.
 */
enum render_status page_add_layout(struct layout_page *page, PangoLayout *layout, int x,
				   PangoLayout *marker, int marker_gap, struct sirius_error *err);

/* Places a black bar. */
void page_add_rule(struct layout_page *page, int x, int width, int height);

/* Places an image already at its final size (ownership of gm taken). */
void page_add_scaled_image(struct layout_page *page, struct greymap *gm, int x);

/*
 * Decodes an image near target_width pixels wide, charging its pixels to the
 * page's budget. Returns RENDER_OK with *out set (the caller frees it),
 * RENDER_IMAGE_TOO_LARGE, RENDER_BAD_IMAGE, RENDER_NO_MEMORY or RENDER_TIMEOUT;
 * on anything but RENDER_OK *out is NULL (an image decoded before the time
 * limit passed is freed here).
 */
enum render_status page_decode_image(struct layout_page *page, const uint8_t *data, size_t len,
				     int target_width, struct greymap **out, struct sirius_error *err);

#endif
