/* journal.h: the relay's journal, where its database writes wait for their commit without being lost with the process. */
#ifndef SIRIUS_RELAY_JOURNAL_H
#define SIRIUS_RELAY_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "pending_write.h"
#include "store.h"

/*
 * Every commit of the relay empties the page cache of the other processes
 * using the database (the web and API programs), which then read their
 * pages again; at a print a millisecond the relay's records of each print
 * (sent, delivered, printed) committed one turn of its loop apart were most
 * of the commits. So the relay gathers them for a few milliseconds and
 * commits them together. What keeps them meanwhile is this file: each
 * turn's new writes are appended to it as lines of text (pending_write.h)
 * in one write(2), before the turn ends, so a relay killed before the
 * commit loses none of them: at the next start they are done first, before
 * anything is read (relay_journal_recover). Like the database's own log
 * (synchronous = NORMAL) it is not synced to the disk: it survives the
 * process, not a power cut.
 *
 * Every line has a number (seq), growing over the relay's life and across
 * restarts; each commit of the relay's writes records in the database, in
 * the same transaction, the newest number it covers (store.h,
 * journal_mark), so a line is done exactly once even when the relay dies
 * between a commit and the emptying of the file that follows it.
 */

struct relay_journal;

/*
 * The most bytes the file may hold (about 160,000 lines). It grows only
 * while commits fail (a database locked for long); past it, records wait
 * in memory only, in the registry's bounded queue, as without a journal.
 */
#define RELAY_JOURNAL_MAX_BYTES (16 * 1024 * 1024)

/*
 * Opens (creating it, mode 0600) the journal at path and locks it (flock):
 * NULL with a reason in err, "another relay is using this database" when
 * another process holds it.
 */
struct relay_journal *relay_journal_open(const char *path, struct sirius_error *err);

/* Closes the journal (its file stays: it is emptied by relay_journal_reset, not here). NULL is allowed. */
void relay_journal_close(struct relay_journal *j);

/*
 * Called once after opening, before any append (it learns where the
 * numbers go on from). Does in store, in one batch, the writes the file holds that the database
 * has not (numbered above the store's journal_applied), in their order, and
 * marks them done; then empties the file. Lines that are not writes (a torn
 * last line, anything edited) are skipped and counted. Sets *replayed and
 * *skipped. Returns 0, or -1 (RELAY_STORE_BUSY included) with a reason in
 * err: then nothing is done and the file is kept for the next try.
 */
int relay_journal_recover(struct relay_journal *j, const struct relay_store *store, unsigned *replayed,
			  unsigned *skipped, struct sirius_error *err);

/*
 * Numbers the count writes and appends them in one write(2). Returns 0, or
 * -1 with a reason in err (the file would pass its most bytes, or the
 * write failed): then the file is as it was (a part written is
 * cut off again; when that fails too, the numbers are used up and appends
 * are refused until relay_journal_reset), the writes keep seq 0, and the
 * caller commits them itself.
 */
int relay_journal_append(struct relay_journal *j, struct pending_write *const *writes, size_t count,
			 struct sirius_error *err);

/* Sets the most bytes the file may hold (RELAY_JOURNAL_MAX_BYTES when not set). */
void relay_journal_set_max(struct relay_journal *j, uint64_t bytes);

/* The number of the newest line appended (0 before any, this run or a previous one). */
uint64_t relay_journal_last(const struct relay_journal *j);

/* Empties the file: every line in it is committed. 0, or -1 with a reason in err. */
int relay_journal_reset(struct relay_journal *j, struct sirius_error *err);

/* Bytes the file holds now. */
uint64_t relay_journal_size(const struct relay_journal *j);

#endif
