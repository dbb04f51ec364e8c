/* print_job.h: sending bitmaps to a printer: a command id, a stored message, then the relay (the one print path). */
#ifndef SIRIUS_PRINT_JOB_H
#define SIRIUS_PRINT_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "bitmap.h"
#include "db.h"
#include "error.h"

/*
 * How to use it: the web UI, the device-key API and sirius-fake print through
 * print_job_send() alone, so that every print is numbered, stored and handed
 * to the relay the same way. It makes no HTTP or terminal output: callers
 * turn the result into a page, a JSON reply or a line of text.
 *
 * What it does, in order:
 *   1. checks the images: as many as the command carries, each exactly
 *      PRINTER_WIDTH wide and at most PRINTER_MAX_ROWS high (they are sent
 *      as they are: render, scale and dither before);
 *   2. builds the DeviceCommand payload and checks that its base64 fits a
 *      relay request (RELAY_MAX_PAYLOAD_BASE64): a tall print of fine
 *      detail (dither, noise) codes to short runs and may not;
 *   3. takes a command id from the database's sequence (db_next_command_id)
 *      and writes it into the payload;
 *   4. stores a message with that id, status "queued", and the images as one
 *      one-bit PNG (several images are stacked top to bottom);
 *   5. asks the relay, over its control socket, to deliver it.
 * A print that fails a check (1, 2) uses no command id and stores nothing.
 * The relay marks the message "sending" when it hands it to the bridge, and
 * settles it when the bridge answers. A message for an offline printer is
 * stored as "failed" with failure "offline"; one the relay refuses (an error
 * reply, such as the bridge's queue being full) or cannot be asked about, as
 * "failed" with failure "relay_unreachable".
 */

/* What became of a print job whose message was stored. */
enum print_job_outcome {
	PRINT_JOB_SENT = 0,     /* the relay handed it to the printer's bridge */
	PRINT_JOB_OFFLINE,      /* the printer is not connected (message failed: offline) */
	PRINT_JOB_UNREACHABLE,  /* the relay could not be reached or answered an error (message failed) */
	PRINT_JOB_TOO_DETAILED  /* the payload is larger than the relay accepts: nothing stored */
};

/* The outcome of print_job_send. */
struct print_job_result {
	enum print_job_outcome outcome; /* meaningful when message_id is not 0, or when PRINT_JOB_TOO_DETAILED */
	uint32_t message_id;            /* the stored message (its command id); 0 when none was stored */
};

/*
 * Sends count images with printer command command (a PRINTER_* code of
 * printer_payload.h) to the printer with id printer_id, from sender (shown on
 * the web UI; 1..DB_SENDER_MAX bytes), at time now, through the relay
 * listening at relay_socket.
 *
 * Returns 0 with *result filled when the message was stored and the relay
 * answered sent or offline. Returns -1 with a reason in err:
 * with result->message_id 0 and result->outcome PRINT_JOB_TOO_DETAILED when
 * the payload is too large for the relay (err is then a sentence to show the
 * sender: "the print is too detailed to send: N bytes, the limit is M");
 * with result->message_id 0 when nothing was stored (unknown printer, a wrong
 * number of images, an image of the wrong size, a bad sender, a database
 * error); with result->outcome PRINT_JOB_UNREACHABLE and the message id when
 * the message was stored but the relay could not be reached or answered with
 * an error (the message is then failed).
 */
int print_job_send(struct db *db, const char *relay_socket, int64_t printer_id, uint16_t command,
		   const struct bitmap *const *images, size_t count, const char *sender, int64_t now,
		   struct print_job_result *result, struct sirius_error *err);

/* The outcome's name: "sent", "offline", "unreachable", "too-detailed"; "unknown" out of range. */
const char *print_job_outcome_name(enum print_job_outcome outcome);

#endif
