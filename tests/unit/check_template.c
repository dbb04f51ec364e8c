/* check_template.c: unit tests of the mustache-like template engine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "template.h"
#include "test_util.h"

/* Renders text (as template "t") over the JSON data; returns the output to g_free, or NULL on an error (put in err). */
static char *render(const char *text, const char *json, struct sirius_error *err)
{
	struct template_set *set = template_set_new("/nonexistent");
	cJSON *data = json ? cJSON_Parse(json) : NULL;
	GString *out = g_string_new(NULL);
	char *result = NULL;

	if (template_set_add(set, "t", text, err) == 0 && template_render(set, "t", data, out, err) == 0)
		result = g_string_free(out, FALSE);
	else
		g_string_free(out, TRUE);
	cJSON_Delete(data);
	template_set_free(set);
	return result;
}

/* Asserts that text over json renders to want. */
static void expect(const char *text, const char *json, const char *want)
{
	struct sirius_error err = { "" };
	char *got = render(text, json, &err);

	ck_assert_msg(got != NULL, "\"%s\" failed: %s", text, err.message);
	ck_assert_str_eq(got, want);
	g_free(got);
}

/* Asserts that text fails to parse or render, with needle in the reason. */
static void expect_error(const char *text, const char *json, const char *needle)
{
	struct sirius_error err = { "" };
	char *got = render(text, json, &err);

	ck_assert_msg(got == NULL, "\"%s\" rendered \"%s\"", text, got ? got : "");
	ck_assert_msg(strstr(err.message, needle) != NULL, "\"%s\": \"%s\" lacks \"%s\"", text, err.message, needle);
}

START_TEST(test_variables_are_escaped)
{
	expect("Hi {{name}}!", "{\"name\": \"<b>&'\\\"\"}", "Hi &lt;b&gt;&amp;&#39;&quot;!");
	expect("<a title=\"{{name}}\">", "{\"name\": \"\\\" onclick='x'\"}",
	       "<a title=\"&quot; onclick=&#39;x&#39;\">");
	expect("{{{name}}}|{{&name}}", "{\"name\": \"<b>\"}", "<b>|<b>");
	expect("[{{missing}}]", "{}", "[]");
	expect("{{ spaced }}", "{\"spaced\": \"ok\"}", "ok");
}
END_TEST

START_TEST(test_values)
{
	expect("{{n}} {{f}} {{big}} {{t}} {{no}} {{nil}} {{obj}} {{arr}}",
	       "{\"n\": 42, \"f\": 1.5, \"big\": 9007199254740991, \"t\": true, \"no\": false, \"nil\": null,"
	       " \"obj\": {\"a\": 1}, \"arr\": [1]}",
	       "42 1.5 9007199254740991 true    ");
	expect("{{a.b.c}}", "{\"a\": {\"b\": {\"c\": \"deep\"}}}", "deep");
	expect("{{a.x}}", "{\"a\": {\"b\": 1}, \"x\": \"outer\"}", "");
}
END_TEST

START_TEST(test_sections)
{
	expect("{{#list}}<{{name}}>{{/list}}", "{\"list\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}", "<a><b>");
	expect("{{#list}}{{.}},{{/list}}", "{\"list\": [1, \"two\", 3]}", "1,two,3,");
	expect("{{#yes}}shown{{/yes}}{{#no}}hidden{{/no}}", "{\"yes\": true, \"no\": false}", "shown");
	expect("{{#empty}}x{{/empty}}{{^empty}}none{{/empty}}", "{\"empty\": []}", "none");
	expect("{{#s}}x{{/s}}{{^s}}blank{{/s}}", "{\"s\": \"\"}", "blank");
	expect("{{#user}}{{name}} in {{site}}{{/user}}", "{\"user\": {\"name\": \"u\"}, \"site\": \"s\"}", "u in s");
	expect("{{#a}}{{#b}}{{c}}{{/b}}{{/a}}", "{\"a\": {\"b\": [{\"c\": 1}, {\"c\": 2}]}}", "12");
	expect("{{! a comment }}x", NULL, "x");
	expect("{{#n}}[{{.}}]{{/n}}", "{\"n\": 0}", "[0]");
}
END_TEST

