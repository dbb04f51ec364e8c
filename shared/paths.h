/* paths.h: where sirius keeps its state: the var directory, the database and the relay's socket. */
#ifndef SIRIUS_PATHS_H
#define SIRIUS_PATHS_H

#include <stddef.h>

#include "error.h"

/* A buffer that holds every path these functions return. */
#define PATHS_MAX 4096

/*
 * The var directory: $SIRIUS_VAR when set and not empty; else <checkout>/var
 * when the running program lives in the checkout it was built from (its
 * /proc/self/exe is under SIRIUS_SOURCE_DIR or SIRIUS_BUILD_DIR); else
 * SIRIUS_LOCALSTATEDIR/lib/sirius. Writes it into out (size bytes).
 * Returns 0, or -1 with a reason in err when it does not fit.
 */
int paths_var_dir(char *out, size_t size, struct sirius_error *err);

/*
 * The var directory a program at exe would use when SIRIUS_VAR is not set
 * (exe may be NULL: an unknown location). Returns 0, or -1 as paths_var_dir.
 */
int paths_default_var_dir(const char *exe, char *out, size_t size, struct sirius_error *err);

/* The database: $SIRIUS_DB when set and not empty, else <var>/sirius.db. Returns 0 or -1 as paths_var_dir. */
int paths_database(char *out, size_t size, struct sirius_error *err);

/*
 * The relay's control socket: $SIRIUS_RELAY_SOCKET when set and not empty,
 * else <var>/relay.sock. Returns 0, or -1 with a reason in err when the path
 * does not fit out or is too long for a Unix socket address.
 */
int paths_relay_socket(char *out, size_t size, struct sirius_error *err);

/* paths_database in a malloc'd string; NULL with a reason in err. */
char *paths_database_alloc(struct sirius_error *err);

#endif
