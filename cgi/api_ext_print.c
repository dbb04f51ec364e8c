/* api_ext_print.c: POST /ext_api/v1/printer/ID/print_html, printing HTML with an API key or a session. */
#include <stdio.h>
#include <string.h>

#include "access.h"
#include "page.h"
#include "print_answer.h"
#include "print_once.h"
#include "print_submit.h"

/*
 * The API key of an "Authorization: Bearer KEY" header into key (NULL when
 * there is no such header). Returns 1 (a key), 0 (no header) or -1 (a header
 * of another scheme or a malformed key).
 */
static int bearer_key(struct ctx *ctx, char key[DB_API_KEY_LEN + 1])
{
	const char *header = env_lookup(ctx->envp, "HTTP_AUTHORIZATION");
	size_t len, i;

	if (!header || !header[0])
		return 0;
	if (g_ascii_strncasecmp(header, "Bearer ", 7) != 0)
		return -1;
	header += 7;
	while (*header == ' ')
		header++;
	len = strlen(header);
	while (len > 0 && header[len - 1] == ' ')
		len--;
	if (len != DB_API_KEY_LEN)
		return -1;
	for (i = 0; i < len; i++)
		if (!g_ascii_islower(header[i]) && !g_ascii_isdigit(header[i]))
			return -1;
	memcpy(key, header, len);
	key[len] = '\0';
	return 1;
}

/* Answers 401 with a reason and the scheme the API takes (RFC 6750). Returns 0. */
static int unauthorized(struct ctx *ctx, const char *reason)
{
	reply_error(ctx, 401, "%s", reason);
	response_header(&ctx->res, "WWW-Authenticate", "Bearer realm=\"sirius\"");
	return 0;
}

/*
 * Who is asking: the owner of the API key given as "Authorization: Bearer
 * KEY" or as ?api_key=KEY (a wrong key is refused even with a session; the
 * two forms, given together, must agree), else the signed-in user. A
 * session is enough without a CSRF token only for a body labelled
 * application/json: a form of another site cannot send that, a script of
 * another site needs a CORS preflight, which this route does not grant, and
 * the session cookie is SameSite=Lax. A body with another label (the route
 * reads it as JSON anyway, for clients of the original API) needs a key.
 * A disabled account's key is refused. Returns 1 with *user filled, or 0
 * after replying 400, 401, 403, 415 or 500.
 */
static int caller(struct ctx *ctx, struct db_user *user)
{
	const char *api_key = input_text(ctx, "api_key");
	char header_key[DB_API_KEY_LEN + 1];
	struct sirius_error err;
	int rc, bearer = bearer_key(ctx, header_key);

	if (bearer < 0)
		return unauthorized(ctx, "The Authorization header must be \"Bearer KEY\" with your API key.");
	if (bearer > 0 && api_key && strcmp(api_key, header_key) != 0) {
		reply_error(ctx, 400, "Give the API key once: the header and ?api_key= differ.");
		return 0;
	}
	if (bearer > 0)
		api_key = header_key;
	if (api_key) {
		rc = db_user_by_api_key(ctx->db, api_key, user, &err);
		if (rc < 0) {
			reply_server_error(ctx, "looking up an API key", &err);
			return 0;
		}
		if (rc == 0)
			return unauthorized(ctx, "This API key is not valid; make a new one on your home page.");
		if (user->disabled) {
			reply_error(ctx, 403, "This API key's account is disabled.");
			return 0;
		}
		return 1;
	}
	if (ctx->session.signed_in && ctx->req.body_kind != BODY_JSON) {
		reply_error(ctx, 415, "Signed in, send the body as application/json; with an API key any label will do.");
		return 0;
	}
	if (ctx->session.signed_in) {
		*user = ctx->session.user;
		return 1;
	}
	return unauthorized(ctx, "Give your API key as \"Authorization: Bearer KEY\" or ?api_key=KEY, or sign in.");
}

/*
 * Prints the JSON body's "message" (HTML) to printer ID with "face"
 * "default" or "noface", and "mode" "print" (the default) or "deliver" (for
 * the button), from the caller's user name. An Idempotency-Key header makes
 * a repeat answer as the first (print_once). Answers JSON: 200 {"status":
 * "sent", "id"}, 202 {"status": "queued", "id"} (it prints when the printer
 * can), 504 {"status": "failed-offline"} (SIRIUS_OFFLINE=refuse); 400 (a
 * missing message or face, a face or mode of another value: the inputs name
 * the field), 401, 403 and 415 (caller), 404 (no such printer, or not one the caller may
 * print to), 409 (the same Idempotency-Key being answered), 413 / 422 (the
 * renderer refused the HTML), 500.
 */
int api_ext_print_html(struct ctx *ctx)
{
	const char *face = input_text(ctx, "face"), *message = input_text(ctx, "message");
	const char *mode = input_text(ctx, "mode");
	struct print_submit_result res;
	struct sirius_error err = { "" };
	struct print_request req;
	struct db_printer printer;
	struct print_once once;
	struct db_user user;
	enum printer_access access;
	char scope[48];
	int rc;

	if (!caller(ctx, &user))
		return 0;
	access = printer_access_of(ctx->db, user.id, input_int(ctx, "id"), &printer, &err);
	if (access == PRINTER_ACCESS_ERROR)
		return reply_server_error(ctx, "looking up a printer", &err);
	if (access == PRINTER_ACCESS_NONE)
		return reply_error(ctx, 404, "You have no printer with this id, and nobody shares one with it with you.");
	if (strcmp(face, "default") != 0 && strcmp(face, "noface") != 0)
		return reply_error(ctx, 400, "The face must be \"default\" or \"noface\".");
	if (mode && strcmp(mode, "print") != 0 && strcmp(mode, "deliver") != 0)
		return reply_error(ctx, 400, "The mode must be \"print\" (print now) or \"deliver\" (print when the "
				   "button is pressed).");
	snprintf(scope, sizeof(scope), "user:%lld", (long long)user.id);
	if (!print_once_begin(ctx, scope, &once))
		return 0;
	memset(&req, 0, sizeof(req));
	req.kind = RENDER_HTML;
	req.body = (const uint8_t *)message;
	req.len = strlen(message);
	req.sender = user.name;
	req.no_face = strcmp(face, "noface") == 0;
	req.for_button = mode && strcmp(mode, "deliver") == 0;
	rc = print_submit(ctx, printer.id, &req, &res, &err);
	print_answer_json(ctx, "printing through the external API", rc, &res, &err);
	print_once_finish(ctx, &once);
	return 0;
}
