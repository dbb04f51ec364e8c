/* print_job.h: sending bitmaps to a printer: a command id, a stored message, then the relay (the one print path). */
#ifndef SIRIUS_PRINT_JOB_H
#define SIRIUS_PRINT_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "bitmap.h"
#include "db.h"
#include "error.h"

/*
 * How to use it: the web UI, the device-key API, the external API and
 * sirius-fake print through print_job_queue() (or print_job_send(), its
 * short form) alone, so that every print is numbered, stored and handed to
 * the relay the same way. It makes no HTTP or terminal output: callers turn
 * the result into a page, a JSON reply or a line of text.
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
 *   4. stores the message in the outbox: status "queued", with its payload,
 *      which stays as the record of the print (message_print.h);
 *   5. wakes the relay for the printer (relay_wake), which sends the
 *      printer's queue in order when the printer is online.
 * A print that fails a check (1, 2) uses no command id and stores nothing,
 * and so does the repeat of a stored one (dedupe_since, found before 3).
 * Once stored, the message is the relay's: nothing here marks it failed, and
 * a relay that is down or slow leaves it queued until the relay reads it.
 * With refuse_offline (SIRIUS_OFFLINE=refuse) a message for a printer the
 * relay reports offline is stored as failed "offline" instead.
 */

/* What became of a print job whose message was stored. */
enum print_job_outcome {
	PRINT_JOB_SENT = 0,     /* queued, and the relay took it for the printer's bridge at once */
	PRINT_JOB_QUEUED,       /* queued: the printer is offline or busy, or the relay did not answer in time */
	PRINT_JOB_OFFLINE,      /* refuse_offline and the printer is offline: stored failed "offline" */
	PRINT_JOB_TOO_DETAILED  /* the payload is larger than the relay accepts: nothing stored */
};

/* The outcome of print_job_queue. */
struct print_job_result {
	enum print_job_outcome outcome; /* meaningful when message_id is not 0, or when PRINT_JOB_TOO_DETAILED */
	uint32_t message_id;            /* the stored message (its command id), or the one repeated (repeat);
	                                   0 when neither */
	struct sirius_error key_use;    /* why the key's use was not recorded ("" when it was, or none) */
	int key_counted;                /* 1 when the request was counted against key_rate with the message */
	int repeat;                     /* 1: the job repeats message_id (print_job.dedupe_since), nothing was
	                                   stored, and outcome is what that message's state says */
};

/* A print to queue. */
struct print_job {
	int64_t printer_id;                  /* to which printer */
	uint16_t command;                    /* a PRINTER_* command of printer_payload.h */
	const struct bitmap *const *images;  /* the images the command carries */
	size_t count;                        /* how many */
	const char *sender;                  /* shown on the web UI; 1..DB_SENDER_MAX bytes */
	int64_t key_id;                      /* the device key it came through (its use is counted); 0 when none */
	int key_rate;                        /* with key_id, > 0: the request is counted against this many a
	                                        minute (db_device_key_rate_count) with the message */
	const char *dedupe;                  /* digest of the request (DB_DEDUPE_LEN hex digits), or NULL */
	int64_t dedupe_since;                /* with key_id and dedupe, > 0: a message of that key and digest
	                                        created since then makes this job its repeat (nothing stored) */
	int refuse_offline;                  /* 1: a printer the relay reports offline gets nothing queued */
};

/*
 * Queues job at time now and wakes the relay listening at relay_socket.
 *
 * Returns 0 with *result filled when the message was stored (SENT, QUEUED or
 * OFFLINE). Returns -1 with a reason in err: with result->message_id 0 and
 * result->outcome PRINT_JOB_TOO_DETAILED when the payload is too large for
 * the relay (err is then a sentence to show the sender: "the print is too
 * detailed to send: N bytes, the limit is M"); with result->message_id 0
 * otherwise, when nothing was stored (unknown printer, a wrong number of
 * images, an image of the wrong size, a bad sender, a database error).
 *
 * The message, and with a key_id the key's use (db_device_key_used, unless
 * the message is stored refused), are written in one transaction; when only
 * the use cannot be recorded the print goes on and result->key_use says why.
 * With a key_rate the request is counted against the key's rate in the same
 * transaction (a request the caller checked with db_device_key_rate_check:
 * one write transaction a print instead of two).
 *
 * With dedupe_since the repeat is looked for in the transaction that would
 * store the message, after the write lock is taken: of two such requests at
 * once, the second finds the first's message. A repeat returns 0 with
 * result->repeat 1, message_id the first message and outcome its state
 * (print_job_outcome_of); it stores nothing, counts nothing and wakes no
 * relay.
 */
int print_job_queue(struct db *db, const char *relay_socket, const struct print_job *job, int64_t now,
		    struct print_job_result *result, struct sirius_error *err);

/* print_job_queue of count images with command to printer_id from sender, with nothing else set. */
int print_job_send(struct db *db, const char *relay_socket, int64_t printer_id, uint16_t command,
		   const struct bitmap *const *images, size_t count, const char *sender, int64_t now,
		   struct print_job_result *result, struct sirius_error *err);

/*
 * What a stored message's state says of its print, for a repeat of it:
 * QUEUED while queued, OFFLINE when failed (a failure this soon is a
 * refusal), SENT in any other state (it has left the queue).
 */
enum print_job_outcome print_job_outcome_of(enum db_message_status status);

/* The outcome's name: "sent", "queued", "offline", "too-detailed"; "unknown" out of range. */
const char *print_job_outcome_name(enum print_job_outcome outcome);

#endif
