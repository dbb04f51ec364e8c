/* page_subscribe.c: GET /printer/ID/subscriptions/new and POST /printer/ID/subscriptions, subscribing a printer to a publication. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "bitmap_png.h"
#include "page.h"
#include "print_settings.h"
#include "publication.h"
#include "subscription_web.h"
#include "web.h"

/* The weekday checkboxes, bit 0 first. */
static const char *const day_fields[7] = { "day_mon", "day_tue", "day_wed", "day_thu", "day_fri", "day_sat", "day_sun" };
static const char *const day_labels[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

/* How a config value is checked: one line, as long as a publication's value may be. */
static const struct input_spec config_spec = { "config", INPUT_LINE, 0, 0, PUBLICATION_VALUE_MAX - 1,
					       "setting" };

/* The value the form sent for config field name (validated), or NULL; why set when it is bad. */
static char *config_value(struct ctx *ctx, const char *name, char why[REQUEST_WHY_MAX])
{
	char field[PUBLICATION_FIELD_NAME_MAX + 8];
	struct input_value v;
	guint i;

	why[0] = '\0';
	if (ctx->req.method != METHOD_POST || !ctx->req.form)
		return NULL;
	snprintf(field, sizeof(field), "config_%s", name);
	for (i = 0; i < ctx->req.form->len; i++) {
		const struct form_field *f = g_ptr_array_index(ctx->req.form, i);

		if (strcmp(f->name, field) != 0 || f->filename)
			continue;
		if (f->len == 0)
			return NULL;
		if (!input_check(&config_spec, f->value, f->len, NULL, &v, why))
			return NULL;
		return v.text;
	}
	return NULL;
}

/* Renders the publication's sample as the printer would print it: a PNG data: URI (g_free), or NULL. */
static char *sample_preview(const char *base, const struct publication_meta *meta, int64_t now)
{
	const struct print_settings *settings = print_settings();
	struct edition_request req;
	struct edition ed;
	struct render_options options;
	struct render_result result;
	struct sirius_error err;
	enum render_kind kind;
	uint8_t *png = NULL;
	size_t len = 0;
	char *uri = NULL;

	memset(&req, 0, sizeof(req));
	req.base = base;
	req.sample = 1;
	req.timeout_ms = 10000;
	if (publication_edition(&req, &ed) != EDITION_READY) {
		edition_clear(&ed);
		return NULL;
	}
	if (render_kind_from_mime(ed.content_type, &kind) != 0)
		kind = RENDER_HTML;
	memset(&options, 0, sizeof(options));
	options.sender = meta->name;
	options.when = (time_t)now;
	options.timezone = settings->timezone[0] ? settings->timezone : NULL;
	options.use_template = 1;
	options.fetch_images = 1;
	if (render_message(kind, (const uint8_t *)ed.body, ed.len, &options, &settings->limits, &result, &err) ==
	    RENDER_OK) {
		if (png_write_bitmap(result.bitmap, &png, &len, &err) == 0)
			uri = web_png_data_uri(png, len);
		free(png);
		bitmap_free(result.bitmap);
	}
	edition_clear(&ed);
	return uri;
}

/* Adds the publication (meta, its fields with the values sent, icon and sample) to data. */
static void add_publication(struct ctx *ctx, cJSON *data, const char *base, const struct publication_meta *meta)
{
	cJSON *pub = cJSON_AddObjectToObject(data, "publication"), *fields = cJSON_AddArrayToObject(pub, "fields");
	char *icon = publication_icon_data_uri(meta), *sample = sample_preview(base, meta, ctx->now);
	char why[REQUEST_WHY_MAX];
	int i, j;

	cJSON_AddStringToObject(pub, "name", meta->name);
	cJSON_AddStringToObject(pub, "description", meta->description);
	cJSON_AddStringToObject(pub, "delivered_on", meta->delivered_on);
	if (icon)
		cJSON_AddStringToObject(pub, "icon", icon);
	if (sample)
		cJSON_AddStringToObject(pub, "sample", sample);
	g_free(icon);
	g_free(sample);
	for (i = 0; i < meta->field_count; i++) {
		const struct publication_field *f = &meta->fields[i];
		cJSON *item = cJSON_CreateObject(), *options;
		char *value = config_value(ctx, f->name, why);

		cJSON_AddStringToObject(item, "name", f->name);
		cJSON_AddStringToObject(item, "label", f->label);
		cJSON_AddStringToObject(item, "value", value ? value : "");
		cJSON_AddBoolToObject(item, "is_select", !strcmp(f->type, "select"));
		options = cJSON_AddArrayToObject(item, "options");
		for (j = 0; j < f->option_count; j++) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "label", f->options[j].label);
			cJSON_AddStringToObject(o, "value", f->options[j].value);
			cJSON_AddBoolToObject(o, "selected", value && !strcmp(value, f->options[j].value));
			cJSON_AddItemToArray(options, o);
		}
		g_free(value);
		cJSON_AddItemToArray(fields, item);
	}
	cJSON_AddBoolToObject(pub, "has_fields", meta->field_count > 0);
}

