/* store_db.c: the relay's store over the sirius database: printers, keys, command ids, message states. */
#include "store_db.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "base64.h"
#include "db_button.h"
#include "link_key.h"

/* The database's whole-second time of a clock reading. */
static int64_t db_time(double now)
{
	return (int64_t)floor(now);
}

/* A store result from a db_* result rc (negative on failure): 0, RELAY_STORE_BUSY or -1. */
static int result(struct db *db, int rc)
{
	if (rc >= 0)
		return 0;
	return db_busy(db) ? RELAY_STORE_BUSY : -1;
}

/*
 * The relay's writes wait in memory, in the registry's queue, for the end
 * of the event loop's turn, which does them all in one short transaction
 * (batch_begin, the writes, batch_commit). At a thousand prints a second
 * the relay marks each sent, delivered and printed: one transaction each
 * took the write lock and refilled the page cache that the web and API
 * processes' writes had emptied, three times a print; and a transaction
 * kept open through the turn held the lock for the whole turn, nearly half
 * the time, while the API processes waited for it. The server's loop
 * journals a turn's writes after the socket writes of that turn (server.c,
 * before_wait) and commits them a few milliseconds later with those of the
 * turns since (journal.h says why); a relay stopped meanwhile does them at
 * its next start. Without the journal (it could not be written) a turn's
 * writes are committed at its end. Either way a crash loses the writes not
 * journaled or committed yet, at most two turns' worth: a message whose
 * 'sent' is lost is still queued and goes out again at the next start, one
 * whose answer is lost is treated as any message sent and not answered.
 * Reads go to the database at once: none of them depends on a write that
 * waits (outbox_next skips what was taken; the registry keeps bindings and
 * bridges in memory); what a read does depend on is written at once (a
 * printer's first record, which its key is read from), and what changes
 * messages in bulk (the sweeps) or hands out an id has the registry do its
 * queue first. Every function here does its write when called: inside a
 * batch, a db_* function with its own transaction runs as a savepoint, so
 * one that fails rolls back alone.
 */

static int store_batch_begin(void *ctx, struct sirius_error *err)
{
	return result(ctx, db_transaction_begin(ctx, err));
}

static int store_batch_commit(void *ctx, struct sirius_error *err)
{
	/* a commit that fails is rolled back (db_transaction_commit): nothing of the batch stays */
	return result(ctx, db_transaction_commit(ctx, err));
}

static void store_batch_rollback(void *ctx)
{
	db_transaction_rollback(ctx);
}

static int store_journal_applied(void *ctx, uint64_t *seq, struct sirius_error *err)
{
	return result(ctx, db_relay_journal_applied(ctx, seq, err));
}

static int store_journal_mark(void *ctx, uint64_t seq, struct sirius_error *err)
{
	return result(ctx, db_relay_journal_mark(ctx, seq, err));
}

static int store_printer_seen(void *ctx, const char *device, double now, struct sirius_error *err)
{
	return result(ctx, db_printer_seen(ctx, device, db_time(now), NULL, err));
}

static int store_printer_touch(void *ctx, const char *device, double now, struct sirius_error *err)
{
	return result(ctx, db_printer_touch(ctx, device, db_time(now), err));
}

static int store_printer_key(void *ctx, const char *device, char key[LINK_KEY_BASE64_SIZE],
			     struct sirius_error *err)
{
	uint8_t raw[LINK_KEY_SIZE];
	int claimed = 0;

	key[0] = '\0';
	if (db_printer_key(ctx, device, raw, &claimed, err) < 0)
		return result(ctx, -1);
	if (!claimed)
		return 0;
	base64_encode(raw, sizeof(raw), key);
	return 1;
}

static int store_next_command_id(void *ctx, uint32_t *id, struct sirius_error *err)
{
	return result(ctx, db_next_command_id(ctx, id, err));
}

static int store_outbox_next(void *ctx, const char *device, uint32_t after_id, uint32_t *id, uint8_t **payload,
			     size_t *len, struct sirius_error *err)
{
	int rc = db_outbox_next(ctx, device, after_id, id, payload, len, err);

	return rc < 0 ? result(ctx, rc) : rc;
}

static int store_message_sent(void *ctx, uint32_t command_id, const char *bridge, double now, struct sirius_error *err)
{
	/* 0 (cancelled or settled meanwhile, or not a stored message) is fine */
	return result(ctx, db_outbox_sent(ctx, command_id, bridge, db_time(now), err));
}

