/* registry.c: the relay's protocol state machine: who is connected, which devices are online, what to send. */
#include "registry_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge_command.h"
#include "checkpointer.h"
#include "journal.h"
#include "log.h"
#include "relay_client.h"
#include "return_code.h"

/* Bytes of log text a bridge's ring may hold, whatever its record count. */
#define LOG_RING_MAX_BYTES (64 * 1024)
/* The DeviceCommandResponse code of a bridge whose command queue is full (PROTOCOL.md 3). */
#define RETURN_QUEUE_FULL 0xe0
/* When the write queue is full, the oldest writes dropped at once: this part of store_pending_max. */
#define PENDING_DROP_PART 16

/* One record of a bridge's log ring, also linked into the registry's list of every record. */
struct log_entry {
	GList ring_link;              /* its link in the bridge's ring (data points here) */
	GList all_link;               /* its link in reg->logs, every bridge's records oldest first */
	struct relay_bridge *bridge;  /* whose record it is */
	double received;              /* when the relay got it */
	int has_created;              /* 1 when created is known */
	double created;               /* the bridge's own time of the record */
	long levelno;                 /* Python logging level; -1 when absent */
	char *name;                   /* logger name (g_malloc'd) */
	char *levelname;              /* e.g. "ERROR" (g_malloc'd) */
	char *message;                /* the text (g_malloc'd) */
	size_t bytes;                 /* what the entry takes, for the byte bounds */
};

void registry_config_default(struct registry_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->device_timeout = 60;
	cfg->message_timeout = 60;
	cfg->unconfirmed_hold = 1;
	cfg->resends = 2;
	cfg->queue_lifetime = 7 * 24 * 3600;
	cfg->keep_messages = 100;
	cfg->keep_age = 365 * 24 * 3600;
	cfg->sweep_interval = 60;
	cfg->name_timeout = 30;
	cfg->touch_interval = 180;
	cfg->store_retry = 1;
	cfg->store_gather = 0.01;
	cfg->busy_backoff = 2;
	cfg->busy_retries = 5;
	cfg->in_flight_max = 10;
	cfg->headroom = 0;
	cfg->queue_max_messages = 64;
	cfg->queue_max_bytes = 4 * 1024 * 1024;
	cfg->log_ring = 256;
	cfg->log_total_bytes = 16 * 1024 * 1024;
	cfg->max_bridges = 50000;
	cfg->max_devices = 200000;
	cfg->store_pending_max = 65536;
	cfg->malformed_log_max = 10;
	cfg->bridge_moves_auto = 0;
	cfg->new_devices_per_minute = 10;
	cfg->unclaimed_lifetime = 30 * 24 * 3600;
}

static double now(struct registry *reg)
{
	return reg->env.now(reg->env.ctx);
}

double registry_now(struct registry *reg)
{
	return now(reg);
}

/* ---- freeing ------------------------------------------------------------------ */

/* Unlinks a log entry from its bridge's ring and the registry's list and frees it. */
static void log_entry_drop(struct registry *reg, struct log_entry *e)
{
	struct relay_bridge *b = e->bridge;

	g_queue_unlink(b->logs, &e->ring_link);
	g_queue_unlink(&reg->logs, &e->all_link);
	b->log_bytes -= e->bytes;
	reg->log_bytes -= e->bytes;
	g_free(e->name);
	g_free(e->levelname);
	g_free(e->message);
	g_free(e);
	if (g_queue_is_empty(b->logs)) {
		g_queue_free(b->logs);
		b->logs = NULL;
	}
}

static void bridge_free(gpointer p)
{
	struct relay_bridge *b = p;
	struct registry *reg = b->reg;

	while (b->logs)
		log_entry_drop(reg, g_queue_peek_head(b->logs));
	if (b->idle)
		g_queue_unlink(&reg->idle_bridges, &b->idle_link);
	/* its devices may be freed already (registry_free): only its commands go */
	outbox_bridge_free_commands(b);
	reg->env.timer_free(reg->env.ctx, b->timer);
	g_hash_table_destroy(b->devices);
	g_free(b);
}

static void device_free_cb(gpointer p)
{
	struct relay_device *d = p;

	if (d->idle)
		g_queue_unlink(&d->reg->idle_devices, &d->idle_link);
	d->reg->env.timer_free(d->reg->env.ctx, d->timer);
	g_free(d);
}

static void session_free(struct registry *reg, struct relay_session *s)
{
	struct relay_out *o;

	reg->env.timer_free(reg->env.ctx, s->name_timer);
	while ((o = g_queue_pop_head(&s->out)))
		free(o);
	g_free(s);
}

/* ---- database writes and their queue ------------------------------------------- */

/*
 * Every database write of the registry goes through one queue, reg->pending,
 * oldest first. With a store that batches (store.h), a write waits there for
 * the end of the event loop's turn (registry_turn_end), which does the
 * turn's writes in one transaction (store_db.c says why); with one that
 * does not, a write is done at once and waits only when it met the lock.
 * With a journal (journal.h), the end of the turn appends its new writes
 * there instead, and the gather timer, armed by the first write queued,
 * commits them all store_gather seconds after it.
 * What must be done at once (a printer's first record, a command id, the
 * sweeps) does the queue first, so a message's states keep their order.
 * Writes that met the lock stay queued (store_waiting) for the retry timer,
 * soon, then less often, up to store_retry; meanwhile the outbox is not
 * read (registry_store_blocked). The queue is bounded (store_pending_max):
 * past it the printers' last_seen updates go first, then the oldest writes.
 */

/* What a write that succeeded changes in memory. */
static void pending_done(struct registry *reg, const struct pending_write *w)
{
	struct relay_device *d;

	if (w->kind != PENDING_SEEN)
		return;
	d = g_hash_table_lookup(reg->devices, w->device);
	if (d && !d->recorded) {
		d->recorded = 1;
		relay_log(RELAY_LOG_DEBUG, "device %s recorded", d->address);
	}
}

/* Logs and counts a write that failed for another reason than a lock (it is not retried). */
static void pending_failed(struct registry *reg, const struct pending_write *w, const struct sirius_error *err)
{
	char what[160];

	reg->counters.store_errors++;
	relay_log(RELAY_LOG_ERROR, "database: %s: %s", pending_write_describe(w, what, sizeof(what)), err->message);
}

/* Takes the pending write at link l off the queue (the caller frees it); NULL for no link. */
static struct pending_write *pending_unlink(struct registry *reg, GList *l)
{
	struct pending_write *w = l ? l->data : NULL;

	if (!w)
		return NULL;
	g_queue_delete_link(&reg->pending, l);
	if (w->seq == 0)
		reg->unjournaled--;
	if ((w->kind == PENDING_SEEN || w->kind == PENDING_TOUCH) &&
	    g_hash_table_lookup(reg->pending_devices, w->device) == w)
		g_hash_table_remove(reg->pending_devices, w->device);
	reg->counters.store_pending = g_queue_get_length(&reg->pending);
	return w;
}

/* Takes the oldest pending write off the queue (the caller frees it). */
static struct pending_write *pending_pop(struct registry *reg)
{
	return pending_unlink(reg, reg->pending.head);
}

/*
 * The queue is at store_pending_max (a database locked for long): drops
 * what matters least, and logs and counts it. A last_seen is only a time,
 * and the next heartbeat brings a newer one: the printers' last_seen
 * updates go first, then the oldest writes, a sixteenth of the bound at
 * once (the log says so once per round, not once per write).
 */
static void pending_make_room(struct registry *reg)
{
	guint before = g_queue_get_length(&reg->pending), keep;
	size_t part = reg->cfg.store_pending_max / PENDING_DROP_PART;
	GList *l, *next;

	for (l = reg->pending.head; l; l = next) {
		struct pending_write *w = l->data;

		next = l->next;
		if (w->kind == PENDING_TOUCH)
			g_free(pending_unlink(reg, l));
	}
	if (part == 0)
		part = 1;
	keep = reg->cfg.store_pending_max > part ? (guint)(reg->cfg.store_pending_max - part) : 0;
	while (g_queue_get_length(&reg->pending) > keep)
		g_free(pending_pop(reg));
	reg->counters.store_dropped += before - g_queue_get_length(&reg->pending);
	relay_log(RELAY_LOG_ERROR, "database locked too long: %u write(s) of the relay dropped (%" G_GUINT64_FORMAT
		  " dropped so far)", before - g_queue_get_length(&reg->pending), reg->counters.store_dropped);
}

/* Whether the store does the queue in batches (store.h): then every write waits for the end of the turn. */
static int store_batches(const struct registry *reg)
{
	return reg->store.batch_begin && reg->store.batch_commit && reg->store.batch_rollback;
}

/* Whether writes wait in the journal for the gather timer rather than being committed at the end of their turn. */
static int store_gathers(const struct registry *reg)
{
	return reg->journal && reg->cfg.store_gather > 0 && store_batches(reg) && reg->store.journal_mark;
}

