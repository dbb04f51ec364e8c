/* api_publish.c: POST /api/v1/subscriptions/ID/publish, a publication pushing an edition to one subscription. */
#include <string.h>

#include <sodium.h>

#include "page.h"
#include "print_body.h"
#include "subscription_web.h"

/* 1 when the request's Authorization is "Bearer TOKEN" with the subscription's token. */
static int bearer_ok(struct ctx *ctx, const struct db_subscription *sub)
{
	const char *auth = env_lookup(ctx->envp, "HTTP_AUTHORIZATION");
	size_t n;

	if (!auth || g_ascii_strncasecmp(auth, "Bearer ", 7) != 0)
		return 0;
	auth += 7;
	while (*auth == ' ')
		auth++;
	n = strlen(auth);
	while (n > 0 && auth[n - 1] == ' ')
		n--;
	return n == DB_PUSH_TOKEN_LEN && sodium_memcmp(auth, sub->push_token, DB_PUSH_TOKEN_LEN) == 0;
}

/*
 * POST /api/v1/subscriptions/ID/publish with Authorization: Bearer TOKEN
 * (the subscription's push token, shown to its owner): delivers the body
 * (as the device-key API takes it: text, HTML, an image, or JSON with "html"
 * or "text") to the subscription's printer, waiting for the button or
 * printing at once as the subscription says, even while it is paused (a
 * push is the publisher's choice of time). Answers JSON: 200 {"status":
 * "delivered", "message_id"} (or "queued": the message waits in the outbox
 * for the printer; "warnings" lists images that could not be loaded), 401
 * for a missing or wrong token (or an unknown subscription: the same answer,
 * so ids cannot be probed), 400/413/415 for the body, 422 when it cannot be
 * printed.
 */
int api_publish(struct ctx *ctx)
{
	struct db_subscription sub;
	struct subscription_env env;
	struct subscription_sent sent;
	struct print_request req;
	struct sirius_error err;
	char why[SIRIUS_ERROR_MAX + 64];
	cJSON *json = NULL, *answer, *list;
	int rc, i;

	memset(&req, 0, sizeof(req));
	req.kind = RENDER_TEXT;
	rc = db_subscription_get(ctx->db, input_int(ctx, "id"), &sub, &err);
	if (rc < 0)
		return reply_server_error(ctx, "reading a subscription", &err);
	if (rc == 0 || !bearer_ok(ctx, &sub)) {
		if (rc > 0)
			db_subscription_clear(&sub);
		response_header(&ctx->res, "WWW-Authenticate", "Bearer realm=\"sirius\"");
		return reply_error(ctx, 401, "Send the subscription's push token as Authorization: Bearer TOKEN.");
	}
	if (!print_body_read(ctx, &req, &json)) {
		db_subscription_clear(&sub);
		return 0;
	}
	subscription_web_env(ctx, &env);
	rc = subscription_send(ctx->db, &env, &sub, req.kind, req.body, req.len, ctx->now, &sent, why, sizeof(why));
	cJSON_Delete(json);
	if (rc == 0) {
		struct db_subscription_try t;

		memset(&t, 0, sizeof(t));
		t.next_due = sub.next_due;
		t.retry_at = sub.retry_at;
		t.attempts = sub.attempts;
		t.state = "delivered";
		t.message = sent.offline ? "pushed by the publication; it waits for the printer"
					 : "pushed by the publication";
		t.message_id = sent.message_id;
		t.delivered = 1;
		if (db_subscription_record(ctx->db, sub.id, ctx->now, &t, &err) < 0)
			cgi_log("recording a push to subscription %lld: %s", (long long)sub.id, err.message);
	}
	db_subscription_clear(&sub);
	if (rc < 0) {
		error_set(&err, "%s", why);
		return reply_server_error(ctx, "pushing an edition", &err);
	}
	if (rc > 0)
		return reply_error(ctx, 422, "The edition cannot be printed: %s.", why);
	answer = cJSON_CreateObject();
	cJSON_AddStringToObject(answer, "status", sent.offline ? "queued" : "delivered");
	cJSON_AddNumberToObject(answer, "message_id", sent.message_id);
	if (sent.warning_count) {
		list = cJSON_AddArrayToObject(answer, "warnings");
		for (i = 0; i < sent.warning_count; i++)
			cJSON_AddItemToArray(list, cJSON_CreateString(sent.warnings[i]));
	}
	return reply_json(ctx, 200, answer);
}
