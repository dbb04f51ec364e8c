/* admin_counters.h: the relay's counters grouped and named in words, for the admin page. */
#ifndef SIRIUS_CGI_ADMIN_COUNTERS_H
#define SIRIUS_CGI_ADMIN_COUNTERS_H

#include <cjson/cJSON.h>

/*
 * Turns the relay's "counters" object into a new array of groups,
 * [{"group": "Connections", "counters": [{"name": "...", "words": "...",
 * "value": N}...]}...], in a fixed order of groups and counters; the
 * messages received by kind ("by_kind") make a group of their own, and a
 * counter this table does not know goes to "Other" under its own name.
 * Never NULL.
 */
cJSON *admin_counters_grouped(const cJSON *counters);

#endif
