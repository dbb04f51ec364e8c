/* subscription.h: delivering publications to printers: delivery times in a printer's zone, one edition's fetch, render and send. */
#ifndef SIRIUS_SUBSCRIPTION_H
#define SIRIUS_SUBSCRIPTION_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "db_subscriptions.h"
#include "error.h"
#include "render.h"

/*
 * How to use it: the web pages compute a new subscription's first due time
 * with subscription_next_due; the scheduler (tools/sirius-scheduler) calls
 * subscription_run for each subscription db_subscriptions_due returns; the
 * "deliver now" action and the push API call subscription_run with
 * SUBSCRIPTION_NOW and subscription_send.
 *
 * Never twice: before an edition is sent, the subscription moves on to its
 * next due time (state "sending"), so a crash after sending cannot send it
 * again; a time missed while nothing ran is due once (the next due time is
 * computed from the time of the run, not from the missed one).
 */

#define SUBSCRIPTION_MAX_ATTEMPTS 5      /* tries of one edition (the first and 4 retries) */
#define SUBSCRIPTION_RETRY_FIRST 60      /* seconds before the first retry; doubled each time */
#define SUBSCRIPTION_RETRY_MAX 1800      /* longest wait between tries, in seconds */
#define SUBSCRIPTION_ALL_DAYS 127        /* every weekday */

/* 1 when zone is an IANA time zone name known to this system; else 0. */
int subscription_timezone_valid(const char *zone);

/* Reads "HH:MM" (00:00 to 23:59) into *minute (minutes after midnight). Returns 1, or 0 for anything else. */
int subscription_parse_time(const char *text, int *minute);

/*
 * The first time after after (seconds since 1970) that is minute minutes
 * after a local midnight of zone (NULL or "": the local zone) on one of days
 * (bit 0 Monday .. bit 6 Sunday). A local time that does not exist (a
 * daylight-saving gap) is taken as the moment after the gap. Returns 0 when
 * days is 0.
 */
int64_t subscription_next_due(int64_t after, int minute, int days, const char *zone);

/* when in zone as ISO 8601 with offset ("2024-05-01T08:00:00+01:00") into out (at least 32 bytes). */
void subscription_local_time(int64_t when, const char *zone, char *out, size_t size);

/* What a delivery uses besides the database: where the relay is and how to render. */
struct subscription_env {
	const char *relay_socket;              /* the relay's control socket */
	const struct render_limits *limits;    /* NULL: render_limits_default */
	const char *timezone;                  /* zone of print headers when the printer has none; NULL local */
	const char *external_renderer;         /* SIRIUS_HTML_RENDERER, NULL none */
	long fetch_timeout_ms;                 /* of an edition; 0 the fetcher's default */
	int64_t (*wait_until)(int64_t when, void *opaque); /* the scheduler's: sleeps until when (an edition
							       fetched early is sent on time), returns the time
							       then; NULL sends at once */
	void *wait_opaque;                     /* wait_until's argument */
};

/* The outcome of subscription_send. */
struct subscription_sent {
	uint32_t message_id;                   /* the stored message, 0 when none */
	int offline;                           /* 1 when it waits in the outbox (the printer is offline or busy) */
	int warning_count;                     /* images that could not be loaded */
	char warnings[RENDER_WARNINGS_MAX][RENDER_WARNING_LEN]; /* as render_result's */
};

/*
 * Renders body (of kind) with the page template, the publication's name as
 * sender, remote images fetched, at now, and sends it to the subscription's
 * printer's outbox: set_delivery (waits for the button) or
 * set_delivery_and_print as its mode says. Returns 0 sent or queued (*sent
 * filled), 1 when the renderer refused it or the print was refused (too
 * detailed; offline under SIRIUS_OFFLINE=refuse), with why for the owner,
 * -1 on a fault (why).
 */
int subscription_send(struct db *db, const struct subscription_env *env, const struct db_subscription *sub,
		      enum render_kind kind, const uint8_t *body, size_t len, int64_t now,
		      struct subscription_sent *sent, char *why, size_t why_size);

/* How subscription_run treats the schedule. */
enum subscription_run_mode {
	SUBSCRIPTION_SCHEDULED, /* the scheduler: moves next_due on, retries failures with backoff */
	SUBSCRIPTION_NOW,       /* the owner's "deliver now": leaves the schedule as it is, no retries */
};

/*
 * Fetches the subscription's edition for its due time (now for
 * SUBSCRIPTION_NOW), and delivers it when there is one, recording the
 * outcome (state and words) in the database. Returns 0 after recording
 * (whatever the outcome), -1 on a database fault (err).
 */
int subscription_run(struct db *db, const struct subscription_env *env, const struct db_subscription *sub,
		     int64_t now, enum subscription_run_mode mode, struct sirius_error *err);

#endif
