/* page_subscription.c: POST /printer/ID/subscriptions/SID/{deliver,pause,resume,delete} and POST /printer/ID/timezone. */
#include <string.h>

#include "access.h"
#include "page.h"
#include "print_settings.h"
#include "subscription_web.h"
#include "web.h"

/* The action of the path: its last segment. */
static const char *action_of(struct ctx *ctx)
{
	const char *slash = strrchr(ctx->req.path, '/');

	return slash ? slash + 1 : "";
}

/*
 * POST /printer/ID/subscriptions/SID/ACTION (owner only): deliver (today's
 * edition now, whatever the schedule; its outcome is shown on the printer
 * page), pause, resume (from the next delivery time after now) or delete.
 * 303 back to the printer page; 404 for a subscription of another printer;
 * 500 on a server fault.
 */
int page_subscription(struct ctx *ctx)
{
	struct db_printer printer;
	struct db_subscription sub;
	struct subscription_env env;
	struct sirius_error err;
	const char *action = action_of(ctx);
	char zone[DB_TIMEZONE_MAX];
	int rc;

	if (!printer_access_check(ctx, PRINTER_ACCESS_OWNER, &printer, NULL))
		return 0;
	rc = db_subscription_get(ctx->db, input_int(ctx, "sid"), &sub, &err);
	if (rc < 0)
		return reply_server_error(ctx, "reading a subscription", &err);
	if (rc == 0 || sub.printer_id != printer.id) {
		if (rc > 0)
			db_subscription_clear(&sub);
		return reply_error(ctx, 404, "This printer has no such subscription.");
	}
	if (!strcmp(action, "deliver")) {
		subscription_web_env(ctx, &env);
		rc = subscription_run(ctx->db, &env, &sub, ctx->now, SUBSCRIPTION_NOW, &err);
	} else if (!strcmp(action, "pause")) {
		rc = db_subscription_pause(ctx->db, sub.id, printer.id, 1, 0, &err);
	} else if (!strcmp(action, "resume")) {
		rc = db_printer_timezone(ctx->db, printer.id, zone, sizeof(zone), &err);
		if (rc >= 0)
			rc = db_subscription_pause(ctx->db, sub.id, printer.id, 0,
						   subscription_next_due(ctx->now, sub.delivery_time, sub.days,
									 zone[0] ? zone : print_settings()->timezone),
						   &err);
	} else {
		rc = db_subscription_delete(ctx->db, sub.id, printer.id, &err);
	}
	db_subscription_clear(&sub);
	if (rc < 0)
		return reply_server_error(ctx, "changing a subscription", &err);
	return reply_printer_redirect(ctx, printer.id, "subscriptions");
}

/*
 * POST /printer/ID/timezone (owner only): sets the zone of the printer's
 * delivery times (an IANA name such as Europe/London; empty for the
 * server's) and moves its subscriptions' next deliveries to it. 303 back to
 * the printer page; 400 with a sentence for a zone this server does not know.
 */
int page_timezone(struct ctx *ctx)
{
	struct db_printer printer;
	struct db_subscription *subs = NULL;
	struct sirius_error err;
	const char *zone;
	size_t n = 0, i;

	if (!printer_access_check(ctx, PRINTER_ACCESS_OWNER, &printer, NULL))
		return 0;
	zone = input_text(ctx, "timezone");
	if (ctx->input_error[0])
		return reply_error(ctx, 400, "%s", ctx->input_error);
	if (zone && zone[0] && !subscription_timezone_valid(zone))
		return reply_error(ctx, 400, "\"%s\" is not a time zone this server knows; use a name such as "
				   "Europe/London or America/New_York.", zone);
	if (db_printer_set_timezone(ctx->db, printer.id, zone, &err) < 0 ||
	    db_subscriptions_of_printer(ctx->db, printer.id, &subs, &n, &err) < 0)
		return reply_server_error(ctx, "setting the time zone", &err);
	for (i = 0; i < n; i++) {
		if (subs[i].paused)
			continue;
		if (db_subscription_pause(ctx->db, subs[i].id, printer.id, 0,
					  subscription_next_due(ctx->now, subs[i].delivery_time, subs[i].days,
								zone && zone[0] ? zone : print_settings()->timezone),
					  &err) < 0) {
			db_subscriptions_free(subs, n);
			return reply_server_error(ctx, "moving the deliveries to the new time zone", &err);
		}
	}
	db_subscriptions_free(subs, n);
	return reply_printer_redirect(ctx, printer.id, "subscriptions");
}
