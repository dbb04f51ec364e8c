/* session.c: sign-in sessions in the database, their cookie, CSRF tokens and the login rate limit. */
#include "session.h"

#include <string.h>

#include <sodium.h>

#include "context.h"
#include "random_token.h"

/* 1 when text is exactly len lower-case hex digits, else 0. */
static int hex_token(const char *text, size_t len)
{
	size_t i;

	if (!text)
		return 0;
	for (i = 0; i < len; i++)
		if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
			return 0;
	return text[len] == '\0';
}

/* 1 when cookies must carry Secure (the request came over HTTPS, or the site is https:). */
static int secure_cookies(const struct ctx *ctx)
{
	return ctx->req.https || ctx->app->base_https;
}

int session_load(struct ctx *ctx, struct sirius_error *err)
{
	const char *token = request_cookie(&ctx->req, SESSION_COOKIE);
	struct session *s = &ctx->session;
	int found;

	if (!token)
		return 0;
	if (!hex_token(token, DB_SESSION_TOKEN_LEN)) {
		response_cookie(&ctx->res, SESSION_COOKIE, "", 0, secure_cookies(ctx));
		return 0;
	}
	found = db_session_find(ctx->db, token, ctx->now, &s->row, err);
	if (found < 0)
		return -1;
	if (found)
		found = db_user_by_id(ctx->db, s->row.user_id, &s->user, err);
	if (found < 0)
		return -1;
	if (found && s->user.disabled)
		found = 0; /* disabling ends an account's sessions; one made meanwhile does not count either */
	if (!found) {
		/* Unknown, expired, or its user is gone or disabled: the browser may forget it. */
		memset(s, 0, sizeof(*s));
		response_cookie(&ctx->res, SESSION_COOKIE, "", 0, secure_cookies(ctx));
		return 0;
	}
	s->signed_in = 1;
	g_strlcpy(s->token, token, sizeof(s->token));
	return 0;
}

const char *session_csrf_token(struct ctx *ctx)
{
	struct session *s = &ctx->session;
	const char *cookie;
	struct sirius_error err;

	if (s->signed_in)
		return s->row.csrf_token;
	if (s->visitor_csrf[0])
		return s->visitor_csrf;
	cookie = request_cookie(&ctx->req, CSRF_COOKIE);
	if (hex_token(cookie, DB_CSRF_TOKEN_LEN)) {
		g_strlcpy(s->visitor_csrf, cookie, sizeof(s->visitor_csrf));
		return s->visitor_csrf;
	}
	if (random_token_hex(s->visitor_csrf, DB_CSRF_TOKEN_LEN, &err) < 0) {
		cgi_log("cannot make a CSRF token: %s", err.message);
		s->visitor_csrf[0] = '\0';
		return "";
	}
	if (!s->visitor_csrf_sent) {
		response_cookie(&ctx->res, CSRF_COOKIE, s->visitor_csrf, -1, secure_cookies(ctx));
		s->visitor_csrf_sent = 1;
	}
	return s->visitor_csrf;
}

int csrf_equal(const char *a, const char *b)
{
	size_t len;

	if (!a || !b)
		return 0;
	len = strlen(a);
	if (len == 0 || len != strlen(b))
		return 0;
	return sodium_memcmp(a, b, len) == 0;
}

int session_csrf_ok(struct ctx *ctx)
{
	const struct form_field *field = form_find(ctx->req.form, CSRF_FIELD);
	const char *expected;

	if (!field || field->filename)
		return 0;
	if (ctx->session.signed_in) {
		expected = ctx->session.row.csrf_token;
	} else {
		/* A visitor: the form must echo the token of their own cookie. */
		expected = request_cookie(&ctx->req, CSRF_COOKIE);
		if (!hex_token(expected, DB_CSRF_TOKEN_LEN))
			return 0;
	}
	return csrf_equal(field->value, expected);
}

int session_start(struct ctx *ctx, const struct db_user *user, struct sirius_error *err)
{
	struct session *s = &ctx->session;
	char token[DB_SESSION_TOKEN_LEN + 1];
	struct db_session row;

	if (s->signed_in && db_session_delete(ctx->db, s->token, err) < 0)
		return -1;
	s->signed_in = 0;
	if (db_session_create(ctx->db, user->id, ctx->now, SESSION_LIFETIME, token, &row, err) < 0)
		return -1;
	/* Sessions do not pile up: the oldest beyond the few a user keeps end now. */
	if (db_sessions_trim_user(ctx->db, user->id, SESSION_MAX_PER_USER, err) < 0) {
		sodium_memzero(token, sizeof(token));
		return -1;
	}
	response_header_remove(&ctx->res, "Set-Cookie");
	s->visitor_csrf_sent = 0;
	response_cookie(&ctx->res, SESSION_COOKIE, token, SESSION_LIFETIME, secure_cookies(ctx));
	s->signed_in = 1;
	s->user = *user;
	s->row = row;
	g_strlcpy(s->token, token, sizeof(s->token));
	sodium_memzero(token, sizeof(token));
	return 0;
}

int session_end(struct ctx *ctx, struct sirius_error *err)
{
	struct session *s = &ctx->session;

	if (s->signed_in && db_session_delete(ctx->db, s->token, err) < 0)
		return -1;
	memset(s, 0, sizeof(*s));
	response_cookie(&ctx->res, SESSION_COOKIE, "", 0, secure_cookies(ctx));
	return 0;
}

