/* page_publications.c: GET /publications/NAME/{meta.json,edition,sample} and POST /publications/NAME/validate_config, the server's own publications. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin_publications.h"
#include "fetch.h"
#include "page.h"
#include "web.h"

/* Feed items an edition holds unless the subscription says otherwise. */
#define FEED_ITEMS_DEFAULT 5

/* The longest name greeted, in bytes. */
#define GREETING_NAME_MAX 64

/*
 * The meta.json both built-in publications share: name, description, a daily
 * edition given the time zone, and an empty list of config fields, which is
 * returned in *fields.
 */
static cJSON *meta_daily(const char *name, const char *description, cJSON **fields)
{
	cJSON *meta = cJSON_CreateObject();

	cJSON_AddStringToObject(meta, "publication_api_version", "1.0");
	cJSON_AddStringToObject(meta, "name", name);
	cJSON_AddStringToObject(meta, "description", description);
	cJSON_AddStringToObject(meta, "delivered_on", "every day");
	cJSON_AddBoolToObject(meta, "send_timezone_info", 1);
	cJSON_AddBoolToObject(meta, "send_delivery_count", 0);
	*fields = cJSON_AddArrayToObject(cJSON_AddObjectToObject(meta, "config"), "fields");
	return meta;
}

/* Adds a config field of type, name and label to fields; returns it. */
static cJSON *meta_field(cJSON *fields, const char *type, const char *name, const char *label)
{
	cJSON *f = cJSON_CreateObject();

	cJSON_AddStringToObject(f, "type", type);
	cJSON_AddStringToObject(f, "name", name);
	cJSON_AddStringToObject(f, "label", label);
	cJSON_AddItemToArray(fields, f);
	return f;
}

/* meta.json of the good-morning publication. */
static cJSON *good_morning_meta(void)
{
	cJSON *fields, *meta = meta_daily("Good morning",
					  "A greeting, the date and the day's entries of your calendar (any iCalendar "
					  "address, optional), from this server.", &fields);

	meta_field(fields, "text", "name", "Your name (optional)");
	meta_field(fields, "text", "calendar", "Calendar address, an iCalendar (.ics) URL (optional)");
	return meta;
}

/* meta.json of the feed publication. */
static cJSON *feed_meta(void)
{
	static const char *const counts[] = { "1", "3", "5", "10", "20" };
	cJSON *fields, *options, *meta = meta_daily("News feed",
						    "The newest items of an RSS or Atom feed since the last edition, "
						    "from this server.", &fields);
	size_t i;

	meta_field(fields, "text", "url", "Feed address (RSS or Atom)");
	options = cJSON_AddArrayToObject(meta_field(fields, "select", "items", "Items at most"), "options");
	for (i = 0; i < G_N_ELEMENTS(counts); i++) {
		cJSON *pair = cJSON_CreateArray();

		cJSON_AddItemToArray(pair, cJSON_CreateString(counts[i]));
		cJSON_AddItemToArray(pair, cJSON_CreateString(counts[i]));
		cJSON_AddItemToArray(options, pair);
	}
	return meta;
}

/* Answers html (g_free'd here) as text/html with status 200 and etag when not NULL. */
static int reply_html(struct ctx *ctx, char *html, const char *etag)
{
	if (etag)
		response_header(&ctx->res, "ETag", "%s", etag);
	reply_body(ctx, 200, "text/html; charset=utf-8", html, strlen(html));
	g_free(html);
	return 0;
}

/* Answers an empty status (204 nothing today, 304 nothing new). */
static int reply_nothing(struct ctx *ctx, int status)
{
	ctx->res.status = status;
	ctx->res.replied = 1;
	return 0;
}

/* Fetches url (an address the subscriber gave) into *res. Returns 1, or 0 after answering 502 with the reason. */
static int fetch_source(struct ctx *ctx, const char *what, const char *url, size_t max, struct fetch_result *res)
{
	struct fetch_request req;

	fetch_request_init(&req, url);
	req.max_bytes = max;
	req.timeout_ms = 10000;
	if (fetch(&req, res) != FETCH_OK || res->http_status != 200) {
		if (res->status == FETCH_OK)
			reply_error(ctx, 502, "The %s could not be fetched: its server answered %ld.", what,
				    res->http_status);
		else
			reply_error(ctx, 502, "The %s could not be fetched: %s.", what, res->error);
		fetch_result_clear(res);
		return 0;
	}
	return 1;
}

/* GET edition of good-morning: the greeting for local_delivery_time's day, with the calendar's entries. */
static int good_morning_edition(struct ctx *ctx, int sample)
{
	const char *when = input_text(ctx, "local_delivery_time"), *calendar = input_text(ctx, "calendar");
	struct fetch_result res;
	struct sirius_error err;
	int64_t day;
	int offset = 0;
	char *html;

	memset(&res, 0, sizeof(res));
	if (sample || !when) {
		day = ctx->now - ctx->now % 86400;
	} else if (builtin_parse_local_time(when, &day, &offset) < 0) {
		return reply_error(ctx, 400, "local_delivery_time must be a time such as 2024-05-01T08:00:00+01:00.");
	}
	if (!sample && calendar && calendar[0]) {
		if (!fetch_url_valid(calendar))
			return reply_error(ctx, 400, "The calendar must be an http:// or https:// URL.");
		if (!fetch_source(ctx, "calendar", calendar, BUILTIN_CALENDAR_MAX, &res))
			return 0;
	}
	html = builtin_good_morning_html(day, offset, sample ? "" : input_text(ctx, "name"), res.body, res.len, &err);
	fetch_result_clear(&res);
	if (!html)
		return reply_error(ctx, 502, "The calendar could not be read: %s.", err.message);
	return reply_html(ctx, html, NULL);
}

