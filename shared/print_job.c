/* print_job.c: the one print path: command id, payload, stored message, relay. */
#include "print_job.h"

#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "bitmap_png.h"
#include "printer_payload.h"
#include "relay_client.h"

const char *print_job_outcome_name(enum print_job_outcome outcome)
{
	switch (outcome) {
	case PRINT_JOB_SENT:
		return "sent";
	case PRINT_JOB_OFFLINE:
		return "offline";
	case PRINT_JOB_UNREACHABLE:
		return "unreachable";
	case PRINT_JOB_TOO_DETAILED:
		return "too-detailed";
	}
	return "unknown";
}

/*
 * Checks that images fit command: the right number, each a valid bitmap
 * PRINTER_WIDTH wide and at most PRINTER_MAX_ROWS high. Returns 0, or -1 with
 * the reason in err.
 */
static int check_images(uint16_t command, const struct bitmap *const *images, size_t count,
			struct sirius_error *err)
{
	int wanted = printer_command_image_count(command);
	size_t i;

	if (wanted <= 0)
		return error_set(err, "command 0x%04x does not print images", command);
	if (count != (size_t)wanted)
		return error_set(err, "%s carries %d image(s), not %zu", printer_command_name(command), wanted,
				 count);
	for (i = 0; i < count; i++) {
		const struct bitmap *bm = images ? images[i] : NULL;

		if (!bm || !bm->bits)
			return error_set(err, "image %zu is missing", i + 1);
		if (bm->width != PRINTER_WIDTH)
			return error_set(err, "image %zu is %d pixels wide; a printer takes exactly %d", i + 1,
					 bm->width, PRINTER_WIDTH);
		if (bm->height < 1 || bm->height > PRINTER_MAX_ROWS)
			return error_set(err, "image %zu is %d rows high; a printer takes 1 to %d", i + 1,
					 bm->height, PRINTER_MAX_ROWS);
	}
	return 0;
}

/*
 * The PNG stored with the message: the one image, or all of them stacked top
 * to bottom (they all have the same width). Returns 0 with *png malloc'd, or
 * -1 with a reason in err.
 */
static int message_png(const struct bitmap *const *images, size_t count, uint8_t **png, size_t *png_len,
		       struct sirius_error *err)
{
	struct bitmap *stack;
	size_t i, offset = 0;
	long height = 0;
	int rc;

	if (count == 1)
		return png_write_bitmap(images[0], png, png_len, err);
	for (i = 0; i < count; i++)
		height += images[i]->height;
	stack = bitmap_size_ok(PRINTER_WIDTH, height) ? bitmap_new(PRINTER_WIDTH, (int)height) : NULL;
	if (!stack)
		return error_set(err, "out of memory stacking %zu images", count);
	for (i = 0; i < count; i++) {
		size_t bytes = images[i]->stride * (size_t)images[i]->height;

		memcpy(stack->bits + offset, images[i]->bits, bytes);
		offset += bytes;
	}
	rc = png_write_bitmap(stack, png, png_len, err);
	bitmap_free(stack);
	return rc;
}

/* Characters of the base64 of len bytes (padded, no line breaks). */
static size_t base64_length(size_t len)
{
	return (len / 3 + (len % 3 != 0)) * 4;
}

/* Writes the print (command) id into a built payload: a little-endian uint32 at byte 4 (PROTOCOL.md section 3). */
static void set_print_id(uint8_t *payload, uint32_t id)
{
	payload[4] = (uint8_t)id;
	payload[5] = (uint8_t)(id >> 8);
	payload[6] = (uint8_t)(id >> 16);
	payload[7] = (uint8_t)(id >> 24);
}

/* Stores why a message never reached a bridge. Returns 0, or -1 with a reason in err. */
static int mark_failed(struct db *db, uint32_t id, enum db_message_failure failure, int64_t now,
		       struct sirius_error *err)
{
	return db_message_fail(db, id, failure, now, err) < 0 ? -1 : 0;
}

int print_job_send(struct db *db, const char *relay_socket, int64_t printer_id, uint16_t command,
		   const struct bitmap *const *images, size_t count, const char *sender, int64_t now,
		   struct print_job_result *result, struct sirius_error *err)
{
	struct sirius_error relay_err = { "" }, mark_err = { "" };
	struct db_printer printer;
	enum relay_delivery delivery;
	uint8_t *payload = NULL, *png = NULL;
	size_t payload_len = 0, png_len = 0, encoded_len;
	char *payload_b64 = NULL;
	uint32_t id;
	int found, rc = -1;

	result->outcome = PRINT_JOB_UNREACHABLE;
	result->message_id = 0;
	if (check_images(command, images, count, err) != 0)
		return -1;
	if (!sender || sender[0] == '\0' || strlen(sender) > DB_SENDER_MAX)
		return error_set(err, "the sender must be 1 to %d bytes", DB_SENDER_MAX);
	found = db_printer_by_id(db, printer_id, &printer, err);
	if (found < 0)
		return -1;
	if (found == 0)
		return error_set(err, "there is no printer with id %lld", (long long)printer_id);

	/* Built before an id is taken, so that a payload the relay would refuse uses none: the id comes after. */
	if (printer_payload_encode(command, 0, images, count, &payload, &payload_len, err) != 0)
		return -1;
	encoded_len = base64_length(payload_len);
	if (encoded_len > RELAY_MAX_PAYLOAD_BASE64) {
		result->outcome = PRINT_JOB_TOO_DETAILED;
		error_set(err, "the print is too detailed to send: %zu bytes, the limit is %d", encoded_len,
			  RELAY_MAX_PAYLOAD_BASE64);
		goto out;
	}
	if (db_next_command_id(db, &id, err) != 0)
		goto out;
	set_print_id(payload, id);
	payload_b64 = base64_encode_alloc(payload, payload_len);
	if (!payload_b64) {
		error_set(err, "out of memory encoding the payload");
		goto out;
	}
	if (message_png(images, count, &png, &png_len, err) != 0)
		goto out;
	if (db_message_create(db, id, printer_id, sender, command, png, png_len, DB_MESSAGE_QUEUED, now, err) != 0)
		goto out;
	result->message_id = id;

	if (relay_deliver(relay_socket, printer.address, id, payload_b64, &delivery, &relay_err) != 0) {
		result->outcome = PRINT_JOB_UNREACHABLE;
		if (mark_failed(db, id, DB_FAILURE_RELAY_UNREACHABLE, now, &mark_err) != 0)
			error_set(err, "%s; and marking message %u failed: %s", relay_err.message, id,
				  mark_err.message);
		else
			error_set(err, "%s", relay_err.message);
		goto out;
	}
	switch (delivery) {
	case RELAY_SENT:
		result->outcome = PRINT_JOB_SENT;
		/* the relay marks it sending before writing to the bridge; this only covers a late mark */
		if (db_message_sending(db, id, now, err) < 0)
			goto out;
		break;
	case RELAY_OFFLINE:
		/* Nothing sends a message later yet: it failed, and the sender is told so. */
		result->outcome = PRINT_JOB_OFFLINE;
		if (mark_failed(db, id, DB_FAILURE_OFFLINE, now, err) != 0)
			goto out;
		break;
	default:
		/* deliver answers sent or offline; anything else is an error reply */
		error_set(err, "the relay answered with outcome %d to a delivery", (int)delivery);
		result->outcome = PRINT_JOB_UNREACHABLE;
		mark_failed(db, id, DB_FAILURE_RELAY_UNREACHABLE, now, &mark_err);
		goto out;
	}
	rc = 0;
out:
	free(payload);
	free(payload_b64);
	free(png);
	return rc;
}
