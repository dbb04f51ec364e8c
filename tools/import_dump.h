/* import_dump.h: reading the original sirius server's tables from a plain-SQL pg_dump file. */
#ifndef SIRIUS_IMPORT_DUMP_H
#define SIRIUS_IMPORT_DUMP_H

#include <stddef.h>

#include "error.h"
#include "import_source.h"

/* The longest line read from a dump, in bytes; a longer one is refused. */
#define IMPORT_DUMP_LINE_MAX (256u * 1024 * 1024)

/*
 * Reads the tables sirius-import needs from a pg_dump file in the plain
 * format (pg_dump's default, or --format=plain): the data of each table is a
 * "COPY table (columns) FROM stdin;" block of tab-separated lines in COPY's
 * text format, ended by "\.". Other statements are skipped. Refused, with a
 * sentence saying what to do: the custom, directory and tar formats, a
 * compressed file, a dump written with --inserts, an encoding other than
 * UTF8 or SQL_ASCII, a COPY block cut short or with a row of the wrong
 * number of fields. Returns 0, or -1 with a reason in err (the file and line
 * when it is about the content).
 */
int import_dump_read(const char *path, struct import_source *src, struct sirius_error *err);

/*
 * Splits one line of COPY's text format (without its newline) into exactly
 * count fields, undoing its escapes (\b \f \n \r \t \v \\, \ooo octal,
 * \xhh hex, a backslash before any other character stands for it); a field
 * that is exactly \N is NULL (fields[i] = NULL), others are g_malloc'd.
 * Returns 0, or -1 with a reason in err (another number of fields, an
 * escape giving a NUL byte); the fields are then all NULL.
 */
int import_copy_fields(const char *line, size_t len, char **fields, size_t count, struct sirius_error *err);

#endif
