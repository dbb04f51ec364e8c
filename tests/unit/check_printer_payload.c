/* check_printer_payload.c: unit tests of the printer command payloads against the seed, generated and real vectors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "bitmap_png.h"
#include "bridge_command.h"
#include "printer_payload.h"
#include "test_util.h"

/* Decodes the base64 string item of a JSON object; fails the test when it is missing or invalid. */
static uint8_t *json_base64(const cJSON *obj, const char *name, size_t *len)
{
	const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, name));
	uint8_t *data;

	ck_assert_msg(text != NULL, "no %s", name);
	data = base64_decode_alloc(text, strlen(text), len);
	ck_assert_msg(data != NULL, "%s is not base64", name);
	return data;
}

/* Reads a one-bit PNG of the vectors as a bitmap. */
static struct bitmap *vector_bitmap(const char *relative)
{
	struct sirius_error err = { "" };
	size_t len;
	uint8_t *data = vector_read(relative, &len);
	struct bitmap *bm = png_read_bitmap(data, len, BITMAP_MAX_PIXELS, &err);

	ck_assert_msg(bm != NULL, "%s: %s", relative, err.message);
	free(data);
	return bm;
}

/* The seed's bw_2x2: (0,0) white, (1,0) black, (0,1) black, (1,1) white. */
static struct bitmap *bw_2x2(void)
{
	struct bitmap *bm = bitmap_new(2, 2);

	bitmap_set(bm, 1, 0, 1);
	bitmap_set(bm, 0, 1, 1);
	return bm;
}

START_TEST(test_command_names)
{
	static const char *const names[] = {
		"set_delivery_and_print", "set_delivery", "set_delivery_and_print_no_face", "set_delivery_no_face",
		"set_personality_with_message", "set_personality", "set_quip", "firmware_update",
	};
	static const uint16_t codes[] = { 0x0001, 0x0002, 0x0011, 0x0012, 0x0101, 0x0102, 0x0202, 0xF000 };
	static const int counts[] = { 1, 1, 1, 1, 5, 4, 3, 0 };
	enum printer_command_code code;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ck_assert_int_eq(printer_command_from_name(names[i], &code), 0);
		ck_assert_uint_eq(code, codes[i]);
		ck_assert_str_eq(printer_command_name(codes[i]), names[i]);
		ck_assert_int_eq(printer_command_image_count(codes[i]), counts[i]);
	}
	ck_assert_int_eq(printer_command_from_name("set_quips", &code), -1);
	ck_assert_int_eq(printer_command_from_name("", &code), -1);
	ck_assert_int_eq(printer_command_from_name(NULL, &code), -1);
	ck_assert_ptr_null(printer_command_name(0x0003));
	ck_assert_int_eq(printer_command_image_count(0x0000), -1);
}
END_TEST

