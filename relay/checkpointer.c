/* checkpointer.c: the relay's thread that copies the database's write-ahead log into the database file. */
#include "checkpointer.h"

#include <glib.h>

#include "db.h"
#include "log.h"

/*
 * Why a thread. Every commit appends to the write-ahead log; the log must be
 * copied into the database file (a checkpoint, with an fsync of each) and
 * started over now and then. Left to SQLite, the commit that takes the log
 * past a threshold does it, in whatever process made it: under a steady
 * stream of prints the log never started over, so every commit of every
 * process did a checkpoint and waited for two fsyncs. Here one thread does
 * them, on its own connection, without holding up a request or the relay's
 * event loop; every connection's own threshold is only a bound for when no
 * relay runs (DB_WAL_AUTOCHECKPOINT_PAGES).
 */

struct checkpointer {
	struct db *db;                       /* the thread's own connection */
	int interval_ms;                     /* between rounds */
	int restart_frames;                  /* a log this long starts over */
	GThread *thread;
	GMutex lock;                         /* guards stop and counts */
	GCond wake;                          /* signalled to stop */
	int stop;                            /* 1: the thread returns */
	int last_frames, last_copied;        /* the log as the last round left it (SQLite counts from its start) */
	int log_restarted;                   /* 1: the last RESTART's figures stand, no commit since */
	struct checkpointer_counts counts;
};

/* One round: copies what it can, and starts a long log over. */
static void round_once(struct checkpointer *cp)
{
	struct sirius_error err = { "" };
	int frames = 0, copied = 0, done = 0, restarted = 0, failed = 0;

	if (db_checkpoint(cp->db, DB_CHECKPOINT_PASSIVE, &frames, &copied, &err) < 0) {
		/* another process checkpointing (no relay of ours did it, then): the next round */
		failed = !db_busy(cp->db);
	} else if (cp->log_restarted && frames == cp->last_frames && copied == cp->last_copied) {
		/* A restarted log reports what it held until the next commit writes
		 * from its start: nothing to copy, count or start over. */
	} else {
		/* SQLite says how much of the log is copied, since it last started
		 * over: after our RESTART, at the first commit; else when another
		 * process's checkpoint started it over. */
		if (cp->log_restarted || frames < cp->last_frames || copied < cp->last_copied)
			cp->last_copied = 0;
		cp->log_restarted = 0;
		done = copied - cp->last_copied;
		cp->last_frames = frames;
		cp->last_copied = copied;
		/* what readers still held is copied by the RESTART, which waits for them */
		if (frames >= cp->restart_frames) {
			if (db_checkpoint(cp->db, DB_CHECKPOINT_RESTART, &frames, &copied, &err) == 0) {
				restarted = 1;
				done += copied - cp->last_copied;
				cp->last_frames = frames;
				cp->last_copied = copied;
				cp->log_restarted = 1;
			} else {
				failed = !db_busy(cp->db);
			}
		}
	}
	if (failed)
		relay_log(RELAY_LOG_WARN, "database: copying the write-ahead log: %s (tried again in %d ms)", err.message,
			  cp->interval_ms);
	g_mutex_lock(&cp->lock);
	cp->counts.rounds++;
	if (done > 0) {
		cp->counts.checkpoints++;
		cp->counts.frames += (uint64_t)done;
	}
	cp->counts.restarts += (uint64_t)restarted;
	cp->counts.failures += (uint64_t)failed;
	g_mutex_unlock(&cp->lock);
}

static gpointer run(gpointer arg)
{
	struct checkpointer *cp = arg;

	g_mutex_lock(&cp->lock);
	while (!cp->stop) {
		gint64 until = g_get_monotonic_time() + (gint64)cp->interval_ms * 1000;

		while (!cp->stop && g_cond_wait_until(&cp->wake, &cp->lock, until))
			;
		if (cp->stop)
			break;
		g_mutex_unlock(&cp->lock);
		round_once(cp);
		g_mutex_lock(&cp->lock);
	}
	g_mutex_unlock(&cp->lock);
	return NULL;
}

struct checkpointer *checkpointer_start(const char *path, int interval_ms, int restart_frames,
					struct sirius_error *err)
{
	struct checkpointer *cp = g_new0(struct checkpointer, 1);
	GError *gerr = NULL;

	cp->db = db_open(path, err);
	if (!cp->db) {
		g_free(cp);
		return NULL;
	}
	db_set_busy_timeout(cp->db, CHECKPOINT_RESTART_WAIT_MS);
	cp->interval_ms = interval_ms > 0 ? interval_ms : CHECKPOINT_INTERVAL_MS;
	cp->restart_frames = restart_frames > 0 ? restart_frames : CHECKPOINT_RESTART_FRAMES;
	g_mutex_init(&cp->lock);
	g_cond_init(&cp->wake);
	cp->thread = g_thread_try_new("checkpointer", run, cp, &gerr);
	if (!cp->thread) {
		error_set(err, "cannot start the checkpoint thread: %s", gerr ? gerr->message : "unknown error");
		g_clear_error(&gerr);
		db_close(cp->db);
		g_mutex_clear(&cp->lock);
		g_cond_clear(&cp->wake);
		g_free(cp);
		return NULL;
	}
	return cp;
}

void checkpointer_counts(struct checkpointer *cp, struct checkpointer_counts *out)
{
	g_mutex_lock(&cp->lock);
	*out = cp->counts;
	g_mutex_unlock(&cp->lock);
}

void checkpointer_stop(struct checkpointer *cp)
{
	if (!cp)
		return;
	g_mutex_lock(&cp->lock);
	cp->stop = 1;
	g_cond_signal(&cp->wake);
	g_mutex_unlock(&cp->lock);
	g_thread_join(cp->thread);
	db_close(cp->db);
	g_mutex_clear(&cp->lock);
	g_cond_clear(&cp->wake);
	g_free(cp);
}
