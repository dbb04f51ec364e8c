/* db_backup.c: copying the running database into a new file with sqlite3_backup_*, named only once complete. */
#include "db_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "random_token.h"

/* How long to wait between attempts when the source is locked, and how many attempts before giving up. */
#define BACKUP_RETRY_MS 50
#define BACKUP_RETRIES 200

/* Runs one statement of a script on a connection; 0, or -1 with what failed in err. */
static int exec_on(sqlite3 *conn, const char *sql, const char *what, struct sirius_error *err)
{
	char *message = NULL;

	if (sqlite3_exec(conn, sql, NULL, NULL, &message) != SQLITE_OK) {
		error_set(err, "backup: %s: %s", what, message ? message : sqlite3_errmsg(conn));
		sqlite3_free(message);
		return -1;
	}
	return 0;
}

/* 0 when PRAGMA quick_check of conn says "ok", else -1 with its first complaint in err. */
static int quick_check(sqlite3 *conn, struct sirius_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(conn, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK) {
		error_set(err, "backup: checking the copy: %s", sqlite3_errmsg(conn));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *result = (const char *)sqlite3_column_text(st, 0);

		if (result && strcmp(result, "ok") == 0)
			rc = 0;
		else
			error_set(err, "backup: the copy fails its check: %s", result ? result : "no answer");
	} else {
		error_set(err, "backup: checking the copy: %s", sqlite3_errmsg(conn));
	}
	sqlite3_finalize(st);
	return rc;
}

/* Copies the database of src into the (empty) file at tmp; 0, or -1 with a reason in err. */
static int copy_into(sqlite3 *src, const char *tmp, struct sirius_error *err)
{
	sqlite3 *dest = NULL;
	sqlite3_backup *backup;
	int rc, tries = 0, result = -1;

	if (sqlite3_open_v2(tmp, &dest, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		error_set(err, "backup: cannot open %s: %s", tmp, dest ? sqlite3_errmsg(dest) : "out of memory");
		sqlite3_close(dest);
		return -1;
	}
	backup = sqlite3_backup_init(dest, "main", src, "main");
	if (!backup) {
		error_set(err, "backup: %s", sqlite3_errmsg(dest));
		sqlite3_close(dest);
		return -1;
	}
	/* All pages in one step: one read transaction, so one consistent snapshot. */
	while ((rc = sqlite3_backup_step(backup, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		if (++tries > BACKUP_RETRIES)
			break;
		sqlite3_sleep(BACKUP_RETRY_MS);
	}
	if (sqlite3_backup_finish(backup) != SQLITE_OK || rc != SQLITE_DONE)
		error_set(err, "backup: copying: %s", rc == SQLITE_BUSY || rc == SQLITE_LOCKED
								? "the database stayed locked"
								: sqlite3_errstr(rc));
	else if (exec_on(dest, "PRAGMA journal_mode = DELETE", "making the copy one file", err) == 0 &&
		 quick_check(dest, err) == 0)
		result = 0;
	if (sqlite3_close(dest) != SQLITE_OK && result == 0)
		result = error_set(err, "backup: closing the copy failed");
	return result;
}

/* Flushes the file at path to the disk; 0, or -1 with a reason in err. */
static int sync_file(const char *path, struct sirius_error *err)
{
	int fd = g_open(path, O_RDONLY, 0);

	if (fd < 0 || fsync(fd) != 0) {
		int saved = errno;

		if (fd >= 0)
			close(fd);
		return error_set(err, "backup: writing %s to disk: %s", path, g_strerror(saved));
	}
	close(fd);
	return 0;
}

/* Opens the database file at path as it is (never created, never migrated); NULL with a reason in err. */
static sqlite3 *open_source(const char *path, struct sirius_error *err)
{
	sqlite3 *src = NULL;

	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
		error_set(err, "backup: there is no database at %s", path);
		return NULL;
	}
	if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		error_set(err, "backup: cannot open %s: %s", path, src ? sqlite3_errmsg(src) : "out of memory");
		sqlite3_close(src);
		return NULL;
	}
	sqlite3_busy_timeout(src, BACKUP_RETRY_MS * BACKUP_RETRIES);
	return src;
}

int db_backup(const char *db_path, const char *path, int force, struct sirius_error *err)
{
	char suffix[17], *dir, *name, *tmp;
	sqlite3 *src;
	int fd, rc = -1;

	if (!db_path || !db_path[0] || !path || !path[0])
		return error_set(err, "backup: no file named");
	if (!force && g_file_test(path, G_FILE_TEST_EXISTS))
		return error_set(err, "backup: %s exists; choose another name, or replace it with --force", path);
	if (g_file_test(path, G_FILE_TEST_IS_DIR))
		return error_set(err, "backup: %s is a directory", path);
	src = open_source(db_path, err);
	if (!src)
		return -1;
	if (random_token_hex(suffix, sizeof(suffix) - 1, err) < 0) {
		sqlite3_close(src);
		return -1;
	}
	dir = g_path_get_dirname(path);
	name = g_strconcat(".sirius-backup-", suffix, NULL);
	tmp = g_build_filename(dir, name, NULL);
	g_free(name);
	g_free(dir);
	/* a new file of a random name beside path, only ours (O_EXCL: never one that exists) */
	fd = g_open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		error_set(err, "backup: cannot make a file beside %s: %s", path, g_strerror(errno));
		sqlite3_close(src);
		g_free(tmp);
		return -1;
	}
	close(fd);
	if (copy_into(src, tmp, err) < 0 || sync_file(tmp, err) < 0) {
		sqlite3_close(src);
		goto out;
	}
	sqlite3_close(src);
	if (force) {
		if (g_rename(tmp, path) != 0) {
			error_set(err, "backup: cannot name the copy %s: %s", path, g_strerror(errno));
			goto out;
		}
	} else if (link(tmp, path) != 0) {
		/* link, unlike rename, refuses a name that appeared in the meantime */
		error_set(err, "backup: cannot name the copy %s: %s", path,
			  errno == EEXIST ? "it exists now; choose another name, or replace it with --force"
					  : g_strerror(errno));
		goto out;
	}
	rc = 0;
out:
	g_unlink(tmp);
	g_free(tmp);
	return rc;
}
