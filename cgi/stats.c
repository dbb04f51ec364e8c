/* stats.c: collecting and writing the counters of stats.h. */
#include "stats.h"

#include <string.h>

#include "page.h"
#include "relay_client.h"
#include "web.h"

/* A counter of the relay's counters object as a whole number; 0 when it is missing. */
static long counter(const cJSON *counters, const char *name)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(counters, name);

	return cJSON_IsNumber(c) ? (long)c->valuedouble : 0;
}

int stats_collect(struct ctx *ctx, struct site_stats *out, struct sirius_error *err)
{
	struct sirius_error relay_err;
	cJSON *counters;

	memset(out, 0, sizeof(*out));
	if (db_stats(ctx->db, &out->db, err) < 0)
		return -1;
	/* the counters hold the numbers online: no list of every bridge for them, and a short wait */
	counters = web_relay_ask(ctx, "counters", NULL, "counters", RELAY_CLIENT_STATUS_TIMEOUT_MS, &relay_err);
	if (counters) {
		out->relay_up = 1;
		out->bridges_online = counter(counters, "bridges_online");
		out->devices_online = counter(counters, "devices_online");
		out->counters = counters;
	} else {
		cgi_log("counters from the relay: %s", relay_err.message);
	}
	return 0;
}

void stats_clear(struct site_stats *stats)
{
	cJSON_Delete(stats->counters);
	stats->counters = NULL;
}

int stats_allowed(const struct ctx *ctx)
{
	return (ctx->session.signed_in && ctx->session.user.is_admin) || web_from_loopback(ctx);
}

void stats_text(const struct site_stats *s, GString *out)
{
	const cJSON *c;
	int i;

	g_string_append_printf(out, "users: %" G_GINT64_FORMAT "\n", s->db.users);
	g_string_append_printf(out, "printers: %" G_GINT64_FORMAT "\n", s->db.printers);
	g_string_append_printf(out, "claimed_printers: %" G_GINT64_FORMAT "\n", s->db.claimed_printers);
	g_string_append_printf(out, "claim_codes: %" G_GINT64_FORMAT "\n", s->db.claim_codes);
	g_string_append_printf(out, "device_keys: %" G_GINT64_FORMAT "\n", s->db.device_keys);
	g_string_append_printf(out, "friendships: %" G_GINT64_FORMAT "\n", s->db.friendships);
	for (i = 0; i < DB_MESSAGE_STATUS_COUNT; i++)
		g_string_append_printf(out, "messages_%s: %" G_GINT64_FORMAT "\n",
				       db_message_status_name((enum db_message_status)i), s->db.messages[i]);
	g_string_append_printf(out, "relay_up: %d\n", s->relay_up);
	if (!s->relay_up)
		return;
	g_string_append_printf(out, "bridges_online: %ld\n", s->bridges_online);
	g_string_append_printf(out, "devices_online: %ld\n", s->devices_online);
	cJSON_ArrayForEach(c, s->counters)
		if (cJSON_IsNumber(c) && c->string)
			g_string_append_printf(out, "relay_%s: %.0f\n", c->string, c->valuedouble);
}

/* Appends one metric without labels. */
static void metric(GString *out, const char *name, const char *type, const char *help, double value)
{
	g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, value);
}

/* 1 when a relay counter of this name only ever grows (a Prometheus counter), 0 for a gauge. */
static int counter_grows(const char *name)
{
	return !g_str_has_suffix(name, "_known") && strcmp(name, "bridges_online") != 0 &&
	       strcmp(name, "devices_online") != 0 && !g_str_has_prefix(name, "queued");
}

void stats_prometheus(const struct site_stats *s, GString *out)
{
	const cJSON *c;
	int i;

	metric(out, "sirius_users", "gauge", "Accounts of the web UI.", (double)s->db.users);
	metric(out, "sirius_printers", "gauge", "Printers ever seen.", (double)s->db.printers);
	metric(out, "sirius_claimed_printers", "gauge", "Printers with an owner.", (double)s->db.claimed_printers);
	metric(out, "sirius_claim_codes", "gauge", "Claim codes entered.", (double)s->db.claim_codes);
	metric(out, "sirius_device_keys", "gauge", "Device keys of the API.", (double)s->db.device_keys);
	metric(out, "sirius_friendships", "gauge", "Friendships (one per direction).", (double)s->db.friendships);
	g_string_append(out, "# HELP sirius_messages Messages kept in the database, by status.\n"
			     "# TYPE sirius_messages gauge\n");
	for (i = 0; i < DB_MESSAGE_STATUS_COUNT; i++)
		g_string_append_printf(out, "sirius_messages{status=\"%s\"} %" G_GINT64_FORMAT "\n",
				       db_message_status_name((enum db_message_status)i), s->db.messages[i]);
	metric(out, "sirius_relay_up", "gauge", "1 when the relay answered, else 0.", s->relay_up);
	if (!s->relay_up)
		return;
	metric(out, "sirius_bridges_online", "gauge", "Bridges connected to the relay.", (double)s->bridges_online);
	metric(out, "sirius_devices_online", "gauge", "Printers online behind a bridge.", (double)s->devices_online);
	cJSON_ArrayForEach(c, s->counters) {
		char *name;
		int grows;

		if (!cJSON_IsNumber(c) || !c->string)
			continue;
		grows = counter_grows(c->string);
		name = g_strdup_printf("sirius_relay_%s%s", c->string, grows ? "_total" : "");
		g_strcanon(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", '_');
		g_string_append_printf(out, "# HELP %s The relay's counter %s.\n# TYPE %s %s\n%s %.17g\n", name,
				       c->string, name, grows ? "counter" : "gauge", name, c->valuedouble);
		g_free(name);
	}
}

int stats_reply(struct ctx *ctx, enum stats_format format)
{
	struct site_stats stats;
	struct sirius_error err;
	GString *out;

	if (!stats_allowed(ctx))
		return reply_error(ctx, 404, "There is no page at this address. Check it, or start again from the home page.");
	if (stats_collect(ctx, &stats, &err) < 0)
		return reply_server_error(ctx, "counting", &err);
	out = g_string_new(NULL);
	if (format == STATS_PROMETHEUS)
		stats_prometheus(&stats, out);
	else
		stats_text(&stats, out);
	stats_clear(&stats);
	reply_body(ctx, 200, format == STATS_PROMETHEUS ? "text/plain; version=0.0.4; charset=utf-8"
							: "text/plain; charset=utf-8",
		   out->str, out->len);
	g_string_free(out, TRUE);
	return 0;
}
