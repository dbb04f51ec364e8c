/* publication.c: fetching and reading a publication's meta.json, editions, sample and config validation. */
#include "publication.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base64.h"
#include "image_decode.h"

char *publication_base_url(const char *url, struct sirius_error *err)
{
	GString *base;
	size_t n;

	if (!url || !fetch_url_valid(url)) {
		error_set(err, "the address must be an http:// or https:// URL");
		return NULL;
	}
	n = strcspn(url, "?#");
	base = g_string_new_len(url, (gssize)n);
	if (base->len >= 9 && g_str_has_suffix(base->str, "/meta.json"))
		g_string_truncate(base, base->len - 9);
	if (base->str[base->len - 1] != '/')
		g_string_append_c(base, '/');
	/* "http://host" has no path: the slash is the root. */
	if (!fetch_url_valid(base->str)) {
		g_string_free(base, TRUE);
		error_set(err, "the address must be an http:// or https:// URL");
		return NULL;
	}
	return g_string_free(base, FALSE);
}

/* A JSON value read as a flag: true, a non-zero number, or "true"/"yes"/"1". */
static int json_flag(const cJSON *item)
{
	if (cJSON_IsBool(item))
		return cJSON_IsTrue(item);
	if (cJSON_IsNumber(item))
		return item->valuedouble != 0;
	if (cJSON_IsString(item))
		return !g_ascii_strcasecmp(item->valuestring, "true") || !g_ascii_strcasecmp(item->valuestring, "yes") ||
		       !strcmp(item->valuestring, "1");
	return 0;
}

/* Copies a string member (or a number, written out) of obj into out; "" when absent. */
static void json_text(const cJSON *obj, const char *name, char *out, size_t size)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	out[0] = '\0';
	if (cJSON_IsString(item))
		g_strlcpy(out, item->valuestring, size);
	else if (cJSON_IsNumber(item))
		snprintf(out, size, "%g", item->valuedouble);
	/* Never cut a character in half. */
	if (!g_utf8_validate(out, -1, NULL)) {
		const char *end;

		g_utf8_validate(out, -1, &end);
		out[end - out] = '\0';
	}
}

/* 1 when name can be a query parameter of ours: 1..63 of [A-Za-z0-9_-]. */
static int field_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= PUBLICATION_FIELD_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!g_ascii_isalnum(name[i]) && name[i] != '_' && name[i] != '-')
			return 0;
	return 1;
}

/* Reads one config field; 0, or -1 when it is unusable (skipped). */
static int read_field(const cJSON *f, struct publication_field *out)
{
	const cJSON *options, *o;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(f))
		return -1;
	json_text(f, "name", out->name, sizeof(out->name));
	if (!field_name_ok(out->name))
		return -1;
	json_text(f, "label", out->label, sizeof(out->label));
	if (!out->label[0])
		g_strlcpy(out->label, out->name, sizeof(out->label));
	json_text(f, "type", out->type, sizeof(out->type));
	options = cJSON_GetObjectItemCaseSensitive(f, "options");
	if (g_ascii_strcasecmp(out->type, "select") != 0 || !cJSON_IsArray(options)) {
		g_strlcpy(out->type, "text", sizeof(out->type));
		return 0;
	}
	g_strlcpy(out->type, "select", sizeof(out->type));
	cJSON_ArrayForEach(o, options) {
		struct publication_option *opt;

		if (out->option_count >= PUBLICATION_OPTIONS_MAX)
			break;
		opt = &out->options[out->option_count];
		if (cJSON_IsString(o)) {
			g_strlcpy(opt->label, o->valuestring, sizeof(opt->label));
			g_strlcpy(opt->value, o->valuestring, sizeof(opt->value));
		} else if (cJSON_IsArray(o) && cJSON_GetArraySize(o) == 2 && cJSON_IsString(cJSON_GetArrayItem(o, 0)) &&
			   cJSON_IsString(cJSON_GetArrayItem(o, 1))) {
			g_strlcpy(opt->label, cJSON_GetArrayItem(o, 0)->valuestring, sizeof(opt->label));
			g_strlcpy(opt->value, cJSON_GetArrayItem(o, 1)->valuestring, sizeof(opt->value));
		} else {
			continue;
		}
		out->option_count++;
	}
	if (out->option_count == 0)
		g_strlcpy(out->type, "text", sizeof(out->type));
	return 0;
}

