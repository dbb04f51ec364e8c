/* store_db.c: the relay's store over the sirius database: printers, keys, command ids, message states. */
#include "store_db.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "base64.h"
#include "db_button.h"
#include "link_key.h"
#include "log.h"

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
 * The relay's writes wait in memory for the end of the event loop's turn
 * (store_turn_end), which does them all in one short transaction. At a
 * thousand prints a second the relay marks each sent, delivered and
 * printed: one transaction each took the write lock and refilled the page
 * cache that the web and API processes' writes had emptied, three times a
 * print; and a transaction kept open through the turn held the lock for the
 * whole turn, nearly half the time, while the API processes waited for it.
 * A crash loses at most the turn's writes, which the next start treats as
 * it treats any message sent and not answered (queued again). Reads go to
 * the database at once: none of them depends on a write kept (outbox_next
 * skips what was taken; the registry keeps bindings and bridges in
 * memory); what a read does depend on is written at once (a printer's
 * first record, which its key is read from), and what changes messages in
 * bulk (the sweeps) or hands out an id first does what waits.
 */

/*
 * Writes kept at most (about 120 bytes each). Beyond that (a database
 * locked for long) the printers' last_seen updates are dropped, then the
 * oldest TURN_WRITES_DROP writes at once, and that is logged.
 */
#define TURN_WRITES_MAX 65536
#define TURN_WRITES_DROP 4096

enum turn_kind { TURN_TOUCH, TURN_SENT, TURN_ANSWERED, TURN_FAILED, TURN_PRINTED, TURN_CONFIRMS,
		 TURN_BRIDGE, TURN_BIND, TURN_MOVING, TURN_PRESS };

/* A write waiting for the end of the turn, with what it needs. */
struct turn_write {
	enum turn_kind kind;
	char device[17];
	char bridge[17];
	char ip[64];
	uint32_t id;     /* the message, or the did_print's print id */
	long code;       /* return code, or the did_print's print type */
	int64_t at;      /* when it happened */
};

struct store_db {
	struct db *db;
	GArray *turn;        /* struct turn_write, in the order they came */
	GHashTable *touched; /* device -> 1 + its TURN_TOUCH's index in turn: one a device, the latest time */
	uint64_t dropped;    /* writes dropped while the database stayed locked */
};

/* The kept writes are at TURN_WRITES_MAX: drops what matters least, and logs it. */
static void turn_make_room(struct store_db *sd)
{
	guint i, kept = 0, before = sd->turn->len;

	/* a last_seen is only a time, and the next heartbeat brings a newer one */
	for (i = 0; i < sd->turn->len; i++) {
		const struct turn_write *w = &g_array_index(sd->turn, struct turn_write, i);

		if (w->kind != TURN_TOUCH)
			g_array_index(sd->turn, struct turn_write, kept++) = *w;
	}
	g_array_set_size(sd->turn, kept);
	g_hash_table_remove_all(sd->touched);
	if (sd->turn->len > TURN_WRITES_MAX - TURN_WRITES_DROP)
		g_array_remove_range(sd->turn, 0, sd->turn->len - (TURN_WRITES_MAX - TURN_WRITES_DROP));
	sd->dropped += before - sd->turn->len;
	relay_log(RELAY_LOG_ERROR, "database locked too long: %u write(s) of the relay dropped (%" G_GUINT64_FORMAT
		  " so far)", before - sd->turn->len, sd->dropped);
}

