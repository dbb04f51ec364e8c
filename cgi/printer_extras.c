/* printer_extras.c: what the printer page shows its owner of the button, the personality and the quips. */
#include "printer_extras.h"

#include <string.h>

#include <glib.h>

#include "context.h"
#include "face_images.h"
#include "message_print.h"
#include "printer_payload.h"
#include "web.h"

/* Where message_id is, in words ("delivered at ..."), or "" when it is no longer stored. Returns 0 or -1. */
static int message_state(struct ctx *ctx, uint32_t message_id, cJSON *item, struct sirius_error *err)
{
	struct db_message message;
	int rc = message_id ? db_message_get(ctx->db, message_id, &message, err) : 0;
	char *state;

	if (rc < 0)
		return -1;
	if (rc == 0) {
		cJSON_AddStringToObject(item, "state", "");
		return 0;
	}
	state = web_message_state(&message);
	cJSON_AddStringToObject(item, "state", state);
	g_free(state);
	db_message_clear(&message);
	return 0;
}

/* A press in words, for the printer page. Returns a new string (g_free it). */
static char *press_in_words(const struct db_button_press *press)
{
	switch (press->print_type) {
	case DB_PRESS_NOTHING:
		return g_strdup("Button pressed, nothing waiting");
	case DB_PRESS_QUIP:
		return g_strdup("Printed a quip");
	case DB_PRESS_DELIVERY:
		if (press->message_id)
			return g_strdup_printf("Printed message %u from %s", press->message_id, press->sender);
		return g_strdup_printf("Printed delivery %u (no longer in the history)", press->print_id);
	default:
		return g_strdup_printf("Reported print type 0x%02x, print id %u", (unsigned)press->print_type & 0xffu,
				       press->print_id);
	}
}

int printer_button_data(struct ctx *ctx, cJSON *data, const struct db_printer *printer, struct sirius_error *err)
{
	struct db_button_press *presses = NULL;
	uint32_t *ids = NULL;
	size_t n = 0, i;
	cJSON *list;

	if (db_button_presses(ctx->db, printer->id, PRINTER_PRESSES_SHOWN, &presses, &n, err) < 0)
		return -1;
	list = cJSON_AddArrayToObject(data, "presses");
	for (i = 0; i < n; i++) {
		cJSON *item = cJSON_CreateObject();
		char when[WEB_TIME_SIZE], *what = press_in_words(&presses[i]);

		cJSON_AddStringToObject(item, "what", what);
		cJSON_AddStringToObject(item, "time", web_time(presses[i].time, when));
		cJSON_AddItemToArray(list, item);
		g_free(what);
	}
	cJSON_AddBoolToObject(data, "has_presses", n > 0);
	db_free(presses);

	if (db_button_waiting(ctx->db, printer->id, PRINTER_WAITING_SHOWN, &ids, &n, err) < 0)
		return -1;
	list = cJSON_AddArrayToObject(data, "waiting");
	for (i = 0; i < n; i++) {
		struct db_message message;
		char when[WEB_TIME_SIZE], *state;
		cJSON *item;
		int rc = db_message_get(ctx->db, ids[i], &message, err);

		if (rc < 0) {
			db_free(ids);
			return -1;
		}
		if (rc == 0)
			continue;
		item = cJSON_CreateObject();
		cJSON_AddNumberToObject(item, "id", (double)message.id);
		cJSON_AddStringToObject(item, "sender", message.sender);
		cJSON_AddStringToObject(item, "created", web_time(message.created, when));
		state = web_message_state(&message);
		cJSON_AddStringToObject(item, "state", state);
		g_free(state);
		cJSON_AddBoolToObject(item, "has_image", message_has_print(&message));
		cJSON_AddItemToArray(list, item);
		db_message_clear(&message);
	}
	cJSON_AddBoolToObject(data, "has_waiting", cJSON_GetArraySize(list) > 0);
	db_free(ids);
	return 0;
}

int printer_button_history_state(struct ctx *ctx, const struct db_message *message, char **state,
				 struct sirius_error *err)
{
	char when[WEB_TIME_SIZE];
	uint32_t reprint_id;
	int64_t time;
	int rc;

	if ((message->command != PRINTER_SET_DELIVERY && message->command != PRINTER_SET_DELIVERY_NO_FACE) ||
	    (message->status != DB_MESSAGE_SENT && message->status != DB_MESSAGE_DELIVERED))
		return 0;
	rc = db_button_settled(ctx->db, message->id, &reprint_id, &time, err);
	if (rc <= 0)
		return rc;
	g_free(*state);
	if (reprint_id)
		*state = g_strdup_printf("printed now as message %u at %s (the printer may still hold it for the "
					 "button)", reprint_id, web_time(time, when));
	else
		*state = g_strdup_printf("cancelled at %s (the printer may still hold it for the button)",
					 web_time(time, when));
	return 0;
}

