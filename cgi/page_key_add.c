/* page_key_add.c: POST /printer/ID/printkey/add, cutting a new device key for a printer (owner only). */
#include "access.h"
#include "page.h"
#include "web.h"

/* Makes a new device key for the printer: 303 back to its keys; 404 for anyone but the owner; 500 on a database error. */
int page_key_add(struct ctx *ctx)
{
	struct db_printer printer;
	struct db_device_key key;
	struct sirius_error err;

	if (!printer_access_check(ctx, PRINTER_ACCESS_OWNER, &printer, NULL))
		return 0;
	if (db_device_key_create(ctx->db, printer.id, ctx->now, &key, &err) < 0)
		return reply_server_error(ctx, "making a device key", &err);
	return reply_printer_redirect(ctx, printer.id, "keys");
}
