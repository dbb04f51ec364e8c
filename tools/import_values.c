/* import_values.c: PostgreSQL's text forms of integers, timestamps, bytea and arrays, read for sirius-import. */
#include "import_values.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int import_parse_int(const char *text, int64_t min, int64_t max, int64_t *out)
{
	const char *p = text;
	char *end;
	long long value;

	if (!text)
		return -1;
	if (*p == '-')
		p++;
	if (!g_ascii_isdigit(*p))
		return -1;
	errno = 0;
	value = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0' || value < min || value > max)
		return -1;
	*out = value;
	return 0;
}

/* Reads exactly n digits at *p into *value and moves *p past them; 0, or -1. */
static int digits(const char **p, int n, int *value)
{
	int i;

	*value = 0;
	for (i = 0; i < n; i++) {
		if (!g_ascii_isdigit((*p)[i]))
			return -1;
		*value = *value * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

int import_parse_timestamp(const char *text, int64_t *out)
{
	const char *p = text;
	int year, month, day, hour, minute, second;
	GDateTime *t;

	if (!text || digits(&p, 4, &year) < 0 || *p++ != '-' || digits(&p, 2, &month) < 0 || *p++ != '-' ||
	    digits(&p, 2, &day) < 0 || *p++ != ' ' || digits(&p, 2, &hour) < 0 || *p++ != ':' ||
	    digits(&p, 2, &minute) < 0 || *p++ != ':' || digits(&p, 2, &second) < 0)
		return -1;
	if (*p == '.') {
		/* the fraction is dropped: times here are whole seconds */
		p++;
		if (!g_ascii_isdigit(*p))
			return -1;
		while (g_ascii_isdigit(*p))
			p++;
	}
	if (*p != '\0' || year < 1970)
		return -1;
	t = g_date_time_new_utc(year, month, day, hour, minute, second);
	if (!t)
		return -1;
	*out = g_date_time_to_unix(t);
	g_date_time_unref(t);
	return 0;
}

int import_parse_bytea(const char *text, uint8_t **out, size_t *len, struct sirius_error *err)
{
	size_t n = strlen(text), i, o = 0;
	uint8_t *bytes;

	*out = NULL;
	*len = 0;
	if (n >= 2 && text[0] == '\\' && text[1] == 'x') {
		if ((n - 2) % 2 != 0)
			return error_set(err, "a bytea value in hex has an odd number of digits");
		if ((n - 2) / 2 > IMPORT_BYTEA_MAX)
			return error_set(err, "a bytea value is longer than %u bytes", IMPORT_BYTEA_MAX);
		bytes = g_malloc((n - 2) / 2 + 1);
		for (i = 2; i < n; i += 2) {
			int hi = g_ascii_xdigit_value(text[i]), lo = g_ascii_xdigit_value(text[i + 1]);

			if (hi < 0 || lo < 0) {
				g_free(bytes);
				return error_set(err, "a bytea value in hex has a character that is not a digit");
			}
			bytes[o++] = (uint8_t)(hi << 4 | lo);
		}
	} else {
		/* the escape format: at most one byte per character */
		if (n > IMPORT_BYTEA_MAX)
			return error_set(err, "a bytea value is longer than %u bytes", IMPORT_BYTEA_MAX);
		bytes = g_malloc(n + 1);
		for (i = 0; i < n;) {
			if (text[i] != '\\') {
				bytes[o++] = (uint8_t)text[i++];
			} else if (text[i + 1] == '\\') {
				bytes[o++] = '\\';
				i += 2;
			} else if (text[i + 1] >= '0' && text[i + 1] <= '3' && text[i + 2] >= '0' && text[i + 2] <= '7' &&
				   text[i + 3] >= '0' && text[i + 3] <= '7') {
				bytes[o++] = (uint8_t)((text[i + 1] - '0') << 6 | (text[i + 2] - '0') << 3 | (text[i + 3] - '0'));
				i += 4;
			} else {
				g_free(bytes);
				return error_set(err, "a bytea value has a backslash that is not an escape");
			}
		}
	}
	*out = bytes;
	*len = o;
	return 0;
}

int import_parse_text_array(const char *text, GPtrArray **out, struct sirius_error *err)
{
	const char *p = text;
	GPtrArray *items;
	GString *item;

	*out = NULL;
	if (!text || *p != '{')
		return error_set(err, "an array value does not start with {");
	items = g_ptr_array_new_with_free_func(g_free);
	item = g_string_new(NULL);
	p++;
	if (*p == '}') {
		p++;
		goto end;
	}
	for (;;) {
		int quoted = 0;

		g_string_truncate(item, 0);
		while (*p == ' ')
			p++;
		if (*p == '{') {
			error_set(err, "an array value has more than one dimension");
			goto fail;
		}
		if (*p == '"') {
			quoted = 1;
			for (p++; *p != '"'; p++) {
				if (*p == '\0') {
					error_set(err, "an array value has an unterminated quote");
					goto fail;
				}
				if (*p == '\\' && p[1] != '\0')
					p++;
				g_string_append_c(item, *p);
			}
			p++;
			while (*p == ' ')
				p++;
		} else {
			for (; *p != ',' && *p != '}'; p++) {
				if (*p == '\0' || *p == '{' || *p == '"') {
					error_set(err, "an array value is malformed");
					goto fail;
				}
				if (*p == '\\' && p[1] != '\0')
					p++;
				g_string_append_c(item, *p);
			}
			while (item->len > 0 && item->str[item->len - 1] == ' ')
				g_string_truncate(item, item->len - 1);
		}
		if (items->len >= IMPORT_ARRAY_MAX) {
			error_set(err, "an array value has more than %d elements", IMPORT_ARRAY_MAX);
			goto fail;
		}
		if (!quoted && g_ascii_strcasecmp(item->str, "NULL") == 0)
			g_ptr_array_add(items, NULL);
		else
			g_ptr_array_add(items, g_strndup(item->str, item->len));
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}') {
			p++;
			break;
		}
		error_set(err, "an array value is malformed");
		goto fail;
	}
end:
	if (*p != '\0') {
		error_set(err, "an array value has text after its closing }");
		goto fail;
	}
	g_string_free(item, TRUE);
	*out = items;
	return 0;
fail:
	g_string_free(item, TRUE);
	g_ptr_array_free(items, TRUE);
	return -1;
}
