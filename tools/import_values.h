/* import_values.h: PostgreSQL's text forms of integers, timestamps, bytea and arrays, read for sirius-import. */
#ifndef SIRIUS_IMPORT_VALUES_H
#define SIRIUS_IMPORT_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "error.h"

/* The longest bytea value read (a pickled friend list), in bytes once decoded. */
#define IMPORT_BYTEA_MAX (16u * 1024 * 1024)

/* The most elements read from one array (print_key.senders). */
#define IMPORT_ARRAY_MAX 100000

/* A decimal integer (optional '-', digits only) between min and max. Returns 0 and sets *out, or -1. */
int import_parse_int(const char *text, int64_t min, int64_t max, int64_t *out);

/*
 * A TIMESTAMP WITHOUT TIME ZONE in the ISO style PostgreSQL writes
 * ("2015-01-26 10:34:21.975511", fraction optional), taken as UTC (the
 * original stored utcnow()). Sets *out to whole seconds since the epoch.
 * Returns 0, or -1 for anything else (infinity, BC dates, other styles).
 */
int import_parse_timestamp(const char *text, int64_t *out);

/*
 * A bytea in either output format: hex ("\x8004...") or escape (octal
 * "\ooo" and "\\"). *out gets a g_malloc'd copy of *len bytes. Returns 0, or
 * -1 with a reason in err (malformed, or longer than IMPORT_BYTEA_MAX).
 */
int import_parse_bytea(const char *text, uint8_t **out, size_t *len, struct sirius_error *err);

/*
 * A one-dimensional array of text ("{a,\"b c\",NULL}"): *out gets a
 * GPtrArray of g_strdup'd elements (NULL for a NULL element; free with
 * g_ptr_array_free(*out, TRUE)). Returns 0, or -1 with a reason in err
 * (malformed, more dimensions, more than IMPORT_ARRAY_MAX elements).
 */
int import_parse_text_array(const char *text, GPtrArray **out, struct sirius_error *err);

#endif
