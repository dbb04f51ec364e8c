/* fcgi_main.c: the FastCGI accept loop of sirius-web and sirius-api (also plain CGI: FCGI_Accept returns once). */
#include <stdlib.h>

#include "context.h"
#include "dispatch.h"
#include "fetch.h"
#include "print_settings.h"
#include "render.h"
#include "sirius_config.h"

/* Last: its macros turn stdio into FastCGI's streams, which only this file's own code may see. */
#include <fcgi_stdio.h>

#ifndef SIRIUS_PROGRAM
#error "build with -DSIRIUS_PROGRAM=PROGRAM_WEB or PROGRAM_API and -DSIRIUS_PROGRAM_NAME"
#endif

/* The request's CGI variables: FCGI_Accept points environ at them for each request. */
extern char **environ;

/* Reads the request body from FastCGI's (or CGI's) stdin; a body_reader. */
static size_t read_stdin(void *opaque, char *buf, size_t size)
{
	(void)opaque;
	return fread(buf, 1, size, stdin);
}

/*
 * Serves requests until the web server closes the FastCGI socket (or, run as
 * plain CGI, the one request). Everything of a request lives in its struct
 * ctx and is freed before the next is accepted. Returns 0.
 */
int main(void)
{
	struct sirius_error err = { "" };
	struct app app;

	/* Settings are the process's, read once: sirius.conf and .env fill what the environment leaves unset. */
	if (config_load(&err) < 0) {
		fprintf(stderr, "%s: %s\n", SIRIUS_PROGRAM_NAME, err.message);
		return 1;
	}
	/* Read before FCGI_Accept, which replaces the environment with each request's. */
	print_settings_reload();
	fetch_settings_load();
	app_init(&app, SIRIUS_PROGRAM, SIRIUS_PROGRAM_NAME);
	while (FCGI_Accept() >= 0) {
		struct ctx ctx;
		GString *out;

		ctx_init(&ctx, &app, environ, read_stdin, NULL);
		dispatch(&ctx);
		out = response_serialize(&ctx.res, ctx.req.method == METHOD_HEAD);
		/*
		 * Not flushed here: the next FCGI_Accept finishes the request and
		 * sends what libfcgi's 8 KiB buffer holds of the reply with the
		 * records that end it, in one write for the usual short answer. A
		 * flush sent the reply alone, and lighttpd, which closes the
		 * connection once it has the whole body, made the ending's write
		 * fail with EPIPE. Run as plain CGI, exit flushes stdout.
		 */
		fwrite(out->str, 1, out->len, stdout);
		g_string_free(out, TRUE);
		ctx_free(&ctx);
	}
	app_free(&app);
	render_release_fonts();
	return 0;
}
