/* printer_payload.h: the binary payload of a DeviceCommand to a Little Printer (PROTOCOL.md section 3). */
#ifndef SIRIUS_PRINTER_PAYLOAD_H
#define SIRIUS_PRINTER_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "bitmap.h"
#include "error.h"

/* The printer commands and their codes. */
enum printer_command_code {
	PRINTER_SET_DELIVERY_AND_PRINT = 0x0001,
	PRINTER_SET_DELIVERY = 0x0002,
	PRINTER_SET_DELIVERY_AND_PRINT_NO_FACE = 0x0011,
	PRINTER_SET_DELIVERY_NO_FACE = 0x0012,
	PRINTER_SET_PERSONALITY_WITH_MESSAGE = 0x0101,
	PRINTER_SET_PERSONALITY = 0x0102,
	PRINTER_SET_QUIP = 0x0202,
	PRINTER_FIRMWARE_UPDATE = 0xF000,
};

/* The device type of a Little Printer, the first byte of every payload. */
#define PRINTER_DEVICE_TYPE 1

/* Bytes of the payload header, and of the fixed part of an image block before its code. */
#define PRINTER_PAYLOAD_HEADER_SIZE 16
#define PRINTER_BLOCK_OVERHEAD 36

/* The printer settings at the start of every image block's header region. */
#define PRINTER_SETTINGS_SIZE 13

/* Most pixels one image block of a decoded payload may hold: a full-width print of the longest length. */
#define PRINTER_PAYLOAD_MAX_PIXELS ((size_t)PRINTER_WIDTH * PRINTER_MAX_ROWS)

/* Most bitmaps a command carries. */
#define PRINTER_MAX_IMAGES 5

/*
 * Looks up a command by its name in PROTOCOL.md ("set_delivery_and_print",
 * "set_quip", ...). Returns 0 with *code set, or -1 for an unknown name.
 */
int printer_command_from_name(const char *name, enum printer_command_code *code);

/* The PROTOCOL.md name of a command code; NULL when unknown. */
const char *printer_command_name(uint16_t code);

/* The number of bitmaps a command carries (0 for firmware_update); -1 when unknown. */
int printer_command_image_count(uint16_t code);

/*
 * Builds the payload of command for print (command) id print_id, one image
 * block per bitmap, each coded at its own size. count must be the command's
 * image count (firmware_update is refused). On success *out is a malloc'd
 * buffer of *out_len bytes and 0 is returned; -1 and a reason in err for an
 * unknown command, a wrong number of images, an invalid bitmap, an image too
 * large for the block header (pixel_count / 8 must fit 24 bits) or out of memory.
 */
int printer_payload_encode(uint16_t command, uint32_t print_id, const struct bitmap *const *images, size_t count,
			   uint8_t **out, size_t *out_len, struct sirius_error *err);

/* One image block of a decoded payload. */
struct printer_payload_block {
	size_t size;                              /* the block's leading uint32: bytes of the block after it */
	uint8_t settings[PRINTER_SETTINGS_SIZE];  /* speed, acceleration, current and intensity commands */
	uint32_t pixel_bytes;                     /* n1 + 256 n2 + 65536 n3 of the header: pixel_count / 8 */
	size_t pixel_count;                       /* pixels the run-length code holds (at least 1) */
	uint8_t *rle;                             /* malloc'd copy of the run-length code */
	size_t rle_len;                           /* bytes at rle */
	struct bitmap *bitmap;                    /* decoded right way up, width wide (see printer_payload_decode) */
	size_t padding;                           /* white pixels added at the start of the top row (0 normally) */
};

/* A decoded payload. */
struct printer_payload {
	uint8_t device_type;                  /* 1 for a Little Printer */
	uint16_t command;                     /* a known command code with images */
	uint32_t print_id;                    /* the print (command) id */
	uint32_t crc;                         /* the unused CRC field, 0 as sent by every server known */
	uint32_t length;                      /* bytes after the header, all of them image blocks */
	size_t block_count;                   /* equal to printer_command_image_count(command) */
	struct printer_payload_block *blocks; /* block_count blocks, in command order */
};

/*
 * Decodes a payload, checking every field: device type 1, the reserved byte 0,
 * a known command with images, the length, each block's size, markers and
 * header region (21 bytes, 1b 2a n1 n2 n3 00 00 30 after the settings), a
 * pixel count matching n1..n3 and no more than PRINTER_PAYLOAD_MAX_PIXELS, and
 * as many blocks as the command carries.
 *
 * Each block's pixels become a bitmap width pixels wide (384 for real prints),
 * laid out as the printer prints them: the stream fills rows of width from the
 * bottom right. When the pixel count is not a multiple of width the top row is
 * incomplete; it is filled up with white at its start (its left end) and the
 * block's padding says how many pixels were added. printer_payload_block_bitmap()
 * lays a block out again at another width.
 *
 * Returns 0 with *out filled (free it with printer_payload_clear()); -1 and a
 * reason in err, with *out left empty, for anything malformed or out of memory.
 */
int printer_payload_decode(const uint8_t *data, size_t len, int width, struct printer_payload *out,
			   struct sirius_error *err);

/*
 * Lays a decoded block's pixels out at width as printer_payload_decode() does;
 * *padding (when not NULL) gets the number of white pixels added. Returns a new
 * bitmap, or NULL and a reason in err for an invalid width, a size out of
 * bounds or out of memory.
 */
struct bitmap *printer_payload_block_bitmap(const struct printer_payload_block *block, int width, size_t *padding,
					    struct sirius_error *err);

/* Frees what printer_payload_decode() allocated and empties p (NULL is fine). */
void printer_payload_clear(struct printer_payload *p);

#endif