/*
 * Queues a write, after the others. A printer write merges with one already
 * waiting for the same device (the later time; a first record stays one).
 */
static void pending_add(struct registry *reg, const struct pending_write *w)
{
	struct pending_write *copy;

	if (w->kind == PENDING_SEEN || w->kind == PENDING_TOUCH) {
		struct pending_write *old = g_hash_table_lookup(reg->pending_devices, w->device);

		if (old) {
			if (w->kind == PENDING_SEEN)
				old->kind = PENDING_SEEN;
			if (w->at > old->at)
				old->at = w->at;
			/* changed: journaled again, under a new number */
			if (old->seq != 0) {
				old->seq = 0;
				reg->unjournaled++;
			}
			return;
		}
	}
	if (g_queue_get_length(&reg->pending) >= reg->cfg.store_pending_max)
		pending_make_room(reg);
	copy = g_new(struct pending_write, 1);
	*copy = *w;
	copy->seq = 0;
	reg->unjournaled++;
	g_queue_push_tail(&reg->pending, copy);
	/*
	 * Armed here, as the write comes (from the loop's socket and timer
	 * callbacks), not at the turn's end: lws sets its own timer for a new
	 * earliest one only from its callbacks, and the turn's end is outside.
	 */
	if (store_gathers(reg) && !reg->gathering && !reg->store_waiting) {
		reg->gathering = 1;
		reg->env.timer_arm(reg->env.ctx, reg->gather, reg->cfg.store_gather);
	}
	if (copy->kind == PENDING_SEEN || copy->kind == PENDING_TOUCH)
		g_hash_table_insert(reg->pending_devices, copy->device, copy);
	reg->counters.store_pending = g_queue_get_length(&reg->pending);
}

/*
 * Appends the queued writes not in the journal yet to it, in one write.
 * Returns 0 (every queued write is in it), or -1 when there is no journal
 * or it failed (logged once until it works again): the caller commits.
 */
static int journal_sync(struct registry *reg)
{
	struct sirius_error err = { "" };
	GPtrArray *fresh;
	GList *l;
	int rc;

	if (!reg->journal)
		return -1;
	if (reg->unjournaled == 0)
		return 0;
	fresh = g_ptr_array_sized_new(reg->unjournaled);
	for (l = reg->pending.head; l; l = l->next) {
		struct pending_write *w = l->data;

		if (w->seq == 0)
			g_ptr_array_add(fresh, w);
	}
	rc = relay_journal_append(reg->journal, (struct pending_write *const *)fresh->pdata, fresh->len, &err);
	g_ptr_array_free(fresh, TRUE);
	if (rc < 0) {
		if (!reg->journal_failing)
			relay_log(RELAY_LOG_ERROR, "%s: until it works again, the relay's writes are not journaled but "
				  "committed at the end of their turn", err.message);
		reg->journal_failing = 1;
		return -1;
	}
	if (reg->journal_failing)
		relay_log(RELAY_LOG_INFO, "journal writable again");
	reg->journal_failing = 0;
	reg->unjournaled = 0;
	return 0;
}

/* Seconds before the first retry of writes that met the lock. */
#define RETRY_FIRST 0.01

/*
 * The queue could not be done (the lock, or a failure that kept every
 * write): its writes wait for the retry timer. Most locks last a few
 * milliseconds (another process's write): tried again soon, then less
 * often, up to store_retry, since each try holds the loop for the relay's
 * wait for the lock; a database that fails is not tried at every turn
 * either. The caller counts and logs why.
 */
static void pending_wait(struct registry *reg)
{
	if (!reg->store_waiting) {
		reg->retry_delay = RETRY_FIRST;
	} else if (reg->retry_delay * 2 < reg->cfg.store_retry) {
		reg->retry_delay *= 2;
	} else {
		reg->retry_delay = reg->cfg.store_retry;
	}
	reg->store_waiting = 1;
	reg->env.timer_arm(reg->env.ctx, reg->retry, reg->retry_delay);
}

/* A queued write done: off the queue, and what it changes in memory. */
static void pending_finish(struct registry *reg, int waited)
{
	struct pending_write *w = pending_pop(reg);

	if (waited)
		reg->counters.store_retried++;
	pending_done(reg, w);
	g_free(w);
}

/* A batch committed the whole queue: the journal's lines are all done, and the file starts again. */
static void journal_committed(struct registry *reg)
{
	struct sirius_error err = { "" };

	if (reg->gathering) {
		reg->env.timer_cancel(reg->env.ctx, reg->gather);
		reg->gathering = 0;
	}
	if (reg->journal && reg->unjournaled == 0 && relay_journal_reset(reg->journal, &err) < 0)
		relay_log(RELAY_LOG_ERROR, "%s", err.message);
}

/*
 * Does the queue in one batch. A write that fails on its own is rolled back
 * alone, logged and left out. Returns 0 (the queue is empty), or
 * RELAY_STORE_BUSY or -1 with a reason in err: on the lock (at the begin,
 * the commit, or, which the batch's lock should prevent, a write) every
 * write stays queued; when the batch could not begin, too; when the commit
 * failed, its writes are lost (logged and counted).
 */
static int pending_batch(struct registry *reg, int waited, struct sirius_error *err)
{
	void *ctx = reg->store.ctx;
	guint n;
	GList *l, *next;
	int rc;

	/* in the journal first: a batch that meets the lock leaves them there, safe */
	journal_sync(reg);
	rc = reg->store.batch_begin(ctx, err);
	if (rc < 0)
		return rc;
	for (l = reg->pending.head; l; l = next) {
		struct pending_write *w = l->data;
		struct sirius_error one = { "" };

		next = l->next;
		rc = pending_write_apply(&reg->store, w, &one);
		if (rc == RELAY_STORE_BUSY) {
			reg->store.batch_rollback(ctx);
			*err = one;
			return rc;
		}
		if (rc < 0) {
			pending_failed(reg, w, &one);
			g_free(pending_unlink(reg, l));
		}
	}
	/* every journal line so far is in this batch, or done before, or dropped with the queue's room */
	if (reg->journal && reg->store.journal_mark && relay_journal_last(reg->journal) > 0) {
		rc = reg->store.journal_mark(ctx, relay_journal_last(reg->journal), err);
		if (rc < 0) {
			reg->store.batch_rollback(ctx);
			return rc;
		}
	}
	n = g_queue_get_length(&reg->pending);
	rc = reg->store.batch_commit(ctx, err);
	if (rc == RELAY_STORE_BUSY)
		return rc;
	if (rc < 0) {
		reg->counters.store_errors++;
		relay_log(RELAY_LOG_ERROR, "database: %u write(s) of the relay lost: %s", n, err->message);
		while (!g_queue_is_empty(&reg->pending))
			g_free(pending_pop(reg));
		return rc;
	}
	while (!g_queue_is_empty(&reg->pending))
		pending_finish(reg, waited);
	journal_committed(reg);
	return 0;
}

/* Does the queue one write at once, in order, until one meets the lock: 0 (the queue is empty), or RELAY_STORE_BUSY. */
static int pending_each(struct registry *reg, int waited, struct sirius_error *err)
{
	struct pending_write *w;

	while ((w = g_queue_peek_head(&reg->pending))) {
		struct sirius_error one = { "" };
		int rc = pending_write_apply(&reg->store, w, &one);

		if (rc == RELAY_STORE_BUSY) {
			*err = one;
			return rc;
		}
		if (rc < 0) {
			w = pending_pop(reg);
			pending_failed(reg, w, &one);
			g_free(w);
		} else {
			pending_finish(reg, waited);
		}
	}
	return 0;
}

/*
 * Does the queued writes (in a batch when the store has them). Returns 0,
 * RELAY_STORE_BUSY when they met the lock (they wait for the retry timer;
 * counted), or -1 with a reason in err (logged and counted).
 */
static int pending_do(struct registry *reg, struct sirius_error *err)
{
	int rc, waited = reg->store_waiting;

	if (g_queue_is_empty(&reg->pending))
		rc = 0;
	else if (store_batches(reg))
		rc = pending_batch(reg, waited, err);
	else
		rc = pending_each(reg, waited, err);
	if (rc == RELAY_STORE_BUSY) {
		reg->counters.store_busy++;
		if (!waited)
			relay_log(RELAY_LOG_WARN, "database locked: the relay's writes wait (%s)", err->message);
		pending_wait(reg);
		return rc;
	}
	if (rc < 0 && !g_queue_is_empty(&reg->pending)) {
		reg->counters.store_errors++;
		if (!waited)
			relay_log(RELAY_LOG_ERROR, "database: the relay's writes wait: %s", err->message);
		pending_wait(reg);
		return rc;
	}
	reg->store_waiting = 0;
	if (waited) {
		reg->env.timer_cancel(reg->env.ctx, reg->retry);
		if (rc == 0)
			relay_log(RELAY_LOG_INFO, "database writable again: deferred writes done");
		outbox_retry_reads(reg);
	}
	return rc;
}

