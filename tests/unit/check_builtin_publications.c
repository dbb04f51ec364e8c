/* check_builtin_publications.c: the good-morning edition over an iCalendar file and the feed edition over RSS and Atom. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "builtin_publications.h"
#include "test_util.h"

/* 2024-05-01T00:00:00Z, a Wednesday. */
#define MAY_DAY 1714521600

START_TEST(test_parse_local_time)
{
	int64_t day;
	int offset;

	ck_assert_int_eq(builtin_parse_local_time("2024-05-01T08:00:00+01:00", &day, &offset), 0);
	ck_assert_int_eq(offset, 3600);
	ck_assert_int_eq(day, MAY_DAY - 3600);
	ck_assert_int_eq(builtin_parse_local_time("2024-05-01T08:00:00", &day, &offset), 0);
	ck_assert_int_eq(offset, 0);
	ck_assert_int_eq(day, MAY_DAY);
	ck_assert_int_eq(builtin_parse_local_time("2024-05-01T08:00:00.0-05:30", &day, &offset), 0);
	ck_assert_int_eq(offset, -(5 * 3600 + 1800));
	ck_assert_int_eq(builtin_parse_local_time("2024-05-01T08:00:00Z", &day, &offset), 0);
	ck_assert_int_eq(builtin_parse_local_time("yesterday", &day, &offset), -1);
	ck_assert_int_eq(builtin_parse_local_time("2024-05-01T08:00:00+01:00junk", &day, &offset), -1);
	ck_assert_int_eq(builtin_parse_local_time(NULL, &day, &offset), -1);
}
END_TEST

START_TEST(test_good_morning_calendar)
{
	size_t len;
	uint8_t *ics = vector_read("publications/calendar.ics", &len);
	struct sirius_error err;
	char *html;

	/* In London (BST, +01:00): 09:00Z is 10:00, the stand-up 09:30. */
	html = builtin_good_morning_html(MAY_DAY - 3600, 3600, "Ada <3", (const char *)ics, len, &err);
	ck_assert_ptr_nonnull(html);
	ck_assert_ptr_nonnull(strstr(html, "Good morning, Ada &lt;3"));
	ck_assert_ptr_nonnull(strstr(html, "Wednesday 1 May 2024"));
	ck_assert_ptr_nonnull(strstr(html, "<b>All day</b> May Day"));
	ck_assert_ptr_nonnull(strstr(html, "<b>09:30</b> Stand-up &lt;weekly&gt;"));
	ck_assert_ptr_nonnull(strstr(html, "<b>10:00</b> Dentist"));
	ck_assert_ptr_null(strstr(html, "Lunch tomorrow"));
	/* All-day entries first, then by time. */
	ck_assert(strstr(html, "May Day") < strstr(html, "Stand-up"));
	ck_assert(strstr(html, "Stand-up") < strstr(html, "Dentist"));
	g_free(html);
	/* The next day has only the lunch. */
	html = builtin_good_morning_html(MAY_DAY + 86400, 0, NULL, (const char *)ics, len, &err);
	ck_assert_ptr_nonnull(strstr(html, "<b>12:00</b> Lunch tomorrow"));
	ck_assert_ptr_null(strstr(html, "Dentist"));
	ck_assert_ptr_nonnull(strstr(html, "<h1>Good morning</h1>"));
	g_free(html);
	/* No calendar: the greeting alone; a calendar that is not one: an error. */
	html = builtin_good_morning_html(MAY_DAY, 0, "", NULL, 0, &err);
	ck_assert_ptr_null(strstr(html, "Today"));
	g_free(html);
	ck_assert_ptr_null(builtin_good_morning_html(MAY_DAY, 0, "", "<html>", 6, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "iCalendar"));
	free(ics);
}
END_TEST

START_TEST(test_feed_atom)
{
	size_t len;
	uint8_t *xml = vector_read("publications/feed.atom", &len);
	struct sirius_error err;
	int64_t newest;
	char *html;

	ck_assert_int_eq(builtin_feed_html((const char *)xml, len, 2, 0, &html, &newest, &err), 1);
	ck_assert_ptr_nonnull(strstr(html, "<h1>Atom Test News</h1>"));
	ck_assert_ptr_nonnull(strstr(html, "<h2>Newest entry &amp; more</h2>"));
	ck_assert_ptr_nonnull(strstr(html, "<p>With markup inside.</p>"));
	ck_assert_ptr_nonnull(strstr(html, "<h2>Middle entry</h2>"));
	ck_assert_ptr_null(strstr(html, "Older entry"));
	ck_assert(strstr(html, "Newest") < strstr(html, "Middle"));
	ck_assert_int_eq(newest, MAY_DAY + 9 * 3600);
	g_free(html);
	/* Since the middle one: only the newest. */
	ck_assert_int_eq(builtin_feed_html((const char *)xml, len, 5, MAY_DAY - 86400 + 8 * 3600, &html, &newest, &err),
			 1);
	ck_assert_ptr_null(strstr(html, "Middle entry"));
	ck_assert_ptr_nonnull(strstr(html, "Newest entry"));
	g_free(html);
	/* Since the newest: nothing. */
	ck_assert_int_eq(builtin_feed_html((const char *)xml, len, 5, MAY_DAY + 9 * 3600, &html, &newest, &err), 0);
	ck_assert_ptr_null(html);
	free(xml);
}
END_TEST

START_TEST(test_feed_rss_and_garbage)
{
	size_t len;
	uint8_t *xml = vector_read("publications/feed.rss", &len);
	struct sirius_error err;
	int64_t newest;
	char *html;

	ck_assert_int_eq(builtin_feed_html((const char *)xml, len, 5, 0, &html, &newest, &err), 1);
	ck_assert_ptr_nonnull(strstr(html, "<h1>RSS Test News</h1>"));
	ck_assert_ptr_nonnull(strstr(html, "<h2>Rain later</h2>\n<p>Bring an umbrella.</p>"));
	ck_assert_ptr_nonnull(strstr(html, "<h2>Yesterday"));
	ck_assert_int_eq(newest, MAY_DAY + 7 * 3600);
	g_free(html);
	ck_assert_int_eq(builtin_feed_html("<html><body>no</body></html>", 28, 5, 0, &html, &newest, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "neither"));
	ck_assert_int_eq(builtin_feed_html("not xml at all", 14, 5, 0, &html, &newest, &err), -1);
	/* Entities of a document's own DTD are not expanded into its text. */
	{
		static const char bomb[] = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\">"
					   "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
					   "<rss><channel><title>&c;</title><item><title>x</title></item></channel></rss>";

		int rc = builtin_feed_html(bomb, sizeof(bomb) - 1, 5, 0, &html, &newest, &err);

		/* Refused, or read without the expansion. */
		ck_assert_msg(rc == -1 || (rc == 1 && strlen(html) < 400), "the title's entities were expanded");
		g_free(html);
	}
	free(xml);
}
END_TEST

static Suite *builtin_suite(void)
{
	Suite *s = suite_create("builtin_publications");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_local_time);
	tcase_add_test(tc, test_good_morning_calendar);
	tcase_add_test(tc, test_feed_atom);
	tcase_add_test(tc, test_feed_rss_and_garbage);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(builtin_suite());
}
