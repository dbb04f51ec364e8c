/* page_admin.c: GET /admin (bridges, devices, counters, a bridge's logs) and POST /admin/personality (administrators only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dither.h"
#include "image_decode.h"
#include "image_scale.h"
#include "page.h"
#include "print_job.h"
#include "printer_payload.h"
#include "web.h"

/* The file fields of the personality form, in the order set_personality carries its images. */
static const char *const personality_fields[] = { "face", "nothing_to_print", "cannot_see_bridge",
						  "cannot_see_internet" };

/* Replaces the number field name of every item of list by the time in words. */
static void times_in_words(cJSON *list, const char *name)
{
	cJSON *item;

	cJSON_ArrayForEach(item, list) {
		cJSON *t = cJSON_GetObjectItemCaseSensitive(item, name);
		char when[WEB_TIME_SIZE];

		if (cJSON_IsNumber(t))
			cJSON_ReplaceItemInObjectCaseSensitive(item, name,
							       cJSON_CreateString(web_time((int64_t)t->valuedouble, when)));
	}
}

/*
 * The admin page with status, an error and a notice (either may be NULL):
 * what the relay knows (or that it cannot be reached right now) and the
 * personality form. Returns 0 after replying.
 */
static int admin_page(struct ctx *ctx, int status, const char *error, const char *notice)
{
	const char *bridge = ctx->req.method == METHOD_GET ? input_text(ctx, "bridge") : NULL;
	struct sirius_error err = { "" };
	cJSON *data = cJSON_CreateObject(), *bridges, *devices, *counters, *list, *c;

	bridges = web_relay_ask(ctx, "bridges", NULL, "bridges", &err);
	devices = bridges ? web_relay_ask(ctx, "devices", NULL, "devices", &err) : NULL;
	counters = devices ? web_relay_ask(ctx, "counters", NULL, "counters", &err) : NULL;
	if (!counters) {
		cgi_log("the relay for /admin: %s", err.message);
		cJSON_AddBoolToObject(data, "relay_down", 1);
		cJSON_Delete(bridges);
		cJSON_Delete(devices);
	} else {
		times_in_words(bridges, "connected_at");
		times_in_words(bridges, "disconnected_at");
		times_in_words(devices, "last_seen");
		cJSON_AddItemToObject(data, "bridges", bridges);
		cJSON_AddItemToObject(data, "devices", devices);
		cJSON_AddBoolToObject(data, "has_bridges", cJSON_GetArraySize(bridges) > 0);
		cJSON_AddBoolToObject(data, "has_devices", cJSON_GetArraySize(devices) > 0);
		list = cJSON_AddArrayToObject(data, "counters");
		cJSON_ArrayForEach(c, counters) {
			cJSON *item = cJSON_CreateObject();

			cJSON_AddStringToObject(item, "name", c->string);
			cJSON_AddItemToObject(item, "value", cJSON_Duplicate(c, 1));
			cJSON_AddItemToArray(list, item);
		}
		cJSON_Delete(counters);
		if (bridge) {
			cJSON *records = web_relay_ask(ctx, "logs", bridge, "records", &err);

			cJSON_AddStringToObject(data, "log_bridge", bridge);
			if (records) {
				times_in_words(records, "received");
				cJSON_AddItemToObject(data, "records", records);
			} else {
				cJSON_AddStringToObject(data, "log_error", err.message);
			}
		}
	}
	if (error)
		cJSON_AddStringToObject(data, "error", error);
	if (notice)
		cJSON_AddStringToObject(data, "notice", notice);
	return reply_page(ctx, status, "admin", "Administration", data);
}

/*
 * Decodes an uploaded image, scales it to the printer's width and dithers it.
 * Returns the bitmap, or NULL with a sentence for the person in why.
 */
static struct bitmap *upload_bitmap(const struct form_field *file, const char *label, char why[REQUEST_WHY_MAX])
{
	struct greymap *grey = NULL, *scaled;
	struct bitmap *bm;
	struct sirius_error err;

	if (image_decode_for_width((const uint8_t *)file->value, file->len, 0, PRINTER_WIDTH, &grey, &err) !=
	    IMAGE_OK) {
		snprintf(why, REQUEST_WHY_MAX, "The %s image cannot be read: %.160s.", label, err.message);
		return NULL;
	}
	scaled = greymap_fit_width(grey, PRINTER_WIDTH, PRINTER_MAX_ROWS);
	greymap_free(grey);
	bm = scaled ? dither_floyd_steinberg(scaled) : NULL;
	greymap_free(scaled);
	if (!bm)
		snprintf(why, REQUEST_WHY_MAX, "The %s image is too large to scale.", label);
	return bm;
}

/* Sends the four uploaded images to the chosen printer with set_personality (see page_admin for statuses). */
static int send_personality(struct ctx *ctx)
{
	struct bitmap *images[G_N_ELEMENTS(personality_fields)] = { NULL };
	struct print_job_result result;
	struct db_printer printer;
	struct sirius_error err;
	char why[REQUEST_WHY_MAX];
	size_t i;
	int rc;

	if (ctx->input_error[0])
		return admin_page(ctx, 400, ctx->input_error, NULL);
	rc = db_printer_by_address(ctx->db, input_text(ctx, "printer"), &printer, &err);
	if (rc < 0)
		return reply_server_error(ctx, "looking a printer up", &err);
	if (rc == 0)
		return admin_page(ctx, 404, "No printer with that address has ever called home.", NULL);
	for (i = 0; i < G_N_ELEMENTS(personality_fields); i++) {
		images[i] = upload_bitmap(input_file(ctx, personality_fields[i]), personality_fields[i], why);
		if (!images[i]) {
			while (i > 0)
				bitmap_free(images[--i]);
			return admin_page(ctx, 422, why, NULL);
		}
	}
	rc = print_job_send(ctx->db, ctx->app->relay_socket, printer.id, PRINTER_SET_PERSONALITY,
			    (const struct bitmap *const *)images, G_N_ELEMENTS(images), ctx->session.user.name, ctx->now,
			    &result, &err);
	for (i = 0; i < G_N_ELEMENTS(images); i++)
		bitmap_free(images[i]);
	if (rc < 0 && result.message_id == 0)
		return reply_server_error(ctx, "sending a personality", &err);
	if (rc < 0) {
		cgi_log("a personality for %s: %s", printer.address, err.message);
		return admin_page(ctx, 503, "The printer cannot be reached right now; the personality was not sent.",
				  NULL);
	}
	if (result.outcome == PRINT_JOB_OFFLINE)
		return admin_page(ctx, 409, "The printer is offline; the personality was not sent.", NULL);
	return admin_page(ctx, 200, NULL, "The personality was sent to the printer.");
}

/*
 * GET /admin: the relay's bridges, devices and counters, and with
 * ?bridge=ADDRESS that bridge's last log records (200; the page says when
 * the relay cannot be reached). POST /admin/personality: sends four uploaded
 * images (each scaled and dithered to the printer's width) to the printer
 * with set_personality: 200 sent; 400 bad input, 404 no such printer, 422 an
 * image that cannot be read, 409 offline, 503 relay down, all on the page;
 * 500 on a database error. Others get 403 before this runs.
 */
int page_admin(struct ctx *ctx)
{
	if (ctx->req.method == METHOD_POST)
		return send_personality(ctx);
	return admin_page(ctx, 200, NULL, NULL);
}
