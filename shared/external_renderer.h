/* external_renderer.h: HTML to a grey image through an external program (e.g. wkhtmltoimage). */
#ifndef SIRIUS_EXTERNAL_RENDERER_H
#define SIRIUS_EXTERNAL_RENDERER_H

#include <stddef.h>

#include "bitmap.h"
#include "error.h"
#include "image_decode.h"

/* The most a renderer may write to its standard output, in bytes. */
#define EXTERNAL_RENDER_MAX_OUTPUT ((size_t)32 * 1024 * 1024)

/* The time a renderer gets when the caller passes a timeout_ms of 0 or less. */
#define EXTERNAL_RENDER_DEFAULT_TIMEOUT_MS 10000

/* The fixed PATH of the renderer's environment, where a bare command name is looked up. */
#define EXTERNAL_RENDER_PATH "/usr/local/bin:/usr/bin:/bin"

/*
 * Runs command (as from SIRIUS_HTML_RENDERER, e.g. "wkhtmltoimage
 * --disable-javascript --disable-local-file-access --width 384 --format png - -"),
 * split into words by GLib's shell rules but run without a shell (fork and
 * execve, in a process group of its own, other descriptors closed), with the
 * len bytes of html on its standard input. A first word without a slash is
 * looked up in EXTERNAL_RENDER_PATH, never in the caller's PATH. The renderer
 * gets a clean environment of its own: PATH=EXTERNAL_RENDER_PATH,
 * HOME=/nonexistent and LANG=C.UTF-8, nothing else (under FastCGI the
 * caller's environment is the request's, with its cookies). Its standard output must be an
 * image (PNG, or any format image_decode reads) of at most
 * EXTERNAL_RENDER_MAX_OUTPUT bytes; it is decoded with max_pixels and, when
 * width > 0 and the image is not already width pixels wide, scaled to that
 * width (keeping the aspect ratio, at most PRINTER_MAX_ROWS rows). The renderer
 * and anything it started are killed once timeout_ms have passed (0 or less:
 * EXTERNAL_RENDER_DEFAULT_TIMEOUT_MS). SIGPIPE is held off while html is
 * written, so a renderer that does not read it all cannot kill the caller.
 * Returns IMAGE_OK with *out set, or with *out NULL and err saying why:
 *   IMAGE_UNSUPPORTED  the command is empty or unparsable, or cannot be run
 *                      (not found, not executable)
 *   IMAGE_CORRUPT      it timed out, exited with a non-zero status or a signal
 *                      (its first line on standard error is quoted), wrote too
 *                      much, or wrote something that is not a decodable image
 *   IMAGE_TOO_MANY_PIXELS, IMAGE_CORRUPT, IMAGE_NO_MEMORY from decoding the output
 *   IMAGE_NO_MEMORY    pipes, fork or memory failed
 */
enum image_decode_status external_render_html(const char *command, const char *html, size_t len,
					      int width, int timeout_ms, size_t max_pixels,
					      struct greymap **out, struct sirius_error *err);

#endif
