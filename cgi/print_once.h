/* print_once.h: API prints made once: the Idempotency-Key header, and the same body repeated within seconds. */
#ifndef SIRIUS_CGI_PRINT_ONCE_H
#define SIRIUS_CGI_PRINT_ONCE_H

#include <stdint.h>

#include "db.h"
#include "print_submit.h"

struct ctx;

/*
 * How to use it: an API handler that prints calls print_once_begin before it
 * reads or renders anything. When that returns 0 it has replied (the first
 * answer to the same Idempotency-Key, or an error) and the handler returns.
 * Otherwise the handler prints and replies as usual, then calls
 * print_once_finish, which keeps its answer for a repeat of the key. Both
 * keep their state in a struct print_once on the handler's stack.
 *
 * Repeats without a key: print_once_repeat looks for a message made with
 * the same device key from a request with the same digest within
 * SIRIUS_DEDUPE_SECONDS (0 turns it off) and answers as that message. It
 * gives the start of that window for print_request.dedupe_since too: the
 * print looks again in the transaction that would store it, which finds a
 * repeat sent while the first was still being rendered.
 */

/* An Idempotency-Key being answered. */
struct print_once {
	char scope[48];                              /* whose keys: "device-key:ID" or "user:ID"; "" when none given */
	char key[DB_IDEMPOTENCY_KEY_MAX + 1];        /* the header's value */
};

/*
 * Reads the Idempotency-Key header of the request for the caller scope.
 * Returns 1 to go on (with or without a key), or 0 after replying: the
 * stored answer of the first request with that key within a day (its status
 * and JSON), 409 while that first request is still being answered, 400 for
 * a key that is not 1..255 printable ASCII characters, 500.
 */
int print_once_begin(struct ctx *ctx, const char *scope, struct print_once *once);

/* Keeps the reply just made for repeats of the key (a server error gives the key up instead). */
void print_once_finish(struct ctx *ctx, struct print_once *once);

/*
 * The digest of a print request (printer, kind, command, sender and body) as
 * DB_DEDUPE_LEN hex digits into out, for print_request.dedupe.
 */
void print_once_digest(int64_t printer_id, const struct print_request *req, char out[DB_DEDUPE_LEN + 1]);

/*
 * When a message was made with device key key_id from a request with digest
 * within SIRIUS_DEDUPE_SECONDS, answers as that message (print_answer_json
 * with "repeat": true) and returns 0; returns 1 when there is none (or
 * repeats are not looked for), 0 after replying 500 on a database error.
 * *since is the window's start (ctx->now less the seconds), 0 when repeats
 * are not looked for.
 */
int print_once_repeat(struct ctx *ctx, int64_t key_id, const char *digest, int64_t *since);

#endif
