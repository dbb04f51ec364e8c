/* page_claim.c: GET and POST /claim, claiming a printer with the code it printed. */
#include "page.h"
#include "relay_client.h"

#include <stdio.h>

/* Shows the claim form with status and a message (may be NULL), the values sent kept. */
static int claim_form(struct ctx *ctx, int status, const char *error)
{
	cJSON *data = cJSON_CreateObject();
	int post = ctx->req.method == METHOD_POST;
	const char *code = post ? input_text(ctx, "claim_code") : NULL;
	const char *name = post ? input_text(ctx, "printer_name") : NULL;

	if (error)
		cJSON_AddStringToObject(data, "error", error);
	cJSON_AddStringToObject(data, "claim_code", code ? code : "");
	cJSON_AddStringToObject(data, "printer_name", name ? name : "");
	return reply_page(ctx, status, "claim", "Claim a printer", data);
}

/*
 * Asks the relay to send a just-claimed printer its key now, so that it need
 * not wait for its next request; a printer that is offline gets it when it
 * asks. A relay that cannot be asked is logged only: the claim stands.
 */
static void push_key(struct ctx *ctx, int64_t printer_id)
{
	struct db_printer printer;
	struct sirius_error err;
	enum relay_delivery outcome;

	if (printer_id <= 0 || !ctx->app->relay_socket[0])
		return;
	if (db_printer_by_id(ctx->db, printer_id, &printer, &err) <= 0)
		return;
	if (relay_push_key(ctx->app->relay_socket, printer.address, &outcome, &err) < 0)
		cgi_log("pushing the key of %s: %s", printer.address, err.message);
}

/*
 * Counts a claim against the limits per user and per client address (a
 * claim code can be made up for any printer by whoever knows its xor, so
 * guessing is slowed). Returns 1 when the claim may go on, 0 when it was
 * answered with 429 and Retry-After, -1 with a reason in err.
 */
static int claim_allowed(struct ctx *ctx, struct sirius_error *err)
{
	char user[32];
	struct attempt_limit limits[] = {
		{ "claim-user", user, CLAIM_MAX_PER_USER },
		{ "claim-address", ctx->req.remote_addr, CLAIM_MAX_PER_ADDRESS },
	};
	int64_t retry_after = 0;
	int rc;

	snprintf(user, sizeof(user), "%lld", (long long)ctx->session.user.id);
	rc = attempts_allowed(ctx, limits, sizeof(limits) / sizeof(limits[0]), &retry_after, err);
	if (rc != 0)
		return rc;
	response_header(&ctx->res, "Retry-After", "%lld", (long long)retry_after);
	claim_form(ctx, 429, "Too many claims from this account or this address in the last hour. "
		   "Wait a while, then try again.");
	return 0;
}

/*
 * GET shows the form. POST claims the printer: 303 to the overview (the key
 * pushed at once when the printer is online); the form again with the reason
 * and the values kept: 400 (bad code format or checksum, bad name), 409 (the
 * code used by another account, the printer someone else's, an old code of
 * the printer, too many codes waiting for printers), 429 (too many claims
 * in the last hour by the user or from the address: Retry-After); 500 on a
 * database error.
 */
int page_claim(struct ctx *ctx)
{
	enum db_claim_result result;
	struct sirius_error err;
	int64_t printer_id = 0;
	int allowed;

	if (ctx->req.method != METHOD_POST)
		return claim_form(ctx, 200, NULL);
	if (ctx->input_error[0])
		return claim_form(ctx, 400, ctx->input_error);
	allowed = claim_allowed(ctx, &err);
	if (allowed < 0)
		return reply_server_error(ctx, "counting claims", &err);
	if (allowed == 0)
		return 0;
	result = db_claim(ctx->db, ctx->session.user.id, input_text(ctx, "claim_code"),
			  input_text(ctx, "printer_name"), ctx->now, &printer_id, &err);
	switch (result) {
	case DB_CLAIM_OK:
		push_key(ctx, printer_id);
		return reply_redirect(ctx, "/");
	case DB_CLAIM_BAD_LENGTH:
	case DB_CLAIM_BAD_CHARACTER:
	case DB_CLAIM_BAD_CRC:
	case DB_CLAIM_BAD_NAME:
		return claim_form(ctx, 400, db_claim_result_message(result));
	case DB_CLAIM_IN_USE:
	case DB_CLAIM_CANNOT_CHANGE_OWNER:
	case DB_CLAIM_OLD_CODE:
	case DB_CLAIM_TOO_MANY_WAITING:
		return claim_form(ctx, 409, db_claim_result_message(result));
	case DB_CLAIM_ERROR:
		break;
	}
	return reply_server_error(ctx, "claiming a printer", &err);
}
