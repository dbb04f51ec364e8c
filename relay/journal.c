/* journal.c: the relay's journal file: numbered lines appended in one write, replayed once at the next start. */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "log.h"

struct relay_journal {
	int fd;        /* the file, opened for appending */
	char *path;    /* its path, for messages */
	uint64_t last; /* the newest number given to a line */
	uint64_t size; /* bytes in the file */
	uint64_t max;  /* the most bytes it may hold */
	int broken;    /* a failed append left a part in the file that could not be cut off: no append until a reset */
};

struct relay_journal *relay_journal_open(const char *path, struct sirius_error *err)
{
	struct relay_journal *j;
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0) {
		error_set(err, "journal %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		error_set(err, "journal %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		error_set(err, "journal %s: not a regular file", path);
		close(fd);
		return NULL;
	}
	/* one relay per database: a second one would replay the first one's lines and empty its file */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		error_set(err, "journal %s: %s", path,
			  errno == EWOULDBLOCK ? "another relay is using this database" : strerror(errno));
		close(fd);
		return NULL;
	}
	j = g_new0(struct relay_journal, 1);
	j->fd = fd;
	j->path = g_strdup(path);
	j->size = (uint64_t)st.st_size;
	j->max = RELAY_JOURNAL_MAX_BYTES;
	return j;
}

void relay_journal_close(struct relay_journal *j)
{
	if (!j)
		return;
	close(j->fd);
	g_free(j->path);
	g_free(j);
}

void relay_journal_set_max(struct relay_journal *j, uint64_t bytes)
{
	j->max = bytes;
}

uint64_t relay_journal_last(const struct relay_journal *j)
{
	return j->last;
}

uint64_t relay_journal_size(const struct relay_journal *j)
{
	return j->size;
}

int relay_journal_reset(struct relay_journal *j, struct sirius_error *err)
{
	/* a broken file holds more than size says */
	if (j->size == 0 && !j->broken)
		return 0;
	if (ftruncate(j->fd, 0) < 0)
		return error_set(err, "journal %s: emptying it: %s", j->path, strerror(errno));
	j->size = 0;
	j->broken = 0;
	return 0;
}

int relay_journal_append(struct relay_journal *j, struct pending_write *const *writes, size_t count,
			 struct sirius_error *err)
{
	GString *text = g_string_sized_new(count * 96);
	char line[PENDING_LINE_MAX];
	size_t i, done = 0;
	int saved;

	if (j->broken)
		return error_set(err, "journal %s: a write failed part way and could not be undone; it waits for a commit",
				 j->path);
	if (count > PENDING_SEQ_MAX - j->last)
		return error_set(err, "journal %s: its line numbers are used up", j->path);
	for (i = 0; i < count; i++) {
		writes[i]->seq = j->last + 1 + i;
		g_string_append_len(text, line, (gssize)pending_write_format(writes[i], line));
	}
	if (j->size + text->len > j->max) {
		for (i = 0; i < count; i++)
			writes[i]->seq = 0;
		g_string_free(text, TRUE);
		return error_set(err, "journal %s: full (%" PRIu64 " bytes) until the database takes the records", j->path,
				 j->size);
	}
	while (done < text->len) {
		ssize_t n = write(j->fd, text->str + done, text->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = ENOSPC; /* a regular file that takes nothing is full */
		if (n <= 0)
			goto failed;
		done += (size_t)n;
	}
	j->last += count;
	j->size += text->len;
	g_string_free(text, TRUE);
	return 0;
failed:
	saved = errno;
	/* a line cut short would swallow the next one appended: the file goes back to its last whole line */
	if (done > 0 && ftruncate(j->fd, (off_t)j->size) < 0) {
		relay_log(RELAY_LOG_ERROR, "journal %s: cutting off a part written: %s", j->path, strerror(errno));
		/*
		 * Whole lines of these writes may stay: their numbers are not given
		 * again, so the next commit's mark covers them, and nothing is
		 * appended before the file is emptied.
		 */
		j->last += count;
		j->broken = 1;
	}
	for (i = 0; i < count; i++)
		writes[i]->seq = 0;
	g_string_free(text, TRUE);
	return error_set(err, "journal %s: %s", j->path, strerror(saved));
}

/* Reads the file's lines from its start, calling line(text, arg) for each whole one; a last line without '\n' is torn. */
static int read_lines(struct relay_journal *j, void (*line)(const char *text, int whole, void *arg), void *arg,
		      struct sirius_error *err)
{
	char buf[65536];
	GString *current = g_string_sized_new(PENDING_LINE_MAX);
	off_t at = 0;
	int nul = 0; /* the current line holds a NUL byte: not a write, whatever comes before it */

