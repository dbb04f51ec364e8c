/* page_forget.c: GET and POST /printer/ID/forget, giving a printer up after a confirmation (owner only). */
#include "access.h"
#include "page.h"

/* The confirmation page with status and an error (may be NULL). */
static int confirm_page(struct ctx *ctx, const struct db_printer *printer, int status, const char *error)
{
	cJSON *data = cJSON_CreateObject();

	cJSON_AddNumberToObject(data, "printer_id", (double)printer->id);
	cJSON_AddStringToObject(data, "printer_name", printer->name);
	if (error)
		cJSON_AddStringToObject(data, "error", error);
	return reply_page(ctx, status, "forget", "Forget a printer", data);
}

/*
 * GET asks to confirm. POST with the confirm box ticked makes the printer
 * unclaimed (its keys and the owner's claim codes for it deleted): 303 to
 * the overview; without it, the confirmation again (400). 404 for anyone
 * but the owner; 500 on a database error.
 */
int page_forget(struct ctx *ctx)
{
	struct db_printer printer;
	struct sirius_error err;

	if (!printer_access_check(ctx, PRINTER_ACCESS_OWNER, &printer, NULL))
		return 0;
	if (ctx->req.method != METHOD_POST)
		return confirm_page(ctx, &printer, 200, NULL);
	if (!input_int(ctx, "confirm"))
		return confirm_page(ctx, &printer, 400, "Tick the box to confirm that you give this printer up.");
	if (db_printer_forget(ctx->db, printer.id, ctx->session.user.id, &err) < 0)
		return reply_server_error(ctx, "forgetting a printer", &err);
	return reply_redirect(ctx, "/");
}