/* Does a write at once; on the lock it is queued to wait with the others; other failures are logged and counted. */
static void store_now(struct registry *reg, const struct pending_write *w)
{
	struct sirius_error err = { "" };
	char what[160];
	int rc = pending_write_apply(&reg->store, w, &err);

	if (rc == 0) {
		pending_done(reg, w);
	} else if (rc == RELAY_STORE_BUSY) {
		reg->counters.store_busy++;
		relay_log(RELAY_LOG_WARN, "database locked: %s later (%s)", pending_write_describe(w, what, sizeof(what)), err.message);
		pending_add(reg, w);
		pending_wait(reg);
	} else {
		pending_failed(reg, w, &err);
	}
}

/*
 * A database write. With a batching store it waits in the queue for the
 * end of the turn, except a printer's first record (its key is read from it
 * next), done at once after the queue. Without, it is done at once, unless
 * older writes wait for the lock (the order of a message's states holds,
 * and the event loop does not wait on a locked database again and again).
 */
static void store_write(struct registry *reg, const struct pending_write *w)
{
	struct sirius_error err = { "" };

	if (reg->store_waiting) {
		pending_add(reg, w);
	} else if (!store_batches(reg)) {
		store_now(reg, w);
	} else if (w->kind != PENDING_SEEN) {
		pending_add(reg, w);
	} else if (pending_do(reg, &err) == RELAY_STORE_BUSY) {
		pending_add(reg, w);
	} else {
		store_now(reg, w);
	}
}

/* The retry timer: the writes that met the lock, again. */
static void retry_fired(void *arg)
{
	struct registry *reg = arg;
	struct sirius_error err = { "" };

	pending_do(reg, &err);
}

void registry_store_message(struct registry *reg, enum pending_kind kind, const char *device, const char *bridge,
			    uint32_t command_id, long code)
{
	struct pending_write w;

	memset(&w, 0, sizeof(w));
	w.kind = kind;
	if (device)
		g_strlcpy(w.device, device, sizeof(w.device));
	if (bridge)
		g_strlcpy(w.bridge, bridge, sizeof(w.bridge));
	w.command_id = command_id;
	w.code = code;
	w.at = now(reg);
	store_write(reg, &w);
}

int registry_store_blocked(struct registry *reg)
{
	return reg->store_waiting;
}

int registry_store_first(struct registry *reg, struct sirius_error *err)
{
	struct sirius_error mine = { "" };
	int rc;

	/* while the writes wait for the lock, only the retry timer tries again: the loop must not wait on it each turn */
	if (reg->store_waiting) {
		error_set(err, "the relay's writes wait for the database's lock");
		return RELAY_STORE_BUSY;
	}
	rc = pending_do(reg, &mine);
	if (rc < 0 && err)
		*err = mine;
	return rc;
}

void registry_turn_end(struct registry *reg)
{
	struct sirius_error err = { "" };

	if (!reg)
		return;
	/* the gather timer was armed with the first of them (pending_add) */
	if (store_gathers(reg) && journal_sync(reg) == 0)
		return;
	if (reg->store_waiting)
		return;
	pending_do(reg, &err);
}

int registry_writes_waiting(struct registry *reg)
{
	if (!reg)
		return 0;
	if (store_gathers(reg) && !reg->journal_failing)
		return reg->unjournaled > 0;
	return !reg->store_waiting && g_queue_get_length(&reg->pending) > 0;
}

/* The gather timer: the writes journaled since it was armed are committed. */
static void gather_fired(void *arg)
{
	struct registry *reg = arg;
	struct sirius_error err = { "" };

	reg->gathering = 0;
	if (!reg->store_waiting)
		pending_do(reg, &err);
}

void registry_set_journal(struct registry *reg, struct relay_journal *journal)
{
	reg->journal = journal;
	/* writes queued before it wait in it too: the timer that commits them */
	if (store_gathers(reg) && !reg->gathering && !reg->store_waiting && !g_queue_is_empty(&reg->pending)) {
		reg->gathering = 1;
		reg->env.timer_arm(reg->env.ctx, reg->gather, reg->cfg.store_gather);
	}
}

/* The housekeeping timer: the outbox's sweep, then the next in sweep_interval. */
static void sweep_fired(void *arg)
{
	struct registry *reg = arg;

	outbox_sweep(reg);
	reg->env.timer_arm(reg->env.ctx, reg->sweep, reg->cfg.sweep_interval);
}

/* ---- the registry --------------------------------------------------------------- */

struct registry *registry_new(const struct registry_config *cfg, const struct relay_env *env,
			      const struct relay_store *store)
{
	struct registry *reg = g_new0(struct registry, 1);

	reg->cfg = *cfg;
	reg->env = *env;
	reg->store = *store;
	reg->bridges = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, bridge_free);
	reg->devices = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, device_free_cb);
	reg->sessions = g_hash_table_new(g_direct_hash, g_direct_equal);
	reg->pending_devices = g_hash_table_new(g_str_hash, g_str_equal);
	g_queue_init(&reg->idle_bridges);
	g_queue_init(&reg->idle_devices);
	g_queue_init(&reg->logs);
	g_queue_init(&reg->pending);
	reg->sweep = reg->env.timer_new(reg->env.ctx, sweep_fired, reg);
	reg->retry = reg->env.timer_new(reg->env.ctx, retry_fired, reg);
	reg->gather = reg->env.timer_new(reg->env.ctx, gather_fired, reg);
	if (!reg->sweep || !reg->retry || !reg->gather) {
		registry_free(reg);
		return NULL;
	}
	reg->env.timer_arm(reg->env.ctx, reg->sweep, 0);
	return reg;
}

void registry_free(struct registry *reg)
{
	GHashTableIter it;
	gpointer key;
	struct pending_write *w;

	if (!reg)
		return;
	/* the last writes (before the store goes), lock or not: nothing else waits now */
	if (!g_queue_is_empty(&reg->pending)) {
		struct sirius_error err = { "" };
		guint waiting = g_queue_get_length(&reg->pending);
		int rc = store_batches(reg) ? pending_batch(reg, 0, &err) : pending_each(reg, 0, &err);
		const char *why = err.message[0] ? err.message : "the database stayed locked";

		/* a batch journals its writes before it begins: those the next start does */
		if (rc != 0 && reg->journal && reg->unjournaled == 0 && !reg->journal_failing)
			relay_log(RELAY_LOG_ERROR, "database: %u write(s) of the relay not committed at exit (%s): kept in "
				  "its journal for the next start", waiting, why);
		else if (rc != 0)
			relay_log(RELAY_LOG_ERROR, "database: %u write(s) of the relay lost at exit: %s", waiting, why);
	}
	g_hash_table_iter_init(&it, reg->sessions);
	while (g_hash_table_iter_next(&it, &key, NULL))
		session_free(reg, key);
	g_hash_table_destroy(reg->sessions);
	/* Devices first: their timers belong to the loop; then bridges. */
	g_hash_table_destroy(reg->devices);
	g_hash_table_destroy(reg->bridges);
	while ((w = g_queue_pop_head(&reg->pending)))
		g_free(w);
	g_hash_table_destroy(reg->pending_devices);
	reg->env.timer_free(reg->env.ctx, reg->sweep);
	reg->env.timer_free(reg->env.ctx, reg->retry);
	reg->env.timer_free(reg->env.ctx, reg->gather);
	g_free(reg);
}

struct registry_counters *registry_counters(struct registry *reg)
{
	return &reg->counters;
}

/* The name timer: a socket that has not named its bridge by now is closed. */
static void session_name_fired(void *arg)
{
	struct relay_session *s = arg;
	struct registry *reg = s->reg;

	if (s->bridge)
		return;
	reg->counters.unnamed_closed++;
	relay_log(RELAY_LOG_WARN, "a socket named no bridge within %g s: closing it", reg->cfg.name_timeout);
	reg->env.close(reg->env.ctx, s->transport);
}

struct relay_session *registry_session_open(struct registry *reg, void *transport, const char *peer)
{
	struct relay_session *s = g_new0(struct relay_session, 1);

	g_strlcpy(s->peer, peer ? peer : "", sizeof(s->peer));
	s->reg = reg;
	s->transport = transport;
	s->opened = now(reg);
	g_queue_init(&s->out);
	s->name_timer = reg->env.timer_new(reg->env.ctx, session_name_fired, s);
	if (s->name_timer)
		reg->env.timer_arm(reg->env.ctx, s->name_timer, reg->cfg.name_timeout);
	g_hash_table_add(reg->sessions, s);
	reg->counters.sessions_opened++;
	reg->counters.sessions_open++;
	return s;
}

const char *registry_session_address(const struct relay_session *s)
{
	return s->address;
}