START_TEST(test_seed_commands)
{
	cJSON *v = vector_json("seed/device_commands.json");
	cJSON *cmds = cJSON_GetObjectItemCaseSensitive(v, "commands"), *c;
	struct bitmap *bm = bw_2x2();
	const struct bitmap *images[PRINTER_MAX_IMAGES] = { bm, bm, bm, bm, bm };
	int seen = 0;

	cJSON_ArrayForEach(c, cmds) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "command"));
		int count = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "images"));
		enum printer_command_code code;
		struct printer_payload p;
		struct sirius_error err = { "" };
		size_t want_len, len, i;
		uint8_t *want = json_base64(c, "binary_payload", &want_len), *got;

		ck_assert_int_eq(printer_command_from_name(name, &code), 0);
		ck_assert_int_eq(printer_command_image_count(code), count);
		ck_assert_int_eq(printer_payload_encode(code, 1, images, (size_t)count, &got, &len, &err), 0);
		ck_assert_uint_eq(len, want_len);
		ck_assert_msg(memcmp(got, want, len) == 0, "%s encodes differently", name);

		ck_assert_msg(printer_payload_decode(want, want_len, 2, &p, &err) == 0, "%s: %s", name, err.message);
		ck_assert_uint_eq(p.device_type, 1);
		ck_assert_uint_eq(p.command, code);
		ck_assert_uint_eq(p.print_id, 1);
		ck_assert_uint_eq(p.crc, 0);
		ck_assert_uint_eq(p.length, want_len - PRINTER_PAYLOAD_HEADER_SIZE);
		ck_assert_uint_eq(p.block_count, (size_t)count);
		for (i = 0; i < p.block_count; i++) {
			ck_assert_uint_eq(p.blocks[i].size, 35);
			ck_assert_uint_eq(p.blocks[i].pixel_count, 4);
			ck_assert_uint_eq(p.blocks[i].pixel_bytes, 0);
			ck_assert_uint_eq(p.blocks[i].rle_len, 3);
			ck_assert_uint_eq(p.blocks[i].padding, 0);
			ck_assert_uint_eq(p.blocks[i].settings[0], 0x1d);
			ck_assert_uint_eq(p.blocks[i].settings[12], 0x80);
			ck_assert(bitmap_equal(p.blocks[i].bitmap, bm));
		}
		printer_payload_clear(&p);
		ck_assert_ptr_null(p.blocks);
		free(want);
		free(got);
		seen++;
	}
	ck_assert_int_eq(seen, 7);
	bitmap_free(bm);
	cJSON_Delete(v);
}
END_TEST

START_TEST(test_seed_3x3_block)
{
	cJSON *v = vector_json("seed/device_commands.json");
	const char *hex = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(v, "rle_3x3"), "rle_block_hex"));
	struct bitmap *bm = bitmap_new(3, 3);
	const struct bitmap *images[1] = { bm };
	struct printer_payload p;
	uint8_t *got;
	size_t len, i, block_len;
	char text[128];
	int x, y;

	ck_assert_ptr_nonnull(hex);
	for (y = 0; y < 3; y++)
		for (x = 0; x < 3; x++)
			bitmap_set(bm, x, y, (x + y) % 2);
	ck_assert_int_eq(printer_payload_encode(PRINTER_SET_DELIVERY_AND_PRINT, 7, images, 1, &got, &len, NULL), 0);
	/* The run-length block starts after the header, the block size, the 0 and the header region. */
	block_len = len - (PRINTER_PAYLOAD_HEADER_SIZE + 31);
	ck_assert_uint_eq(block_len * 2, strlen(hex));
	for (i = 0; i < block_len; i++)
		snprintf(text + 2 * i, sizeof(text) - 2 * i, "%02x", got[PRINTER_PAYLOAD_HEADER_SIZE + 31 + i]);
	ck_assert_str_eq(text, hex);
	/* pixel_count / 8 = 1 in the header region. */
	ck_assert_uint_eq(got[PRINTER_PAYLOAD_HEADER_SIZE + 25], 1);
	ck_assert_int_eq(printer_payload_decode(got, len, 3, &p, NULL), 0);
	ck_assert_uint_eq(p.print_id, 7);
	ck_assert_uint_eq(p.blocks[0].pixel_count, 9);
	ck_assert_uint_eq(p.blocks[0].pixel_bytes, 1);
	ck_assert(bitmap_equal(p.blocks[0].bitmap, bm));
	printer_payload_clear(&p);
	free(got);
	bitmap_free(bm);
	cJSON_Delete(v);
}
END_TEST

