/* db_messages.h: messages in the database: the outbox the relay drains, their states, the history, idempotency. */
#ifndef SIRIUS_DB_MESSAGES_H
#define SIRIUS_DB_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct db;

/*
 * How a message lives (schema.sql, messages). A web or API program renders
 * and encodes a print and stores it with db_message_create as queued, with
 * the DeviceCommand payload it will be sent as; then it wakes the relay. From
 * then on the relay alone moves it on (db_outbox_*), each step one UPDATE
 * that names the states it may come from, with the time of the step:
 *
 *   queued --written to a bridge--> sent --return code 0--> delivered
 *   sent, delivered, failed --did_print from its printer--> printed
 *   sent --another return code, or no answer after every resend--> failed
 *   queued --older than the queue's lifetime--> expired
 *   queued --the owner cancels it--> cancelled (the one step a web program takes)
 *
 * A message sent through a bridge that never confirms stays sent ("sent, not
 * confirmed"). The payload stays when the message is settled: it is the
 * record of the print (message_print.h), for the history and reprints.
 * Messages settled before payloads were kept have a PNG of the print instead.
 */

#define DB_SENDER_MAX 64       /* longest sender name, in bytes */
#define DB_DEDUPE_LEN 64       /* hex digits of a request digest (SHA-256) */
#define DB_IDEMPOTENCY_KEY_MAX 255 /* longest Idempotency-Key, in bytes of printable ASCII */

/* Where a message is in its life; the names are those stored in the database. */
enum db_message_status {
	DB_MESSAGE_QUEUED = 0,   /* "queued": in the outbox, waiting for its printer */
	DB_MESSAGE_SENT,         /* "sent": written to the printer's bridge, not confirmed (yet) */
	DB_MESSAGE_DELIVERED,    /* "delivered": the bridge answered return code 0 */
	DB_MESSAGE_PRINTED,      /* "printed": the printer reported printing it */
	DB_MESSAGE_FAILED,       /* "failed": a return code other than 0, no answer, or refused (see failure) */
	DB_MESSAGE_EXPIRED,      /* "expired": queued for longer than the queue keeps messages */
	DB_MESSAGE_CANCELLED,    /* "cancelled": the owner cancelled it while it was queued */
	DB_MESSAGE_STATUS_COUNT  /* the number of statuses */
};

/* The stored name of a status ("queued", ...); "unknown" for anything else. */
const char *db_message_status_name(enum db_message_status status);

/* Why a message failed without a return code saying so. */
enum db_message_failure {
	DB_FAILURE_NONE = 0,          /* it did not, or its return code says why */
	DB_FAILURE_OFFLINE,           /* "offline": refused because the printer was offline (SIRIUS_OFFLINE=refuse) */
	DB_FAILURE_RELAY_UNREACHABLE, /* "relay_unreachable": never reached the relay (messages of older versions) */
	DB_FAILURE_NO_RESPONSE        /* "no_response": a confirming bridge never answered, whatever the resends */
};

/* The stored name of a failure ("offline", ...); "" for DB_FAILURE_NONE. */
const char *db_message_failure_name(enum db_message_failure failure);

struct db_message {
	uint32_t id;                        /* the command_id it is sent with */
	int64_t printer_id;                 /* to which printer */
	char sender[DB_SENDER_MAX + 1];     /* who it is from */
	int command;                        /* DeviceCommand command code */
	enum db_message_status status;      /* where it is now */
	int return_code;                    /* the bridge's return code, -1 before a response */
	enum db_message_failure failure;    /* why it failed without a return code, else DB_FAILURE_NONE */
	char bridge[16 + 1];                /* the bridge it was last written to; "" before */
	int attempts;                       /* times it was written to a bridge */
	int64_t key_id;                     /* the device key it came through; 0 when none */
	int64_t created;                    /* when it was queued */
	int64_t sent;                       /* when it was first written to a bridge, 0 before */
	int64_t delivered;                  /* when the bridge confirmed it, 0 before */
	int64_t printed;                    /* when the printer reported printing it, 0 before */
	int64_t settled;                    /* when it printed, failed, expired or was cancelled, 0 before */
	int has_print;                      /* 1 when a print is kept (a payload or a PNG) */
	/* read by db_message_load_print only, NULL before (owned: db_message_clear) */
	uint8_t *payload;                   /* the DeviceCommand's payload, NULL when none */
	size_t payload_len;                 /* bytes at payload */
	uint8_t *png;                       /* the print as a one-bit PNG, NULL when none */
	size_t png_len;                     /* bytes at png */
};

