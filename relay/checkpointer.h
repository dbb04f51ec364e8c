/* checkpointer.h: the relay's thread that copies the database's write-ahead log into the database file. */
#ifndef SIRIUS_RELAY_CHECKPOINTER_H
#define SIRIUS_RELAY_CHECKPOINTER_H

#include <stdint.h>

#include "error.h"

/* How often the thread looks at the log (milliseconds). */
#define CHECKPOINT_INTERVAL_MS 500

/*
 * Frames of log (4 KiB pages) after which the thread makes it start over (a
 * RESTART checkpoint: writers wait the moment it takes), so that it does not
 * grow without end while readers never stop.
 */
#define CHECKPOINT_RESTART_FRAMES 8192

/*
 * How long a RESTART waits for readers and writers before it is left for
 * the next round (milliseconds): writers wait for it meanwhile, so well
 * under the relay's own wait for the lock (RELAY_DB_BUSY_MS, 50).
 */
#define CHECKPOINT_RESTART_WAIT_MS 20

/* What the thread did so far. */
struct checkpointer_counts {
	uint64_t rounds;      /* times the thread looked at the log */
	uint64_t checkpoints; /* checkpoints that copied frames */
	uint64_t frames;      /* frames copied */
	uint64_t restarts;    /* times the log started over */
	uint64_t failures;    /* checkpoints that failed for another reason than a lock */
};

struct checkpointer;

/*
 * Opens a connection of its own to the database at path and starts the
 * thread: every interval_ms it copies what the log holds into the file
 * (a PASSIVE checkpoint, which waits for nothing), and starts a log of
 * restart_frames or more over. Returns NULL with a reason in err when the
 * database cannot be opened or the thread started.
 */
struct checkpointer *checkpointer_start(const char *path, int interval_ms, int restart_frames,
					struct sirius_error *err);

/* What the thread did so far (safe to call while it runs). */
void checkpointer_counts(struct checkpointer *cp, struct checkpointer_counts *out);

/* Stops the thread (at most one round's wait), closes its connection and frees cp; NULL is ignored. */
void checkpointer_stop(struct checkpointer *cp);

#endif
