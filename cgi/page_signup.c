/* page_signup.c: GET and POST /signup, making an account (the first one is an administrator). */
#include "page.h"

/* Shows the sign-up form with status and an error message (may be NULL), the name filled in when it was valid. */
static int signup_form(struct ctx *ctx, int status, const char *error)
{
	cJSON *data = cJSON_CreateObject();
	const char *name = ctx->req.method == METHOD_POST ? input_text(ctx, "username") : NULL;

	if (error)
		cJSON_AddStringToObject(data, "error", error);
	cJSON_AddStringToObject(data, "username", name ? name : "");
	return reply_page(ctx, status, "signup", "Sign up", data);
}

/*
 * GET shows the form (or sends a signed-in user home). POST makes the
 * account (an administrator when it is the first) and signs it in: 303
 * home; the form again with 400 (invalid name or password), 409 (name
 * taken) or 429 (too many sign-ups from the address in the last hour, each
 * costing a slow password hash: Retry-After); 500 on a database error.
 */
int page_signup(struct ctx *ctx)
{
	struct attempt_limit limit = { "signup-address", ctx->req.remote_addr, SIGNUP_MAX_PER_ADDRESS };
	struct sirius_error err;
	struct db_user user;
	int64_t retry_after = 0;
	int rc;

	if (ctx->req.method != METHOD_POST)
		return ctx->session.signed_in ? reply_redirect(ctx, "/") : signup_form(ctx, 200, NULL);
	if (ctx->input_error[0])
		return signup_form(ctx, 400, ctx->input_error);
	rc = attempts_allowed(ctx, &limit, 1, &retry_after, &err);
	if (rc < 0)
		return reply_server_error(ctx, "counting sign-ups", &err);
	if (rc == 0) {
		response_header(&ctx->res, "Retry-After", "%lld", (long long)retry_after);
		return signup_form(ctx, 429, "Too many accounts were made from this address in the last hour. "
				   "Wait a while, then try again.");
	}
	rc = db_user_signup(ctx->db, input_text(ctx, "username"), input_text(ctx, "password"), ctx->now, NULL,
			    NULL, &err);
	if (rc < 0)
		return reply_server_error(ctx, "making an account", &err);
	if (rc == 0) {
		char *message = g_strdup_printf("The name %s is taken; choose another.", input_text(ctx, "username"));

		rc = signup_form(ctx, 409, message);
		g_free(message);
		return rc;
	}
	rc = db_user_by_name(ctx->db, input_text(ctx, "username"), &user, &err);
	if (rc <= 0)
		return reply_server_error(ctx, "reading the new account", &err);
	/* a good sign-in: its address is the one the per-account login lock never applies to (session_login) */
	if (db_user_signed_in(ctx->db, user.id, ctx->req.remote_addr ? ctx->req.remote_addr : "", NULL, &err) < 0 ||
	    session_start(ctx, &user, &err) < 0)
		return reply_server_error(ctx, "signing in", &err);
	return reply_redirect(ctx, "/");
}
