/* check_cgi_session.c: unit tests of sessions, CSRF and the login rate limit, through dispatch with a real database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "claim_code.h"
#include "context.h"
#include "dispatch.h"
#include "session.h"
#include "test_util.h"

/* A temporary var directory and the program state for it. */
static char *var_dir;
static struct app app;
/* How many body bytes the handling of the last serve() read. */
static size_t body_bytes_read;
/* The client address of the requests serve() makes. */
static const char *client_addr = "198.51.100.7";

/* A body reader over a string. */
struct mem_body {
	const char *data; /* the bytes */
	size_t len;       /* how many */
	size_t pos;       /* how many were read */
};

static size_t mem_read(void *opaque, char *buf, size_t size)
{
	struct mem_body *m = opaque;
	size_t n = m->len - m->pos < size ? m->len - m->pos : size;

	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return n;
}

/* What serve() got back. */
struct reply {
	int status;       /* the HTTP status */
	char *head;       /* the header lines */
	char *body;       /* the body */
};

static void reply_free(struct reply *r)
{
	g_free(r->head);
	g_free(r->body);
}

/* The value of cookie name set by r ("" when deleted), in a new string, or NULL. */
static char *set_cookie(const struct reply *r, const char *name)
{
	char *key = g_strdup_printf("Set-Cookie: %s=", name);
	const char *at = strstr(r->head, key);
	char *value = NULL;

	if (at) {
		at += strlen(key);
		value = g_strndup(at, strcspn(at, ";\r"));
	}
	g_free(key);
	return value;
}

/* The csrf_token in r's page, in a new string, or NULL. */
static char *page_csrf(const struct reply *r)
{
	const char *at = strstr(r->body, "name=\"csrf_token\" value=\"");

	return at ? g_strndup(at + 25, 32) : NULL;
}

/* Serves one request through dispatch as fcgi_main would. */
static struct reply serve(const char *method, const char *uri, const char *body, const char *cookies)
{
	char m[64], u[2100], c[512], len[64], a[80];
	char *env[] = { m, u, c, len, "CONTENT_TYPE=application/x-www-form-urlencoded", a, NULL };
	struct mem_body mb = { body ? body : "", body ? strlen(body) : 0, 0 };
	struct ctx ctx;
	struct reply r;
	GString *out;
	char *split;

	snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
	snprintf(u, sizeof(u), "REQUEST_URI=%s", uri);
	snprintf(c, sizeof(c), "HTTP_COOKIE=%s", cookies ? cookies : "");
	snprintf(len, sizeof(len), "CONTENT_LENGTH=%zu", mb.len);
	snprintf(a, sizeof(a), "REMOTE_ADDR=%s", client_addr);
	ctx_init(&ctx, &app, env, mem_read, &mb);
	dispatch(&ctx);
	body_bytes_read = mb.pos;
	out = response_serialize(&ctx.res, 0);
	r.status = ctx.res.status;
	split = strstr(out->str, "\r\n\r\n");
	ck_assert_ptr_nonnull(split);
	r.head = g_strndup(out->str, (gsize)(split - out->str));
	r.body = g_strdup(split + 4);
	g_string_free(out, TRUE);
	ctx_free(&ctx);
	return r;
}

static void setup(void)
{
	char www[PATHS_MAX];

	var_dir = g_dir_make_tmp(NULL, NULL);
	ck_assert_ptr_nonnull(var_dir);
	snprintf(www, sizeof(www), "%s/www", SIRIUS_SOURCE_DIR);
	setenv("SIRIUS_VAR", var_dir, 1);
	unsetenv("SIRIUS_DB");
	unsetenv("SIRIUS_BASE_URL");
	setenv("SIRIUS_WWW", www, 1);
	setenv("SIRIUS_PASSWORD_COST", "minimum", 1);
	setenv("SIRIUS_LIMIT_FACTOR", "1", 1);
	client_addr = "198.51.100.7";
	app_init(&app, PROGRAM_WEB, "check_cgi_session");
	ck_assert_msg(app.setup_error[0] == '\0', "%s", app.setup_error);
}

