/* response.c: building the reply: headers, cookies, the buffered body, pages, errors, JSON and redirects. */
#include "response.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "context.h"
#include "html_escape.h"
#include "session.h"
#include "template.h"

/* The program's name in log lines (process-wide configuration, set once by app_init). */
static const char *log_name = "sirius-cgi";

void cgi_log_set_name(const char *name)
{
	log_name = name;
}

void cgi_log(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", log_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

void response_init(struct response *res)
{
	memset(res, 0, sizeof(*res));
	res->status = 200;
	res->headers = g_ptr_array_new_with_free_func(g_free);
	res->body = g_string_new(NULL);
}

void response_free(struct response *res)
{
	if (res->headers)
		g_ptr_array_free(res->headers, TRUE);
	if (res->body)
		g_string_free(res->body, TRUE);
	g_free(res->content_type);
	memset(res, 0, sizeof(*res));
}

/* 1 when name is an HTTP token, else 0. */
static int header_name_ok(const char *name)
{
	const char *c;

	if (!name || !name[0])
		return 0;
	for (c = name; *c; c++)
		if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_')
			return 0;
	return 1;
}

int response_header(struct response *res, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *value;

	va_start(ap, fmt);
	value = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (!header_name_ok(name) || strpbrk(value, "\r\n")) {
		cgi_log("dropped a malformed header %s", header_name_ok(name) ? name : "(bad name)");
		g_free(value);
		return -1;
	}
	g_ptr_array_add(res->headers, g_strdup_printf("%s: %s", name, value));
	g_free(value);
	return 0;
}

/* 1 when line is a header called name, else 0. */
static int header_is(const char *line, const char *name)
{
	size_t len = strlen(name);

	return g_ascii_strncasecmp(line, name, len) == 0 && line[len] == ':';
}

const char *response_header_value(const struct response *res, const char *name)
{
	guint i;

	for (i = 0; i < res->headers->len; i++) {
		const char *line = g_ptr_array_index(res->headers, i);

		if (header_is(line, name))
			return line + strlen(name) + 2;
	}
	return NULL;
}

void response_header_remove(struct response *res, const char *name)
{
	guint i = 0;

	while (i < res->headers->len) {
		if (header_is(g_ptr_array_index(res->headers, i), name))
			g_ptr_array_remove_index(res->headers, i);
		else
			i++;
	}
}

int response_cookie(struct response *res, const char *name, const char *value, int64_t max_age,
		    int secure)
{
	const char *c;
	char age[64] = "";

	for (c = value; *c; c++)
		if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_')
			break;
	if (*c || !header_name_ok(name)) {
		cgi_log("refused to set cookie %s with an unsafe value", name);
		return -1;
	}
	if (max_age == 0)
		snprintf(age, sizeof(age), "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
	else if (max_age > 0)
		snprintf(age, sizeof(age), "; Max-Age=%" PRId64, max_age);
	return response_header(res, "Set-Cookie", "%s=%s; Path=/; HttpOnly; SameSite=Lax%s%s", name, value,
			       age, secure ? "; Secure" : "");
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}

GString *response_serialize(const struct response *res, int head_only)
{
	GString *out = g_string_new(NULL);
	guint i;

	g_string_append_printf(out, "Status: %d %s\r\n", res->status, http_reason(res->status));
	g_string_append_printf(out, "Content-Type: %s\r\n",
			       res->content_type ? res->content_type : "text/html; charset=utf-8");
	g_string_append_printf(out, "Content-Length: %zu\r\n", res->body->len);
	g_string_append(out, "Content-Security-Policy: default-src 'self'; img-src 'self' data:; "
			     "base-uri 'none'; form-action 'self'; frame-ancestors 'none'\r\n"
			     "X-Content-Type-Options: nosniff\r\n"
			     "X-Frame-Options: DENY\r\n"
			     "Referrer-Policy: same-origin\r\n");
	if (!response_header_value(res, "Cache-Control"))
		g_string_append(out, "Cache-Control: no-store\r\n");
	for (i = 0; i < res->headers->len; i++)
		g_string_append_printf(out, "%s\r\n", (const char *)g_ptr_array_index(res->headers, i));
	g_string_append(out, "\r\n");
	if (!head_only)
		g_string_append_len(out, res->body->str, (gssize)res->body->len);
	return out;
}

/* Throws away an earlier reply's body and headers, keeping cookies, Allow and Retry-After. */
static void reply_reset(struct ctx *ctx, int status, const char *content_type)
{
	struct response *res = &ctx->res;
	guint i = 0;

	while (i < res->headers->len) {
		const char *line = g_ptr_array_index(res->headers, i);

		if (header_is(line, "Set-Cookie") || header_is(line, "Allow") || header_is(line, "Retry-After"))
			i++;
		else
			g_ptr_array_remove_index(res->headers, i);
	}
	g_string_truncate(res->body, 0);
	g_free(res->content_type);
	res->content_type = content_type ? g_strdup(content_type) : NULL;
	res->status = status;
	res->replied = 1;
}

/* Adds the fields every page may use to data (an object). */
static void page_common(struct ctx *ctx, cJSON *data, const char *title)
{
	const char *csrf = session_csrf_token(ctx);

	cJSON_DeleteItemFromObjectCaseSensitive(data, "title");
	cJSON_AddStringToObject(data, "title", title ? title : "Sirius");
	cJSON_DeleteItemFromObjectCaseSensitive(data, "csrf_token");
	cJSON_AddStringToObject(data, "csrf_token", csrf);
	cJSON_DeleteItemFromObjectCaseSensitive(data, "base_url");
	cJSON_AddStringToObject(data, "base_url", ctx->app->base_url);
	cJSON_DeleteItemFromObjectCaseSensitive(data, "user");
	cJSON_DeleteItemFromObjectCaseSensitive(data, "flash");
	if (session_take_notice(ctx))
		cJSON_AddStringToObject(data, "flash", ctx->session.taken_notice);
	if (ctx->session.signed_in) {
		cJSON *user = cJSON_AddObjectToObject(data, "user");

		cJSON_AddStringToObject(user, "name", ctx->session.user.name);
		cJSON_AddBoolToObject(user, "is_admin", ctx->session.user.is_admin);
	}
}

/* The last resort when even the error template fails: a tiny page made here, message escaped. */
static void reply_fallback(struct ctx *ctx, int status, const char *message)
{
	struct response *res = &ctx->res;

	reply_reset(ctx, status, "text/html; charset=utf-8");
	g_string_append_printf(res->body, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			       "<title>%d %s</title></head><body><h1>%d %s</h1><p>", status,
			       http_reason(status), status, http_reason(status));
	html_escape_append(res->body, message, -1);
	g_string_append(res->body, "</p></body></html>\n");
}

/* Renders template inside the layout into a new string; NULL with a reason in err. */
static GString *render_in_layout(struct ctx *ctx, const char *template, cJSON *data,
				 struct sirius_error *err)
{
	GString *content = g_string_new(NULL);
	GString *page;

	if (!ctx->app->templates) {
		error_set(err, "no templates directory");
		g_string_free(content, TRUE);
		return NULL;
	}
	if (template_render(ctx->app->templates, template, data, content, err) < 0) {
		g_string_free(content, TRUE);
		return NULL;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(data, "content");
	cJSON_AddStringToObject(data, "content", content->str);
	g_string_free(content, TRUE);
	page = g_string_new(NULL);
	if (template_render(ctx->app->templates, "layout", data, page, err) < 0) {
		g_string_free(page, TRUE);
		return NULL;
	}
	return page;
}

int reply_error(struct ctx *ctx, int status, const char *fmt, ...)
{
	struct sirius_error err;
	va_list ap;
	char *message;
	cJSON *data;
	GString *page;

	va_start(ap, fmt);
	message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (status < 400 || status > 599)
		status = 500;
	if (ctx->json_errors) {
		cJSON *obj = cJSON_CreateObject();
		char *text;

		cJSON_AddStringToObject(obj, "error", message);
		text = cJSON_PrintUnformatted(obj);
		cJSON_Delete(obj);
		reply_reset(ctx, status, "application/json");
		if (text)
			g_string_append(ctx->res.body, text);
		g_string_append_c(ctx->res.body, '\n');
		cJSON_free(text);
		g_free(message);
		return 0;
	}
	data = cJSON_CreateObject();
	page_common(ctx, data, http_reason(status));
	cJSON_AddNumberToObject(data, "status", status);
	cJSON_AddStringToObject(data, "reason", http_reason(status));
	cJSON_AddStringToObject(data, "message", message);
	page = render_in_layout(ctx, "error", data, &err);
	if (page) {
		reply_reset(ctx, status, NULL);
		g_string_append_len(ctx->res.body, page->str, (gssize)page->len);
		g_string_free(page, TRUE);
	} else {
		cgi_log("the error page cannot be rendered: %s", err.message);
		reply_fallback(ctx, status, message);
	}
	cJSON_Delete(data);
	g_free(message);
	return 0;
}

int reply_server_error(struct ctx *ctx, const char *what, const struct sirius_error *err)
{
	cgi_log("%s %s: %s: %s", ctx->req.method_name ? ctx->req.method_name : "?",
		ctx->req.path ? ctx->req.path : "?", what, err && err->message[0] ? err->message : "failed");
	return reply_error(ctx, 500, "Something went wrong on the server (%s). Try again in a moment; "
			   "if it keeps happening, the server's log says more.", what);
}

int reply_page(struct ctx *ctx, int status, const char *template, const char *title, cJSON *data)
{
	struct sirius_error err;
	GString *page;

	if (!data)
		data = cJSON_CreateObject();
	if (!cJSON_IsObject(data)) {
		cJSON_Delete(data);
		err.message[0] = '\0';
		return reply_server_error(ctx, "page data is not an object", &err);
	}
	page_common(ctx, data, title);
	page = render_in_layout(ctx, template, data, &err);
	cJSON_Delete(data);
	if (!page)
		return reply_server_error(ctx, "a template", &err);
	reply_reset(ctx, status, NULL);
	g_string_append_len(ctx->res.body, page->str, (gssize)page->len);
	g_string_free(page, TRUE);
	return 0;
}

int reply_json(struct ctx *ctx, int status, cJSON *data)
{
	char *text = data ? cJSON_PrintUnformatted(data) : NULL;

	cJSON_Delete(data);
	if (!text) {
		struct sirius_error err;

		error_set(&err, "cannot print JSON");
		return reply_server_error(ctx, "a JSON reply", &err);
	}
	reply_reset(ctx, status, "application/json");
	g_string_append(ctx->res.body, text);
	g_string_append_c(ctx->res.body, '\n');
	cJSON_free(text);
	return 0;
}

int reply_redirect(struct ctx *ctx, const char *path)
{
	if (!path || path[0] != '/' || path[1] == '/' || path[1] == '\\' || strpbrk(path, "\r\n")) {
		struct sirius_error err;

		error_set(&err, "refused to redirect to \"%.100s\"", path ? path : "(null)");
		return reply_server_error(ctx, "a redirect", &err);
	}
	reply_reset(ctx, 303, "text/plain; charset=utf-8");
	response_header(&ctx->res, "Location", "%s%s", ctx->app->base_url, path);
	g_string_append_printf(ctx->res.body, "See %s\n", path);
	return 0;
}