int registry_session_push(struct registry *reg, struct relay_session *s, const char *text, size_t len,
			  uint32_t command_id)
{
	struct relay_out *o = malloc(sizeof(*o) + reg->cfg.headroom + len + 1);
	int was_empty = g_queue_is_empty(&s->out);

	if (!o)
		return -1;
	o->command_id = command_id;
	o->len = len;
	o->text = o->buf + reg->cfg.headroom;
	memcpy(o->text, text, len);
	o->text[len] = '\0';
	g_queue_push_tail(&s->out, o);
	s->out_bytes += len;
	if (was_empty)
		reg->env.want_write(reg->env.ctx, s->transport);
	return 0;
}

const char *registry_session_peek(struct relay_session *s, size_t *len)
{
	struct relay_out *o = g_queue_peek_head(&s->out);

	if (!o)
		return NULL;
	*len = o->len;
	return o->text;
}

int registry_session_pop(struct registry *reg, struct relay_session *s)
{
	struct relay_out *o = g_queue_pop_head(&s->out);

	uint32_t command_id;

	if (o) {
		s->out_bytes -= o->len;
		reg->counters.frames_written++;
		command_id = o->command_id;
		free(o);
		if (command_id)
			outbox_written(reg, s, command_id);
	}
	return !g_queue_is_empty(&s->out);
}

/* Logs a complaint about a socket's traffic, going quiet after malformed_log_max of them. */
static void complain(struct registry *reg, struct relay_session *s, const char *what, const char *why)
{
	s->complaints++;
	if (s->complaints > reg->cfg.malformed_log_max)
		return;
	relay_log(RELAY_LOG_WARN, "bridge %s: %s message ignored: %s%s", s->address[0] ? s->address : "(unnamed)",
		  what, why, s->complaints == reg->cfg.malformed_log_max ? " (further complaints about this socket not logged)" : "");
}

/* ---- devices ---------------------------------------------------------------- */

static void device_offline(struct registry *reg, struct relay_device *d, const char *why)
{
	if (!d->online)
		return;
	d->online = 0;
	d->ready = 0;
	reg->counters.devices_online--;
	outbox_device_offline(reg, d);
	if (d->timer_armed)
		reg->env.timer_cancel(reg->env.ctx, d->timer);
	d->timer_armed = 0;
	/* offline devices are the ones forgotten first, in the order they went quiet */
	d->idle = 1;
	d->idle_link.data = d;
	g_queue_push_tail_link(&reg->idle_devices, &d->idle_link);
	relay_log(RELAY_LOG_INFO, "device %s offline (bridge %s): %s", d->address, d->bridge ? d->bridge->address : "-", why);
}

/* The silence timer: offline when nothing came for device_timeout, else wait for the rest of it. */
static void device_timer_fired(void *arg)
{
	struct relay_device *d = arg;
	struct registry *reg = d->reg;
	double silent = now(reg) - d->last_seen;

	d->timer_armed = 0;
	if (!d->online)
		return;
	if (silent >= reg->cfg.device_timeout - 0.001) {
		reg->counters.devices_timed_out++;
		device_offline(reg, d, "silent for too long");
		return;
	}
	reg->env.timer_arm(reg->env.ctx, d->timer, reg->cfg.device_timeout - silent);
	d->timer_armed = 1;
}

/* A printer write (seen or touch) for a device at time t. */
static void device_store(struct registry *reg, struct relay_device *d, enum pending_kind kind, double t)
{
	struct pending_write w;

	memset(&w, 0, sizeof(w));
	w.kind = kind;
	memcpy(w.device, d->address, DEVICE_ADDRESS_LEN + 1);
	w.at = t;
	d->touched_at = t;
	store_write(reg, &w);
}

/* Forgets the least recently seen offline device to make room. Returns 0, or -1 when every device is online. */
static int device_forget_one(struct registry *reg)
{
	GList *link = g_queue_peek_head_link(&reg->idle_devices);
	struct relay_device *d;

	if (!link)
		return -1;
	d = link->data;
	if (d->bridge)
		g_hash_table_remove(d->bridge->devices, d->address);
	reg->counters.devices_forgotten++;
	relay_log(RELAY_LOG_DEBUG, "device %s forgotten to make room (offline since %.0f)", d->address, d->last_seen);
	g_hash_table_remove(reg->devices, d->address);
	return 0;
}

/* A binding write (PENDING_BIND or PENDING_MOVING) of device d to bridge b. */
static void binding_store(struct registry *reg, enum pending_kind kind, struct relay_device *d, struct relay_bridge *b)
{
	struct pending_write w;

	memset(&w, 0, sizeof(w));
	w.kind = kind;
	memcpy(w.device, d->address, DEVICE_ADDRESS_LEN + 1);
	memcpy(w.bridge, b->address, DEVICE_ADDRESS_LEN + 1);
	w.at = now(reg);
	store_write(reg, &w);
}

/* Reads the bridge d's printer is bound to, and whether it is claimed, unless known already. */
static void binding_load(struct registry *reg, struct relay_device *d)
{
	struct sirius_error err = { "" };
	int rc;

	/* writes waiting for another process's lock: reading would wait too; read at a later report */
	if (d->binding_known || registry_store_blocked(reg))
		return;
	/* a binding or a move recorded a moment ago may still wait for its commit */
	if (registry_store_first(reg, NULL) == RELAY_STORE_BUSY)
		return;
	rc = reg->store.printer_binding(reg->store.ctx, d->address, d->bound, &d->claimed, &err);
	if (rc == RELAY_STORE_BUSY) {
		reg->counters.store_busy++;
	} else if (rc < 0) {
		reg->counters.store_errors++;
		relay_log(RELAY_LOG_ERROR, "device %s: database: reading its bridge: %s", d->address, err.message);
	}
	/* a locked database leaves it unknown: read again at the next report */
	d->binding_known = rc >= 0;
}

/*
 * Whether bridge b may speak for device d (the protocol has no bridge
 * authentication, so the binding carries the trust): a claimed printer not
 * bound yet is bound to b (trust on first use); one bound to b may; one bound
 * elsewhere may not while that bridge is online, and while it is silent
 * either moves at once (bridge_moves_auto) or is recorded as a move for its
 * owner to confirm. Refusals are counted, and logged once per move.
 */
static int binding_allows(struct registry *reg, struct relay_device *d, struct relay_bridge *b)
{
	struct relay_bridge *home;

	binding_load(reg, d);
	if (!d->bound[0]) {
		if (d->claimed && d->binding_known) {
			memcpy(d->bound, b->address, DEVICE_ADDRESS_LEN + 1);
			relay_log(RELAY_LOG_INFO, "device %s bound to bridge %s", d->address, b->address);
			binding_store(reg, PENDING_BIND, d, b);
		}
		return 1;
	}
	if (strcmp(d->bound, b->address) == 0)
		return 1;
	home = g_hash_table_lookup(reg->bridges, d->bound);
	if (home && home->session) {
		reg->counters.foreign_printer_reports++;
		if (reg->counters.foreign_printer_reports == 1 || reg->counters.foreign_printer_reports % 1000 == 0)
			relay_log(RELAY_LOG_WARN, "device %s reported by bridge %s (%s) while its own bridge %s is online: "
				  "ignored (%" G_GUINT64_FORMAT " such reports so far)", d->address, b->address,
				  b->session ? b->session->peer : "-", d->bound, reg->counters.foreign_printer_reports);
		return 0;
	}
	if (reg->cfg.bridge_moves_auto) {
		reg->counters.moves_auto++;
		relay_log(RELAY_LOG_INFO, "device %s moves from bridge %s (silent) to bridge %s", d->address, d->bound,
			  b->address);
		memcpy(d->bound, b->address, DEVICE_ADDRESS_LEN + 1);
		binding_store(reg, PENDING_BIND, d, b);
		return 1;
	}
	if (strcmp(d->moving_to, b->address) != 0) {
		reg->counters.moves_waiting++;
		relay_log(RELAY_LOG_WARN, "device %s reported by bridge %s while its bridge %s is silent: waiting for "
			  "its owner to confirm the move", d->address, b->address, d->bound);
		memcpy(d->moving_to, b->address, DEVICE_ADDRESS_LEN + 1);
		binding_store(reg, PENDING_MOVING, d, b);
	}
	return 0;
}

/*
 * Whether bridge b may name one more device address new to the relay this
 * minute (new_devices_per_minute): one socket must not fill the database
 * with made-up printers. Refusals are counted and logged now and then.
 */
static int new_device_allowed(struct registry *reg, struct relay_bridge *b, const char *address)
{
	double t = now(reg);

	if (t - b->minute_start >= 60) {
		b->minute_start = t;
		b->minute_new_devices = 0;
	}
	if (b->minute_new_devices < reg->cfg.new_devices_per_minute) {
		b->minute_new_devices++;
		return 1;
	}
	reg->counters.new_devices_refused++;
	if (reg->counters.new_devices_refused == 1 || reg->counters.new_devices_refused % 1000 == 0)
		relay_log(RELAY_LOG_WARN, "bridge %s named more than %u new printers this minute: %s ignored "
			  "(%" G_GUINT64_FORMAT " ignored so far)", b->address, reg->cfg.new_devices_per_minute, address,
			  reg->counters.new_devices_refused);
	return 0;
}

