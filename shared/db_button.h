/* db_button.h: a printer's button (presses, deliveries waiting for it), personality and quips, in the database. */
#ifndef SIRIUS_DB_BUTTON_H
#define SIRIUS_DB_BUTTON_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"

/*
 * How to use it: the relay records every did_print a printer reports with
 * db_button_press_add; the printer page lists them (db_button_presses) with
 * the deliveries still waiting for the button (db_button_waiting), which the
 * owner may settle (db_button_settle): cancelled, or printed now as another
 * message. The personality and quips last sent to a printer are kept so
 * that its page shows them. Conventions are those of db.h.
 */

/* did_print print types (PROTOCOL.md section 2), as stored in button_presses.print_type. */
#define DB_PRESS_DELIVERY 0x01  /* a delivery waiting for the button was printed */
#define DB_PRESS_NOTHING 0x10   /* pressed with nothing waiting */
#define DB_PRESS_QUIP 0x11      /* a quip was printed */

/* One did_print of a printer, with the message it printed when that is still stored. */
struct db_button_press {
	int64_t id;                       /* positive */
	int print_type;                   /* DB_PRESS_*, or another value the printer sent */
	uint32_t print_id;                /* the print id the printer reported (a message id for a delivery) */
	int64_t time;                     /* when the relay heard it */
	uint32_t message_id;              /* the printer's message with id print_id; 0 when there is none */
	char sender[DB_SENDER_MAX + 1];   /* that message's sender, "" when there is none */
};

/* Records a did_print of a printer at now. Returns 0, or -1 with a reason in err (unknown printer, database error). */
int db_button_press_add(struct db *db, int64_t printer_id, int print_type, uint32_t print_id, int64_t now,
			struct sirius_error *err);

/*
 * The newest limit presses of a printer, newest first, in an array of *count
 * (free with db_free; NULL when none). Returns 0 or -1.
 */
int db_button_presses(struct db *db, int64_t printer_id, int limit, struct db_button_press **list, size_t *count,
		      struct sirius_error *err);

/*
 * The ids of a printer's deliveries waiting for the button: messages sent
 * with set_delivery or set_delivery_no_face that went to the bridge (sent,
 * or delivered when the bridge confirms) and the printer has not printed,
 * and that the owner has not settled; newest
 * first, at most limit, in an array of *count (free with db_free; NULL when
 * none). Returns 0 or -1.
 */
int db_button_waiting(struct db *db, int64_t printer_id, int limit, uint32_t **ids, size_t *count,
		      struct sirius_error *err);

/* 1 when message_id is one of the printer's deliveries waiting for the button, 0 when not, -1 on error. */
int db_button_is_waiting(struct db *db, int64_t printer_id, uint32_t message_id, struct sirius_error *err);

/*
 * The owner settles a delivery waiting for the button at now: cancelled
 * (reprint_id 0), or printed now as message reprint_id. It is then no longer
 * waiting. Returns 1, 0 (not a delivery of that printer waiting for the
 * button) or -1.
 */
int db_button_settle(struct db *db, int64_t printer_id, uint32_t message_id, uint32_t reprint_id, int64_t now,
		     struct sirius_error *err);

/*
 * How the owner settled the delivery message_id: 1 with *reprint_id (the
 * message that printed it now; 0 when it was cancelled) and *time set, 0
 * when the owner has not settled it, or -1.
 */
int db_button_settled(struct db *db, uint32_t message_id, uint32_t *reprint_id, int64_t *time,
		      struct sirius_error *err);

/* ---- personality ----------------------------------------------------------- */

#define DB_PERSONALITY_IMAGES 4  /* face, nothing to print, cannot see the bridge, cannot see the internet */
#define DB_FACE_NAME_MAX 32      /* longest name of a shipped set */

/* The personality last sent to a printer. */
struct db_personality {
	int64_t printer_id;                        /* whose */
	char face[DB_FACE_NAME_MAX + 1];           /* the shipped set's name; "" for uploaded images */
	uint8_t *png[DB_PERSONALITY_IMAGES];       /* uploaded: the four one-bit PNGs (owned); NULL for a shipped set */
	size_t png_len[DB_PERSONALITY_IMAGES];     /* bytes at png[i] */
	uint32_t message_id;                       /* the set_personality message */
	int64_t created;                           /* when it was sent */
};

/*
 * Stores the personality sent to a printer as message message_id, replacing
 * the one before: a shipped set by name (png NULL), or four uploaded one-bit
 * PNGs (face NULL or ""). Returns 0, or -1 with a reason in err (a name over
 * DB_FACE_NAME_MAX, neither or both of a name and images, database error).
 */
int db_personality_set(struct db *db, int64_t printer_id, const char *face, const uint8_t *const *png,
		       const size_t *png_len, uint32_t message_id, int64_t now, struct sirius_error *err);

/* The personality of a printer. Returns 1, 0 (none sent yet) or -1; free with db_personality_clear. */
int db_personality_get(struct db *db, int64_t printer_id, struct db_personality *out, struct sirius_error *err);

/* Frees what a filled struct db_personality holds. */
void db_personality_clear(struct db_personality *p);

/* ---- quips ----------------------------------------------------------------- */

#define DB_QUIPS 3          /* quips a printer holds */
#define DB_QUIP_MAX 140     /* longest quip, in bytes of UTF-8 */

/* The quips last sent to a printer. */
struct db_quips {
	int64_t printer_id;                    /* whose */
	char text[DB_QUIPS][DB_QUIP_MAX + 1];  /* as the owner typed them */
	uint32_t message_id;                   /* the set_quip message */
	int64_t created;                       /* when they were sent */
};

/*
 * Stores the three quips sent to a printer as message message_id, replacing
 * those before. Returns 0, or -1 with a reason in err (a quip empty or over
 * DB_QUIP_MAX bytes, database error).
 */
int db_quips_set(struct db *db, int64_t printer_id, const char *const text[DB_QUIPS], uint32_t message_id,
		 int64_t now, struct sirius_error *err);

/* The quips of a printer. Returns 1, 0 (none sent yet) or -1. */
int db_quips_get(struct db *db, int64_t printer_id, struct db_quips *out, struct sirius_error *err);

#endif