START_TEST(test_generated_payloads)
{
	cJSON *v = vector_json("generated/payloads.json"), *e;
	int seen = 0;

	cJSON_ArrayForEach(e, v) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "command"));
		double print_id = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "print_id"));
		cJSON *names = cJSON_GetObjectItemCaseSensitive(e, "images"), *n;
		struct bitmap *bms[PRINTER_MAX_IMAGES] = { NULL };
		const struct bitmap *images[PRINTER_MAX_IMAGES];
		enum printer_command_code code;
		struct printer_payload p;
		struct sirius_error err = { "" };
		size_t count = 0, want_len, len, i;
		uint8_t *want = json_base64(e, "binary_payload", &want_len), *got;

		ck_assert_int_eq(printer_command_from_name(name, &code), 0);
		cJSON_ArrayForEach(n, names) {
			char rel[256];

			ck_assert_uint_lt(count, PRINTER_MAX_IMAGES);
			snprintf(rel, sizeof(rel), "generated/images/%s", cJSON_GetStringValue(n));
			bms[count] = vector_bitmap(rel);
			images[count] = bms[count];
			count++;
		}
		ck_assert_int_eq(printer_command_image_count(code), (int)count);
		ck_assert_msg(printer_payload_encode(code, (uint32_t)print_id, images, count, &got, &len, &err) == 0,
			      "entry %d: %s", seen, err.message);
		ck_assert_msg(len == want_len, "entry %d: %zu bytes, want %zu", seen, len, want_len);
		ck_assert_msg(memcmp(got, want, len) == 0, "entry %d encodes differently", seen);

		ck_assert_msg(printer_payload_decode(want, want_len, PRINTER_WIDTH, &p, &err) == 0, "entry %d: %s",
			      seen, err.message);
		ck_assert_uint_eq(p.command, code);
		ck_assert_uint_eq(p.print_id, (uint32_t)print_id);
		ck_assert_uint_eq(p.block_count, count);
		for (i = 0; i < count; i++) {
			size_t pixels = (size_t)bms[i]->width * (size_t)bms[i]->height, padding = 99;
			struct bitmap *back = printer_payload_block_bitmap(&p.blocks[i], bms[i]->width, &padding, &err);

			ck_assert_uint_eq(p.blocks[i].pixel_count, pixels);
			ck_assert_uint_eq(p.blocks[i].pixel_bytes, pixels / 8);
			ck_assert_msg(back != NULL, "entry %d image %zu: %s", seen, i, err.message);
			ck_assert_uint_eq(padding, 0);
			ck_assert_msg(bitmap_equal(back, bms[i]), "entry %d image %zu decodes differently", seen, i);
			if (bms[i]->width == PRINTER_WIDTH)
				ck_assert(bitmap_equal(p.blocks[i].bitmap, bms[i]));
			else
				ck_assert_int_eq(p.blocks[i].bitmap->width, PRINTER_WIDTH);
			bitmap_free(back);
			bitmap_free(bms[i]);
		}
		printer_payload_clear(&p);
		free(want);
		free(got);
		seen++;
	}
	ck_assert_int_eq(seen, 12);
	cJSON_Delete(v);
}
END_TEST

/* Checks one real capture: it decodes to its PNG and the PNG encodes to it. */
static void check_real(const char *json_name, const char *png_name)
{
	cJSON *v = vector_json(json_name);
	struct bitmap *bm = vector_bitmap(png_name);
	const struct bitmap *images[1] = { bm };
	struct printer_payload p;
	struct sirius_error err = { "" };
	size_t want_len, len;
	uint8_t *want = json_base64(v, "binary_payload", &want_len), *got;
	const char *bridge = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "bridge_address"));
	const char *device = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "device_address"));
	uint32_t command_id = (uint32_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(v, "command_id"));
	char *json;
	cJSON *mine;

	ck_assert_int_eq(bm->width, PRINTER_WIDTH);
	ck_assert_msg(printer_payload_decode(want, want_len, PRINTER_WIDTH, &p, &err) == 0, "%s: %s", json_name,
		      err.message);
	ck_assert_uint_eq(p.command, PRINTER_SET_DELIVERY_AND_PRINT);
	ck_assert_uint_eq(p.print_id, command_id);
	ck_assert_uint_eq(p.block_count, 1);
	ck_assert_uint_eq(p.blocks[0].padding, 0);
	ck_assert_int_eq(p.blocks[0].bitmap->width, bm->width);
	ck_assert_int_eq(p.blocks[0].bitmap->height, bm->height);
	ck_assert_msg(bitmap_equal(p.blocks[0].bitmap, bm), "%s does not decode to %s", json_name, png_name);

	ck_assert_int_eq(printer_payload_encode(p.command, p.print_id, images, 1, &got, &len, &err), 0);
	ck_assert_uint_eq(len, want_len);
	ck_assert_msg(memcmp(got, want, len) == 0, "%s re-encodes differently", png_name);

	/* The whole message as we would send it is the one captured. */
	json = bridge_command_device_json_bytes(bridge, device, command_id, got, len);
	ck_assert_ptr_nonnull(json);
	mine = cJSON_Parse(json);
	ck_assert_ptr_nonnull(mine);
	ck_assert(cJSON_Compare(mine, v, 1));
	cJSON_Delete(mine);
	free(json);

	printer_payload_clear(&p);
	free(want);
	free(got);
	bitmap_free(bm);
	cJSON_Delete(v);
}

