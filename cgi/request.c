/* request.c: reading a CGI request: environment, path, query, cookies, bounded body, form and multipart parsing. */
#define _GNU_SOURCE /* memmem */
#include "request.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes a reason into why and returns status. */
static int __attribute__((format(printf, 3, 4)))
refuse(char why[REQUEST_WHY_MAX], int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, REQUEST_WHY_MAX, fmt, ap);
	va_end(ap);
	return status;
}

const char *env_lookup(char *const *envp, const char *name)
{
	size_t len = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

void form_field_free(gpointer data)
{
	struct form_field *field = data;

	if (!field)
		return;
	g_free(field->name);
	g_free(field->value);
	g_free(field->filename);
	g_free(field->content_type);
	g_free(field);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *percent_decode(const char *text, size_t len, int plus, size_t *out_len)
{
	char *out = g_malloc(len + 1);
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (text[i] == '%') {
			int hi, lo;

			if (i + 2 >= len) {
				g_free(out);
				return NULL;
			}
			hi = hex_value(text[i + 1]);
			lo = hex_value(text[i + 2]);
			if (hi < 0 || lo < 0) {
				g_free(out);
				return NULL;
			}
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (plus && text[i] == '+') {
			out[n++] = ' ';
		} else {
			out[n++] = text[i];
		}
	}
	out[n] = '\0';
	if (out_len)
		*out_len = n;
	return out;
}

/* 1 when len bytes of text are UTF-8 without NUL bytes, else 0. */
static int text_ok(const char *text, size_t len)
{
	return memchr(text, '\0', len) == NULL && g_utf8_validate(text, (gssize)len, NULL);
}

int form_parse_urlencoded(const char *text, size_t len, GPtrArray *fields, char why[REQUEST_WHY_MAX])
{
	size_t pos = 0;

	while (pos < len) {
		const char *pair = text + pos;
		const char *amp = memchr(pair, '&', len - pos);
		size_t pair_len = amp ? (size_t)(amp - pair) : len - pos;
		const char *eq = memchr(pair, '=', pair_len);
		size_t name_len = eq ? (size_t)(eq - pair) : pair_len;
		struct form_field *field;
		char *name, *value;
		size_t decoded_name_len, value_len;

		pos += pair_len + 1;
		if (pair_len == 0)
			continue;
		if (fields->len >= REQUEST_FIELDS_MAX)
			return refuse(why, 400, "The form has more than %d fields.", REQUEST_FIELDS_MAX);
		name = percent_decode(pair, name_len, 1, &decoded_name_len);
		if (!name)
			return refuse(why, 400, "A field name has a malformed %%-escape.");
		if (decoded_name_len == 0 || decoded_name_len > REQUEST_FIELD_NAME_MAX ||
		    !text_ok(name, decoded_name_len)) {
			g_free(name);
			return refuse(why, 400, "A field name is empty, longer than %d bytes or not UTF-8 text.",
				      REQUEST_FIELD_NAME_MAX);
		}
		value = eq ? percent_decode(eq + 1, pair_len - name_len - 1, 1, &value_len)
			   : percent_decode("", 0, 1, &value_len);
		if (!value || !text_ok(value, value_len)) {
			int bad_escape = value == NULL;

			g_free(value);
			refuse(why, 400, bad_escape ? "The field \"%s\" has a malformed %%-escape."
						    : "The field \"%s\" is not UTF-8 text (or holds a NUL byte).",
			       name);
			g_free(name);
			return 400;
		}
		field = g_new0(struct form_field, 1);
		field->name = name;
		field->value = value;
		field->len = value_len;
		g_ptr_array_add(fields, field);
	}
	return 0;
}

enum body_kind body_kind_of(const char *content_type)
{
	size_t len;

	if (!content_type || !content_type[0])
		return BODY_NONE;
	len = strcspn(content_type, "; \t");
	if (len == 33 && g_ascii_strncasecmp(content_type, "application/x-www-form-urlencoded", len) == 0)
		return BODY_FORM;
	if (len == 19 && g_ascii_strncasecmp(content_type, "multipart/form-data", len) == 0)
		return BODY_MULTIPART;
	if (len == 16 && g_ascii_strncasecmp(content_type, "application/json", len) == 0)
		return BODY_JSON;
	return BODY_OTHER;
}

/*
 * The value of parameter key in a header value such as
 * `form-data; name="a"; filename="b.png"` (quotes removed, backslash escapes
 * undone), in a new string; NULL when the parameter is not there or malformed.
 */
static char *header_param(const char *value, const char *key)
{
	const char *p = strchr(value, ';');
	size_t key_len = strlen(key);

	while (p) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (g_ascii_strncasecmp(p, key, key_len) == 0 && p[key_len] == '=') {
			const char *v = p + key_len + 1;
			GString *out = g_string_new(NULL);

			if (*v == '"') {
				for (v++; *v && *v != '"'; v++) {
					if (*v == '\\' && v[1])
						v++;
					g_string_append_c(out, *v);
				}
				if (*v != '"') {
					g_string_free(out, TRUE);
					return NULL;
				}
			} else {
				g_string_append_len(out, v, (gssize)strcspn(v, "; \t"));
			}
			return g_string_free(out, FALSE);
		}
		p = strchr(p, ';');
	}
	return NULL;
}

/* Finds needle (nlen bytes) in hay (hlen bytes); NULL when absent. */
static const char *find_bytes(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	return memmem(hay, hlen, needle, nlen);
}

/*
 * Parses the headers of one part (len bytes, lines ended by CRLF) into
 * field's name, filename and content type. Returns 0 or 400.
 */
static int part_headers(const char *head, size_t len, struct form_field *field, char why[REQUEST_WHY_MAX])
{
	char *text = g_strndup(head, len);
	char **lines = g_strsplit(text, "\r\n", 0);
	int found = 0, i, status = 0;

	g_free(text);
	for (i = 0; lines[i] && !status; i++) {
		char *colon = strchr(lines[i], ':');
		char *value;

		if (!lines[i][0])
			continue;
		if (!colon) {
			status = refuse(why, 400, "A part of the upload has a malformed header line.");
			break;
		}
		*colon = '\0';
		value = g_strstrip(colon + 1);
		if (g_ascii_strcasecmp(g_strstrip(lines[i]), "Content-Disposition") == 0) {
			if (g_ascii_strncasecmp(value, "form-data", 9) != 0 ||
			    (value[9] != ';' && value[9] != '\0' && value[9] != ' ')) {
				status = refuse(why, 400, "A part of the upload is not form-data.");
				break;
			}
			g_free(field->name);
			g_free(field->filename);
			field->name = header_param(value, "name");
			field->filename = header_param(value, "filename");
			found = 1;
		} else if (g_ascii_strcasecmp(lines[i], "Content-Type") == 0) {
			g_free(field->content_type);
			field->content_type = g_strndup(value, 255);
		}
	}
	g_strfreev(lines);
	if (status)
		return status;
	if (!found || !field->name || !field->name[0] || strlen(field->name) > REQUEST_FIELD_NAME_MAX ||
	    !text_ok(field->name, strlen(field->name)))
		return refuse(why, 400, "A part of the upload has no usable field name.");
	if (field->filename && (strlen(field->filename) > 255 || !text_ok(field->filename, strlen(field->filename))))
		return refuse(why, 400, "An uploaded file's name is longer than 255 bytes or not UTF-8 text.");
	if (field->content_type && !text_ok(field->content_type, strlen(field->content_type)))
		return refuse(why, 400, "An uploaded file's type is not text.");
	return 0;
}

int form_parse_multipart(const char *content_type, const char *body, size_t len, GPtrArray *fields,
			 char why[REQUEST_WHY_MAX])
{
	char *boundary = content_type ? header_param(content_type, "boundary") : NULL;
	char *delim;
	size_t delim_len, pos;
	const char *first = NULL;
	int status = 0;

	if (!boundary || !boundary[0] || strlen(boundary) > 70) {
		g_free(boundary);
		return refuse(why, 400, "The upload's Content-Type has no usable boundary.");
	}
	delim = g_strconcat("\r\n--", boundary, NULL);
	delim_len = strlen(delim);
	g_free(boundary);
	/* The first boundary may open the body (no CRLF before it) or follow a preamble. */
	if (len >= delim_len - 2 && memcmp(body, delim + 2, delim_len - 2) == 0)
		first = body;
	else if ((first = find_bytes(body, len, delim, delim_len)) != NULL)
		first += 2;
	if (!first) {
		g_free(delim);
		return refuse(why, 400, "The upload does not start with its boundary.");
	}
	pos = (size_t)(first - body) + delim_len - 2;
	for (;;) {
		const char *head, *head_end, *data_end;
		struct form_field *field;

		if (len - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-')
			break; /* the closing boundary */
		while (pos < len && (body[pos] == ' ' || body[pos] == '\t'))
			pos++;
		if (len - pos < 2 || body[pos] != '\r' || body[pos + 1] != '\n') {
			status = refuse(why, 400, "The upload is cut short or malformed after a boundary.");
			break;
		}
		pos += 2;
		if (fields->len >= REQUEST_FIELDS_MAX) {
			status = refuse(why, 400, "The upload has more than %d parts.", REQUEST_FIELDS_MAX);
			break;
		}
		head = body + pos;
		if (len - pos >= 2 && head[0] == '\r' && head[1] == '\n')
			head_end = head; /* a part without headers */
		else
			head_end = find_bytes(head, MIN(len - pos, (size_t)REQUEST_PART_HEADERS_MAX + 4), "\r\n\r\n", 4);
		if (!head_end) {
			status = refuse(why, 400, "A part of the upload has headers longer than %d bytes or none at all.",
					REQUEST_PART_HEADERS_MAX);
			break;
		}
		field = g_new0(struct form_field, 1);
		status = part_headers(head, (size_t)(head_end - head), field, why);
		if (status) {
			form_field_free(field);
			break;
		}
		pos = (size_t)(head_end - body) + (head_end == head ? 2 : 4);
		data_end = find_bytes(body + pos, len - pos, delim, delim_len);
		if (!data_end) {
			form_field_free(field);
			status = refuse(why, 400, "The upload is incomplete: its closing boundary is missing.");
			break;
		}
		field->len = (size_t)(data_end - (body + pos));
		field->value = g_malloc(field->len + 1);
		memcpy(field->value, body + pos, field->len);
		field->value[field->len] = '\0';
		if (!field->filename && !text_ok(field->value, field->len)) {
			refuse(why, 400, "The field \"%s\" is not UTF-8 text (or holds a NUL byte).", field->name);
			form_field_free(field);
			status = 400;
			break;
		}
		g_ptr_array_add(fields, field);
		pos = (size_t)(data_end - body) + delim_len;
	}
	g_free(delim);
	return status;
}

const struct form_field *form_find(const GPtrArray *fields, const char *name)
{
	guint i;

	for (i = 0; fields && i < fields->len; i++) {
		const struct form_field *field = g_ptr_array_index(fields, i);

		if (strcmp(field->name, name) == 0)
			return field;
	}
	return NULL;
}

const char *request_cookie(const struct request *req, const char *name)
{
	return req->cookies ? g_hash_table_lookup(req->cookies, name) : NULL;
}

/* The method names, in the order of their bits. */
static const char *const method_names[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS" };

unsigned method_from_name(const char *name)
{
	size_t i;

	for (i = 0; name && i < G_N_ELEMENTS(method_names); i++)
		if (strcmp(name, method_names[i]) == 0)
			return 1u << i;
	return 0;
}

void method_list(unsigned mask, char *out, size_t size)
{
	size_t i, used = 0;

	if (size == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < G_N_ELEMENTS(method_names); i++) {
		int n;

		if (!(mask & (1u << i)))
			continue;
		n = snprintf(out + used, size - used, "%s%s", used ? ", " : "", method_names[i]);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
}

/* Reads the Cookie header into req->cookies (bounded; malformed pairs are skipped). */
static void parse_cookies(struct request *req, const char *header)
{
	char *copy, **pairs;
	int i;

	if (!header)
		return;
	copy = g_strndup(header, REQUEST_COOKIE_MAX);
	pairs = g_strsplit(copy, ";", REQUEST_COOKIES_MAX + 1);
	g_free(copy);
	for (i = 0; pairs[i] && i < REQUEST_COOKIES_MAX; i++) {
		char *pair = g_strstrip(pairs[i]);
		char *eq = strchr(pair, '=');
		char *value;
		size_t vlen;

		if (!eq || eq == pair)
			continue;
		*eq = '\0';
		value = g_strstrip(eq + 1);
		g_strstrip(pair);
		vlen = strlen(value);
		if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
			value[vlen - 1] = '\0';
			value++;
		}
		if (!g_utf8_validate(pair, -1, NULL) || !g_utf8_validate(value, -1, NULL))
			continue;
		if (!g_hash_table_contains(req->cookies, pair))
			g_hash_table_insert(req->cookies, g_strdup(pair), g_strdup(value));
	}
	g_strfreev(pairs);
}

/* Splits path into decoded segments. Returns 0 or 400. */
static int split_path(struct request *req, char why[REQUEST_WHY_MAX])
{
	const char *p = req->path;

	if (p[0] != '/')
		return refuse(why, 400, "The path must start with a slash.");
	p++;
	while (*p) {
		size_t len = strcspn(p, "/"), dlen;
		char *segment = percent_decode(p, len, 0, &dlen);

		if (!segment)
			return refuse(why, 400, "The path has a malformed %%-escape.");
		if (!text_ok(segment, dlen) || strchr(segment, '/')) {
			g_free(segment);
			return refuse(why, 400, "The path is not UTF-8 text, or holds an escaped NUL or slash.");
		}
		if (req->segments->len > REQUEST_SEGMENTS_MAX) {
			g_free(segment);
			break; /* no route has this many; routing answers 404 */
		}
		g_ptr_array_add(req->segments, segment);
		p += len;
		if (*p == '/')
			p++;
	}
	return 0;
}

int request_init(struct request *req, char *const *envp, char why[REQUEST_WHY_MAX])
{
	const char *method = env_lookup(envp, "REQUEST_METHOD");
	const char *uri = env_lookup(envp, "REQUEST_URI");
	const char *query = env_lookup(envp, "QUERY_STRING");
	const char *length = env_lookup(envp, "CONTENT_LENGTH");
	const char *addr = env_lookup(envp, "REMOTE_ADDR");
	const char *https = env_lookup(envp, "HTTPS");
	const char *scheme = env_lookup(envp, "REQUEST_SCHEME");
	const char *type = env_lookup(envp, "CONTENT_TYPE");
	const char *host = env_lookup(envp, "HTTP_HOST");

	memset(req, 0, sizeof(*req));
	why[0] = '\0';
	req->segments = g_ptr_array_new_with_free_func(g_free);
	req->query = g_ptr_array_new_with_free_func(form_field_free);
	req->form = g_ptr_array_new_with_free_func(form_field_free);
	req->cookies = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	req->method_name = g_strndup(method ? method : "GET", 16);
	req->method = method_from_name(req->method_name);
	req->remote_addr = g_strndup(addr && addr[0] ? addr : "unknown", 64);
	req->https = (https && g_ascii_strcasecmp(https, "on") == 0) ||
		     (scheme && g_ascii_strcasecmp(scheme, "https") == 0);
	req->host = g_strndup(host ? host : "", 255);
	req->content_type = type && type[0] ? g_strndup(type, 255) : NULL;
	req->body_kind = body_kind_of(req->content_type);
	parse_cookies(req, env_lookup(envp, "HTTP_COOKIE"));

	/* The path: REQUEST_URI as sent when the server gives it, else SCRIPT_NAME + PATH_INFO. */
	if (uri && uri[0]) {
		size_t len = strcspn(uri, "?#");

		if (len > REQUEST_PATH_MAX) {
			req->path = g_strdup("/");
			return refuse(why, 414, "The address is longer than %d bytes.", REQUEST_PATH_MAX);
		}
		req->path = g_strndup(uri, len);
		if (!query && uri[len] == '?')
			query = uri + len + 1;
	} else {
		const char *script = env_lookup(envp, "SCRIPT_NAME");
		const char *info = env_lookup(envp, "PATH_INFO");

		req->path = g_strconcat(script ? script : "", info ? info : "", NULL);
		if (strlen(req->path) > REQUEST_PATH_MAX) {
			g_free(req->path);
			req->path = g_strdup("/");
			return refuse(why, 414, "The address is longer than %d bytes.", REQUEST_PATH_MAX);
		}
		if (!req->path[0]) {
			g_free(req->path);
			req->path = g_strdup("/");
		}
	}
	if (split_path(req, why))
		return 400;
	if (query && strlen(query) > REQUEST_QUERY_MAX)
		return refuse(why, 414, "The query string is longer than %d bytes.", REQUEST_QUERY_MAX);
	if (query) {
		int status = form_parse_urlencoded(query, strlen(query), req->query, why);

		if (status)
			return status;
	}
	if (length && length[0]) {
		char *end;

		errno = 0;
		req->content_length = strtoll(length, &end, 10);
		if (errno || *end || end == length || req->content_length < 0 || length[0] == '-' || length[0] == '+')
			return refuse(why, 400, "The Content-Length is not a number of bytes.");
	}
	return 0;
}

void request_free(struct request *req)
{
	if (req->segments)
		g_ptr_array_free(req->segments, TRUE);
	if (req->query)
		g_ptr_array_free(req->query, TRUE);
	if (req->form)
		g_ptr_array_free(req->form, TRUE);
	if (req->cookies)
		g_hash_table_destroy(req->cookies);
	g_free(req->method_name);
	g_free(req->path);
	g_free(req->content_type);
	g_free(req->body);
	g_free(req->remote_addr);
	g_free(req->host);
	cJSON_Delete(req->json);
	memset(req, 0, sizeof(*req));
}

int request_read_body(struct request *req, body_reader read, void *opaque, size_t max,
		      char why[REQUEST_WHY_MAX])
{
	size_t want, got = 0;

	if ((unsigned long long)req->content_length > max) {
		if (max >= 1024 * 1024)
			return refuse(why, 413, "The request is larger than %zu MiB; send something smaller.",
				      max / (1024 * 1024));
		return refuse(why, 413, "The request is larger than %zu KiB; send something smaller.",
			      max / 1024);
	}
	want = (size_t)req->content_length;
	req->body = g_malloc(want + 1);
	while (got < want) {
		size_t n = read ? read(opaque, req->body + got, want - got) : 0;

		if (n == 0)
			break;
		got += n;
	}
	req->body[got] = '\0';
	req->body_len = got;
	if (got < want)
		return refuse(why, 400, "The request body ended after %zu of its %zu bytes.", got, want);
	return 0;
}

int request_parse_json(struct request *req, char why[REQUEST_WHY_MAX])
{
	const char *end = NULL;

	if (!req->body || req->body_len == 0)
		return refuse(why, 400, "The body must be a JSON object.");
	if (memchr(req->body, '\0', req->body_len))
		return refuse(why, 400, "The body is not valid JSON (it holds a NUL byte).");
	cJSON_Delete(req->json);
	req->json = cJSON_ParseWithLengthOpts(req->body, req->body_len, &end, 0);
	while (req->json && end < req->body + req->body_len && g_ascii_isspace(*end))
		end++;
	if (!req->json || end != req->body + req->body_len)
		return refuse(why, 400, "The body is not valid JSON.");
	if (!cJSON_IsObject(req->json))
		return refuse(why, 400, "The body must be a JSON object.");
	return 0;
}

int request_parse_body(struct request *req, char why[REQUEST_WHY_MAX])
{
	if (!req->body || req->body_len == 0)
		return 0;
	switch (req->body_kind) {
	case BODY_FORM:
		return form_parse_urlencoded(req->body, req->body_len, req->form, why);
	case BODY_MULTIPART:
		return form_parse_multipart(req->content_type, req->body, req->body_len, req->form, why);
	case BODY_JSON:
		return request_parse_json(req, why);
	case BODY_NONE:
	case BODY_OTHER:
		break;
	}
	return 0;
}
