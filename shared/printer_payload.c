/* printer_payload.c: building and reading the binary payload of a printer command. */
#include "printer_payload.h"

#include <stdlib.h>
#include <string.h>

#include "rle.h"

/* Every command, its name and how many bitmaps it carries. */
static const struct {
	uint16_t code;    /* the command code */
	const char *name; /* its name in PROTOCOL.md */
	int images;       /* bitmaps it carries */
} commands[] = {
	{ PRINTER_SET_DELIVERY_AND_PRINT, "set_delivery_and_print", 1 },
	{ PRINTER_SET_DELIVERY, "set_delivery", 1 },
	{ PRINTER_SET_DELIVERY_AND_PRINT_NO_FACE, "set_delivery_and_print_no_face", 1 },
	{ PRINTER_SET_DELIVERY_NO_FACE, "set_delivery_no_face", 1 },
	{ PRINTER_SET_PERSONALITY_WITH_MESSAGE, "set_personality_with_message", 5 },
	{ PRINTER_SET_PERSONALITY, "set_personality", 4 },
	{ PRINTER_SET_QUIP, "set_quip", 3 },
	{ PRINTER_FIRMWARE_UPDATE, "firmware_update", 0 },
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

/* Speed, acceleration, current and intensity, as every server has sent them. */
static const uint8_t printer_settings[PRINTER_SETTINGS_SIZE] = {
	0x1d, 0x73, 0x03, 0xe8, 0x1d, 0x61, 0xd0, 0x1d, 0x2f, 0x0f, 0x1d, 0x44, 0x80,
};

/* Bytes of an image block's header region after its length field. */
#define HEADER_REGION_DATA 21

/* Largest pixel count whose pixel_count / 8 fits the header's 24 bits. */
#define MAX_CODED_PIXELS (((size_t)0xffffff << 3) | 7)

int printer_command_from_name(const char *name, enum printer_command_code *code)
{
	size_t i;

	if (!name)
		return -1;
	for (i = 0; i < COMMAND_COUNT; i++) {
		if (strcmp(commands[i].name, name) == 0) {
			*code = (enum printer_command_code)commands[i].code;
			return 0;
		}
	}
	return -1;
}

const char *printer_command_name(uint16_t code)
{
	size_t i;

	for (i = 0; i < COMMAND_COUNT; i++)
		if (commands[i].code == code)
			return commands[i].name;
	return NULL;
}

int printer_command_image_count(uint16_t code)
{
	size_t i;

	for (i = 0; i < COMMAND_COUNT; i++)
		if (commands[i].code == code)
			return commands[i].images;
	return -1;
}

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Writes one image block (PRINTER_BLOCK_OVERHEAD + rle_len bytes) at p. */
static void put_block(uint8_t *p, size_t pixel_count, const uint8_t *rle, size_t rle_len)
{
	size_t pixel_bytes = pixel_count / 8;

	put_u32(p, (uint32_t)(PRINTER_BLOCK_OVERHEAD - 4 + rle_len));
	p[4] = 0;
	p[5] = 0;
	put_u32(p + 6, HEADER_REGION_DATA);
	memcpy(p + 10, printer_settings, PRINTER_SETTINGS_SIZE);
	p[23] = 0x1b;
	p[24] = 0x2a;
	p[25] = (uint8_t)pixel_bytes;
	p[26] = (uint8_t)(pixel_bytes >> 8);
	p[27] = (uint8_t)(pixel_bytes >> 16);
	p[28] = 0x00;
	p[29] = 0x00;
	p[30] = 0x30;
	p[31] = 1;
	put_u32(p + 32, (uint32_t)rle_len);
	memcpy(p + PRINTER_BLOCK_OVERHEAD, rle, rle_len);
}

int printer_payload_encode(uint16_t command, uint32_t print_id, const struct bitmap *const *images, size_t count,
			   uint8_t **out, size_t *out_len, struct sirius_error *err)
{
	uint8_t *codes[PRINTER_MAX_IMAGES] = { NULL };
	size_t code_len[PRINTER_MAX_IMAGES] = { 0 };
	size_t i, length = 0, pos;
	int wanted = printer_command_image_count(command);
	uint8_t *buf = NULL;
	int rc = -1;

	if (wanted < 0)
		return error_set(err, "unknown printer command 0x%04x", command);
	if (wanted == 0)
		return error_set(err, "printer command %s carries no images and is not supported",
				 printer_command_name(command));
	if (count != (size_t)wanted)
		return error_set(err, "printer command %s carries %d images, not %zu", printer_command_name(command),
				 wanted, count);
	if (!images)
		return error_set(err, "no images given");
	for (i = 0; i < count; i++) {
		const struct bitmap *bm = images[i];
		size_t pixels;

		if (!bm || !bm->bits || !bitmap_size_ok(bm->width, bm->height)) {
			error_set(err, "image %zu is not a valid bitmap", i);
			goto out;
		}
		pixels = (size_t)bm->width * (size_t)bm->height;
		if (pixels > MAX_CODED_PIXELS) {
			error_set(err, "image %zu has %zu pixels, too many for a printer command", i, pixels);
			goto out;
		}
		if (rle_encode_bitmap(bm, &codes[i], &code_len[i], err) < 0)
			goto out;
		if (code_len[i] > UINT32_MAX - PRINTER_BLOCK_OVERHEAD ||
		    length > UINT32_MAX - PRINTER_BLOCK_OVERHEAD - code_len[i]) {
			error_set(err, "printer command too long");
			goto out;
		}
		length += PRINTER_BLOCK_OVERHEAD + code_len[i];
	}
	buf = malloc(PRINTER_PAYLOAD_HEADER_SIZE + length);
	if (!buf) {
		error_set(err, "out of memory for a printer command of %zu bytes", length);
		goto out;
	}
	buf[0] = PRINTER_DEVICE_TYPE;
	buf[1] = 0;
	put_u16(buf + 2, command);
	put_u32(buf + 4, print_id);
	put_u32(buf + 8, 0);
	put_u32(buf + 12, (uint32_t)length);
	pos = PRINTER_PAYLOAD_HEADER_SIZE;
	for (i = 0; i < count; i++) {
		put_block(buf + pos, (size_t)images[i]->width * (size_t)images[i]->height, codes[i], code_len[i]);
		pos += PRINTER_BLOCK_OVERHEAD + code_len[i];
	}
	*out = buf;
	*out_len = pos;
	rc = 0;
out:
	for (i = 0; i < PRINTER_MAX_IMAGES; i++)
		free(codes[i]);
	return rc;
}

/*
 * Lays out count stream pixels of rle at width, the way the printer prints
 * them (see printer_payload_decode). Returns the bitmap with *padding set, or
 * NULL with a reason.
 */
static struct bitmap *layout(const uint8_t *rle, size_t rle_len, size_t count, int width, size_t *padding,
			     struct sirius_error *err)
{
	struct bitmap *bm;
	size_t pad = 0, held;

	if (count == 0) {
		error_set(err, "image holds no pixels");
		return NULL;
	}
	bm = rle_decode_bitmap_padded(rle, rle_len, width, count, &pad, err);
	if (!bm)
		return NULL;
	held = (size_t)bm->width * (size_t)bm->height - pad;
	if (held != count) {
		error_set(err, "run-length code holds %zu pixels, not %zu", held, count);
		bitmap_free(bm);
		return NULL;
	}
	if (padding)
		*padding = pad;
	return bm;
}

struct bitmap *printer_payload_block_bitmap(const struct printer_payload_block *block, int width, size_t *padding,
					    struct sirius_error *err)
{
	if (!block || !block->rle) {
		error_set(err, "no block");
		return NULL;
	}
	return layout(block->rle, block->rle_len, block->pixel_count, width, padding, err);
}

/*
 * Reads the image block at data (avail bytes left in the payload) into b and
 * stores its total length in *used. Returns 0, or -1 with a reason.
 */
static int decode_block(const uint8_t *data, size_t avail, int width, struct printer_payload_block *b, size_t *used,
			struct sirius_error *err)
{
	uint32_t size, header_len, rle_len;
	const uint8_t *h;

	if (avail < PRINTER_BLOCK_OVERHEAD)
		return error_set(err, "image block truncated: %zu bytes left, %d needed", avail,
				 PRINTER_BLOCK_OVERHEAD);
	size = get_u32(data);
	if (size > avail - 4)
		return error_set(err, "image block of %u bytes overruns the payload (%zu bytes left)", size,
				 avail - 4);
	if (data[4] != 0 || data[5] != 0)
		return error_set(err, "image block does not start with 00 00");
	header_len = get_u32(data + 6);
	if (header_len != HEADER_REGION_DATA)
		return error_set(err, "image header region of %u bytes, not %d", header_len, HEADER_REGION_DATA);
	h = data + 10;
	if (h[13] != 0x1b || h[14] != 0x2a || h[18] != 0x00 || h[19] != 0x00 || h[20] != 0x30)
		return error_set(err, "image header region is not 1b 2a n1 n2 n3 00 00 30");
	if (data[31] != 1)
		return error_set(err, "run-length block marker is %u, not 1", data[31]);
	rle_len = get_u32(data + 32);
	if (size != PRINTER_BLOCK_OVERHEAD - 4 + (size_t)rle_len)
		return error_set(err, "image block size %u does not match its %u bytes of run-length code", size,
				 rle_len);
	memcpy(b->settings, h, PRINTER_SETTINGS_SIZE);
	b->size = size;
	b->pixel_bytes = (uint32_t)h[15] | (uint32_t)h[16] << 8 | (uint32_t)h[17] << 16;
	b->rle_len = rle_len;
	if (rle_pixel_count(data + PRINTER_BLOCK_OVERHEAD, rle_len, PRINTER_PAYLOAD_MAX_PIXELS, &b->pixel_count,
			    err) < 0)
		return -1;
	if (b->pixel_count == 0)
		return error_set(err, "image holds no pixels");
	if (b->pixel_count / 8 != b->pixel_bytes)
		return error_set(err, "image header says %u bytes of pixels, the code holds %zu pixels",
				 b->pixel_bytes, b->pixel_count);
	b->rle = malloc(rle_len > 0 ? rle_len : 1);
	if (!b->rle)
		return error_set(err, "out of memory");
	memcpy(b->rle, data + PRINTER_BLOCK_OVERHEAD, rle_len);
	b->bitmap = layout(b->rle, b->rle_len, b->pixel_count, width, &b->padding, err);
	if (!b->bitmap)
		return -1;
	*used = 4 + (size_t)size;
	return 0;
}

int printer_payload_decode(const uint8_t *data, size_t len, int width, struct printer_payload *out,
			   struct sirius_error *err)
{
	struct printer_payload p;
	size_t pos, used = 0;
	int images;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	if (width < 1 || width > BITMAP_MAX_SIDE)
		return error_set(err, "invalid bitmap width %d", width);
	if (!data || len < PRINTER_PAYLOAD_HEADER_SIZE)
		return error_set(err, "printer payload of %zu bytes is shorter than its header", data ? len : 0);
	p.device_type = data[0];
	if (p.device_type != PRINTER_DEVICE_TYPE)
		return error_set(err, "device type %u is not a Little Printer", p.device_type);
	if (data[1] != 0)
		return error_set(err, "reserved byte of the payload header is %u, not 0", data[1]);
	p.command = get_u16(data + 2);
	images = printer_command_image_count(p.command);
	if (images < 0)
		return error_set(err, "unknown printer command 0x%04x", p.command);
	if (images == 0)
		return error_set(err, "printer command %s carries no images", printer_command_name(p.command));
	p.print_id = get_u32(data + 4);
	p.crc = get_u32(data + 8);
	p.length = get_u32(data + 12);
	if (p.length != len - PRINTER_PAYLOAD_HEADER_SIZE)
		return error_set(err, "payload header says %u bytes follow, %zu do", p.length,
				 len - PRINTER_PAYLOAD_HEADER_SIZE);
	p.blocks = calloc((size_t)images, sizeof(*p.blocks));
	if (!p.blocks)
		return error_set(err, "out of memory");
	pos = PRINTER_PAYLOAD_HEADER_SIZE;
	while (pos < len) {
		if (p.block_count == (size_t)images) {
			error_set(err, "printer command %s carries %d images, the payload has more",
				  printer_command_name(p.command), images);
			goto fail;
		}
		if (decode_block(data + pos, len - pos, width, &p.blocks[p.block_count], &used, err) < 0) {
			p.block_count++;
			goto fail;
		}
		p.block_count++;
		pos += used;
	}
	if (p.block_count != (size_t)images) {
		error_set(err, "printer command %s carries %d images, the payload has %zu",
			  printer_command_name(p.command), images, p.block_count);
		goto fail;
	}
	*out = p;
	return 0;
fail:
	printer_payload_clear(&p);
	return -1;
}

void printer_payload_clear(struct printer_payload *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->block_count; i++) {
		free(p->blocks[i].rle);
		bitmap_free(p->blocks[i].bitmap);
	}
	free(p->blocks);
	memset(p, 0, sizeof(*p));
}