/*
 * A bridge reported a device (why names the report): it is online through
 * that bridge from now on, when the bridge may speak for it
 * (binding_allows). ready is 0 for a report that the printer waits
 * for its key (it cannot print before it has it), else 1: a device that
 * becomes ready is sent its outbox. Returns the device, or NULL when the
 * report is refused: the printer is bound to another bridge, the bridge named
 * too many new printers this minute, or it is new, max_devices is reached and
 * every known device is online.
 */
static struct relay_device *device_touch(struct registry *reg, struct relay_bridge *b, const char *address,
					 const char *why, int ready)
{
	struct relay_device *d = g_hash_table_lookup(reg->devices, address);
	double t = now(reg);

	if (!d) {
		if (!new_device_allowed(reg, b, address))
			return NULL;
		if (g_hash_table_size(reg->devices) >= reg->cfg.max_devices && device_forget_one(reg) < 0) {
			reg->counters.ignored_devices++;
			if (reg->counters.ignored_devices == 1 || reg->counters.ignored_devices % 1000 == 0)
				relay_log(RELAY_LOG_WARN, "device %s (bridge %s) ignored: %zu devices online already",
					  address, b->address, reg->cfg.max_devices);
			return NULL;
		}
		d = g_new0(struct relay_device, 1);
		d->reg = reg;
		memcpy(d->address, address, DEVICE_ADDRESS_LEN + 1);
		d->timer = reg->env.timer_new(reg->env.ctx, device_timer_fired, d);
		if (!d->timer) {
			g_free(d);
			return NULL;
		}
		d->first_seen = t;
		g_hash_table_insert(reg->devices, d->address, d);
	}
	if (!binding_allows(reg, d, b))
		return NULL;
	if (d->bridge != b) {
		if (d->bridge) {
			/* what the old bridge holds for it and has not written goes back to the queue */
			outbox_device_offline(reg, d);
			d->ready = 0;
			g_hash_table_remove(d->bridge->devices, d->address);
			if (d->online)
				relay_log(RELAY_LOG_INFO, "device %s moved from bridge %s to bridge %s", d->address,
					  d->bridge->address, b->address);
		}
		d->bridge = b;
		g_hash_table_insert(b->devices, d->address, d);
	}
	d->last_seen = t;
	d->events++;
	if (!d->online) {
		d->online = 1;
		if (d->idle) {
			g_queue_unlink(&reg->idle_devices, &d->idle_link);
			d->idle = 0;
		}
		reg->counters.devices_online++;
		relay_log(RELAY_LOG_INFO, "device %s online (bridge %s, %s)", d->address, b->address, why);
		device_store(reg, d, PENDING_SEEN, t);
	} else if (!d->recorded) {
		device_store(reg, d, PENDING_SEEN, t);
	} else if (t - d->touched_at >= reg->cfg.touch_interval) {
		device_store(reg, d, PENDING_TOUCH, t);
	}
	if (!d->timer_armed) {
		reg->env.timer_arm(reg->env.ctx, d->timer, reg->cfg.device_timeout);
		d->timer_armed = 1;
	}
	if (!ready) {
		d->ready = 0;
	} else if (!d->ready) {
		d->ready = 1;
		outbox_device_pump(reg, d);
	}
	return d;
}

struct relay_session *registry_device_session(struct relay_device *d)
{
	if (!d || !d->online || !d->bridge)
		return NULL;
	return d->bridge->session;
}

/*
 * Sends a device its link key when its printer is claimed. Returns 0 with
 * *outcome set, or -1 with a reason in err (database error, full queue).
 */
static int device_send_key(struct registry *reg, const char *address, enum registry_delivery *outcome,
			   struct sirius_error *err)
{
	struct relay_device *d = g_hash_table_lookup(reg->devices, address);
	struct relay_session *s;
	char key[LINK_KEY_BASE64_SIZE];
	uint32_t id;
	char *json;
	int rc;

	rc = reg->store.printer_key(reg->store.ctx, address, key, err);
	if (rc < 0) {
		if (rc == RELAY_STORE_BUSY)
			reg->counters.store_busy++;
		else
			reg->counters.store_errors++;
		relay_log(RELAY_LOG_ERROR, "device %s: database: reading its key: %s", address, err ? err->message : "");
		return -1;
	}
	if (rc == 0) {
		reg->counters.keys_unclaimed++;
		relay_log(RELAY_LOG_INFO, "device %s: no key to send, the printer is not claimed", address);
		*outcome = REGISTRY_UNCLAIMED;
		return 0;
	}
	s = registry_device_session(d);
	if (!s) {
		*outcome = REGISTRY_OFFLINE;
		return 0;
	}
	/* the key goes to the bridge the printer is bound to, and binds an unbound claimed one */
	d->binding_known = 0;
	if (!binding_allows(reg, d, d->bridge)) {
		reg->counters.keys_refused++;
		relay_log(RELAY_LOG_WARN, "device %s: key not sent to bridge %s: the printer is bound to bridge %s",
			  address, d->bridge->address, d->bound);
		*outcome = REGISTRY_OFFLINE;
		return 0;
	}
	/* the id goes out at once and must never be handed out again: the queued writes first, then the id on its own */
	rc = registry_store_first(reg, err);
	if (rc == 0) {
		rc = reg->store.next_command_id(reg->store.ctx, &id, err);
		if (rc == RELAY_STORE_BUSY)
			reg->counters.store_busy++;
		else if (rc < 0)
			reg->counters.store_errors++;
	}
	if (rc < 0) {
		relay_log(RELAY_LOG_ERROR, "device %s: database: allocating a command id: %s", address, err ? err->message : "");
		return -1;
	}
	json = bridge_command_add_key_json(d->bridge->address, address, id, key);
	if (!json)
		return error_set(err, "cannot build the key command for %s", address);
	if (outbox_queue_full(reg, d->bridge, strlen(json))) {
		reg->counters.queue_full++;
		rc = error_set(err, "the outgoing queue of bridge %s is full", d->bridge->address);
	} else if (registry_session_push(reg, s, json, strlen(json), 0) < 0) {
		rc = error_set(err, "out of memory");
	}
	free(json);
	if (rc < 0) {
		relay_log(RELAY_LOG_WARN, "device %s: key command %u not sent: %s", address, id, err ? err->message : "");
		return -1;
	}
	reg->counters.keys_sent++;
	d->key_command = id;
	relay_log(RELAY_LOG_INFO, "device %s: key sent through bridge %s (command %u)", address, d->bridge->address, id);
	*outcome = REGISTRY_SENT;
	return 0;
}

/* ---- bridges ---------------------------------------------------------------- */

/* The bridge's socket is gone: it and every device it reported go offline; commands for it are dropped. */
static void bridge_offline(struct registry *reg, struct relay_bridge *b, const char *why)
{
	GHashTableIter it;
	gpointer value;
	size_t dropped;

	g_hash_table_iter_init(&it, b->devices);
	while (g_hash_table_iter_next(&it, NULL, &value))
		device_offline(reg, value, "its bridge disconnected");
	b->session = NULL;
	b->disconnected_at = now(reg);
	reg->counters.bridges_online--;
	dropped = outbox_bridge_drop(b);
	if (b->timer)
		reg->env.timer_cancel(reg->env.ctx, b->timer);
	reg->counters.commands_dropped += dropped;
	relay_log(RELAY_LOG_INFO, "bridge %s offline: %s%s", b->address, why,
		  dropped ? " (commands waiting or unanswered dropped; the database times them out)" : "");
}

/* Forgets the least recently seen bridge without sockets to make room. Returns 0, or -1 when there is none. */
static int bridge_forget_one(struct registry *reg)
{
	GList *link = g_queue_peek_head_link(&reg->idle_bridges);
	struct relay_bridge *b;
	GHashTableIter it;
	gpointer value;

	if (!link)
		return -1;
	b = link->data;
	g_hash_table_iter_init(&it, b->devices);
	while (g_hash_table_iter_next(&it, NULL, &value))
		((struct relay_device *)value)->bridge = NULL;
	reg->counters.bridges_forgotten++;
	relay_log(RELAY_LOG_DEBUG, "bridge %s forgotten to make room (last seen %.0f)", b->address, b->last_seen);
	g_hash_table_remove(reg->bridges, b->address);
	return 0;
}

/* The session takes over the bridge (the newest socket, or an older one whose bridge has no owner). */
static void bridge_own(struct registry *reg, struct relay_session *s)
{
	struct relay_bridge *b = s->bridge;
	struct relay_session *old = b->session;
	struct relay_out *o;

	b->session = s;
	b->connected_at = now(reg);
	b->disconnected_at = 0;
	if (old) {
		/* The old socket is stale: what it has not written yet goes out on the new one. */
		reg->counters.takeovers++;
		while ((o = g_queue_pop_head(&old->out))) {
			old->out_bytes -= o->len;
			g_queue_push_tail(&s->out, o);
			s->out_bytes += o->len;
		}
		if (!g_queue_is_empty(&s->out))
			reg->env.want_write(reg->env.ctx, s->transport);
		relay_log(RELAY_LOG_INFO, "bridge %s connected again: the new socket takes over from the old one", b->address);
	} else {
		reg->counters.bridges_online++;
		relay_log(RELAY_LOG_INFO, "bridge %s connected", b->address);
	}
	outbox_bridge_pump(reg, b);
}

