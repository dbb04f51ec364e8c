/* subscription.c: a subscription's schedule in its printer's zone, and fetching, rendering and sending one edition. */
#include "subscription.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "print_job.h"
#include "printer_payload.h"
#include "publication.h"

/* Days searched for the next delivery: a week and a day covers every weekday and a zone change. */
#define SEARCH_DAYS 9

int subscription_timezone_valid(const char *zone)
{
	GTimeZone *tz;
	size_t i;

	if (!zone || !zone[0] || strlen(zone) >= DB_TIMEZONE_MAX)
		return 0;
	/* Names only ("Europe/London", "UTC"): no offsets, no paths. */
	for (i = 0; zone[i]; i++)
		if (!g_ascii_isalnum(zone[i]) && !strchr("/_+-", zone[i]))
			return 0;
	if (zone[0] == '/' || strstr(zone, ".."))
		return 0;
	tz = g_time_zone_new_identifier(zone);
	if (!tz)
		return 0;
	g_time_zone_unref(tz);
	return 1;
}

int subscription_parse_time(const char *text, int *minute)
{
	int h, m;

	if (!text || strlen(text) != 5 || !g_ascii_isdigit(text[0]) || !g_ascii_isdigit(text[1]) || text[2] != ':' ||
	    !g_ascii_isdigit(text[3]) || !g_ascii_isdigit(text[4]))
		return 0;
	h = (text[0] - '0') * 10 + (text[1] - '0');
	m = (text[3] - '0') * 10 + (text[4] - '0');
	if (h > 23 || m > 59)
		return 0;
	*minute = h * 60 + m;
	return 1;
}

/* The zone of name, the local one when name is NULL, empty or unknown. */
static GTimeZone *zone_of(const char *name)
{
	GTimeZone *tz = name && name[0] ? g_time_zone_new_identifier(name) : NULL;

	return tz ? tz : g_time_zone_new_local();
}

int64_t subscription_next_due(int64_t after, int minute, int days, const char *zone)
{
	GTimeZone *tz = zone_of(zone);
	GDateTime *now = g_date_time_new_from_unix_utc(after), *local, *day;
	int64_t found = 0;
	int i;

	if (!now || days <= 0) {
		if (now)
			g_date_time_unref(now);
		g_time_zone_unref(tz);
		return 0;
	}
	local = g_date_time_to_timezone(now, tz);
	/* From the day before, in case the zone is behind UTC's date. */
	for (i = -1; i < SEARCH_DAYS && !found; i++) {
		GDateTime *candidate;
		int64_t t;

		day = g_date_time_add_days(local, i);
		candidate = g_date_time_new(tz, g_date_time_get_year(day), g_date_time_get_month(day),
					    g_date_time_get_day_of_month(day), minute / 60, minute % 60, 0);
		g_date_time_unref(day);
		if (!candidate)
			continue;
		t = g_date_time_to_unix(candidate);
		if (t > after && (days & (1 << (g_date_time_get_day_of_week(candidate) - 1))))
			found = t;
		g_date_time_unref(candidate);
	}
	g_date_time_unref(local);
	g_date_time_unref(now);
	g_time_zone_unref(tz);
	return found;
}

void subscription_local_time(int64_t when, const char *zone, char *out, size_t size)
{
	GTimeZone *tz = zone_of(zone);
	GDateTime *utc = g_date_time_new_from_unix_utc(when), *local = utc ? g_date_time_to_timezone(utc, tz) : NULL;
	char *text = local ? g_date_time_format(local, "%Y-%m-%dT%H:%M:%S%:z") : NULL;

	g_strlcpy(out, text ? text : "", size);
	g_free(text);
	if (local)
		g_date_time_unref(local);
	if (utc)
		g_date_time_unref(utc);
	g_time_zone_unref(tz);
}

