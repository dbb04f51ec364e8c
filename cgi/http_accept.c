/* http_accept.c: Accept header parsing (media ranges, q-values) for content negotiation. */
#include "http_accept.h"

#include <string.h>

#include <glib.h>

/*
 * Reads a q-value ("1", "0.8", "1.000"; RFC 9110: 0 to 1, at most three
 * decimals) of len bytes. Returns it, or -1 when malformed.
 */
static double parse_q(const char *text, size_t len)
{
	static const int place[] = { 0, 0, 100, 10, 1 };
	int milli;
	size_t i;

	if (len == 0 || len > 5 || (text[0] != '0' && text[0] != '1'))
		return -1;
	milli = (text[0] - '0') * 1000;
	if (len > 1 && text[1] != '.')
		return -1;
	for (i = 2; i < len; i++) {
		if (!g_ascii_isdigit(text[i]) || (text[0] == '1' && text[i] != '0'))
			return -1;
		milli += (text[i] - '0') * place[i];
	}
	return milli / 1000.0; /* the nearest double to the decimal, as a literal would be */
}

/* Trims spaces and tabs from both ends of [*start, *start + *len). */
static void trim(const char **start, size_t *len)
{
	while (*len > 0 && (**start == ' ' || **start == '\t')) {
		(*start)++;
		(*len)--;
	}
	while (*len > 0 && ((*start)[*len - 1] == ' ' || (*start)[*len - 1] == '\t'))
		(*len)--;
}

/*
 * How specifically the range of len bytes at range matches media_type: 3
 * exact, 2 type/ *, 1 * / *, 0 not at all. Case is ignored.
 */
static int range_match(const char *range, size_t len, const char *media_type)
{
	const char *slash = memchr(range, '/', len);
	const char *type_slash = strchr(media_type, '/');
	size_t type_len, sub_len;

	if (!slash || !type_slash)
		return 0;
	type_len = (size_t)(slash - range);
	sub_len = len - type_len - 1;
	if (type_len == 1 && range[0] == '*')
		return sub_len == 1 && slash[1] == '*' ? 1 : 0;
	if (type_len != (size_t)(type_slash - media_type) || g_ascii_strncasecmp(range, media_type, type_len) != 0)
		return 0;
	if (sub_len == 1 && slash[1] == '*')
		return 2;
	return sub_len == strlen(type_slash + 1) && g_ascii_strncasecmp(slash + 1, type_slash + 1, sub_len) == 0
	       ? 3 : 0;
}

double accept_quality(const char *accept, const char *media_type)
{
	const char *p = accept;
	int best = 0, best_params = 0, ranges = 0;
	double quality = 0;

	if (!accept)
		return 1;
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	if (!*p)
		return 1;
	while (*p && ranges < ACCEPT_RANGES_MAX) {
		size_t item_len = strcspn(p, ","), range_len = strcspn(p, ";,");
		const char *range = p, *param = p + range_len;
		const char *end = p + item_len;
		double q = 1;
		int params = 0, specific, bad = 0;

		ranges++;
		trim(&range, &range_len);
		while (param < end && *param == ';') {
			const char *name = param + 1, *eq;
			size_t len = strcspn(name, ";,");

			param = name + len;
			trim(&name, &len);
			eq = memchr(name, '=', len);
			if (eq && eq - name == 1 && (name[0] == 'q' || name[0] == 'Q')) {
				const char *value = eq + 1;
				size_t value_len = len - 2;

				trim(&value, &value_len);
				q = parse_q(value, value_len);
				if (q < 0)
					bad = 1;
				break; /* what follows q are accept-extensions */
			}
			if (len > 0)
				params = 1;
		}
		specific = bad ? 0 : range_match(range, range_len, media_type);
		if (specific > best || (specific == best && specific > 0 && params > best_params)) {
			best = specific;
			best_params = params;
			quality = q;
		}
		p = *end ? end + 1 : end;
	}
	return best ? quality : 0;
}

int accept_prefers_html(const char *accept)
{
	return accept_quality(accept, "text/html") > accept_quality(accept, "application/json");
}