/* Whether the database knows the bridge answers DeviceCommands; 0 when it does not know or cannot say now. */
static int bridge_load_confirms(struct registry *reg, const char *address)
{
	struct sirius_error err = { "" };
	int rc = reg->store.bridge_confirms(reg->store.ctx, address, &err);

	if (rc == RELAY_STORE_BUSY)
		reg->counters.store_busy++;
	else if (rc < 0)
		reg->counters.store_errors++;
	if (rc < 0)
		relay_log(RELAY_LOG_WARN, "bridge %s: database: reading whether it confirms commands: %s", address,
			  err.message);
	return rc > 0;
}

/*
 * The first message naming a bridge on a socket: the session speaks for that
 * bridge from now on and, as the newest socket, owns it. Returns 0, or -1
 * when the bridge is new, max_bridges is reached and every known bridge has
 * a socket.
 */
static int session_bind(struct registry *reg, struct relay_session *s, const char *address)
{
	struct relay_bridge *b = g_hash_table_lookup(reg->bridges, address);

	if (!b) {
		if (g_hash_table_size(reg->bridges) >= reg->cfg.max_bridges && bridge_forget_one(reg) < 0) {
			reg->counters.refused_bridges++;
			relay_log(RELAY_LOG_WARN, "bridge %s refused: %zu bridges connected already", address,
				  reg->cfg.max_bridges);
			return -1;
		}
		b = g_new0(struct relay_bridge, 1);
		b->reg = reg;
		memcpy(b->address, address, DEVICE_ADDRESS_LEN + 1);
		b->devices = g_hash_table_new(g_str_hash, g_str_equal);
		g_queue_init(&b->held);
		b->confirms = bridge_load_confirms(reg, address);
		g_hash_table_insert(reg->bridges, b->address, b);
	}
	/* the same bridge reconnecting comes from its own address; another one naming it does not */
	if (b->session && b->session != s && strcmp(b->session->peer, s->peer) != 0 &&
	    now(reg) - b->last_seen < reg->cfg.device_timeout) {
		reg->counters.refused_takeovers++;
		relay_log(RELAY_LOG_WARN, "a socket from %s named bridge %s, online from %s: refused", s->peer, address,
			  b->session->peer);
		return -1;
	}
	if (b->idle) {
		g_queue_unlink(&reg->idle_bridges, &b->idle_link);
		b->idle = 0;
	}
	{
		struct pending_write w;

		memset(&w, 0, sizeof(w));
		w.kind = PENDING_BRIDGE;
		memcpy(w.bridge, address, DEVICE_ADDRESS_LEN + 1);
		g_strlcpy(w.ip, s->peer, sizeof(w.ip));
		w.at = now(reg);
		store_write(reg, &w);
	}
	b->live_sessions++;
	b->sockets++;
	memcpy(s->address, address, DEVICE_ADDRESS_LEN + 1);
	s->bridge = b;
	reg->env.timer_free(reg->env.ctx, s->name_timer);
	s->name_timer = NULL;
	bridge_own(reg, s);
	return 0;
}

/* Keeps a BridgeLog's records in the bridge's ring, dropping the oldest beyond its bounds and the total bound. */
static void bridge_keep_logs(struct registry *reg, struct relay_bridge *b, const struct bridge_message *msg)
{
	size_t i;
	double t = now(reg);

	reg->counters.log_records += msg->log.total;
	for (i = 0; i < msg->log.count; i++) {
		const struct bridge_log_record *r = &msg->log.records[i];
		struct log_entry *e = g_new0(struct log_entry, 1);

		e->bridge = b;
		e->received = t;
		e->has_created = r->has_created;
		e->created = r->created;
		e->levelno = r->has_levelno ? r->levelno : -1;
		e->name = g_strdup(r->name);
		e->levelname = g_strdup(r->levelname);
		e->message = g_strdup(r->message);
		e->bytes = strlen(r->name) + strlen(r->levelname) + strlen(r->message) + sizeof(*e);
		e->ring_link.data = e;
		e->all_link.data = e;
		if (!b->logs)
			b->logs = g_queue_new();
		g_queue_push_tail_link(b->logs, &e->ring_link);
		g_queue_push_tail_link(&reg->logs, &e->all_link);
		b->log_bytes += e->bytes;
		reg->log_bytes += e->bytes;
		while (b->logs && (g_queue_get_length(b->logs) > reg->cfg.log_ring || b->log_bytes > LOG_RING_MAX_BYTES)) {
			b->logs_dropped++;
			log_entry_drop(reg, g_queue_peek_head(b->logs));
		}
		/* the oldest record of all is the oldest of its bridge's ring */
		while (reg->log_bytes > reg->cfg.log_total_bytes && !g_queue_is_empty(&reg->logs)) {
			struct log_entry *oldest = g_queue_peek_head(&reg->logs);

			oldest->bridge->logs_dropped++;
			reg->counters.log_records_dropped++;
			log_entry_drop(reg, oldest);
		}
		relay_log(RELAY_LOG_DEBUG, "bridge %s log: %s %s: %s", b->address, r->levelname, r->name, r->message);
	}
	b->logs_dropped += msg->log.total - msg->log.count - msg->log.skipped;
}

/* ---- messages from a bridge ------------------------------------------------- */

/* Whether a kind of message changes the state of the bridge or its devices (ignored from a stale socket). */
static int changes_state(enum bridge_message_kind kind)
{
	switch (kind) {
	case BRIDGE_MESSAGE_POWER_ON:
	case BRIDGE_MESSAGE_DEVICE_CONNECT:
	case BRIDGE_MESSAGE_DEVICE_DISCONNECT:
	case BRIDGE_MESSAGE_ENCRYPTION_KEY_REQUIRED:
	case BRIDGE_MESSAGE_HEARTBEAT:
	case BRIDGE_MESSAGE_DID_POWER_ON:
	case BRIDGE_MESSAGE_PRODUCT_ANNOUNCE:
	case BRIDGE_MESSAGE_GENERIC_DEVICE_EVENT:
		return 1;
	default:
		return 0;
	}
}

/*
 * The bridge accepted the command command_id: when it was a device's key,
 * the device can print now and is sent its outbox.
 */
static void key_accepted(struct registry *reg, struct relay_bridge *b, uint32_t command_id)
{
	GHashTableIter it;
	gpointer value;

	g_hash_table_iter_init(&it, b->devices);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		struct relay_device *d = value;

		if (d->key_command != command_id)
			continue;
		d->key_command = 0;
		relay_log(RELAY_LOG_INFO, "device %s: its key was accepted (command %u)", d->address, command_id);
		if (d->online && !d->ready) {
			d->ready = 1;
			outbox_device_pump(reg, d);
		}
		return;
	}
}

/*
 * Acts on one decoded message of a session that speaks for a bridge. A stale
 * session (another one owns the bridge) may answer commands, report prints
 * and send logs, but does not change the state of devices.
 */