/*
 * The per-account lock of session_login: 1 when the account name has
 * LOGIN_MAX_PER_ACCOUNT failures in the window and the request does not come
 * from the address of its last good sign-in (*retry_after set), 0 when it
 * may try, -1 with a reason in err.
 */
static int account_locked(struct ctx *ctx, const char *name, int64_t *retry_after, struct sirius_error *err)
{
	int64_t count = 0, oldest = 0;
	struct db_user user;
	int found;

	if (db_login_account_failures(ctx->db, name, ctx->now - LOGIN_WINDOW, &count, &oldest, err) < 0)
		return -1;
	if (count < LOGIN_MAX_PER_ACCOUNT)
		return 0;
	found = db_user_by_name(ctx->db, name, &user, err);
	if (found < 0)
		return -1;
	if (found && user.last_login_address[0] && ctx->req.remote_addr &&
	    strcmp(user.last_login_address, ctx->req.remote_addr) == 0)
		return 0;
	*retry_after = oldest + LOGIN_WINDOW - ctx->now;
	if (*retry_after < 1)
		*retry_after = 1;
	return 1;
}

enum login_result session_login(struct ctx *ctx, const char *name, const char *password, int64_t *retry_after,
				struct sirius_error *err)
{
	int64_t by_name = 0, by_address = 0, failed_before = 0;
	const char *address = ctx->req.remote_addr ? ctx->req.remote_addr : "";
	struct db_user user;
	int ok;

	*retry_after = LOGIN_WINDOW;
	if (db_login_failures(ctx->db, name, address, ctx->now - LOGIN_WINDOW, &by_name, &by_address, err) < 0)
		return LOGIN_ERROR;
	if (by_name >= LOGIN_MAX_PER_NAME || by_address >= LOGIN_MAX_PER_ADDRESS)
		return LOGIN_LIMITED;
	ok = account_locked(ctx, name, retry_after, err);
	if (ok != 0)
		return ok < 0 ? LOGIN_ERROR : LOGIN_LOCKED;
	ok = db_user_login(ctx->db, name, password, &user, err);
	if (ok < 0)
		return LOGIN_ERROR;
	if (!ok) {
		if (db_login_failure(ctx->db, name, address, ctx->now, err) < 0)
			return LOGIN_ERROR;
		return LOGIN_WRONG;
	}
	memset(user.password_hash, 0, sizeof(user.password_hash));
	if (user.disabled)
		return LOGIN_DISABLED;
	if (db_user_signed_in(ctx->db, user.id, address, &failed_before, err) < 0 ||
	    session_start(ctx, &user, err) < 0)
		return LOGIN_ERROR;
	if (failed_before > 0) {
		char *notice = g_strdup_printf("Since you last signed in, there %s %lld failed sign-in%s to your account. "
					       "If that was not you, choose a longer password.",
					       failed_before == 1 ? "was" : "were", (long long)failed_before,
					       failed_before == 1 ? "" : "s");
		int rc = session_notice(ctx, notice, err);

		g_free(notice);
		if (rc < 0)
			return LOGIN_ERROR;
	}
	return LOGIN_OK;
}

int session_notice(struct ctx *ctx, const char *notice, struct sirius_error *err)
{
	if (!ctx->session.signed_in)
		return error_set(err, "a notice needs a signed-in session");
	if (db_session_set_notice(ctx->db, ctx->session.row.id, notice, err) < 0)
		return -1;
	g_strlcpy(ctx->session.row.notice, notice ? notice : "", sizeof(ctx->session.row.notice));
	return 0;
}

const char *session_take_notice(struct ctx *ctx)
{
	struct session *s = &ctx->session;
	struct sirius_error err;

	if (!s->signed_in || !s->row.notice[0] || !ctx->db)
		return NULL;
	if (db_session_set_notice(ctx->db, s->row.id, NULL, &err) < 0) {
		cgi_log("clearing a session's notice: %s", err.message);
		return NULL; /* shown next time instead: better than twice */
	}
	g_strlcpy(s->taken_notice, s->row.notice, sizeof(s->taken_notice));
	s->row.notice[0] = '\0';
	return s->taken_notice;
}

int attempts_allowed(struct ctx *ctx, const struct attempt_limit *limits, size_t count, int64_t *retry_after,
		     struct sirius_error *err)
{
	int64_t since = ctx->now - ATTEMPT_WINDOW, wait = 0;
	size_t i;

	for (i = 0; i < count; i++) {
		int64_t done = 0, oldest = 0, max = (int64_t)limits[i].max * ctx->app->limit_factor;

		if (db_attempts(ctx->db, limits[i].kind, limits[i].subject, since, &done, &oldest, err) < 0)
			return -1;
		if (done >= max && oldest + ATTEMPT_WINDOW - ctx->now > wait)
			wait = oldest + ATTEMPT_WINDOW - ctx->now;
		if (done >= max && wait < 1)
			wait = 1;
	}
	if (wait > 0) {
		*retry_after = wait;
		return 0;
	}
	for (i = 0; i < count; i++)
		if (db_attempt_add(ctx->db, limits[i].kind, limits[i].subject, ctx->now, err) < 0)
			return -1;
	return 1;
}
