/* dispatch.h: the fixed order of checks every request passes before its handler runs. */
#ifndef SIRIUS_CGI_DISPATCH_H
#define SIRIUS_CGI_DISPATCH_H

#include "context.h"

/*
 * Serves one request into ctx->res, checking in this order and answering the
 * first failure: the request itself (400, 414), the method (501), the route
 * (404; 405 with Allow), the body's size and type (413, 415, 400), the
 * database (503), the session (NEEDS_LOGIN: a redirect to /login or 401;
 * ADMIN_ONLY: 403), CSRF (403), the inputs (400); then the handler (500 when
 * it fails without replying). A ROUTE_RAW_BODY route's body is not read
 * (only its announced size checked); every answer of a ROUTE_CORS route gets
 * Access-Control-Allow-Origin: *. Afterwards ctx->res is ready to send.
 */
void dispatch(struct ctx *ctx);

#endif
