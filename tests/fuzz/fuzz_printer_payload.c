/* fuzz_printer_payload.c: libFuzzer harness of the binary payload decoder and the run-length code under it. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "printer_payload.h"
#include "rle.h"

/* Pixels a raw run-length input may decode to here: a print a few hundred rows long. */
#define FUZZ_RLE_MAX_PIXELS ((size_t)PRINTER_WIDTH * 600)

/*
 * Pixels of a decoded payload above which only the decoding is exercised:
 * a few bytes of run-length code can hold the largest print, and laying
 * that out again and encoding it would make every such input slow.
 */
#define FUZZ_ROUND_TRIP_MAX_PIXELS ((size_t)PRINTER_WIDTH * 1000)

/* A payload: decode it at the printer's width, lay each block out again at another width, encode it back. */
static void payload(const uint8_t *data, size_t size)
{
	struct printer_payload p;
	struct sirius_error err = { "" };
	const struct bitmap *images[PRINTER_MAX_IMAGES];
	uint8_t *again = NULL;
	size_t again_len = 0, total = 0, i;

	if (printer_payload_decode(data, size, PRINTER_WIDTH, &p, &err) < 0) {
		FUZZ_CHECK(err.message[0] != '\0');
		return;
	}
	FUZZ_CHECK(p.block_count == (size_t)printer_command_image_count(p.command));
	FUZZ_CHECK(p.block_count <= PRINTER_MAX_IMAGES);
	for (i = 0; i < p.block_count; i++) {
		const struct printer_payload_block *b = &p.blocks[i];
		int width = 1 + (int)(b->pixel_count % 500);
		size_t padding = 0;
		struct bitmap *bm;

		FUZZ_CHECK(b->bitmap && b->bitmap->width == PRINTER_WIDTH);
		FUZZ_CHECK(b->pixel_count >= 1 && b->pixel_count <= PRINTER_PAYLOAD_MAX_PIXELS);
		FUZZ_CHECK((size_t)b->bitmap->width * (size_t)b->bitmap->height == b->pixel_count + b->padding);
		images[i] = b->bitmap;
		total += b->pixel_count;
		if (total > FUZZ_ROUND_TRIP_MAX_PIXELS)
			continue;
		bm = printer_payload_block_bitmap(b, width, &padding, &err);
		if (bm) {
			FUZZ_CHECK((size_t)bm->width * (size_t)bm->height == b->pixel_count + padding);
			bitmap_free(bm);
		}
	}
	/* what we decoded, we can send again */
	if (total <= FUZZ_ROUND_TRIP_MAX_PIXELS &&
	    printer_payload_encode(p.command, p.print_id, images, p.block_count, &again, &again_len, &err) == 0)
		free(again);
	printer_payload_clear(&p);
}

/* Raw run-length code: count, decode as full rows, and check that re-encoding gives back the same bitmap. */
static void rle(const uint8_t *data, size_t size)
{
	struct sirius_error err = { "" };
	struct bitmap *bm, *back;
	uint8_t *code = NULL;
	size_t counted = 0, code_len = 0;
	int rc;

	rc = rle_pixel_count(data, size, FUZZ_RLE_MAX_PIXELS, &counted, &err);
	bm = rle_decode_bitmap(data, size, PRINTER_WIDTH, FUZZ_RLE_MAX_PIXELS, &err);
	if (!bm)
		return;
	FUZZ_CHECK(rc == 0 && counted > 0 && counted % PRINTER_WIDTH == 0 && counted <= FUZZ_RLE_MAX_PIXELS);
	FUZZ_CHECK((size_t)bm->width * (size_t)bm->height == counted);
	FUZZ_CHECK(rle_encode_bitmap(bm, &code, &code_len, &err) == 0);
	back = rle_decode_bitmap(code, code_len, PRINTER_WIDTH, FUZZ_RLE_MAX_PIXELS, &err);
	FUZZ_CHECK(back != NULL && bitmap_equal(back, bm));
	bitmap_free(back);
	bitmap_free(bm);
	free(code);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	payload(data, size);
	rle(data, size);
	return 0;
}
