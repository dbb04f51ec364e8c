/* builtin_publications.h: the editions of the server's own publications: a good-morning page with the day's calendar, and a feed's newest items. */
#ifndef SIRIUS_BUILTIN_PUBLICATIONS_H
#define SIRIUS_BUILTIN_PUBLICATIONS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define BUILTIN_CALENDAR_MAX (1024 * 1024) /* largest iCalendar file read */
#define BUILTIN_FEED_MAX (2 * 1024 * 1024) /* largest feed read */
#define BUILTIN_EVENTS_MAX 30              /* calendar entries printed, at most */
#define BUILTIN_FEED_ITEMS_MAX 20          /* feed items printed, at most */
#define BUILTIN_SUMMARY_MAX 400            /* characters of an item's summary printed */

/*
 * Reads local_delivery_time as a publication gets it ("2024-05-01T08:00:00"
 * with an optional "+01:00", "-05:00" or "Z") into the local day's start
 * *day_start (seconds since 1970, UTC) and the zone's offset *offset
 * (seconds east of UTC; 0 when none was given). Returns 0, or -1 when it is
 * not such a time.
 */
int builtin_parse_local_time(const char *text, int64_t *day_start, int *offset);

/*
 * The good-morning edition for the local day that starts at day_start (UTC)
 * in a zone offset seconds east of UTC: a greeting (to name when not NULL or
 * empty), the date, and the entries of the iCalendar text ics (len bytes;
 * NULL for none) that happen that day (recurrences included, all-day ones
 * first, at most BUILTIN_EVENTS_MAX), times shown in the zone. Returns the
 * HTML (g_free), or NULL with err when ics is not an iCalendar file.
 */
char *builtin_good_morning_html(int64_t day_start, int offset, const char *name, const char *ics, size_t len,
				struct sirius_error *err);

/*
 * The feed edition: the newest items (at most max_items) of an RSS 2.0 or
 * Atom document (len bytes) published after since (seconds since 1970; 0
 * for all), newest first, with the feed's title. Items without a date count
 * as new only when since is 0. Returns 1 with *html (g_free) and *newest
 * (the newest item's date, at least since), 0 when nothing is newer than
 * since, -1 with err when the document is neither RSS nor Atom.
 */
int builtin_feed_html(const char *xml, size_t len, int max_items, int64_t since, char **html, int64_t *newest,
		      struct sirius_error *err);

#endif
