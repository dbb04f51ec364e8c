/* import_pg.h: reading the original sirius server's tables from its PostgreSQL database (libpq). */
#ifndef SIRIUS_IMPORT_PG_H
#define SIRIUS_IMPORT_PG_H

#include "error.h"
#include "import_source.h"

/* 1 when url starts with postgresql:// or postgres:// (the form Heroku's DATABASE_URL has), else 0. */
int import_pg_url_valid(const char *url);

/*
 * Connects to the database at url (a postgresql:// or postgres:// URL, with
 * libpq's parameters such as ?sslmode=require) and reads the tables
 * sirius-import needs from the public schema, in one read-only transaction
 * (one consistent snapshot while the old server may still run). Returns 0,
 * or -1 with a reason in err (not such a URL, cannot connect, a query
 * failing, not a sirius database). Messages never show the password.
 */
int import_pg_read(const char *url, struct import_source *src, struct sirius_error *err);

#endif
