/* web.c: the helpers of web.h shared by the pages of the web UI. */
#include "web.h"

#include <string.h>
#include <time.h>

#include "page.h"
#include "printer_payload.h"
#include "relay_client.h"
#include "return_code.h"

int reply_body(struct ctx *ctx, int status, const char *content_type, const void *data, size_t len)
{
	struct response *res = &ctx->res;

	response_header_remove(res, "Location");
	g_string_truncate(res->body, 0);
	g_string_append_len(res->body, data, (gssize)len);
	g_free(res->content_type);
	res->content_type = g_strdup(content_type);
	res->status = status;
	res->replied = 1;
	return 0;
}

int reply_printer_redirect(struct ctx *ctx, int64_t printer_id, const char *fragment)
{
	char *path = g_strdup_printf("/printer/%" G_GINT64_FORMAT "%s%s", printer_id, fragment ? "#" : "",
				     fragment ? fragment : "");
	int rc = reply_redirect(ctx, path);

	g_free(path);
	return rc;
}

const char *web_time(int64_t t, char out[WEB_TIME_SIZE])
{
	time_t when = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&when, &tm) || !strftime(out, WEB_TIME_SIZE, "%Y-%m-%d %H:%M UTC", &tm))
		g_strlcpy(out, "never", WEB_TIME_SIZE);
	return out;
}

char *web_png_data_uri(const uint8_t *png, size_t len)
{
	char *b64 = g_base64_encode(png, len);
	char *uri = g_strconcat("data:image/png;base64,", b64, NULL);

	g_free(b64);
	return uri;
}

/* 1 when a message is a delivery the printer holds until its button is pressed. */
static int for_the_button(const struct db_message *m)
{
	return m->command == PRINTER_SET_DELIVERY || m->command == PRINTER_SET_DELIVERY_NO_FACE;
}

char *web_message_state(const struct db_message *m)
{
	char when[WEB_TIME_SIZE];

	switch (m->status) {
	case DB_MESSAGE_QUEUED:
		return g_strdup("queued: it prints when the printer is online");
	case DB_MESSAGE_SENT:
		if (for_the_button(m))
			return g_strdup("sent, waiting for the button");
		return g_strdup_printf("sent, not confirmed (the bridge does not confirm prints)");
	case DB_MESSAGE_DELIVERED:
		if (for_the_button(m))
			return g_strdup_printf("delivered at %s, waiting for the button", web_time(m->delivered, when));
		return g_strdup_printf("delivered at %s", web_time(m->delivered, when));
	case DB_MESSAGE_PRINTED:
		return g_strdup_printf("printed at %s", web_time(m->printed, when));
	case DB_MESSAGE_FAILED:
		if (m->failure == DB_FAILURE_OFFLINE)
			return g_strdup("refused: the printer was offline");
		if (m->failure == DB_FAILURE_RELAY_UNREACHABLE)
			return g_strdup("failed: it never reached the relay");
		if (m->failure == DB_FAILURE_NO_RESPONSE)
			return g_strdup_printf("failed: the bridge never answered (%d attempts)", m->attempts);
		return g_strdup_printf("failed: %s", return_code_description(m->return_code));
	case DB_MESSAGE_EXPIRED:
		return g_strdup_printf("expired at %s: the printer was not online in time", web_time(m->settled, when));
	case DB_MESSAGE_CANCELLED:
		return g_strdup_printf("cancelled at %s", web_time(m->settled, when));
	case DB_MESSAGE_STATUS_COUNT:
		break;
	}
	return g_strdup("unknown");
}

char *web_message_history(const struct db_message *m)
{
	GString *out = g_string_new("");
	char when[WEB_TIME_SIZE];

	g_string_append_printf(out, "queued %s", web_time(m->created, when));
	if (m->sent)
		g_string_append_printf(out, "; sent %s", web_time(m->sent, when));
	if (m->attempts > 1)
		g_string_append_printf(out, " (%d attempts)", m->attempts);
	if (m->delivered)
		g_string_append_printf(out, "; delivered %s", web_time(m->delivered, when));
	if (m->printed)
		g_string_append_printf(out, "; printed %s", web_time(m->printed, when));
	else if (m->settled && m->status != DB_MESSAGE_DELIVERED)
		g_string_append_printf(out, "; %s %s", db_message_status_name(m->status), web_time(m->settled, when));
	return g_string_free(out, FALSE);
}

int web_from_loopback(const struct ctx *ctx)
{
	const char *addr = ctx->req.remote_addr;

	if (!addr)
		return 0;
	return strcmp(addr, "::1") == 0 || g_str_has_prefix(addr, "127.") || g_str_has_prefix(addr, "::ffff:127.");
}

