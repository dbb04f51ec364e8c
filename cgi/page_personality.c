/* page_personality.c: POST /printer/ID/personality: preview and send a personality, shipped or uploaded (owner only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "bitmap_png.h"
#include "db_button.h"
#include "face_images.h"
#include "page.h"
#include "printer_extras.h"
#include "printer_payload.h"
#include "settings_send.h"
#include "web.h"

/* The four images of a personality being previewed or sent. */
struct personality {
	const char *face;                  /* the shipped set's name, or NULL for uploaded images */
	struct bitmap *images[FACE_IMAGES]; /* in command order (owned) */
};

static void personality_clear(struct personality *p)
{
	int i;

	for (i = 0; i < FACE_IMAGES; i++) {
		bitmap_free(p->images[i]);
		p->images[i] = NULL;
	}
}

/*
 * The personality page with status, an error (may be NULL) and, when p is
 * not NULL, the preview of its four images with the form that sends them.
 * Returns 0 after replying.
 */
static int personality_page(struct ctx *ctx, const struct db_printer *printer, int status, const char *error,
			    const struct personality *p)
{
	struct sirius_error err;
	cJSON *data = cJSON_CreateObject();
	const char *chosen = p ? (p->face ? p->face : "upload") : input_text(ctx, "face");
	int i;

	cJSON_AddNumberToObject(data, "printer_id", (double)printer->id);
	cJSON_AddStringToObject(data, "printer_name", printer->name);
	if (printer_personality_data(ctx, data, printer, chosen, &err) < 0) {
		cJSON_Delete(data);
		return reply_server_error(ctx, "reading the printer's personality", &err);
	}
	if (error)
		cJSON_AddStringToObject(data, "error", error);
	if (p) {
		cJSON *preview = cJSON_AddObjectToObject(data, "preview");
		cJSON *images = cJSON_AddArrayToObject(preview, "images");

		cJSON_AddStringToObject(preview, "face", p->face ? p->face : "upload");
		for (i = 0; i < FACE_IMAGES; i++) {
			cJSON *image = cJSON_CreateObject();
			uint8_t *png = NULL;
			size_t len = 0;
			char *b64, *uri;

			if (png_write_bitmap(p->images[i], &png, &len, &err) != 0) {
				cJSON_Delete(image);
				cJSON_Delete(data);
				return reply_server_error(ctx, "writing a preview", &err);
			}
			uri = web_png_data_uri(png, len);
			cJSON_AddStringToObject(image, "src", uri);
			cJSON_AddStringToObject(image, "label", face_image_labels[i]);
			if (!p->face) {
				/* handed back by the send form, so that the files need not be chosen again */
				b64 = g_base64_encode(png, len);
				cJSON_AddStringToObject(image, "kept_name", face_kept_fields[i]);
				cJSON_AddStringToObject(image, "kept_value", b64);
				g_free(b64);
			}
			cJSON_AddItemToArray(images, image);
			g_free(uri);
			free(png);
		}
	}
	return reply_page(ctx, status, "personality", "Personality", data);
}

/*
 * Reads the personality the form chose into *p: a shipped set by name, or
 * four images, each an uploaded file or (after a preview) the one-bit PNG
 * handed back. Returns 0, or an HTTP status with a sentence in why.
 */
static int read_personality(struct ctx *ctx, struct personality *p, char why[REQUEST_WHY_MAX])
{
	const char *face = input_text(ctx, "face");
	struct sirius_error err;
	int i, status = 0;

	memset(p, 0, sizeof(*p));
	if (!face) {
		snprintf(why, REQUEST_WHY_MAX, "Choose one of the faces, or upload four images of your own.");
		return 400;
	}
	if (strcmp(face, "upload") != 0) {
		if (!face_set_exists(ctx->app->www_dir, face)) {
			snprintf(why, REQUEST_WHY_MAX, "There is no face called %.64s; choose one of those shown.", face);
			return 400;
		}
		if (face_set_load(ctx->app->www_dir, face, p->images, &err) != 0) {
			cgi_log("the face set %s: %s", face, err.message);
			snprintf(why, REQUEST_WHY_MAX, "The face %.64s cannot be read on the server.", face);
			return 500;
		}
		p->face = face;
		return 0;
	}
	for (i = 0; i < FACE_IMAGES; i++) {
		const struct form_field *file = input_file(ctx, face_image_fields[i]);
		const char *kept = input_text(ctx, face_kept_fields[i]);
		uint8_t *data = NULL;
		gsize len = 0;

		if (file && file->len > 0) {
			p->images[i] = face_image_from_upload((const uint8_t *)file->value, file->len, face_image_labels[i],
							      &status, why);
		} else if (kept && kept[0]) {
			data = g_base64_decode(kept, &len);
			if (len == 0) {
				status = 400;
				snprintf(why, REQUEST_WHY_MAX, "The previewed %s image came back damaged; choose the file "
					 "again.", face_image_labels[i]);
			} else {
				p->images[i] = face_image_from_upload(data, len, face_image_labels[i], &status, why);
			}
			g_free(data);
		} else {
			status = 400;
			snprintf(why, REQUEST_WHY_MAX, "Choose an image for %s: a personality needs all four.",
				 face_image_labels[i]);
		}
		if (!p->images[i]) {
			personality_clear(p);
			return status;
		}
	}
	return 0;
}

