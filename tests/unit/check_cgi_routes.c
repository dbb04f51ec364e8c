/* check_cgi_routes.c: unit tests of the route table: matching, typed parameters, 404/405, and the table's own check. */
#include <string.h>

#include "inputs.h"
#include "request.h"
#include "routes.h"
#include "test_util.h"

static int handler_a(struct ctx *ctx) { (void)ctx; return 0; }
static int handler_b(struct ctx *ctx) { (void)ctx; return 0; }

static const struct route table[] = {
	{ METHOD_GET, "/", handler_a, 0, PROGRAM_WEB, NULL, 0 },
	{ METHOD_GET, "/printer/{id}", handler_a, 0, PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/printer/{id}/message/{mid}/reprint", handler_b, ROUTE_NEEDS_CSRF, PROGRAM_WEB, NULL, 0 },
	{ METHOD_GET, "/device/{addr:address}", handler_a, 0, PROGRAM_WEB, NULL, 0 },
	{ METHOD_POST, "/printkey/{key:device_key}", handler_b, ROUTE_JSON, PROGRAM_API, NULL, 0 },
	{ METHOD_GET, "/printkey/{key:device_key}", handler_a, ROUTE_JSON, PROGRAM_API, NULL, 0 },
};

/* Splits a path into segments as request_init would. */
static GPtrArray *segments_of(const char *path)
{
	GPtrArray *segments = g_ptr_array_new_with_free_func(g_free);
	char **parts = g_strsplit(path + 1, "/", -1);
	int i;

	for (i = 0; parts[i]; i++)
		if (parts[i][0] || parts[i + 1])
			g_ptr_array_add(segments, g_strdup(parts[i]));
	g_strfreev(parts);
	return segments;
}

/* Looks path up for method in program; returns the outcome and fills the others. */
static enum route_match find(enum program program, unsigned method, const char *path, const struct route **route,
			     GHashTable *params, unsigned *allowed, int *json)
{
	GPtrArray *segments = segments_of(path);
	enum route_match m = route_find(table, G_N_ELEMENTS(table), program, method, segments, route, params,
					allowed, json);

	g_ptr_array_free(segments, TRUE);
	return m;
}

START_TEST(test_matching)
{
	GHashTable *params = inputs_table_new();
	const struct route *route;
	const struct input_value *v;
	unsigned allowed;
	int json;

	ck_assert_int_eq(find(PROGRAM_WEB, METHOD_GET, "/", &route, params, &allowed, &json), ROUTE_FOUND);
	ck_assert_ptr_eq(route, &table[0]);
	ck_assert_int_eq(find(PROGRAM_WEB, METHOD_HEAD, "/printer/42", &route, params, &allowed, &json), ROUTE_FOUND);
	v = g_hash_table_lookup(params, "id");
	ck_assert_int_eq(v->number, 42);
	g_hash_table_remove_all(params);
	ck_assert_int_eq(find(PROGRAM_WEB, METHOD_POST, "/printer/7/message/99/reprint", &route, params, &allowed,
			      &json), ROUTE_FOUND);
	ck_assert_ptr_eq(route, &table[2]);
	ck_assert_int_eq(((const struct input_value *)g_hash_table_lookup(params, "id"))->number, 7);
	ck_assert_int_eq(((const struct input_value *)g_hash_table_lookup(params, "mid"))->number, 99);
	ck_assert_int_eq(json, 0);
	g_hash_table_remove_all(params);
	ck_assert_int_eq(find(PROGRAM_WEB, METHOD_GET, "/device/00AABBCCDDEEFF11", &route, params, &allowed, &json),
			 ROUTE_FOUND);
	ck_assert_str_eq(((const struct input_value *)g_hash_table_lookup(params, "addr"))->text, "00aabbccddeeff11");
	g_hash_table_destroy(params);
}
END_TEST

START_TEST(test_not_found_and_wrong_method)
{
	GHashTable *params = inputs_table_new();
	const struct route *route;
	unsigned allowed;
	int json;

	ck_assert_int_eq(find(PROGRAM_WEB, METHOD_GET, "/printer/abc", &route, params, &allowed, &json), ROUTE_NOT_FOUND);
	ck_assert_int_eq(find(PROGRAM_WEB, METHOD_GET, "/printer/0", &route, params, &allowed, &json), ROUTE_NOT_FOUND);
	ck_assert_int_eq(find(PROGRAM_WEB, METHOD_GET, "/printer/007", &route, params, &allowed, &json), ROUTE_NOT_FOUND);
	ck_assert_int_eq(find(PROGRAM_WEB, METHOD_GET, "/printer/-1", &route, params, &allowed, &json), ROUTE_NOT_FOUND);
	ck_assert_int_eq(find(PROGRAM_WEB, METHOD_GET, "/printer/1/extra", &route, params, &allowed, &json),
			 ROUTE_NOT_FOUND);
	ck_assert_int_eq(find(PROGRAM_WEB, METHOD_GET, "/device/xyz", &route, params, &allowed, &json), ROUTE_NOT_FOUND);
	ck_assert_int_eq(json, 0);
	/* Another program's routes are not there. */
	ck_assert_int_eq(find(PROGRAM_WEB, METHOD_GET, "/printkey/abcdefghij0123456789", &route, params, &allowed,
			      &json), ROUTE_NOT_FOUND);
	ck_assert_int_eq(find(PROGRAM_API, METHOD_GET, "/", &route, params, &allowed, &json), ROUTE_NOT_FOUND);
	ck_assert_int_eq(json, 1);
	ck_assert_int_eq(find(PROGRAM_WEB, METHOD_POST, "/printer/3", &route, params, &allowed, &json),
			 ROUTE_WRONG_METHOD);
	ck_assert_uint_eq(allowed, METHOD_GET | METHOD_HEAD);
	ck_assert_int_eq(find(PROGRAM_API, METHOD_DELETE, "/printkey/abcdefghij0123456789", &route, params, &allowed,
			      &json), ROUTE_WRONG_METHOD);
	ck_assert_uint_eq(allowed, METHOD_GET | METHOD_HEAD | METHOD_POST);
	ck_assert_int_eq(json, 1);
	ck_assert_int_eq(find(PROGRAM_API, METHOD_POST, "/printkey/ABCDEFGHIJ0123456789", &route, params, &allowed,
			      &json), ROUTE_NOT_FOUND);
	g_hash_table_destroy(params);
}
END_TEST

START_TEST(test_the_real_table_is_sound)
{
	struct sirius_error err = { "" };

	ck_assert_msg(routes_check(route_table, route_count, &err) == 0, "%s", err.message);
	ck_assert_msg(routes_check(table, G_N_ELEMENTS(table), &err) == 0, "%s", err.message);
}
END_TEST

START_TEST(test_check_finds_mistakes)
{
	static const struct input_spec twice[] = { { "a", INPUT_ID, 0, 0, 0, NULL }, { "a", INPUT_ID, 0, 0, 0, NULL },
						   { NULL, 0, 0, 0, 0, NULL } };
	static const struct input_spec clash[] = { { "id", INPUT_ID, 0, 0, 0, NULL }, { NULL, 0, 0, 0, 0, NULL } };
	static const struct input_spec file[] = { { "f", INPUT_FILE, 0, 0, 0, NULL }, { NULL, 0, 0, 0, 0, NULL } };
	const struct route bad[][1] = {
		{ { METHOD_POST, "/form", handler_a, 0, PROGRAM_WEB, NULL, 0 } },
		{ { METHOD_GET, "no-slash", handler_a, 0, PROGRAM_WEB, NULL, 0 } },
		{ { METHOD_GET, "/x/{id:colour}", handler_a, 0, PROGRAM_WEB, NULL, 0 } },
		{ { METHOD_GET, "/x/{id}/{id}", handler_a, 0, PROGRAM_WEB, NULL, 0 } },
		{ { METHOD_GET, "/x/{id", handler_a, 0, PROGRAM_WEB, NULL, 0 } },
		{ { METHOD_GET, "/x", NULL, 0, PROGRAM_WEB, NULL, 0 } },
		{ { METHOD_GET, "/x", handler_a, 0, PROGRAM_WEB, twice, 0 } },
		{ { METHOD_GET, "/x/{id}", handler_a, 0, PROGRAM_WEB, clash, 0 } },
		{ { METHOD_POST, "/x", handler_a, ROUTE_NEEDS_CSRF, PROGRAM_WEB, file, 0 } },
		{ { METHOD_POST, "/x", handler_a, ROUTE_NEEDS_CSRF, PROGRAM_WEB, NULL, ROUTE_BODY_UPLOAD_MAX + 1 } },
		{ { METHOD_GET, "/a/{b}/{c}/{d}/{e}/{f}", handler_a, 0, PROGRAM_WEB, NULL, 0 } },
		{ { 0, "/x", handler_a, 0, PROGRAM_WEB, NULL, 0 } },
	};
	struct sirius_error err;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		err.message[0] = '\0';
		ck_assert_msg(routes_check(bad[i], 1, &err) == -1, "bad route %zu passed", i);
		ck_assert(err.message[0] != '\0');
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cgi_routes");
	TCase *tc = tcase_create("routes");

	tcase_add_test(tc, test_matching);
	tcase_add_test(tc, test_not_found_and_wrong_method);
	tcase_add_test(tc, test_the_real_table_is_sound);
	tcase_add_test(tc, test_check_finds_mistakes);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
