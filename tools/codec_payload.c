/* codec_payload.c: `sirius-codec payload` and `unpack`: printer command payloads to and from PNGs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "bitmap_png.h"
#include "codec.h"
#include "printer_payload.h"

/* A payload is at most five full-length bitmaps; base64 text of it stays well below this. */
#define PAYLOAD_TEXT_MAX ((size_t)64 * 1024 * 1024)

/* Parses a print id: a decimal number from 1 to 2^32 - 1. Returns 0, or -1 when it is not one. */
static int parse_print_id(const char *text, uint32_t *out)
{
	char *end;
	unsigned long long value;

	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno || *end || value == 0 || value > UINT32_MAX)
		return -1;
	*out = (uint32_t)value;
	return 0;
}

/* Reads the PNGs named in paths as one-bit bitmaps; returns 0, or 1 after saying which one failed. */
static int read_images(char **paths, int count, struct bitmap **images)
{
	int i;

	for (i = 0; i < count; i++) {
		struct sirius_error err;
		uint8_t *data;
		size_t len;

		if (png_read_file(paths[i], &data, &len, &err) != 0) {
			codec_fail("%s: %s", paths[i], err.message);
			return CODEC_EXIT_INVALID;
		}
		images[i] = png_read_bitmap(data, len, PRINTER_PAYLOAD_MAX_PIXELS, &err);
		free(data);
		if (!images[i]) {
			codec_fail("%s: %s", paths[i], err.message);
			return CODEC_EXIT_INVALID;
		}
	}
	return 0;
}

int codec_payload_main(int argc, char **argv)
{
	struct bitmap *images[PRINTER_MAX_IMAGES] = { 0 };
	enum printer_command_code command;
	struct sirius_error err;
	uint32_t print_id;
	uint8_t *payload = NULL;
	size_t payload_len, i;
	int expected, status;
	char *text;

	if (argc < 2) {
		codec_fail("usage: sirius-codec payload COMMAND PRINT_ID IMAGE.png...");
		return CODEC_EXIT_USAGE;
	}
	if (printer_command_from_name(argv[0], &command) != 0 || printer_command_image_count(command) <= 0) {
		codec_fail("'%s' is not a printer command with images (e.g. set_delivery_and_print)", argv[0]);
		return CODEC_EXIT_USAGE;
	}
	if (parse_print_id(argv[1], &print_id) != 0) {
		codec_fail("print id '%s' is not a number from 1 to 4294967295", argv[1]);
		return CODEC_EXIT_USAGE;
	}
	expected = printer_command_image_count(command);
	if (argc - 2 != expected) {
		codec_fail("%s carries %d image%s, %d given", argv[0], expected, expected == 1 ? "" : "s", argc - 2);
		return CODEC_EXIT_USAGE;
	}

	status = read_images(argv + 2, expected, images);
	if (status == 0 &&
	    printer_payload_encode(command, print_id, (const struct bitmap *const *)images, (size_t)expected,
				   &payload, &payload_len, &err) != 0) {
		codec_fail("%s", err.message);
		status = CODEC_EXIT_INVALID;
	}
	if (status == 0) {
		text = base64_encode_alloc(payload, payload_len);
		if (text) {
			puts(text);
			free(text);
		} else {
			codec_fail("out of memory");
			status = CODEC_EXIT_USAGE;
		}
	}
	free(payload);
	for (i = 0; i < PRINTER_MAX_IMAGES; i++)
		bitmap_free(images[i]);
	return status;
}

/* Removes white space around text, in place; returns the new length. */
static size_t trim(char *text, size_t len)
{
	size_t start = 0;

	while (len > 0 && strchr(" \t\r\n", text[len - 1]))
		len--;
	while (start < len && strchr(" \t\r\n", text[start]))
		start++;
	memmove(text, text + start, len - start);
	text[len - start] = '\0';
	return len - start;
}

/* Writes every block's bitmap as DIR/PRINTID-N.png and describes the payload as JSON on stdout. */
static int describe_payload(const struct printer_payload *p, const char *out_dir)
{
	cJSON *json = cJSON_CreateObject(), *blocks;
	size_t i;

	cJSON_AddNumberToObject(json, "device_type", p->device_type);
	cJSON_AddStringToObject(json, "command", printer_command_name(p->command));
	cJSON_AddNumberToObject(json, "command_code", p->command);
	cJSON_AddNumberToObject(json, "print_id", p->print_id);
	cJSON_AddNumberToObject(json, "length", p->length);
	cJSON_AddNumberToObject(json, "block_count", (double)p->block_count);
	blocks = cJSON_AddArrayToObject(json, "blocks");
	for (i = 0; i < p->block_count; i++) {
		const struct printer_payload_block *b = &p->blocks[i];
		cJSON *block = cJSON_CreateObject();
		struct sirius_error err;
		char path[4096];

		snprintf(path, sizeof(path), "%s/%lu-%zu.png", out_dir, (unsigned long)p->print_id, i);
		if (png_write_bitmap_file(b->bitmap, path, &err) != 0) {
			codec_fail("%s", err.message);
			cJSON_Delete(block);
			cJSON_Delete(json);
			return CODEC_EXIT_USAGE;
		}
		cJSON_AddNumberToObject(block, "size", (double)b->size);
		cJSON_AddNumberToObject(block, "pixel_count", (double)b->pixel_count);
		cJSON_AddNumberToObject(block, "width", b->bitmap->width);
		cJSON_AddNumberToObject(block, "height", b->bitmap->height);
		cJSON_AddNumberToObject(block, "padding", (double)b->padding);
		cJSON_AddStringToObject(block, "file", path);
		cJSON_AddItemToArray(blocks, block);
	}
	return codec_print_json(json);
}

int codec_unpack_main(int argc, char **argv)
{
	const char *source = NULL, *out_dir = ".";
	struct printer_payload payload = { 0 };
	struct sirius_error err;
	char *text = NULL;
	uint8_t *bytes;
	size_t len;
	int width = PRINTER_WIDTH, i, status;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out_dir = argv[++i];
		} else if (!strcmp(argv[i], "--width") && i + 1 < argc) {
			width = atoi(argv[++i]);
			if (width < 1 || width > BITMAP_MAX_SIDE) {
				codec_fail("--width takes a number of pixels from 1 to %d", BITMAP_MAX_SIDE);
				return CODEC_EXIT_USAGE;
			}
		} else if (!source) {
			source = argv[i];
		} else {
			source = NULL;
			break;
		}
	}
	if (!source) {
		codec_fail("usage: sirius-codec unpack BASE64|- [--out DIR] [--width N]");
		return CODEC_EXIT_USAGE;
	}

	if (!strcmp(source, "-")) {
		text = codec_read_stdin(PAYLOAD_TEXT_MAX, &len);
		if (!text)
			return CODEC_EXIT_USAGE;
	} else {
		text = strdup(source);
		if (!text)
			return CODEC_EXIT_USAGE;
	}
	len = trim(text, strlen(text));
	bytes = base64_decode_alloc(text, len, &len);
	free(text);
	if (!bytes) {
		codec_fail("the payload is not valid base64");
		return CODEC_EXIT_INVALID;
	}
	if (printer_payload_decode(bytes, len, width, &payload, &err) != 0) {
		codec_fail("%s", err.message);
		free(bytes);
		return CODEC_EXIT_INVALID;
	}
	free(bytes);
	status = describe_payload(&payload, out_dir);
	printer_payload_clear(&payload);
	return status;
}
