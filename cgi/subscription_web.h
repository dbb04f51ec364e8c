/* subscription_web.h: what the subscription pages and the push API share: the delivery settings and the days in words. */
#ifndef SIRIUS_CGI_SUBSCRIPTION_WEB_H
#define SIRIUS_CGI_SUBSCRIPTION_WEB_H

#include <cjson/cJSON.h>

#include "db_subscriptions.h"
#include "subscription.h"

struct ctx;

/* The delivery settings of this process: the relay, and the print settings' limits, zone and renderer. */
void subscription_web_env(struct ctx *ctx, struct subscription_env *env);

/* The days of a bit set in words: "every day", "weekdays", "Mon, Wed" (into out). */
void subscription_web_days(int days, char *out, size_t size);

/*
 * Adds the printer's subscriptions to data as the printer page shows them
 * ("subscriptions": name, url, time, days, mode, state in words, last try,
 * push URL and token), and its time zone ("timezone", "timezone_default").
 * Returns 0, or -1 with a reason in err.
 */
int subscription_web_list(struct ctx *ctx, cJSON *data, int64_t printer_id, struct sirius_error *err);

#endif
