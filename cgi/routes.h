/* routes.h: THE route table: every URL of both programs, its methods, handler, flags and inputs. */
#ifndef SIRIUS_CGI_ROUTES_H
#define SIRIUS_CGI_ROUTES_H

#include <stddef.h>

#include <glib.h>

#include "error.h"
#include "inputs.h"

struct ctx;

/*
 * A handler makes the reply through a reply_* function (response.h) and
 * returns 0; it returns -1 only when it failed without replying (dispatch
 * then logs it and answers 500). It runs only after every check its route's
 * flags ask for has passed, and sees only validated inputs.
 */
typedef int (*route_handler)(struct ctx *ctx);

/* Which program serves a route. */
enum program {
	PROGRAM_WEB = 1,   /* cgi/sirius-web: the HTML pages */
	PROGRAM_API = 2    /* cgi/sirius-api: /printkey/..., /ext_api/... (JSON) */
};

/* Route flags. */
#define ROUTE_NEEDS_LOGIN 0x01   /* a signed-in user only (GET: redirect to /login; else 401) */
#define ROUTE_NEEDS_CSRF 0x02    /* a POST must echo the csrf_token (every POST from a form) */
#define ROUTE_ADMIN_ONLY 0x04    /* an administrator only (403); implies ROUTE_NEEDS_LOGIN */
#define ROUTE_JSON 0x08          /* errors are {"error": "..."} instead of the HTML error page */
#define ROUTE_MULTIPART 0x10     /* the body may be multipart/form-data (uploads) */
#define ROUTE_BODY_JSON 0x20     /* the body must be a JSON object (inputs from its fields) */
#define ROUTE_FORM_ERRORS 0x40   /* invalid inputs go to the handler (ctx->input_error), not a 400 page */
#define ROUTE_NO_CSRF 0x80       /* a POST of sirius-web that deliberately has no CSRF check (none yet) */
#define ROUTE_RAW_BODY 0x100     /* a body of any type, not read by dispatch (only its announced size is checked
				    against max_body): the handler reads it with request_read_body under the limit
				    its Content-Type has */
#define ROUTE_JSON_ANY_TYPE 0x400 /* with ROUTE_BODY_JSON: the body is read as JSON whatever its Content-Type
				    says (clients of the original external API send curl's --data, labelled as a
				    form); req.body_kind stays what the label says, for the handler to tell */
#define ROUTE_CORS 0x200         /* any web origin may call it: Access-Control-Allow-Origin: * on every answer once
				    the route is found; it may list METHOD_OPTIONS (a preflight, answered by its handler) */

/* Body sizes. */
#define ROUTE_BODY_DEFAULT (64 * 1024)         /* a route's body limit unless it says otherwise */
#define ROUTE_BODY_UPLOAD_MAX (16 * 1024 * 1024) /* the most any route may accept */

/* Path parameters per route, at most. */
#define ROUTE_PARAMS_MAX 4

/*
 * One route. pattern is a path whose segments are literal or parameters:
 * "{name}" is an integer id (INPUT_ID), "{name:type}" is of another type:
 * address (INPUT_ADDRESS), device_key (INPUT_DEVICE_KEY), username
 * (INPUT_USERNAME), claim_code (INPUT_CLAIM_CODE), line (INPUT_LINE up to
 * 255 bytes). A parameter that does not validate makes the route not match
 * (404). Routes of the same path with different methods are separate
 * entries (a form's GET and POST take different inputs and flags).
 */
struct route {
	unsigned methods;                  /* enum http_method bits (GET also answers HEAD) */
	const char *pattern;               /* "/printer/{id}/message/{mid}/reprint" */
	route_handler handler;             /* the page or endpoint */
	unsigned flags;                    /* ROUTE_* */
	enum program program;              /* which program serves it */
	const struct input_spec *inputs;   /* declared inputs, ended by a NULL name; NULL for none */
	size_t max_body;                   /* the largest body accepted; 0: ROUTE_BODY_DEFAULT */
};

/* The table and its length. */
extern const struct route route_table[];
extern const size_t route_count;

/* The outcome of looking a request up. */
enum route_match {
	ROUTE_FOUND,        /* *route is the route; its path parameters are in params */
	ROUTE_NOT_FOUND,    /* no route of the program has this path */
	ROUTE_WRONG_METHOD  /* the path exists but not for this method; *allowed lists the methods */
};

/*
 * Finds the route of program for a method and decoded path segments in
 * table (of count routes). Path parameters are validated and added to
 * params (name -> struct input_value *). *allowed gets the methods the path
 * accepts (with HEAD where GET is). *json_errors gets 1 when the matching
 * routes (or the program, when none) answer errors as JSON.
 */
enum route_match route_find(const struct route *table, size_t count, enum program program,
			    unsigned method, const GPtrArray *segments, const struct route **route,
			    GHashTable *params, unsigned *allowed, int *json_errors);

/*
 * Checks a route table for mistakes: patterns (a leading '/', known
 * parameter types, at most ROUTE_PARAMS_MAX parameters, no name twice,
 * inputs declared twice or without a label where needed), a handler on every
 * route, a CSRF check on every POST of sirius-web unless ROUTE_NO_CSRF, body
 * limits over ROUTE_BODY_UPLOAD_MAX. Returns 0, or -1 with the first mistake in err.
 */
int routes_check(const struct route *table, size_t count, struct sirius_error *err);

#endif
