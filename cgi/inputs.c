/* inputs.c: validating declared inputs (ids, text, user names, passwords, claim codes, keys, addresses, files). */
#include "inputs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim_code.h"
#include "context.h"
#include "db.h"
#include "password.h"

/* The largest id accepted (ids go through cJSON's doubles to templates and JSON). */
#define INPUT_ID_MAX 9007199254740992LL

/* Writes a reason into why; returns 0 (the value is refused). */
static int __attribute__((format(printf, 2, 3)))
invalid(char why[REQUEST_WHY_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, REQUEST_WHY_MAX, fmt, ap);
	va_end(ap);
	return 0;
}

/* The default byte limit of a type when the spec gives none. */
static long long default_max(enum input_type type)
{
	switch (type) {
	case INPUT_PASSWORD: return PASSWORD_MAX_LEN;
	case INPUT_PATH: return 512;
	case INPUT_FILE: return 10 * 1024 * 1024;
	case INPUT_TEXT: return 4096;
	default: return 255;
	}
}

/* 1 when len bytes of text are all in [a-z0-9] (lower) or also [A-Z] (any case). */
static int all_alnum(const char *text, size_t len, int any_case)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = text[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (any_case && c >= 'A' && c <= 'Z')))
			return 0;
	}
	return 1;
}

/* 1 when text has a control character other than those allowed (newlines and tab when multiline). */
static int has_control(const char *text, size_t len, int multiline)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		gunichar c = g_utf8_get_char(p);

		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
			if (!(multiline && (c == '\n' || c == '\r' || c == '\t')))
				return 1;
		}
		p = g_utf8_next_char(p);
	}
	return 0;
}

/* Parses a decimal integer without sign or leading zeros... or with a leading '-' when sign is 1. Returns 1 or 0. */
static int parse_decimal(const char *text, size_t len, int sign, long long *out)
{
	char buf[24];
	char *end;
	size_t start = (sign && len > 0 && text[0] == '-') ? 1 : 0;
	size_t i;

	if (len == start || len >= sizeof(buf))
		return 0;
	for (i = start; i < len; i++)
		if (text[i] < '0' || text[i] > '9')
			return 0;
	if (text[start] == '0' && len - start > 1)
		return 0;
	memcpy(buf, text, len);
	buf[len] = '\0';
	errno = 0;
	*out = strtoll(buf, &end, 10);
	return errno == 0 && *end == '\0';
}

