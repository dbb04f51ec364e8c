/* subscription_web.c: subscriptions as the pages show them, and the delivery settings of the web programs. */
#include "subscription_web.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "context.h"
#include "print_settings.h"
#include "web.h"

void subscription_web_env(struct ctx *ctx, struct subscription_env *env)
{
	const struct print_settings *settings = print_settings();

	memset(env, 0, sizeof(*env));
	env->relay_socket = ctx->app->relay_socket;
	env->limits = &settings->limits;
	env->timezone = settings->timezone[0] ? settings->timezone : NULL;
	env->external_renderer = settings->html_renderer;
	/* A person is waiting for the page: less than the scheduler's patience. */
	env->fetch_timeout_ms = 10000;
}

void subscription_web_days(int days, char *out, size_t size)
{
	static const char *const names[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	GString *text;
	int i;

	if ((days & SUBSCRIPTION_ALL_DAYS) == SUBSCRIPTION_ALL_DAYS) {
		g_strlcpy(out, "every day", size);
		return;
	}
	if ((days & SUBSCRIPTION_ALL_DAYS) == 0x1f) {
		g_strlcpy(out, "weekdays", size);
		return;
	}
	text = g_string_new(NULL);
	for (i = 0; i < 7; i++)
		if (days & (1 << i))
			g_string_append_printf(text, "%s%s", text->len ? ", " : "", names[i]);
	g_strlcpy(out, text->str, size);
	g_string_free(text, TRUE);
}

/* The state of a subscription in words for its owner. */
static char *state_words(const struct db_subscription *s)
{
	char when[WEB_TIME_SIZE];

	if (!s->last_state[0])
		return g_strdup("nothing delivered yet");
	web_time(s->last_try, when);
	if (!strcmp(s->last_state, "delivered"))
		return g_strdup_printf("delivered %s: %s", when, s->last_message);
	if (!strcmp(s->last_state, "nothing"))
		return g_strdup_printf("%s: %s", when, s->last_message);
	if (!strcmp(s->last_state, "retrying"))
		return g_strdup_printf("failed %s, %s", when, s->last_message);
	if (!strcmp(s->last_state, "sending"))
		return g_strdup_printf("sending since %s", when);
	return g_strdup_printf("failed %s: %s", when, s->last_message);
}

int subscription_web_list(struct ctx *ctx, cJSON *data, int64_t printer_id, struct sirius_error *err)
{
	struct db_subscription *subs = NULL;
	size_t n = 0, i;
	cJSON *list = cJSON_AddArrayToObject(data, "subscriptions");
	char zone[DB_TIMEZONE_MAX];

	if (db_printer_timezone(ctx->db, printer_id, zone, sizeof(zone), err) < 0 ||
	    db_subscriptions_of_printer(ctx->db, printer_id, &subs, &n, err) < 0)
		return -1;
	cJSON_AddStringToObject(data, "timezone", zone);
	cJSON_AddStringToObject(data, "timezone_default",
				print_settings()->timezone[0] ? print_settings()->timezone : "the server's");
	for (i = 0; i < n; i++) {
		cJSON *item = cJSON_CreateObject();
		char time[32], days[64], next[WEB_TIME_SIZE], *state = state_words(&subs[i]), *push;

		snprintf(time, sizeof(time), "%02d:%02d", subs[i].delivery_time / 60, subs[i].delivery_time % 60);
		subscription_web_days(subs[i].days, days, sizeof(days));
		cJSON_AddNumberToObject(item, "id", (double)subs[i].id);
		cJSON_AddStringToObject(item, "name", subs[i].name);
		cJSON_AddStringToObject(item, "url", subs[i].url);
		cJSON_AddStringToObject(item, "time", time);
		cJSON_AddStringToObject(item, "days", days);
		cJSON_AddBoolToObject(item, "button", strcmp(subs[i].mode, "print") != 0);
		cJSON_AddBoolToObject(item, "paused", subs[i].paused);
		cJSON_AddStringToObject(item, "next", subs[i].next_due ? web_time(subs[i].next_due, next) : "");
		cJSON_AddStringToObject(item, "state", state);
		cJSON_AddStringToObject(item, "last_state", subs[i].last_state[0] ? subs[i].last_state : "none");
		push = g_strdup_printf("%s/api/v1/subscriptions/%lld/publish", ctx->app->base_url,
				       (long long)subs[i].id);
		cJSON_AddStringToObject(item, "push_url", push);
		cJSON_AddStringToObject(item, "push_token", subs[i].push_token);
		g_free(push);
		g_free(state);
		cJSON_AddItemToArray(list, item);
	}
	cJSON_AddBoolToObject(data, "has_subscriptions", n > 0);
	db_subscriptions_free(subs, n);
	return 0;
}
