/* print_body.c: a message from a request body by its Content-Type (device-key API, push API). */
#include "print_body.h"

#include <string.h>

#include <glib.h>

#include "page.h"
#include "print_settings.h"

char *print_body_media_type(const char *content_type)
{
	const char *start = content_type;
	size_t len;

	if (!start)
		return NULL;
	while (*start == ' ' || *start == '\t')
		start++;
	len = strcspn(start, ";");
	while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
		len--;
	return len ? g_ascii_strdown(start, (gssize)len) : NULL;
}

int print_body_json_message(struct ctx *ctx, const cJSON *json, enum render_kind *kind, const char **text)
{
	const cJSON *html = cJSON_GetObjectItemCaseSensitive(json, "html");
	const cJSON *plain = cJSON_GetObjectItemCaseSensitive(json, "text");

	if (!cJSON_IsObject(json)) {
		reply_error(ctx, 400, "The body is not a JSON object.");
		return 0;
	}
	if (cJSON_IsString(html)) {
		*kind = RENDER_HTML;
		*text = html->valuestring;
	} else if (cJSON_IsString(plain)) {
		*kind = RENDER_TEXT;
		*text = plain->valuestring;
	} else {
		reply_error(ctx, 400, "Send the message as the string field \"html\" (HTML) or \"text\" (plain text) "
			    "of the JSON object.");
		return 0;
	}
	if (!**text) {
		reply_error(ctx, 400, "The message is empty.");
		return 0;
	}
	return 1;
}

int print_body_read(struct ctx *ctx, struct print_request *req, cJSON **json)
{
	const struct print_settings *settings = print_settings();
	char why[REQUEST_WHY_MAX];
	char *type;
	int is_json, status;

	*json = NULL;
	type = print_body_media_type(ctx->req.content_type);
	is_json = type && strcmp(type, "application/json") == 0;
	if (!is_json && (!type || render_kind_from_mime(type, &req->kind) != 0)) {
		reply_error(ctx, 415, "Send text/plain, text/html, an image/ type or application/json, not %s.",
			    type ? type : "a body without a Content-Type");
		g_free(type);
		return 0;
	}
	g_free(type);
	status = request_read_body(&ctx->req, ctx->read_body, ctx->read_opaque,
				   !is_json && req->kind == RENDER_IMAGE ? settings->limits.max_image_bytes
									 : settings->limits.max_body_bytes,
				   why);
	if (status) {
		reply_error(ctx, status, "%s", why);
		return 0;
	}
	if (ctx->req.body_len == 0) {
		reply_error(ctx, 400, "The body is empty; send the message in it.");
		return 0;
	}
	if (is_json) {
		const char *text;

		*json = cJSON_ParseWithLength(ctx->req.body, ctx->req.body_len);
		if (!print_body_json_message(ctx, *json, &req->kind, &text)) {
			cJSON_Delete(*json);
			*json = NULL;
			return 0;
		}
		req->body = (const uint8_t *)text;
		req->len = strlen(text);
	} else {
		req->body = (const uint8_t *)ctx->req.body;
		req->len = ctx->req.body_len;
	}
	return 1;
}
