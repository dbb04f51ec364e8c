/* page_print.c: GET and POST /printer/ID/print, the print form: preview in the page, or send. */
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "page.h"
#include "print_form.h"
#include "web.h"

/*
 * Shows the print form for the printer of the path with status, an error
 * and a notice (either may be NULL), the values of form kept (NULL: empty)
 * and a preview (a data: URI, may be NULL).
 */
static int print_page(struct ctx *ctx, const struct db_printer *printer, int status, const char *error,
		      const char *notice, const struct print_form *form, const char *preview)
{
	struct sirius_error err;
	cJSON *data = cJSON_CreateObject();

	cJSON_AddStringToObject(data, "printer_name", printer->name);
	if (print_form_data(ctx, data, printer->id, form, &err) < 0) {
		cJSON_Delete(data);
		return reply_server_error(ctx, "listing the printers you may print to", &err);
	}
	if (error)
		cJSON_AddStringToObject(data, "error", error);
	if (notice)
		cJSON_AddStringToObject(data, "notice", notice);
	if (preview)
		cJSON_AddStringToObject(data, "preview", preview);
	return reply_page(ctx, status, "print", "Print", data);
}

/* Renders the form's message as print_submit would and shows it in the page (200; 413, 422 refused; 500 when the PNG cannot be written). */
static int preview(struct ctx *ctx, const struct db_printer *printer, const struct print_form *form)
{
	struct sirius_error err;
	uint8_t *png;
	size_t len;
	char *uri;
	cJSON *warnings;
	GString *notice = NULL;
	int rc = print_form_preview(ctx, form, &png, &len, &warnings, &err);

	if (rc > 0)
		return print_page(ctx, printer, rc, err.message, NULL, form, NULL);
	if (rc < 0)
		return reply_server_error(ctx, "writing a preview", &err);
	/* Images that could not be loaded are said, not dropped without a word. */
	if (warnings) {
		const cJSON *w;

		notice = g_string_new(NULL);
		cJSON_ArrayForEach(w, warnings)
			g_string_append_printf(notice, "%s%s", notice->len ? " " : "", w->valuestring);
		cJSON_Delete(warnings);
	}
	uri = web_png_data_uri(png, len);
	free(png);
	rc = print_page(ctx, printer, 200, NULL, notice ? notice->str : NULL, form, uri);
	if (notice)
		g_string_free(notice, TRUE);
	g_free(uri);
	return rc;
}

/*
 * Sends the form's message: the form again, emptied, saying it was sent
 * (200), or with the message kept and why it was not: the printer offline
 * (409), the relay down (503: the printer cannot be reached right now), the
 * renderer refusing it (413, 422); 500 on a database error.
 */
static int send_print(struct ctx *ctx, const struct db_printer *printer, const struct print_form *form)
{
	struct print_submit_result result;
	struct sirius_error err;
	struct db_printer target;
	char *notice;
	int rc;

	if (print_submit(ctx, form->target, &form->request, &result, &err) < 0)
		return reply_server_error(ctx, "sending a print", &err);
	rc = db_printer_by_id(ctx->db, form->target, &target, &err);
	if (rc <= 0)
		return reply_server_error(ctx, "reading the printer printed to", &err);
	switch (result.status) {
	case PRINT_SUBMIT_SENT:
	case PRINT_SUBMIT_QUEUED: {
		struct print_form emptied = *form;

		emptied.request.body = NULL;
		if (result.status == PRINT_SUBMIT_SENT)
			notice = g_strdup_printf("Sent to %s%s%s.", target.name,
						 form->for_button ? ": it prints when its button is pressed" : "",
						 result.truncated ? " (cut at the longest print a printer takes)" : "");
		else
			notice = g_strdup_printf("Queued for %s: it prints when the printer is online%s%s.",
						 target.name, form->for_button ? " and its button is pressed" : "",
						 result.truncated ? " (cut at the longest print a printer takes)" : "");
		rc = print_page(ctx, printer, 200, NULL, notice, &emptied, NULL);
		g_free(notice);
		return rc;
	}
	case PRINT_SUBMIT_OFFLINE:
		notice = g_strdup_printf("%s is offline, so the message was not sent. Try again when it is "
					 "connected.", target.name);
		rc = print_page(ctx, printer, 409, notice, NULL, form, NULL);
		g_free(notice);
		return rc;
	case PRINT_SUBMIT_REFUSED:
		return print_page(ctx, printer, print_form_refused_status(result.render), err.message, NULL, form, NULL);
	case PRINT_SUBMIT_ERROR:
		break;
	}
	return reply_server_error(ctx, "sending a print", &err);
}

/*
 * GET shows the print form for a printer its owner or a friend of the owner
 * may print to (404 for anyone else). POST with action "preview" shows the
 * exact bitmap that would be printed in the page; otherwise it sends the
 * message (see send_print). Bad input: the form again with 400 or 413.
 */
int page_print(struct ctx *ctx)
{
	struct db_printer printer;
	struct print_form form;
	struct sirius_error err;
	char why[REQUEST_WHY_MAX];
	const char *action;
	int status;

	if (!printer_access_check(ctx, PRINTER_ACCESS_FRIEND, &printer, NULL))
		return 0;
	if (ctx->req.method != METHOD_POST)
		return print_page(ctx, &printer, 200, NULL, NULL, NULL, NULL);
	action = input_text(ctx, "action");
	status = print_form_read(ctx, printer.id, &form, why, &err);
	if (status < 0)
		return reply_server_error(ctx, "checking the printer to print to", &err);
	if (status > 0)
		return print_page(ctx, &printer, status, why, NULL, &form, NULL);
	if (action && strcmp(action, "preview") == 0)
		return preview(ctx, &printer, &form);
	return send_print(ctx, &printer, &form);
}
