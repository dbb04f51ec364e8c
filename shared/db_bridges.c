/* db_bridges.c: bridges and the binding of claimed printers to them, in the database. */
#include "db_internal.h"

#include <string.h>

#include <glib.h>

int db_bridge_seen(struct db *db, const char *address, const char *ip, int64_t now, struct sirius_error *err)
{
	enum db_stmt s = SQL_BRIDGE_SEEN;
	char kept[DB_BRIDGE_IP_MAX + 1];

	g_strlcpy(kept, ip ? ip : "", sizeof(kept));
	if (dbi_bind_text(db, s, "$address", address, err) < 0 || dbi_bind_text(db, s, "$ip", kept, err) < 0 ||
	    dbi_bind_int(db, s, "$now", now, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	return dbi_run(db, s, err) < 0 ? -1 : 0;
}

int db_printer_binding(struct db *db, const char *device, char bound[17], int *claimed, struct sirius_error *err)
{
	enum db_stmt s = SQL_PRINTER_BINDING;
	int rc;

	bound[0] = '\0';
	*claimed = 0;
	if (dbi_bind_text(db, s, "$address", device, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	rc = dbi_step(db, s, err);
	if (rc == SQLITE_ROW) {
		dbi_column_text(db, s, 0, bound, 17);
		*claimed = sqlite3_column_int(db->stmts[s], 1);
	}
	dbi_reset(db, s);
	return rc < 0 ? -1 : rc == SQLITE_ROW;
}

/* Runs a statement of $address and $bridge: the rows changed, or -1. */
static int run_device_bridge(struct db *db, enum db_stmt s, const char *device, const char *bridge,
			     struct sirius_error *err)
{
	if (dbi_bind_text(db, s, "$address", device, err) < 0 || dbi_bind_text(db, s, "$bridge", bridge, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	return dbi_run(db, s, err);
}

int db_printer_bind(struct db *db, const char *device, const char *bridge, struct sirius_error *err)
{
	return run_device_bridge(db, SQL_PRINTER_BIND, device, bridge, err);
}

int db_printer_moving(struct db *db, const char *device, const char *bridge, struct sirius_error *err)
{
	return run_device_bridge(db, SQL_PRINTER_MOVING, device, bridge, err);
}

int db_printer_confirm_move(struct db *db, int64_t printer_id, int64_t owner_id, struct sirius_error *err)
{
	enum db_stmt s = SQL_PRINTER_CONFIRM_MOVE;

	if (dbi_bind_int(db, s, "$id", printer_id, err) < 0 || dbi_bind_int(db, s, "$owner", owner_id, err) < 0) {
		dbi_reset(db, s);
		return -1;
	}
	return dbi_run(db, s, err);
}

/* Fills a struct db_printer_bridge from a row of SQL_PRINTER_BRIDGE. */
static void read_bridge(struct db *db, enum db_stmt id, void *out)
{
	struct db_printer_bridge *b = out;

	memset(b, 0, sizeof(*b));
	dbi_column_text(db, id, 0, b->bridge, sizeof(b->bridge));
	dbi_column_text(db, id, 1, b->ip, sizeof(b->ip));
	b->first_seen = sqlite3_column_int64(db->stmts[id], 2);
	dbi_column_text(db, id, 3, b->moving_to, sizeof(b->moving_to));
}

int db_printer_bridge(struct db *db, int64_t printer_id, struct db_printer_bridge *out, struct sirius_error *err)
{
	memset(out, 0, sizeof(*out));
	if (dbi_bind_int(db, SQL_PRINTER_BRIDGE, "$id", printer_id, err) < 0) {
		dbi_reset(db, SQL_PRINTER_BRIDGE);
		return -1;
	}
	return dbi_lookup(db, SQL_PRINTER_BRIDGE, read_bridge, out, err);
}

int db_printers_sweep_unclaimed(struct db *db, int64_t before, struct sirius_error *err)
{
	int64_t due = 0;

	if (dbi_bind_int(db, SQL_PRINTERS_UNCLAIMED_DUE, "$before", before, err) < 0) {
		dbi_reset(db, SQL_PRINTERS_UNCLAIMED_DUE);
		return -1;
	}
	if (dbi_run_int(db, SQL_PRINTERS_UNCLAIMED_DUE, &due, err) < 0)
		return -1;
	if (!due)
		return 0;
	return dbi_run_with_int(db, SQL_PRINTERS_UNCLAIMED_SWEEP, "$before", before, err);
}
