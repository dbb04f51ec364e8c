/* check_cgi_inputs.c: unit tests of the input validators and of validating a route's declared inputs. */
#include <string.h>

#include "inputs.h"
#include "request.h"
#include "test_util.h"

/* Checks value against a spec of type (min, max); returns 1 when accepted, with the text in out (or NULL). */
static int check(enum input_type type, long long min, long long max, const char *value, char **out)
{
	struct input_spec spec = { "f", type, 0, min, max, "field" };
	struct input_value v;
	char why[REQUEST_WHY_MAX] = "";
	int ok = input_check(&spec, value, strlen(value), NULL, &v, why);

	if (out)
		*out = ok ? g_strdup(v.text) : NULL;
	if (ok)
		g_free(v.text);
	else
		ck_assert_msg(strstr(why, "field") || strstr(why, "code"), "unhelpful message: %s", why);
	return ok;
}

START_TEST(test_ids_and_ints)
{
	ck_assert(check(INPUT_ID, 0, 0, "1", NULL));
	ck_assert(check(INPUT_ID, 0, 0, "9007199254740992", NULL));
	ck_assert(!check(INPUT_ID, 0, 0, "9007199254740993", NULL));
	ck_assert(!check(INPUT_ID, 0, 0, "0", NULL));
	ck_assert(!check(INPUT_ID, 0, 0, "01", NULL));
	ck_assert(!check(INPUT_ID, 0, 0, "+1", NULL));
	ck_assert(!check(INPUT_ID, 0, 0, "1 ", NULL));
	ck_assert(!check(INPUT_ID, 0, 0, "99999999999999999999999", NULL));
	ck_assert(check(INPUT_INT, -5, 5, "-5", NULL));
	ck_assert(!check(INPUT_INT, -5, 5, "6", NULL));
	ck_assert(!check(INPUT_INT, -5, 5, "-", NULL));
	ck_assert(!check(INPUT_INT, -5, 5, "-0x1", NULL));
}
END_TEST

START_TEST(test_text)
{
	ck_assert(check(INPUT_TEXT, 0, 10, "two\nlines\t", NULL));
	ck_assert(!check(INPUT_LINE, 0, 10, "two\nlines", NULL));
	ck_assert(!check(INPUT_TEXT, 0, 5, "too long", NULL));
	ck_assert(!check(INPUT_TEXT, 3, 5, "ab", NULL));
	ck_assert(!check(INPUT_TEXT, 0, 10, "bell\a", NULL));
	ck_assert(!check(INPUT_LINE, 0, 10, "\xc2\x85", NULL)); /* NEL, a C1 control */
	ck_assert(!check(INPUT_TEXT, 0, 10, "\xff", NULL));
	ck_assert(check(INPUT_LINE, 0, 10, "caf\xc3\xa9", NULL));
}
END_TEST

START_TEST(test_accounts)
{
	ck_assert(check(INPUT_USERNAME, 0, 0, "a.b-c_d9", NULL));
	ck_assert(!check(INPUT_USERNAME, 0, 0, "has space", NULL));
	ck_assert(!check(INPUT_USERNAME, 0, 0, "<script>", NULL));
	ck_assert(!check(INPUT_USERNAME, 0, 0, "abcdefghijabcdefghijabcdefghijabc", NULL));
	ck_assert(check(INPUT_PASSWORD, 8, 0, "12345678", NULL));
	ck_assert(!check(INPUT_PASSWORD, 8, 0, "1234567", NULL));
	ck_assert(check(INPUT_PASSWORD, 1, 0, "\xc3\xa9", NULL));
	{
		char *big = g_strnfill(1025, 'p');

		ck_assert(!check(INPUT_PASSWORD, 1, 0, big, NULL));
		big[1024] = '\0';
		ck_assert(check(INPUT_PASSWORD, 1, 0, big, NULL));
		g_free(big);
	}
	ck_assert(check(INPUT_API_KEY, 0, 0, "abcdefghijklmnopqrstuvwxyz012345", NULL));
	/* keys imported from the original server mix cases */
	ck_assert(check(INPUT_API_KEY, 0, 0, "Zq7RtbW0aXk3LmNp9sDfGh2JkL5vBc8Y", NULL));
	ck_assert(!check(INPUT_API_KEY, 0, 0, "Zq7RtbW0aXk3LmNp9sDfGh2JkL5vBc8", NULL));
	ck_assert(!check(INPUT_API_KEY, 0, 0, "Zq7RtbW0aXk3LmNp9sDfGh2JkL5vBc8-", NULL));
	ck_assert(check(INPUT_PATH, 0, 0, "/printer/1?x=y", NULL));
	ck_assert(!check(INPUT_PATH, 0, 0, "//evil.example", NULL));
	ck_assert(!check(INPUT_PATH, 0, 0, "/\\evil.example", NULL));
	ck_assert(!check(INPUT_PATH, 0, 0, "https://evil.example/", NULL));
	ck_assert(!check(INPUT_PATH, 0, 0, "/a\nb", NULL));
}
END_TEST

START_TEST(test_devices)
{
	char *text;

	ck_assert(check(INPUT_ADDRESS, 0, 0, "000D6F0001B0C1D2", &text));
	ck_assert_str_eq(text, "000d6f0001b0c1d2");
	g_free(text);
	ck_assert(!check(INPUT_ADDRESS, 0, 0, "000d6f0001b0c1d", NULL));
	ck_assert(!check(INPUT_ADDRESS, 0, 0, "000d6f0001b0c1dg", NULL));
	ck_assert(check(INPUT_DEVICE_KEY, 0, 0, "abcdefghij0123456789", NULL));
	ck_assert(!check(INPUT_DEVICE_KEY, 0, 0, "abcdefghij012345678", NULL));
	ck_assert(!check(INPUT_DEVICE_KEY, 0, 0, "abcdefghij012345678-", NULL));
	ck_assert(!check(INPUT_CLAIM_CODE, 0, 0, "not a claim code", NULL));
	ck_assert(!check(INPUT_CLAIM_CODE, 0, 0, "", NULL));
	ck_assert(check(INPUT_CHECKBOX, 0, 0, "on", NULL));
	ck_assert(!check(INPUT_CHECKBOX, 0, 0, "maybe", NULL));
}
END_TEST