static void teardown(void)
{
	char *cmd = g_strdup_printf("rm -rf '%s'", var_dir);

	app_free(&app);
	ck_assert_int_eq(system(cmd), 0);
	g_free(cmd);
	g_free(var_dir);
	var_dir = NULL;
}

/* Signs up name through dispatch; returns the session cookie's token (g_free). */
static char *signup(const char *name)
{
	struct reply form = serve("GET", "/signup", NULL, NULL);
	char *token = set_cookie(&form, CSRF_COOKIE);
	char *body = g_strdup_printf("username=%s&password=password1&csrf_token=%s", name, token);
	char *cookie = g_strdup_printf(CSRF_COOKIE "=%s", token);
	struct reply r = serve("POST", "/signup", body, cookie);
	char *session;

	ck_assert_int_eq(r.status, 303);
	session = set_cookie(&r, SESSION_COOKIE);
	ck_assert_ptr_nonnull(session);
	ck_assert_uint_eq(strlen(session), DB_SESSION_TOKEN_LEN);
	reply_free(&form);
	reply_free(&r);
	g_free(token);
	g_free(body);
	g_free(cookie);
	return session;
}

START_TEST(test_csrf_equal)
{
	ck_assert_int_eq(csrf_equal("abc", "abc"), 1);
	ck_assert_int_eq(csrf_equal("abc", "abd"), 0);
	ck_assert_int_eq(csrf_equal("abc", "abcd"), 0);
	ck_assert_int_eq(csrf_equal("", ""), 0);
	ck_assert_int_eq(csrf_equal(NULL, "a"), 0);
	ck_assert_int_eq(csrf_equal("a", NULL), 0);
}
END_TEST

START_TEST(test_session_cookie_signs_in)
{
	char *session = signup("ann");
	char *cookie = g_strdup_printf(SESSION_COOKIE "=%s", session);
	struct reply home = serve("GET", "/", NULL, cookie);
	struct reply anon = serve("GET", "/", NULL, NULL);

	ck_assert_int_eq(home.status, 200);
	ck_assert_ptr_nonnull(strstr(home.body, "Hello, ann"));
	ck_assert_ptr_null(strstr(anon.body, "Hello, ann"));
	ck_assert_ptr_nonnull(strstr(home.head, "Content-Security-Policy: default-src 'self'"));
	reply_free(&home);
	reply_free(&anon);
	g_free(cookie);
	g_free(session);
}
END_TEST

START_TEST(test_bad_and_expired_cookies_are_deleted)
{
	static const char *const bad[] = { SESSION_COOKIE "=nothex", SESSION_COOKIE "=" "0123456789abcdef0123456789abcdef"
					   "0123456789abcdef0123456789abcdef" };
	struct sirius_error err;
	struct db *db = app_db(&app, &err);
	char token[DB_SESSION_TOKEN_LEN + 1];
	char *cookie;
	int64_t id;
	size_t i;

	for (i = 0; i < 2; i++) {
		struct reply r = serve("GET", "/", NULL, bad[i]);
		char *value = set_cookie(&r, SESSION_COOKIE);

		ck_assert_int_eq(r.status, 200);
		ck_assert_str_eq(value, "");
		ck_assert_ptr_nonnull(strstr(r.head, "Max-Age=0"));
		g_free(value);
		reply_free(&r);
	}
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(db_user_create(db, "old", "password1", 0, 1000, &id, &err), 1);
	ck_assert_int_eq(db_session_create(db, id, 1000, 60, token, NULL, &err), 0);
	cookie = g_strdup_printf(SESSION_COOKIE "=%s", token);
	{
		struct reply r = serve("GET", "/", NULL, cookie);

		ck_assert_ptr_null(strstr(r.body, "Hello, old"));
		ck_assert_ptr_nonnull(strstr(r.head, "Max-Age=0"));
		reply_free(&r);
	}
	g_free(cookie);
}
END_TEST