START_TEST(test_real_pork_chops)
{
	check_real("real/device_command_pork_chops.json", "real/device_command_pork_chops.png");
}
END_TEST

START_TEST(test_real_long_image)
{
	check_real("real/device_command_long_image.json", "real/device_command_long_image.png");
}
END_TEST

START_TEST(test_leading_empty_run_payload)
{
	/* 384 x 3, the bottom right pixel black: the code starts with the empty white run. */
	struct bitmap *bm = bitmap_new(PRINTER_WIDTH, 3);
	const struct bitmap *images[1] = { bm };
	struct printer_payload p;
	uint8_t *got;
	size_t len;

	bitmap_set(bm, PRINTER_WIDTH - 1, 2, 1);
	bitmap_set(bm, 0, 0, 1);
	ck_assert_int_eq(printer_payload_encode(PRINTER_SET_DELIVERY, 42, images, 1, &got, &len, NULL), 0);
	/* Runs: 0 white, 1 black, 1150 white (fd 00 fb 00 83), 1 black. */
	ck_assert_uint_eq(len, PRINTER_PAYLOAD_HEADER_SIZE + PRINTER_BLOCK_OVERHEAD + 8);
	ck_assert_uint_eq(got[PRINTER_PAYLOAD_HEADER_SIZE + PRINTER_BLOCK_OVERHEAD], 0x00);
	ck_assert_uint_eq(got[PRINTER_PAYLOAD_HEADER_SIZE + PRINTER_BLOCK_OVERHEAD + 1], 0x01);
	ck_assert_uint_eq(got[PRINTER_PAYLOAD_HEADER_SIZE + PRINTER_BLOCK_OVERHEAD + 2], 0xfd);
	ck_assert_uint_eq(got[PRINTER_PAYLOAD_HEADER_SIZE + PRINTER_BLOCK_OVERHEAD + 6], 0x83);
	ck_assert_uint_eq(got[PRINTER_PAYLOAD_HEADER_SIZE + PRINTER_BLOCK_OVERHEAD + 7], 0x01);
	ck_assert_int_eq(printer_payload_decode(got, len, PRINTER_WIDTH, &p, NULL), 0);
	ck_assert(bitmap_equal(p.blocks[0].bitmap, bm));
	ck_assert_uint_eq(bitmap_get(p.blocks[0].bitmap, PRINTER_WIDTH - 1, 2), 1);
	printer_payload_clear(&p);
	free(got);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_long_print)
{
	/* A full 384 x 10000 print, black at the top half, round trip. */
	struct bitmap *bm = bitmap_new(PRINTER_WIDTH, PRINTER_MAX_ROWS);
	const struct bitmap *images[1] = { bm };
	struct printer_payload p;
	struct sirius_error err = { "" };
	uint8_t *got;
	size_t len;

	memset(bm->bits, 0xff, bm->stride * PRINTER_MAX_ROWS / 2);
	ck_assert_int_eq(printer_payload_encode(PRINTER_SET_DELIVERY_AND_PRINT, 9, images, 1, &got, &len, NULL), 0);
	/* pixel_count / 8 = 480000 = 0x0753 00 */
	ck_assert_uint_eq(got[PRINTER_PAYLOAD_HEADER_SIZE + 25], 0x00);
	ck_assert_uint_eq(got[PRINTER_PAYLOAD_HEADER_SIZE + 26], 0x53);
	ck_assert_uint_eq(got[PRINTER_PAYLOAD_HEADER_SIZE + 27], 0x07);
	ck_assert_msg(printer_payload_decode(got, len, PRINTER_WIDTH, &p, &err) == 0, "%s", err.message);
	ck_assert(bitmap_equal(p.blocks[0].bitmap, bm));
	printer_payload_clear(&p);
	free(got);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_padding_layout)
{
	/* 5 pixels coded (2 white, 3 black) laid out at width 2: 3 rows, one white pixel of padding. */
	struct bitmap *bm = bitmap_new(5, 1), *back;
	const struct bitmap *images[1] = { bm };
	struct printer_payload p;
	size_t len, padding = 0;
	uint8_t *got;

	bitmap_set(bm, 0, 0, 1);
	bitmap_set(bm, 1, 0, 1);
	bitmap_set(bm, 2, 0, 1);
	ck_assert_int_eq(printer_payload_encode(PRINTER_SET_QUIP, 3, (const struct bitmap *const[]){ bm, bm, bm }, 3,
						&got, &len, NULL), 0);
	ck_assert_int_eq(printer_payload_decode(got, len, 2, &p, NULL), 0);
	ck_assert_uint_eq(p.block_count, 3);
	back = p.blocks[1].bitmap;
	ck_assert_int_eq(back->width, 2);
	ck_assert_int_eq(back->height, 3);
	ck_assert_uint_eq(p.blocks[1].padding, 1);
	/* Raster: pad(white) B / B B / W W */
	ck_assert_uint_eq(bitmap_get(back, 0, 0), 0);
	ck_assert_uint_eq(bitmap_get(back, 1, 0), 1);
	ck_assert_uint_eq(bitmap_get(back, 0, 1), 1);
	ck_assert_uint_eq(bitmap_get(back, 1, 1), 1);
	ck_assert_uint_eq(bitmap_get(back, 0, 2), 0);
	ck_assert_uint_eq(bitmap_get(back, 1, 2), 0);
	ck_assert_uint_eq(back->bits[0], 0x40);
	back = printer_payload_block_bitmap(&p.blocks[0], 5, &padding, NULL);
	ck_assert_ptr_nonnull(back);
	ck_assert_uint_eq(padding, 0);
	ck_assert(bitmap_equal(back, images[0]));
	bitmap_free(back);
	ck_assert_ptr_null(printer_payload_block_bitmap(&p.blocks[0], 0, NULL, NULL));
	printer_payload_clear(&p);
	free(got);
	bitmap_free(bm);
}
END_TEST

