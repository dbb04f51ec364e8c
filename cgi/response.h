/* response.h: the reply being built: status, headers, cookies and a buffered body sent once at the end. */
#ifndef SIRIUS_CGI_RESPONSE_H
#define SIRIUS_CGI_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <cjson/cJSON.h>

#include "error.h"

struct ctx;

/*
 * Nothing is written to the client until the request is over: handlers set
 * the status, add headers and fill the body, and may change their mind (an
 * error replaces everything) until fcgi_main sends response_serialize's
 * bytes once. Every response carries the security headers of
 * response_serialize.
 */
struct response {
	int status;              /* the HTTP status, 200 until set */
	GPtrArray *headers;      /* extra header lines "Name: value" (char *), in order */
	GString *body;           /* the body */
	char *content_type;      /* the Content-Type of body; NULL: text/html; charset=utf-8 */
	int replied;             /* 1 once a reply_* function made the reply */
};

/* Sets up an empty 200 response. */
void response_init(struct response *res);

/* Frees what res holds; res may then be reused. */
void response_free(struct response *res);

/*
 * Adds a header line. The name must be a token and the formatted value must
 * not hold CR, LF or NUL; a header that breaks this is logged and dropped
 * (never sent). Returns 0, or -1 when dropped.
 */
int response_header(struct response *res, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The value of the first header called name (ignoring case), or NULL. */
const char *response_header_value(const struct response *res, const char *name);

/* Removes every header called name (ignoring case). */
void response_header_remove(struct response *res, const char *name);

/*
 * Sets a cookie: Path=/, HttpOnly, SameSite=Lax, and Secure when secure is 1.
 * max_age > 0 makes it last that many seconds, 0 deletes it, -1 makes it
 * last until the browser closes. value must be cookie-safe ([A-Za-z0-9_-]);
 * anything else is logged and not set. Returns 0 or -1.
 */
int response_cookie(struct response *res, const char *name, const char *value, int64_t max_age,
		    int secure);

/* The reason phrase of an HTTP status ("Not Found"); "Unknown" for others. */
const char *http_reason(int status);

/*
 * The whole response as CGI wants it on stdout: Status, Content-Type,
 * Content-Length, the security headers (Content-Security-Policy,
 * X-Content-Type-Options, X-Frame-Options, Referrer-Policy, Cache-Control
 * unless set), the extra headers, an empty line and (unless head_only) the
 * body. Returns a new string to g_string_free.
 */
GString *response_serialize(const struct response *res, int head_only);

/* ---- replies, for handlers ------------------------------------------------ */

/*
 * Each of these makes the reply of the request and returns 0, so a handler
 * ends with `return reply_...(ctx, ...);`. A later reply replaces an earlier
 * one entirely (status, body, content type; headers other than Set-Cookie,
 * Allow and Retry-After are kept).
 */

/*
 * Renders template (www/templates/<template>.html) over data inside the
 * layout, with status (200 normally; 400, 403, 409 ... when a form is shown
 * again with a message). data (may be NULL; taken over and freed) gets the
 * fields every page may use: "title", "user" ({"name", "is_admin"} when
 * signed in), "csrf_token" (the value for the hidden csrf_token field of a
 * form; the partial {{> csrf}} writes that field), "base_url". A template
 * that is missing or broken is logged and answered with 500.
 */
int reply_page(struct ctx *ctx, int status, const char *template, const char *title, cJSON *data);

/*
 * The one error path: throws the body away and answers status with the
 * formatted message (a sentence a person can act on), as the error page or,
 * for JSON routes, as {"error": message}.
 */
int reply_error(struct ctx *ctx, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * A failure on the server's side (database, relay, memory): logs what and the
 * reason in err, answers 500 with a message that does not leak details.
 */
int reply_server_error(struct ctx *ctx, const char *what, const struct sirius_error *err);

/* Answers status with data (taken over and freed) as JSON. */
int reply_json(struct ctx *ctx, int status, cJSON *data);

/*
 * Answers 303 See Other to a path of this site (it must start with one '/';
 * anything else is logged and answered with 500, so a redirect can never
 * leave the site).
 */
int reply_redirect(struct ctx *ctx, const char *path);

/* Logs a line (to stderr, which the web server keeps) prefixed with the program's name. */
void cgi_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sets the name cgi_log puts before every line (a string that lives as long as the process). */
void cgi_log_set_name(const char *name);

#endif
