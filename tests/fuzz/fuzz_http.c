/* fuzz_http.c: libFuzzer harness of the web programs' request reading: path, query, cookies, bodies, Accept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "http_accept.h"
#include "inputs.h"
#include "request.h"

/* The largest body read here (the routes allow up to a few MiB; the parsers do not care). */
#define FUZZ_BODY_MAX (1024 * 1024)

/* One input of every type, as a route table declares them. */
static const struct input_spec specs[] = {
	{ "id", INPUT_ID, 0, 0, 0, NULL },
	{ "n", INPUT_INT, 0, -5, 1000, "number" },
	{ "text", INPUT_TEXT, 0, 0, 2000, NULL },
	{ "line", INPUT_LINE, INPUT_QUERY, 1, 80, NULL },
	{ "name", INPUT_USERNAME, 0, 0, 0, "user name" },
	{ "password", INPUT_PASSWORD, 0, 8, 128, NULL },
	{ "code", INPUT_CLAIM_CODE, 0, 0, 0, "claim code" },
	{ "key", INPUT_DEVICE_KEY, 0, 0, 0, NULL },
	{ "address", INPUT_ADDRESS, 0, 0, 0, NULL },
	{ "api_key", INPUT_API_KEY, INPUT_QUERY, 0, 0, NULL },
	{ "check", INPUT_CHECKBOX, 0, 0, 0, NULL },
	{ "next", INPUT_PATH, 0, 0, 512, NULL },
	{ "file", INPUT_FILE, 0, 1, 65536, NULL },
	{ NULL, 0, 0, 0, 0, NULL }
};

/* The body, served to request_read_body from memory. */
struct body_source {
	const char *data; /* what is left */
	size_t left;      /* bytes of it */
};

static size_t body_read(void *opaque, char *buf, size_t size)
{
	struct body_source *src = opaque;
	size_t n = size < src->left ? size : src->left;

	memcpy(buf, src->data, n);
	src->data += n;
	src->left -= n;
	return n;
}

/* Checks every field's value against every input type, as a route naming it would. */
static void check_fields(const GPtrArray *fields)
{
	char why[REQUEST_WHY_MAX];
	guint i;
	size_t k;

	for (i = 0; i < fields->len; i++) {
		const struct form_field *f = g_ptr_array_index(fields, i);

		FUZZ_CHECK(f->name && g_utf8_validate(f->name, -1, NULL));
		FUZZ_CHECK(f->value && f->value[f->len] == '\0');
		for (k = 0; specs[k].name; k++) {
			struct input_value v;

			memset(&v, 0, sizeof(v));
			why[0] = '\0';
			if (input_check(&specs[k], f->value, f->len, specs[k].type == INPUT_FILE ? f : NULL, &v, why))
				g_free(v.text);
			else
				FUZZ_CHECK(why[0] != '\0' && g_utf8_validate(why, -1, NULL));
		}
	}
}

/*
 * The input is five parts separated by NUL bytes: the request URI (path and
 * query), the Cookie header, the Content-Type, the Accept header, and the
 * body (the rest, NUL bytes and all). Missing parts are empty.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *parts[4] = { NULL, NULL, NULL, NULL };
	const char *p = (const char *)data, *end = p + size;
	char length[32], *uri, *cookie, *type, *envp[8];
	struct body_source body;
	struct request req;
	GHashTable *values;
	char why[REQUEST_WHY_MAX];
	int i, n = 0, status;

	for (i = 0; i < 4; i++) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t len = (size_t)((nul ? nul : end) - p);

		parts[i] = g_strndup(p, len);
		p = nul ? nul + 1 : end;
	}
	body.data = p;
	body.left = (size_t)(end - p);
	snprintf(length, sizeof(length), "CONTENT_LENGTH=%zu", body.left);
	uri = g_strconcat("REQUEST_URI=", parts[0], NULL);
	cookie = g_strconcat("HTTP_COOKIE=", parts[1], NULL);
	type = g_strconcat("CONTENT_TYPE=", parts[2], NULL);
	envp[n++] = "REQUEST_METHOD=POST";
	envp[n++] = uri;
	envp[n++] = cookie;
	envp[n++] = type;
	envp[n++] = length;
	envp[n++] = "REMOTE_ADDR=127.0.0.1";
	envp[n] = NULL;

	status = request_init(&req, envp, why);
	FUZZ_CHECK(status == 0 || status == 400 || status == 414);
	FUZZ_CHECK(req.path != NULL);
	if (status == 0)
		status = request_read_body(&req, body_read, &body, FUZZ_BODY_MAX, why);
	if (status == 0) {
		FUZZ_CHECK((long long)req.body_len == req.content_length);
		status = request_parse_body(&req, why);
		FUZZ_CHECK(status == 0 || status == 400);
	}
	if (status)
		FUZZ_CHECK(why[0] != '\0' && g_utf8_validate(why, -1, NULL));
	check_fields(req.query);
	check_fields(req.form);
	(void)request_cookie(&req, "session");
	values = inputs_table_new();
	why[0] = '\0';
	if (inputs_validate(specs, &req, values, 1, why) != 0)
		FUZZ_CHECK(why[0] != '\0');
	g_hash_table_destroy(values);
	request_free(&req);

	/* content negotiation reads the Accept header alone */
	{
		double q = accept_quality(parts[3], "text/html");

		FUZZ_CHECK(q >= 0.0 && q <= 1.0);
		q = accept_quality(parts[3], "application/json");
		FUZZ_CHECK(q >= 0.0 && q <= 1.0);
		(void)accept_prefers_html(parts[3]);
		(void)body_kind_of(parts[2]);
	}
	g_free(uri);
	g_free(cookie);
	g_free(type);
	for (i = 0; i < 4; i++)
		g_free(parts[i]);
	return 0;
}