int subscription_send(struct db *db, const struct subscription_env *env, const struct db_subscription *sub,
		      enum render_kind kind, const uint8_t *body, size_t len, int64_t now,
		      struct subscription_sent *sent, char *why, size_t why_size)
{
	struct render_options options;
	struct render_result rendered;
	struct print_job_result job;
	struct sirius_error err = { "" };
	const struct bitmap *images[1];
	char zone[DB_TIMEZONE_MAX], sender[DB_SENDER_MAX + 1];
	enum render_status st;
	int rc;

	memset(sent, 0, sizeof(*sent));
	if (db_printer_timezone(db, sub->printer_id, zone, sizeof(zone), &err) < 0) {
		snprintf(why, why_size, "%s", err.message);
		return -1;
	}
	memset(&options, 0, sizeof(options));
	/* The sender is the publication, cut to what a message may name. */
	g_strlcpy(sender, sub->name[0] ? sub->name : "Publication", sizeof(sender));
	if (!g_utf8_validate(sender, -1, NULL))
		g_strlcpy(sender, "Publication", sizeof(sender));
	options.sender = sender;
	options.when = (time_t)now;
	options.timezone = zone[0] ? zone : env->timezone;
	options.use_template = 1;
	options.external_renderer = env->external_renderer;
	options.fetch_images = 1;
	st = render_message(kind, body, len, &options, env->limits, &rendered, &err);
	if (st != RENDER_OK) {
		snprintf(why, why_size, "the edition cannot be printed (%s): %s", render_status_name(st), err.message);
		return st == RENDER_NO_MEMORY ? -1 : 1;
	}
	sent->warning_count = rendered.warning_count;
	memcpy(sent->warnings, rendered.warnings, sizeof(sent->warnings));
	images[0] = rendered.bitmap;
	rc = print_job_send(db, env->relay_socket, sub->printer_id,
			    strcmp(sub->mode, "print") == 0 ? PRINTER_SET_DELIVERY_AND_PRINT : PRINTER_SET_DELIVERY, images,
			    1, sender, now, &job, &err);
	bitmap_free(rendered.bitmap);
	sent->message_id = job.message_id;
	if (rc != 0 && job.message_id == 0 && job.outcome == PRINT_JOB_TOO_DETAILED) {
		snprintf(why, why_size, "%s", err.message);
		return 1;
	}
	if (rc != 0 && job.message_id == 0) {
		snprintf(why, why_size, "%s", err.message);
		return -1;
	}
	if (job.outcome == PRINT_JOB_OFFLINE) {
		snprintf(why, why_size, "the printer is offline, and this server refuses prints for offline printers");
		return 1;
	}
	/* Queued: the relay sends it when the printer is back. */
	sent->offline = job.outcome == PRINT_JOB_QUEUED;
	return 0;
}

/* Seconds to wait before retry number attempt (1, 2, ...): doubling from SUBSCRIPTION_RETRY_FIRST, bounded. */
static int64_t backoff(int attempt)
{
	int64_t wait = SUBSCRIPTION_RETRY_FIRST;

	while (--attempt > 0 && wait < SUBSCRIPTION_RETRY_MAX)
		wait *= 2;
	return wait < SUBSCRIPTION_RETRY_MAX ? wait : SUBSCRIPTION_RETRY_MAX;
}

/* Reads the flags of meta.json and config as an object (config_out; delete it). */
static void read_meta(const struct db_subscription *sub, struct publication_meta *meta, cJSON **config)
{
	struct sirius_error err;

	if (publication_meta_parse(sub->meta_json, strlen(sub->meta_json), sub->url, meta, &err) < 0)
		memset(meta, 0, sizeof(*meta));
	*config = cJSON_Parse(sub->config_json);
	if (!cJSON_IsObject(*config)) {
		cJSON_Delete(*config);
		*config = cJSON_CreateObject();
	}
}

