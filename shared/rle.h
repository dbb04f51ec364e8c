/* rle.h: the Little Printer's run-length code of a one-bit bitmap (PROTOCOL.md section 3). */
#ifndef SIRIUS_RLE_H
#define SIRIUS_RLE_H

#include <stddef.h>
#include <stdint.h>

#include "bitmap.h"
#include "error.h"

/*
 * The code is a sequence of runs of equal pixels that alternate white, black,
 * white, ... starting with white (an image whose first pixel is black starts
 * with an empty white run, the byte 0). A run of L pixels is written as:
 *
 *   L <= 251   the byte L;
 *   L > 251    chunks of 1536, 1152, 768, 384 or 251 pixels (bytes 255..251),
 *              the largest that fits, while more than 251 remain, each chunk
 *              after the first preceded by a 0 byte; a remainder R > 0 is then
 *              written as the two bytes 0, R.
 *
 * Reading: a chunk byte (251..255) adds to the current run, and a 0 right
 * after a chunk byte says the same run continues with the next byte; any
 * other byte ends the run. A 0 that is not right after a chunk byte is an
 * empty run (it only switches the colour).
 *
 * A printer's bitmap is coded rotated 180 degrees: the stream starts with the
 * bottom right pixel and ends with the top left one.
 */

/* The longest run written as a single byte, and the smallest chunk of a longer one. */
#define RLE_CHUNK_MIN 251

/* Bytes the code of one run of run pixels takes (1 for an empty run). */
size_t rle_run_size(size_t run);

/*
 * Writes the code of one run of run pixels to out, which must hold
 * rle_run_size(run) bytes. Returns the number of bytes written.
 */
size_t rle_put_run(uint8_t *out, size_t run);

/*
 * Codes bm rotated 180 degrees, the way a printer command carries it, reading
 * whole 64-bit words of its packed rows (a run boundary is found with a count
 * of trailing zeros, not pixel by pixel). Returns 0 with *out (malloc'd, never
 * more than width * height + 1 bytes) and *out_len set; -1 and a reason in err
 * for an invalid bitmap or when memory ran out.
 */
int rle_encode_bitmap(const struct bitmap *bm, uint8_t **out, size_t *out_len, struct sirius_error *err);

/*
 * Counts the pixels that len bytes of code hold, without storing them.
 * Returns 0 with *count set; -1 and a reason in err when the code is
 * malformed (a continuation 0 at the end or followed by 0) or holds more than
 * max_pixels pixels.
 */
int rle_pixel_count(const uint8_t *rle, size_t len, size_t max_pixels, size_t *count,
		    struct sirius_error *err);

/*
 * Decodes len bytes of code into a bitmap width pixels wide, undoing the 180
 * degree rotation. Returns the bitmap; NULL and a reason in err when the code
 * is malformed, holds no pixels, more than max_pixels pixels or a number that
 * is not a multiple of width, when the size is out of bounds or memory ran out.
 */
struct bitmap *rle_decode_bitmap(const uint8_t *rle, size_t len, int width, size_t max_pixels,
				 struct sirius_error *err);

/*
 * As rle_decode_bitmap, but a pixel count that is not a multiple of width is
 * laid out the way a printer prints it: the stream still starts at the bottom
 * right, and the top row is completed with white pixels at its start, whose
 * number goes to *padding (when not NULL; 0 for a whole number of rows).
 */
struct bitmap *rle_decode_bitmap_padded(const uint8_t *rle, size_t len, int width, size_t max_pixels,
					size_t *padding, struct sirius_error *err);

#endif
