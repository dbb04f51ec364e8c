/* test_db.h: a sirius database in a temporary directory of its own, for the unit tests. */
#ifndef SIRIUS_TEST_DB_H
#define SIRIUS_TEST_DB_H

#include <stdint.h>

struct db;

/*
 * A database file "sirius.db" alone in a new temporary directory, open with
 * db_open. A test may put more files beside it (copies, sockets): closing
 * removes whatever is in the directory, then the directory.
 */
struct test_db {
	char *dir;      /* the temporary directory (g_free'd by test_db_close) */
	char *path;     /* dir/sirius.db */
	struct db *db;  /* open on path; a test that closes it sets it to NULL or to a new connection */
};

/*
 * Makes a directory named after prefix in the system's temporary directory
 * and opens a new database in it; fails the running test when it cannot.
 */
void test_db_open(struct test_db *t, const char *prefix);

/*
 * Closes the connection when open, removes the database, its -wal and -shm
 * and any other file in the directory, then the directory; fails the running
 * test when the directory cannot be removed (a test left something in it).
 */
void test_db_close(struct test_db *t);

/*
 * Stores message id as queued, as sirius-api does: a tiny payload and PNG,
 * sent by "alice" to printer_id with command, created at now, through device
 * key key_id (0: none) with request digest (NULL: none); fails the running
 * test when it cannot be stored.
 */
void test_db_message(struct db *db, uint32_t id, int64_t printer_id, int command, int64_t now, int64_t key_id,
		     const char *digest);

/* test_db_message with the next command id, as sirius-api takes it; returns that id. */
uint32_t test_db_queue(struct db *db, int64_t printer_id, int command, int64_t now, int64_t key_id,
		       const char *digest);

#endif
