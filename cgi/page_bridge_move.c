/* page_bridge_move.c: POST /printer/ID/bridge, the owner confirming that the printer moved to another bridge. */
#include "access.h"
#include "page.h"
#include "relay_client.h"
#include "web.h"

/*
 * Binds the printer to the bridge that reported it while its own was silent
 * (owner only) and tells the relay, which then accepts that bridge's reports
 * and sends it the key; 303 back to the printer. 409 when no move is waiting
 * (it was confirmed already, or none was seen); 404 for anyone but the
 * owner; 500 on a database error.
 */
int page_bridge_move(struct ctx *ctx)
{
	struct db_printer printer;
	struct sirius_error err, relay_err;
	cJSON *req, *reply = NULL;
	int rc;

	if (!printer_access_check(ctx, PRINTER_ACCESS_OWNER, &printer, NULL))
		return 0;
	rc = db_printer_confirm_move(ctx->db, printer.id, ctx->session.user.id, &err);
	if (rc < 0)
		return reply_server_error(ctx, "moving a printer to another bridge", &err);
	if (rc == 0)
		return reply_error(ctx, 409, "No other bridge is waiting to take this printer.");
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "rebind");
	cJSON_AddStringToObject(req, "device", printer.address);
	/* a relay that is down reads the binding from the database when it starts */
	if (relay_request(ctx->app->relay_socket, req, RELAY_WAKE_TIMEOUT_MS, &reply, &relay_err) < 0)
		cgi_log("telling the relay that printer %s moved: %s", printer.address, relay_err.message);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	return reply_printer_redirect(ctx, printer.id, "bridge");
}
