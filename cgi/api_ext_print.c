/* api_ext_print.c: POST /ext_api/v1/printer/ID/print_html, printing HTML with an API key or a session. */
#include <string.h>

#include "page.h"

#include "print_submit.h"

/*
 * Who is asking: the owner of ?api_key= when one is given (a wrong key is
 * refused even with a session), else the signed-in user. A session is
 * enough without a CSRF token because this route takes only a body of type
 * application/json (dispatch answers anything else with 415): a form of
 * another site cannot send that, a script of another site needs a CORS
 * preflight, which this route does not grant, and the session cookie is
 * SameSite=Lax, so a browser does not send it with another site's POST.
 * Returns 1 with *user filled, or 0 after replying 401 or 500.
 */
static int caller(struct ctx *ctx, struct db_user *user)
{
	const char *api_key = input_text(ctx, "api_key");
	struct sirius_error err;
	int rc;

	if (api_key) {
		rc = db_user_by_api_key(ctx->db, api_key, user, &err);
		if (rc < 0) {
			reply_server_error(ctx, "looking up an API key", &err);
			return 0;
		}
		if (rc == 0) {
			reply_error(ctx, 401, "This API key is not valid; make a new one on your home page.");
			return 0;
		}
		return 1;
	}
	if (ctx->session.signed_in) {
		*user = ctx->session.user;
		return 1;
	}
	reply_error(ctx, 401, "Give your API key as ?api_key=KEY, or sign in.");
	return 0;
}

/*
 * Whether user may print to printer: its owner, or a friend of its owner
 * (someone the owner lists). Returns 1, 0, or -1 with a reason in err.
 */
static int may_print(struct ctx *ctx, const struct db_user *user, const struct db_printer *printer,
		     struct sirius_error *err)
{
	if (!printer->owner_id)
		return 0;
	if (printer->owner_id == user->id)
		return 1;
	return db_friend_is(ctx->db, printer->owner_id, user->id, err);
}

/*
 * Prints the JSON body's "message" (HTML) to printer ID with "face"
 * "default" or "noface", from the caller's user name. Answers JSON: 200
 * {"status": "sent"}, 504 {"status": "failed-offline"}, 503
 * {"status": "failed-relay-unreachable"}; 400 (a missing message or face, a
 * face of another value: the inputs name the field), 401 (caller), 404 (no
 * such printer, or not one the caller may print to), 413 / 422 (the renderer
 * refused the HTML), 500.
 */
int api_ext_print_html(struct ctx *ctx)
{
	const char *face = input_text(ctx, "face"), *message = input_text(ctx, "message");
	struct print_submit_result res;
	struct sirius_error err = { "" };
	struct print_request req;
	struct db_printer printer;
	struct db_user user;
	cJSON *data;
	int rc;

	if (!caller(ctx, &user))
		return 0;
	rc = db_printer_by_id(ctx->db, input_int(ctx, "id"), &printer, &err);
	if (rc > 0)
		rc = may_print(ctx, &user, &printer, &err);
	if (rc < 0)
		return reply_server_error(ctx, "looking up a printer", &err);
	if (rc == 0)
		return reply_error(ctx, 404, "You have no printer with this id, and nobody shares one with it with you.");
	if (strcmp(face, "default") != 0 && strcmp(face, "noface") != 0)
		return reply_error(ctx, 400, "The face must be \"default\" or \"noface\".");
	memset(&req, 0, sizeof(req));
	req.kind = RENDER_HTML;
	req.body = (const uint8_t *)message;
	req.len = strlen(message);
	req.sender = user.name;
	req.no_face = strcmp(face, "noface") == 0;
	if (print_submit(ctx, printer.id, &req, &res, &err) < 0)
		return reply_server_error(ctx, "printing through the external API", &err);
	data = cJSON_CreateObject();
	switch (res.status) {
	case PRINT_SUBMIT_SENT:
		cJSON_AddStringToObject(data, "status", "sent");
		return reply_json(ctx, 200, data);
	case PRINT_SUBMIT_OFFLINE:
		cJSON_AddStringToObject(data, "status", "failed-offline");
		return reply_json(ctx, 504, data);
	case PRINT_SUBMIT_RELAY_DOWN:
		cgi_log("printing through the external API: the relay: %s", err.message);
		cJSON_AddStringToObject(data, "status", "failed-relay-unreachable");
		cJSON_AddStringToObject(data, "error", "The server cannot reach its printers right now; try again later.");
		return reply_json(ctx, 503, data);
	case PRINT_SUBMIT_REFUSED:
	case PRINT_SUBMIT_ERROR:
		break;
	}
	cJSON_Delete(data);
	if (res.status == PRINT_SUBMIT_REFUSED && res.render == RENDER_BODY_TOO_LARGE)
		return reply_error(ctx, 413, "The message is too large: %s.", err.message);
	if (res.status == PRINT_SUBMIT_REFUSED)
		return reply_error(ctx, 422, "The message cannot be printed (%s): %s.", render_status_name(res.render),
				   err.message);
	return reply_server_error(ctx, "printing through the external API", &err);
}