START_TEST(test_encode_refusals)
{
	struct bitmap *bm = bw_2x2();
	const struct bitmap *images[5] = { bm, bm, bm, bm, bm };
	struct bitmap bad = { 0, 2, 0, bm->bits };
	const struct bitmap *bad_images[1] = { &bad };
	struct sirius_error err = { "" };
	uint8_t *out = NULL;
	size_t len;

	ck_assert_int_eq(printer_payload_encode(0x0003, 1, images, 1, &out, &len, &err), -1);
	ck_assert(strstr(err.message, "unknown") != NULL);
	ck_assert_int_eq(printer_payload_encode(PRINTER_SET_QUIP, 1, images, 2, &out, &len, &err), -1);
	ck_assert_int_eq(printer_payload_encode(PRINTER_SET_PERSONALITY, 1, images, 5, &out, &len, &err), -1);
	ck_assert_int_eq(printer_payload_encode(PRINTER_FIRMWARE_UPDATE, 1, images, 0, &out, &len, &err), -1);
	ck_assert_int_eq(printer_payload_encode(PRINTER_SET_DELIVERY, 1, bad_images, 1, &out, &len, &err), -1);
	ck_assert_int_eq(printer_payload_encode(PRINTER_SET_DELIVERY, 1, NULL, 1, &out, &len, &err), -1);
	ck_assert_ptr_null(out);
	bitmap_free(bm);
}
END_TEST

