/* db_backup.h: a consistent copy of the running database into a file, with SQLite's online backup API. */
#ifndef SIRIUS_DB_BACKUP_H
#define SIRIUS_DB_BACKUP_H

#include "error.h"

/*
 * Copies the database file at db_path (as it is: neither created nor
 * migrated, so a copy taken before an upgrade keeps the old version) into a
 * new file at path while other processes keep using it. The copy is one
 * consistent snapshot (taken as a reader of the write-ahead log, so writers
 * go on), made in a temporary file beside path, switched to a rollback
 * journal (one self-contained file, no -wal beside it), checked with PRAGMA
 * quick_check and only then given its name. An existing file at path is
 * refused unless force is 1, when it is replaced in one rename. Returns 0, or
 * -1 with a reason in err (no database at db_path, path exists, its directory
 * cannot be written, the database stays locked, the copy fails its check),
 * leaving nothing new at path.
 */
int db_backup(const char *db_path, const char *path, int force, struct sirius_error *err);

#endif