/* A message to store (db_message_create). */
struct db_message_new {
	uint32_t id;                        /* from db_next_command_id, already written into payload */
	int64_t printer_id;                 /* to which printer */
	const char *sender;                 /* 1..DB_SENDER_MAX bytes */
	int command;                        /* DeviceCommand command code */
	const uint8_t *payload;             /* the DeviceCommand's binary payload, also the record of the print */
	size_t payload_len;                 /* bytes at payload, at least 1 */
	int64_t key_id;                     /* the device key it came through; 0 when none */
	const char *dedupe;                 /* DB_DEDUPE_LEN hex digits of the request, or NULL */
	enum db_message_failure refused;    /* DB_FAILURE_OFFLINE to store it failed at once; else DB_FAILURE_NONE */
};

/*
 * Stores a new message: queued (or failed at once with failure m->refused).
 * Returns 0, or -1 with a reason in err (no id or payload, a bad sender or
 * digest, an unknown printer, an id used, a database error).
 */
int db_message_create(struct db *db, const struct db_message_new *m, int64_t now, struct sirius_error *err);

/* Fetches a message, without its print. Returns 1, 0 or -1 as lookups do; free with db_message_clear. */
int db_message_get(struct db *db, uint32_t id, struct db_message *out, struct sirius_error *err);

/*
 * Reads the print of message (its id) into it: the payload and the PNG,
 * replacing what it held. Returns 1, 0 when the message is gone, or -1.
 */
int db_message_load_print(struct db *db, struct db_message *message, struct sirius_error *err);

/* Frees what a filled struct db_message holds; the struct may then be reused. */
void db_message_clear(struct db_message *message);

/*
 * The newest limit messages of a printer, newest first, without their prints, in an
 * array of *count (free with db_messages_free). Returns 0 or -1.
 */
int db_messages_of_printer(struct db *db, int64_t printer_id, int limit, struct db_message **list,
			   size_t *count, struct sirius_error *err);

/* Frees an array from db_messages_of_printer. */
void db_messages_free(struct db_message *list, size_t count);

/*
 * The owner cancels a queued message of printer printer_id. Returns 1, 0 (no
 * such message of that printer, or not queued any more) or -1.
 */
int db_message_cancel(struct db *db, uint32_t id, int64_t printer_id, int64_t now, struct sirius_error *err);

/*
 * The newest message made with device key key_id from a request with this
 * digest since a time (a repeated request): 1 with *id and *status set, 0
 * when there is none, or -1.
 */
int db_message_find_repeat(struct db *db, int64_t key_id, const char *dedupe, int64_t since, uint32_t *id,
			   enum db_message_status *status, struct sirius_error *err);

/* ---- the relay's side: draining the outbox ----------------------------------- */

/*
 * The oldest queued message for the printer with this device address whose
 * id is above after_id (0 for all): returns 1 with *id and *payload (malloc'd,
 * *payload_len bytes) set, 0 when there is none, or -1.
 */
int db_outbox_next(struct db *db, const char *address, uint32_t after_id, uint32_t *id, uint8_t **payload,
		   size_t *payload_len, struct sirius_error *err);

/*
 * The message was written to bridge: queued becomes sent (with sent = now);
 * a resend of a sent one counts another attempt. A cancelled one becomes
 * sent after all: the relay wrote it before it heard of the cancel, and
 * the record says what happened. Returns 1, 0 (no such message queued,
 * sent or cancelled: it was settled meanwhile) or -1.
 */
int db_outbox_sent(struct db *db, uint32_t id, const char *bridge, int64_t now, struct sirius_error *err);