/* Keeps a write for the end of the turn. */
static void turn_add(struct store_db *sd, enum turn_kind kind, const char *device, const char *bridge,
		     const char *ip, uint32_t id, long code, double now)
{
	struct turn_write w;

	if (kind == TURN_TOUCH) {
		guint i = GPOINTER_TO_UINT(g_hash_table_lookup(sd->touched, device));

		if (i) {
			struct turn_write *old = &g_array_index(sd->turn, struct turn_write, i - 1);

			if (db_time(now) > old->at)
				old->at = db_time(now);
			return;
		}
	}
	if (sd->turn->len >= TURN_WRITES_MAX)
		turn_make_room(sd);
	memset(&w, 0, sizeof(w));
	w.kind = kind;
	if (device)
		g_strlcpy(w.device, device, sizeof(w.device));
	if (bridge)
		g_strlcpy(w.bridge, bridge, sizeof(w.bridge));
	if (ip)
		g_strlcpy(w.ip, ip, sizeof(w.ip));
	w.id = id;
	w.code = code;
	w.at = db_time(now);
	g_array_append_val(sd->turn, w);
	if (kind == TURN_TOUCH)
		g_hash_table_insert(sd->touched, g_strdup(w.device), GUINT_TO_POINTER(sd->turn->len));
}

/* Does one kept write: a db_* result (negative on failure). */
static int turn_run(struct db *db, const struct turn_write *w, struct sirius_error *err)
{
	struct db_printer printer;
	int rc;

	switch (w->kind) {
	case TURN_TOUCH:
		return db_printer_touch(db, w->device, w->at, err);
	case TURN_SENT:
		/* 0 (cancelled or settled meanwhile, or not a stored message) is fine */
		return db_outbox_sent(db, w->id, w->bridge, w->at, err);
	case TURN_ANSWERED:
		return db_outbox_answered(db, w->id, w->bridge, w->device, (int)w->code, w->at, err);
	case TURN_FAILED:
		return db_outbox_failed(db, w->id, DB_FAILURE_NO_RESPONSE, w->at, err);
	case TURN_PRINTED:
		return db_outbox_printed(db, w->id, w->device, w->at, err);
	case TURN_CONFIRMS:
		return db_bridge_set_confirms(db, w->bridge, w->at, err);
	case TURN_BRIDGE:
		return db_bridge_seen(db, w->bridge, w->ip, w->at, err);
	case TURN_BIND:
		return db_printer_bind(db, w->device, w->bridge, err);
	case TURN_MOVING:
		return db_printer_moving(db, w->device, w->bridge, err);
	case TURN_PRESS:
		/* a printer the database does not know (forgotten, or never recorded) has no presses to show */
		rc = db_printer_by_address(db, w->device, &printer, err);
		if (rc <= 0)
			return rc;
		return db_button_press_add(db, printer.id, (int)w->code, w->id, w->at, err);
	}
	return error_set(err, "unknown write");
}

/* Words for a write that failed, for the log. */
static const char *turn_what(enum turn_kind kind)
{
	switch (kind) {
	case TURN_TOUCH:
		return "updating a printer's last_seen";
	case TURN_SENT:
		return "marking a message sent";
	case TURN_ANSWERED:
		return "settling an answered message";
	case TURN_FAILED:
		return "failing an unanswered message";
	case TURN_PRINTED:
		return "marking a message printed";
	case TURN_CONFIRMS:
		return "recording that a bridge confirms";
	case TURN_BRIDGE:
		return "recording a bridge";
	case TURN_BIND:
		return "binding a printer";
	case TURN_MOVING:
		return "recording a printer seen at another bridge";
	case TURN_PRESS:
		return "recording a did_print";
	}
	return "writing";
}

/*
 * Does the turn's writes in one transaction. Returns 0 (a write that fails
 * on its own is logged and left out), RELAY_STORE_BUSY when the database
 * stayed locked (the writes wait for the next call), or -1 with a reason in
 * err when the transaction failed (its writes are lost).
 */
