/* store.h: what the relay's state machine needs from the database, as a table of functions (the real one is store_db.c). */
#ifndef SIRIUS_RELAY_STORE_H
#define SIRIUS_RELAY_STORE_H

#include <stdint.h>

#include "error.h"
#include "link_key.h"

/*
 * Every function returns 0 on success and -1 with a reason in err when the
 * database failed; ctx is the store's own pointer. The unit tests put a fake
 * in memory behind the same table.
 */
struct relay_store {
	void *ctx; /* passed back to every function */

	/* Records a printer the first time its address is seen (a later call does nothing). */
	int (*printer_seen)(void *ctx, const char *device, double now, struct sirius_error *err);

	/*
	 * The link key of a claimed printer as base64: returns 1 with key filled,
	 * 0 when the printer is not claimed (or unknown), -1 on a database error.
	 */
	int (*printer_key)(void *ctx, const char *device, char key[LINK_KEY_BASE64_SIZE],
			   struct sirius_error *err);

	/* The next command id of the one sequence every command uses (never 0, never reused). */
	int (*next_command_id)(void *ctx, uint32_t *id, struct sirius_error *err);

	/* A DeviceCommand with this id was handed to its bridge at time now. */
	int (*message_sent)(void *ctx, uint32_t command_id, double now, struct sirius_error *err);

	/* A DeviceCommandResponse arrived: return code 0 delivered, anything else failed with that code. */
	int (*message_settled)(void *ctx, uint32_t command_id, long return_code, double now,
			       struct sirius_error *err);

	/* The printer reported printing the delivery with this id. */
	int (*message_printed)(void *ctx, uint32_t command_id, double now, struct sirius_error *err);

	/* Messages still sending that were sent more than max_age seconds before now become timed out; *count how many. */
	int (*messages_expire)(void *ctx, double now, double max_age, int *count, struct sirius_error *err);
};

#endif