START_TEST(test_csrf_on_posts)
{
	char *session = signup("bea");
	char *cookie = g_strdup_printf(SESSION_COOKIE "=%s", session);
	struct reply home = serve("GET", "/", NULL, cookie);
	char *csrf = page_csrf(&home);
	char *good = g_strdup_printf("csrf_token=%s", csrf);
	struct reply r;

	ck_assert_ptr_nonnull(csrf);
	r = serve("POST", "/apikey", "csrf_token=00000000000000000000000000000000", cookie);
	ck_assert_int_eq(r.status, 403);
	reply_free(&r);
	r = serve("POST", "/apikey", "", cookie);
	ck_assert_int_eq(r.status, 403);
	reply_free(&r);
	r = serve("POST", "/apikey", good, NULL);
	ck_assert_int_eq(r.status, 401);
	reply_free(&r);
	r = serve("POST", "/apikey", good, cookie);
	ck_assert_int_eq(r.status, 303);
	reply_free(&r);
	/* Logging out ends the session in the database. */
	r = serve("POST", "/logout", good, cookie);
	ck_assert_int_eq(r.status, 303);
	reply_free(&r);
	r = serve("GET", "/", NULL, cookie);
	ck_assert_ptr_null(strstr(r.body, "Hello, bea"));
	reply_free(&r);
	reply_free(&home);
	g_free(csrf);
	g_free(good);
	g_free(cookie);
	g_free(session);
}
END_TEST

/* A signed-up user NAME (password "password1") and the login form's CSRF cookie and bodies, as a browser has them. */
struct login_form {
	struct reply form; /* the GET /login that set the CSRF cookie */
	char *cookie;      /* the CSRF cookie header */
	char *wrong;       /* the login body with a wrong password */
	char *right;       /* the login body with the right password */
	char *session;     /* the session token signup gave */
};

static void login_form_open(struct login_form *f, const char *name)
{
	char *token;

	f->form = serve("GET", "/login", NULL, NULL);
	token = set_cookie(&f->form, CSRF_COOKIE);
	f->cookie = g_strdup_printf(CSRF_COOKIE "=%s", token);
	f->wrong = g_strdup_printf("username=%s&password=wrong&csrf_token=%s", name, token);
	f->right = g_strdup_printf("username=%s&password=password1&csrf_token=%s", name, token);
	f->session = signup(name);
	g_free(token);
}

static void login_form_close(struct login_form *f)
{
	reply_free(&f->form);
	g_free(f->cookie);
	g_free(f->wrong);
	g_free(f->right);
	g_free(f->session);
}

START_TEST(test_rate_limit)
{
	struct login_form f;
	struct reply r;
	int i;

	login_form_open(&f, "cat");
	r = serve("POST", "/login", f.right, f.cookie);
	ck_assert_int_eq(r.status, 303);
	reply_free(&r);
	for (i = 0; i < LOGIN_MAX_PER_NAME; i++) {
		r = serve("POST", "/login", f.wrong, f.cookie);
		ck_assert_int_eq(r.status, 403);
		reply_free(&r);
	}
	r = serve("POST", "/login", f.right, f.cookie);
	ck_assert_int_eq(r.status, 429);
	ck_assert_ptr_nonnull(strstr(r.head, "Retry-After: 900"));
	ck_assert_ptr_null(strstr(r.head, SESSION_COOKIE "="));
	reply_free(&r);
	login_form_close(&f);
}
END_TEST

/* Regression (login lockout from any address): failures from one address never block the right password from another. */
START_TEST(test_login_lockout_from_another_address)
{
	struct login_form f;
	struct reply r;
	int i;

	login_form_open(&f, "dora");
	client_addr = "203.0.113.66";
	for (i = 0; i < LOGIN_MAX_PER_NAME + 2; i++) {
		r = serve("POST", "/login", f.wrong, f.cookie);
		ck_assert_int_eq(r.status, i < LOGIN_MAX_PER_NAME ? 403 : 429);
		reply_free(&r);
	}
	/* The attacker's address is limited, even with the right password... */
	r = serve("POST", "/login", f.right, f.cookie);
	ck_assert_int_eq(r.status, 429);
	reply_free(&r);
	/* ...but the owner, elsewhere, signs in. */
	client_addr = "198.51.100.7";
	r = serve("POST", "/login", f.right, f.cookie);
	ck_assert_int_eq(r.status, 303);
	ck_assert_ptr_nonnull(strstr(r.head, SESSION_COOKIE "="));
	reply_free(&r);
	login_form_close(&f);
}
END_TEST