/*
 * The bridge answered for the message: return code 0 makes a sent message
 * delivered, another code failed with that code. Only a message last written
 * to that bridge, and, when device is not NULL, to that device's printer, is
 * settled. A message queued again after a restart (db_outbox_requeue_unanswered)
 * is settled by a late answer too. Returns 1, 0 (no such message in those
 * states) or -1.
 */
int db_outbox_answered(struct db *db, uint32_t id, const char *bridge, const char *device, int return_code,
		       int64_t now, struct sirius_error *err);

/*
 * A sent message fails without a return code (failure: no answer after every
 * resend). Returns 1, 0 (not sent, or settled meanwhile) or -1.
 */
int db_outbox_failed(struct db *db, uint32_t id, enum db_message_failure failure, int64_t now,
		     struct sirius_error *err);

/*
 * The printer with this device address reported printing the message with
 * this print id: sent, delivered or failed becomes printed. Returns 1, 0 or -1.
 */
int db_outbox_printed(struct db *db, uint32_t print_id, const char *device, int64_t now, struct sirius_error *err);

/*
 * Housekeeping, for the relay's sweep: queued messages created before
 * expire_before become expired; then of every printer only the newest keep
 * messages, none created before keep_after, are kept, leaving out messages
 * still queued and deliveries still waiting for the printer's button. Sets
 * *expired and *deleted (either may be NULL). Takes no write lock when there
 * is nothing to do. Returns 0 or -1.
 */
int db_outbox_sweep(struct db *db, int64_t now, int64_t expire_before, int keep, int64_t keep_after,
		    int *expired, int *deleted, struct sirius_error *err);

/*
 * For the relay at its start: messages it wrote to a bridge known to confirm
 * (since before they were sent) that were never answered go back to the
 * queue, to be sent again with the same id: the relay stopped before their
 * answer, and may have stopped before the bridge had them. Returns how many,
 * or -1 with a reason in err.
 */
int db_outbox_requeue_unanswered(struct db *db, struct sirius_error *err);

/* Whether a bridge is known to answer DeviceCommands: 1, 0, or -1 with a reason in err. */
int db_bridge_confirms(struct db *db, const char *address, struct sirius_error *err);

/* Records that a bridge answers DeviceCommands. Returns 0 or -1. */
int db_bridge_set_confirms(struct db *db, const char *address, int64_t now, struct sirius_error *err);

/*
 * The relay's journal (relay/journal.h): the newest line whose write is
 * committed into *applied (0 when none), 0 or -1; and, inside the
 * transaction of those writes, that they are (never lowering it), 0 or -1.
 */
int db_relay_journal_applied(struct db *db, uint64_t *applied, struct sirius_error *err);
int db_relay_journal_mark(struct db *db, uint64_t applied, struct sirius_error *err);

/* ---- idempotency keys --------------------------------------------------------- */

/* 1 when key is 1..DB_IDEMPOTENCY_KEY_MAX bytes of printable ASCII (space to tilde), else 0. */
int db_idempotency_key_valid(const char *key);

/* What a request's Idempotency-Key says about it. */
enum db_idempotency_state {
	DB_IDEMPOTENCY_NEW = 0,     /* first seen: go on, then db_idempotency_finish (or _abandon) */
	DB_IDEMPOTENCY_RUNNING,     /* a request with the same key is being answered right now */
	DB_IDEMPOTENCY_DONE         /* answered before: *status and *body are that answer */
};

/*
 * Looks a key of scope up (or claims it for this request), forgetting keys
 * older than a day before now. For DB_IDEMPOTENCY_DONE, *status is the HTTP
 * status and *body the JSON answered (malloc'd; free it). Returns the state,
 * or -1 with a reason in err.
 */
int db_idempotency_begin(struct db *db, const char *scope, const char *key, int64_t now, int *status,
			 char **body, struct sirius_error *err);

/* Stores the answer to a request that claimed its key. Returns 0 or -1. */
int db_idempotency_finish(struct db *db, const char *scope, const char *key, int status, const char *body,
			  struct sirius_error *err);

/* Gives a key up (the request failed on the server): the same key may be tried again. Returns 0 or -1. */
int db_idempotency_abandon(struct db *db, const char *scope, const char *key, struct sirius_error *err);

#endif
