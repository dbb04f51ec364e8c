/* api_printkey.c: GET, POST and OPTIONS /printkey/KEY: the device-key API (a printer's status, printing to it). */
#include <stdio.h>
#include <string.h>

#include "page.h"

#include "device_key_url.h"
#include "http_accept.h"
#include "print_answer.h"
#include "print_body.h"
#include "print_once.h"
#include "print_settings.h"
#include "print_submit.h"
#include "relay_client.h"
#include "web.h"

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
 * request against the key's rate (count 1), or only checks that it fits
 * (count 0: the caller counts it, key_count). Returns 1 when the request may
 * go on; otherwise 0 after replying: 404 (no such key, or its printer has
 * no owner any more), 403 (the owner's account is disabled), 429 with
 * Retry-After (over SIRIUS_KEY_RATE a minute), 500 (the database).
 */
static int key_check(struct ctx *ctx, struct key_target *t, int count)
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
	if (t->owner.disabled) {
		reply_error(ctx, 403, "The account that owns this printer is disabled, so its keys do not work.");
		return 0;
	}
	if (count)
		rc = db_device_key_rate(ctx->db, t->key.id, print_settings()->key_rate, g_get_real_time() / 1000,
					&retry_after, &err);
	else
		rc = db_device_key_rate_check(ctx->db, t->key.id, print_settings()->key_rate,
					      g_get_real_time() / 1000, &retry_after, &err);
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

/*
 * key_check in one transaction, so that its four lookups take the
 * database's locks once. With count 1 (a status, a message's state) the
 * request is counted in it, a write transaction. With count 0 (a print) it
 * is a read transaction: the print counts the request in the transaction
 * that stores the message (a write transaction a print fewer: the write
 * lock is what the API processes wait for), and a request that stores none
 * is counted by key_count.
 */
static int key_load(struct ctx *ctx, struct key_target *t, int count)
{
	struct sirius_error err;
	int ok;

	if ((count ? db_transaction_begin(ctx->db, &err) : db_read_begin(ctx->db, &err)) < 0) {
		reply_server_error(ctx, "looking up a device key", &err);
		return 0;
	}
	ok = key_check(ctx, t, count);
	if (!count) {
		db_read_end(ctx->db);
		return ok;
	}
	if (db_transaction_commit(ctx->db, &err) < 0) {
		if (ok)
			reply_server_error(ctx, "counting a device key's requests", &err);
		return 0;
	}
	return ok;
}

/* Counts a request key_load let through uncounted and that stored no message (it is logged when it cannot be). */
static void key_count(struct ctx *ctx, const struct key_target *t)
{
	struct sirius_error err = { "" };

	if (db_device_key_rate_count(ctx->db, t->key.id, print_settings()->key_rate, g_get_real_time() / 1000, &err) < 0)
		cgi_log("counting a request of device key %lld: %s", (long long)t->key.id, err.message);
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

	if (!key_load(ctx, &t, 1))
		return 0;
	status = printer_online(ctx, &t.printer) ? "online" : "offline";
	data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "name", t.printer.name);
	cJSON_AddStringToObject(data, "owner", t.owner.name);
	cJSON_AddStringToObject(data, "status", status);
	if (accept_prefers_html(env_lookup(ctx->envp, "HTTP_ACCEPT"))) {
		char *url = device_key_url(ctx, t.key.secret), *app_url;
		char *sender = g_strdup_printf("Key %.*s", KEY_PREFIX_LEN, t.key.secret);

		cJSON_AddStringToObject(data, "url", url);
		app_url = device_key_app_url(url);
		if (app_url)
			cJSON_AddStringToObject(data, "app_url", app_url);
		g_free(app_url);
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
	response_header(&ctx->res, "Access-Control-Allow-Headers", "Content-Type, Idempotency-Key");
	response_header(&ctx->res, "Access-Control-Max-Age", "%d", PREFLIGHT_MAX_AGE);
	return 0;
}

/*
 * The delivery mode and face of ?mode= and ?face=: mode "print" (the
 * default) or "deliver" (for the button), face "default" or "none" (also
 * "noface"). Returns 1, or 0 after replying 400.
 */
static int query_mode(struct ctx *ctx, struct print_request *req)
{
	const char *mode = input_text(ctx, "mode"), *face = input_text(ctx, "face");

	if (mode && strcmp(mode, "print") != 0 && strcmp(mode, "deliver") != 0) {
		reply_error(ctx, 400, "The mode must be \"print\" (print now) or \"deliver\" (print when the button is "
			    "pressed).");
		return 0;
	}
	if (face && strcmp(face, "default") != 0 && strcmp(face, "none") != 0 && strcmp(face, "noface") != 0) {
		reply_error(ctx, 400, "The face must be \"default\" or \"none\".");
		return 0;
	}
	req->for_button = mode && strcmp(mode, "deliver") == 0;
	req->no_face = face && strcmp(face, "default") != 0;
	return 1;
}

/*
 * Prints the request of a device key: its repeat answered as the first, the
 * print recorded as a use of the key, the answer as print_answer_json.
 * Returns 0 after replying.
 */
static int print_with_key(struct ctx *ctx, const struct key_target *t, struct print_request *req, int *counted)
{
	struct print_submit_result res;
	struct sirius_error err = { "" };
	char digest[DB_DEDUPE_LEN + 1];
	int64_t since;
	int rc;

	print_once_digest(t->printer.id, req, digest);
	if (!print_once_repeat(ctx, t->key.id, digest, &since))
		return 0;
	req->key_id = t->key.id;
	req->key_rate = print_settings()->key_rate;
	req->dedupe = digest;
	/* looked for again as the message is stored: the first request may have been on its way until then */
	req->dedupe_since = since;
	/* print_submit counts the request and the key's use with the message it stores */
	rc = print_submit(ctx, t->printer.id, req, &res, &err);
	*counted = res.key_counted;
	return print_answer_json(ctx, "printing with a device key", rc, &res, &err);
}

/*
 * POST /printkey/KEY?from=NAME&mode=print|deliver&face=default|none: prints
 * the body by its Content-Type (text/html as HTML, image/ * as a picture,
 * other text/ * as plain text, application/json with "html" or "text") from
 * NAME, or "Key " and the key's first four characters without one. An
 * Idempotency-Key header makes a repeat of the request answer as the first
 * (print_once), and so does the same body again within
 * SIRIUS_DEDUPE_SECONDS. Answers as print_answer_json: 200 sent, 202 queued
 * (the printer is offline or busy: it prints when it can), 504 (refused
 * offline, SIRIUS_OFFLINE=refuse); 400 (an empty or malformed body, a bad
 * mode or face), 404 and 429 (key_load), 409 (the same Idempotency-Key
 * being answered), 413 (over the limit of the body's kind, checked on
 * Content-Length before reading), 415 (another type).
 */
/* api_printkey_post once the key is known: *counted is 1 when a stored message counted the request. */
static void post_with_key(struct ctx *ctx, const struct key_target *t, int *counted)
{
	const struct print_settings *settings = print_settings();
	struct print_request req;
	char why[REQUEST_WHY_MAX], sender[DB_SENDER_MAX + 1], scope[48];
	struct print_once once;
	cJSON *json = NULL;
	char *type;
	int is_json, status;

	memset(&req, 0, sizeof(req));
	req.kind = RENDER_TEXT;
	if (!query_mode(ctx, &req))
		return;
	type = print_body_media_type(ctx->req.content_type);
	is_json = type && strcmp(type, "application/json") == 0;
	if (!is_json && (!type || render_kind_from_mime(type, &req.kind) != 0)) {
		reply_error(ctx, 415, "Send text/plain, text/html, an image/ type or application/json, not %s.",
			    type ? type : "a body without a Content-Type");
		g_free(type);
		return;
	}
	g_free(type);
	snprintf(scope, sizeof(scope), "device-key:%lld", (long long)t->key.id);
	if (!print_once_begin(ctx, scope, &once))
		return;
	status = request_read_body(&ctx->req, ctx->read_body, ctx->read_opaque,
				   !is_json && req.kind == RENDER_IMAGE ? settings->limits.max_image_bytes
									 : settings->limits.max_body_bytes,
				   why);
	if (status) {
		reply_error(ctx, status, "%s", why);
	} else if (ctx->req.body_len == 0) {
		reply_error(ctx, 400, "The body is empty; send the message in it.");
	} else {
		const char *text = NULL;

		if (is_json)
			json = cJSON_ParseWithLength(ctx->req.body, ctx->req.body_len);
		if (!is_json || print_body_json_message(ctx, json, &req.kind, &text)) {
			req.body = is_json ? (const uint8_t *)text : (const uint8_t *)ctx->req.body;
			req.len = is_json ? strlen(text) : ctx->req.body_len;
			if (input_text(ctx, "from"))
				g_strlcpy(sender, input_text(ctx, "from"), sizeof(sender));
			else
				snprintf(sender, sizeof(sender), "Key %.*s", KEY_PREFIX_LEN, t->key.secret);
			req.sender = sender;
			print_with_key(ctx, t, &req, counted);
		}
		cJSON_Delete(json);
	}
	print_once_finish(ctx, &once);
}

int api_printkey_post(struct ctx *ctx)
{
	struct key_target t;
	int counted = 0;

	if (!key_load(ctx, &t, 0))
		return 0;
	post_with_key(ctx, &t, &counted);
	/* every request the key let through counts, printed or not */
	if (!counted)
		key_count(ctx, &t);
	return 0;
}

/*
 * GET /printkey/KEY/messages/ID: where a message made with this key is, so
 * that a client can follow it to paper: 200 {"id", "status", "state" (in
 * words), "created", "sent", "delivered", "printed", "settled" (seconds since
 * 1970, null before), "attempts", "return_code" (null before an answer)};
 * 404 for a message of another key (or none), and as key_load.
 */
int api_printkey_message(struct ctx *ctx)
{
	struct db_message m;
	struct sirius_error err;
	struct key_target t;
	cJSON *data;
	char *state;
	int rc;

	if (!key_load(ctx, &t, 1))
		return 0;
	rc = db_message_get(ctx->db, (uint32_t)input_int(ctx, "mid"), &m, &err);
	if (rc < 0)
		return reply_server_error(ctx, "reading a message", &err);
	if (rc == 0 || m.key_id != t.key.id) {
		db_message_clear(&m);
		return reply_error(ctx, 404, "No message with this id was printed with this key.");
	}
	data = cJSON_CreateObject();
	state = web_message_state(&m);
	cJSON_AddNumberToObject(data, "id", (double)m.id);
	cJSON_AddStringToObject(data, "status", db_message_status_name(m.status));
	cJSON_AddStringToObject(data, "state", state);
#define TIME_FIELD(name) \
	(m.name ? cJSON_AddNumberToObject(data, #name, (double)m.name) : cJSON_AddNullToObject(data, #name))
	TIME_FIELD(created);
	TIME_FIELD(sent);
	TIME_FIELD(delivered);
	TIME_FIELD(printed);
	TIME_FIELD(settled);
#undef TIME_FIELD
	cJSON_AddNumberToObject(data, "attempts", m.attempts);
	if (m.return_code >= 0)
		cJSON_AddNumberToObject(data, "return_code", m.return_code);
	else
		cJSON_AddNullToObject(data, "return_code");
	g_free(state);
	db_message_clear(&m);
	return reply_json(ctx, 200, data);
}