/* Encodes bw_2x2 as set_delivery_and_print (55 bytes) into buf. */
static size_t good_payload(uint8_t *buf)
{
	struct bitmap *bm = bw_2x2();
	const struct bitmap *images[1] = { bm };
	uint8_t *got;
	size_t len;

	ck_assert_int_eq(printer_payload_encode(PRINTER_SET_DELIVERY_AND_PRINT, 1, images, 1, &got, &len, NULL), 0);
	ck_assert_uint_eq(len, 55);
	memcpy(buf, got, len);
	free(got);
	bitmap_free(bm);
	return len;
}

/* Decodes buf after setting byte at to value; checks it is refused with a reason containing why. */
static void check_refused(size_t at, uint8_t value, const char *why)
{
	uint8_t buf[64];
	size_t len = good_payload(buf);
	struct printer_payload p;
	struct sirius_error err = { "" };

	buf[at] = value;
	ck_assert_msg(printer_payload_decode(buf, len, PRINTER_WIDTH, &p, &err) == -1, "byte %zu = %u accepted", at,
		      value);
	ck_assert_msg(strstr(err.message, why) != NULL, "byte %zu: \"%s\" does not say %s", at, err.message, why);
	ck_assert_uint_eq(p.block_count, 0);
	ck_assert_ptr_null(p.blocks);
}

START_TEST(test_decode_refusals)
{
	uint8_t buf[64];
	size_t len = good_payload(buf);
	struct printer_payload p;
	struct sirius_error err = { "" };

	check_refused(0, 2, "device type");
	check_refused(1, 1, "reserved");
	check_refused(2, 3, "unknown printer command");
	check_refused(3, 0x01, "carries 5 images"); /* 0x0101: set_personality_with_message */
	check_refused(3, 0xf0, "unknown printer command"); /* 0xF001 */
	check_refused(12, 40, "bytes follow");
	check_refused(16, 36, "overruns");
	check_refused(16, 34, "does not match");
	check_refused(20, 1, "00 00");
	check_refused(22, 22, "header region of 22");
	check_refused(39, 0x1c, "1b 2a");
	check_refused(41, 1, "header says");
	check_refused(47, 2, "marker");
	check_refused(48, 4, "does not match");
	check_refused(52, 0xfb, "header says");

	/* No pixels at all: the code 00 00 00 is three empty runs. */
	buf[52] = buf[53] = buf[54] = 0;
	ck_assert_int_eq(printer_payload_decode(buf, len, PRINTER_WIDTH, &p, &err), -1);
	ck_assert(strstr(err.message, "no pixels") != NULL);
	/* firmware_update: known, but carries no images. */
	len = good_payload(buf);
	buf[2] = 0x00;
	buf[3] = 0xf0;
	ck_assert_int_eq(printer_payload_decode(buf, len, PRINTER_WIDTH, &p, &err), -1);
	ck_assert(strstr(err.message, "carries no images") != NULL);
	len = good_payload(buf);
	ck_assert_int_eq(printer_payload_decode(buf, len, 0, &p, &err), -1);
	ck_assert_int_eq(printer_payload_decode(buf, 15, PRINTER_WIDTH, &p, &err), -1);
	ck_assert_int_eq(printer_payload_decode(NULL, 0, PRINTER_WIDTH, &p, &err), -1);
	ck_assert_int_eq(printer_payload_decode(buf, len, PRINTER_WIDTH, &p, &err), 0);
	printer_payload_clear(&p);
	printer_payload_clear(NULL);
}
END_TEST