/* base joined with a relative or absolute reference, into out; "" when the result is not http(s). */
static void join_url(const char *base, const char *ref, char *out, size_t size)
{
	GUri *b = g_uri_parse(base, G_URI_FLAGS_NONE, NULL), *joined = NULL;
	char *text = NULL;

	out[0] = '\0';
	if (b)
		joined = g_uri_parse_relative(b, ref, G_URI_FLAGS_NONE, NULL);
	if (joined)
		text = g_uri_to_string(joined);
	if (text && fetch_url_valid(text))
		g_strlcpy(out, text, size);
	g_free(text);
	if (joined)
		g_uri_unref(joined);
	if (b)
		g_uri_unref(b);
}

int publication_meta_parse(const char *json, size_t len, const char *base, struct publication_meta *out,
			   struct sirius_error *err)
{
	cJSON *root = cJSON_ParseWithLength(json, len), *config, *fields, *f;
	char icon[FETCH_URL_MAX];

	memset(out, 0, sizeof(*out));
	if (!root)
		return error_set(err, "its meta.json is not JSON");
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return error_set(err, "its meta.json is not a JSON object");
	}
	json_text(root, "name", out->name, sizeof(out->name));
	if (!out->name[0]) {
		cJSON_Delete(root);
		return error_set(err, "its meta.json has no name");
	}
	json_text(root, "description", out->description, sizeof(out->description));
	json_text(root, "delivered_on", out->delivered_on, sizeof(out->delivered_on));
	out->send_timezone_info = json_flag(cJSON_GetObjectItemCaseSensitive(root, "send_timezone_info"));
	out->send_delivery_count = json_flag(cJSON_GetObjectItemCaseSensitive(root, "send_delivery_count"));
	config = cJSON_GetObjectItemCaseSensitive(root, "config");
	fields = cJSON_IsObject(config) ? cJSON_GetObjectItemCaseSensitive(config, "fields") : NULL;
	if (cJSON_IsArray(fields)) {
		cJSON_ArrayForEach(f, fields) {
			if (out->field_count >= PUBLICATION_FIELDS_MAX)
				break;
			if (read_field(f, &out->fields[out->field_count]) == 0)
				out->field_count++;
		}
	}
	json_text(root, "icon", icon, sizeof(icon));
	join_url(base, icon[0] ? icon : "icon.png", out->icon_url, sizeof(out->icon_url));
	cJSON_Delete(root);
	return 0;
}

/* A sentence for a fetch that did not come back with 200: into err; returns -1. */
static int fetch_failed(const char *what, const struct fetch_result *res, struct sirius_error *err)
{
	if (res->status != FETCH_OK)
		return error_set(err, "%s could not be fetched: %s", what, res->error);
	return error_set(err, "%s could not be fetched: the publication answered %ld", what, res->http_status);
}

int publication_meta_fetch(const char *base, struct publication_meta *out, struct sirius_error *err)
{
	struct fetch_request req;
	struct fetch_result res;
	char *url = g_strconcat(base, "meta.json", NULL);
	int rc;

	memset(out, 0, sizeof(*out));
	fetch_request_init(&req, url);
	req.max_bytes = PUBLICATION_META_MAX;
	req.accept = "application/json";
	if (fetch(&req, &res) != FETCH_OK || res.http_status != 200)
		rc = fetch_failed("meta.json", &res, err);
	else
		rc = publication_meta_parse(res.body, res.len, base, out, err);
	fetch_result_clear(&res);
	g_free(url);
	return rc;
}

