/* dispatch.c: one request through the fixed checks (method, route, body, database, session, CSRF, inputs) to its handler. */
#include "dispatch.h"

#include <string.h>

#include "inputs.h"

/* Every how many requests a process purges expired sessions, old login failures and old attempts. */
#define HOUSEKEEPING_EVERY 200

/* Deletes expired sessions, forgotten login failures and attempts now and then. */
static void housekeeping(struct ctx *ctx)
{
	struct sirius_error err;

	if (++ctx->app->requests % HOUSEKEEPING_EVERY != 1)
		return;
	if (db_sessions_purge(ctx->db, ctx->now, &err) < 0 ||
	    db_login_failures_purge(ctx->db, ctx->now - LOGIN_WINDOW, &err) < 0 ||
	    db_attempts_purge(ctx->db, ctx->now - ATTEMPT_WINDOW, &err) < 0)
		cgi_log("housekeeping: %s", err.message);
}

/* Whether the body the route takes may have this kind. */
static int body_kind_ok(const struct route *route, enum body_kind kind)
{
	if (kind == BODY_NONE || (route->flags & ROUTE_JSON_ANY_TYPE))
		return 1;
	if (route->flags & ROUTE_BODY_JSON)
		return kind == BODY_JSON;
	if (kind == BODY_MULTIPART)
		return (route->flags & ROUTE_MULTIPART) != 0;
	return kind == BODY_FORM;
}

/*
 * The size the request declares (Content-Length) against the route's limit,
 * before anything is read: 413. Returns 0 when it fits, else 1 (replied).
 */
static int body_too_large(struct ctx *ctx)
{
	size_t max = ctx->route->max_body ? ctx->route->max_body : ROUTE_BODY_DEFAULT;

	if (ctx->req.content_length > 0 && (unsigned long long)ctx->req.content_length > max) {
		reply_error(ctx, 413, "The body is larger than the %zu bytes this address takes.", max);
		return 1;
	}
	return 0;
}

/* The checks about the body: size (413), type (415), content (400). Returns 0 when it passed, else 1 (replied). */
static int check_body(struct ctx *ctx)
{
	const struct route *route = ctx->route;
	size_t max = route->max_body ? route->max_body : ROUTE_BODY_DEFAULT;
	char why[REQUEST_WHY_MAX];
	int status;

	if (ctx->req.method & (METHOD_GET | METHOD_HEAD))
		return 0; /* a body of a GET is not read */
	if (route->flags & ROUTE_RAW_BODY) {
		/* the handler reads it, under the limit of its type; nothing larger than the route's is read */
		if (ctx->req.content_length > 0 && (unsigned long long)ctx->req.content_length > max) {
			reply_error(ctx, 413, "The body is larger than the %zu bytes this address takes.", max);
			return 1;
		}
		return 0;
	}
	status = request_read_body(&ctx->req, ctx->read_body, ctx->read_opaque, max, why);
	if (status) {
		reply_error(ctx, status, "%s", why);
		return 1;
	}
	if (ctx->req.body_len > 0 && !body_kind_ok(route, ctx->req.body_kind)) {
		const char *want = (route->flags & ROUTE_BODY_JSON) ? "application/json"
				   : (route->flags & ROUTE_MULTIPART)
				   ? "application/x-www-form-urlencoded or multipart/form-data"
				   : "application/x-www-form-urlencoded";

		reply_error(ctx, 415, "This address takes %s, not %s.", want,
			    ctx->req.content_type ? ctx->req.content_type : "a body without a type");
		return 1;
	}
	if ((route->flags & ROUTE_BODY_JSON) && ctx->req.body_len == 0) {
		reply_error(ctx, 400, "The body must be a JSON object.");
		return 1;
	}
	if ((route->flags & ROUTE_JSON_ANY_TYPE) && ctx->req.body_kind != BODY_JSON &&
	    request_parse_json(&ctx->req, why) != 0) {
		/* another label and no JSON object in it: what it was before such bodies were read as JSON */
		reply_error(ctx, 415, "This address takes application/json (or a JSON object under any label), not %s.",
			    ctx->req.content_type ? ctx->req.content_type : "a body without a type");
		return 1;
	}
	status = ctx->req.json ? 0 : request_parse_body(&ctx->req, why);
	if (status) {
		reply_error(ctx, status, "%s", why);
		return 1;
	}
	return 0;
}

