/* page_button.c: POST /printer/ID/message/MID/button: print now, or cancel, a delivery waiting for the button (owner only). */
#include <string.h>

#include "access.h"
#include "db_button.h"
#include "page.h"
#include "print_submit.h"
#include "printer_payload.h"
#include "web.h"

/* A page saying what became of the request, with status and a link back to the printer. */
static int outcome(struct ctx *ctx, const struct db_printer *printer, int status, const char *message)
{
	cJSON *data = cJSON_CreateObject();

	cJSON_AddStringToObject(data, "message", message);
	cJSON_AddNumberToObject(data, "printer_id", (double)printer->id);
	cJSON_AddStringToObject(data, "printer_name", printer->name);
	return reply_page(ctx, status, "outcome", "Waiting for the button", data);
}

/*
 * Sends a waiting delivery's stored bitmap again as a new message printed at
 * once (set_delivery_and_print, or _no_face for a delivery without the face),
 * and marks the delivery printed now. Answers as page_button says.
 */
static int print_now(struct ctx *ctx, const struct db_printer *printer, const struct db_message *message)
{
	struct print_submit_result result;
	struct db_message copy = *message;
	struct sirius_error err;

	copy.command = message->command == PRINTER_SET_DELIVERY_NO_FACE ? PRINTER_SET_DELIVERY_AND_PRINT_NO_FACE
									  : PRINTER_SET_DELIVERY_AND_PRINT;
	if (print_resend(ctx, printer->id, &copy, &result, &err) < 0)
		return reply_server_error(ctx, "printing a waiting delivery now", &err);
	switch (result.status) {
	case PRINT_SUBMIT_SENT:
	case PRINT_SUBMIT_QUEUED:
		if (db_button_settle(ctx->db, printer->id, message->id, result.message_id, ctx->now, &err) < 0)
			return reply_server_error(ctx, "marking a delivery printed now", &err);
		return reply_printer_redirect(ctx, printer->id, "button");
	case PRINT_SUBMIT_OFFLINE:
		return outcome(ctx, printer, 409, "The printer is offline, so the delivery was not printed. Try again "
			       "when it is connected.");
	case PRINT_SUBMIT_REFUSED:
	case PRINT_SUBMIT_ERROR:
		break;
	}
	return reply_server_error(ctx, "printing a waiting delivery now", &err);
}

/*
 * A delivery waiting for the button, chosen on the printer page: with action
 * "print" it is printed now as a new message, with action "cancel" it is
 * no longer shown as waiting (the printer may still hold it and print it
 * when the button is pressed). 303 back to the printer page; 400 for another
 * action; 409 when the message is not waiting for the button any more, or
 * the printer is offline with SIRIUS_OFFLINE=refuse; 404 for anyone but the
 * owner; 500 on a server fault. A delivery printed now is queued like any
 * print: it goes out at once, or when the printer is next online.
 */
int page_button(struct ctx *ctx)
{
	struct db_printer printer;
	struct db_message message;
	struct sirius_error err;
	const char *action = input_text(ctx, "action");
	uint32_t id;
	int rc;

	if (!printer_message_check(ctx, &printer, &message))
		return 0;
	if (!action || (strcmp(action, "print") != 0 && strcmp(action, "cancel") != 0)) {
		db_message_clear(&message);
		return reply_error(ctx, 400, "Choose to print the delivery now or to cancel it.");
	}
	rc = db_button_is_waiting(ctx->db, printer.id, message.id, &err);
	if (rc <= 0) {
		db_message_clear(&message);
		if (rc < 0)
			return reply_server_error(ctx, "reading a waiting delivery", &err);
		return outcome(ctx, &printer, 409, "That delivery is no longer waiting for the button.");
	}
	if (strcmp(action, "print") == 0) {
		rc = print_now(ctx, &printer, &message);
		db_message_clear(&message);
		return rc;
	}
	id = message.id;
	db_message_clear(&message);
	if (db_button_settle(ctx->db, printer.id, id, 0, ctx->now, &err) < 0)
		return reply_server_error(ctx, "cancelling a waiting delivery", &err);
	return reply_printer_redirect(ctx, printer.id, "button");
}
