/* db_subscriptions.h: printers' subscriptions to publications and their delivery state, in the database. */
#ifndef SIRIUS_DB_SUBSCRIPTIONS_H
#define SIRIUS_DB_SUBSCRIPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"

#define DB_PUSH_TOKEN_LEN 32     /* characters of a push token ([a-z0-9]) */
#define DB_SUBSCRIPTION_URL_MAX 2048 /* bytes of a publication's base URL */
#define DB_TIMEZONE_MAX 64       /* bytes of an IANA zone name */

/* One subscription (a row of subscriptions). */
struct db_subscription {
	int64_t id;                         /* positive */
	int64_t printer_id;                 /* whose */
	char url[DB_SUBSCRIPTION_URL_MAX];  /* the publication's base URL */
	char name[128];                     /* its name */
	char *meta_json;                    /* meta.json as read (g_malloc'd; db_subscription_clear) */
	char *config_json;                  /* the config values, a JSON object (g_malloc'd) */
	int delivery_time;                  /* minutes after local midnight, 0..1439 */
	int days;                           /* weekdays, bit 0 Monday .. bit 6 Sunday; 1..127 */
	char mode[8];                       /* "button" (waits for the button) or "print" (prints at once) */
	int paused;                         /* 1 while paused */
	char push_token[DB_PUSH_TOKEN_LEN + 1]; /* Bearer token of the push API */
	int64_t delivery_count;             /* editions delivered */
	char last_etag[256];                /* "" when none */
	int64_t next_due;                   /* the next delivery time; 0 while paused */
	int64_t retry_at;                   /* 0 when no retry is waiting */
	int attempts;                       /* failed tries for next_due */
	int64_t last_try;                   /* 0 never */
	char last_state[16];                /* "", "delivered", "nothing", "retrying", "failed", "sending" */
	char last_message[256];             /* what happened, in words */
	int64_t last_message_id;            /* the last edition's message, 0 none */
	int64_t created;                    /* when subscribed */
};

/*
 * Adds a subscription from in (printer_id, url, name, meta_json,
 * config_json, delivery_time, days, mode, next_due) with a fresh push
 * token, written back into in with its id. Returns 0, or -1 with a reason.
 */
int db_subscription_create(struct db *db, struct db_subscription *in, int64_t now, struct sirius_error *err);

/* Reads subscription id into out (clear it after). Returns 1, 0 when there is none, or -1. */
int db_subscription_get(struct db *db, int64_t id, struct db_subscription *out, struct sirius_error *err);

/* The subscriptions of a printer, oldest first (free with db_subscriptions_free). Returns 0 or -1. */
int db_subscriptions_of_printer(struct db *db, int64_t printer_id, struct db_subscription **list, size_t *count,
				struct sirius_error *err);

/* The unpaused subscriptions due (or due for a retry) at or before before, soonest first. Returns 0 or -1. */
int db_subscriptions_due(struct db *db, int64_t before, struct db_subscription **list, size_t *count,
			 struct sirius_error *err);

/* When the soonest unpaused subscription is due (or to be retried), in *when (0 when none). Returns 0 or -1. */
int db_subscriptions_next(struct db *db, int64_t *when, struct sirius_error *err);

/* Frees the strings of one subscription. */
void db_subscription_clear(struct db_subscription *sub);

/* Frees a list from db_subscriptions_of_printer or db_subscriptions_due. */
void db_subscriptions_free(struct db_subscription *list, size_t count);

/*
 * Pauses (paused 1) or resumes (paused 0, next due at next_due) subscription
 * id of printer printer_id. Returns rows changed (0: not that printer's), or -1.
 */
int db_subscription_pause(struct db *db, int64_t id, int64_t printer_id, int paused, int64_t next_due,
			  struct sirius_error *err);

/* Removes subscription id of printer printer_id. Returns rows changed, or -1. */
int db_subscription_delete(struct db *db, int64_t id, int64_t printer_id, struct sirius_error *err);

/* The outcome of one delivery try, for db_subscription_record. */
struct db_subscription_try {
	int64_t next_due;        /* the next delivery time (ignored while paused) */
	int64_t retry_at;        /* 0: no retry */
	int attempts;            /* failed tries for next_due */
	const char *state;       /* "delivered", "nothing", "retrying", "failed", "sending" */
	const char *message;     /* in words */
	int64_t message_id;      /* the message sent, 0 none (keeps the last) */
	int delivered;           /* 1 counts an edition delivered */
	const char *etag;        /* ETag delivered, NULL keeps the last */
};

/* Records a try of subscription id at now. Returns rows changed, or -1. */
int db_subscription_record(struct db *db, int64_t id, int64_t now, const struct db_subscription_try *t,
			   struct sirius_error *err);

/* The printer's time zone into out ("" when it has none: the server's). Returns 1, 0 no such printer, or -1. */
int db_printer_timezone(struct db *db, int64_t printer_id, char *out, size_t size, struct sirius_error *err);

/* Sets (or with NULL or "" clears) the printer's time zone. Returns rows changed, or -1. */
int db_printer_set_timezone(struct db *db, int64_t printer_id, const char *zone, struct sirius_error *err);

#endif
