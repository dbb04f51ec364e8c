/* sirius-scheduler.c: the daemon that delivers publications' editions at their subscriptions' times. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "db.h"
#include "db_subscriptions.h"
#include "fetch.h"
#include "paths.h"
#include "render.h"
#include "sirius_config.h"
#include "subscription.h"

/* Defaults of the options. */
#define DEFAULT_PREFETCH 30     /* seconds an edition is fetched before its time */
#define DEFAULT_INTERVAL 30     /* longest sleep between looks at the database, in seconds */
#define DEFAULT_FETCH_TIMEOUT 20 /* seconds one edition may take to arrive */

/* Set by SIGTERM and SIGINT. */
static volatile sig_atomic_t stopping;

/* The scheduler's settings and clock. */
struct scheduler {
	char db_path[PATHS_MAX];       /* the database */
	char relay_socket[PATHS_MAX];  /* the relay's control socket */
	const char *clock_file;        /* a file holding the time (seconds since 1970), for tests; NULL: the real clock */
	int prefetch;                  /* seconds editions are fetched early */
	int interval;                  /* longest sleep, in seconds */
	int once;                      /* 1: one pass, then exit */
	int fetch_timeout;             /* seconds an edition may take to arrive */
	struct render_limits limits;   /* of every edition */
};

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/*
 * The time: the real clock, or the number in the clock file (a test moves
 * it). Returns -1 when the clock file cannot be read as a time.
 */
static int64_t clock_now(const struct scheduler *s)
{
	char *text = NULL, *end;
	long long t;

	if (!s->clock_file)
		return (int64_t)time(NULL);
	if (!g_file_get_contents(s->clock_file, &text, NULL, NULL))
		return -1;
	errno = 0;
	t = strtoll(text, &end, 10);
	if (errno || end == text || t <= 0 || (*end && *end != '\n'))
		t = -1;
	g_free(text);
	return t;
}

/* Sleeps seconds (at least 1), woken early by a signal. */
static void nap(int64_t seconds)
{
	struct timespec ts = { seconds < 1 ? 1 : (time_t)seconds, 0 };

	nanosleep(&ts, NULL);
}

/* subscription_env's wait_until: sleeps until when on the scheduler's clock; returns the time then. */
static int64_t wait_until(int64_t when, void *opaque)
{
	const struct scheduler *s = opaque;
	int64_t now = clock_now(s);

	/* A test clock does not move by itself: the edition goes when the test says it is due. */
	while (!s->clock_file && !stopping && now >= 0 && now < when) {
		nap(when - now);
		now = clock_now(s);
	}
	return now >= when ? now : when;
}

/* Runs what is due by now + prefetch. Returns 0, or -1 on a database fault. */
static int pass(struct scheduler *s, struct db *db, int64_t now)
{
	struct subscription_env env;
	struct db_subscription *due = NULL;
	struct sirius_error err = { "" };
	const char *zone = config_value("SIRIUS_TIMEZONE");
	size_t n = 0, i;

	memset(&env, 0, sizeof(env));
	env.relay_socket = s->relay_socket;
	env.limits = &s->limits;
	env.timezone = zone && zone[0] ? zone : NULL;
	env.external_renderer = config_value("SIRIUS_HTML_RENDERER");
	if (env.external_renderer && !env.external_renderer[0])
		env.external_renderer = NULL;
	env.fetch_timeout_ms = s->fetch_timeout * 1000L;
	env.wait_until = wait_until;
	env.wait_opaque = s;
	if (db_subscriptions_due(db, now + s->prefetch, &due, &n, &err) < 0) {
		fprintf(stderr, "sirius-scheduler: %s\n", err.message);
		return -1;
	}
	for (i = 0; i < n && !stopping; i++) {
		struct db_subscription after;
		int64_t at = clock_now(s);

		if (subscription_run(db, &env, &due[i], at > now ? at : now, SUBSCRIPTION_SCHEDULED, &err) < 0) {
			fprintf(stderr, "sirius-scheduler: subscription %lld: %s\n", (long long)due[i].id, err.message);
			continue;
		}
		if (db_subscription_get(db, due[i].id, &after, &err) > 0) {
			fprintf(stderr, "sirius-scheduler: subscription %lld (%s): %s: %s\n", (long long)after.id,
				after.name, after.last_state, after.last_message);
			db_subscription_clear(&after);
		}
	}
	db_subscriptions_free(due, n);
	return 0;
}

