/* store.h: what the relay's state machine needs from the database, as a table of functions (the real one is store_db.c). */
#ifndef SIRIUS_RELAY_STORE_H
#define SIRIUS_RELAY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "link_key.h"

/* What a store function returns when another process held the database locked: nothing done, try again later. */
#define RELAY_STORE_BUSY (-2)

/*
 * Every function returns 0 on success, RELAY_STORE_BUSY (with a reason in
 * err) when the database was locked for longer than the relay may wait, and
 * -1 with a reason in err for any other failure; ctx is the store's own
 * pointer. The relay never waits long for a lock: it keeps the writes that
 * met one and retries them from a timer. Writes are done when called; with
 * the batch functions below the registry calls them inside a batch. The
 * unit tests put a fake in memory behind the same table.
 */
struct relay_store {
	void *ctx; /* passed back to every function */

	/* Records a printer the first time its address is seen (afterwards it only updates last_seen). */
	int (*printer_seen)(void *ctx, const char *device, double now, struct sirius_error *err);

	/* Updates the last_seen of a recorded printer (nothing for an unknown one). */
	int (*printer_touch)(void *ctx, const char *device, double now, struct sirius_error *err);

	/*
	 * The link key of a claimed printer as base64: returns 1 with key filled,
	 * 0 when the printer is not claimed (or unknown), -1 or RELAY_STORE_BUSY.
	 */
	int (*printer_key)(void *ctx, const char *device, char key[LINK_KEY_BASE64_SIZE],
			   struct sirius_error *err);

	/* The next command id of the one sequence every command uses (never 0, never reused). */
	int (*next_command_id)(void *ctx, uint32_t *id, struct sirius_error *err);

	/*
	 * The oldest queued message for device with an id above after_id: 1 with
	 * *id and *payload (malloc'd, *len bytes: the DeviceCommand's binary
	 * payload) set, 0 when there is none, -1 or RELAY_STORE_BUSY.
	 */
	int (*outbox_next)(void *ctx, const char *device, uint32_t after_id, uint32_t *id, uint8_t **payload,
			   size_t *len, struct sirius_error *err);

	/* The message with this id was written to bridge at time now (again, for a resend). */
	int (*message_sent)(void *ctx, uint32_t command_id, const char *bridge, double now, struct sirius_error *err);

	/*
	 * A DeviceCommandResponse through bridge: return code 0 delivered,
	 * anything else failed with that code. Only a message last written to
	 * that bridge is settled, and when device is not "", only one sent to it.
	 */
	int (*message_answered)(void *ctx, uint32_t command_id, const char *bridge, const char *device, long return_code,
				double now, struct sirius_error *err);

	/* A sent message got no answer from its confirming bridge, whatever the resends: it failed. */
	int (*message_failed)(void *ctx, uint32_t command_id, double now, struct sirius_error *err);

	/* The device reported printing the delivery with this id (only a message sent to it is marked). */
	int (*message_printed)(void *ctx, const char *device, uint32_t command_id, double now,
			       struct sirius_error *err);

	/*
	 * Housekeeping at now: queued messages older than queue_lifetime seconds
	 * expire; of each printer the newest keep messages younger than keep_age
	 * seconds are kept (never one still queued or waiting for the button).
	 * Sets *expired and *deleted. Takes no write lock when there is nothing to do.
	 */
	int (*outbox_sweep)(void *ctx, double now, double queue_lifetime, unsigned keep, double keep_age, int *expired,
			    int *deleted, struct sirius_error *err);

	/* Whether bridge is known to answer DeviceCommands: 1, 0, -1 or RELAY_STORE_BUSY. */
	int (*bridge_confirms)(void *ctx, const char *bridge, struct sirius_error *err);

	/* Records that bridge answers DeviceCommands. */
	int (*bridge_set_confirms)(void *ctx, const char *bridge, double now, struct sirius_error *err);

	/* A bridge connected from ip at now (first sight, last sight, address). */
	int (*bridge_seen)(void *ctx, const char *bridge, const char *ip, double now, struct sirius_error *err);

	/*
	 * The bridge device is bound to into bound ("" when none) and whether it
	 * is claimed: 1, 0 (no such printer: bound "", not claimed), -1 or
	 * RELAY_STORE_BUSY.
	 */
	int (*printer_binding)(void *ctx, const char *device, char bound[17], int *claimed, struct sirius_error *err);

	/* Binds a claimed printer to bridge. */
	int (*printer_bind)(void *ctx, const char *device, const char *bridge, struct sirius_error *err);

	/* Records that bridge reported device while it is bound to another one (a move for the owner to confirm). */
	int (*printer_moving)(void *ctx, const char *device, const char *bridge, struct sirius_error *err);

	/* Records a did_print of device: print_type (a delivery, the button with nothing waiting, a quip) and print_id. */
	int (*button_press)(void *ctx, const char *device, int print_type, uint32_t print_id, double now,
			    struct sirius_error *err);

	/* Forgets printers never claimed and silent for max_age seconds before now; *count how many. */
	int (*printers_sweep)(void *ctx, double now, double max_age, int *count, struct sirius_error *err);

	/*
	 * A batch: the registry keeps the writes of a turn of the event loop
	 * (and those that met the lock) in its queue and does them at the end of
	 * the turn between batch_begin and batch_commit, in one transaction
	 * (they then cost one round of locks and one page-cache refill instead
	 * of one each). Inside, each write that fails rolls back alone and the
	 * others go on. batch_begin takes the write lock: 0, RELAY_STORE_BUSY
	 * (nothing begun: the writes wait), or -1 with a reason in err.
	 * batch_commit: 0, RELAY_STORE_BUSY (nothing written: the writes wait)
	 * or -1 with a reason in err (the batch's writes are lost); either way
	 * the batch is over. batch_rollback undoes an open batch. All three NULL
	 * when every write is to be done at once.
	 */
	int (*batch_begin)(void *ctx, struct sirius_error *err);
	int (*batch_commit)(void *ctx, struct sirius_error *err);
	void (*batch_rollback)(void *ctx);

	/*
	 * The relay's journal (journal.h): journal_applied sets *seq to the
	 * newest line whose write is in the database (0 when none); journal_mark
	 * records, inside a batch, that the lines up to seq are. Both NULL in a
	 * store without: its writes are then committed at the end of each turn.
	 */
	int (*journal_applied)(void *ctx, uint64_t *seq, struct sirius_error *err);
	int (*journal_mark)(void *ctx, uint64_t seq, struct sirius_error *err);
};

#endif