/* Adds the server's own publications, with their addresses on this server, to data as "builtins". */
static void add_builtins(struct ctx *ctx, cJSON *data)
{
	static const char *const names[][2] = { { "Good morning", "good-morning" }, { "News feed", "feed" } };
	cJSON *list = cJSON_AddArrayToObject(data, "builtins");
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(names); i++) {
		cJSON *item = cJSON_CreateObject();
		char *url = ctx->app->base_url[0]
				    ? g_strdup_printf("%s/publications/%s/", ctx->app->base_url, names[i][1])
				    : g_strdup_printf("http%s://%s/publications/%s/", ctx->req.https ? "s" : "",
						      ctx->req.host[0] ? ctx->req.host : "localhost", names[i][1]);
		char *link = g_uri_escape_string(url, NULL, FALSE);

		cJSON_AddStringToObject(item, "name", names[i][0]);
		cJSON_AddStringToObject(item, "url", url);
		cJSON_AddStringToObject(item, "escaped", link);
		cJSON_AddItemToArray(list, item);
		g_free(url);
		g_free(link);
	}
}

/*
 * The subscribe page: the URL form, and once a publication was read (meta
 * not NULL) what it is, its settings, the delivery time, days and mode, with
 * the values sent kept; errors (a sentence and/or a list) when not NULL.
 */
static int subscribe_page(struct ctx *ctx, const struct db_printer *printer, int status, const char *url,
			  const char *base, const struct publication_meta *meta, const char *error, char **errors)
{
	cJSON *data = cJSON_CreateObject(), *days, *list;
	int post = ctx->req.method == METHOD_POST, i, any_day = 0;
	const char *time = post ? input_text(ctx, "delivery_time") : NULL;
	const char *mode = post ? input_text(ctx, "mode") : NULL;
	char zone[DB_TIMEZONE_MAX];
	struct sirius_error err;

	cJSON_AddItemToObject(data, "printer", cJSON_CreateObject());
	cJSON_AddNumberToObject(cJSON_GetObjectItem(data, "printer"), "id", (double)printer->id);
	cJSON_AddStringToObject(cJSON_GetObjectItem(data, "printer"), "name", printer->name);
	cJSON_AddStringToObject(data, "url", url ? url : "");
	cJSON_AddStringToObject(data, "delivery_time", time ? time : "08:00");
	cJSON_AddBoolToObject(data, "mode_print", mode && !strcmp(mode, "print"));
	cJSON_AddBoolToObject(data, "mode_button", !(mode && !strcmp(mode, "print")));
	if (db_printer_timezone(ctx->db, printer->id, zone, sizeof(zone), &err) < 0) {
		cJSON_Delete(data);
		return reply_server_error(ctx, "reading the printer's time zone", &err);
	}
	cJSON_AddStringToObject(data, "timezone", zone[0] ? zone
							  : print_settings()->timezone[0] ? print_settings()->timezone
											 : "the server's time zone");
	for (i = 0; i < 7; i++)
		any_day |= post && input_int(ctx, day_fields[i]);
	days = cJSON_AddArrayToObject(data, "days");
	for (i = 0; i < 7; i++) {
		cJSON *d = cJSON_CreateObject();

		cJSON_AddStringToObject(d, "field", day_fields[i]);
		cJSON_AddStringToObject(d, "label", day_labels[i]);
		cJSON_AddBoolToObject(d, "checked", !any_day || input_int(ctx, day_fields[i]));
		cJSON_AddItemToArray(days, d);
	}
	add_builtins(ctx, data);
	if (meta)
		add_publication(ctx, data, base, meta);
	if (error)
		cJSON_AddStringToObject(data, "error", error);
	if (errors && errors[0]) {
		list = cJSON_AddArrayToObject(data, "errors");
		for (i = 0; errors[i]; i++)
			cJSON_AddItemToArray(list, cJSON_CreateString(errors[i]));
	}
	return reply_page(ctx, status, "subscribe", "Subscribe to a publication", data);
}