static int store_message_answered(void *ctx, uint32_t command_id, const char *bridge, const char *device,
				  long return_code, double now, struct sirius_error *err)
{
	return result(ctx, db_outbox_answered(ctx, command_id, bridge, device ? device : "", (int)return_code,
					      db_time(now), err));
}

static int store_message_failed(void *ctx, uint32_t command_id, double now, struct sirius_error *err)
{
	return result(ctx, db_outbox_failed(ctx, command_id, DB_FAILURE_NO_RESPONSE, db_time(now), err));
}

static int store_message_printed(void *ctx, const char *device, uint32_t command_id, double now,
				 struct sirius_error *err)
{
	return result(ctx, db_outbox_printed(ctx, command_id, device, db_time(now), err));
}

static int store_outbox_sweep(void *ctx, double now, double queue_lifetime, unsigned keep, double keep_age,
			      int *expired, int *deleted, struct sirius_error *err)
{
	int64_t t = db_time(now);

	*expired = *deleted = 0;
	return result(ctx, db_outbox_sweep(ctx, t, t - (int64_t)ceil(queue_lifetime),
					   keep > INT32_MAX ? INT32_MAX : (int)keep, t - (int64_t)ceil(keep_age),
					   expired, deleted, err));
}

static int store_bridge_confirms(void *ctx, const char *bridge, struct sirius_error *err)
{
	int rc = db_bridge_confirms(ctx, bridge, err);

	return rc < 0 ? result(ctx, rc) : rc;
}

static int store_bridge_set_confirms(void *ctx, const char *bridge, double now, struct sirius_error *err)
{
	return result(ctx, db_bridge_set_confirms(ctx, bridge, db_time(now), err));
}

static int store_bridge_seen(void *ctx, const char *bridge, const char *ip, double now, struct sirius_error *err)
{
	return result(ctx, db_bridge_seen(ctx, bridge, ip, db_time(now), err));
}

static int store_printer_binding(void *ctx, const char *device, char bound[17], int *claimed,
				 struct sirius_error *err)
{
	int rc = db_printer_binding(ctx, device, bound, claimed, err);

	return rc < 0 ? result(ctx, rc) : rc;
}

static int store_printer_bind(void *ctx, const char *device, const char *bridge, struct sirius_error *err)
{
	return result(ctx, db_printer_bind(ctx, device, bridge, err));
}

static int store_printer_moving(void *ctx, const char *device, const char *bridge, struct sirius_error *err)
{
	return result(ctx, db_printer_moving(ctx, device, bridge, err));
}

static int store_printers_sweep(void *ctx, double now, double max_age, int *count, struct sirius_error *err)
{
	int n;

	n = db_printers_sweep_unclaimed(ctx, db_time(now) - (int64_t)ceil(max_age), err);
	*count = n < 0 ? 0 : n;
	return result(ctx, n);
}

static int store_button_press(void *ctx, const char *device, int print_type, uint32_t print_id, double now,
			      struct sirius_error *err)
{
	struct db_printer printer;
	int rc;

	/* a printer the database does not know (forgotten, or never recorded) has no presses to show */
	rc = db_printer_by_address(ctx, device, &printer, err);
	if (rc <= 0)
		return result(ctx, rc);
	return result(ctx, db_button_press_add(ctx, printer.id, print_type, print_id, db_time(now), err));
}

void store_db_init(struct relay_store *store, struct db *db)
{
	memset(store, 0, sizeof(*store));
	store->ctx = db;
	store->printer_seen = store_printer_seen;
	store->printer_touch = store_printer_touch;
	store->printer_key = store_printer_key;
	store->next_command_id = store_next_command_id;
	store->outbox_next = store_outbox_next;
	store->message_sent = store_message_sent;
	store->message_answered = store_message_answered;
	store->message_failed = store_message_failed;
	store->message_printed = store_message_printed;
	store->outbox_sweep = store_outbox_sweep;
	store->bridge_confirms = store_bridge_confirms;
	store->bridge_set_confirms = store_bridge_set_confirms;
	store->bridge_seen = store_bridge_seen;
	store->printer_binding = store_printer_binding;
	store->printer_bind = store_printer_bind;
	store->printer_moving = store_printer_moving;
	store->printers_sweep = store_printers_sweep;
	store->button_press = store_button_press;
	store->batch_begin = store_batch_begin;
	store->batch_commit = store_batch_commit;
	store->batch_rollback = store_batch_rollback;
	store->journal_applied = store_journal_applied;
	store->journal_mark = store_journal_mark;
}