/* Writes the help text to f. */
static void usage(FILE *f)
{
	fprintf(f,
		"usage: sirius-scheduler [--once] [--clock-file FILE] [--prefetch SECONDS] [--interval SECONDS]\n"
		"                        [--fetch-timeout SECONDS] [--db PATH] [--socket PATH]\n\n"
		"Delivers the editions of the publications printers subscribe to, at their times:\n"
		"fetched --prefetch seconds early (default %d), retried with a growing wait when\n"
		"they fail, sent through the relay. What is due is kept in the database, so a\n"
		"delivery time missed while the scheduler was stopped is delivered once when it\n"
		"starts again.\n\n"
		"  --once             one pass over what is due, then exit\n"
		"  --clock-file FILE  take the time from FILE (seconds since 1970), for tests\n"
		"  --interval SECONDS longest sleep between looks at the database (default %d)\n"
		"  --fetch-timeout SECONDS  how long an edition may take to arrive (default %d)\n"
		"  --db PATH          the database (default: $SIRIUS_DB)\n"
		"  --socket PATH      the relay's control socket (default: $SIRIUS_RELAY_SOCKET)\n",
		DEFAULT_PREFETCH, DEFAULT_INTERVAL, DEFAULT_FETCH_TIMEOUT);
}

/* Reads a number of seconds 0..86400 from an option; exits on anything else. */
static int seconds_arg(const char *name, const char *text)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (!*text || *end || v < 0 || v > 86400) {
		fprintf(stderr, "sirius-scheduler: %s wants a number of seconds (0 to 86400), not \"%s\"\n", name, text);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "once", no_argument, NULL, 'o' },         { "clock-file", required_argument, NULL, 'c' },
		{ "prefetch", required_argument, NULL, 'p' }, { "interval", required_argument, NULL, 'i' },
		{ "db", required_argument, NULL, 'd' },       { "socket", required_argument, NULL, 's' },
		{ "fetch-timeout", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scheduler s;
	struct sirius_error err = { "" };
	struct sigaction sa;
	struct db *db;
	long n;
	int opt, rc = 0;

	memset(&s, 0, sizeof(s));
	s.prefetch = DEFAULT_PREFETCH;
	s.interval = DEFAULT_INTERVAL;
	s.fetch_timeout = DEFAULT_FETCH_TIMEOUT;
	if (config_load(&err) < 0 || config_resolved("SIRIUS_DB", s.db_path, sizeof(s.db_path), &err) < 0 ||
	    config_resolved("SIRIUS_RELAY_SOCKET", s.relay_socket, sizeof(s.relay_socket), &err) < 0) {
		fprintf(stderr, "sirius-scheduler: %s\n", err.message);
		return 1;
	}
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			s.once = 1;
			break;
		case 'c':
			s.clock_file = optarg;
			break;
		case 'p':
			s.prefetch = seconds_arg("--prefetch", optarg);
			break;
		case 'i':
			s.interval = seconds_arg("--interval", optarg);
			break;
		case 't':
			s.fetch_timeout = seconds_arg("--fetch-timeout", optarg);
			if (s.fetch_timeout < 1) {
				fprintf(stderr, "sirius-scheduler: --fetch-timeout wants at least 1 second\n");
				return 2;
			}
			break;
		case 'd':
			g_strlcpy(s.db_path, optarg, sizeof(s.db_path));
			break;
		case 's':
			g_strlcpy(s.relay_socket, optarg, sizeof(s.relay_socket));
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	render_limits_default(&s.limits);
	if (config_number("SIRIUS_MAX_TEXT_BYTES", &n, NULL) == 0)
		s.limits.max_body_bytes = (size_t)n;
	if (config_number("SIRIUS_MAX_IMAGE_BYTES", &n, NULL) == 0)
		s.limits.max_image_bytes = (size_t)n;
	fetch_settings_load();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	db = db_open(s.db_path, &err);
	if (!db) {
		fprintf(stderr, "sirius-scheduler: %s\n", err.message);
		return 1;
	}
	while (!stopping) {
		int64_t now = clock_now(&s), next = 0, wait;

		if (now < 0) {
			fprintf(stderr, "sirius-scheduler: %s holds no time (seconds since 1970)\n", s.clock_file);
			rc = 1;
			break;
		}
		if (pass(&s, db, now) < 0)
			rc = 1;
		if (s.once)
			break;
		if (db_subscriptions_next(db, &next, &err) < 0)
			fprintf(stderr, "sirius-scheduler: %s\n", err.message);
		/* Until the next edition is to be fetched, looking again at least every interval for new ones. */
		wait = s.interval;
		if (next > 0 && next - s.prefetch - now < wait)
			wait = next - s.prefetch - now;
		if (s.clock_file && wait > 1)
			wait = 1;
		nap(wait);
	}
	db_close(db);
	render_release_fonts();
	return rc;
}