/* Reads the days sent: a bit set (every day when the form sent none or no day field). */
static int days_sent(struct ctx *ctx)
{
	int days = 0, i;

	for (i = 0; i < 7; i++)
		if (input_int(ctx, day_fields[i]))
			days |= 1 << i;
	return days ? days : SUBSCRIPTION_ALL_DAYS;
}

/*
 * Validates what the form sent against meta and subscribes. Returns 0
 * after replying: 303 to the printer page when subscribed; the form again
 * with 400 (a bad time, mode or setting) or 422 (the publication refused
 * the settings, with its errors) otherwise; 500 on a server fault.
 */
static int subscribe(struct ctx *ctx, const struct db_printer *printer, const char *url, const char *base,
		     const struct publication_meta *meta, const char *meta_json)
{
	cJSON *config = cJSON_CreateObject();
	const char *time = input_text(ctx, "delivery_time"), *mode = input_text(ctx, "mode");
	char why[REQUEST_WHY_MAX], zone[DB_TIMEZONE_MAX], **errors = NULL, *config_json;
	struct db_subscription sub;
	struct sirius_error err;
	int minute, i, rc;

	if (!subscription_parse_time(time, &minute)) {
		cJSON_Delete(config);
		return subscribe_page(ctx, printer, 400, url, base, meta,
				      "Give the delivery time as HH:MM, such as 08:00 or 17:30.", NULL);
	}
	if (mode && strcmp(mode, "button") != 0 && strcmp(mode, "print") != 0) {
		cJSON_Delete(config);
		return subscribe_page(ctx, printer, 400, url, base, meta,
				      "Choose whether editions wait for the button or print at once.", NULL);
	}
	for (i = 0; i < meta->field_count; i++) {
		char *value = config_value(ctx, meta->fields[i].name, why);

		if (why[0]) {
			char message[REQUEST_WHY_MAX + 64];

			cJSON_Delete(config);
			snprintf(message, sizeof(message), "%s: %s", meta->fields[i].label, why);
			return subscribe_page(ctx, printer, 400, url, base, meta, message, NULL);
		}
		cJSON_AddStringToObject(config, meta->fields[i].name, value ? value : "");
		g_free(value);
	}
	rc = publication_validate(base, config, &errors, &err);
	if (rc <= 0) {
		cJSON_Delete(config);
		rc = rc < 0 ? subscribe_page(ctx, printer, 422, url, base, meta, err.message, NULL)
			    : subscribe_page(ctx, printer, 422, url, base, meta,
					     "The publication did not accept these settings:", errors);
		g_strfreev(errors);
		return rc;
	}
	g_strfreev(errors);
	if (db_printer_timezone(ctx->db, printer->id, zone, sizeof(zone), &err) < 0) {
		cJSON_Delete(config);
		return reply_server_error(ctx, "reading the printer's time zone", &err);
	}
	config_json = cJSON_PrintUnformatted(config);
	cJSON_Delete(config);
	memset(&sub, 0, sizeof(sub));
	sub.printer_id = printer->id;
	g_strlcpy(sub.url, base, sizeof(sub.url));
	g_strlcpy(sub.name, meta->name, sizeof(sub.name));
	sub.meta_json = (char *)meta_json;
	sub.config_json = config_json;
	sub.delivery_time = minute;
	sub.days = days_sent(ctx);
	g_strlcpy(sub.mode, mode && !strcmp(mode, "print") ? "print" : "button", sizeof(sub.mode));
	sub.next_due = subscription_next_due(ctx->now, minute, sub.days,
					     zone[0] ? zone : print_settings()->timezone);
	rc = db_subscription_create(ctx->db, &sub, ctx->now, &err);
	cJSON_free(config_json);
	if (rc < 0)
		return reply_server_error(ctx, "subscribing", &err);
	return reply_printer_redirect(ctx, printer->id, "subscriptions");
}