static void dispatch(struct registry *reg, struct relay_session *s, const struct bridge_message *msg, int stale)
{
	struct relay_bridge *b = s->bridge;
	struct relay_device *d;
	struct sirius_error err = { "" };
	enum registry_delivery outcome;

	if (stale && changes_state(msg->kind)) {
		reg->counters.stale_events++;
		relay_log(RELAY_LOG_DEBUG, "bridge %s: %s from an old socket ignored (a newer one owns the bridge)",
			  b->address, bridge_message_kind_name(msg->kind));
		return;
	}
	switch (msg->kind) {
	case BRIDGE_MESSAGE_MALFORMED:
		reg->counters.malformed++;
		complain(reg, s, "malformed", msg->reason.message);
		break;
	case BRIDGE_MESSAGE_UNKNOWN:
		reg->counters.unknown++;
		complain(reg, s, "unknown", msg->reason.message);
		break;
	case BRIDGE_MESSAGE_POWER_ON:
		if (s->powered_on) {
			reg->counters.power_on_replays++;
			relay_log(RELAY_LOG_DEBUG, "bridge %s: power_on replayed on the same socket, ignored", b->address);
			break;
		}
		s->powered_on = 1;
		b->power_ons++;
		memcpy(b->model, msg->power_on.model, INFO_SIZE);
		memcpy(b->firmware_version, msg->power_on.firmware_version, INFO_SIZE);
		memcpy(b->ncp_version, msg->power_on.ncp_version, INFO_SIZE);
		memcpy(b->local_ip_address, msg->power_on.local_ip_address, INFO_SIZE);
		memcpy(b->mac_address, msg->power_on.mac_address, INFO_SIZE);
		relay_log(RELAY_LOG_INFO, "bridge %s power_on: model %s, firmware %s, ncp %s, ip %s", b->address,
			  b->model, b->firmware_version, b->ncp_version, b->local_ip_address);
		break;
	case BRIDGE_MESSAGE_DEVICE_CONNECT:
		device_touch(reg, b, msg->device_address, "device_connect", 1);
		break;
	case BRIDGE_MESSAGE_DEVICE_DISCONNECT:
		d = g_hash_table_lookup(reg->devices, msg->device_address);
		if (d && d->bridge == b)
			device_offline(reg, d, "device_disconnect");
		break;
	case BRIDGE_MESSAGE_ENCRYPTION_KEY_REQUIRED:
		if (!device_touch(reg, b, msg->device_address, "encryption_key_required", 0))
			break;
		relay_log(RELAY_LOG_INFO, "device %s (bridge %s) asks for its key", msg->device_address, b->address);
		if (device_send_key(reg, msg->device_address, &outcome, &err) < 0)
			relay_log(RELAY_LOG_WARN, "device %s: key not sent: %s", msg->device_address, err.message);
		break;
	case BRIDGE_MESSAGE_BRIDGE_LOG:
		bridge_keep_logs(reg, b, msg);
		break;
	case BRIDGE_MESSAGE_HEARTBEAT:
		device_touch(reg, b, msg->device_address, "heartbeat", 1);
		relay_log(RELAY_LOG_DEBUG, "device %s (bridge %s) heartbeat, uptime %u s", msg->device_address, b->address,
			  msg->event.heartbeat.uptime);
		break;
	case BRIDGE_MESSAGE_DID_POWER_ON: {
		const char *cause = device_event_reset_cause(msg->event.did_power_on.reset_description);

		device_touch(reg, b, msg->device_address, "did_power_on", 1);
		relay_log(RELAY_LOG_INFO, "device %s (bridge %s) powered on: firmware %s, reset cause %s",
			  msg->device_address, b->address, msg->event.did_power_on.firmware_build_version,
			  cause ? cause : "unknown");
		break;
	}
	case BRIDGE_MESSAGE_DID_PRINT:
		d = stale ? g_hash_table_lookup(reg->devices, msg->device_address)
			  : device_touch(reg, b, msg->device_address, "did_print", 1);
		/* a report refused (a bridge the printer is not bound to) settles nothing */
		if (!stale && !d)
			break;
		relay_log(RELAY_LOG_INFO, "device %s (bridge %s) did_print %s, print id %u", msg->device_address, b->address,
			  device_event_print_type_name(msg->event.did_print.print_type), msg->event.did_print.print_id);
		/* every did_print is kept for the printer page: the button's presses and what they printed */
		registry_store_message(reg, PENDING_PRESS, msg->device_address, NULL, msg->event.did_print.print_id,
				       msg->event.did_print.print_type);
		if (msg->event.did_print.print_type == DEVICE_EVENT_PRINT_DELIVERY) {
			reg->counters.printed++;
			if (d)
				outbox_printed(reg, d, msg->event.did_print.print_id);
			else
				registry_store_message(reg, PENDING_PRINTED, msg->device_address, NULL,
						       msg->event.did_print.print_id, 0);
		}
		break;
	case BRIDGE_MESSAGE_PRODUCT_ANNOUNCE:
	case BRIDGE_MESSAGE_GENERIC_DEVICE_EVENT:
		device_touch(reg, b, msg->device_address, bridge_message_kind_name(msg->kind), 1);
		relay_log(RELAY_LOG_DEBUG, "device %s (bridge %s) %s", msg->device_address, b->address,
			  bridge_message_kind_name(msg->kind));
		break;
	case BRIDGE_MESSAGE_BRIDGE_COMMAND_RESPONSE:
		relay_log(msg->response.return_code == 0 ? RELAY_LOG_INFO : RELAY_LOG_WARN,
			  "bridge %s answered command %u: %s (%ld)", b->address, msg->response.command_id,
			  return_code_name(msg->response.return_code), msg->response.return_code);
		if (msg->response.return_code == 0)
			key_accepted(reg, b, msg->response.command_id);
		break;
	case BRIDGE_MESSAGE_DEVICE_COMMAND_RESPONSE:
		relay_log(msg->response.return_code == 0 ? RELAY_LOG_INFO : RELAY_LOG_WARN,
			  "device %s (bridge %s) answered command %u: %s (%ld)",
			  msg->device_address[0] ? msg->device_address : "(not named)", b->address,
			  msg->response.command_id, return_code_name(msg->response.return_code), msg->response.return_code);
		outbox_response(reg, b, msg->device_address, msg->response.command_id, msg->response.return_code);
		break;
	case BRIDGE_MESSAGE_KIND_COUNT:
		break;
	}
}

int registry_session_receive(struct registry *reg, struct relay_session *s, const char *text, size_t len)
{
	struct bridge_message msg;
	int rc = 0, stale = 0;

	memset(&msg, 0, sizeof(msg));
	bridge_message_decode(text, len, &msg);
	reg->counters.messages++;
	reg->counters.ignored_fields += msg.ignored;
	if ((unsigned)msg.kind < BRIDGE_MESSAGE_KIND_COUNT)
		reg->counters.by_kind[msg.kind]++;
	if (!s->bridge) {
		if (!msg.bridge_address[0]) {
			reg->counters.no_address++;
			if (msg.kind == BRIDGE_MESSAGE_MALFORMED)
				reg->counters.malformed++;
			complain(reg, s, "first", msg.kind == BRIDGE_MESSAGE_MALFORMED ? msg.reason.message
				 : "it names no bridge");
			goto out;
		}
		if (session_bind(reg, s, msg.bridge_address) < 0) {
			rc = -1;
			goto out;
		}
	} else if (msg.bridge_address[0] && strcmp(msg.bridge_address, s->address) != 0) {
		reg->counters.foreign_address++;
		complain(reg, s, "foreign", "it names another bridge");
		goto out;
	}
	s->bridge->last_seen = now(reg);
	if (s->bridge->session != s) {
		if (!s->bridge->session) {
			/* its newer socket closed: this one, still talking, is the bridge's socket again */
			reg->counters.reclaims++;
			relay_log(RELAY_LOG_INFO, "bridge %s: an older socket still speaks and takes the bridge back", s->address);
			bridge_own(reg, s);
		} else {
			stale = 1;
		}
	}
	dispatch(reg, s, &msg, stale);
out:
	bridge_message_clear(&msg);
	return rc;
}

void registry_session_close(struct registry *reg, struct relay_session *s)
{
	struct relay_bridge *b = s->bridge;

	if (b && b->session == s)
		bridge_offline(reg, b, "its socket closed");
	else if (b)
		relay_log(RELAY_LOG_INFO, "bridge %s: an old socket closed (a newer one is connected)", s->address);
	if (b && --b->live_sessions == 0) {
		/* no socket refers to it any more: it may be forgotten, the least recently seen first */
		b->idle = 1;
		b->idle_link.data = b;
		g_queue_push_tail_link(&reg->idle_bridges, &b->idle_link);
	}
	reg->counters.sessions_open--;
	g_hash_table_remove(reg->sessions, s);
	session_free(reg, s);
}

/* ---- control requests ------------------------------------------------------- */

const char *registry_delivery_name(enum registry_delivery outcome)
{
	switch (outcome) {
	case REGISTRY_SENT:
		return "sent";
	case REGISTRY_OFFLINE:
		return "offline";
	case REGISTRY_UNCLAIMED:
		return "unclaimed";
	}
	return "unknown";
}

void registry_rebind(struct registry *reg, const char *device)
{
	struct relay_device *d = g_hash_table_lookup(reg->devices, device);

	if (d) {
		d->binding_known = 0;
		d->moving_to[0] = '\0';
	}
}

int registry_push_key(struct registry *reg, const char *device, enum registry_delivery *outcome,
		      struct sirius_error *err)
{
	if (!device_address_valid(device))
		return error_set(err, "invalid device address");
	return device_send_key(reg, device, outcome, err);
}

int registry_device_online(struct registry *reg, const char *device)
{
	struct relay_device *d = g_hash_table_lookup(reg->devices, device);

	return d && d->online;
}

