/* check_cgi_request.c: unit tests of cgi/request: CGI environment, path, query, cookies, bodies, forms, multipart. */
#include <stdio.h>
#include <string.h>

#include "request.h"
#include "test_util.h"

/* A body reader over a string. */
struct mem_body {
	const char *data; /* the bytes */
	size_t len;       /* how many */
	size_t pos;       /* how many were read */
};

static size_t mem_read(void *opaque, char *buf, size_t size)
{
	struct mem_body *m = opaque;
	size_t n = m->len - m->pos < size ? m->len - m->pos : size;

	if (n > 7)
		n = 7; /* short reads, as pipes give them */
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return n;
}

START_TEST(test_environment)
{
	char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/printer/12/caf%C3%A9?a=1&b=x+y%21",
			"HTTP_COOKIE=sirius_session=abc; other=\"q\"; sirius_session=second; bad",
			"CONTENT_TYPE=application/x-www-form-urlencoded; charset=utf-8", "CONTENT_LENGTH=11",
			"REMOTE_ADDR=192.0.2.1", "HTTPS=on", NULL };
	struct request req;
	char why[REQUEST_WHY_MAX];

	ck_assert_int_eq(request_init(&req, env, why), 0);
	ck_assert_uint_eq(req.method, METHOD_POST);
	ck_assert_str_eq(req.path, "/printer/12/caf%C3%A9");
	ck_assert_uint_eq(req.segments->len, 3);
	ck_assert_str_eq(g_ptr_array_index(req.segments, 2), "caf\xc3\xa9");
	ck_assert_str_eq(form_find(req.query, "a")->value, "1");
	ck_assert_str_eq(form_find(req.query, "b")->value, "x y!");
	ck_assert_str_eq(request_cookie(&req, "sirius_session"), "abc");
	ck_assert_str_eq(request_cookie(&req, "other"), "q");
	ck_assert_ptr_null(request_cookie(&req, "bad"));
	ck_assert_int_eq(req.body_kind, BODY_FORM);
	ck_assert_int_eq(req.content_length, 11);
	ck_assert_str_eq(req.remote_addr, "192.0.2.1");
	ck_assert_int_eq(req.https, 1);
	request_free(&req);
}
END_TEST

START_TEST(test_script_name_and_path_info)
{
	char *env[] = { "REQUEST_METHOD=GET", "SCRIPT_NAME=/login", "QUERY_STRING=next=%2Fabout", NULL };
	char *root[] = { "REQUEST_METHOD=GET", NULL };
	struct request req;
	char why[REQUEST_WHY_MAX];

	ck_assert_int_eq(request_init(&req, env, why), 0);
	ck_assert_str_eq(req.path, "/login");
	ck_assert_str_eq(form_find(req.query, "next")->value, "/about");
	ck_assert_int_eq(req.https, 0);
	ck_assert_str_eq(req.remote_addr, "unknown");
	request_free(&req);
	ck_assert_int_eq(request_init(&req, root, why), 0);
	ck_assert_str_eq(req.path, "/");
	ck_assert_uint_eq(req.segments->len, 0);
	request_free(&req);
}
END_TEST

