/* page_reprint.c: POST /printer/ID/message/MID/reprint, sending a stored message again (owner only). */
#include "access.h"
#include "page.h"
#include "print_submit.h"

/* A page saying what became of the reprint, with status and a link back to the printer. */
static int outcome(struct ctx *ctx, const struct db_printer *printer, int status, const char *message)
{
	cJSON *data = cJSON_CreateObject();

	cJSON_AddStringToObject(data, "message", message);
	cJSON_AddNumberToObject(data, "printer_id", (double)printer->id);
	cJSON_AddStringToObject(data, "printer_name", printer->name);
	return reply_page(ctx, status, "outcome", "Print again", data);
}

/*
 * Prints a message of the printer again as a new message: 303 back to its
 * messages when sent; a page saying the printer is offline (409) or cannot
 * be reached right now (503). 404 for anyone but the owner or a message of
 * another printer; 500 on a database error.
 */
int page_reprint(struct ctx *ctx)
{
	struct db_printer printer;
	struct db_message message;
	struct print_submit_result result;
	struct sirius_error err;
	int64_t mid = input_int(ctx, "mid");
	char *back;
	int rc;

	if (!printer_access_check(ctx, PRINTER_ACCESS_OWNER, &printer, NULL))
		return 0;
	if (mid > UINT32_MAX)
		return reply_error(ctx, 404, "This printer has no such message.");
	rc = db_message_get(ctx->db, (uint32_t)mid, &message, &err);
	if (rc < 0)
		return reply_server_error(ctx, "reading a message", &err);
	if (rc == 0 || message.printer_id != printer.id) {
		if (rc)
			db_message_clear(&message);
		return reply_error(ctx, 404, "This printer has no such message.");
	}
	rc = print_resend(ctx, printer.id, &message, &result, &err);
	db_message_clear(&message);
	if (rc < 0)
		return reply_server_error(ctx, "printing a message again", &err);
	switch (result.status) {
	case PRINT_SUBMIT_SENT:
		back = g_strdup_printf("/printer/%" G_GINT64_FORMAT "#messages", printer.id);
		rc = reply_redirect(ctx, back);
		g_free(back);
		return rc;
	case PRINT_SUBMIT_OFFLINE:
		return outcome(ctx, &printer, 409, "The printer is offline, so the message was not sent again. Try "
			       "again when it is connected.");
	case PRINT_SUBMIT_RELAY_DOWN:
		cgi_log("reprinting to %s: %s", printer.address, err.message);
		return outcome(ctx, &printer, 503, "The printer cannot be reached right now, so the message was not "
			       "sent again. Try again in a moment.");
	case PRINT_SUBMIT_REFUSED:
	case PRINT_SUBMIT_ERROR:
		break;
	}
	return reply_server_error(ctx, "printing a message again", &err);
}