START_TEST(test_claim_code_vector)
{
	cJSON *codes = vector_json("seed/claim_codes.json");
	const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(codes, "claim_codes"), 0);
	const char *code = cJSON_GetStringValue(cJSON_GetObjectItem(first, "claim_code"));
	char *text, *upper;

	ck_assert_ptr_nonnull(code);
	upper = g_ascii_strup(code, -1);
	ck_assert(check(INPUT_CLAIM_CODE, 0, 0, upper, &text));
	ck_assert_uint_eq(strlen(text), 16);
	ck_assert_ptr_null(strchr(text, '-'));
	g_free(text);
	g_free(upper);
	cJSON_Delete(codes);
}
END_TEST

START_TEST(test_validate_a_request)
{
	static const struct input_spec specs[] = {
		{ "name", INPUT_USERNAME, INPUT_REQUIRED, 0, 0, "user name" },
		{ "note", INPUT_TEXT, 0, 0, 20, "note" },
		{ "agree", INPUT_CHECKBOX, 0, 0, 0, "agreement" },
		{ "page", INPUT_INT, INPUT_QUERY, 1, 9, "page" },
		{ NULL, 0, 0, 0, 0, NULL },
	};
	char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/x?page=3&name=fromquery", NULL };
	struct request req;
	char why[REQUEST_WHY_MAX];
	GHashTable *values = inputs_table_new();
	const struct input_value *v;
	static const char body[] = "name=zoe&note=";

	ck_assert_int_eq(request_init(&req, env, why), 0);
	ck_assert_int_eq(form_parse_urlencoded(body, strlen(body), req.form, why), 0);
	ck_assert_int_eq(inputs_validate(specs, &req, values, 0, why), 0);
	ck_assert_str_eq(((const struct input_value *)g_hash_table_lookup(values, "name"))->text, "zoe");
	ck_assert_str_eq(((const struct input_value *)g_hash_table_lookup(values, "note"))->text, "");
	v = g_hash_table_lookup(values, "agree");
	ck_assert_int_eq(v->number, 0);
	ck_assert_int_eq(((const struct input_value *)g_hash_table_lookup(values, "page"))->number, 3);
	g_hash_table_remove_all(values);
	g_ptr_array_set_size(req.form, 0);
	ck_assert_int_eq(form_parse_urlencoded("note=x&name=bad+name", 20, req.form, why), 0);
	ck_assert_int_eq(inputs_validate(specs, &req, values, 0, why), 400);
	ck_assert_ptr_nonnull(strstr(why, "user name must be"));
	ck_assert_ptr_null(g_hash_table_lookup(values, "name"));
	/* Keep going: later inputs are still validated, the first message kept. */
	g_hash_table_remove_all(values);
	ck_assert_int_eq(inputs_validate(specs, &req, values, 1, why), 400);
	ck_assert_ptr_nonnull(strstr(why, "user name"));
	ck_assert_str_eq(((const struct input_value *)g_hash_table_lookup(values, "note"))->text, "x");
	g_hash_table_remove_all(values);
	g_ptr_array_set_size(req.form, 0);
	ck_assert_int_eq(inputs_validate(specs, &req, values, 0, why), 400);
	ck_assert_str_eq(why, "The user name is missing.");
	request_free(&req);
	g_hash_table_destroy(values);
}
END_TEST

/* Regression (json double cast): a JSON number far outside long long, such as 1e300, was cast to it unchecked. */
START_TEST(test_json_huge_number_is_not_cast)
{
	static const struct input_spec specs[] = {
		{ "count", INPUT_INT, INPUT_REQUIRED, 1, 9, "count" },
		{ NULL, 0, 0, 0, 0, NULL },
	};
	static const char *const bodies[] = {
		"{\"count\": 1e300}", "{\"count\": -1e300}", "{\"count\": 9.3e18}", "{\"count\": 1e19}",
	};
	char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/x", NULL };
	GHashTable *values = inputs_table_new();
	char why[REQUEST_WHY_MAX];
	struct request req;
	size_t i;

	ck_assert_int_eq(request_init(&req, env, why), 0);
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		req.json = cJSON_Parse(bodies[i]);
		ck_assert_ptr_nonnull(req.json);
		ck_assert_int_eq(inputs_validate(specs, &req, values, 0, why), 400);
		ck_assert_ptr_null(g_hash_table_lookup(values, "count"));
		cJSON_Delete(req.json);
		req.json = NULL;
		g_hash_table_remove_all(values);
	}
	/* A whole number in range still counts. */
	req.json = cJSON_Parse("{\"count\": 7}");
	ck_assert_int_eq(inputs_validate(specs, &req, values, 0, why), 0);
	ck_assert_int_eq(((const struct input_value *)g_hash_table_lookup(values, "count"))->number, 7);
	cJSON_Delete(req.json);
	req.json = NULL;
	request_free(&req);
	g_hash_table_destroy(values);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cgi_inputs");
	TCase *tc = tcase_create("inputs");

	tcase_add_test(tc, test_ids_and_ints);
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_accounts);
	tcase_add_test(tc, test_devices);
	tcase_add_test(tc, test_claim_code_vector);
	tcase_add_test(tc, test_validate_a_request);
	tcase_add_test(tc, test_json_huge_number_is_not_cast);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
