/* stats.h: the server's counters for /_/stats (plain text) and /metrics (Prometheus text format). */
#ifndef SIRIUS_CGI_STATS_H
#define SIRIUS_CGI_STATS_H

#include <glib.h>
#include <cjson/cJSON.h>

#include "db.h"

struct ctx;

/* Everything both pages show. */
struct site_stats {
	struct db_stats db;         /* what the database counts */
	int relay_up;               /* 1 when the relay answered */
	long bridges_online;        /* bridges connected now (when relay_up) */
	long devices_online;        /* printers online now (when relay_up) */
	cJSON *counters;            /* the relay's counters object (owned; NULL when the relay is down) */
};

/*
 * Collects the counters: the database's, then the relay's (bridges, devices,
 * counters; relay_up 0 when it cannot be asked, logged). Returns 0, or -1
 * with a reason in err on a database error. Free with stats_clear.
 */
int stats_collect(struct ctx *ctx, struct site_stats *out, struct sirius_error *err);

/* How stats_reply writes the counters. */
enum stats_format {
	STATS_TEXT,                 /* "name: value" lines (stats_text), text/plain */
	STATS_PROMETHEUS            /* the Prometheus text format (stats_prometheus), text/plain; version=0.0.4 */
};

/*
 * The reply of /_/stats and /metrics: the counters in format (200); 404
 * unless stats_allowed; 500 on a database error. Returns 0.
 */
int stats_reply(struct ctx *ctx, enum stats_format format);

/* Frees what stats holds. */
void stats_clear(struct site_stats *stats);

/* 1 when the request may see the counters: an administrator, or a request from this machine; else 0. */
int stats_allowed(const struct ctx *ctx);

/* Appends the counters as "name: value" lines, as the original server's /_/stats did. */
void stats_text(const struct site_stats *stats, GString *out);

/*
 * Appends the counters in the Prometheus text format (version 0.0.4): sirius_*
 * gauges and counters, each with its HELP and TYPE lines.
 */
void stats_prometheus(const struct site_stats *stats, GString *out);

#endif
