/* print_job.c: the one print path: command id, payload, stored message, relay. */
#include "print_job.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "printer_payload.h"
#include "relay_client.h"

const char *print_job_outcome_name(enum print_job_outcome outcome)
{
	switch (outcome) {
	case PRINT_JOB_SENT:
		return "sent";
	case PRINT_JOB_QUEUED:
		return "queued";
	case PRINT_JOB_OFFLINE:
		return "offline";
	case PRINT_JOB_TOO_DETAILED:
		return "too-detailed";
	}
	return "unknown";
}

enum print_job_outcome print_job_outcome_of(enum db_message_status status)
{
	return status == DB_MESSAGE_QUEUED ? PRINT_JOB_QUEUED
	       : status == DB_MESSAGE_FAILED ? PRINT_JOB_OFFLINE
					     : PRINT_JOB_SENT;
}

/*
 * The job's repeat (job->dedupe_since), looked for inside the write
 * transaction: 1 with result filled when there is one, 0 when none (or none
 * looked for), -1 with a reason in err.
 */
static int find_repeat(struct db *db, const struct print_job *job, struct print_job_result *result,
		       struct sirius_error *err)
{
	enum db_message_status status = DB_MESSAGE_QUEUED;
	uint32_t first = 0;
	int found;

	if (!job->key_id || !job->dedupe || job->dedupe_since <= 0)
		return 0;
	found = db_message_find_repeat(db, job->key_id, job->dedupe, job->dedupe_since, &first, &status, err);
	if (found <= 0)
		return found;
	result->repeat = 1;
	result->message_id = first;
	result->outcome = print_job_outcome_of(status);
	return 1;
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

/*
 * Whether the relay says the printer is offline (for SIRIUS_OFFLINE=refuse):
 * 1 offline, 0 online or not known (the relay did not answer: the message is
 * queued as usual).
 */
static int relay_says_offline(const char *relay_socket, const char *address)
{
	struct relay_device_status status;
	struct sirius_error ignored = { "" };

	if (relay_status(relay_socket, &address, 1, &status, &ignored) < 0)
		return 0;
	return !status.online;
}

int print_job_queue(struct db *db, const char *relay_socket, const struct print_job *job, int64_t now,
		    struct print_job_result *result, struct sirius_error *err)
{
	struct sirius_error relay_err = { "" };
	struct db_printer printer;
	struct db_message_new m;
	enum relay_wake_result woken;
	uint8_t *payload = NULL;
	size_t payload_len = 0;
	uint32_t id;
	int found, repeat, rc = -1;

	result->outcome = PRINT_JOB_QUEUED;
	result->message_id = 0;
	result->key_use.message[0] = '\0';
	result->key_counted = 0;
	result->repeat = 0;
	if (check_images(job->command, job->images, job->count, err) != 0)
		return -1;
	if (!job->sender || job->sender[0] == '\0' || strlen(job->sender) > DB_SENDER_MAX)
		return error_set(err, "the sender must be 1 to %d bytes", DB_SENDER_MAX);

	/* Built before an id is taken, so that a payload the relay would refuse uses none: the id comes after. */
	if (printer_payload_encode(job->command, 0, job->images, job->count, &payload, &payload_len, err) != 0)
		return -1;
	if (base64_length(payload_len) > RELAY_MAX_PAYLOAD_BASE64) {
		result->outcome = PRINT_JOB_TOO_DETAILED;
		error_set(err, "the print is too detailed to send: %zu bytes, the limit is %d", base64_length(payload_len),
			  RELAY_MAX_PAYLOAD_BASE64);
		goto out;
	}
	memset(&m, 0, sizeof(m));
	/* Asked before the transaction: nothing waits for the write lock while the relay answers. */
	if (job->refuse_offline) {
		found = db_printer_by_id(db, job->printer_id, &printer, err);
		if (found <= 0)
			goto no_printer;
		if (relay_says_offline(relay_socket, printer.address))
			m.refused = DB_FAILURE_OFFLINE;
	}
	/* The printer, the id, the message and the key's use in one write transaction: one round of locks. */
	if (db_transaction_begin(db, err) != 0)
		goto out;
	repeat = find_repeat(db, job, result, err);
	if (repeat != 0) {
		db_transaction_rollback(db);
		rc = repeat > 0 ? 0 : -1;
		goto out;
	}
	found = db_printer_by_id(db, job->printer_id, &printer, err);
	if (found <= 0) {
		db_transaction_rollback(db);
		goto no_printer;
	}
	if (db_next_command_id(db, &id, err) != 0) {
		db_transaction_rollback(db);
		goto out;
	}
	set_print_id(payload, id);
	m.id = id;
	m.printer_id = job->printer_id;
	m.sender = job->sender;
	m.command = job->command;
	m.payload = payload;
	m.payload_len = payload_len;
	m.key_id = job->key_id;
	m.dedupe = job->dedupe;
	if (db_message_create(db, &m, now, err) != 0 ||
	    (job->key_id && job->key_rate > 0 &&
	     db_device_key_rate_count(db, job->key_id, job->key_rate, g_get_real_time() / 1000, err) != 0)) {
		db_transaction_rollback(db);
		goto out;
	}
	if (job->key_id && m.refused == DB_FAILURE_NONE &&
	    db_device_key_used(db, job->key_id, job->sender, &result->key_use) < 0 && !result->key_use.message[0])
		error_set(&result->key_use, "the database did not say why");
	if (db_transaction_commit(db, err) != 0)
		goto out;
	result->key_counted = job->key_id && job->key_rate > 0;
	result->message_id = id;
	rc = 0;
	if (m.refused != DB_FAILURE_NONE) {
		result->outcome = PRINT_JOB_OFFLINE;
		goto out;
	}
	/* Stored: from here on the message is the relay's, whatever it answers or fails to. */
	if (relay_wake(relay_socket, printer.address, id, RELAY_WAKE_TIMEOUT_MS, &woken, &relay_err) == 0 &&
	    woken == RELAY_WAKE_SENT)
		result->outcome = PRINT_JOB_SENT;
	goto out;
no_printer:
	if (found == 0)
		error_set(err, "there is no printer with id %lld", (long long)job->printer_id);
out:
	free(payload);
	return rc;
}

int print_job_send(struct db *db, const char *relay_socket, int64_t printer_id, uint16_t command,
		   const struct bitmap *const *images, size_t count, const char *sender, int64_t now,
		   struct print_job_result *result, struct sirius_error *err)
{
	struct print_job job;

	memset(&job, 0, sizeof(job));
	job.printer_id = printer_id;
	job.command = command;
	job.images = images;
	job.count = count;
	job.sender = sender;
	return print_job_queue(db, relay_socket, &job, now, result, err);
}
