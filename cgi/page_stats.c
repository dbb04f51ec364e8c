/* page_stats.c: GET /_/stats, the server's counters as plain text (administrators, or from this machine). */
#include "page.h"
#include "stats.h"

/* The counters as "name: value" lines (200, text/plain); 404 unless allowed (stats_allowed); 500 on a database error. */
int page_stats(struct ctx *ctx)
{
	return stats_reply(ctx, STATS_TEXT);
}
