/* access.h: who may do what with a printer: its owner, a friend of its owner, or nobody else. */
#ifndef SIRIUS_CGI_ACCESS_H
#define SIRIUS_CGI_ACCESS_H

#include <stdint.h>

#include "db.h"
#include "error.h"

struct ctx;

/*
 * The rules every /printer/ID route follows: the owner sees and does
 * everything; a friend (a user the owner lists as a friend) may print to the
 * printer and preview prints, and sees nothing else; anyone else, and anyone
 * for a printer that does not exist or has no owner, is told the page does
 * not exist (404), so printer ids reveal nothing.
 */
enum printer_access {
	PRINTER_ACCESS_ERROR = -1,  /* database error: the reason is in err */
	PRINTER_ACCESS_NONE = 0,    /* neither owner nor friend (or no such printer) */
	PRINTER_ACCESS_FRIEND,      /* the owner lists this user as a friend: print only */
	PRINTER_ACCESS_OWNER        /* the owner */
};

/*
 * The access user_id (0: nobody signed in) has to printer printer_id, with
 * the printer in *printer (may be NULL) unless NONE or ERROR.
 */
enum printer_access printer_access_of(struct db *db, int64_t user_id, int64_t printer_id,
				      struct db_printer *printer, struct sirius_error *err);

/* printer_access_of for the signed-in user of ctx. */
enum printer_access printer_access(struct ctx *ctx, int64_t printer_id, struct db_printer *printer,
				   struct sirius_error *err);

/*
 * For handlers of /printer/{id}/...: checks that the signed-in user has at
 * least access need (FRIEND or OWNER) to the printer of the path parameter
 * "id" and fills *printer. Returns 1 when they have; otherwise replies (404
 * for too little access, 500 on a database error) and returns 0.
 */
int printer_access_check(struct ctx *ctx, enum printer_access need, struct db_printer *printer,
			 enum printer_access *have);

/*
 * For handlers of /printer/{id}/message/{mid}/...: checks that the signed-in
 * user owns the printer of the path parameter "id" and that message "mid" is
 * one of its messages; fills *printer and *message (db_message_clear it).
 * Returns 1 when it is; otherwise replies (404 for anyone but the owner and
 * for a message of another printer, 500 on a database error) and returns 0.
 */
int printer_message_check(struct ctx *ctx, struct db_printer *printer, struct db_message *message);

#endif
