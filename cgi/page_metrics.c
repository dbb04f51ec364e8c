/* page_metrics.c: GET /metrics, the server's counters in the Prometheus text format (administrators, or from this machine). */
#include "page.h"
#include "stats.h"
#include "web.h"

/* The counters as Prometheus text (200, text/plain; version=0.0.4); 404 unless allowed (stats_allowed); 500 on a database error. */
int page_metrics(struct ctx *ctx)
{
	struct site_stats stats;
	struct sirius_error err;
	GString *out;

	if (!stats_allowed(ctx))
		return reply_error(ctx, 404, "There is no page at this address. Check it, or start again from the home page.");
	if (stats_collect(ctx, &stats, &err) < 0)
		return reply_server_error(ctx, "counting", &err);
	out = g_string_new(NULL);
	stats_prometheus(&stats, out);
	stats_clear(&stats);
	reply_body(ctx, 200, "text/plain; version=0.0.4; charset=utf-8", out->str, out->len);
	g_string_free(out, TRUE);
	return 0;
}
