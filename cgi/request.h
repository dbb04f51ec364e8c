/* request.h: one HTTP request as CGI hands it over: method, path, query, cookies and a bounded, parsed body. */
#ifndef SIRIUS_CGI_REQUEST_H
#define SIRIUS_CGI_REQUEST_H

#include <stddef.h>

#include <glib.h>
#include <cjson/cJSON.h>

/*
 * How to use it: request_init from the CGI environment (cheap: no body is
 * read), then, once the route is known, request_read_body with the route's
 * limit and request_parse_body. Every function that can refuse the request
 * returns an HTTP status (400, 411, 413, 414, 415) and writes a sentence a
 * person can act on into why; 0 means all is well. Nothing a client sends is
 * trusted: every length is bounded, every text field must be UTF-8 without
 * NUL bytes, malformed encodings are refused rather than guessed at.
 */

/* The methods, as bits so that a route can accept several. */
enum http_method {
	METHOD_GET = 1 << 0,     /* also serves HEAD */
	METHOD_HEAD = 1 << 1,    /* answered as GET without the body */
	METHOD_POST = 1 << 2,
	METHOD_PUT = 1 << 3,
	METHOD_DELETE = 1 << 4,
	METHOD_PATCH = 1 << 5,
	METHOD_OPTIONS = 1 << 6
};

#define REQUEST_PATH_MAX 2048        /* bytes of the path, before '?' (longer: 414) */
#define REQUEST_QUERY_MAX 4096       /* bytes of the query string (longer: 414) */
#define REQUEST_SEGMENTS_MAX 16      /* path segments (more: 404 at routing) */
#define REQUEST_FIELDS_MAX 256       /* fields of a query or body (more: 400) */
#define REQUEST_FIELD_NAME_MAX 128   /* bytes of a field name (longer: 400) */
#define REQUEST_COOKIE_MAX 8192      /* bytes of the Cookie header read */
#define REQUEST_COOKIES_MAX 64       /* cookies read */
#define REQUEST_PART_HEADERS_MAX 8192 /* bytes of the headers of one multipart part */
#define REQUEST_WHY_MAX 256          /* room for the reason a request is refused */

/* The kinds of body a route may accept. */
enum body_kind {
	BODY_NONE = 0,       /* empty (no Content-Type needed) */
	BODY_FORM,           /* application/x-www-form-urlencoded */
	BODY_MULTIPART,      /* multipart/form-data */
	BODY_JSON,           /* application/json */
	BODY_OTHER           /* anything else (refused with 415 unless a route takes raw bodies) */
};

/* A field of a query string, form or multipart body. */
struct form_field {
	char *name;          /* UTF-8, no NUL, 1..REQUEST_FIELD_NAME_MAX bytes */
	char *value;         /* the bytes, NUL-terminated after len (text fields: UTF-8, no NUL) */
	size_t len;          /* bytes of value */
	char *filename;      /* a multipart file's name as sent (UTF-8); NULL for text fields */
	char *content_type;  /* a multipart file's type as sent; NULL when none */
};

/* Reads up to size bytes of the body into buf; returns how many (0 at the end or on error). */
typedef size_t (*body_reader)(void *opaque, char *buf, size_t size);

struct request {
	unsigned method;           /* one enum http_method bit; 0 for a method we do not know */
	char *method_name;         /* as sent (bounded), for messages and logs */
	char *path;                /* the path as sent, without the query */
	GPtrArray *segments;       /* the path's segments, percent-decoded (char *) */
	GPtrArray *query;          /* the query string's fields (struct form_field *) */
	GPtrArray *form;           /* the body's fields (struct form_field *) */
	GHashTable *cookies;       /* cookie name -> value (the first of each name) */
	char *content_type;        /* the Content-Type as sent; NULL when none */
	enum body_kind body_kind;  /* what content_type says the body is */
	long long content_length;  /* bytes announced; 0 when none was */
	char *body;                /* the body read (NUL-terminated after body_len); NULL before */
	size_t body_len;           /* bytes of body */
	cJSON *json;               /* the body parsed, for BODY_JSON; NULL otherwise */
	char *remote_addr;         /* the client's address ("unknown" when not given) */
	int https;                 /* 1 when the request came over TLS */
	char *host;                /* the Host header as sent (bounded); "" when none */
};

/* The value of name in a NULL-terminated "NAME=value" array, or NULL. */
const char *env_lookup(char *const *envp, const char *name);

/*
 * Fills req from the CGI variables in envp (REQUEST_METHOD, REQUEST_URI or
 * SCRIPT_NAME + PATH_INFO, QUERY_STRING, HTTP_COOKIE, CONTENT_TYPE,
 * CONTENT_LENGTH, REMOTE_ADDR, HTTPS). req is always usable afterwards (and
 * must be freed with request_free). Returns 0, or 400 (bad path or query
 * encoding, bad Content-Length) or 414 (path or query too long).
 */
int request_init(struct request *req, char *const *envp, char why[REQUEST_WHY_MAX]);

/* Frees what req holds; req may then be reused. */
void request_free(struct request *req);

/*
 * Reads the announced body (exactly content_length bytes) through read.
 * Returns 0, 413 when more than max bytes are announced (nothing is read),
 * or 400 when the body ends before its announced length.
 */
int request_read_body(struct request *req, body_reader read, void *opaque, size_t max,
		      char why[REQUEST_WHY_MAX]);

/*
 * Parses the body read into req->form (form and multipart bodies) or
 * req->json (JSON). Returns 0 or 400.
 */
int request_parse_body(struct request *req, char why[REQUEST_WHY_MAX]);

/* Parses the body read as a JSON object into req->json, whatever its Content-Type. Returns 0 or 400. */
int request_parse_json(struct request *req, char why[REQUEST_WHY_MAX]);

/*
 * Parses an application/x-www-form-urlencoded text of len bytes into fields
 * (struct form_field *). Returns 0 or 400 (bad %-escape, not UTF-8, a NUL,
 * too many fields, a field without a name or with too long a name).
 */
int form_parse_urlencoded(const char *text, size_t len, GPtrArray *fields, char why[REQUEST_WHY_MAX]);

/*
 * Parses a multipart/form-data body with the boundary of content_type into
 * fields. Returns 0 or 400 (no or bad boundary, a part without
 * Content-Disposition form-data and a name, headers too long, the closing
 * boundary missing, too many parts, a text field that is not UTF-8).
 */
int form_parse_multipart(const char *content_type, const char *body, size_t len, GPtrArray *fields,
			 char why[REQUEST_WHY_MAX]);

/* What a Content-Type value says a body is. */
enum body_kind body_kind_of(const char *content_type);

/* The first field called name in fields, or NULL. */
const struct form_field *form_find(const GPtrArray *fields, const char *name);

/* The value of cookie name, or NULL. */
const char *request_cookie(const struct request *req, const char *name);

/* The method bit of a method name, or 0 when it is none we know. */
unsigned method_from_name(const char *name);

/* Writes the names of the methods in mask, as an Allow header lists them ("GET, HEAD, POST"). */
void method_list(unsigned mask, char *out, size_t size);

/* Percent-decodes len bytes of text (with '+' as a space when plus is 1) into a new string; NULL for a bad escape. */
char *percent_decode(const char *text, size_t len, int plus, size_t *out_len);

/* Frees a struct form_field (a GDestroyNotify). */
void form_field_free(gpointer field);

#endif
