/* context.c: a program's configuration and caches (struct app) and the life of one request's context. */
#include "context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "password.h"

/* How often opening the database is tried before a request gets 503, and the pause between tries. */
#define DB_OPEN_TRIES 3
#define DB_OPEN_PAUSE_US 200000

/*
 * The www directory: $SIRIUS_WWW; else the checkout's www/ when this program
 * runs from the checkout it was built from (decided as shared/paths.c
 * decides the var directory); else SIRIUS_DATADIR/www. Returns 0 or -1.
 */
static int www_dir(char *out, size_t size, struct sirius_error *err)
{
	const char *env = getenv("SIRIUS_WWW");
	char exe[PATHS_MAX], var[PATHS_MAX];
	ssize_t n;

	if (env && env[0])
		return g_strlcpy(out, env, size) < size ? 0 : error_set(err, "SIRIUS_WWW is too long");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0 && (size_t)n < sizeof(exe) - 1) {
		exe[n] = '\0';
		if (paths_default_var_dir(exe, var, sizeof(var), err) < 0)
			return -1;
		/* The checkout's var directory is <checkout>/var; an installed program's is elsewhere. */
		if (strcmp(var, SIRIUS_LOCALSTATEDIR "/lib/sirius") != 0 && g_str_has_suffix(var, "/var")) {
			var[strlen(var) - 4] = '\0';
			if ((size_t)snprintf(out, size, "%s/www", var) >= size)
				return error_set(err, "the www path is too long");
			return 0;
		}
	}
	if ((size_t)snprintf(out, size, "%s/www", SIRIUS_DATADIR) >= size)
		return error_set(err, "the www path is too long");
	return 0;
}

void app_init(struct app *app, enum program program, const char *name)
{
	const char *cost = getenv("SIRIUS_PASSWORD_COST");
	const char *base = getenv("SIRIUS_BASE_URL");
	const char *factor = getenv("SIRIUS_LIMIT_FACTOR");
	struct sirius_error err;
	char *templates;

	memset(app, 0, sizeof(*app));
	app->program = program;
	app->name = name;
	cgi_log_set_name(name);
	/* Read now: under FastCGI the environment of a request replaces the process's. */
	password_set_cost(cost && strcmp(cost, "minimum") == 0 ? PASSWORD_COST_MINIMUM
							      : PASSWORD_COST_INTERACTIVE);
	app->limit_factor = 1;
	if (factor && factor[0]) {
		char *end;
		long value = strtol(factor, &end, 10);

		if (*end || value < 1 || value > 1000)
			cgi_log("SIRIUS_LIMIT_FACTOR is not a whole number from 1 to 1000; ignored");
		else
			app->limit_factor = (int)value;
	}
	if (base && base[0]) {
		size_t len = g_strlcpy(app->base_url, base, sizeof(app->base_url));

		if (len >= sizeof(app->base_url) || (!g_str_has_prefix(base, "http://") && !g_str_has_prefix(base, "https://")) ||
		    strpbrk(base, "\r\n\"' <>")) {
			cgi_log("SIRIUS_BASE_URL is not an http:// or https:// address; ignored");
			app->base_url[0] = '\0';
		} else {
			while (len > 0 && app->base_url[len - 1] == '/')
				app->base_url[--len] = '\0';
			app->base_https = g_str_has_prefix(base, "https://");
		}
	}
	if (routes_check(route_table, route_count, &err) < 0)
		g_strlcpy(app->setup_error, err.message, sizeof(app->setup_error));
	else if (www_dir(app->www_dir, sizeof(app->www_dir), &err) < 0 ||
		 paths_database(app->db_path, sizeof(app->db_path), &err) < 0)
		g_strlcpy(app->setup_error, err.message, sizeof(app->setup_error));
	if (paths_relay_socket(app->relay_socket, sizeof(app->relay_socket), &err) < 0) {
		cgi_log("the relay socket: %s", err.message);
		app->relay_socket[0] = '\0';
	}
	if (app->setup_error[0]) {
		cgi_log("cannot serve: %s", app->setup_error);
		return;
	}
	templates = g_strdup_printf("%s/templates", app->www_dir);
	app->templates = template_set_new(templates);
	g_free(templates);
}

void app_free(struct app *app)
{
	db_close(app->db);
	template_set_free(app->templates);
	memset(app, 0, sizeof(*app));
}

struct db *app_db(struct app *app, struct sirius_error *err)
{
	int i;

	for (i = 0; !app->db && i < DB_OPEN_TRIES; i++) {
		if (i > 0)
			usleep(DB_OPEN_PAUSE_US);
		app->db = db_open(app->db_path, err);
	}
	return app->db;
}

void ctx_init(struct ctx *ctx, struct app *app, char *const *envp, body_reader read, void *opaque)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->app = app;
	ctx->now = (int64_t)time(NULL);
	ctx->envp = envp;
	ctx->read_body = read;
	ctx->read_opaque = opaque;
	ctx->json_errors = app->program == PROGRAM_API;
	ctx->inputs = inputs_table_new();
	response_init(&ctx->res);
}

void ctx_free(struct ctx *ctx)
{
	request_free(&ctx->req);
	response_free(&ctx->res);
	if (ctx->inputs)
		g_hash_table_destroy(ctx->inputs);
	memset(ctx, 0, sizeof(*ctx));
}
