/* check_message_print.c: unit tests of a stored message's print, drawn from its payload or an older PNG. */
#include <stdlib.h>
#include <string.h>

#include "bitmap_png.h"
#include "message_print.h"
#include "printer_payload.h"
#include "test_util.h"

/* A full-width bitmap of pseudo-random pixels, a different one for each seed (runs of every length). */
static struct bitmap *noise(int height, uint32_t seed)
{
	struct bitmap *bm = bitmap_new(PRINTER_WIDTH, height);
	int x, y;

	ck_assert_ptr_nonnull(bm);
	for (y = 0; y < height; y++)
		for (x = 0; x < PRINTER_WIDTH; x++)
			if (test_random(&seed) % (y % 5 + 2) == 0)
				bitmap_set(bm, x, y, 1);
	return bm;
}

/* A message holding the payload of command with images, as print_job stores it; free with free_message. */
static struct db_message message_with_payload(uint16_t command, const struct bitmap *const *images, size_t count)
{
	struct sirius_error err = { "" };
	struct db_message m;

	memset(&m, 0, sizeof(m));
	m.id = 42;
	m.command = command;
	ck_assert_msg(printer_payload_encode(command, 42, images, count, &m.payload, &m.payload_len, &err) == 0, "%s",
		      err.message);
	return m;
}

static void free_message(struct db_message *m)
{
	free(m->payload);
	free(m->png);
}

/* The PNG message_print_png gives for m, read back as a bitmap. */
static struct bitmap *png_of(const struct db_message *m)
{
	struct sirius_error err = { "" };
	struct bitmap *bm;
	uint8_t *png;
	size_t len;

	ck_assert_msg(message_print_png(m, &png, &len, &err) == 0, "%s", err.message);
	bm = png_read_bitmap(png, len, PRINTER_PAYLOAD_MAX_PIXELS, &err);
	ck_assert_msg(bm != NULL, "%s", err.message);
	free(png);
	return bm;
}

START_TEST(test_payload_gives_the_print_back_bit_for_bit)
{
	struct sirius_error err = { "" };
	struct bitmap *page = noise(300, 7);
	const struct bitmap *images[1] = { page };
	struct db_message m = message_with_payload(PRINTER_SET_DELIVERY_AND_PRINT, images, 1);
	struct bitmap *back;

	ck_assert(message_has_print(&m));
	back = message_print_bitmap(&m, &err);
	ck_assert_msg(back != NULL, "%s", err.message);
	ck_assert(bitmap_equal(back, page));
	bitmap_free(back);
	back = png_of(&m);
	ck_assert(bitmap_equal(back, page));
	bitmap_free(back);
	bitmap_free(page);
	free_message(&m);
}
END_TEST

START_TEST(test_images_of_a_payload_are_stacked_in_order)
{
	struct sirius_error err = { "" };
	struct bitmap *quips[3] = { noise(4, 1), noise(5, 2), noise(6, 3) };
	const struct bitmap *images[3] = { quips[0], quips[1], quips[2] };
	struct db_message m = message_with_payload(PRINTER_SET_QUIP, images, 3);
	struct bitmap *back = message_print_bitmap(&m, &err);
	int i, row = 0;

	ck_assert_msg(back != NULL, "%s", err.message);
	ck_assert_int_eq(back->width, PRINTER_WIDTH);
	ck_assert_int_eq(back->height, 15);
	for (i = 0; i < 3; i++) {
		ck_assert(memcmp(bitmap_row(back, row), quips[i]->bits, quips[i]->stride * (size_t)quips[i]->height) == 0);
		row += quips[i]->height;
		bitmap_free(quips[i]);
	}
	bitmap_free(back);
	free_message(&m);
}
END_TEST

/* A message settled before payloads were kept has only its PNG: that PNG is answered as it is. */
START_TEST(test_older_message_answers_its_stored_png)
{
	struct sirius_error err = { "" };
	struct bitmap *page = noise(40, 9), *back;
	struct db_message m;
	uint8_t *png;
	size_t len;

	memset(&m, 0, sizeof(m));
	m.id = 7;
	ck_assert_int_eq(png_write_bitmap(page, &m.png, &m.png_len, &err), 0);
	ck_assert(message_has_print(&m));
	ck_assert_int_eq(message_print_png(&m, &png, &len, &err), 0);
	ck_assert_uint_eq(len, m.png_len);
	ck_assert(memcmp(png, m.png, len) == 0);
	free(png);
	back = message_print_bitmap(&m, &err);
	ck_assert_msg(back != NULL, "%s", err.message);
	ck_assert(bitmap_equal(back, page));
	bitmap_free(back);
	bitmap_free(page);
	free_message(&m);
}
END_TEST

START_TEST(test_message_without_a_print_says_so)
{
	struct sirius_error err = { "" };
	struct db_message m;
	uint8_t *png = (uint8_t *)&m;
	size_t len = 1;

	memset(&m, 0, sizeof(m));
	m.id = 9;
	ck_assert(!message_has_print(&m));
	ck_assert_ptr_null(message_print_bitmap(&m, &err));
	ck_assert_str_eq(err.message, "message 9 has no stored print");
	ck_assert_int_eq(message_print_png(&m, &png, &len, &err), -1);
	ck_assert_ptr_null(png);
	ck_assert_uint_eq(len, 0);
}
END_TEST

/* A stored payload that does not decode (a damaged database) is an error, not a picture of garbage. */
START_TEST(test_damaged_payload_is_an_error)
{
	struct sirius_error err = { "" };
	struct bitmap *page = noise(20, 5);
	const struct bitmap *images[1] = { page };
	struct db_message m = message_with_payload(PRINTER_SET_DELIVERY_AND_PRINT, images, 1);
	uint8_t *png;
	size_t len;

	m.payload_len -= 3;
	ck_assert_ptr_null(message_print_bitmap(&m, &err));
	ck_assert(err.message[0] != '\0');
	err.message[0] = '\0';
	ck_assert_int_eq(message_print_png(&m, &png, &len, &err), -1);
	ck_assert(err.message[0] != '\0');
	bitmap_free(page);
	free_message(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("message_print");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_payload_gives_the_print_back_bit_for_bit);
	tcase_add_test(tc, test_images_of_a_payload_are_stacked_in_order);
	tcase_add_test(tc, test_older_message_answers_its_stored_png);
	tcase_add_test(tc, test_message_without_a_print_says_so);
	tcase_add_test(tc, test_damaged_payload_is_an_error);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
