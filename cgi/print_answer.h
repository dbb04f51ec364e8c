/* print_answer.h: the JSON answer of the API endpoints that print (device keys, the external API). */
#ifndef SIRIUS_CGI_PRINT_ANSWER_H
#define SIRIUS_CGI_PRINT_ANSWER_H

#include "error.h"
#include "print_submit.h"

struct ctx;

/*
 * Answers the outcome of print_submit (its return value rc, its result res
 * and its reason err) as the API endpoints do: 200 {"status": "sent"}, 202
 * {"status": "queued"} or 504 {"status": "failed-offline"}, each with the
 * message's "id", "repeat": true when it repeats an earlier request, and
 * the "warnings" of images that could not be loaded; 413
 * (RENDER_BODY_TOO_LARGE) or 422 (any other refusal) as {"error"}; 500 on a
 * fault (logged). what ("printing with a device key") says in the log which
 * print it was. Returns 0.
 */
int print_answer_json(struct ctx *ctx, const char *what, int rc, const struct print_submit_result *res,
		      const struct sirius_error *err);

#endif
