/* check_html_escape.c: unit tests of the one HTML escaper. */
#include <string.h>

#include "html_escape.h"
#include "test_util.h"

START_TEST(test_escapes_the_five)
{
	char *out = html_escape_dup("<a href=\"x\" title='y'>&amp;</a>");

	ck_assert_str_eq(out, "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
	g_free(out);
}
END_TEST

START_TEST(test_leaves_the_rest)
{
	char *out = html_escape_dup("plain text, UTF-8 \xc3\xa9\xe2\x82\xac and `backticks` = ok");

	ck_assert_str_eq(out, "plain text, UTF-8 \xc3\xa9\xe2\x82\xac and `backticks` = ok");
	g_free(out);
	out = html_escape_dup(NULL);
	ck_assert_str_eq(out, "");
	g_free(out);
	out = html_escape_dup("");
	ck_assert_str_eq(out, "");
	g_free(out);
}
END_TEST

START_TEST(test_append_with_length)
{
	GString *s = g_string_new("x");

	html_escape_append(s, "<>&ignored", 3);
	ck_assert_str_eq(s->str, "x&lt;&gt;&amp;");
	html_escape_append(s, "\"'", -1);
	ck_assert_str_eq(s->str, "x&lt;&gt;&amp;&quot;&#39;");
	g_string_free(s, TRUE);
}
END_TEST

START_TEST(test_every_byte_is_safe_in_an_attribute)
{
	char in[256];
	char *out;
	int i;

	for (i = 1; i < 256; i++)
		in[i - 1] = (char)i;
	in[255] = '\0';
	out = html_escape_dup(in);
	ck_assert_ptr_null(strpbrk(out, "<>\"'"));
	for (char *amp = strchr(out, '&'); amp; amp = strchr(amp + 1, '&'))
		ck_assert(strncmp(amp, "&amp;", 5) == 0 || strncmp(amp, "&lt;", 4) == 0 ||
			  strncmp(amp, "&gt;", 4) == 0 || strncmp(amp, "&quot;", 6) == 0 ||
			  strncmp(amp, "&#39;", 5) == 0);
	g_free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("html_escape");
	TCase *tc = tcase_create("escape");

	tcase_add_test(tc, test_escapes_the_five);
	tcase_add_test(tc, test_leaves_the_rest);
	tcase_add_test(tc, test_append_with_length);
	tcase_add_test(tc, test_every_byte_is_safe_in_an_attribute);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
