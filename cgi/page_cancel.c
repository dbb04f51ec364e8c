/* page_cancel.c: POST /printer/ID/message/MID/cancel, the owner cancelling a message still queued. */
#include "access.h"
#include "page.h"
#include "relay_client.h"
#include "web.h"

/*
 * Cancels a queued message of the printer: it is marked cancelled and the
 * relay is told, so that it never goes out; 303 back to the printer's
 * messages. A message that is no longer queued (the relay sent it meanwhile)
 * gets 409 with a sentence saying so. 404 for anyone but the owner or a
 * message of another printer; 500 on a database error.
 */
int page_cancel(struct ctx *ctx)
{
	struct db_printer printer;
	struct db_message message;
	struct sirius_error err, relay_err;
	cJSON *data;
	int rc;

	if (!printer_message_check(ctx, &printer, &message))
		return 0;
	db_message_clear(&message);
	rc = db_message_cancel(ctx->db, message.id, printer.id, ctx->now, &err);
	if (rc < 0)
		return reply_server_error(ctx, "cancelling a message", &err);
	if (rc == 0) {
		data = cJSON_CreateObject();
		cJSON_AddStringToObject(data, "message", "That message is not queued any more: it has already gone to the "
				        "printer, or was settled, so it cannot be cancelled.");
		cJSON_AddNumberToObject(data, "printer_id", (double)printer.id);
		cJSON_AddStringToObject(data, "printer_name", printer.name);
		return reply_page(ctx, 409, "outcome", "Cancel", data);
	}
	/* the relay may have taken it and not written it yet: a relay that is down holds nothing */
	if (relay_cancel(ctx->app->relay_socket, message.id, &relay_err) < 0)
		cgi_log("telling the relay that message %u is cancelled: %s", message.id, relay_err.message);
	return reply_printer_redirect(ctx, printer.id, "messages");
}