int input_check(const struct input_spec *spec, const char *value, size_t len,
		const struct form_field *field, struct input_value *out, char why[REQUEST_WHY_MAX])
{
	const char *label = spec->label ? spec->label : spec->name;
	long long max = spec->max > 0 ? spec->max : default_max(spec->type);
	long long number = 0;
	struct claim_code code;
	char *text = NULL;

	memset(out, 0, sizeof(*out));
	out->spec = spec;
	if (spec->type != INPUT_FILE && (!g_utf8_validate(value, (gssize)len, NULL) || memchr(value, '\0', len)))
		return invalid(why, "The %s is not text.", label);
	switch (spec->type) {
	case INPUT_ID:
		if (!parse_decimal(value, len, 0, &number) || number < 1 || number > INPUT_ID_MAX)
			return invalid(why, "The %s must be a positive whole number.", label);
		out->number = number;
		break;
	case INPUT_INT:
		if (!parse_decimal(value, len, 1, &number) || number < spec->min || number > spec->max)
			return invalid(why, "The %s must be a whole number from %lld to %lld.", label, spec->min,
				       spec->max);
		out->number = number;
		break;
	case INPUT_TEXT:
	case INPUT_LINE:
		if ((long long)len < (spec->min > 0 ? spec->min : 0) || (long long)len > max)
			return invalid(why, "The %s must be %lld to %lld bytes long (it is %zu).", label,
				       spec->min > 0 ? spec->min : 0, max, len);
		if (has_control(value, len, spec->type == INPUT_TEXT))
			return invalid(why, spec->type == INPUT_TEXT
				       ? "The %s holds control characters; only text, tabs and new lines are allowed."
				       : "The %s must be one line of text without control characters.", label);
		break;
	case INPUT_USERNAME:
		text = g_strndup(value, len);
		if (strlen(text) != len || !db_user_name_valid(text)) {
			g_free(text);
			return invalid(why, "The %s must be 1 to %d letters, digits, dots, dashes or underscores.",
				       label, DB_USER_NAME_MAX);
		}
		break;
	case INPUT_PASSWORD:
		if (max > PASSWORD_MAX_LEN)
			max = PASSWORD_MAX_LEN;
		if ((long long)len < (spec->min > 0 ? spec->min : 1) || (long long)len > max)
			return invalid(why, "The %s must be %lld to %lld characters long.", label,
				       spec->min > 0 ? spec->min : 1, max);
		break;
	case INPUT_CLAIM_CODE:
		if (len > CLAIM_CODE_MAX_INPUT)
			return invalid(why, "%s", claim_code_error_message(CLAIM_CODE_BAD_LENGTH));
		text = g_strndup(value, len);
		{
			enum claim_code_error e = claim_code_decode(text, &code);

			g_free(text);
			text = NULL;
			if (e != CLAIM_CODE_OK)
				return invalid(why, "%s", claim_code_error_message(e));
		}
		text = g_strdup(code.digits);
		break;
	case INPUT_DEVICE_KEY:
		if (len != DB_DEVICE_KEY_LEN || !all_alnum(value, len, 0))
			return invalid(why, "The %s must be %d lower-case letters and digits.", label, DB_DEVICE_KEY_LEN);
		break;
	case INPUT_API_KEY:
		/* new keys are lower case; keys imported from the original server mix cases */
		if (len != DB_API_KEY_LEN || !all_alnum(value, len, 1))
			return invalid(why, "The %s must be %d letters and digits.", label, DB_API_KEY_LEN);
		break;
	case INPUT_ADDRESS:
		if (len != DB_ADDRESS_LEN || !g_str_is_ascii(value))
			return invalid(why, "The %s must be %d hexadecimal digits.", label, DB_ADDRESS_LEN);
		text = g_ascii_strdown(value, (gssize)len);
		for (size_t i = 0; i < len; i++) {
			if (!g_ascii_isxdigit(text[i])) {
				g_free(text);
				return invalid(why, "The %s must be %d hexadecimal digits.", label, DB_ADDRESS_LEN);
			}
		}
		break;
	case INPUT_CHECKBOX:
		if ((len == 2 && memcmp(value, "on", 2) == 0) || (len == 1 && value[0] == '1') ||
		    (len == 4 && memcmp(value, "true", 4) == 0))
			out->number = 1;
		else if ((len == 3 && memcmp(value, "off", 3) == 0) || (len == 1 && value[0] == '0') ||
			 (len == 5 && memcmp(value, "false", 5) == 0))
			out->number = 0;
		else
			return invalid(why, "The %s must be on or off.", label);
		break;
	case INPUT_PATH:
		if ((long long)len > max || len == 0 || value[0] != '/' || (len > 1 && (value[1] == '/' || value[1] == '\\')) ||
		    has_control(value, len, 0) || memchr(value, '\\', len))
			return invalid(why, "The %s must be a path on this site.", label);
		break;
	case INPUT_FILE:
		if (!field || !field->filename)
			return invalid(why, "The %s must be a file upload.", label);
		if ((long long)len < (spec->min > 0 ? spec->min : 1) || (long long)len > max)
			return invalid(why, "The %s must be %lld to %lld bytes (it is %zu).", label,
				       spec->min > 0 ? spec->min : 1, max, len);
		out->file = field;
		return 1;
	default:
		return invalid(why, "The %s has a type this server does not know.", label);
	}
	out->text = text ? text : g_strndup(value, len);
	return 1;
}

static void input_value_free(gpointer data)
{
	struct input_value *value = data;

	if (!value)
		return;
	g_free(value->text);
	g_free(value);
}

GHashTable *inputs_table_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, input_value_free);
}

/* The largest magnitude of a JSON number taken as a whole number: 2^53, beyond which doubles skip integers. */
#define JSON_WHOLE_MAX 9007199254740992.0

/*
 * The text of a JSON field for an input: strings as they are, whole numbers
 * in decimal (only within +-2^53, checked before converting, so that 1e300
 * or NaN is never cast), booleans; NULL otherwise.
 */
static char *json_field_text(const cJSON *json, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, name);

	if (cJSON_IsString(item))
		return g_strdup(item->valuestring);
	if (cJSON_IsNumber(item) && item->valuedouble >= -JSON_WHOLE_MAX && item->valuedouble <= JSON_WHOLE_MAX &&
	    item->valuedouble == (double)(long long)item->valuedouble)
		return g_strdup_printf("%lld", (long long)item->valuedouble);
	if (cJSON_IsBool(item))
		return g_strdup(cJSON_IsTrue(item) ? "true" : "false");
	return NULL;
}

