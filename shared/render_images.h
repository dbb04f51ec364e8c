/* render_images.h: loading the http(s) images of an HTML message before it is laid out, with a warning for each one that fails. */
#ifndef SIRIUS_RENDER_IMAGES_H
#define SIRIUS_RENDER_IMAGES_H

#include <stddef.h>

#include "render.h"

/* Bounds of the images of one message. */
#define RENDER_IMAGES_MAX 16                /* remote images fetched per message; more are left out */
#define RENDER_IMAGES_TIMEOUT_MS 10000      /* all fetches of one message together */

/*
 * Rewrites html (len bytes) so that each <img src="http(s)://..."> carries
 * its image as a data: URI, fetched through shared/fetch (public addresses
 * only, each at most max_image_bytes, RENDER_IMAGES_TIMEOUT_MS in all). An
 * image that cannot be loaded (a fetch failure, an answer that is not a
 * PNG, JPEG, GIF or WebP, a source that is neither http(s) nor data:) is
 * removed and adds a sentence to result's warnings.
 *
 * Returns 1 with *out (g_malloc'd, *out_len bytes) when the document was
 * rewritten, 0 when it had no image to load or drop (*out NULL: use html as
 * it is), -1 when html could not be parsed (use it as it is).
 */
int render_load_images(const char *html, size_t len, size_t max_image_bytes, struct render_result *result,
		       char **out, size_t *out_len);

/* Adds a warning (printf-like) to result; beyond RENDER_WARNINGS_MAX the last one says that more were left out. */
void render_warn(struct render_result *result, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