static int turn_flush(struct store_db *sd, struct sirius_error *err)
{
	guint i;

	if (sd->turn->len == 0)
		return 0;
	if (db_transaction_begin(sd->db, err) < 0)
		return result(sd->db, -1);
	for (i = 0; i < sd->turn->len; i++) {
		const struct turn_write *w = &g_array_index(sd->turn, struct turn_write, i);
		struct sirius_error one = { "" };

		if (turn_run(sd->db, w, &one) < 0)
			relay_log(RELAY_LOG_ERROR, "database: %s (%s%s%s %u): %s", turn_what(w->kind), w->device,
				  w->device[0] && w->bridge[0] ? ", bridge " : "", w->bridge, w->id, one.message);
	}
	g_hash_table_remove_all(sd->touched);
	g_array_set_size(sd->turn, 0);
	return db_transaction_commit(sd->db, err) < 0 ? -1 : 0;
}

static int store_turn_end(void *ctx, struct sirius_error *err)
{
	return turn_flush(ctx, err);
}

static int store_printer_seen(void *ctx, const char *device, double now, struct sirius_error *err)
{
	struct store_db *sd = ctx;
	int rc;

	/*
	 * Done at once (once per printer and start): recording a printer gives
	 * it the claim made before it first called home, and the key it asks
	 * for next is read from that.
	 */
	rc = turn_flush(sd, err);
	if (rc < 0)
		return rc;
	return result(sd->db, db_printer_seen(sd->db, device, db_time(now), NULL, err));
}

static int store_printer_touch(void *ctx, const char *device, double now, struct sirius_error *err)
{
	(void)err;
	turn_add(ctx, TURN_TOUCH, device, NULL, NULL, 0, 0, now);
	return 0;
}

static int store_printer_key(void *ctx, const char *device, char key[LINK_KEY_BASE64_SIZE],
			     struct sirius_error *err)
{
	struct store_db *sd = ctx;
	uint8_t raw[LINK_KEY_SIZE];
	int claimed = 0;

	key[0] = '\0';
	if (db_printer_key(sd->db, device, raw, &claimed, err) < 0)
		return result(sd->db, -1);
	if (!claimed)
		return 0;
	base64_encode(raw, sizeof(raw), key);
	return 1;
}

static int store_next_command_id(void *ctx, uint32_t *id, struct sirius_error *err)
{
	struct store_db *sd = ctx;
	int rc;

	/* the id goes out at once and must never be handed out again: the turn's writes first, then the id on its own */
	rc = turn_flush(sd, err);
	if (rc < 0)
		return rc;
	return result(sd->db, db_next_command_id(sd->db, id, err));
}

static int store_outbox_next(void *ctx, const char *device, uint32_t after_id, uint32_t *id, uint8_t **payload,
			     size_t *len, struct sirius_error *err)
{
	struct store_db *sd = ctx;
	int rc = db_outbox_next(sd->db, device, after_id, id, payload, len, err);

	return rc < 0 ? result(sd->db, rc) : rc;
}

static int store_message_sent(void *ctx, uint32_t command_id, const char *bridge, double now, struct sirius_error *err)
{
	(void)err;
	turn_add(ctx, TURN_SENT, NULL, bridge, NULL, command_id, 0, now);
	return 0;
}

static int store_message_answered(void *ctx, uint32_t command_id, const char *bridge, const char *device,
				  long return_code, double now, struct sirius_error *err)
{
	(void)err;
	turn_add(ctx, TURN_ANSWERED, device, bridge, NULL, command_id, return_code, now);
	return 0;
}

static int store_message_failed(void *ctx, uint32_t command_id, double now, struct sirius_error *err)
{
	(void)err;
	turn_add(ctx, TURN_FAILED, NULL, NULL, NULL, command_id, 0, now);
	return 0;
}

static int store_message_printed(void *ctx, const char *device, uint32_t command_id, double now,
				 struct sirius_error *err)
{
	(void)err;
	turn_add(ctx, TURN_PRINTED, device, NULL, NULL, command_id, 0, now);
	return 0;
}

