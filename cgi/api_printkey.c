/* api_printkey.c: GET, POST and OPTIONS /printkey/KEY: the device-key API (a printer's status, printing to it). */
#include <stdio.h>
#include <string.h>

#include "page.h"

#include "device_key_url.h"
#include "http_accept.h"
#include "print_answer.h"
#include "print_body.h"
#include "print_settings.h"
#include "print_submit.h"
#include "relay_client.h"

/* Bytes of a key shown in the default sender ("Key abcd"). */
#define KEY_PREFIX_LEN 4

/* How long a browser may keep a preflight's answer, in seconds. */
#define PREFLIGHT_MAX_AGE 86400

/* A device key with its printer and the printer's owner. */
struct key_target {
	struct db_device_key key;   /* the key of the path */
	struct db_printer printer;  /* its printer */
	struct db_user owner;       /* the printer's owner */
};

/*
 * Looks up the key of the path, its printer and owner, and counts the
 * request against the key's rate. Returns 1 when the request may go on;
 * otherwise 0 after replying: 404 (no such key, or its printer has no owner
 * any more), 429 with Retry-After (over SIRIUS_KEY_RATE a minute), 500 (the
 * database).
 */
static int key_load(struct ctx *ctx, struct key_target *t)
{
	struct sirius_error err;
	int64_t retry_after;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = db_device_key_find(ctx->db, input_text(ctx, "key"), &t->key, &err);
	if (rc > 0)
		rc = db_printer_by_id(ctx->db, t->key.printer_id, &t->printer, &err);
	if (rc > 0)
		rc = t->printer.owner_id ? db_user_by_id(ctx->db, t->printer.owner_id, &t->owner, &err) : 0;
	if (rc < 0) {
		reply_server_error(ctx, "looking up a device key", &err);
		return 0;
	}
	if (rc == 0) {
		reply_error(ctx, 404, "There is no device key like this; it may have been deleted.");
		return 0;
	}
	rc = db_device_key_rate(ctx->db, t->key.id, print_settings()->key_rate, g_get_real_time() / 1000,
				&retry_after, &err);
	if (rc < 0) {
		reply_server_error(ctx, "counting a device key's requests", &err);
		return 0;
	}
	if (rc == 0) {
		response_header(&ctx->res, "Retry-After", "%lld", (long long)retry_after);
		reply_error(ctx, 429, "This key was used more than %d times in a minute; try again in %lld seconds.",
			    print_settings()->key_rate, (long long)retry_after);
		return 0;
	}
	return 1;
}

/* Whether the printer is online: 1 or 0 ("offline" too when the relay cannot be asked, which is logged). */
static int printer_online(struct ctx *ctx, const struct db_printer *printer)
{
	const char *addresses[1] = { printer->address };
	struct relay_device_status status;
	struct sirius_error err;

	if (relay_status(ctx->app->relay_socket, addresses, 1, &status, &err) < 0) {
		cgi_log("the status of printer %s: %s", printer->address, err.message);
		return 0;
	}
	return status.online;
}

/*
 * GET /printkey/KEY: the printer's name, owner and status, as JSON
 * ({"name", "owner", "status": "online"|"offline"}), or as the page about the
 * key and the API when the Accept header prefers text/html to
 * application/json: 200; 404, 429 or 500 from key_load.
 */
int api_printkey_get(struct ctx *ctx)
{
	const struct print_settings *settings = print_settings();
	struct key_target t;
	const char *status;
	cJSON *data;

	if (!key_load(ctx, &t))
		return 0;
	status = printer_online(ctx, &t.printer) ? "online" : "offline";
	data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "name", t.printer.name);
	cJSON_AddStringToObject(data, "owner", t.owner.name);
	cJSON_AddStringToObject(data, "status", status);
	if (accept_prefers_html(env_lookup(ctx->envp, "HTTP_ACCEPT"))) {
		char *url = device_key_url(ctx, t.key.secret);
		char *sender = g_strdup_printf("Key %.*s", KEY_PREFIX_LEN, t.key.secret);

		cJSON_AddStringToObject(data, "url", url);
		cJSON_AddStringToObject(data, "default_sender", sender);
		cJSON_AddNumberToObject(data, "sender_max", DB_SENDER_MAX);
		cJSON_AddNumberToObject(data, "max_text_bytes", (double)settings->limits.max_body_bytes);
		cJSON_AddNumberToObject(data, "max_image_bytes", (double)settings->limits.max_image_bytes);
		cJSON_AddNumberToObject(data, "key_rate", settings->key_rate);
		g_free(url);
		g_free(sender);
		reply_page(ctx, 200, "printkey", t.printer.name, data);
	} else {
		reply_json(ctx, 200, data);
	}
	response_header(&ctx->res, "Vary", "Accept");
	return 0;
}

/* OPTIONS /printkey/KEY, a browser's CORS preflight: 204 with the methods and headers other sites may use. */
int api_printkey_options(struct ctx *ctx)
{
	/* no reply_* function answers without a body: the response starts empty, so only the status is set */
	ctx->res.status = 204;
	ctx->res.replied = 1;
	response_header(&ctx->res, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
	response_header(&ctx->res, "Access-Control-Allow-Headers", "Content-Type");
	response_header(&ctx->res, "Access-Control-Max-Age", "%d", PREFLIGHT_MAX_AGE);
	return 0;
}

/*
 * POST /printkey/KEY?from=NAME: prints the body by its Content-Type (text/html
 * as HTML, image/ * as a picture, other text/ * as plain text, application/json
 * with "html" or "text") from NAME, or "Key " and the key's first four
 * characters without one. Answers as print_answer_json (the key's use
 * recorded when sent); 400 (an empty or malformed body), 404 and 429
 * (key_load), 413 (over the limit of the body's kind, checked on
 * Content-Length before reading), 415 (another type).
 */
int api_printkey_post(struct ctx *ctx)
{
	struct print_request req = { RENDER_TEXT, NULL, 0, NULL, 0 };
	struct print_submit_result res;
	struct sirius_error err = { "" }, use_err;
	char sender[DB_SENDER_MAX + 1];
	struct key_target t;
	cJSON *json = NULL;
	int rc;

	if (!key_load(ctx, &t))
		return 0;
	if (!print_body_read(ctx, &req, &json))
		return 0;
	if (input_text(ctx, "from"))
		g_strlcpy(sender, input_text(ctx, "from"), sizeof(sender));
	else
		snprintf(sender, sizeof(sender), "Key %.*s", KEY_PREFIX_LEN, t.key.secret);
	req.sender = sender;
	rc = print_submit(ctx, t.printer.id, &req, &res, &err);
	cJSON_Delete(json);
	if (rc == 0 && res.status == PRINT_SUBMIT_SENT && db_device_key_used(ctx->db, t.key.id, sender, &use_err) < 0)
		cgi_log("recording a use of device key %lld: %s", (long long)t.key.id, use_err.message);
	return print_answer_json(ctx, "printing with a device key", rc, &res, &err);
}