/* The value of the session cookie a reply set, as a Cookie header (g_free), or NULL. */
static char *session_cookie_of(const struct reply *r)
{
	char *token = set_cookie(r, SESSION_COOKIE), *cookie;

	if (!token)
		return NULL;
	cookie = g_strdup_printf(SESSION_COOKIE "=%s", token);
	g_free(token);
	return cookie;
}

/*
 * Accounts (per-account login limit): failures from many addresses, each
 * under its own limits, lock the account for everyone else; the owner's
 * address of their last good sign-in is not locked out, and the owner is
 * told, once, how many sign-ins failed.
 */
START_TEST(test_login_lock_per_account)
{
	struct login_form f;
	struct reply r;
	char addr[64], *cookie;
	int i;

	login_form_open(&f, "eve");
	r = serve("POST", "/login", f.right, f.cookie);
	ck_assert_int_eq(r.status, 303);
	reply_free(&r);
	for (i = 0; i < LOGIN_MAX_PER_ACCOUNT; i++) {
		snprintf(addr, sizeof(addr), "203.0.113.%d", i / LOGIN_MAX_PER_NAME + 1);
		client_addr = addr;
		r = serve("POST", "/login", f.wrong, f.cookie);
		ck_assert_int_eq(r.status, 403);
		reply_free(&r);
	}
	client_addr = "192.0.2.200";
	r = serve("POST", "/login", f.right, f.cookie);
	ck_assert_int_eq(r.status, 429);
	ck_assert_ptr_nonnull(strstr(r.body, "This account is locked"));
	ck_assert_ptr_nonnull(strstr(r.head, "Retry-After: "));
	ck_assert_ptr_null(strstr(r.head, SESSION_COOKIE "="));
	reply_free(&r);
	client_addr = "198.51.100.7";
	r = serve("POST", "/login", f.right, f.cookie);
	ck_assert_int_eq(r.status, 303);
	cookie = session_cookie_of(&r);
	ck_assert_ptr_nonnull(cookie);
	reply_free(&r);
	r = serve("GET", "/", NULL, cookie);
	ck_assert_ptr_nonnull(strstr(r.body, "there were 20 failed sign-ins to your account"));
	reply_free(&r);
	r = serve("GET", "/", NULL, cookie);
	ck_assert_ptr_null(strstr(r.body, "failed sign-ins"));
	reply_free(&r);
	g_free(cookie);
	login_form_close(&f);
}
END_TEST

/* A disabled account's session stops working at once, and its right password is refused with 403. */
START_TEST(test_disabled_account_is_signed_out)
{
	struct sirius_error err = { "" };
	struct login_form f;
	struct db_user user;
	struct reply r;
	char *cookie = NULL;
	struct db *db;

	login_form_open(&f, "frida");
	g_free(signup("gus")); /* made an administrator below, so that frida, the first, may be disabled */
	cookie = g_strdup_printf(SESSION_COOKIE "=%s", f.session);
	r = serve("GET", "/", NULL, cookie);
	ck_assert_ptr_nonnull(strstr(r.body, "Hello, frida"));
	reply_free(&r);
	db = app_db(&app, &err);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(db_user_by_name(db, "gus", &user, &err), 1);
	ck_assert_int_eq(db_user_change(db, user.id, DB_USER_MAKE_ADMIN, &err), DB_USER_CHANGED);
	ck_assert_int_eq(db_user_by_name(db, "frida", &user, &err), 1);
	ck_assert_int_eq(db_user_change(db, user.id, DB_USER_DISABLE, &err), DB_USER_CHANGED);
	r = serve("GET", "/", NULL, cookie);
	ck_assert_ptr_null(strstr(r.body, "Hello, frida"));
	reply_free(&r);
	r = serve("POST", "/login", f.right, f.cookie);
	ck_assert_int_eq(r.status, 403);
	ck_assert_ptr_nonnull(strstr(r.body, "This account is disabled"));
	reply_free(&r);
	r = serve("POST", "/login", f.wrong, f.cookie);
	ck_assert_int_eq(r.status, 403);
	ck_assert_ptr_null(strstr(r.body, "disabled")); /* a wrong password learns nothing */
	reply_free(&r);
	g_free(cookie);
	login_form_close(&f);
}
END_TEST