/* The status object of a device (d may be NULL for an unknown one). */
static cJSON *device_status_json(const char *address, const struct relay_device *d)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	if (!cJSON_AddStringToObject(o, "address", address) ||
	    !cJSON_AddBoolToObject(o, "online", d && d->online) ||
	    !cJSON_AddStringToObject(o, "bridge", d && d->bridge ? d->bridge->address : "") ||
	    !cJSON_AddNumberToObject(o, "last_seen", d ? d->last_seen : 0)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *registry_device_json(struct registry *reg, const char *device)
{
	return device_status_json(device, g_hash_table_lookup(reg->devices, device));
}

/* Orders strings for sorted lists. */
static gint compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of a table as a sorted GPtrArray (borrowed strings). */
static GPtrArray *sorted_keys(GHashTable *table)
{
	GPtrArray *keys = g_ptr_array_sized_new(g_hash_table_size(table));
	GHashTableIter it;
	gpointer key;

	g_hash_table_iter_init(&it, table);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(keys, key);
	g_ptr_array_sort(keys, compare_strings);
	return keys;
}

cJSON *registry_devices_json(struct registry *reg)
{
	cJSON *list = cJSON_CreateArray();
	GPtrArray *keys = sorted_keys(reg->devices);
	guint i;

	for (i = 0; list && i < keys->len; i++) {
		const char *address = g_ptr_array_index(keys, i);
		cJSON *o = device_status_json(address, g_hash_table_lookup(reg->devices, address));

		if (!o || !cJSON_AddItemToArray(list, o)) {
			cJSON_Delete(o);
			cJSON_Delete(list);
			list = NULL;
		}
	}
	g_ptr_array_free(keys, TRUE);
	return list;
}

/* A bridge's object for the bridges list; NULL when out of memory. */
static cJSON *bridge_json(const struct relay_bridge *b)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *devices = cJSON_CreateArray();
	GPtrArray *keys = sorted_keys(b->devices);
	guint i;
	int ok = o && devices;

	for (i = 0; ok && i < keys->len; i++) {
		cJSON *s = cJSON_CreateString(g_ptr_array_index(keys, i));

		ok = s && cJSON_AddItemToArray(devices, s);
		if (!ok)
			cJSON_Delete(s);
	}
	g_ptr_array_free(keys, TRUE);
	ok = ok && cJSON_AddStringToObject(o, "address", b->address) &&
	     cJSON_AddBoolToObject(o, "online", b->session != NULL) &&
	     cJSON_AddNumberToObject(o, "connected_at", b->connected_at) &&
	     cJSON_AddNumberToObject(o, "disconnected_at", b->disconnected_at) &&
	     cJSON_AddNumberToObject(o, "sockets", (double)b->sockets) &&
	     cJSON_AddNumberToObject(o, "power_ons", (double)b->power_ons) &&
	     cJSON_AddStringToObject(o, "model", b->model) &&
	     cJSON_AddStringToObject(o, "firmware_version", b->firmware_version) &&
	     cJSON_AddStringToObject(o, "ncp_version", b->ncp_version) &&
	     cJSON_AddStringToObject(o, "local_ip_address", b->local_ip_address) &&
	     cJSON_AddStringToObject(o, "mac_address", b->mac_address) &&
	     cJSON_AddNumberToObject(o, "log_records", b->logs ? (double)g_queue_get_length(b->logs) : 0) &&
	     cJSON_AddNumberToObject(o, "queued", (double)g_queue_get_length((GQueue *)&b->held) +
				     (b->session ? (double)g_queue_get_length(&b->session->out) : 0)) &&
	     cJSON_AddNumberToObject(o, "in_flight", (double)outbox_in_flight(b));
	if (ok) {
		ok = cJSON_AddItemToObject(o, "devices", devices);
		devices = ok ? NULL : devices;
	}
	cJSON_Delete(devices);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *registry_bridges_json(struct registry *reg)
{
	cJSON *list = cJSON_CreateArray();
	GPtrArray *keys = sorted_keys(reg->bridges);
	guint i;

	for (i = 0; list && i < keys->len; i++) {
		cJSON *o = bridge_json(g_hash_table_lookup(reg->bridges, g_ptr_array_index(keys, i)));

		if (!o || !cJSON_AddItemToArray(list, o)) {
			cJSON_Delete(o);
			cJSON_Delete(list);
			list = NULL;
		}
	}
	g_ptr_array_free(keys, TRUE);
	return list;
}

cJSON *registry_logs_json(struct registry *reg, const char *bridge, struct sirius_error *err)
{
	struct relay_bridge *b;
	cJSON *list;
	GList *l;

	if (!device_address_valid(bridge)) {
		error_set(err, "invalid bridge address");
		return NULL;
	}
	b = g_hash_table_lookup(reg->bridges, bridge);
	if (!b) {
		error_set(err, "unknown bridge");
		return NULL;
	}
	list = cJSON_CreateArray();
	for (l = b->logs ? b->logs->head : NULL; list && l; l = l->next) {
		const struct log_entry *e = l->data;
		cJSON *o = cJSON_CreateObject();
		int ok = o && cJSON_AddNumberToObject(o, "received", e->received) &&
			 (!e->has_created || cJSON_AddNumberToObject(o, "created", e->created)) &&
			 (e->levelno < 0 || cJSON_AddNumberToObject(o, "levelno", (double)e->levelno)) &&
			 cJSON_AddStringToObject(o, "levelname", e->levelname) &&
			 cJSON_AddStringToObject(o, "name", e->name) &&
			 cJSON_AddStringToObject(o, "message", e->message);

		if (!ok || !cJSON_AddItemToArray(list, o)) {
			cJSON_Delete(o);
			cJSON_Delete(list);
			list = NULL;
		}
	}
	if (!list)
		error_set(err, "out of memory");
	return list;
}

void registry_set_checkpointer(struct registry *reg, struct checkpointer *cp)
{
	reg->checkpointer = cp;
}

/* Adds the checkpointer's counts to o; 1, or 0 when out of memory. */
static int add_checkpointer_counts(struct checkpointer *cp, cJSON *o)
{
	struct checkpointer_counts n;

	checkpointer_counts(cp, &n);
	return cJSON_AddNumberToObject(o, "checkpoints", (double)n.checkpoints) &&
	       cJSON_AddNumberToObject(o, "checkpoint_frames", (double)n.frames) &&
	       cJSON_AddNumberToObject(o, "checkpoint_restarts", (double)n.restarts) &&
	       cJSON_AddNumberToObject(o, "checkpoint_failures", (double)n.failures);
}

cJSON *registry_counters_json(struct registry *reg)
{
	const struct registry_counters *c = &reg->counters;
	cJSON *o = cJSON_CreateObject();
	cJSON *kinds = cJSON_CreateObject();
	int ok = o && kinds;
	int k;

	reg->counters.log_bytes = reg->log_bytes;
#define COUNTER(name) ok = ok && cJSON_AddNumberToObject(o, #name, (double)c->name)
	COUNTER(sessions_opened);
	COUNTER(sessions_open);
	COUNTER(bridges_online);
	COUNTER(devices_online);
	COUNTER(messages);
	COUNTER(malformed);
	COUNTER(unknown);
	COUNTER(no_address);
	COUNTER(foreign_address);
	COUNTER(power_on_replays);
	COUNTER(takeovers);
	COUNTER(refused_bridges);
	COUNTER(ignored_devices);
	COUNTER(bridges_forgotten);
	COUNTER(devices_forgotten);
	COUNTER(reclaims);
	COUNTER(stale_events);
	COUNTER(unnamed_closed);
	COUNTER(ignored_fields);
	COUNTER(devices_timed_out);
	COUNTER(keys_sent);
	COUNTER(keys_unclaimed);
	COUNTER(deliveries_sent);
	COUNTER(deliveries_offline);
	COUNTER(queue_full);
	COUNTER(commands_requeued);
	COUNTER(commands_gave_up);
	COUNTER(commands_expired);
	COUNTER(commands_resent);
	COUNTER(commands_unanswered);
	COUNTER(outbox_taken);
	COUNTER(outbox_cancelled);
	COUNTER(wakes);
	COUNTER(commands_dropped);
	COUNTER(frames_written);
	COUNTER(responses_delivered);
	COUNTER(responses_failed);
	COUNTER(printed);
	COUNTER(messages_expired);
	COUNTER(messages_deleted);
	COUNTER(log_records);
	COUNTER(store_errors);
	COUNTER(store_busy);
	COUNTER(store_retried);
	COUNTER(store_dropped);
	COUNTER(store_pending);
	COUNTER(log_bytes);
	COUNTER(log_records_dropped);
	COUNTER(oversize);
	COUNTER(control_requests);
	COUNTER(control_errors);
	COUNTER(refused_takeovers);
	COUNTER(foreign_printer_reports);
	COUNTER(moves_waiting);
	COUNTER(moves_auto);
	COUNTER(keys_refused);
	COUNTER(new_devices_refused);
	COUNTER(printers_swept);
#undef COUNTER
	ok = ok && cJSON_AddNumberToObject(o, "bridges_known", g_hash_table_size(reg->bridges)) &&
	     cJSON_AddNumberToObject(o, "devices_known", g_hash_table_size(reg->devices));
	ok = ok && (!reg->checkpointer || add_checkpointer_counts(reg->checkpointer, o));
	for (k = 0; ok && k < BRIDGE_MESSAGE_KIND_COUNT; k++)
		ok = cJSON_AddNumberToObject(kinds, bridge_message_kind_name((enum bridge_message_kind)k),
					     (double)c->by_kind[k]) != NULL;
	if (ok) {
		ok = cJSON_AddItemToObject(o, "by_kind", kinds);
		kinds = ok ? NULL : kinds;
	}
	cJSON_Delete(kinds);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}
