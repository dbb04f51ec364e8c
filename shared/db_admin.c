/* db_admin.c: the lists of the administrators' page: every printer with its owner, a page at a time. */
#include "db_internal.h"

#include <string.h>

/* Fills the struct db_printer_summary at out from a row of SQL_ADMIN_PRINTERS. */
static void read_printer_summary(struct db *db, enum db_stmt id, void *out)
{
	struct db_printer_summary *summary = out;

	dbi_read_printer(db, id, &summary->printer);
	dbi_column_text(db, id, 8, summary->owner, sizeof(summary->owner));
}

int db_printers_list(struct db *db, int64_t offset, int64_t limit, struct db_printer_summary **list, size_t *count,
		     struct sirius_error *err)
{
	*list = NULL;
	*count = 0;
	if (dbi_bind_int(db, SQL_ADMIN_PRINTERS, "$offset", offset > 0 ? offset : 0, err) < 0 ||
	    dbi_bind_int(db, SQL_ADMIN_PRINTERS, "$limit", limit, err) < 0) {
		dbi_reset(db, SQL_ADMIN_PRINTERS);
		return -1;
	}
	return dbi_collect(db, SQL_ADMIN_PRINTERS, read_printer_summary, NULL, sizeof(**list), (void **)list, count,
			   err);
}

int64_t db_printer_count(struct db *db, struct sirius_error *err)
{
	int64_t count;

	if (dbi_run_int(db, SQL_ADMIN_PRINTER_COUNT, &count, err) < 0)
		return -1;
	return count;
}