/* Fetches meta.json of base as text into *json (g_free) and parsed into meta. Returns 0, or -1 with err. */
static int read_meta(const char *base, struct publication_meta *meta, char **json, struct sirius_error *err)
{
	struct fetch_request req;
	struct fetch_result res;
	char *url = g_strconcat(base, "meta.json", NULL);
	int rc = -1;

	*json = NULL;
	fetch_request_init(&req, url);
	req.max_bytes = PUBLICATION_META_MAX;
	req.timeout_ms = 10000;
	req.accept = "application/json";
	if (fetch(&req, &res) != FETCH_OK)
		error_set(err, "Its meta.json could not be fetched: %s.", res.error);
	else if (res.http_status != 200)
		error_set(err, "Its meta.json could not be fetched: the server answered %ld.", res.http_status);
	else if (publication_meta_parse(res.body, res.len, base, meta, err) == 0) {
		/* Kept as read, re-encoded so that only JSON is stored. */
		cJSON *parsed = cJSON_ParseWithLength(res.body, res.len);

		*json = cJSON_PrintUnformatted(parsed);
		cJSON_Delete(parsed);
		rc = *json ? 0 : error_set(err, "out of memory");
	}
	g_free(url);
	fetch_result_clear(&res);
	return rc;
}

/*
 * GET /printer/ID/subscriptions/new[?url=URL] (owner only): the subscribe
 * form; with a url, the publication it names (200, or 422 when it cannot be
 * read). POST /printer/ID/subscriptions: url, delivery_time (HH:MM in the
 * printer's zone), mode (button or print), day_mon..day_sun and config_NAME
 * for each setting of the publication; see subscribe().
 */
int page_subscribe(struct ctx *ctx)
{
	struct db_printer printer;
	struct publication_meta meta;
	struct sirius_error err;
	const char *url;
	char *base, *meta_json = NULL;
	int rc;

	if (!printer_access_check(ctx, PRINTER_ACCESS_OWNER, &printer, NULL))
		return 0;
	url = input_text(ctx, "url");
	if (ctx->input_error[0])
		return subscribe_page(ctx, &printer, 400, url, NULL, NULL, ctx->input_error, NULL);
	if (!url)
		return subscribe_page(ctx, &printer, ctx->req.method == METHOD_POST ? 400 : 200, NULL, NULL, NULL,
				      ctx->req.method == METHOD_POST ? "Give the publication's address." : NULL, NULL);
	base = publication_base_url(url, &err);
	if (!base) {
		char message[SIRIUS_ERROR_MAX + 32];

		snprintf(message, sizeof(message), "The publication's address: %s.", err.message);
		return subscribe_page(ctx, &printer, 400, url, NULL, NULL, message, NULL);
	}
	if (read_meta(base, &meta, &meta_json, &err) < 0) {
		rc = subscribe_page(ctx, &printer, 422, url, base, NULL, err.message, NULL);
	} else if (ctx->req.method != METHOD_POST) {
		rc = subscribe_page(ctx, &printer, 200, url, base, &meta, NULL, NULL);
	} else {
		rc = subscribe(ctx, &printer, url, base, &meta, meta_json);
	}
	cJSON_free(meta_json);
	g_free(base);
	return rc;
}
