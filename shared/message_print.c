/* message_print.c: a stored message's print, from its payload (or, for older messages, its PNG). */
#include "message_print.h"

#include <stdlib.h>
#include <string.h>

#include "bitmap_png.h"
#include "printer_payload.h"

int message_has_print(const struct db_message *message)
{
	return message->has_print || (message->payload && message->payload_len > 0) || (message->png && message->png_len > 0);
}

/* The blocks of a decoded payload stacked top to bottom in one bitmap; NULL with a reason in err. */
static struct bitmap *stack_blocks(const struct printer_payload *p, struct sirius_error *err)
{
	struct bitmap *stack;
	size_t i, offset = 0;
	long height = 0;

	for (i = 0; i < p->block_count; i++)
		height += p->blocks[i].bitmap->height;
	stack = bitmap_size_ok(PRINTER_WIDTH, height) ? bitmap_new(PRINTER_WIDTH, (int)height) : NULL;
	if (!stack) {
		error_set(err, "out of memory for a print of %ld rows", height);
		return NULL;
	}
	for (i = 0; i < p->block_count; i++) {
		const struct bitmap *block = p->blocks[i].bitmap;
		size_t bytes = block->stride * (size_t)block->height;

		memcpy(stack->bits + offset, block->bits, bytes);
		offset += bytes;
	}
	return stack;
}

struct bitmap *message_print_bitmap(const struct db_message *message, struct sirius_error *err)
{
	struct printer_payload p;
	struct bitmap *bm;

	if (message->payload && message->payload_len > 0) {
		if (printer_payload_decode(message->payload, message->payload_len, PRINTER_WIDTH, &p, err) != 0)
			return NULL;
		bm = stack_blocks(&p, err);
		printer_payload_clear(&p);
		return bm;
	}
	if (message->png && message->png_len > 0)
		return png_read_bitmap(message->png, message->png_len, PRINTER_PAYLOAD_MAX_PIXELS, err);
	error_set(err, "message %u has no stored print", message->id);
	return NULL;
}

int message_print_png(const struct db_message *message, uint8_t **png, size_t *png_len, struct sirius_error *err)
{
	struct bitmap *bm;
	int rc;

	*png = NULL;
	*png_len = 0;
	if (message->png && message->png_len > 0) {
		*png = malloc(message->png_len);
		if (!*png)
			return error_set(err, "out of memory copying a PNG of %zu bytes", message->png_len);
		memcpy(*png, message->png, message->png_len);
		*png_len = message->png_len;
		return 0;
	}
	bm = message_print_bitmap(message, err);
	if (!bm)
		return -1;
	rc = png_write_bitmap(bm, png, png_len, err);
	bitmap_free(bm);
	return rc;
}
