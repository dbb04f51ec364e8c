/* print_body.h: reading a message from a request body by its Content-Type, as the device-key API and the push API take it. */
#ifndef SIRIUS_CGI_PRINT_BODY_H
#define SIRIUS_CGI_PRINT_BODY_H

#include <cjson/cJSON.h>

#include "print_submit.h"

struct ctx;

/* The body's media type: what Content-Type says before any ';', without spaces, in lower case (g_free); NULL when none. */
char *print_body_media_type(const char *content_type);

/*
 * The message of a JSON body: its "html" field (HTML) or else its "text"
 * field (plain text), strings both. Returns 1 with *kind and the string in
 * *text (owned by json), or 0 after replying 400.
 */
int print_body_json_message(struct ctx *ctx, const cJSON *json, enum render_kind *kind, const char **text);

/*
 * Reads the body of a ROUTE_RAW_BODY request into req->kind, req->body and
 * req->len by its Content-Type: text/html as HTML, image/ * as a picture,
 * other text/ * as plain text, application/json with the string field "html"
 * or "text". The limit is the print settings' (images or text). Returns 1;
 * or 0 after replying 400 (empty or malformed), 413 (too large) or 415
 * (another type). *json holds the parsed JSON body that req->body may point
 * into (cJSON_Delete it after req is used; NULL for other types).
 */
int print_body_read(struct ctx *ctx, struct print_request *req, cJSON **json);

#endif