static int store_outbox_sweep(void *ctx, double now, double queue_lifetime, unsigned keep, double keep_age,
			      int *expired, int *deleted, struct sirius_error *err)
{
	struct store_db *sd = ctx;
	int64_t t = db_time(now);
	int rc;

	*expired = *deleted = 0;
	/* a message marked sent this turn must not expire as queued */
	rc = turn_flush(sd, err);
	if (rc < 0)
		return rc;
	return result(sd->db, db_outbox_sweep(sd->db, t, t - (int64_t)ceil(queue_lifetime),
					      keep > INT32_MAX ? INT32_MAX : (int)keep, t - (int64_t)ceil(keep_age),
					      expired, deleted, err));
}

static int store_bridge_confirms(void *ctx, const char *bridge, struct sirius_error *err)
{
	struct store_db *sd = ctx;
	int rc = db_bridge_confirms(sd->db, bridge, err);

	return rc < 0 ? result(sd->db, rc) : rc;
}

static int store_bridge_set_confirms(void *ctx, const char *bridge, double now, struct sirius_error *err)
{
	(void)err;
	turn_add(ctx, TURN_CONFIRMS, NULL, bridge, NULL, 0, 0, now);
	return 0;
}

static int store_bridge_seen(void *ctx, const char *bridge, const char *ip, double now, struct sirius_error *err)
{
	(void)err;
	turn_add(ctx, TURN_BRIDGE, NULL, bridge, ip, 0, 0, now);
	return 0;
}

static int store_printer_binding(void *ctx, const char *device, char bound[17], int *claimed,
				 struct sirius_error *err)
{
	struct store_db *sd = ctx;
	int rc = db_printer_binding(sd->db, device, bound, claimed, err);

	return rc < 0 ? result(sd->db, rc) : rc;
}

static int store_printer_bind(void *ctx, const char *device, const char *bridge, struct sirius_error *err)
{
	(void)err;
	turn_add(ctx, TURN_BIND, device, bridge, NULL, 0, 0, 0);
	return 0;
}

static int store_printer_moving(void *ctx, const char *device, const char *bridge, struct sirius_error *err)
{
	(void)err;
	turn_add(ctx, TURN_MOVING, device, bridge, NULL, 0, 0, 0);
	return 0;
}

static int store_printers_sweep(void *ctx, double now, double max_age, int *count, struct sirius_error *err)
{
	struct store_db *sd = ctx;
	int n, rc;

	*count = 0;
	/* a printer recorded or seen this turn must not be forgotten as silent */
	rc = turn_flush(sd, err);
	if (rc < 0)
		return rc;
	n = db_printers_sweep_unclaimed(sd->db, db_time(now) - (int64_t)ceil(max_age), err);
	*count = n < 0 ? 0 : n;
	return result(sd->db, n);
}

static int store_button_press(void *ctx, const char *device, int print_type, uint32_t print_id, double now,
			      struct sirius_error *err)
{
	(void)err;
	turn_add(ctx, TURN_PRESS, device, NULL, NULL, print_id, print_type, now);
	return 0;
}

void store_db_init(struct relay_store *store, struct db *db)
{
	struct store_db *sd = g_new0(struct store_db, 1);

	sd->db = db;
	sd->turn = g_array_new(FALSE, FALSE, sizeof(struct turn_write));
	sd->touched = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	memset(store, 0, sizeof(*store));
	store->ctx = sd;
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
	store->turn_end = store_turn_end;
}

void store_db_free(struct relay_store *store)
{
	struct store_db *sd = store->ctx;
	struct sirius_error err = { "" };
	guint waiting;

	if (!sd)
		return;
	waiting = sd->turn->len;
	if (waiting && turn_flush(sd, &err) != 0)
		relay_log(RELAY_LOG_ERROR, "database: %u write(s) of the relay lost at exit: %s", waiting,
			  err.message[0] ? err.message : "the database stayed locked");
	g_hash_table_destroy(sd->touched);
	g_array_free(sd->turn, TRUE);
	g_free(sd);
	store->ctx = NULL;
}
