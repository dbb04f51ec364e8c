/* context.h: the process-wide state of a program (struct app) and the per-request context (struct ctx). */
#ifndef SIRIUS_CGI_CONTEXT_H
#define SIRIUS_CGI_CONTEXT_H

#include <stdint.h>

#include <glib.h>

#include "db.h"
#include "error.h"
#include "paths.h"
#include "request.h"
#include "response.h"
#include "routes.h"
#include "session.h"
#include "template.h"

/*
 * struct app lives as long as the process and holds only configuration and
 * caches: the paths read from the environment at start, the parsed
 * templates and the database connection (opened at first use, kept).
 * Nothing of a request is ever stored in it. struct ctx is made for one
 * request, passed by pointer to everything, and freed at its end.
 */
struct app {
	enum program program;                   /* which routes this process serves */
	const char *name;                       /* "sirius-web" or "sirius-api", for logs */
	char www_dir[PATHS_MAX];                /* templates/ and static/ are in here */
	char db_path[PATHS_MAX];                /* the database file */
	char relay_socket[PATHS_MAX];           /* the relay's control socket; "" when it cannot be named */
	char base_url[512];                     /* SIRIUS_BASE_URL without a trailing '/'; "" when unset */
	int base_https;                         /* 1 when base_url is https: (cookies get Secure) */
	struct template_set *templates;         /* www_dir/templates, parsed once */
	struct db *db;                          /* the connection; NULL until opened */
	char setup_error[SIRIUS_ERROR_MAX];     /* why the program cannot serve; "" when it can */
	unsigned long requests;                 /* requests served, for periodic housekeeping */
	int limit_factor;                       /* claim and sign-up limits are multiplied by it (1..1000) */
};

struct ctx {
	struct app *app;                        /* the process's state */
	int64_t now;                            /* the request's time (seconds since 1970) */
	char *const *envp;                      /* the request's CGI environment */
	body_reader read_body;                  /* reads the request body */
	void *read_opaque;                      /* read_body's argument */
	struct request req;                     /* what was asked */
	struct response res;                    /* what is answered */
	const struct route *route;              /* the route, once found; NULL before (and for 404) */
	int json_errors;                        /* 1 when errors are answered as JSON */
	GHashTable *inputs;                     /* validated inputs: name -> struct input_value * */
	char input_error[REQUEST_WHY_MAX];      /* ROUTE_FORM_ERRORS: the first invalid input's message; "" */
	struct db *db;                          /* the database, once the database check passed; else NULL */
	struct session session;                 /* who is signed in */
};

/*
 * Reads the program's configuration from the process environment (SIRIUS_WWW,
 * SIRIUS_VAR, SIRIUS_DB, SIRIUS_RELAY_SOCKET, SIRIUS_BASE_URL,
 * SIRIUS_PASSWORD_COST, SIRIUS_LIMIT_FACTOR: a whole number 1..1000 that
 * multiplies the claim and sign-up rate limits, for test stacks where every
 * request comes from one address; 1 by default) and checks the route table. Never fails: a problem is
 * logged, kept in setup_error and answered with 500 to every request.
 */
void app_init(struct app *app, enum program program, const char *name);

/* Closes the database and frees the templates. */
void app_free(struct app *app);

/*
 * The database, opened at the first call and kept; a failed open (such as
 * SQLITE_BUSY while another process migrates) is retried a few times.
 * Returns NULL with a reason in err when it cannot be opened.
 */
struct db *app_db(struct app *app, struct sirius_error *err);

/* Sets up ctx for one request from envp; the body is read later through read. */
void ctx_init(struct ctx *ctx, struct app *app, char *const *envp, body_reader read, void *opaque);

/* Frees everything of the request. */
void ctx_free(struct ctx *ctx);

#endif
