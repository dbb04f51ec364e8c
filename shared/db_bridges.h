/* db_bridges.h: bridges in the database, and the bridge each claimed printer is bound to. */
#ifndef SIRIUS_DB_BRIDGES_H
#define SIRIUS_DB_BRIDGES_H

#include <stdint.h>

#include "error.h"

struct db;

/*
 * Bridge authentication does not exist in the protocol: any socket may name
 * any printer. The server carries the trust instead: a claimed printer is
 * bound to the bridge it was claimed through (the one its key went to,
 * trust on first use); the relay refuses reports of it from another bridge
 * while that one is online, records one while it is silent as a move the
 * owner confirms on the printer page (or takes it at once with
 * SIRIUS_BRIDGE_MOVES=auto), and sends the key only to the bound bridge.
 */

#define DB_BRIDGE_IP_MAX 64   /* longest IP address kept, in bytes */

/* What the printer page shows of a printer's bridge. */
struct db_printer_bridge {
	char bridge[17];                  /* the bridge it is bound to; "" when none */
	char ip[DB_BRIDGE_IP_MAX + 1];    /* that bridge's last address; "" when not known */
	int64_t first_seen;               /* when that bridge first connected; 0 when not known */
	char moving_to[17];               /* a bridge waiting for the owner to confirm a move; "" when none */
};

/* A bridge connected from ip at now: first_seen on its first connection, last_seen and ip every time. Returns 0 or -1. */
int db_bridge_seen(struct db *db, const char *address, const char *ip, int64_t now, struct sirius_error *err);

/*
 * The bridge the printer with this device address is bound to into bound
 * ("" when none) and whether it has an owner. Returns 1, 0 (no such
 * printer) or -1.
 */
int db_printer_binding(struct db *db, const char *device, char bound[17], int *claimed, struct sirius_error *err);

/* Binds a claimed printer to bridge (clearing any waiting move). Returns 1, 0 (no such claimed printer) or -1. */
int db_printer_bind(struct db *db, const char *device, const char *bridge, struct sirius_error *err);

/* Records that bridge reported a printer bound elsewhere, for its owner to confirm. Returns 1, 0 or -1. */
int db_printer_moving(struct db *db, const char *device, const char *bridge, struct sirius_error *err);

/*
 * The owner confirms the waiting move of printer_id: it is bound to the new
 * bridge. Returns 1, 0 (no such printer of that owner, or no move waiting)
 * or -1.
 */
int db_printer_confirm_move(struct db *db, int64_t printer_id, int64_t owner_id, struct sirius_error *err);

/* The bridge of a printer for its page. Returns 1, 0 (no such printer) or -1. */
int db_printer_bridge(struct db *db, int64_t printer_id, struct db_printer_bridge *out, struct sirius_error *err);

/*
 * Forgets printers nobody claimed that have been silent since before:
 * never-claimed addresses (anyone may name any address) do not pile up.
 * A printer with messages or a claim code waiting for it stays. Returns how
 * many were deleted (no write when none is due), or -1.
 */
int db_printers_sweep_unclaimed(struct db *db, int64_t before, struct sirius_error *err);

#endif