cJSON *web_printer_item(cJSON *list, const struct db_printer *p, const char *owner, int64_t viewer_id)
{
	cJSON *item = cJSON_CreateObject();
	int own = p->owner_id != 0 && p->owner_id == viewer_id;

	cJSON_AddNumberToObject(item, "id", (double)p->id);
	cJSON_AddStringToObject(item, "name", p->name[0] ? p->name : own ? p->address : "A printer");
	/* The xor of a claim code comes from the address: only the owner sees it. */
	if (own)
		cJSON_AddStringToObject(item, "address", p->address);
	if (owner)
		cJSON_AddStringToObject(item, "owner", owner);
	cJSON_AddItemToArray(list, item);
	return item;
}

int web_shared_printers(struct ctx *ctx, cJSON *list, struct sirius_error *err)
{
	struct db_printer *printers = NULL;
	size_t n = 0, i;
	struct db_user owner = { 0 };

	if (db_printers_shared_with(ctx->db, ctx->session.user.id, &printers, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (owner.id != printers[i].owner_id &&
		    db_user_by_id(ctx->db, printers[i].owner_id, &owner, err) < 0) {
			db_free(printers);
			return -1;
		}
		owner.id = printers[i].owner_id;
		web_printer_item(list, &printers[i], owner.name, ctx->session.user.id);
	}
	db_free(printers);
	return 0;
}

cJSON *web_relay_ask(struct ctx *ctx, const char *op, const char *bridge, const char *field, int timeout_ms,
		     struct sirius_error *err)
{
	cJSON *request = cJSON_CreateObject(), *reply = NULL, *value = NULL;
	const char *reason;

	cJSON_AddStringToObject(request, "op", op);
	if (bridge)
		cJSON_AddStringToObject(request, "bridge", bridge);
	if (!ctx->app->relay_socket[0]) {
		error_set(err, "no relay socket");
	} else if (relay_request(ctx->app->relay_socket, request, timeout_ms, &reply, err) == 0) {
		reason = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(reply, "error"));
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
			error_set(err, "%s", reason ? reason : "an error");
		} else if (!field) {
			value = reply;
			reply = NULL;
		} else {
			value = cJSON_DetachItemFromObjectCaseSensitive(reply, field);
			if (!value)
				error_set(err, "no %s in the reply", field);
		}
	}
	cJSON_Delete(request);
	cJSON_Delete(reply);
	return value;
}

int web_printer_status(struct ctx *ctx, cJSON *const *lists, size_t n_lists)
{
	size_t count = 0, n = 0, l;
	char **addresses;
	struct relay_device_status *status;
	struct sirius_error err;
	cJSON *item;
	int rc = -1;

	for (l = 0; l < n_lists; l++)
		count += (size_t)cJSON_GetArraySize(lists[l]);
	if (count == 0)
		return 0;
	addresses = g_new0(char *, count + 1);
	status = g_new0(struct relay_device_status, count);
	for (l = 0; l < n_lists; l++)
		cJSON_ArrayForEach(item, lists[l]) {
			const char *address = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "address"));
			struct db_printer printer;

			/* An item of someone else's printer has no address: it is looked up, not shown. */
			if (!address && db_printer_by_id(ctx->db, (int64_t)cJSON_GetNumberValue(
						 cJSON_GetObjectItemCaseSensitive(item, "id")), &printer, &err) > 0)
				address = printer.address;
			addresses[n++] = g_strdup(address ? address : "0000000000000000");
		}
	if (ctx->app->relay_socket[0])
		rc = relay_status(ctx->app->relay_socket, (const char *const *)addresses, count, status, &err);
	else
		error_set(&err, "no relay socket");
	if (rc < 0)
		cgi_log("printer status from the relay: %s", err.message);
	n = 0;
	for (l = 0; l < n_lists; l++) {
		cJSON_ArrayForEach(item, lists[l]) {
			const struct relay_device_status *st = &status[n++];
			char when[WEB_TIME_SIZE];

			if (rc < 0) {
				cJSON_AddBoolToObject(item, "status_unknown", 1);
				continue;
			}
			cJSON_AddBoolToObject(item, "online", st->online);
			if (st->last_seen > 0)
				cJSON_AddStringToObject(item, "last_seen", web_time((int64_t)st->last_seen, when));
		}
	}
	g_strfreev(addresses);
	g_free(status);
	return rc < 0 ? -1 : 0;
}
