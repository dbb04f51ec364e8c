/* pending_write.h: one database write of the relay, as queued in memory and as a line of its journal. */
#ifndef SIRIUS_RELAY_PENDING_WRITE_H
#define SIRIUS_RELAY_PENDING_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "device_address.h"
#include "error.h"
#include "store.h"

/* What a database write does: which store function (store.h) it calls. */
enum pending_kind {
	PENDING_SEEN,     /* printer_seen */
	PENDING_TOUCH,    /* printer_touch */
	PENDING_SENT,     /* message_sent */
	PENDING_ANSWERED, /* message_answered */
	PENDING_FAILED,   /* message_failed */
	PENDING_PRINTED,  /* message_printed */
	PENDING_CONFIRMS, /* bridge_confirms_set */
	PENDING_BRIDGE,   /* bridge_seen */
	PENDING_BIND,     /* printer_bind */
	PENDING_MOVING,   /* printer_moving */
	PENDING_PRESS     /* button_press */
};

/* The longest bridge address (ip) a write keeps, terminator included. */
#define PENDING_IP_SIZE 64

/* A database write, done at once or queued (for its commit, or while the database is locked). */
struct pending_write {
	enum pending_kind kind;              /* which store function */
	char device[DEVICE_ADDRESS_LEN + 1]; /* the device; "" when not known or not needed */
	char bridge[DEVICE_ADDRESS_LEN + 1]; /* the bridge, for the message, bridge and binding kinds */
	char ip[PENDING_IP_SIZE];            /* the bridge's address, for PENDING_BRIDGE */
	uint32_t command_id;                 /* the message, for the message kinds */
	long code;                           /* the return code (PENDING_ANSWERED) or print type (PENDING_PRESS) */
	double at;                           /* when it happened: the time written */
	uint64_t seq;                        /* its number in the relay's journal (journal.h); 0 until written there */
};

/* Does the write through store: 0, RELAY_STORE_BUSY or -1 with a reason in err. */
int pending_write_apply(const struct relay_store *store, const struct pending_write *w, struct sirius_error *err);

/* Words for the write, for the log: "recording printer X", "settling message N", ... */
const char *pending_write_describe(const struct pending_write *w, char *buf, size_t size);

/* The highest line number (far beyond any relay's life; the database keeps it as a signed 64-bit integer). */
#define PENDING_SEQ_MAX ((uint64_t)1 << 62)

/* The latest time a line may carry, in seconds since 1970 (the year 2242). */
#define PENDING_AT_MAX 8589934592.0

/* The longest journal line of a write, newline and terminator included. */
#define PENDING_LINE_MAX 256

/*
 * The write and its seq as one line of text ending in '\n' (journal.h):
 * "seq kind device bridge ip command_id code at", with "-" for an empty
 * text. Returns its length.
 */
size_t pending_write_format(const struct pending_write *w, char line[PENDING_LINE_MAX]);

/*
 * Reads a line that pending_write_format made (without its '\n'): 0 with
 * *w set, or -1 when the line is not one (torn, edited, of another version):
 * every field is checked, as a journal is a file anyone may have touched.
 */
int pending_write_parse(const char *line, struct pending_write *w);

#endif