/* Regression (unthrottled sign-up hashing): an address may sign up only a few times an hour, then 429 with Retry-After. */
START_TEST(test_signup_rate_limited)
{
	char name[32];
	char *session;
	int i;

	client_addr = "192.0.2.50";
	for (i = 0; i < SIGNUP_MAX_PER_ADDRESS; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		session = signup(name);
		g_free(session);
	}
	{
		struct reply form = serve("GET", "/signup", NULL, NULL);
		char *token = set_cookie(&form, CSRF_COOKIE);
		char *body = g_strdup_printf("username=onemore&password=password1&csrf_token=%s", token);
		char *cookie = g_strdup_printf(CSRF_COOKIE "=%s", token);
		struct reply r = serve("POST", "/signup", body, cookie);

		ck_assert_int_eq(r.status, 429);
		ck_assert_ptr_nonnull(strstr(r.head, "Retry-After: "));
		ck_assert_ptr_nonnull(strstr(r.body, "Too many accounts"));
		ck_assert_ptr_null(strstr(r.head, SESSION_COOKIE "="));
		reply_free(&r);
		reply_free(&form);
		g_free(token);
		g_free(body);
		g_free(cookie);
	}
	/* Another address is not held up. */
	client_addr = "192.0.2.51";
	session = signup("onemore");
	g_free(session);
}
END_TEST

/* Regression (sessions unbounded): signing in again and again keeps only the newest SESSION_MAX_PER_USER sessions. */
START_TEST(test_sessions_capped_per_user)
{
	struct login_form f;
	char *last = NULL, *with;
	struct reply r;
	int i;

	login_form_open(&f, "eve");
	for (i = 0; i < SESSION_MAX_PER_USER; i++) {
		r = serve("POST", "/login", f.right, f.cookie);
		ck_assert_int_eq(r.status, 303);
		g_free(last);
		last = set_cookie(&r, SESSION_COOKIE);
		reply_free(&r);
	}
	with = g_strdup_printf(SESSION_COOKIE "=%s", f.session);
	r = serve("GET", "/", NULL, with);
	ck_assert_ptr_null(strstr(r.body, "Hello, eve"));
	reply_free(&r);
	g_free(with);
	with = g_strdup_printf(SESSION_COOKIE "=%s", last);
	r = serve("GET", "/", NULL, with);
	ck_assert_ptr_nonnull(strstr(r.body, "Hello, eve"));
	reply_free(&r);
	g_free(with);
	login_form_close(&f);
	g_free(last);
}
END_TEST

/* Posts a claim of a made-up code for hardware xor as the session; returns the reply's status. */
static int post_claim(const char *session, uint32_t xor_value)
{
	struct claim_code code;
	char *cookie = g_strdup_printf(SESSION_COOKIE "=%s", session);
	struct reply page = serve("GET", "/claim", NULL, cookie);
	char *csrf = page_csrf(&page);
	char *body;
	struct reply r;
	int status;

	ck_assert_ptr_nonnull(csrf);
	ck_assert_int_eq(claim_code_encode(xor_value, 4242, &code), 0);
	body = g_strdup_printf("claim_code=%s&printer_name=Desk&csrf_token=%s", code.digits, csrf);
	r = serve("POST", "/claim", body, cookie);
	status = r.status;
	if (status == 429) {
		ck_assert_ptr_nonnull(strstr(r.head, "Retry-After: "));
		ck_assert_ptr_nonnull(strstr(r.body, "Too many claims"));
	}
	reply_free(&r);
	reply_free(&page);
	g_free(csrf);
	g_free(body);
	g_free(cookie);
	return status;
}

