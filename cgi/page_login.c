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
 * password, or a disabled account) or 429 (too many failures from this
 * address, or the account is locked: Retry-After; see session_login); 500
 * on a database error.
 */
int page_login(struct ctx *ctx)
{
	const char *next = input_text(ctx, "next");
	struct sirius_error err;
	int64_t retry_after = LOGIN_WINDOW, minutes;
	char *message;
	int rc;

	if (ctx->req.method != METHOD_POST)
		return ctx->session.signed_in ? reply_redirect(ctx, next ? next : "/") : login_form(ctx, 200, NULL);
	if (ctx->input_error[0])
		return login_form(ctx, 400, ctx->input_error);
	switch (session_login(ctx, input_text(ctx, "username"), input_text(ctx, "password"), &retry_after, &err)) {
	case LOGIN_OK:
		return reply_redirect(ctx, next ? next : "/");
	case LOGIN_WRONG:
		return login_form(ctx, 403, "The user name or the password is wrong.");
	case LOGIN_LIMITED:
		response_header(&ctx->res, "Retry-After", "%lld", (long long)retry_after);
		return login_form(ctx, 429, "Too many failed sign-ins for this name or from this address. "
				  "Wait a quarter of an hour, then try again.");
	case LOGIN_LOCKED:
		response_header(&ctx->res, "Retry-After", "%lld", (long long)retry_after);
		minutes = (retry_after + 59) / 60;
		message = g_strdup_printf("This account is locked for %lld more minute%s: there were too many failed "
					  "sign-ins for it from several addresses. Its owner can still sign in from "
					  "where they last did; the owner is told how many failed at the next sign-in.",
					  (long long)minutes, minutes == 1 ? "" : "s");
		rc = login_form(ctx, 429, message);
		g_free(message);
		return rc;
	case LOGIN_DISABLED:
		return login_form(ctx, 403, "This account is disabled. Ask the server's administrator.");
	case LOGIN_ERROR:
		break;
	}
	return reply_server_error(ctx, "signing in", &err);
}