int subscription_run(struct db *db, const struct subscription_env *env, const struct db_subscription *sub,
		     int64_t now, enum subscription_run_mode mode, struct sirius_error *err)
{
	struct publication_meta meta;
	struct edition_request req;
	struct edition ed;
	struct db_subscription_try t;
	struct subscription_sent sent;
	enum render_kind kind;
	char zone[DB_TIMEZONE_MAX], when[40], message[SIRIUS_ERROR_MAX + 64], why[SIRIUS_ERROR_MAX + 64];
	cJSON *config;
	int64_t due = mode == SUBSCRIPTION_NOW || !sub->next_due ? now : sub->next_due;
	int64_t next;
	int rc;

	if (db_printer_timezone(db, sub->printer_id, zone, sizeof(zone), err) < 0)
		return -1;
	/* The schedule moves on from now, so that days missed while nothing ran count once. */
	next = mode == SUBSCRIPTION_NOW ? sub->next_due
				       : subscription_next_due(now > due ? now : due, sub->delivery_time, sub->days, zone);
	read_meta(sub, &meta, &config);
	subscription_local_time(due, zone, when, sizeof(when));
	memset(&req, 0, sizeof(req));
	req.base = sub->url;
	req.local_delivery_time = when;
	req.delivery_count = sub->delivery_count;
	req.send_timezone_info = meta.send_timezone_info;
	req.send_delivery_count = meta.send_delivery_count;
	req.config = config;
	req.last_etag = mode == SUBSCRIPTION_NOW ? NULL : sub->last_etag;
	req.timeout_ms = env->fetch_timeout_ms;
	publication_edition(&req, &ed);
	cJSON_Delete(config);
	memset(&t, 0, sizeof(t));
	t.next_due = next;
	if (ed.status == EDITION_NOTHING) {
		t.state = "nothing";
		t.message = ed.message;
		rc = db_subscription_record(db, sub->id, now, &t, err);
		edition_clear(&ed);
		return rc < 0 ? -1 : 0;
	}
	if (ed.status == EDITION_FAILED) {
		int attempts = sub->attempts + 1;
		int64_t retry = now + backoff(attempts);

		if (mode == SUBSCRIPTION_SCHEDULED && attempts < SUBSCRIPTION_MAX_ATTEMPTS && (!next || retry < next)) {
			snprintf(message, sizeof(message), "the edition could not be fetched (%s); trying again", ed.message);
			t.next_due = sub->next_due;
			t.retry_at = retry;
			t.attempts = attempts;
			t.state = "retrying";
		} else {
			snprintf(message, sizeof(message), "the edition could not be fetched: %s", ed.message);
			t.state = "failed";
		}
		t.message = message;
		rc = db_subscription_record(db, sub->id, now, &t, err);
		edition_clear(&ed);
		return rc < 0 ? -1 : 0;
	}
	if (render_kind_from_mime(ed.content_type, &kind) != 0)
		kind = RENDER_HTML;
	/* Fetched ahead of time: sent when it is due. */
	if (mode == SUBSCRIPTION_SCHEDULED && env->wait_until && due > now)
		now = env->wait_until(due, env->wait_opaque);
	/* Moved on before sending: a crash from here on cannot deliver this edition twice. */
	t.state = "sending";
	t.message = "sending the edition";
	if (db_subscription_record(db, sub->id, now, &t, err) < 0) {
		edition_clear(&ed);
		return -1;
	}
	rc = subscription_send(db, env, sub, kind, (const uint8_t *)ed.body, ed.len, now, &sent, why, sizeof(why));
	memset(&t, 0, sizeof(t));
	t.next_due = next;
	if (rc == 0) {
		snprintf(message, sizeof(message), "%s%s%s",
			 sent.offline ? "queued: the edition waits for the printer"
				      : strcmp(sub->mode, "print") == 0 ? "sent to the printer"
									: "waiting for the button",
			 sent.warning_count ? "; " : "", sent.warning_count ? sent.warnings[0] : "");
		t.state = "delivered";
		t.delivered = 1;
		t.message_id = sent.message_id;
		t.etag = ed.etag[0] ? ed.etag : NULL;
	} else {
		snprintf(message, sizeof(message), "%s", why);
		t.state = "failed";
		t.message_id = sent.message_id;
	}
	t.message = message;
	edition_clear(&ed);
	return db_subscription_record(db, sub->id, now, &t, err) < 0 ? -1 : 0;
}
