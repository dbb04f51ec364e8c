/* image_decode.h: uploaded images (PNG, JPEG, GIF, WebP) to 8-bit grey, sniffed by their magic bytes. */
#ifndef SIRIUS_IMAGE_DECODE_H
#define SIRIUS_IMAGE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "bitmap.h"
#include "error.h"

/* What an upload is, judged by its first bytes only (never by a Content-Type). */
enum image_format {
	IMAGE_FORMAT_UNKNOWN = 0, /* none of the formats below */
	IMAGE_FORMAT_PNG,         /* 89 'PNG' 0d 0a 1a 0a */
	IMAGE_FORMAT_JPEG,        /* ff d8 ff */
	IMAGE_FORMAT_GIF,         /* 'GIF87a' or 'GIF89a' */
	IMAGE_FORMAT_WEBP         /* 'RIFF' size 'WEBP' */
};

/* How a decode went; everything but IMAGE_OK comes with a reason in the sirius_error. */
enum image_decode_status {
	IMAGE_OK = 0,          /* *out holds the image */
	IMAGE_UNSUPPORTED,     /* not an image this build decodes (unknown bytes, an animated WebP) */
	IMAGE_CORRUPT,         /* malformed or truncated data */
	IMAGE_TOO_MANY_PIXELS, /* the declared size exceeds max_pixels or BITMAP_MAX_SIDE */
	IMAGE_NO_MEMORY        /* an allocation failed */
};

/* The format of data by its magic bytes; IMAGE_FORMAT_UNKNOWN for anything else or too short. */
enum image_format image_sniff(const uint8_t *data, size_t len);

/* A short constant name for a format ("PNG", "JPEG", "GIF", "WebP", "unknown"). */
const char *image_format_name(enum image_format format);

/* A short constant description of a status ("ok", "unsupported format", ...). */
const char *image_decode_status_name(enum image_decode_status status);

/*
 * Decodes a PNG, a JPEG (grey, RGB, YCbCr, CMYK or YCCK; the EXIF orientation
 * is applied), the first frame of a GIF (transparent pixels and the area the
 * frame does not cover are white) or a still WebP (lossy or lossless; alpha
 * composited on white) into a new greymap in *out, to be freed with
 * greymap_free. The size an image declares in its header is checked against
 * max_pixels (0 means BITMAP_MAX_PIXELS; larger values are clamped to it) and
 * BITMAP_MAX_SIDE before anything of that size is allocated.
 * An animated WebP is refused with IMAGE_UNSUPPORTED.
 * On failure *out is NULL and err says why.
 */
enum image_decode_status image_decode(const uint8_t *data, size_t len, size_t max_pixels,
				      struct greymap **out, struct sirius_error *err);

/*
 * As image_decode, for an image about to be scaled to target_width pixels wide:
 * a JPEG wider than that is decoded with libjpeg's DCT scaling (in steps of 1/8)
 * to the smallest size still at least target_width wide (after EXIF rotation),
 * which is much faster for photographs. Other formats decode at full size.
 * A target_width of 0 or less means full size.
 */
enum image_decode_status image_decode_for_width(const uint8_t *data, size_t len, size_t max_pixels,
						int target_width, struct greymap **out,
						struct sirius_error *err);

#endif
