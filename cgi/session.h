/* session.h: sign-in sessions (a random token in the sirius_session cookie), CSRF tokens and the login rate limit. */
#ifndef SIRIUS_CGI_SESSION_H
#define SIRIUS_CGI_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct ctx;

/*
 * A signed-in browser holds the cookie sirius_session (HttpOnly,
 * SameSite=Lax, Path=/, Secure over HTTPS) with a random token; the database
 * keeps only its hash, its user, expiry and the session's CSRF token. A new
 * session is made at every sign-in (the old one ends: rotation). A visitor
 * without a session gets a random token in the cookie sirius_csrf for the
 * forms they may post (sign up, sign in): the double-submit pattern. Every
 * POST of a ROUTE_NEEDS_CSRF route must carry the right token in the form
 * field csrf_token; tokens are compared in constant time.
 */

#define SESSION_COOKIE "sirius_session"          /* the session token's cookie */
#define CSRF_COOKIE "sirius_csrf"                /* a visitor's CSRF token's cookie */
#define CSRF_FIELD "csrf_token"                  /* the form field every POST echoes */
#define SESSION_LIFETIME (30 * 24 * 3600)        /* seconds a session lasts */
#define LOGIN_WINDOW (15 * 60)                   /* seconds failed logins are counted over */
#define LOGIN_MAX_PER_NAME 5                     /* failures for one account from one address in the window */
#define LOGIN_MAX_PER_ADDRESS 20                 /* failures from one address in the window */
#define LOGIN_MAX_PER_ACCOUNT 20                 /* failures for one account from all addresses in the window */
#define SESSION_MAX_PER_USER 10                  /* sessions a user keeps; a sign-in ends the oldest beyond */
#define ATTEMPT_WINDOW 3600                      /* seconds claims and sign-ups are counted over */
#define CLAIM_MAX_PER_USER 10                    /* claims one user may post in the window */
#define CLAIM_MAX_PER_ADDRESS 30                 /* claims one address may post in the window */
#define SIGNUP_MAX_PER_ADDRESS 5                 /* sign-ups one address may post in the window */

/* The signed-in state of a request. */
struct session {
	int signed_in;                              /* 1 when a valid session cookie came */
	struct db_user user;                        /* the user, when signed in */
	struct db_session row;                      /* the session, when signed in */
	char token[DB_SESSION_TOKEN_LEN + 1];       /* the cookie's token, when signed in */
	char visitor_csrf[DB_CSRF_TOKEN_LEN + 1];   /* a visitor's CSRF token; "" until needed */
	int visitor_csrf_sent;                      /* 1 once its cookie is set in this reply */
	char taken_notice[DB_NOTICE_MAX + 1];       /* the notice shown on this page, taken out of the session */
};

/*
 * Reads the session cookie: fills ctx->session when it names an unexpired
 * session of an existing user; a cookie that does not is deleted. Returns 0,
 * or -1 with a reason in err on a database error (dispatch answers 503).
 */
int session_load(struct ctx *ctx, struct sirius_error *err);

/*
 * The CSRF token forms of this reply must carry: the session's, or the
 * visitor's (made, and set as a cookie, at the first call). "" when no random
 * token could be made (logged).
 */
const char *session_csrf_token(struct ctx *ctx);

/* 1 when the request's csrf_token field matches the expected token, else 0 (also for none). */
int session_csrf_ok(struct ctx *ctx);

/* 1 when a and b are equal non-empty strings, compared in time that does not depend on where they differ. */
int csrf_equal(const char *a, const char *b);

/*
 * Signs a user in: ends the request's current session if any, starts a new
 * one and sets its cookie. Returns 0, or -1 with a reason in err.
 */
int session_start(struct ctx *ctx, const struct db_user *user, struct sirius_error *err);

/* Signs out: ends the current session (if any) and deletes the cookie. Returns 0, or -1 with a reason in err. */
int session_end(struct ctx *ctx, struct sirius_error *err);

/* What a login attempt came to. */
enum login_result {
	LOGIN_ERROR = -1,   /* database error: the reason is in err */
	LOGIN_OK = 0,       /* signed in: the session is started */
	LOGIN_WRONG,        /* unknown name or wrong password (recorded as a failure) */
	LOGIN_LIMITED,      /* too many failures lately from this address, for the name or for any */
	LOGIN_LOCKED,       /* too many failures lately for the account, from all addresses together */
	LOGIN_DISABLED      /* the right password of a disabled account */
};

/*
 * Checks the rate limits, then the name and password, and on success starts
 * the session. The limits, in order:
 *   1. per address: LOGIN_MAX_PER_NAME failures for the name from this
 *      address, or LOGIN_MAX_PER_ADDRESS for any name, in LOGIN_WINDOW
 *      (LOGIN_LIMITED);
 *   2. per account: LOGIN_MAX_PER_ACCOUNT failures for the name from all
 *      addresses together in LOGIN_WINDOW lock the account (LOGIN_LOCKED),
 *      which guessing from many addresses cannot get past. Nothing is
 *      recorded while locked, so a lock ends LOGIN_WINDOW after the
 *      failures that made it at the latest. It never applies from the
 *      address of the account's last good sign-in, so a stranger cannot
 *      keep the owner out (only limit 1 applies there).
 * The lock is the same for names that have no account (it says nothing
 * about which names exist). A right password of a disabled account is
 * LOGIN_DISABLED. On LOGIN_OK the account's failures since its last good
 * sign-in are reset and, when there were any, the new session's next page
 * says how many. *retry_after (LOGIN_LIMITED, LOGIN_LOCKED) gets the
 * seconds to wait, at least 1.
 */
enum login_result session_login(struct ctx *ctx, const char *name, const char *password, int64_t *retry_after,
				struct sirius_error *err);

/*
 * Keeps a notice (one sentence) for the next page the signed-in session
 * shows, as after a redirect; the layout shows it once. Returns 0, or -1
 * with a reason in err (nobody is signed in, database error).
 */
int session_notice(struct ctx *ctx, const char *notice, struct sirius_error *err);

/* The notice kept for this page, taken out of the session (shown once); NULL when none. */
const char *session_take_notice(struct ctx *ctx);

/* One limit of attempts_allowed: at most max attempts of kind by subject in ATTEMPT_WINDOW. */
struct attempt_limit {
	const char *kind;      /* what is counted, such as "claim-user" */
	const char *subject;   /* whose: a user id or a client address, as text */
	int max;               /* how many the window allows (before app->limit_factor) */
};

/*
 * Checks a request against every limit of limits (count of them) and, when
 * all allow it, counts it against each. Returns 1 (allowed and counted), 0
 * when a limit is reached (*retry_after gets the seconds until one attempt
 * fits again, at least 1; nothing is counted), or -1 with a reason in err.
 * Callers answer 0 with 429 and Retry-After.
 */
int attempts_allowed(struct ctx *ctx, const struct attempt_limit *limits, size_t count, int64_t *retry_after,
		     struct sirius_error *err);

#endif
