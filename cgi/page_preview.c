/* page_preview.c: POST /printer/ID/preview, the exact bitmap a print form's message would print, as a PNG. */
#include <stdlib.h>

#include "access.h"
#include "page.h"
#include "print_form.h"
#include "web.h"

/*
 * Renders the print form's message exactly as print_submit would print it
 * now and answers the bitmap as image/png (200), with the images that could
 * not be loaded in X-Render-Warnings (a JSON array of sentences,
 * percent-encoded as encodeURIComponent does) when there are any. For a printer the user may
 * not print to, 404; bad input 400, a message over the limits 413, one the
 * renderer refuses 422 (errors as {"error": ...}); 500 on a server fault.
 */
int page_preview(struct ctx *ctx)
{
	struct db_printer printer;
	struct print_form form;
	struct sirius_error err;
	char why[REQUEST_WHY_MAX];
	cJSON *warnings = NULL;
	uint8_t *png;
	size_t len;
	int status;

	if (!printer_access_check(ctx, PRINTER_ACCESS_FRIEND, &printer, NULL))
		return 0;
	status = print_form_read(ctx, printer.id, &form, why, &err);
	if (status < 0)
		return reply_server_error(ctx, "checking the printer to print to", &err);
	if (status > 0)
		return reply_error(ctx, status, "%s", why);
	status = print_form_preview(ctx, &form, &png, &len, &warnings, &err);
	if (status > 0)
		return reply_error(ctx, status, "%s", err.message);
	if (status < 0)
		return reply_server_error(ctx, "writing a preview", &err);
	if (warnings) {
		char *json = cJSON_PrintUnformatted(warnings), *escaped = g_uri_escape_string(json, NULL, FALSE);

		response_header(&ctx->res, "X-Render-Warnings", "%s", escaped);
		g_free(escaped);
		cJSON_free(json);
		cJSON_Delete(warnings);
	}
	reply_body(ctx, 200, "image/png", png, len);
	free(png);
	return 0;
}