/* Adds the URLs of a shipped set's four images to item as "images" ({"src", "label"} each). */
static void add_set_images(cJSON *item, const char *name)
{
	cJSON *images = cJSON_AddArrayToObject(item, "images");
	int i;

	for (i = 0; i < FACE_IMAGES; i++) {
		cJSON *image = cJSON_CreateObject();
		char *src = g_strdup_printf("/static/faces/%s/%s", name, face_image_files[i]);

		cJSON_AddStringToObject(image, "src", src);
		cJSON_AddStringToObject(image, "label", face_image_labels[i]);
		cJSON_AddItemToArray(images, image);
		g_free(src);
	}
}

int printer_personality_data(struct ctx *ctx, cJSON *data, const struct db_printer *printer, const char *chosen,
			     struct sirius_error *err)
{
	char **sets = face_sets(ctx->app->www_dir);
	struct db_personality current;
	cJSON *list = cJSON_AddArrayToObject(data, "faces");
	char when[WEB_TIME_SIZE];
	int i, rc;

	for (i = 0; sets[i]; i++) {
		cJSON *item = cJSON_CreateObject();
		char *thumb;

		cJSON_AddStringToObject(item, "name", sets[i]);
		cJSON_AddBoolToObject(item, "checked", chosen && strcmp(chosen, sets[i]) == 0);
		thumb = g_strdup_printf("/static/faces/%s/%s", sets[i], face_image_files[0]);
		cJSON_AddStringToObject(item, "thumb", thumb);
		g_free(thumb);
		add_set_images(item, sets[i]);
		cJSON_AddItemToArray(list, item);
	}
	g_strfreev(sets);
	cJSON_AddBoolToObject(data, "upload_checked", chosen && strcmp(chosen, "upload") == 0);
	rc = db_personality_get(ctx->db, printer->id, &current, err);
	if (rc <= 0)
		return rc;
	{
		cJSON *item = cJSON_AddObjectToObject(data, "personality");

		if (current.face[0]) {
			cJSON_AddStringToObject(item, "name", current.face);
			add_set_images(item, current.face);
		} else {
			cJSON *images = cJSON_AddArrayToObject(item, "images");

			cJSON_AddStringToObject(item, "name", "your own images");
			for (i = 0; i < FACE_IMAGES; i++) {
				cJSON *image = cJSON_CreateObject();
				char *uri = web_png_data_uri(current.png[i], current.png_len[i]);

				cJSON_AddStringToObject(image, "src", uri);
				cJSON_AddStringToObject(image, "label", face_image_labels[i]);
				cJSON_AddItemToArray(images, image);
				g_free(uri);
			}
		}
		cJSON_AddStringToObject(item, "sent", web_time(current.created, when));
		rc = message_state(ctx, current.message_id, item, err);
	}
	db_personality_clear(&current);
	return rc;
}

int printer_quips_data(struct ctx *ctx, cJSON *data, const struct db_printer *printer,
		       const char *const *texts, struct sirius_error *err)
{
	static const char *const names[DB_QUIPS] = { "quip_1", "quip_2", "quip_3" };
	static const char *const labels[DB_QUIPS] = { "First quip", "Second quip", "Third quip" };
	struct db_quips current;
	cJSON *list = cJSON_AddArrayToObject(data, "quips");
	char when[WEB_TIME_SIZE];
	int i, rc = db_quips_get(ctx->db, printer->id, &current, err);

	if (rc < 0)
		return -1;
	for (i = 0; i < DB_QUIPS; i++) {
		cJSON *item = cJSON_CreateObject();
		const char *value = texts ? texts[i] : rc == 1 ? current.text[i] : NULL;

		cJSON_AddStringToObject(item, "name", names[i]);
		cJSON_AddStringToObject(item, "label", labels[i]);
		cJSON_AddStringToObject(item, "value", value ? value : "");
		cJSON_AddNumberToObject(item, "max", DB_QUIP_MAX);
		cJSON_AddItemToArray(list, item);
	}
	if (rc == 1) {
		cJSON *item = cJSON_AddObjectToObject(data, "quips_sent");

		cJSON_AddStringToObject(item, "sent", web_time(current.created, when));
		if (message_state(ctx, current.message_id, item, err) < 0)
			return -1;
	}
	return 0;
}
