/* bitmap_png.h: PNG in memory or in a file, read to grey or one-bit images and written from them, with libpng. */
#ifndef SIRIUS_BITMAP_PNG_H
#define SIRIUS_BITMAP_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "bitmap.h"
#include "error.h"

/* The largest PNG file png_read_file() reads. */
#define PNG_FILE_MAX_BYTES ((size_t)64 * 1024 * 1024)

/*
 * Bytes libpng may hold while reading besides the image itself: its row
 * buffers (a few rows of the widest pixels), zlib's state and the ancillary
 * chunks it keeps. png_read_grey() and png_read_bitmap() allow an image of
 * max_pixels one byte a pixel plus this.
 */
#define PNG_READ_WORKSPACE ((size_t)16 * 1024 * 1024)

/*
 * Reads any PNG (grey of 1, 2, 4, 8 or 16 bits, grey with alpha, RGB, RGBA,
 * palette with or without tRNS, interlaced or not) into an 8-bit greymap.
 * Colour becomes grey as (299 R + 587 G + 114 B) / 1000 of the stored values
 * (no gamma correction); alpha is composited on white. libpng's
 * transformations expand and scale the samples and a last one folds each row
 * to grey, so the greymap is all the image memory a decode takes, interlaced
 * or not (one byte a pixel, never a whole-image RGBA copy).
 *
 * Everything the decode holds at once (the greymap and every allocation of
 * libpng's) is bounded by max_bytes: the size the header declares is checked
 * against it before the image is allocated, and libpng's own allocations are
 * counted as they happen.
 *
 * Returns the greymap; NULL and a reason in err for data that is not PNG,
 * truncated or corrupt PNG, an image of more than max_pixels pixels or out of
 * the bounds of bitmap_size_ok(), one that needs more than max_bytes ("PNG of
 * W x H pixels needs N MiB of memory to decode, more than the M MiB
 * allowed"), or out of memory. libpng's errors are caught here: it never
 * longjmps out of this function, and prints nothing.
 */
struct greymap *png_read_grey_budget(const uint8_t *data, size_t len, size_t max_pixels, size_t max_bytes,
				     struct sirius_error *err);

/* png_read_grey_budget() with a budget of max_pixels bytes plus PNG_READ_WORKSPACE. */
struct greymap *png_read_grey(const uint8_t *data, size_t len, size_t max_pixels, struct sirius_error *err);

/*
 * Reads a PNG into a packed bitmap: a one-bit grey PNG (what png_write_bitmap
 * writes) goes straight from libpng into the bitmap's rows; any other is read
 * as png_read_grey() does and made one-bit: grey below 128 is black. Returns
 * the bitmap; NULL and a reason in err as png_read_grey().
 */
struct bitmap *png_read_bitmap(const uint8_t *data, size_t len, size_t max_pixels, struct sirius_error *err);

/*
 * Writes bm as a one-bit grey PNG into *out (malloc'd, *out_len bytes).
 * Returns 0; -1 and a reason in err for an invalid bitmap or out of memory.
 */
int png_write_bitmap(const struct bitmap *bm, uint8_t **out, size_t *out_len, struct sirius_error *err);

/*
 * Writes gm as an 8-bit grey PNG into *out (malloc'd, *out_len bytes).
 * Returns 0; -1 and a reason in err for an invalid greymap or out of memory.
 */
int png_write_greymap(const struct greymap *gm, uint8_t **out, size_t *out_len, struct sirius_error *err);

/*
 * Writes bm as a one-bit grey PNG file at path (created or truncated; removed
 * again when writing fails). Returns 0; -1 and a reason in err for an invalid
 * bitmap or a file that cannot be written.
 */
int png_write_bitmap_file(const struct bitmap *bm, const char *path, struct sirius_error *err);

/*
 * Reads the whole regular file at path into *data (malloc'd, *len bytes).
 * Returns 0; -1 and a reason in err when it cannot be opened or read, is not
 * a regular file or is larger than PNG_FILE_MAX_BYTES.
 */
int png_read_file(const char *path, uint8_t **data, size_t *len, struct sirius_error *err);

#endif