	for (;;) {
		ssize_t n = pread(j->fd, buf, sizeof(buf), at), i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_string_free(current, TRUE);
			return error_set(err, "journal %s: %s", j->path, strerror(errno));
		}
		if (n == 0)
			break;
		at += n;
		for (i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (buf[i] == '\0')
					nul = 1;
				/* a line too long to be one is kept short: it is skipped whole at its end */
				else if (current->len < PENDING_LINE_MAX)
					g_string_append_c(current, buf[i]);
				continue;
			}
			line(current->str, !nul, arg);
			g_string_truncate(current, 0);
			nul = 0;
		}
	}
	if (current->len > 0)
		line(current->str, 0, arg);
	g_string_free(current, TRUE);
	return 0;
}

/* What recovery gathers from the file. */
struct recovery {
	uint64_t applied;  /* the newest number the database has */
	uint64_t newest;   /* the newest number seen, or applied */
	GArray *writes;    /* struct pending_write, those to do, in order */
	unsigned skipped;  /* lines that are not writes */
};

static void recovery_line(const char *text, int whole, void *arg)
{
	struct recovery *r = arg;
	struct pending_write w;

	if (!whole || pending_write_parse(text, &w) < 0) {
		r->skipped++;
		return;
	}
	if (w.seq > r->newest)
		r->newest = w.seq;
	if (w.seq > r->applied)
		g_array_append_val(r->writes, w);
}

/* Does r's writes in one batch of store, marked up to r->newest: 0, or -1 / RELAY_STORE_BUSY with err. */
static int recovery_commit(const struct recovery *r, const struct relay_store *store, struct sirius_error *err)
{
	char what[160];
	guint i;
	int rc;

	rc = store->batch_begin(store->ctx, err);
	if (rc < 0)
		return rc;
	for (i = 0; i < r->writes->len; i++) {
		const struct pending_write *w = &g_array_index(r->writes, struct pending_write, i);
		struct sirius_error one = { "" };

		rc = pending_write_apply(store, w, &one);
		if (rc == RELAY_STORE_BUSY) {
			store->batch_rollback(store->ctx);
			*err = one;
			return rc;
		}
		/* one that fails alone is rolled back alone, as in the registry's batches */
		if (rc < 0)
			relay_log(RELAY_LOG_ERROR, "journal: %s: %s", pending_write_describe(w, what, sizeof(what)),
				  one.message);
	}
	rc = store->journal_mark(store->ctx, r->newest, err);
	if (rc < 0) {
		store->batch_rollback(store->ctx);
		return rc;
	}
	return store->batch_commit(store->ctx, err);
}

int relay_journal_recover(struct relay_journal *j, const struct relay_store *store, unsigned *replayed,
			  unsigned *skipped, struct sirius_error *err)
{
	struct recovery r;
	int rc;

	*replayed = *skipped = 0;
	if (!store->journal_applied || !store->journal_mark || !store->batch_begin)
		return error_set(err, "journal %s: the store keeps no journal numbers", j->path);
	memset(&r, 0, sizeof(r));
	rc = store->journal_applied(store->ctx, &r.applied, err);
	if (rc < 0)
		return rc;
	r.newest = r.applied;
	r.writes = g_array_new(FALSE, FALSE, sizeof(struct pending_write));
	rc = read_lines(j, recovery_line, &r, err);
	if (rc == 0 && r.writes->len > 0)
		rc = recovery_commit(&r, store, err);
	if (rc == 0) {
		*replayed = r.writes->len;
		*skipped = r.skipped;
		j->last = r.newest;
		rc = relay_journal_reset(j, err);
	}
	g_array_free(r.writes, TRUE);
	return rc;
}