/* Stores what was sent as the printer's personality. Returns 0, or -1 with a reason in err. */
static int remember(struct ctx *ctx, const struct db_printer *printer, const struct personality *p,
		    uint32_t message_id, struct sirius_error *err)
{
	uint8_t *png[FACE_IMAGES] = { NULL };
	size_t len[FACE_IMAGES] = { 0 };
	int i, rc = 0;

	if (p->face)
		return db_personality_set(ctx->db, printer->id, p->face, NULL, NULL, message_id, ctx->now, err);
	for (i = 0; i < FACE_IMAGES && rc == 0; i++)
		rc = png_write_bitmap(p->images[i], &png[i], &len[i], err);
	if (rc == 0)
		rc = db_personality_set(ctx->db, printer->id, NULL, (const uint8_t *const *)png, len, message_id,
					ctx->now, err);
	for (i = 0; i < FACE_IMAGES; i++)
		free(png[i]);
	return rc;
}

/* Queues p with set_personality, remembers it, and answers (see page_personality for the statuses). */
static int send_personality(struct ctx *ctx, const struct db_printer *printer, struct personality *p)
{
	struct print_job_result result;
	struct sirius_error err;
	int rc;

	rc = settings_send(ctx, printer->id, PRINTER_SET_PERSONALITY, (const struct bitmap *const *)p->images,
			   FACE_IMAGES, &result, &err);
	if (rc < 0 && result.outcome == PRINT_JOB_TOO_DETAILED)
		return personality_page(ctx, printer, 413, "These images are too detailed to send; try simpler "
					"pictures.", p);
	if (rc < 0)
		return reply_server_error(ctx, "sending a personality", &err);
	if (result.outcome == PRINT_JOB_OFFLINE)
		return personality_page(ctx, printer, 409, "The printer is offline, so the personality was not sent. "
					"Send it again when the printer is connected.", p);
	if (remember(ctx, printer, p, result.message_id, &err) < 0)
		return reply_server_error(ctx, "storing the printer's personality", &err);
	return reply_printer_redirect(ctx, printer->id, "personality");
}

/*
 * POST /printer/ID/personality (owner only): "face" names a shipped set, or
 * is "upload" with four images (files, or the one-bit PNGs a preview handed
 * back). With action "preview" the page shows the four one-bit images the
 * printer would get and a form to send them (200); otherwise they are sent
 * with set_personality through the outbox (now, or when the printer is next
 * online) and the browser goes back to the printer page (303). Errors are
 * shown on the page: 400 a missing choice or image, 413 an image too large
 * or too detailed, 415 not an image format we read, 422 a damaged image, 409
 * the printer offline with SIRIUS_OFFLINE=refuse; 404 for anyone but the
 * owner, 500 on a server fault.
 */
int page_personality(struct ctx *ctx)
{
	struct db_printer printer;
	struct personality p;
	const char *action = input_text(ctx, "action");
	char why[REQUEST_WHY_MAX];
	int status, rc;

	if (!printer_access_check(ctx, PRINTER_ACCESS_OWNER, &printer, NULL))
		return 0;
	if (ctx->input_error[0])
		return personality_page(ctx, &printer, 400, ctx->input_error, NULL);
	status = read_personality(ctx, &p, why);
	if (status == 500)
		return reply_error(ctx, 500, "%s", why);
	if (status != 0)
		return personality_page(ctx, &printer, status, why, NULL);
	if (action && strcmp(action, "preview") == 0)
		rc = personality_page(ctx, &printer, 200, NULL, &p);
	else
		rc = send_personality(ctx, &printer, &p);
	personality_clear(&p);
	return rc;
}
