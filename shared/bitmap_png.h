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
 * Reads any PNG (grey of 1, 2, 4, 8 or 16 bits, grey with alpha, RGB, RGBA,
 * palette with or without tRNS, interlaced or not) into an 8-bit greymap.
 * Colour becomes grey as (299 R + 587 G + 114 B) / 1000 of the stored values
 * (no gamma correction); alpha is composited on white. While reading, a
 * non-interlaced image needs one RGBA row besides the greymap, an interlaced
 * one an RGBA copy of the whole image (4 bytes a pixel).
 *
 * Returns the greymap; NULL and a reason in err for data that is not PNG,
 * truncated or corrupt PNG, an image of more than max_pixels pixels or out of
 * the bounds of bitmap_size_ok(), or out of memory. libpng's errors are caught
 * here: it never longjmps out of this function, and prints nothing.
 */
struct greymap *png_read_grey(const uint8_t *data, size_t len, size_t max_pixels, struct sirius_error *err);

/*
 * Reads a PNG as png_read_grey() does and makes it one-bit: grey below 128 is
 * black. Returns the bitmap; NULL and a reason in err as png_read_grey().
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