int inputs_validate(const struct input_spec *specs, const struct request *req, GHashTable *values,
		    int keep_going, char why[REQUEST_WHY_MAX])
{
	const struct input_spec *spec;
	int from_query_default = (req->method & (METHOD_GET | METHOD_HEAD)) != 0;
	int status = 0;

	why[0] = '\0';
	for (spec = specs; spec && spec->name && (keep_going || !status); spec++) {
		const char *label = spec->label ? spec->label : spec->name;
		const struct form_field *field = NULL;
		struct input_value value;
		const char *text = NULL;
		char *owned = NULL;
		char msg[REQUEST_WHY_MAX] = "";
		size_t len = 0;

		if (g_hash_table_contains(values, spec->name))
			continue; /* a path parameter */
		if (from_query_default || (spec->flags & INPUT_QUERY)) {
			field = form_find(req->query, spec->name);
		} else if (req->json) {
			const cJSON *item = cJSON_GetObjectItemCaseSensitive(req->json, spec->name);

			owned = json_field_text(req->json, spec->name);
			if (item && !owned)
				snprintf(msg, sizeof(msg), "The %s must be a string or a number.", label);
			text = owned;
			len = owned ? strlen(owned) : 0;
		} else {
			field = form_find(req->form, spec->name);
		}
		if (field) {
			text = field->value;
			len = field->len;
			if (spec->type != INPUT_FILE && field->filename)
				snprintf(msg, sizeof(msg), "The %s must be typed in, not uploaded as a file.", label);
		}
		if (msg[0]) {
			/* refused above */
		} else if (!text || len == 0) {
			if (spec->flags & INPUT_REQUIRED) {
				snprintf(msg, sizeof(msg), spec->type == INPUT_FILE ? "Choose a %s to upload."
						   : "The %s is missing.", label);
			} else if (spec->type == INPUT_CHECKBOX || (spec->type == INPUT_TEXT && text)) {
				struct input_value *empty = g_new0(struct input_value, 1);

				empty->spec = spec;
				empty->text = g_strdup(spec->type == INPUT_CHECKBOX ? "0" : "");
				g_hash_table_replace(values, g_strdup(spec->name), empty);
			}
		} else if (spec->type == INPUT_FILE && (!field || !field->filename)) {
			snprintf(msg, sizeof(msg), "The %s must be a file upload.", label);
		} else if (input_check(spec, text, len, field, &value, msg)) {
			g_hash_table_replace(values, g_strdup(spec->name), g_memdup2(&value, sizeof(value)));
		}
		g_free(owned);
		if (msg[0] && !status) {
			status = 400;
			memcpy(why, msg, REQUEST_WHY_MAX);
		}
	}
	return status;
}

/* The validated value of name, or NULL; logs a handler asking for an input its route does not declare. */
static const struct input_value *input_get(struct ctx *ctx, const char *name)
{
	const struct input_spec *spec;
	const struct input_value *value = ctx->inputs ? g_hash_table_lookup(ctx->inputs, name) : NULL;

	if (value)
		return value;
	if (ctx->route) {
		for (spec = ctx->route->inputs; spec && spec->name; spec++)
			if (strcmp(spec->name, name) == 0)
				return NULL;
		if (strchr(ctx->route->pattern, '{')) {
			char *param = g_strdup_printf("{%s", name);
			int found = strstr(ctx->route->pattern, param) != NULL;

			g_free(param);
			if (found)
				return NULL;
		}
	}
	cgi_log("a handler asked for input \"%s\" that its route (%s) does not declare", name,
		ctx->route ? ctx->route->pattern : "none");
	return NULL;
}

const char *input_text(struct ctx *ctx, const char *name)
{
	const struct input_value *value = input_get(ctx, name);

	return value ? value->text : NULL;
}

int64_t input_int(struct ctx *ctx, const char *name)
{
	const struct input_value *value = input_get(ctx, name);

	return value ? value->number : 0;
}

const struct form_field *input_file(struct ctx *ctx, const char *name)
{
	const struct input_value *value = input_get(ctx, name);

	return value ? value->file : NULL;
}
