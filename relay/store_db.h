/* store_db.h: the relay's store (store.h) over the sirius database (db.h). */
#ifndef SIRIUS_RELAY_STORE_DB_H
#define SIRIUS_RELAY_STORE_DB_H

#include "db.h"
#include "store.h"

/*
 * Fills store with functions that use db (which must stay open while the
 * store is used: until the registry did its last writes). Every write is
 * done when called, inside the registry's batch when it has one open
 * (store_db.c).
 */
void store_db_init(struct relay_store *store, struct db *db);

#endif