START_TEST(test_bad_requests)
{
	static const char *const uris[] = { "/a%zz", "/a%0", "/a%00b", "/a%2Fb", "/\xff\xfe", "relative" };
	static const int statuses[] = { 400, 400, 400, 400, 400, 400 };
	char long_uri[REQUEST_PATH_MAX + 10];
	char uri_var[REQUEST_PATH_MAX + 32];
	struct request req;
	char why[REQUEST_WHY_MAX];
	size_t i;

	for (i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		char *env[] = { "REQUEST_METHOD=GET", uri_var, NULL };

		snprintf(uri_var, sizeof(uri_var), "REQUEST_URI=%s", uris[i]);
		ck_assert_int_eq(request_init(&req, env, why), statuses[i]);
		ck_assert(why[0] != '\0');
		request_free(&req);
	}
	memset(long_uri, 'a', sizeof(long_uri) - 1);
	long_uri[0] = '/';
	long_uri[sizeof(long_uri) - 1] = '\0';
	{
		char *env[] = { "REQUEST_METHOD=GET", uri_var, NULL };
		char *cl[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/", "CONTENT_LENGTH=-5", NULL };
		char *cl2[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/", "CONTENT_LENGTH=12x", NULL };
		char *q[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/?a=%G1", NULL };

		snprintf(uri_var, sizeof(uri_var), "REQUEST_URI=%s", long_uri);
		ck_assert_int_eq(request_init(&req, env, why), 414);
		request_free(&req);
		ck_assert_int_eq(request_init(&req, cl, why), 400);
		request_free(&req);
		ck_assert_int_eq(request_init(&req, cl2, why), 400);
		request_free(&req);
		ck_assert_int_eq(request_init(&req, q, why), 400);
		request_free(&req);
	}
}
END_TEST

START_TEST(test_methods)
{
	char list[64];

	ck_assert_uint_eq(method_from_name("GET"), METHOD_GET);
	ck_assert_uint_eq(method_from_name("POST"), METHOD_POST);
	ck_assert_uint_eq(method_from_name("get"), 0);
	ck_assert_uint_eq(method_from_name("BREW"), 0);
	method_list(METHOD_GET | METHOD_HEAD | METHOD_POST, list, sizeof(list));
	ck_assert_str_eq(list, "GET, HEAD, POST");
}
END_TEST

START_TEST(test_urlencoded)
{
	GPtrArray *f = g_ptr_array_new_with_free_func(form_field_free);
	char why[REQUEST_WHY_MAX];
	const char *text = "a=1&b=&c&&d=%E2%82%AC+x&a=2&e=%3D%26";

	ck_assert_int_eq(form_parse_urlencoded(text, strlen(text), f, why), 0);
	ck_assert_uint_eq(f->len, 6);
	ck_assert_str_eq(form_find(f, "a")->value, "1");
	ck_assert_str_eq(form_find(f, "b")->value, "");
	ck_assert_str_eq(form_find(f, "c")->value, "");
	ck_assert_str_eq(form_find(f, "d")->value, "\xe2\x82\xac x");
	ck_assert_str_eq(form_find(f, "e")->value, "=&");
	g_ptr_array_set_size(f, 0);
	ck_assert_int_eq(form_parse_urlencoded("a=%zz", 5, f, why), 400);
	ck_assert_int_eq(form_parse_urlencoded("a=%4", 4, f, why), 400);
	ck_assert_int_eq(form_parse_urlencoded("a=%00", 5, f, why), 400);
	ck_assert_int_eq(form_parse_urlencoded("a=%ff", 5, f, why), 400);
	ck_assert_int_eq(form_parse_urlencoded("=x", 2, f, why), 400);
	g_ptr_array_set_size(f, 0);
	{
		GString *many = g_string_new(NULL);
		int i;

		for (i = 0; i <= REQUEST_FIELDS_MAX; i++)
			g_string_append_printf(many, "f%d=1&", i);
		ck_assert_int_eq(form_parse_urlencoded(many->str, many->len, f, why), 400);
		ck_assert_ptr_nonnull(strstr(why, "more than"));
		g_string_free(many, TRUE);
	}
	g_ptr_array_free(f, TRUE);
}
END_TEST

/* Parses a multipart body (a C string with CRLFs) with boundary XYZ; returns the status. */
static int parse_mp(const char *body, size_t len, GPtrArray *f, char why[REQUEST_WHY_MAX])
{
	return form_parse_multipart("multipart/form-data; boundary=\"XYZ\"", body, len, f, why);
}

START_TEST(test_multipart)
{
	static const char body[] =
		"preamble\r\n"
		"--XYZ\r\n"
		"Content-Disposition: form-data; name=\"text\"\r\n\r\n"
		"hello\r\nworld\r\n"
		"--XYZ\r\n"
		"content-disposition: form-data; name=\"image\"; filename=\"a \\\"b\\\".png\"\r\n"
		"Content-Type: image/png\r\n\r\n"
		"\x89PNG\0\r\n--XY\r\n"
		"--XYZ--\r\n";
	GPtrArray *f = g_ptr_array_new_with_free_func(form_field_free);
	char why[REQUEST_WHY_MAX] = "";
	const struct form_field *image;

	ck_assert_msg(parse_mp(body, sizeof(body) - 1, f, why) == 0, "%s", why);
	ck_assert_uint_eq(f->len, 2);
	ck_assert_str_eq(form_find(f, "text")->value, "hello\r\nworld");
	ck_assert_ptr_null(form_find(f, "text")->filename);
	image = form_find(f, "image");
	ck_assert_str_eq(image->filename, "a \"b\".png");
	ck_assert_str_eq(image->content_type, "image/png");
	ck_assert_uint_eq(image->len, 11);
	ck_assert(memcmp(image->value, "\x89PNG\0\r\n--XY", 11) == 0);
	g_ptr_array_free(f, TRUE);
}
END_TEST

START_TEST(test_multipart_malformed)
{
	static const char *const bodies[] = {
		"no boundary at all",
		"--XYZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nnever closed",
		"--XYZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XYZ--",
		"--XYZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XYZ--",
		"--XYZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--XYZ--",
		"--XYZ\r\nno colon here\r\n\r\nx\r\n--XYZ--",
		"--XYZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\xff\xfe\r\n--XYZ--",
		"--XYZjunk",
		"--XYZ\r\nContent-Disposition: form-data; name=\"a\"",
		"",
	};
	GPtrArray *f = g_ptr_array_new_with_free_func(form_field_free);
	char why[REQUEST_WHY_MAX];
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		why[0] = '\0';
		ck_assert_msg(parse_mp(bodies[i], strlen(bodies[i]), f, why) == 400, "body %zu accepted", i);
		ck_assert_msg(why[0] != '\0', "body %zu: no reason", i);
		g_ptr_array_set_size(f, 0);
	}
	ck_assert_int_eq(form_parse_multipart("multipart/form-data", "--\r\n", 4, f, why), 400);
	ck_assert_ptr_nonnull(strstr(why, "boundary"));
	ck_assert_int_eq(form_parse_multipart("multipart/form-data; boundary=", "--\r\n", 4, f, why), 400);
	g_ptr_array_free(f, TRUE);
}
END_TEST

START_TEST(test_body_limits)
{
	char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/x", "CONTENT_TYPE=application/x-www-form-urlencoded",
			"CONTENT_LENGTH=21", NULL };
	struct mem_body body = { "username=a&password=b", 21, 0 };
	struct mem_body short_body = { "username=a", 10, 0 };
	struct request req;
	char why[REQUEST_WHY_MAX];

	ck_assert_int_eq(request_init(&req, env, why), 0);
	ck_assert_int_eq(request_read_body(&req, mem_read, &body, 20, why), 413);
	ck_assert_uint_eq(body.pos, 0);
	ck_assert_int_eq(request_read_body(&req, mem_read, &body, 21, why), 0);
	ck_assert_int_eq(request_parse_body(&req, why), 0);
	ck_assert_str_eq(form_find(req.form, "password")->value, "b");
	request_free(&req);
	ck_assert_int_eq(request_init(&req, env, why), 0);
	ck_assert_int_eq(request_read_body(&req, mem_read, &short_body, 100, why), 400);
	ck_assert_ptr_nonnull(strstr(why, "ended after 10"));
	request_free(&req);
}
END_TEST

START_TEST(test_json_body)
{
	char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/x", "CONTENT_TYPE=application/json", "CONTENT_LENGTH=12", NULL };
	struct mem_body good = { "{\"a\": \"b\"}  ", 12, 0 };
	struct mem_body trailing = { "{\"a\": 1} xx ", 12, 0 };
	struct mem_body array = { "[1, 2, 3]   ", 12, 0 };
	struct mem_body *bodies[] = { &good, &trailing, &array };
	static const int want[] = { 0, 400, 400 };
	struct request req;
	char why[REQUEST_WHY_MAX];
	int i;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(request_init(&req, env, why), 0);
		ck_assert_int_eq(req.body_kind, BODY_JSON);
		ck_assert_int_eq(request_read_body(&req, mem_read, bodies[i], 100, why), 0);
		ck_assert_int_eq(request_parse_body(&req, why), want[i]);
		request_free(&req);
	}
	ck_assert_int_eq(body_kind_of("Multipart/Form-Data; boundary=x"), BODY_MULTIPART);
	ck_assert_int_eq(body_kind_of("text/plain"), BODY_OTHER);
	ck_assert_int_eq(body_kind_of(NULL), BODY_NONE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cgi_request");
	TCase *tc = tcase_create("request");

	tcase_add_test(tc, test_environment);
	tcase_add_test(tc, test_script_name_and_path_info);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_methods);
	tcase_add_test(tc, test_urlencoded);
	tcase_add_test(tc, test_multipart);
	tcase_add_test(tc, test_multipart_malformed);
	tcase_add_test(tc, test_body_limits);
	tcase_add_test(tc, test_json_body);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