/* The time in an ETag of ours ("feed-SECONDS"), or 0. */
static int64_t etag_time(const char *etag)
{
	long long t = 0;

	if (etag && sscanf(etag, "\"feed-%lld\"", &t) == 1 && t > 0)
		return t;
	return 0;
}

/*
 * GET edition of the feed: its newest items since the last edition, which
 * the ETag of that edition ("feed-TIME", sent back as If-None-Match) says;
 * 304 when nothing is newer.
 */
static int feed_edition(struct ctx *ctx, int sample)
{
	const char *url = input_text(ctx, "url");
	int64_t since = etag_time(env_lookup(ctx->envp, "HTTP_IF_NONE_MATCH")), newest;
	int items = input_int(ctx, "items") > 0 ? (int)input_int(ctx, "items") : FEED_ITEMS_DEFAULT;
	struct fetch_result res;
	struct sirius_error err;
	char *html, etag[40];
	int rc;

	if (sample)
		return reply_html(ctx,
				  g_strdup("<h1>News feed</h1>\n<h2>The newest headline</h2>\n<p>Each edition prints "
					   "the items the feed has gained since the last one.</p>\n"),
				  NULL);
	if (!url || !fetch_url_valid(url))
		return reply_error(ctx, 400, "The feed must be an http:// or https:// URL.");
	if (!fetch_source(ctx, "feed", url, BUILTIN_FEED_MAX, &res))
		return 0;
	rc = builtin_feed_html(res.body, res.len, items, since, &html, &newest, &err);
	fetch_result_clear(&res);
	if (rc < 0)
		return reply_error(ctx, 502, "The feed could not be read: %s.", err.message);
	if (rc == 0)
		return reply_nothing(ctx, since ? 304 : 204);
	snprintf(etag, sizeof(etag), "\"feed-%lld\"", (long long)newest);
	return reply_html(ctx, html, etag);
}

/* POST validate_config: checks the config object of publication name. Answers {"valid", "errors"}. */
static int validate(struct ctx *ctx, const char *name)
{
	const char *text = input_text(ctx, "config");
	cJSON *config = text ? cJSON_Parse(text) : NULL, *answer = cJSON_CreateObject(), *errors;
	const cJSON *v;

	errors = cJSON_CreateArray();
	if (!cJSON_IsObject(config)) {
		cJSON_AddItemToArray(errors, cJSON_CreateString("The settings are not a JSON object."));
	} else if (!strcmp(name, "good-morning")) {
		v = cJSON_GetObjectItemCaseSensitive(config, "calendar");
		if (cJSON_IsString(v) && v->valuestring[0] && !fetch_url_valid(v->valuestring))
			cJSON_AddItemToArray(errors, cJSON_CreateString("The calendar must be an http:// or https:// URL."));
		v = cJSON_GetObjectItemCaseSensitive(config, "name");
		if (cJSON_IsString(v) && strlen(v->valuestring) > GREETING_NAME_MAX)
			cJSON_AddItemToArray(errors, cJSON_CreateString("The name is longer than 64 bytes."));
	} else {
		v = cJSON_GetObjectItemCaseSensitive(config, "url");
		if (!cJSON_IsString(v) || !fetch_url_valid(v->valuestring))
			cJSON_AddItemToArray(errors, cJSON_CreateString("Give the feed's address, an http:// or https:// URL."));
		v = cJSON_GetObjectItemCaseSensitive(config, "items");
		if (cJSON_IsString(v) && v->valuestring[0] &&
		    (atoi(v->valuestring) < 1 || atoi(v->valuestring) > BUILTIN_FEED_ITEMS_MAX))
			cJSON_AddItemToArray(errors, cJSON_CreateString("Items must be 1 to 20."));
	}
	cJSON_Delete(config);
	cJSON_AddBoolToObject(answer, "valid", cJSON_GetArraySize(errors) == 0);
	cJSON_AddItemToObject(answer, "errors", errors);
	return reply_json(ctx, 200, answer);
}

/*
 * The server's own publications, good-morning and feed, through BERG's
 * publication API (README, Publications): meta.json, edition (with
 * local_delivery_time and the config as query parameters), sample, and
 * validate_config (POST). 404 for another name or path; editions answer 400
 * for bad parameters and 502 when the calendar or feed cannot be had.
 */
int page_publications(struct ctx *ctx)
{
	const char *name = input_text(ctx, "pub"), *what = input_text(ctx, "what");
	int good_morning = !strcmp(name, "good-morning");

	if (!good_morning && strcmp(name, "feed") != 0)
		return reply_error(ctx, 404, "This server has no publication called %s.", name);
	if (ctx->req.method == METHOD_POST)
		return !strcmp(what, "validate_config") ? validate(ctx, name)
							 : reply_error(ctx, 404, "A publication answers POST at validate_config only.");
	if (!strcmp(what, "meta.json"))
		return reply_json(ctx, 200, good_morning ? good_morning_meta() : feed_meta());
	if (!strcmp(what, "edition") || !strcmp(what, "sample"))
		return good_morning ? good_morning_edition(ctx, !strcmp(what, "sample"))
				    : feed_edition(ctx, !strcmp(what, "sample"));
	return reply_error(ctx, 404, "A publication has meta.json, edition, sample and validate_config.");
}