START_TEST(test_partials_and_files)
{
	char *dir = g_dir_make_tmp(NULL, NULL);
	char path[512];
	struct template_set *set;
	struct sirius_error err;
	cJSON *data = cJSON_Parse("{\"who\": \"<you>\"}");
	GString *out = g_string_new(NULL);
	FILE *f;

	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/page.html", dir);
	f = fopen(path, "w");
	fputs("A{{> part}}C", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/part.html", dir);
	f = fopen(path, "w");
	fputs("[{{who}}]", f);
	fclose(f);
	set = template_set_new(dir);
	ck_assert_int_eq(template_render(set, "page", data, out, &err), 0);
	ck_assert_str_eq(out->str, "A[&lt;you&gt;]C");
	/* Parsed once: the files may go and the cached templates still render. */
	unlink(path);
	snprintf(path, sizeof(path), "%s/page.html", dir);
	unlink(path);
	rmdir(dir);
	g_free(dir);
	g_string_truncate(out, 0);
	ck_assert_int_eq(template_render(set, "page", data, out, &err), 0);
	ck_assert_str_eq(out->str, "A[&lt;you&gt;]C");
	/* A missing template is an error that names it. */
	ck_assert_int_eq(template_render(set, "gone", data, out, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "gone"));
	/* Names cannot reach outside the directory. */
	ck_assert_int_eq(template_render(set, "../etc/passwd", data, out, &err), -1);
	ck_assert_int_eq(template_name_valid("a/b"), 0);
	ck_assert_int_eq(template_name_valid(""), 0);
	ck_assert_int_eq(template_name_valid("home-page_2"), 1);
	template_set_free(set);
	cJSON_Delete(data);
	g_string_free(out, TRUE);
}
END_TEST

START_TEST(test_parse_errors)
{
	expect_error("{{name", NULL, "never closed");
	expect_error("{{{name}}", NULL, "never closed");
	expect_error("{{#a}}x", NULL, "never closed");
	expect_error("{{#a}}x{{/b}}", NULL, "closes no open section");
	expect_error("x{{/a}}", NULL, "closes no open section");
	expect_error("{{bad name}}", NULL, "bad name");
	expect_error("{{}}", NULL, "bad name");
	expect_error("{{a..b}}", NULL, "bad name");
	expect_error("line 1\nline 2 {{<x>}}", NULL, "line 2");
	expect_error("{{> ../x}}", NULL, "bad name");
}
END_TEST

START_TEST(test_bounded_recursion)
{
	struct template_set *set = template_set_new("/nonexistent");
	struct sirius_error err;
	GString *out = g_string_new(NULL);
	GString *deep = g_string_new(NULL);
	cJSON *data = cJSON_Parse("{\"a\": true}");
	int i;

	ck_assert_int_eq(template_set_add(set, "loop", "x{{> loop}}", &err), 0);
	ck_assert_int_eq(template_render(set, "loop", NULL, out, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "deeper"));
	/* Sections nested beyond the limit are refused when parsed. */
	for (i = 0; i < TEMPLATE_DEPTH_MAX + 2; i++)
		g_string_append(deep, "{{#a}}");
	for (i = 0; i < TEMPLATE_DEPTH_MAX + 2; i++)
		g_string_append(deep, "{{/a}}");
	ck_assert_int_eq(template_set_add(set, "deep", deep->str, &err), -1);
	/* Within the limit they render. */
	ck_assert_int_eq(template_set_add(set, "ok", "{{#a}}{{#a}}{{#a}}y{{/a}}{{/a}}{{/a}}", &err), 0);
	g_string_truncate(out, 0);
	ck_assert_int_eq(template_render(set, "ok", data, out, &err), 0);
	ck_assert_str_eq(out->str, "y");
	cJSON_Delete(data);
	g_string_free(deep, TRUE);
	g_string_free(out, TRUE);
	template_set_free(set);
}
END_TEST

START_TEST(test_real_templates_parse)
{
	struct template_set *set = template_set_new(SIRIUS_SOURCE_DIR "/www/templates");
	cJSON *data = cJSON_Parse("{\"title\": \"T\", \"csrf_token\": \"abc\", \"content\": \"<p>c</p>\","
				  " \"user\": {\"name\": \"u\"}}");
	GDir *dir = g_dir_open(SIRIUS_SOURCE_DIR "/www/templates", 0, NULL);
	struct sirius_error err;
	const char *file;
	int seen = 0;

	ck_assert_ptr_nonnull(dir);
	/* Every template of www/templates parses, and every partial it includes exists. */
	while ((file = g_dir_read_name(dir)) != NULL) {
		GString *out;
		char *name;

		if (!g_str_has_suffix(file, ".html"))
			continue;
		name = g_strndup(file, strlen(file) - 5);
		out = g_string_new(NULL);
		ck_assert_msg(template_render(set, name, data, out, &err) == 0, "%s: %s", name, err.message);
		g_string_free(out, TRUE);
		g_free(name);
		seen++;
	}
	ck_assert_int_ge(seen, 9);
	g_dir_close(dir);
	cJSON_Delete(data);
	template_set_free(set);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("template");

	tcase_add_test(tc, test_variables_are_escaped);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_sections);
	tcase_add_test(tc, test_partials_and_files);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_bounded_recursion);
	tcase_add_test(tc, test_real_templates_parse);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