char *publication_icon_data_uri(const struct publication_meta *meta)
{
	struct fetch_request req;
	struct fetch_result res;
	const char *mime = NULL;
	char *b64, *uri = NULL;

	if (!meta->icon_url[0])
		return NULL;
	fetch_request_init(&req, meta->icon_url);
	req.max_bytes = PUBLICATION_ICON_MAX;
	req.timeout_ms = 5000;
	if (fetch(&req, &res) == FETCH_OK && res.http_status == 200) {
		switch (image_sniff((const uint8_t *)res.body, res.len)) {
		case IMAGE_FORMAT_PNG:
			mime = "image/png";
			break;
		case IMAGE_FORMAT_JPEG:
			mime = "image/jpeg";
			break;
		case IMAGE_FORMAT_GIF:
			mime = "image/gif";
			break;
		default:
			break;
		}
	}
	if (mime) {
		b64 = base64_encode_alloc((const uint8_t *)res.body, res.len);
		if (b64)
			uri = g_strdup_printf("data:%s;base64,%s", mime, b64);
		free(b64);
	}
	fetch_result_clear(&res);
	return uri;
}

void edition_clear(struct edition *out)
{
	g_free(out->body);
	out->body = NULL;
	out->len = 0;
}

/* Appends name=value, percent-encoded, to query. */
static void add_param(GString *query, const char *name, const char *value)
{
	char *n = g_uri_escape_string(name, NULL, FALSE), *v = g_uri_escape_string(value, NULL, FALSE);

	g_string_append_printf(query, "%s%s=%s", query->len ? "&" : "", n, v);
	g_free(n);
	g_free(v);
}

/* The edition's query string (g_malloc'd). */
static char *edition_query(const struct edition_request *req)
{
	GString *query = g_string_new(NULL);
	const cJSON *item;
	char when[64];

	g_strlcpy(when, req->local_delivery_time ? req->local_delivery_time : "", sizeof(when));
	/* Without timezone info a publication gets the local time alone, as BERG sent it. */
	if (!req->send_timezone_info && strlen(when) > 19)
		when[19] = '\0';
	if (when[0])
		add_param(query, "local_delivery_time", when);
	if (req->send_delivery_count) {
		char count[32];

		snprintf(count, sizeof(count), "%lld", (long long)req->delivery_count);
		add_param(query, "delivery_count", count);
	}
	if (req->config) {
		cJSON_ArrayForEach(item, req->config) {
			if (item->string && cJSON_IsString(item) && strcmp(item->string, "local_delivery_time") != 0 &&
			    strcmp(item->string, "delivery_count") != 0)
				add_param(query, item->string, item->valuestring);
		}
	}
	return g_string_free(query, FALSE);
}

/* One GET of url into out (status set for everything but a 200 with a body); returns 1 when it was 404. */
static int edition_get(const struct edition_request *req, const char *url, struct edition *out)
{
	struct fetch_request freq;
	struct fetch_result res;
	int not_found = 0;

	fetch_request_init(&freq, url);
	freq.max_bytes = PUBLICATION_EDITION_MAX;
	freq.accept = "text/html, image/png, image/jpeg, image/gif, */*;q=0.5";
	if (req->timeout_ms > 0)
		freq.timeout_ms = req->timeout_ms;
	if (!req->sample)
		freq.if_none_match = req->last_etag;
	out->fetch_status = fetch(&freq, &res);
	out->http_status = res.http_status;
	if (out->fetch_status != FETCH_OK) {
		out->status = EDITION_FAILED;
		snprintf(out->message, sizeof(out->message), "%s", res.error);
	} else if (res.http_status == 204 || res.http_status == 304) {
		out->status = EDITION_NOTHING;
		snprintf(out->message, sizeof(out->message), "nothing today (the publication answered %ld)",
			 res.http_status);
	} else if (res.http_status != 200) {
		not_found = res.http_status == 404;
		out->status = EDITION_FAILED;
		snprintf(out->message, sizeof(out->message), "the publication answered %ld", res.http_status);
	} else if (res.len == 0 || strspn(res.body, " \t\r\n") == res.len) {
		out->status = EDITION_NOTHING;
		snprintf(out->message, sizeof(out->message), "nothing today (an empty edition)");
	} else if (!req->sample && res.etag[0] && req->last_etag && strcmp(res.etag, req->last_etag) == 0) {
		out->status = EDITION_NOTHING;
		snprintf(out->message, sizeof(out->message), "nothing new (the edition was delivered already)");
	} else {
		out->status = EDITION_READY;
		out->body = res.body;
		out->len = res.len;
		res.body = NULL;
		g_strlcpy(out->content_type, res.content_type[0] ? res.content_type : "text/html",
			  sizeof(out->content_type));
		g_strlcpy(out->etag, res.etag, sizeof(out->etag));
		out->message[0] = '\0';
	}
	fetch_result_clear(&res);
	return not_found;
}

