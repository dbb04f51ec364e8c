/* db_internal.h: what the db_*.c files share: the connection, its statement cache and binding helpers. */
#ifndef SIRIUS_DB_INTERNAL_H
#define SIRIUS_DB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <sqlite3.h>

#include "db.h"

/* One id per statement of db_statements.h. */
enum db_stmt {
#define DB_STATEMENT(id, sql) id,
#include "db_statements.h"
#undef DB_STATEMENT
	DB_STMT_COUNT
};

struct db {
	sqlite3 *sqlite;                         /* the connection */
	sqlite3_stmt *stmts[DB_STMT_COUNT];      /* prepared on first use, finalized by db_close */
	int busy_timeout_ms;                     /* longest wait for another connection's lock */
	gint64 busy_since;                       /* monotonic µs when the current wait began */
	int depth;                               /* open dbi_begin levels: 1 a transaction, more its savepoints */
	int reading;                             /* a db_read_begin transaction is open: nothing may write */
};

/*
 * The prepared statement id, ready to bind (prepared now if it was not yet).
 * NULL with "<name>: <sqlite message>" in err when it does not prepare.
 */
sqlite3_stmt *dbi_stmt(struct db *db, enum db_stmt id, struct sirius_error *err);

/* Sets err to "<statement name>: <sqlite3_errmsg>" and returns -1. */
int dbi_fail(struct db *db, enum db_stmt id, struct sirius_error *err);

/* Binders of a named parameter of a statement got from dbi_stmt; 0, or -1 with a reason in err. */
int dbi_bind_text(struct db *db, enum db_stmt id, const char *param, const char *value,
		  struct sirius_error *err);                  /* value NULL binds NULL */
int dbi_bind_int(struct db *db, enum db_stmt id, const char *param, int64_t value,
		 struct sirius_error *err);
int dbi_bind_id(struct db *db, enum db_stmt id, const char *param, int64_t value,
		struct sirius_error *err);                    /* value 0 binds NULL */
int dbi_bind_blob(struct db *db, enum db_stmt id, const char *param, const void *data, size_t len,
		  struct sirius_error *err);                  /* data NULL binds NULL */

/* Steps a statement: SQLITE_ROW, SQLITE_DONE, or -1 with a reason in err. */
int dbi_step(struct db *db, enum db_stmt id, struct sirius_error *err);

/* Resets a statement and clears its bindings (a statement never stays active after use). */
void dbi_reset(struct db *db, enum db_stmt id);

/* Steps a bound statement to its end and resets it: the rows it changed, or -1 with a reason in err. */
int dbi_run(struct db *db, enum db_stmt id, struct sirius_error *err);

/* Binds one integer (or one text) parameter and runs the statement as dbi_run does. */
int dbi_run_with_int(struct db *db, enum db_stmt id, const char *param, int64_t value, struct sirius_error *err);
int dbi_run_with_text(struct db *db, enum db_stmt id, const char *param, const char *value,
		      struct sirius_error *err);

/* Runs a bound statement that returns one integer in one row, then resets it. 0, or -1. */
int dbi_run_int(struct db *db, enum db_stmt id, int64_t *value, struct sirius_error *err);

/* BEGIN IMMEDIATE, COMMIT (0 or -1 with a reason in err) and ROLLBACK (always possible). */
int dbi_begin(struct db *db, struct sirius_error *err);
int dbi_commit(struct db *db, struct sirius_error *err);
void dbi_rollback(struct db *db);

/* Copies column col of the current row as text into out (size bytes, cut to fit). */
void dbi_column_text(struct db *db, enum db_stmt id, int col, char *out, size_t size);

/* Fills the struct db_user at out from a row of a statement selecting DB_USER_COLUMNS. */
void dbi_read_user(struct db *db, enum db_stmt id, void *out);

/* Fills the struct db_printer at out from a row of a statement selecting DB_PRINTER_COLUMNS. */
void dbi_read_printer(struct db *db, enum db_stmt id, void *out);

/* A lookup of one row by statement and bound parameters: 1 (row read by reader), 0, or -1. */
int dbi_lookup(struct db *db, enum db_stmt id, void (*reader)(struct db *, enum db_stmt, void *),
	       void *out, struct sirius_error *err);

/*
 * Steps a bound statement through all its rows, reading each with reader into
 * a new element of elem_size bytes; *list gets the array (for db_free; NULL
 * when empty) and *count its length. Resets the statement. 0, or -1 with a
 * reason in err (*list is then NULL, elements freed with clear).
 */
int dbi_collect(struct db *db, enum db_stmt id, void (*reader)(struct db *, enum db_stmt, void *),
		void (*clear)(void *), size_t elem_size, void **list, size_t *count,
		struct sirius_error *err);                     /* clear: frees what reader put in an element, or NULL */

#endif
