/* page_metrics.c: GET /metrics, the server's counters in the Prometheus text format (administrators, or from this machine). */
#include "page.h"
#include "stats.h"

/* The counters as Prometheus text (200, text/plain; version=0.0.4); 404 unless allowed (stats_allowed); 500 on a database error. */
int page_metrics(struct ctx *ctx)
{
	return stats_reply(ctx, STATS_PROMETHEUS);
}
