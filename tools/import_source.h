/* import_source.h: the rows of the original sirius server's tables that sirius-import reads, from PostgreSQL or a pg_dump file. */
#ifndef SIRIUS_IMPORT_SOURCE_H
#define SIRIUS_IMPORT_SOURCE_H

#include <stddef.h>

#include <glib.h>

#include "error.h"

/*
 * How to use it: a reader (import_pg_read, import_dump_read) fills a struct
 * import_source table by table: import_source_table_begin with the columns
 * the source has, then import_source_add_row for each row. Values are kept as
 * PostgreSQL's text output (NULL for SQL NULL), whatever the reader; the
 * import turns them into numbers, times, bytes and arrays (import_values.h).
 * Only the tables and columns below are read: the original's messages,
 * bridges and logs are not brought over.
 */

/* The tables read, with their names in the original's schema. */
enum import_table_id {
	IMPORT_USER = 0,       /* "user" */
	IMPORT_TWITTER,        /* twitter_o_auth: screen names and pickled friend lists */
	IMPORT_PRINTER,        /* printer */
	IMPORT_CLAIM_CODE,     /* claim_code */
	IMPORT_PRINT_KEY,      /* print_key: the device keys */
	IMPORT_TABLE_COUNT
};

/* Columns of each table, in the order of the specs in import_source.c. */
enum { USER_ID, USER_CREATED, USER_USERNAME, USER_API_KEY, USER_COLUMNS };
enum { TWITTER_ID, TWITTER_USER_ID, TWITTER_SCREEN_NAME, TWITTER_FRIENDS, TWITTER_LAST_REFRESH, TWITTER_COLUMNS };
enum { PRINTER_ID, PRINTER_CREATED, PRINTER_ADDRESS, PRINTER_XOR, PRINTER_NAME, PRINTER_OWNER_ID,
       PRINTER_CLAIM_CODE, PRINTER_COLUMNS };
enum { CLAIM_ID, CLAIM_CREATED, CLAIM_BY_ID, CLAIM_XOR, CLAIM_CODE, CLAIM_NAME, CLAIM_COLUMNS };
enum { KEY_ID, KEY_SECRET, KEY_CREATED, KEY_PRINTER_ID, KEY_USES, KEY_SENDERS, KEY_COLUMNS };

#define IMPORT_MAX_COLUMNS 8  /* the most columns read from one table */

/* What is read of one table. */
struct import_table_spec {
	const char *name;                               /* the table's name in the original's schema */
	int required;                                   /* 1: a source without it is not a sirius database */
	size_t column_count;                            /* entries of columns */
	const char *columns[IMPORT_MAX_COLUMNS];        /* names, in the order of the enums above */
	int column_required[IMPORT_MAX_COLUMNS];        /* 1: the table is unusable without it */
};

/* The rows read of one table. */
struct import_table {
	int present;                 /* the source has the table */
	int has[IMPORT_MAX_COLUMNS]; /* which of the spec's columns the source has (absent ones read as NULL) */
	GPtrArray *rows;             /* of char *[column_count]: values as text, NULL for SQL NULL */
};

struct import_source {
	struct import_table tables[IMPORT_TABLE_COUNT]; /* by enum import_table_id */
	char description[256];                          /* what was read, for messages (no password) */
};

/* The spec of a table. */
const struct import_table_spec *import_table_spec(enum import_table_id id);

/* The table whose original name is name (the schema left out), or -1. */
int import_table_by_name(const char *name);

/* Prepares an empty source. */
void import_source_init(struct import_source *src);

/* Frees every row of a source; it may then be filled again after import_source_init. */
void import_source_free(struct import_source *src);

/*
 * Starts a table with the columns the source has (count names, in the
 * source's order); map[i] gets the spec column of the source's column i, or
 * -1 for a column that is not read. Returns 0, or -1 with a reason in err:
 * the table was read already, or a column the import needs is missing.
 */
int import_source_table_begin(struct import_source *src, enum import_table_id id, const char *const *names,
			      size_t count, int *map, struct sirius_error *err);

/*
 * Adds a row of a started table: values[i] (text or NULL) of the source's
 * column i, for the count columns given to import_source_table_begin and the
 * map it made. The values are copied. Returns 0.
 */
int import_source_add_row(struct import_source *src, enum import_table_id id, const int *map,
			  const char *const *values, size_t count);

/*
 * Checks that every required table was read. Returns 0, or -1 with a reason
 * in err naming the first missing table.
 */
int import_source_check(const struct import_source *src, struct sirius_error *err);

/* The number of rows of a table. */
size_t import_rows(const struct import_source *src, enum import_table_id id);

/* A value of a row (NULL for SQL NULL or a column the source lacks). */
const char *import_value(const struct import_source *src, enum import_table_id id, size_t row, int column);

#endif
