/* page.h: everything a page or API endpoint of cgi/ includes. */
#ifndef SIRIUS_CGI_PAGE_H
#define SIRIUS_CGI_PAGE_H

/*
 * Writing a page (one file cgi/page_<name>.c exporting one handler):
 *   1. declare its handler in cgi/handlers.h;
 *   2. add its route(s) to route_table in cgi/routes.c: methods, pattern,
 *      handler, flags, program and inputs;
 *   3. in the handler, read ctx->session (who is signed in), ctx->db and the
 *      validated inputs (input_text, input_int, input_file), and end with one
 *      reply: reply_page, reply_json, reply_redirect, reply_error or
 *      reply_server_error;
 *   4. write its template www/templates/<name>.html ({{var}} is escaped;
 *      forms that POST include {{> csrf}}).
 * The checks the flags ask for are done before the handler runs; do not repeat them.
 */

#include <cjson/cJSON.h>

#include "context.h"
#include "db.h"
#include "handlers.h"
#include "inputs.h"
#include "response.h"
#include "session.h"

#endif
