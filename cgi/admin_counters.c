/* admin_counters.c: the relay's counter names, grouped, with what each counts in words. */
#include "admin_counters.h"

#include <string.h>

#include <glib.h>

/* One counter of the relay (relay/registry.h, struct registry_counters). */
struct counter_words {
	const char *name;   /* as the relay names it */
	const char *group;  /* the heading it is shown under */
	const char *words;  /* what it counts */
};

/* Every counter the relay reports, in the order shown; groups appear in the order of their first counter. */
static const struct counter_words counter_table[] = {
	{ "bridges_online", "Bridges and printers now", "bridges connected" },
	{ "bridges_known", "Bridges and printers now", "bridges known since the relay started" },
	{ "devices_online", "Bridges and printers now", "printers online" },
	{ "devices_known", "Bridges and printers now", "printers known since the relay started" },
	{ "sessions_open", "Bridges and printers now", "websockets open" },
	{ "store_pending", "Bridges and printers now", "database writes waiting (for the end of a turn, or for the lock)" },
	{ "log_bytes", "Bridges and printers now", "bytes of bridge logs kept" },

	{ "deliveries_sent", "Prints and keys", "prints handed to bridges" },
	{ "deliveries_offline", "Prints and keys", "prints refused: printer offline" },
	{ "responses_delivered", "Prints and keys", "prints the bridge confirmed" },
	{ "responses_failed", "Prints and keys", "prints the bridge reported failed" },
	{ "printed", "Prints and keys", "prints the printer reported printed" },
	{ "messages_timed_out", "Prints and keys", "prints with no answer in time" },
	{ "queue_full", "Prints and keys", "prints refused: bridge queue full" },
	{ "commands_requeued", "Prints and keys", "commands sent again after \"queue full\"" },
	{ "commands_gave_up", "Prints and keys", "commands given up after repeated \"queue full\"" },
	{ "commands_expired", "Prints and keys", "commands without a response in time" },
	{ "commands_dropped", "Prints and keys", "commands dropped when their bridge went offline" },
	{ "frames_written", "Prints and keys", "messages written to bridges" },
	{ "keys_sent", "Prints and keys", "link keys sent to printers" },
	{ "keys_unclaimed", "Prints and keys", "key requests of unclaimed printers" },

	{ "sessions_opened", "Connections", "websockets accepted" },
	{ "takeovers", "Connections", "bridges that reconnected while the old socket lived" },
	{ "reclaims", "Connections", "older sockets that took their bridge back" },
	{ "unnamed_closed", "Connections", "sockets closed for naming no bridge in time" },
	{ "refused_bridges", "Connections", "sockets refused: too many bridges" },
	{ "oversize", "Connections", "sockets closed for a too-large message" },
	{ "devices_timed_out", "Connections", "printers gone offline after silence" },
	{ "bridges_forgotten", "Connections", "offline bridges forgotten to make room" },
	{ "devices_forgotten", "Connections", "offline printers forgotten to make room" },

	{ "messages", "Messages from bridges", "messages received" },
	{ "malformed", "Messages from bridges", "messages that did not decode" },
	{ "unknown", "Messages from bridges", "messages of an unknown kind" },
	{ "no_address", "Messages from bridges", "first messages naming no bridge" },
	{ "foreign_address", "Messages from bridges", "messages naming another bridge than their socket's" },
	{ "power_on_replays", "Messages from bridges", "repeated power_on messages (ignored)" },
	{ "stale_events", "Messages from bridges", "printer reports from a superseded socket (ignored)" },
	{ "ignored_devices", "Messages from bridges", "printer reports ignored: too many printers" },
	{ "ignored_fields", "Messages from bridges", "fields of the wrong type left out" },
	{ "log_records", "Messages from bridges", "bridge log records received" },
	{ "log_records_dropped", "Messages from bridges", "bridge log records pushed out by the limit" },

	{ "store_errors", "Database and control socket", "database calls that failed" },
	{ "store_busy", "Database and control socket", "database calls that met another process's lock" },
	{ "store_retried", "Database and control socket", "database writes done on a retry" },
	{ "store_dropped", "Database and control socket", "database writes dropped: write queue full" },
	{ "checkpoints", "Database and control socket", "checkpoints: the write-ahead log copied into the database" },
	{ "checkpoint_frames", "Database and control socket", "pages of log copied by checkpoints" },
	{ "checkpoint_restarts", "Database and control socket", "times the write-ahead log started over" },
	{ "checkpoint_failures", "Database and control socket", "checkpoints that failed (not for a lock)" },
	{ "control_requests", "Database and control socket", "control requests answered" },
	{ "control_errors", "Database and control socket", "control requests answered with an error" },
};

/* The heading of the messages by kind, and of counters the table does not know. */
#define GROUP_BY_KIND "Messages from bridges by kind"
#define GROUP_OTHER "Other"

/* The "counters" array of the group called name in groups, made at the end when missing. */
static cJSON *group_list(cJSON *groups, const char *name)
{
	cJSON *group, *list;

	cJSON_ArrayForEach(group, groups)
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(group, "group")), name) == 0)
			return cJSON_GetObjectItemCaseSensitive(group, "counters");
	group = cJSON_CreateObject();
	cJSON_AddStringToObject(group, "group", name);
	list = cJSON_AddArrayToObject(group, "counters");
	cJSON_AddItemToArray(groups, group);
	return list;
}

/* Adds one counter with its words and value to list. */
static void add_counter(cJSON *list, const char *name, const char *words, double value)
{
	cJSON *item = cJSON_CreateObject();

	cJSON_AddStringToObject(item, "name", name);
	cJSON_AddStringToObject(item, "words", words);
	cJSON_AddNumberToObject(item, "value", value);
	cJSON_AddItemToArray(list, item);
}

/* 1 when name is in counter_table, else 0. */
static int known_counter(const char *name)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(counter_table); i++)
		if (strcmp(counter_table[i].name, name) == 0)
			return 1;
	return 0;
}

cJSON *admin_counters_grouped(const cJSON *counters)
{
	cJSON *groups = cJSON_CreateArray();
	const cJSON *c, *kinds = cJSON_GetObjectItemCaseSensitive(counters, "by_kind");
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(counter_table); i++) {
		c = cJSON_GetObjectItemCaseSensitive(counters, counter_table[i].name);
		if (cJSON_IsNumber(c))
			add_counter(group_list(groups, counter_table[i].group), counter_table[i].name,
				    counter_table[i].words, c->valuedouble);
	}
	cJSON_ArrayForEach(c, kinds)
		if (cJSON_IsNumber(c) && c->valuedouble > 0)
			add_counter(group_list(groups, GROUP_BY_KIND), c->string, c->string, c->valuedouble);
	cJSON_ArrayForEach(c, counters)
		if (cJSON_IsNumber(c) && !known_counter(c->string))
			add_counter(group_list(groups, GROUP_OTHER), c->string, c->string, c->valuedouble);
	return groups;
}