/* The session checks: login (redirect or 401) and admin (403). Returns 0 when they passed, else 1 (replied). */
static int check_session(struct ctx *ctx)
{
	const struct route *route = ctx->route;
	struct sirius_error err;

	if (session_load(ctx, &err) < 0) {
		cgi_log("the session: %s", err.message);
		reply_error(ctx, 503, "The database is busy; try again in a moment.");
		return 1;
	}
	if ((route->flags & (ROUTE_NEEDS_LOGIN | ROUTE_ADMIN_ONLY)) && !ctx->session.signed_in) {
		if (!ctx->json_errors && (ctx->req.method & (METHOD_GET | METHOD_HEAD))) {
			char *next = g_uri_escape_string(ctx->req.path, "/", FALSE);
			char *to = g_strdup_printf("/login?next=%s", next);

			reply_redirect(ctx, to);
			g_free(to);
			g_free(next);
		} else {
			reply_error(ctx, 401, "Sign in first, then try again.");
		}
		return 1;
	}
	if ((route->flags & ROUTE_ADMIN_ONLY) && !ctx->session.user.is_admin) {
		reply_error(ctx, 403, "Only administrators may do this.");
		return 1;
	}
	return 0;
}

/* The checks and the handler, in their fixed order (see dispatch.h); the reply is in ctx->res. */
static void dispatch_checked(struct ctx *ctx)
{
	struct app *app = ctx->app;
	struct sirius_error err;
	char why[REQUEST_WHY_MAX], allowed_text[64];
	unsigned allowed = 0;
	int status, rc;

	status = request_init(&ctx->req, ctx->envp, why);
	if (app->setup_error[0]) {
		reply_error(ctx, 500, "The server is not set up right; its log says why.");
		return;
	}
	if (status) {
		reply_error(ctx, status, "%s", why);
		return;
	}
	/* 1. the method */
	if (!ctx->req.method) {
		reply_error(ctx, 501, "This server does not know the method %s.", ctx->req.method_name);
		return;
	}
	/* 2. the route */
	switch (route_find(route_table, route_count, app->program, ctx->req.method, ctx->req.segments,
			   &ctx->route, ctx->inputs, &allowed, &ctx->json_errors)) {
	case ROUTE_NOT_FOUND:
		reply_error(ctx, 404, "There is no page at this address. Check it, or start again from the home page.");
		return;
	case ROUTE_WRONG_METHOD:
		method_list(allowed, allowed_text, sizeof(allowed_text));
		response_header(&ctx->res, "Allow", "%s", allowed_text);
		reply_error(ctx, 405, "This address does not take %s requests; it takes %s.", ctx->req.method_name,
			    allowed_text);
		return;
	case ROUTE_FOUND:
		break;
	}
	/* 3. the body's size and type; a route that needs a login reads its body only after the session check */
	if (!(ctx->route->flags & (ROUTE_NEEDS_LOGIN | ROUTE_ADMIN_ONLY))) {
		if (check_body(ctx))
			return;
	} else if (!(ctx->req.method & (METHOD_GET | METHOD_HEAD)) && body_too_large(ctx)) {
		return;
	}
	/* 4. the database */
	ctx->db = app_db(app, &err);
	if (!ctx->db) {
		cgi_log("the database %s: %s", app->db_path, err.message);
		reply_error(ctx, 503, "The database cannot be opened right now; try again in a moment.");
		return;
	}
	housekeeping(ctx);
	/* 5. the session; then the body of a route that needs a login (not read for anyone else) */
	if (check_session(ctx))
		return;
	if ((ctx->route->flags & (ROUTE_NEEDS_LOGIN | ROUTE_ADMIN_ONLY)) && check_body(ctx))
		return;
	/* 6. CSRF */
	if ((ctx->route->flags & ROUTE_NEEDS_CSRF) && !(ctx->req.method & (METHOD_GET | METHOD_HEAD)) &&
	    !session_csrf_ok(ctx)) {
		reply_error(ctx, 403, "This form has expired or did not come from this site. Go back, reload the "
			    "page and send it again.");
		return;
	}
	/* 7. the inputs */
	status = inputs_validate(ctx->route->inputs, &ctx->req, ctx->inputs,
				 (ctx->route->flags & ROUTE_FORM_ERRORS) != 0, why);
	if (status) {
		if (!(ctx->route->flags & ROUTE_FORM_ERRORS)) {
			reply_error(ctx, status, "%s", why);
			return;
		}
		g_strlcpy(ctx->input_error, why, sizeof(ctx->input_error));
	}
	/* 8. the handler */
	rc = ctx->route->handler(ctx);
	if (rc < 0 || !ctx->res.replied) {
		cgi_log("%s %s: the handler %s", ctx->req.method_name, ctx->req.path,
			rc < 0 ? "failed without replying" : "made no reply");
		reply_error(ctx, 500, "Something went wrong on the server. Try again in a moment.");
	}
}

void dispatch(struct ctx *ctx)
{
	dispatch_checked(ctx);
	/* after the reply: a reply replaces the headers set before it */
	if (ctx->route && (ctx->route->flags & ROUTE_CORS))
		response_header(&ctx->res, "Access-Control-Allow-Origin", "*");
}
