/* print_once.c: the Idempotency-Key of API prints and repeated bodies, answered as the first request. */
#include "print_once.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "page.h"
#include "print_answer.h"
#include "sirius_config.h"

int print_once_begin(struct ctx *ctx, const char *scope, struct print_once *once)
{
	const char *key = env_lookup(ctx->envp, "HTTP_IDEMPOTENCY_KEY");
	struct sirius_error err;
	char *body = NULL;
	int state, status;

	memset(once, 0, sizeof(*once));
	if (!key)
		return 1;
	if (!db_idempotency_key_valid(key)) {
		reply_error(ctx, 400, "The Idempotency-Key header must be 1 to %d printable ASCII characters.",
			    DB_IDEMPOTENCY_KEY_MAX);
		return 0;
	}
	state = db_idempotency_begin(ctx->db, scope, key, ctx->now, &status, &body, &err);
	if (state < 0) {
		reply_server_error(ctx, "reading an idempotency key", &err);
		return 0;
	}
	if (state == DB_IDEMPOTENCY_RUNNING) {
		reply_error(ctx, 409, "A request with this Idempotency-Key is being answered right now; ask again in a "
			    "moment.");
		return 0;
	}
	if (state == DB_IDEMPOTENCY_DONE) {
		cJSON *json = cJSON_Parse(body);

		g_free(body);
		if (!json) {
			reply_error(ctx, 500, "The answer kept for this Idempotency-Key cannot be read.");
			return 0;
		}
		reply_json(ctx, status, json);
		response_header(&ctx->res, "Idempotent-Replayed", "true");
		return 0;
	}
	g_strlcpy(once->scope, scope, sizeof(once->scope));
	g_strlcpy(once->key, key, sizeof(once->key));
	return 1;
}

void print_once_finish(struct ctx *ctx, struct print_once *once)
{
	struct sirius_error err;
	int rc;

	if (!once->scope[0])
		return;
	if (ctx->res.status >= 500 || !ctx->res.body)
		rc = db_idempotency_abandon(ctx->db, once->scope, once->key, &err);
	else
		rc = db_idempotency_finish(ctx->db, once->scope, once->key, ctx->res.status, ctx->res.body->str, &err);
	if (rc < 0)
		cgi_log("keeping the answer to an Idempotency-Key: %s", err.message);
}

void print_once_digest(int64_t printer_id, const struct print_request *req, char out[DB_DEDUPE_LEN + 1])
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	char head[96];

	/* fields are length-prefixed so that no two requests run together into the same bytes */
	snprintf(head, sizeof(head), "%lld %d %u %zu:", (long long)printer_id, (int)req->kind,
		 (unsigned)print_submit_command(req), strlen(req->sender));
	g_checksum_update(sum, (const guchar *)head, (gssize)strlen(head));
	g_checksum_update(sum, (const guchar *)req->sender, (gssize)strlen(req->sender));
	g_checksum_update(sum, req->body, (gssize)req->len);
	g_strlcpy(out, g_checksum_get_string(sum), DB_DEDUPE_LEN + 1);
	g_checksum_free(sum);
}

int print_once_repeat(struct ctx *ctx, int64_t key_id, const char *digest, int64_t *since)
{
	struct print_submit_result res;
	enum db_message_status status;
	struct sirius_error err = { "" };
	long seconds = 0;
	uint32_t id = 0;
	int rc;

	*since = 0;
	if (config_number("SIRIUS_DEDUPE_SECONDS", &seconds, &err) < 0 || seconds == 0)
		return 1;
	*since = ctx->now - seconds;
	rc = db_message_find_repeat(ctx->db, key_id, digest, *since, &id, &status, &err);
	if (rc < 0) {
		reply_server_error(ctx, "looking for a repeated request", &err);
		return 0;
	}
	if (rc == 0)
		return 1;
	memset(&res, 0, sizeof(res));
	res.status = print_submit_status_of(print_job_outcome_of(status));
	res.message_id = id;
	res.repeat = 1;
	return print_answer_json(ctx, "answering a repeated request", 0, &res, &err);
}
