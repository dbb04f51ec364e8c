/* face_images.h: the four images of a personality: sets shipped in www/static/faces, or uploads made printable. */
#ifndef SIRIUS_CGI_FACE_IMAGES_H
#define SIRIUS_CGI_FACE_IMAGES_H

#include <stddef.h>
#include <stdint.h>

#include "bitmap.h"
#include "error.h"
#include "request.h"

/*
 * A personality is four images, in the order set_personality carries them
 * (PROTOCOL.md section 3): the face printed with deliveries, then what the
 * printer prints when the button finds nothing to print, when it cannot see
 * its bridge and when it cannot reach the internet. A shipped set is a
 * directory www/static/faces/NAME holding the four as one-bit PNGs 384 dots
 * wide (tools/make-faces draws them); an uploaded image of any size and
 * format image_decode reads is fitted into FACE_MAX_ROWS rows of the
 * printer's width and dithered.
 */

#define FACE_IMAGES 4                               /* images of a personality */
#define FACE_MAX_ROWS 384                           /* tallest personality image, in rows */
#define FACE_UPLOAD_MAX (3 * 1024 * 1024)           /* largest uploaded image file: four fit one request */
#define FACE_UPLOAD_MAX_PIXELS ((size_t)4096 * 4096) /* most pixels an uploaded image may declare */
#define FACE_KEPT_MAX (256 * 1024)                  /* longest base64 one-bit PNG a preview hands back */

/* The file names of a shipped set's images ("face.png", ...), in command order. */
extern const char *const face_image_files[FACE_IMAGES];

/* The form fields of the uploaded images ("face_image", ...), in command order. */
extern const char *const face_image_fields[FACE_IMAGES];

/* The form fields that hand a previewed image back, base64 one-bit PNGs ("kept_face", ...), in command order. */
extern const char *const face_kept_fields[FACE_IMAGES];

/* What each image is, in words for the person ("face", "nothing to print", ...), in command order. */
extern const char *const face_image_labels[FACE_IMAGES];

/*
 * The names of the sets shipped in www_dir/static/faces, sorted: directories
 * named with 1..32 of [a-z0-9-] holding all four files. Returns a
 * NULL-terminated array (g_strfreev it), empty when there are none.
 */
char **face_sets(const char *www_dir);

/* 1 when name is one of face_sets(www_dir), else 0. */
int face_set_exists(const char *www_dir, const char *name);

/*
 * Reads the four images of shipped set name into out[0..3] (bitmap_free
 * each). Returns 0, or -1 with a reason in err (no such set, a file that
 * cannot be read or is not 1..FACE_MAX_ROWS rows of the printer's width).
 */
int face_set_load(const char *www_dir, const char *name, struct bitmap *out[FACE_IMAGES], struct sirius_error *err);

/*
 * Makes an uploaded image (len bytes) printable as a personality image:
 * decoded, fitted into PRINTER_WIDTH x FACE_MAX_ROWS keeping its aspect
 * ratio (centred on white when narrower) and dithered. Returns the bitmap,
 * or NULL with an HTTP status in *status and a sentence naming label in why:
 * 413 for a file over FACE_UPLOAD_MAX bytes or FACE_UPLOAD_MAX_PIXELS
 * pixels, 415 for a format that is not PNG, JPEG, GIF or WebP, 422 for a
 * damaged image, 500 when out of memory.
 */
struct bitmap *face_image_from_upload(const uint8_t *data, size_t len, const char *label, int *status,
				      char why[REQUEST_WHY_MAX]);

#endif
