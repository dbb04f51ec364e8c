/* inputs.h: the inputs a route declares (path parameters, query and form fields) and their validators. */
#ifndef SIRIUS_CGI_INPUTS_H
#define SIRIUS_CGI_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "request.h"

struct ctx;

/*
 * A route lists its inputs in the route table (cgi/routes.c); dispatch
 * validates them all after the CSRF check and before the handler runs, and
 * answers 400 with the first failure's message (or, for routes flagged
 * ROUTE_FORM_ERRORS, hands the message to the handler in ctx->input_error so
 * it can show the form again). A handler reads only validated values, through
 * input_text / input_int / input_file, and only of inputs its route declares.
 *
 * Where a value comes from: path parameters from the path; for GET and HEAD
 * the query string; for other methods the body (form, multipart or the
 * top-level fields of a JSON object), or the query string with INPUT_QUERY.
 */

/* What an input must look like. */
enum input_type {
	INPUT_ID = 1,       /* a database id: decimal 1..2^53 without sign or leading zeros */
	INPUT_INT,          /* a decimal integer in min..max */
	INPUT_TEXT,         /* UTF-8 text of min..max bytes: no control characters but tab and newlines */
	INPUT_LINE,         /* one line of UTF-8 text of min..max bytes: no control characters at all */
	INPUT_USERNAME,     /* a user name: 1..32 of [A-Za-z0-9_.-] */
	INPUT_PASSWORD,     /* min..max bytes (max at most PASSWORD_MAX_LEN) of anything but NUL */
	INPUT_CLAIM_CODE,   /* a claim code as typed (dashes, case); the value is its 16 canonical digits */
	INPUT_DEVICE_KEY,   /* a device key: 20 of [a-z0-9] */
	INPUT_ADDRESS,      /* a device address: 16 hex digits; the value is in lower case */
	INPUT_API_KEY,      /* an API key: 32 of [a-z0-9] */
	INPUT_CHECKBOX,     /* a checkbox: absent or "on"/"1"/"true" -> 1, "0"/"off"/"false" -> 0 */
	INPUT_PATH,         /* a local path to go back to ("next"): starts with one '/', max bytes */
	INPUT_FILE          /* an uploaded multipart file of min..max bytes */
};

/* Flags of an input. */
#define INPUT_REQUIRED 0x01   /* missing or empty is an error (otherwise it is simply absent) */
#define INPUT_QUERY 0x02      /* read from the query string even for POST */

/* One declared input. A list of them ends with an entry whose name is NULL. */
struct input_spec {
	const char *name;        /* the field or path parameter name */
	enum input_type type;    /* what it must look like */
	unsigned flags;          /* INPUT_REQUIRED, INPUT_QUERY */
	long long min;           /* least bytes (text, password, file) or value (INPUT_INT) */
	long long max;           /* most bytes (text, password, path, file) or value (INPUT_INT); 0: the type's default */
	const char *label;       /* what messages call it ("user name"); NULL: the name */
};

/* A validated value. */
struct input_value {
	const struct input_spec *spec;      /* its declaration */
	char *text;                         /* the value as text (normalised); NULL for files */
	int64_t number;                     /* INPUT_ID, INPUT_INT, INPUT_CHECKBOX: the number */
	const struct form_field *file;      /* INPUT_FILE: the uploaded field (owned by the request) */
};

/*
 * Checks one value against spec. Returns 1 and fills *out (text to g_free),
 * or 0 with a sentence for the person in why (the label is used in it).
 * field is the multipart field for INPUT_FILE, else NULL.
 */
int input_check(const struct input_spec *spec, const char *value, size_t len,
		const struct form_field *field, struct input_value *out, char why[REQUEST_WHY_MAX]);

/*
 * Validates every input of specs from the request into values (name ->
 * struct input_value *); an input that was not sent (or sent empty) is
 * absent, except that an unchecked checkbox is 0 and optional INPUT_TEXT
 * sent empty is "". Path parameters are already in values. Returns 0, or 400
 * with the first failure's message in why; with keep_going the inputs after
 * a failure are still validated (for ROUTE_FORM_ERRORS).
 */
int inputs_validate(const struct input_spec *specs, const struct request *req, GHashTable *values,
		    int keep_going, char why[REQUEST_WHY_MAX]);

/* A new table for inputs_validate (name -> struct input_value *). */
GHashTable *inputs_table_new(void);

/* ---- for handlers ---------------------------------------------------------- */

/* The validated text of input name, or NULL when it was not sent (or failed, see ROUTE_FORM_ERRORS). */
const char *input_text(struct ctx *ctx, const char *name);

/* The number of an INPUT_ID, INPUT_INT or INPUT_CHECKBOX input, or 0 when absent. */
int64_t input_int(struct ctx *ctx, const char *name);

/* The uploaded file of an INPUT_FILE input (value, len, filename, content_type), or NULL. */
const struct form_field *input_file(struct ctx *ctx, const char *name);

#endif
