/* page_reprint.c: POST /printer/ID/message/MID/reprint, sending a stored message again (owner only). */
#include "access.h"
#include "page.h"
#include "print_submit.h"
#include "web.h"

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
 * messages when sent, where a notice says so; a page saying the printer is
 * offline (409) or cannot be reached right now (503). 404 for anyone but the owner or a message of
 * another printer; 500 on a database error.
 */
int page_reprint(struct ctx *ctx)
{
	struct db_printer printer;
	struct db_message message;
	struct print_submit_result result;
	struct sirius_error err;
	int rc;

	if (!printer_message_check(ctx, &printer, &message))
		return 0;
	rc = print_resend(ctx, printer.id, &message, &result, &err);
	db_message_clear(&message);
	if (rc < 0)
		return reply_server_error(ctx, "printing a message again", &err);
	switch (result.status) {
	case PRINT_SUBMIT_SENT:
	case PRINT_SUBMIT_QUEUED:
		/* said on the page the redirect leads to; a notice that cannot be kept only costs the sentence */
		if (session_notice(ctx, "The message goes to the printer again: it is the newest in the list.", &err) < 0)
			cgi_log("a notice after reprinting: %s", err.message);
		return reply_printer_redirect(ctx, printer.id, "messages");
	case PRINT_SUBMIT_OFFLINE:
		return outcome(ctx, &printer, 409, "The printer is offline, so the message was not sent again. Try "
			       "again when it is connected.");
	case PRINT_SUBMIT_REFUSED:
	case PRINT_SUBMIT_ERROR:
		break;
	}
	return reply_server_error(ctx, "printing a message again", &err);
}