enum edition_status publication_edition(const struct edition_request *req, struct edition *out)
{
	const char *path = req->sample ? "sample" : "edition";
	char *query = req->sample ? g_strdup("") : edition_query(req);
	char *url = g_strdup_printf("%s%s/%s%s", req->base, path, query[0] ? "?" : "", query);

	memset(out, 0, sizeof(*out));
	/* Some publications serve /edition and /sample without the slash. */
	if (edition_get(req, url, out)) {
		g_free(url);
		url = g_strdup_printf("%s%s%s%s", req->base, path, query[0] ? "?" : "", query);
		edition_get(req, url, out);
	}
	g_free(url);
	g_free(query);
	return out->status;
}

int publication_validate(const char *base, const cJSON *config, char ***errors, struct sirius_error *err)
{
	struct fetch_request req;
	struct fetch_result res;
	char *url = g_strconcat(base, "validate_config/", NULL);
	char *json = cJSON_PrintUnformatted(config), *escaped = g_uri_escape_string(json, NULL, FALSE);
	char *body = g_strconcat("config=", escaped, NULL);
	cJSON *answer = NULL, *valid, *list, *item;
	GPtrArray *found = g_ptr_array_new();
	int rc = -1;

	*errors = NULL;
	fetch_request_init(&req, url);
	req.method = "POST";
	req.content_type = "application/x-www-form-urlencoded";
	req.body = body;
	req.body_len = strlen(body);
	req.max_bytes = PUBLICATION_META_MAX;
	req.accept = "application/json";
	if (fetch(&req, &res) != FETCH_OK) {
		fetch_failed("validate_config/", &res, err);
	} else if (res.http_status == 404 || res.http_status == 405) {
		rc = 1;
	} else if (res.http_status != 200) {
		fetch_failed("validate_config/", &res, err);
	} else if (!(answer = cJSON_ParseWithLength(res.body, res.len)) || !cJSON_IsObject(answer)) {
		error_set(err, "validate_config/ did not answer a JSON object");
	} else {
		valid = cJSON_GetObjectItemCaseSensitive(answer, "valid");
		list = cJSON_GetObjectItemCaseSensitive(answer, "errors");
		rc = json_flag(valid) ? 1 : 0;
		if (cJSON_IsArray(list)) {
			cJSON_ArrayForEach(item, list) {
				char text[PUBLICATION_VALUE_MAX];

				if (found->len >= PUBLICATION_ERRORS_MAX || !cJSON_IsString(item))
					continue;
				g_strlcpy(text, item->valuestring, sizeof(text));
				if (g_utf8_validate(text, -1, NULL))
					g_ptr_array_add(found, g_strdup(text));
			}
		}
		if (rc == 0 && found->len == 0)
			g_ptr_array_add(found, g_strdup("The publication did not accept these settings."));
	}
	g_ptr_array_add(found, NULL);
	*errors = (char **)g_ptr_array_free(found, FALSE);
	cJSON_Delete(answer);
	fetch_result_clear(&res);
	cJSON_free(json);
	g_free(escaped);
	g_free(body);
	g_free(url);
	return rc;
}