/* Decodes data and, when it is accepted, checks the result is consistent; returns whether it was. */
static int decode_any(const uint8_t *data, size_t len, int width)
{
	struct printer_payload p;
	size_t i;

	if (printer_payload_decode(data, len, width, &p, NULL) != 0) {
		ck_assert_ptr_null(p.blocks);
		return 0;
	}
	ck_assert_int_eq(printer_command_image_count(p.command), (int)p.block_count);
	for (i = 0; i < p.block_count; i++) {
		const struct bitmap *bm = p.blocks[i].bitmap;

		ck_assert_int_eq(bm->width, width);
		ck_assert_uint_le(p.blocks[i].pixel_count, PRINTER_PAYLOAD_MAX_PIXELS);
		ck_assert_uint_eq((size_t)bm->width * (size_t)bm->height,
				  p.blocks[i].pixel_count + p.blocks[i].padding);
	}
	printer_payload_clear(&p);
	return 1;
}

START_TEST(test_fuzz_decode)
{
	cJSON *v = vector_json("generated/payloads.json");
	uint32_t seed = 2024;
	size_t base_len, len, i;
	uint8_t *base = json_base64(cJSON_GetArrayItem(v, 0), "binary_payload", &base_len);
	uint8_t *buf = malloc(base_len + 64);
	int round, accepted = 0;

	/* Every truncation of a real payload. */
	for (len = 0; len < base_len; len++)
		ck_assert_int_eq(decode_any(base, len, PRINTER_WIDTH), 0);
	ck_assert_int_eq(decode_any(base, base_len, PRINTER_WIDTH), 1);
	/* Random changes of a few bytes, with random widths. */
	for (round = 0; round < 3000; round++) {
		int flips = 1 + (int)(test_random(&seed) % 4), k;

		memcpy(buf, base, base_len);
		len = base_len;
		for (k = 0; k < flips; k++)
			buf[test_random(&seed) % base_len] = (uint8_t)test_random(&seed);
		if (round % 3 == 0)
			len = test_random(&seed) % (base_len + 1);
		accepted += decode_any(buf, len, 1 + (int)(test_random(&seed) % 500));
	}
	/* Some damage leaves a valid payload (a changed id or setting), most does not. */
	ck_assert_int_gt(accepted, 100);
	ck_assert_int_lt(accepted, 2900);
	/* Random bytes behind a plausible header. */
	for (round = 0; round < 2000; round++) {
		len = PRINTER_PAYLOAD_HEADER_SIZE + test_random(&seed) % 64;
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)test_random(&seed);
		buf[0] = 1;
		buf[1] = 0;
		buf[2] = round % 2 ? 0x01 : 0x02;
		buf[3] = round % 4 < 2 ? 0x00 : 0x02;
		buf[12] = (uint8_t)(len - PRINTER_PAYLOAD_HEADER_SIZE);
		buf[13] = buf[14] = buf[15] = 0;
		decode_any(buf, len, 1 + (int)(test_random(&seed) % 500));
	}
	free(buf);
	free(base);
	cJSON_Delete(v);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("printer_payload");
	TCase *tc = tcase_create("payload");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_command_names);
	tcase_add_test(tc, test_seed_commands);
	tcase_add_test(tc, test_seed_3x3_block);
	tcase_add_test(tc, test_generated_payloads);
	tcase_add_test(tc, test_real_pork_chops);
	tcase_add_test(tc, test_real_long_image);
	tcase_add_test(tc, test_leading_empty_run_payload);
	tcase_add_test(tc, test_long_print);
	tcase_add_test(tc, test_padding_layout);
	tcase_add_test(tc, test_encode_refusals);
	tcase_add_test(tc, test_decode_refusals);
	tcase_add_test(tc, test_fuzz_decode);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
