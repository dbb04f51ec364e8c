/* page_printer.c: GET /printer/ID (status, print form; for the owner keys, messages, actions) and POST /printer/ID/rename. */
#include "access.h"
#include "device_key_url.h"
#include "message_print.h"
#include "page.h"
#include "print_form.h"
#include "print_submit.h"
#include "printer_extras.h"
#include "printer_payload.h"
#include "subscription_web.h"
#include "web.h"

/* Adds the printer's device keys with their URLs, uses and senders to data. Returns 0 or -1. */
static int add_keys(struct ctx *ctx, cJSON *data, const struct db_printer *printer, struct sirius_error *err)
{
	struct db_device_key *keys = NULL;
	size_t n = 0, i, j;
	cJSON *list = cJSON_AddArrayToObject(data, "keys");

	if (db_device_keys_of_printer(ctx->db, printer->id, &keys, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		cJSON *item = cJSON_CreateObject(), *senders;
		char when[WEB_TIME_SIZE], **names = NULL, *url;
		size_t n_names = 0;

		if (db_device_key_senders(ctx->db, keys[i].id, &names, &n_names, err) < 0) {
			cJSON_Delete(item);
			db_free(keys);
			return -1;
		}
		cJSON_AddNumberToObject(item, "id", (double)keys[i].id);
		url = device_key_url(ctx, keys[i].secret);
		cJSON_AddStringToObject(item, "url", url);
		g_free(url);
		cJSON_AddStringToObject(item, "created", web_time(keys[i].created, when));
		cJSON_AddNumberToObject(item, "uses", (double)keys[i].uses);
		senders = cJSON_AddArrayToObject(item, "senders");
		for (j = 0; j < n_names; j++)
			cJSON_AddItemToArray(senders, cJSON_CreateString(names[j]));
		db_strings_free(names, n_names);
		cJSON_AddItemToArray(list, item);
	}
	cJSON_AddBoolToObject(data, "has_keys", n > 0);
	db_free(keys);
	return 0;
}

/* Messages shown on a printer's page, newest first. */
#define PRINTER_PAGE_MESSAGES 50

/*
 * Adds the printer's newest PRINTER_PAGE_MESSAGES messages (sender, time,
 * state in words, every step with its time, whether it can be cancelled) to
 * data. Returns 0 or -1.
 */
static int add_messages(struct ctx *ctx, cJSON *data, const struct db_printer *printer, struct sirius_error *err)
{
	struct db_message *messages = NULL;
	size_t n = 0, i;
	cJSON *list = cJSON_AddArrayToObject(data, "messages");

	if (db_messages_of_printer(ctx->db, printer->id, PRINTER_PAGE_MESSAGES, &messages, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		cJSON *item = cJSON_CreateObject();
		char when[WEB_TIME_SIZE], *state = web_message_state(&messages[i]);
		char *history = web_message_history(&messages[i]);

		if (printer_button_history_state(ctx, &messages[i], &state, err) < 0) {
			g_free(state);
			g_free(history);
			cJSON_Delete(item);
			db_messages_free(messages, n);
			return -1;
		}
		cJSON_AddNumberToObject(item, "id", (double)messages[i].id);
		cJSON_AddStringToObject(item, "sender", messages[i].sender);
		cJSON_AddStringToObject(item, "created", web_time(messages[i].created, when));
		cJSON_AddStringToObject(item, "state", state);
		cJSON_AddStringToObject(item, "status", db_message_status_name(messages[i].status));
		cJSON_AddStringToObject(item, "history", history);
		cJSON_AddBoolToObject(item, "queued", messages[i].status == DB_MESSAGE_QUEUED);
		cJSON_AddBoolToObject(item, "has_image", message_has_print(&messages[i]));
		/* a personality or quips is not a print: "Print again" would print its images as one */
		cJSON_AddBoolToObject(item, "reprintable", messages[i].command == PRINTER_SET_DELIVERY_AND_PRINT ||
				      messages[i].command == PRINTER_SET_DELIVERY_AND_PRINT_NO_FACE ||
				      messages[i].command == PRINTER_SET_DELIVERY ||
				      messages[i].command == PRINTER_SET_DELIVERY_NO_FACE);
		g_free(state);
		g_free(history);
		cJSON_AddItemToArray(list, item);
	}
	cJSON_AddBoolToObject(data, "has_messages", n > 0);
	db_messages_free(messages, n);
	return 0;
}

/* Adds the bridge the printer is bound to (address, IP, first seen) and a move waiting for the owner. Returns 0 or -1. */
static int add_bridge(struct ctx *ctx, cJSON *data, const struct db_printer *printer, struct sirius_error *err)
{
	struct db_printer_bridge b;
	char when[WEB_TIME_SIZE];
	cJSON *item;
	int rc = db_printer_bridge(ctx->db, printer->id, &b, err);

	if (rc < 0)
		return -1;
	item = cJSON_AddObjectToObject(data, "bridge");
	if (b.bridge[0]) {
		cJSON_AddStringToObject(item, "address", b.bridge);
		cJSON_AddStringToObject(item, "ip", b.ip);
		cJSON_AddStringToObject(item, "first_seen", web_time(b.first_seen, when));
	}
	if (b.moving_to[0])
		cJSON_AddStringToObject(item, "moving_to", b.moving_to);
	return 0;
}

/*
 * The printer's page with status and an error (may be NULL). Everyone who
 * may print to it (owner, friend) sees its name, whether it is online and
 * when it was last seen (or that it cannot be reached right now), its owner
 * and the print form; the owner also sees the rename form, device keys, the
 * recent messages, the button's presses and waiting deliveries, the
 * personality and quips forms, and the forget action. Returns 0 after replying.
 */
static int printer_page(struct ctx *ctx, const struct db_printer *printer, enum printer_access access, int status,
			const char *error)
{
	struct db_user owner;
	struct sirius_error err;
	cJSON *data, *lists[1], *item;
	int rc;

	rc = db_user_by_id(ctx->db, printer->owner_id, &owner, &err);
	if (rc <= 0)
		return reply_server_error(ctx, "reading the printer's owner", &err);
	data = cJSON_CreateObject();
	lists[0] = cJSON_CreateArray();
	item = web_printer_item(lists[0], printer, owner.name, ctx->session.user.id);
	web_printer_status(ctx, lists, 1);
	cJSON_AddItemToObject(data, "printer", cJSON_Duplicate(item, 1));
	cJSON_Delete(lists[0]);
	cJSON_AddBoolToObject(data, "is_owner", access == PRINTER_ACCESS_OWNER);
	if (print_form_data(ctx, data, printer->id, NULL, &err) < 0 ||
	    (access == PRINTER_ACCESS_OWNER &&
	     (add_keys(ctx, data, printer, &err) < 0 || add_messages(ctx, data, printer, &err) < 0 ||
	      printer_button_data(ctx, data, printer, &err) < 0 ||
	      printer_personality_data(ctx, data, printer, NULL, &err) < 0 ||
	      printer_quips_data(ctx, data, printer, NULL, &err) < 0 ||
	      subscription_web_list(ctx, data, printer->id, &err) < 0))) {
		cJSON_Delete(data);
		return reply_server_error(ctx, "reading the printer", &err);
	}
	if (access == PRINTER_ACCESS_OWNER && add_bridge(ctx, data, printer, &err) < 0) {
		cJSON_Delete(data);
		return reply_server_error(ctx, "reading the printer's bridge", &err);
	}
	if (error)
		cJSON_AddStringToObject(data, "error", error);
	return reply_page(ctx, status, "printer", printer->name, data);
}

/*
 * GET /printer/ID: the printer's page (200) for its owner and the owner's
 * friends. POST /printer/ID/rename (owner only): renames it to printer_name,
 * 303 back to the page; the page again with the reason for a bad name (400).
 * Anyone else gets 404; a database error 500.
 */
int page_printer(struct ctx *ctx)
{
	struct db_printer printer;
	enum printer_access access;
	struct sirius_error err;
	int rc;

	if (!printer_access_check(ctx, ctx->req.method == METHOD_POST ? PRINTER_ACCESS_OWNER : PRINTER_ACCESS_FRIEND,
				  &printer, &access))
		return 0;
	if (ctx->req.method != METHOD_POST)
		return printer_page(ctx, &printer, access, 200, NULL);
	if (ctx->input_error[0])
		return printer_page(ctx, &printer, access, 400, ctx->input_error);
	if (!db_printer_name_valid(input_text(ctx, "printer_name")))
		return printer_page(ctx, &printer, access, 400, "Give the printer a name of 1 to 64 characters.");
	rc = db_printer_rename(ctx->db, printer.id, ctx->session.user.id, input_text(ctx, "printer_name"), &err);
	if (rc < 0)
		return reply_server_error(ctx, "renaming a printer", &err);
	return reply_printer_redirect(ctx, printer.id, NULL);
}
