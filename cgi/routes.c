/* routes.c: THE route table of sirius-web and sirius-api, and matching a request against it. */
#include "routes.h"

#include <string.h>

#include "db_button.h"
#include "face_images.h"
#include "handlers.h"
#include "password.h"
#include "print_form.h"
#include "request.h"

/* A list of declared inputs, ended for you: INPUTS({"name", INPUT_ID, INPUT_REQUIRED}, ...). */
#define INPUTS(...) ((const struct input_spec[]){ __VA_ARGS__, { NULL, 0, 0, 0, 0, NULL } })

/* The highest page number of a list of /admin (beyond the last page shows the last). */
#define ADMIN_PAGE_MAX 1000000

/* The largest image of a personality upload, in bytes. */
#define PERSONALITY_IMAGE_MAX (4 * 1024 * 1024)

/* The longest publication address typed. */
#define SUBSCRIPTION_URL_INPUT_MAX 2000

/*
 * Every URL of both programs. Keep routes of one path together; a path's
 * GET and POST are separate entries. See routes.h for the pattern syntax and
 * flags, inputs.h for input types.
 */
const struct route route_table[] = {
	/* ---- sirius-web: accounts -------------------------------------------- */
	{ METHOD_GET, "/", page_home, 0, PROGRAM_WEB, NULL, 0 },
	{ METHOD_GET, "/about", page_about, 0, PROGRAM_WEB, NULL, 0 },
	{ METHOD_GET, "/signup", page_signup, 0, PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/signup", page_signup, ROUTE_NEEDS_CSRF | ROUTE_FORM_ERRORS, PROGRAM_WEB,
	  INPUTS({ "username", INPUT_USERNAME, INPUT_REQUIRED, 0, 0, "user name" },
		 { "password", INPUT_PASSWORD, INPUT_REQUIRED, PASSWORD_MIN_LEN, PASSWORD_MAX_LEN, "password" }),
	  0 },
	{ METHOD_GET, "/login", page_login, 0, PROGRAM_WEB,
	  INPUTS({ "next", INPUT_PATH, 0, 0, 0, "page to return to" }), 0 },
	{ METHOD_POST, "/login", page_login, ROUTE_NEEDS_CSRF | ROUTE_FORM_ERRORS, PROGRAM_WEB,
	  INPUTS({ "username", INPUT_USERNAME, INPUT_REQUIRED, 0, 0, "user name" },
		 { "password", INPUT_PASSWORD, INPUT_REQUIRED, 1, PASSWORD_MAX_LEN, "password" },
		 { "next", INPUT_PATH, 0, 0, 0, "page to return to" }),
	  0 },
	{ METHOD_POST, "/logout", page_logout, ROUTE_NEEDS_CSRF, PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/apikey", page_apikey, ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF, PROGRAM_WEB, NULL, 0 },
	/* ---- sirius-web: printers and friends (web pages) ---------------------- */
	/* web UI pages */
	{ METHOD_GET, "/claim", page_claim, ROUTE_NEEDS_LOGIN, PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/claim", page_claim, ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF | ROUTE_FORM_ERRORS, PROGRAM_WEB,
	  INPUTS({ "claim_code", INPUT_LINE, INPUT_REQUIRED, 1, 128, "claim code" },
		 { "printer_name", INPUT_LINE, INPUT_REQUIRED, 1, DB_PRINTER_NAME_MAX, "printer name" }),
	  0 },
	{ METHOD_GET, "/friends", page_friends, ROUTE_NEEDS_LOGIN, PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/friends", page_friends, ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF | ROUTE_FORM_ERRORS, PROGRAM_WEB,
	  INPUTS({ "username", INPUT_USERNAME, INPUT_REQUIRED, 0, 0, "user name" },
		 { "action", INPUT_LINE, 0, 0, 16, "action" }),
	  0 },
	{ METHOD_GET, "/printer/{id}", page_printer, ROUTE_NEEDS_LOGIN, PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/printer/{id}/rename", page_printer, ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF | ROUTE_FORM_ERRORS,
	  PROGRAM_WEB, INPUTS({ "printer_name", INPUT_LINE, INPUT_REQUIRED, 1, DB_PRINTER_NAME_MAX, "printer name" }),
	  0 },
	{ METHOD_GET, "/printer/{id}/print", page_print, ROUTE_NEEDS_LOGIN, PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/printer/{id}/print", page_print, ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF | ROUTE_FORM_ERRORS,
	  PROGRAM_WEB, INPUTS(PRINT_FORM_INPUTS, { "action", INPUT_LINE, 0, 0, 16, "action" }),
	  PRINT_FORM_BODY_MAX },
	{ METHOD_POST, "/printer/{id}/preview", page_preview,
	  ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF | ROUTE_FORM_ERRORS | ROUTE_JSON, PROGRAM_WEB,
	  INPUTS(PRINT_FORM_INPUTS, { "action", INPUT_LINE, 0, 0, 16, "action" }), PRINT_FORM_BODY_MAX },
	{ METHOD_POST, "/printer/{id}/printkey/add", page_key_add, ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF, PROGRAM_WEB,
	  NULL, 0 },
	{ METHOD_GET, "/printer/{id}/printkey/{kid}/delete", page_key_delete, ROUTE_NEEDS_LOGIN, PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/printer/{id}/printkey/{kid}/delete", page_key_delete, ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF,
	  PROGRAM_WEB, INPUTS({ "confirm", INPUT_CHECKBOX, 0, 0, 0, "confirmation" }), 0 },
	{ METHOD_GET, "/printer/{id}/message/{mid}/bitmap.png", page_message_image, ROUTE_NEEDS_LOGIN, PROGRAM_WEB,
	  NULL, 0 },
	{ METHOD_POST, "/printer/{id}/message/{mid}/reprint", page_reprint, ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF,
	  PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/printer/{id}/bridge", page_bridge_move, ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF, PROGRAM_WEB,
	  NULL, 0 },
	{ METHOD_POST, "/printer/{id}/message/{mid}/cancel", page_cancel, ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF,
	  PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/printer/{id}/message/{mid}/button", page_button, ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF,
	  PROGRAM_WEB, INPUTS({ "action", INPUT_LINE, INPUT_REQUIRED, 1, 16, "action" }), 0 },
	/* the files' own limit (FACE_UPLOAD_MAX) is checked by the handler, which answers 413 for it */
	{ METHOD_POST, "/printer/{id}/personality", page_personality,
	  ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF | ROUTE_MULTIPART | ROUTE_FORM_ERRORS, PROGRAM_WEB,
	  INPUTS({ "face", INPUT_LINE, 0, 1, DB_FACE_NAME_MAX, "face" },
		 { "action", INPUT_LINE, 0, 0, 16, "action" },
		 { "face_image", INPUT_FILE, 0, 0, ROUTE_BODY_UPLOAD_MAX, "face image" },
		 { "nothing_image", INPUT_FILE, 0, 0, ROUTE_BODY_UPLOAD_MAX, "nothing-to-print image" },
		 { "no_bridge_image", INPUT_FILE, 0, 0, ROUTE_BODY_UPLOAD_MAX, "cannot-see-the-bridge image" },
		 { "no_internet_image", INPUT_FILE, 0, 0, ROUTE_BODY_UPLOAD_MAX, "cannot-reach-the-internet image" },
		 { "kept_face", INPUT_LINE, 0, 0, FACE_KEPT_MAX, "previewed face image" },
		 { "kept_nothing", INPUT_LINE, 0, 0, FACE_KEPT_MAX, "previewed nothing-to-print image" },
		 { "kept_no_bridge", INPUT_LINE, 0, 0, FACE_KEPT_MAX, "previewed cannot-see-the-bridge image" },
		 { "kept_no_internet", INPUT_LINE, 0, 0, FACE_KEPT_MAX, "previewed cannot-reach-the-internet image" }),
	  ROUTE_BODY_UPLOAD_MAX },
	{ METHOD_POST, "/printer/{id}/quips", page_quips, ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF | ROUTE_FORM_ERRORS,
	  PROGRAM_WEB,
	  INPUTS({ "quip_1", INPUT_LINE, INPUT_REQUIRED, 1, DB_QUIP_MAX, "first quip" },
		 { "quip_2", INPUT_LINE, INPUT_REQUIRED, 1, DB_QUIP_MAX, "second quip" },
		 { "quip_3", INPUT_LINE, INPUT_REQUIRED, 1, DB_QUIP_MAX, "third quip" },
		 { "action", INPUT_LINE, 0, 0, 16, "action" }),
	  0 },
	{ METHOD_GET, "/printer/{id}/forget", page_forget, ROUTE_NEEDS_LOGIN, PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/printer/{id}/forget", page_forget, ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF, PROGRAM_WEB,
	  INPUTS({ "confirm", INPUT_CHECKBOX, 0, 0, 0, "confirmation" }), 0 },
	{ METHOD_GET, "/admin", page_admin, ROUTE_ADMIN_ONLY, PROGRAM_WEB,
	  INPUTS({ "bridge", INPUT_ADDRESS, 0, 0, 0, "bridge address" },
		 { "users_page", INPUT_INT, 0, 1, ADMIN_PAGE_MAX, "page of accounts" },
		 { "printers_page", INPUT_INT, 0, 1, ADMIN_PAGE_MAX, "page of printers" },
		 { "bridges_page", INPUT_INT, 0, 1, ADMIN_PAGE_MAX, "page of bridges" },
		 { "logs_page", INPUT_INT, 0, 1, ADMIN_PAGE_MAX, "page of log records" }),
	  0 },
	{ METHOD_POST, "/admin/user/{id}", page_admin_user, ROUTE_ADMIN_ONLY | ROUTE_NEEDS_CSRF, PROGRAM_WEB,
	  INPUTS({ "action", INPUT_LINE, INPUT_REQUIRED, 1, 16, "action" }), 0 },
	{ METHOD_POST, "/admin/personality", page_admin,
	  ROUTE_ADMIN_ONLY | ROUTE_NEEDS_CSRF | ROUTE_MULTIPART | ROUTE_FORM_ERRORS, PROGRAM_WEB,
	  INPUTS({ "printer", INPUT_ADDRESS, INPUT_REQUIRED, 0, 0, "printer" },
		 { "face", INPUT_FILE, INPUT_REQUIRED, 1, PERSONALITY_IMAGE_MAX, "face image" },
		 { "nothing_to_print", INPUT_FILE, INPUT_REQUIRED, 1, PERSONALITY_IMAGE_MAX, "nothing-to-print image" },
		 { "cannot_see_bridge", INPUT_FILE, INPUT_REQUIRED, 1, PERSONALITY_IMAGE_MAX,
		   "cannot-see-bridge image" },
		 { "cannot_see_internet", INPUT_FILE, INPUT_REQUIRED, 1, PERSONALITY_IMAGE_MAX,
		   "cannot-see-internet image" }),
	  ROUTE_BODY_UPLOAD_MAX },
	/* ---- sirius-web: subscriptions to publications -------------------------- */
	{ METHOD_GET, "/printer/{id}/subscriptions/new", page_subscribe, ROUTE_NEEDS_LOGIN, PROGRAM_WEB,
	  INPUTS({ "url", INPUT_LINE, 0, 1, SUBSCRIPTION_URL_INPUT_MAX, "publication address" }), 0 },
	{ METHOD_POST, "/printer/{id}/subscriptions", page_subscribe,
	  ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF | ROUTE_FORM_ERRORS, PROGRAM_WEB,
	  INPUTS({ "url", INPUT_LINE, 0, 1, SUBSCRIPTION_URL_INPUT_MAX, "publication address" },
		 { "delivery_time", INPUT_LINE, INPUT_REQUIRED, 1, 16, "delivery time" },
		 { "mode", INPUT_LINE, 0, 1, 16, "delivery" },
		 { "day_mon", INPUT_CHECKBOX, 0, 0, 0, "Monday" }, { "day_tue", INPUT_CHECKBOX, 0, 0, 0, "Tuesday" },
		 { "day_wed", INPUT_CHECKBOX, 0, 0, 0, "Wednesday" }, { "day_thu", INPUT_CHECKBOX, 0, 0, 0, "Thursday" },
		 { "day_fri", INPUT_CHECKBOX, 0, 0, 0, "Friday" }, { "day_sat", INPUT_CHECKBOX, 0, 0, 0, "Saturday" },
		 { "day_sun", INPUT_CHECKBOX, 0, 0, 0, "Sunday" }),
	  0 },
	{ METHOD_POST, "/printer/{id}/subscriptions/{sid}/deliver", page_subscription,
	  ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF, PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/printer/{id}/subscriptions/{sid}/pause", page_subscription,
	  ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF, PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/printer/{id}/subscriptions/{sid}/resume", page_subscription,
	  ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF, PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/printer/{id}/subscriptions/{sid}/delete", page_subscription,
	  ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF, PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/printer/{id}/timezone", page_timezone, ROUTE_NEEDS_LOGIN | ROUTE_NEEDS_CSRF, PROGRAM_WEB,
	  INPUTS({ "timezone", INPUT_LINE, 0, 0, 63, "time zone" }), 0 },
	/* The server's own publications, read by its scheduler like any other (no cookies: no CSRF). */
	{ METHOD_GET, "/publications/{pub:line}/{what:line}", page_publications, ROUTE_JSON, PROGRAM_WEB,
	  INPUTS({ "local_delivery_time", INPUT_LINE, 0, 1, 64, "local_delivery_time" },
		 { "delivery_count", INPUT_INT, 0, 0, 1000000000, "delivery_count" },
		 { "name", INPUT_LINE, 0, 0, 255, "name" }, { "calendar", INPUT_LINE, 0, 0, 2000, "calendar" },
		 { "url", INPUT_LINE, 0, 0, 2000, "feed" }, { "items", INPUT_INT, 0, 1, 20, "items" }),
	  0 },
	{ METHOD_POST, "/publications/{pub:line}/{what:line}", page_publications, ROUTE_JSON | ROUTE_NO_CSRF,
	  PROGRAM_WEB, INPUTS({ "config", INPUT_TEXT, 0, 0, 16384, "config" }), 0 },
	/* The push API: a Bearer token, no cookie, so no CSRF to check (web server routes /api/v1/ here). */
	{ METHOD_POST, "/api/v1/subscriptions/{id}/publish", api_publish, ROUTE_JSON | ROUTE_NO_CSRF | ROUTE_RAW_BODY,
	  PROGRAM_WEB, NULL, ROUTE_BODY_UPLOAD_MAX },
	{ METHOD_GET, "/_/stats", page_stats, 0, PROGRAM_WEB, NULL, 0 },
	{ METHOD_GET, "/metrics", page_metrics, 0, PROGRAM_WEB, NULL, 0 },
	/* ---- sirius-api: device keys and the external API ---------------------- */
	/* device-key and external API (sirius-api) */
	{ METHOD_GET, "/printkey/{key:device_key}", api_printkey_get, ROUTE_JSON | ROUTE_CORS, PROGRAM_API, NULL, 0 },
	{ METHOD_POST, "/printkey/{key:device_key}", api_printkey_post, ROUTE_JSON | ROUTE_CORS | ROUTE_RAW_BODY,
	  PROGRAM_API, INPUTS({ "from", INPUT_LINE, INPUT_QUERY, 1, DB_SENDER_MAX, "sender's name (from)" },
		 { "mode", INPUT_LINE, INPUT_QUERY, 1, 16, "mode" }, { "face", INPUT_LINE, INPUT_QUERY, 1, 16, "face" }),
	  ROUTE_BODY_UPLOAD_MAX },
	{ METHOD_GET, "/printkey/{key:device_key}/messages/{mid}", api_printkey_message, ROUTE_JSON | ROUTE_CORS,
	  PROGRAM_API, NULL, 0 },
	{ METHOD_OPTIONS, "/printkey/{key:device_key}", api_printkey_options, ROUTE_JSON | ROUTE_CORS, PROGRAM_API,
	  NULL, 0 },
	{ METHOD_POST, "/ext_api/v1/printer/{id}/print_html", api_ext_print_html,
	  ROUTE_JSON | ROUTE_BODY_JSON | ROUTE_JSON_ANY_TYPE,
	  PROGRAM_API,
	  INPUTS({ "api_key", INPUT_API_KEY, INPUT_QUERY, 0, 0, "API key" },
		 { "message", INPUT_TEXT, INPUT_REQUIRED, 1, ROUTE_BODY_UPLOAD_MAX, "message" },
		 { "face", INPUT_LINE, INPUT_REQUIRED, 1, 16, "face" }, { "mode", INPUT_LINE, 0, 1, 16, "mode" }),
	  ROUTE_BODY_UPLOAD_MAX },
	/*
	 * /KEY on DEVICE_KEY_DOMAIN: the server rewrites it to /printkey/KEY but
	 * passes REQUEST_URI as sent, so the bare path is the same API.
	 */
	{ METHOD_GET, "/{key:device_key}", api_printkey_get, ROUTE_JSON | ROUTE_CORS, PROGRAM_API, NULL, 0 },
	{ METHOD_POST, "/{key:device_key}", api_printkey_post, ROUTE_JSON | ROUTE_CORS | ROUTE_RAW_BODY, PROGRAM_API,
	  INPUTS({ "from", INPUT_LINE, INPUT_QUERY, 1, DB_SENDER_MAX, "sender's name (from)" },
		 { "mode", INPUT_LINE, INPUT_QUERY, 1, 16, "mode" }, { "face", INPUT_LINE, INPUT_QUERY, 1, 16, "face" }),
	  ROUTE_BODY_UPLOAD_MAX },
	{ METHOD_OPTIONS, "/{key:device_key}", api_printkey_options, ROUTE_JSON | ROUTE_CORS, PROGRAM_API, NULL, 0 },
};

const size_t route_count = G_N_ELEMENTS(route_table);

/* The types a path parameter may have: "{name}" is an id, "{name:type}" one of the others. */
static const struct input_spec param_types[] = {
	{ "id", INPUT_ID, INPUT_REQUIRED, 0, 0, "id" },
	{ "address", INPUT_ADDRESS, INPUT_REQUIRED, 0, 0, "device address" },
	{ "device_key", INPUT_DEVICE_KEY, INPUT_REQUIRED, 0, 0, "device key" },
	{ "username", INPUT_USERNAME, INPUT_REQUIRED, 0, 0, "user name" },
	{ "claim_code", INPUT_CLAIM_CODE, INPUT_REQUIRED, 0, 0, "claim code" },
	{ "line", INPUT_LINE, INPUT_REQUIRED, 1, 255, "name" },
};

/*
 * Reads a pattern segment "{name}" or "{name:type}" (len bytes): writes the
 * name into name (size bytes) and returns the type's spec; NULL when the
 * segment is not a parameter (*bad 0) or a malformed one (*bad 1).
 */
static const struct input_spec *param_of(const char *segment, size_t len, char *name, size_t size, int *bad)
{
	const char *colon;
	size_t name_len, i;

	*bad = 0;
	if (len < 2 || segment[0] != '{' || segment[len - 1] != '}')
		return NULL;
	*bad = 1;
	colon = memchr(segment, ':', len);
	name_len = (colon ? (size_t)(colon - segment) : len - 1) - 1;
	if (name_len == 0 || name_len >= size)
		return NULL;
	for (i = 0; i < name_len; i++)
		if (!g_ascii_isalnum(segment[1 + i]) && segment[1 + i] != '_')
			return NULL;
	memcpy(name, segment + 1, name_len);
	name[name_len] = '\0';
	if (!colon)
		return &param_types[0];
	for (i = 0; i < G_N_ELEMENTS(param_types); i++) {
		size_t type_len = (size_t)(segment + len - 1 - (colon + 1));

		if (strlen(param_types[i].name) == type_len && memcmp(colon + 1, param_types[i].name, type_len) == 0)
			return &param_types[i];
	}
	return NULL;
}

/*
 * Matches segments against pattern, validating parameters into params.
 * Returns 1 when the path is the pattern's, else 0 (params may hold part).
 */
static int pattern_match(const char *pattern, const GPtrArray *segments, GHashTable *params)
{
	const char *p = pattern + 1;
	guint n = 0;

	while (*p) {
		size_t len = strcspn(p, "/");
		const struct input_spec *type;
		struct input_value value;
		const char *segment;
		char name[64], why[REQUEST_WHY_MAX];
		int bad;

		if (n >= segments->len)
			return 0;
		segment = g_ptr_array_index(segments, n++);
		type = param_of(p, len, name, sizeof(name), &bad);
		if (type) {
			if (!input_check(type, segment, strlen(segment), NULL, &value, why))
				return 0;
			g_hash_table_replace(params, g_strdup(name), g_memdup2(&value, sizeof(value)));
		} else if (bad || strlen(segment) != len || memcmp(segment, p, len) != 0) {
			return 0;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	return n == segments->len;
}

enum route_match route_find(const struct route *table, size_t count, enum program program,
			    unsigned method, const GPtrArray *segments, const struct route **route,
			    GHashTable *params, unsigned *allowed, int *json_errors)
{
	size_t i;
	int path_known = 0;

	*route = NULL;
	*allowed = 0;
	*json_errors = program == PROGRAM_API;
	for (i = 0; i < count; i++) {
		const struct route *r = &table[i];
		unsigned methods = r->methods | ((r->methods & METHOD_GET) ? METHOD_HEAD : 0);
		GHashTable *found;

		if (r->program != program)
			continue;
		found = inputs_table_new();
		if (pattern_match(r->pattern, segments, found)) {
			if (!path_known)
				*json_errors = (r->flags & ROUTE_JSON) != 0;
			path_known = 1;
			*allowed |= methods;
			if (!*route && (methods & method)) {
				GHashTableIter iter;
				gpointer key, value;

				*route = r;
				*json_errors = (r->flags & ROUTE_JSON) != 0;
				g_hash_table_iter_init(&iter, found);
				while (g_hash_table_iter_next(&iter, &key, &value)) {
					g_hash_table_iter_steal(&iter);
					g_hash_table_replace(params, key, value);
				}
			}
		}
		g_hash_table_destroy(found);
	}
	if (*route)
		return ROUTE_FOUND;
	return path_known ? ROUTE_WRONG_METHOD : ROUTE_NOT_FOUND;
}

int routes_check(const struct route *table, size_t count, struct sirius_error *err)
{
	size_t i;

	for (i = 0; i < count; i++) {
		const struct route *r = &table[i];
		const struct input_spec *spec, *other;
		char names[ROUTE_PARAMS_MAX][64];
		const char *p;
		int params = 0, j;

		if (!r->pattern || r->pattern[0] != '/')
			return error_set(err, "route %zu: the pattern must start with '/'", i);
		if (!r->handler)
			return error_set(err, "route %s: no handler", r->pattern);
		if (!r->methods || (r->methods & ~(unsigned)(METHOD_GET | METHOD_POST | METHOD_PUT | METHOD_DELETE |
							      METHOD_PATCH | METHOD_OPTIONS)))
			return error_set(err, "route %s: methods must be GET, POST, PUT, DELETE, PATCH or OPTIONS",
					 r->pattern);
		if ((r->methods & METHOD_OPTIONS) && !(r->flags & ROUTE_CORS))
			return error_set(err, "route %s: only a ROUTE_CORS route answers OPTIONS", r->pattern);
		if ((r->flags & ROUTE_RAW_BODY) && (r->flags & (ROUTE_MULTIPART | ROUTE_BODY_JSON)))
			return error_set(err, "route %s: a raw body is neither multipart nor JSON", r->pattern);
		if (r->program != PROGRAM_WEB && r->program != PROGRAM_API)
			return error_set(err, "route %s: no program", r->pattern);
		if (r->program == PROGRAM_WEB && (r->methods & ~(unsigned)METHOD_GET) &&
		    !(r->flags & (ROUTE_NEEDS_CSRF | ROUTE_NO_CSRF)))
			return error_set(err, "route %s: a POST of sirius-web needs ROUTE_NEEDS_CSRF", r->pattern);
		if (r->max_body > ROUTE_BODY_UPLOAD_MAX)
			return error_set(err, "route %s: max_body over %d bytes", r->pattern, ROUTE_BODY_UPLOAD_MAX);
		if ((r->flags & ROUTE_JSON_ANY_TYPE) && !(r->flags & ROUTE_BODY_JSON))
			return error_set(err, "route %s: ROUTE_JSON_ANY_TYPE needs ROUTE_BODY_JSON", r->pattern);
		if ((r->flags & ROUTE_MULTIPART) && (r->flags & ROUTE_BODY_JSON))
			return error_set(err, "route %s: a body is multipart or JSON, not both", r->pattern);
		for (p = r->pattern + 1; *p;) {
			size_t len = strcspn(p, "/");
			int bad;

			if (len == 0 && p[len])
				return error_set(err, "route %s: an empty segment", r->pattern);
			if (params < ROUTE_PARAMS_MAX && param_of(p, len, names[params], sizeof(names[0]), &bad)) {
				for (j = 0; j < params; j++)
					if (strcmp(names[j], names[params]) == 0)
						return error_set(err, "route %s: parameter %s twice", r->pattern,
								 names[j]);
				params++;
			} else if (params >= ROUTE_PARAMS_MAX && memchr(p, '{', len)) {
				return error_set(err, "route %s: more than %d parameters", r->pattern, ROUTE_PARAMS_MAX);
			} else if (memchr(p, '{', len) || memchr(p, '}', len)) {
				return error_set(err, "route %s: a malformed parameter or unknown type", r->pattern);
			}
			p += len;
			if (*p == '/')
				p++;
		}
		for (spec = r->inputs; spec && spec->name; spec++) {
			if (!spec->type)
				return error_set(err, "route %s: input %s has no type", r->pattern, spec->name);
			if (spec->type == INPUT_INT && spec->min > spec->max)
				return error_set(err, "route %s: input %s: min over max", r->pattern, spec->name);
			if (spec->type == INPUT_FILE && !(r->flags & ROUTE_MULTIPART))
				return error_set(err, "route %s: file input %s needs ROUTE_MULTIPART", r->pattern,
						 spec->name);
			for (other = r->inputs; other != spec; other++)
				if (strcmp(other->name, spec->name) == 0)
					return error_set(err, "route %s: input %s declared twice", r->pattern, spec->name);
			for (j = 0; j < params; j++)
				if (strcmp(names[j], spec->name) == 0)
					return error_set(err, "route %s: input %s is also a path parameter", r->pattern,
							 spec->name);
		}
	}
	return 0;
}
