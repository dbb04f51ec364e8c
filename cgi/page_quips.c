/* page_quips.c: POST /printer/ID/quips: preview and send the three quips of a printer (owner only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "bitmap_png.h"
#include "db_button.h"
#include "html_escape.h"
#include "page.h"
#include "printer_extras.h"
#include "printer_payload.h"
#include "render.h"
#include "settings_send.h"
#include "web.h"

/* Tallest quip, in rows: a short text in large type. */
#define QUIP_MAX_ROWS 400

/* The quips' form fields, in the order set_quip carries them. */
static const char *const quip_fields[DB_QUIPS] = { "quip_1", "quip_2", "quip_3" };

/*
 * Renders one quip as the printer will print it: centred, in large bold
 * type, with white space above and below. Returns the bitmap, or NULL with a
 * sentence in why.
 */
static struct bitmap *render_quip(const char *text, int n, char why[REQUEST_WHY_MAX])
{
	struct render_limits limits;
	struct render_options options;
	struct render_result result = { .bitmap = NULL };
	struct sirius_error err = { "" };
	GString *html = g_string_new("<div style=\"padding: 24px 0\"><p style=\"text-align: center; font-size: 28px\">"
				     "<b>");

	html_escape_append(html, text, -1);
	g_string_append(html, "</b></p></div>");
	render_limits_default(&limits);
	limits.max_rows = QUIP_MAX_ROWS;
	memset(&options, 0, sizeof(options));
	if (render_message(RENDER_HTML, (const uint8_t *)html->str, html->len, &options, &limits, &result, &err) !=
	    RENDER_OK)
		snprintf(why, REQUEST_WHY_MAX, "Quip %d cannot be drawn: %.160s.", n, err.message);
	else if (result.truncated)
		snprintf(why, REQUEST_WHY_MAX, "Quip %d is too long to print as a quip; make it shorter.", n);
	g_string_free(html, TRUE);
	if (result.bitmap && result.truncated) {
		bitmap_free(result.bitmap);
		return NULL;
	}
	return result.bitmap;
}

/* The quips page with status, an error (may be NULL) and previews of images when not NULL. Returns 0. */
static int quips_page(struct ctx *ctx, const struct db_printer *printer, int status, const char *error,
		      const char *const texts[DB_QUIPS], struct bitmap *const images[DB_QUIPS])
{
	struct sirius_error err;
	cJSON *data = cJSON_CreateObject(), *list;
	int i;

	cJSON_AddNumberToObject(data, "printer_id", (double)printer->id);
	cJSON_AddStringToObject(data, "printer_name", printer->name);
	if (printer_quips_data(ctx, data, printer, texts, &err) < 0) {
		cJSON_Delete(data);
		return reply_server_error(ctx, "reading the printer's quips", &err);
	}
	if (error)
		cJSON_AddStringToObject(data, "error", error);
	if (images) {
		cJSON_AddBoolToObject(data, "has_previews", 1);
		list = cJSON_AddArrayToObject(data, "previews");
		for (i = 0; i < DB_QUIPS; i++) {
			uint8_t *png = NULL;
			size_t len = 0;
			char *uri;

			if (png_write_bitmap(images[i], &png, &len, &err) != 0) {
				cJSON_Delete(data);
				return reply_server_error(ctx, "writing a preview", &err);
			}
			uri = web_png_data_uri(png, len);
			cJSON_AddItemToArray(list, cJSON_CreateString(uri));
			g_free(uri);
			free(png);
		}
	}
	return reply_page(ctx, status, "quips", "Quips", data);
}

/* Queues the three rendered quips with set_quip, remembers them, and answers (see page_quips for the statuses). */
static int send_quips(struct ctx *ctx, const struct db_printer *printer, const char *const texts[DB_QUIPS],
		      struct bitmap *const images[DB_QUIPS])
{
	struct print_job_result result;
	struct sirius_error err;
	int rc;

	rc = settings_send(ctx, printer->id, PRINTER_SET_QUIP, (const struct bitmap *const *)images, DB_QUIPS, &result,
			   &err);
	if (rc < 0 && result.outcome == PRINT_JOB_TOO_DETAILED)
		return quips_page(ctx, printer, 413, "These quips are too large to send; make them shorter.", texts,
				  images);
	if (rc < 0)
		return reply_server_error(ctx, "sending quips", &err);
	if (result.outcome == PRINT_JOB_OFFLINE)
		return quips_page(ctx, printer, 409, "The printer is offline, so the quips were not sent. Send them "
				  "again when the printer is connected.", texts, images);
	if (db_quips_set(ctx->db, printer->id, texts, result.message_id, ctx->now, &err) < 0)
		return reply_server_error(ctx, "storing the printer's quips", &err);
	return reply_printer_redirect(ctx, printer->id, "quips");
}

/*
 * POST /printer/ID/quips (owner only): three short texts (quip_1..quip_3,
 * 1..DB_QUIP_MAX bytes each), each rendered as the printer prints a quip.
 * With action "preview" the page shows the three images (200); otherwise
 * they are sent with set_quip through the outbox (now, or when the printer
 * is next online) and the browser goes back to the printer page (303).
 * Errors are shown on the page with the texts kept: 400 a missing or too
 * long quip, 413 too large to send, 422 a quip that cannot be drawn, 409 the
 * printer offline with SIRIUS_OFFLINE=refuse; 404 for anyone but the owner,
 * 500 on a server fault.
 */
int page_quips(struct ctx *ctx)
{
	struct db_printer printer;
	struct bitmap *images[DB_QUIPS] = { NULL };
	const char *texts[DB_QUIPS];
	const char *action = input_text(ctx, "action");
	char why[REQUEST_WHY_MAX];
	int i, rc;

	if (!printer_access_check(ctx, PRINTER_ACCESS_OWNER, &printer, NULL))
		return 0;
	for (i = 0; i < DB_QUIPS; i++) {
		texts[i] = input_text(ctx, quip_fields[i]);
		if (!texts[i])
			texts[i] = "";
	}
	if (ctx->input_error[0])
		return quips_page(ctx, &printer, 400, ctx->input_error, texts, NULL);
	for (i = 0; i < DB_QUIPS; i++) {
		images[i] = render_quip(texts[i], i + 1, why);
		if (!images[i]) {
			while (i > 0)
				bitmap_free(images[--i]);
			return quips_page(ctx, &printer, 422, why, texts, NULL);
		}
	}
	if (action && strcmp(action, "preview") == 0)
		rc = quips_page(ctx, &printer, 200, NULL, texts, images);
	else
		rc = send_quips(ctx, &printer, texts, images);
	for (i = 0; i < DB_QUIPS; i++)
		bitmap_free(images[i]);
	return rc;
}
