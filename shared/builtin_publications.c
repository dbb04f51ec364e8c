/* builtin_publications.c: good-morning editions from iCalendar (libical) and feed editions from RSS and Atom (libxml2). */
#include "builtin_publications.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <glib.h>
#include <libical/ical.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "html_escape.h"

/* Events looked at in one calendar, at most (a bound on the work of a hostile file). */
#define CALENDAR_COMPONENTS_MAX 5000

int builtin_parse_local_time(const char *text, int64_t *day_start, int *offset)
{
	int y, mo, d, h, mi, s, oh = 0, om = 0, n = 0;
	char sign = 0;
	GDateTime *dt;

	if (!text || strlen(text) > 40 || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6)
		return -1;
	text += n;
	if (*text == '.') /* fractions of a second, as some clients wrote */
		for (text++; g_ascii_isdigit(*text); text++)
			;
	if (*text == 'Z') {
		text++;
	} else if (*text == '+' || *text == '-') {
		sign = *text;
		if (sscanf(text + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || oh > 14 || om > 59)
			return -1;
		text += 1 + n;
	}
	if (*text)
		return -1;
	*offset = (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	dt = g_date_time_new_utc(y, mo, d, 0, 0, 0);
	if (!dt)
		return -1;
	*day_start = g_date_time_to_unix(dt) - *offset;
	g_date_time_unref(dt);
	(void)h;
	(void)mi;
	(void)s;
	return 0;
}

/* One calendar entry of the day. */
struct entry {
	int64_t start;  /* UTC */
	int all_day;    /* 1 for a date without a time */
	char *summary;  /* g_malloc'd */
};

/* What the recurrence callback fills. */
struct day_events {
	GArray *entries;     /* struct entry */
	const char *summary; /* of the component being expanded */
	int all_day;         /* its DTSTART is a date */
	int64_t day_start;   /* the day, UTC */
	int64_t day_end;
};

/* icalcomponent_foreach_recurrence's callback: keeps an occurrence that starts (or runs) within the day. */
static void occurrence(icalcomponent *comp, struct icaltime_span *span, void *data)
{
	struct day_events *d = data;
	struct entry e;

	(void)comp;
	if (d->entries->len >= BUILTIN_EVENTS_MAX * 4)
		return;
	if ((int64_t)span->start >= d->day_end || (int64_t)span->end <= d->day_start)
		if (!(span->start == span->end && (int64_t)span->start >= d->day_start && (int64_t)span->start < d->day_end))
			return;
	e.start = span->start;
	e.all_day = d->all_day;
	e.summary = g_strdup(d->summary && d->summary[0] ? d->summary : "(no title)");
	g_array_append_val(d->entries, e);
}

/* Sorts entries: all-day first, then by start. */
static gint entry_order(gconstpointer a, gconstpointer b)
{
	const struct entry *x = a, *y = b;

	if (x->all_day != y->all_day)
		return y->all_day - x->all_day;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Adds the day's entries of the calendar to html. Returns 0, or -1 when ics is not a calendar. */
static int add_calendar(GString *html, int64_t day_start, int offset, const char *ics, size_t len,
			struct sirius_error *err)
{
	char *text = g_strndup(ics, len);
	icalcomponent *cal = icalparser_parse_string(text), *c;
	struct day_events d;
	guint i;
	int seen = 0;

	g_free(text);
	if (!cal || (icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT && icalcomponent_isa(cal) != ICAL_VEVENT_COMPONENT)) {
		if (cal)
			icalcomponent_free(cal);
		return error_set(err, "the calendar is not an iCalendar file");
	}
	memset(&d, 0, sizeof(d));
	d.entries = g_array_new(FALSE, FALSE, sizeof(struct entry));
	d.day_start = day_start;
	d.day_end = day_start + 86400;
	/* The day in UTC, with a day's margin each side for floating and all-day times. */
	for (c = icalcomponent_isa(cal) == ICAL_VEVENT_COMPONENT ? cal
								 : icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	     c && seen < CALENDAR_COMPONENTS_MAX;
	     c = c == cal ? NULL : icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT), seen++) {
		struct icaltimetype from = icaltime_from_timet_with_zone((time_t)(day_start - 86400), 0,
									  icaltimezone_get_utc_timezone());
		struct icaltimetype to = icaltime_from_timet_with_zone((time_t)(day_start + 2 * 86400), 0,
									icaltimezone_get_utc_timezone());
		struct icaltimetype dtstart = icalcomponent_get_dtstart(c);

		if (icaltime_is_null_time(dtstart))
			continue;
		d.summary = icalcomponent_get_summary(c);
		d.all_day = icaltime_is_date(dtstart);
		if (d.all_day) {
			/* A date is a day wherever one is: compare it with the local date. */
			GDateTime *local = g_date_time_new_from_unix_utc(day_start + offset);

			if (!icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY)) {
				if (dtstart.year == g_date_time_get_year(local) && dtstart.month == g_date_time_get_month(local) &&
				    dtstart.day == g_date_time_get_day_of_month(local)) {
					struct entry e = { day_start, 1, g_strdup(d.summary && d.summary[0] ? d.summary : "(no title)") };

					g_array_append_val(d.entries, e);
				}
				g_date_time_unref(local);
				continue;
			}
			g_date_time_unref(local);
			/* A recurring all-day event: its occurrences are midnights UTC of their dates. */
			d.day_start = day_start + offset;
			d.day_end = d.day_start + 86400;
			icalcomponent_foreach_recurrence(c, from, to, occurrence, &d);
			d.day_start = day_start;
			d.day_end = day_start + 86400;
			continue;
		}
		icalcomponent_foreach_recurrence(c, from, to, occurrence, &d);
	}
	icalcomponent_free(cal);
	g_array_sort(d.entries, entry_order);
	if (d.entries->len == 0)
		g_string_append(html, "<p>Nothing in the calendar today.</p>\n");
	else
		g_string_append(html, "<h2>Today</h2>\n<ul>\n");
	for (i = 0; i < d.entries->len; i++) {
		struct entry *e = &g_array_index(d.entries, struct entry, i);

		if (i < BUILTIN_EVENTS_MAX) {
			if (e->all_day) {
				g_string_append(html, "<li><b>All day</b> ");
			} else {
				int64_t local = e->start + offset;

				g_string_append_printf(html, "<li><b>%02d:%02d</b> ", (int)((local % 86400 + 86400) % 86400 / 3600),
						       (int)((local % 3600 + 3600) % 3600 / 60));
			}
			html_escape_append(html, e->summary, -1);
			g_string_append(html, "</li>\n");
		}
		g_free(e->summary);
	}
	if (d.entries->len)
		g_string_append(html, "</ul>\n");
	g_array_free(d.entries, TRUE);
	return 0;
}

char *builtin_good_morning_html(int64_t day_start, int offset, const char *name, const char *ics, size_t len,
				struct sirius_error *err)
{
	GString *html = g_string_new(NULL);
	GDateTime *local = g_date_time_new_from_unix_utc(day_start + offset);
	char *date = local ? g_date_time_format(local, "%A %-d %B %Y") : g_strdup("");

	g_string_append(html, "<h1>Good morning");
	if (name && name[0]) {
		g_string_append(html, ", ");
		html_escape_append(html, name, -1);
	}
	g_string_append(html, "</h1>\n<p>");
	html_escape_append(html, date, -1);
	g_string_append(html, "</p>\n");
	g_free(date);
	if (local)
		g_date_time_unref(local);
	if (ics && add_calendar(html, day_start, offset, ics, len, err) < 0) {
		g_string_free(html, TRUE);
		return NULL;
	}
	return g_string_free(html, FALSE);
}

/* The text of the first child element of node named name (any namespace), or NULL (xmlFree). */
static xmlChar *child_text(xmlNode *node, const char *name)
{
	xmlNode *c;

	for (c = node->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
			return xmlNodeGetContent(c);
	return NULL;
}

/* The first child element of node named name, or NULL. */
static xmlNode *child(xmlNode *node, const char *name)
{
	xmlNode *c;

	for (c = node ? node->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
			return c;
	return NULL;
}

/* Plain text of an HTML fragment (an item's description), cut to BUILTIN_SUMMARY_MAX characters (g_free). */
static char *plain_text(const char *fragment)
{
	htmlDocPtr doc;
	xmlChar *content = NULL;
	GString *out = g_string_new(NULL);
	const char *p;
	int space = 0;
	glong chars;

	if (!fragment || !fragment[0])
		return g_string_free(out, FALSE);
	doc = htmlReadMemory(fragment, (int)strlen(fragment), NULL, "UTF-8",
			     HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	if (doc && xmlDocGetRootElement(doc))
		content = xmlNodeGetContent(xmlDocGetRootElement(doc));
	for (p = content ? (const char *)content : ""; *p; p++) {
		if (g_ascii_isspace(*p)) {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = 0;
		g_string_append_c(out, *p);
	}
	xmlFree(content);
	if (doc)
		xmlFreeDoc(doc);
	if (!g_utf8_validate(out->str, -1, NULL)) {
		g_string_free(out, TRUE);
		return g_strdup("");
	}
	chars = g_utf8_strlen(out->str, -1);
	if (chars > BUILTIN_SUMMARY_MAX) {
		g_string_truncate(out, (gsize)(g_utf8_offset_to_pointer(out->str, BUILTIN_SUMMARY_MAX) - out->str));
		g_string_append(out, "\u2026");
	}
	return g_string_free(out, FALSE);
}

/* A feed date: RFC 822 (RSS) or RFC 3339 (Atom); 0 when unreadable. */
static int64_t feed_date(const xmlChar *text)
{
	GDateTime *dt;
	time_t t;
	int64_t v;

	if (!text || !text[0])
		return 0;
	dt = g_date_time_new_from_iso8601((const char *)text, NULL);
	if (dt) {
		v = g_date_time_to_unix(dt);
		g_date_time_unref(dt);
		return v;
	}
	t = curl_getdate((const char *)text, NULL);
	return t > 0 ? (int64_t)t : 0;
}

/* One feed item. */
struct item {
	int64_t date;   /* 0 unknown */
	char *title;    /* g_malloc'd */
	char *summary;  /* g_malloc'd plain text */
};

/* Newest first; undated last, in document order. */
static gint item_order(gconstpointer a, gconstpointer b)
{
	const struct item *x = a, *y = b;

	return x->date > y->date ? -1 : x->date < y->date;
}

int builtin_feed_html(const char *xml, size_t len, int max_items, int64_t since, char **html, int64_t *newest,
		      struct sirius_error *err)
{
	xmlDocPtr doc;
	xmlNode *root, *container, *n;
	GArray *items;
	GString *out;
	xmlChar *feed_title = NULL;
	int atom, shown = 0;
	guint i;

	*html = NULL;
	*newest = since;
	if (len > BUILTIN_FEED_MAX || len > INT32_MAX)
		return error_set(err, "the feed is larger than %d bytes", BUILTIN_FEED_MAX);
	/* No network, no entities substituted, no DTD loaded: the document is someone else's. */
	doc = xmlReadMemory(xml, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root || (strcmp((const char *)root->name, "rss") != 0 && strcmp((const char *)root->name, "feed") != 0 &&
		      strcmp((const char *)root->name, "RDF") != 0)) {
		if (doc)
			xmlFreeDoc(doc);
		return error_set(err, "the document is neither an RSS nor an Atom feed");
	}
	atom = !strcmp((const char *)root->name, "feed");
	container = atom ? root : child(root, "channel");
	if (!container)
		container = root;
	feed_title = child_text(container, "title");
	items = g_array_new(FALSE, FALSE, sizeof(struct item));
	/* RSS 1.0 (RDF) keeps its items beside the channel. */
	for (n = (strcmp((const char *)root->name, "RDF") == 0 ? root : container)->children; n; n = n->next) {
		struct item it;
		xmlChar *title, *summary, *date;

		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, atom ? "entry" : "item") != 0)
			continue;
		if (items->len >= 1000)
			break;
		title = child_text(n, "title");
		summary = atom ? child_text(n, "summary") : child_text(n, "description");
		if (atom && !summary)
			summary = child_text(n, "content");
		date = atom ? child_text(n, "updated") : child_text(n, "pubDate");
		if (!date)
			date = atom ? child_text(n, "published") : child_text(n, "date");
		it.date = feed_date(date);
		it.title = plain_text(title ? (const char *)title : "");
		it.summary = plain_text(summary ? (const char *)summary : "");
		xmlFree(title);
		xmlFree(summary);
		xmlFree(date);
		g_array_append_val(items, it);
	}
	g_array_sort(items, item_order);
	out = g_string_new("<h1>");
	{
		char *t = plain_text(feed_title ? (const char *)feed_title : "");

		html_escape_append(out, t[0] ? t : "News", -1);
		g_free(t);
	}
	g_string_append(out, "</h1>\n");
	for (i = 0; i < items->len; i++) {
		struct item *it = &g_array_index(items, struct item, i);

		if (shown < max_items && (since == 0 || it->date > since)) {
			g_string_append(out, "<h2>");
			html_escape_append(out, it->title[0] ? it->title : "(untitled)", -1);
			g_string_append(out, "</h2>\n");
			if (it->summary[0]) {
				g_string_append(out, "<p>");
				html_escape_append(out, it->summary, -1);
				g_string_append(out, "</p>\n");
			}
			if (it->date > *newest)
				*newest = it->date;
			shown++;
		}
		g_free(it->title);
		g_free(it->summary);
	}
	g_array_free(items, TRUE);
	xmlFree(feed_title);
	xmlFreeDoc(doc);
	if (shown == 0) {
		g_string_free(out, TRUE);
		return 0;
	}
	*html = g_string_free(out, FALSE);
	return 1;
}