/* Regression (forged claim codes unthrottled): claims are limited per user and per address (429), waiting codes capped (409). */
START_TEST(test_claims_rate_limited)
{
	char *session = signup("fay"), *other;
	int i;

	for (i = 0; i < DB_CLAIM_WAITING_MAX; i++)
		ck_assert_int_eq(post_claim(session, 100 + (uint32_t)i), 303);
	for (; i < CLAIM_MAX_PER_USER; i++)
		ck_assert_int_eq(post_claim(session, 100 + (uint32_t)i), 409);
	ck_assert_int_eq(post_claim(session, 500), 429);
	/* Another user from another address may still claim. */
	client_addr = "192.0.2.99";
	other = signup("gus");
	ck_assert_int_eq(post_claim(other, 600), 303);
	g_free(other);
	/* An address is limited whichever user claims from it. */
	client_addr = "192.0.2.100";
	for (i = 0; i < CLAIM_MAX_PER_ADDRESS / CLAIM_MAX_PER_USER; i++) {
		char name[32];
		int j;

		snprintf(name, sizeof(name), "cl%d", i);
		other = signup(name);
		for (j = 0; j < CLAIM_MAX_PER_USER; j++)
			ck_assert_int_ne(post_claim(other, 1000 + (uint32_t)j), 429);
		g_free(other);
	}
	other = signup("late");
	ck_assert_int_eq(post_claim(other, 2000), 429);
	g_free(other);
	g_free(session);
}
END_TEST

/* Regression (anonymous body read before the session check): a route that needs a login answers 401 without reading the body. */
START_TEST(test_body_not_read_before_login)
{
	char *body = g_strnfill(4096, 'a');
	struct reply r = serve("POST", "/admin/personality", body, NULL);

	ck_assert_int_eq(r.status, 401);
	ck_assert_uint_eq(body_bytes_read, 0);
	reply_free(&r);
	/* A page without a login still reads (and checks) its body first. */
	r = serve("POST", "/login", "username=%zz", NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_uint_gt(body_bytes_read, 0);
	reply_free(&r);
	g_free(body);
}
END_TEST

START_TEST(test_errors_and_checks_order)
{
	struct reply r = serve("GET", "/nowhere", NULL, NULL);

	ck_assert_int_eq(r.status, 404);
	ck_assert_ptr_nonnull(strstr(r.body, "404 Not Found"));
	reply_free(&r);
	r = serve("PATCH", "/login", "", NULL);
	ck_assert_int_eq(r.status, 405);
	ck_assert_ptr_nonnull(strstr(r.head, "Allow: GET, HEAD, POST"));
	reply_free(&r);
	r = serve("BREW", "/login", "", NULL);
	ck_assert_int_eq(r.status, 501);
	reply_free(&r);
	/* The body is refused before CSRF is looked at. */
	{
		char *big = g_strnfill(ROUTE_BODY_DEFAULT + 1, 'a');

		r = serve("POST", "/login", big, NULL);
		ck_assert_int_eq(r.status, 413);
		reply_free(&r);
		g_free(big);
	}
	r = serve("POST", "/login", "username=%zz", NULL);
	ck_assert_int_eq(r.status, 400);
	reply_free(&r);
	/* A GET of a page that needs a login goes to /login with the way back. */
	r = serve("GET", "/login?next=//evil", NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	reply_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cgi_session");
	TCase *tc = tcase_create("session");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_csrf_equal);
	tcase_add_test(tc, test_session_cookie_signs_in);
	tcase_add_test(tc, test_bad_and_expired_cookies_are_deleted);
	tcase_add_test(tc, test_csrf_on_posts);
	tcase_add_test(tc, test_rate_limit);
	tcase_add_test(tc, test_errors_and_checks_order);
	tcase_add_test(tc, test_login_lockout_from_another_address);
	tcase_add_test(tc, test_login_lock_per_account);
	tcase_add_test(tc, test_disabled_account_is_signed_out);
	tcase_add_test(tc, test_signup_rate_limited);
	tcase_add_test(tc, test_sessions_capped_per_user);
	tcase_add_test(tc, test_claims_rate_limited);
	tcase_add_test(tc, test_body_not_read_before_login);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
