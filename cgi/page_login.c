/* page_login.c: GET and POST /login, signing in with a user name and password. */
#include "page.h"

/* Shows the sign-in form with status and an error message (may be NULL). */
static int login_form(struct ctx *ctx, int status, const char *error)
{
	cJSON *data = cJSON_CreateObject();
	const char *name = ctx->req.method == METHOD_POST ? input_text(ctx, "username") : NULL;
	const char *next = input_text(ctx, "next");

	if (error)
		cJSON_AddStringToObject(data, "error", error);
	cJSON_AddStringToObject(data, "username", name ? name : "");
	cJSON_AddStringToObject(data, "next", next ? next : "");
	return reply_page(ctx, status, "login", "Sign in", data);
}

/*
 * GET shows the form (or sends a signed-in user on). POST checks the name
 * and password and starts a new session: 303 to the page asked for (or
 * home); the form again with 400 (invalid input), 403 (wrong name or
 * password) or 429 (too many failures: Retry-After); 500 on a database error.
 */
int page_login(struct ctx *ctx)
{
	const char *next = input_text(ctx, "next");
	struct sirius_error err;

	if (ctx->req.method != METHOD_POST)
		return ctx->session.signed_in ? reply_redirect(ctx, next ? next : "/") : login_form(ctx, 200, NULL);
	if (ctx->input_error[0])
		return login_form(ctx, 400, ctx->input_error);
	switch (session_login(ctx, input_text(ctx, "username"), input_text(ctx, "password"), &err)) {
	case LOGIN_OK:
		return reply_redirect(ctx, next ? next : "/");
	case LOGIN_WRONG:
		return login_form(ctx, 403, "The user name or the password is wrong.");
	case LOGIN_LIMITED:
		response_header(&ctx->res, "Retry-After", "%d", LOGIN_WINDOW);
		return login_form(ctx, 429, "Too many failed sign-ins for this name or from this address. "
				  "Wait a quarter of an hour, then try again.");
	case LOGIN_ERROR:
		break;
	}
	return reply_server_error(ctx, "signing in", &err);
}
