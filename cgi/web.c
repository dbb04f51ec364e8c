/* web.c: the helpers of web.h shared by the pages of the web UI. */
#include "web.h"

#include <string.h>
#include <time.h>

#include "page.h"
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

char *web_message_state(const struct db_message *m)
{
	char when[WEB_TIME_SIZE];

	switch (m->status) {
	case DB_MESSAGE_QUEUED:
		return g_strdup("queued");
	case DB_MESSAGE_SENDING:
		return g_strdup("sending");
	case DB_MESSAGE_DELIVERED:
		return g_strdup_printf("delivered at %s", web_time(m->settled, when));
	case DB_MESSAGE_PRINTED:
		return g_strdup_printf("printed at %s", web_time(m->settled, when));
	case DB_MESSAGE_FAILED:
		if (m->failure == DB_FAILURE_OFFLINE)
			return g_strdup("failed: the printer was offline");
		if (m->failure == DB_FAILURE_RELAY_UNREACHABLE)
			return g_strdup("failed: the printer could not be reached");
		return g_strdup_printf("failed: %s", return_code_description(m->return_code));
	case DB_MESSAGE_TIMED_OUT:
		return g_strdup("timed out: the printer did not answer in time");
	}
	return g_strdup("unknown");
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
