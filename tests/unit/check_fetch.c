/* check_fetch.c: the remote-content fetcher: address policy, redirects, time and size bounds, against a loopback server. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fetch.h"
#include "http_server.h"
#include "test_util.h"

/* A socket address for text (IPv4 or IPv6). */
static struct sockaddr_storage sockaddr_of(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, text, &in->sin_addr), 1);
	}
	return ss;
}

START_TEST(test_address_policy)
{
	static const char *const blocked[] = {
		"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.0.10",
		"169.254.169.254", "100.64.0.1", "100.127.255.254", "0.0.0.0", "224.0.0.1", "255.255.255.255",
		"192.0.2.1", "198.18.0.1", "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:a00:1::1", "2001:db8::1",
		"2001:0::1", "::127.0.0.1",
	};
	static const char *const allowed[] = {
		"1.1.1.1", "8.8.8.8", "172.32.0.1", "100.128.0.1", "93.184.216.34", "2a00:1450:4001::200e",
		"2606:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1",
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(blocked); i++) {
		struct sockaddr_storage ss = sockaddr_of(blocked[i]);

		ck_assert_msg(!fetch_address_public((struct sockaddr *)&ss), "%s counted as public", blocked[i]);
	}
	for (i = 0; i < G_N_ELEMENTS(allowed); i++) {
		struct sockaddr_storage ss = sockaddr_of(allowed[i]);

		ck_assert_msg(fetch_address_public((struct sockaddr *)&ss), "%s counted as private", allowed[i]);
	}
}
END_TEST

START_TEST(test_private_allow_list)
{
	struct sockaddr_storage lo = sockaddr_of("127.0.0.1"), lo2 = sockaddr_of("127.0.0.2"),
				ten = sockaddr_of("10.9.8.7"), v6 = sockaddr_of("::1");
	struct sirius_error err;

	ck_assert_int_eq(fetch_private_allowed(NULL, (struct sockaddr *)&lo, &err), 0);
	ck_assert_int_eq(fetch_private_allowed("0", (struct sockaddr *)&lo, &err), 0);
	ck_assert_int_eq(fetch_private_allowed("1", (struct sockaddr *)&lo, &err), 1);
	ck_assert_int_eq(fetch_private_allowed("127.0.0.1", (struct sockaddr *)&lo, &err), 1);
	ck_assert_int_eq(fetch_private_allowed("127.0.0.1", (struct sockaddr *)&lo2, &err), 0);
	ck_assert_int_eq(fetch_private_allowed("127.0.0.1, 10.0.0.0/8", (struct sockaddr *)&ten, &err), 1);
	ck_assert_int_eq(fetch_private_allowed("10.0.0.0/16", (struct sockaddr *)&ten, &err), 0);
	ck_assert_int_eq(fetch_private_allowed("::1", (struct sockaddr *)&v6, &err), 1);
	ck_assert_int_eq(fetch_private_allowed("::1", (struct sockaddr *)&lo, &err), 0);
	ck_assert_int_eq(fetch_private_allowed("127.0.0.0/33", (struct sockaddr *)&lo, &err), -1);
	ck_assert_int_eq(fetch_private_allowed("localhost", (struct sockaddr *)&lo, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "localhost"));
}
END_TEST

START_TEST(test_url_valid)
{
	ck_assert(fetch_url_valid("http://example.org/"));
	ck_assert(fetch_url_valid("HTTPS://example.org/a?b=c"));
	ck_assert(!fetch_url_valid("ftp://example.org/"));
	ck_assert(!fetch_url_valid("file:///etc/passwd"));
	ck_assert(!fetch_url_valid("gopher://example.org/"));
	ck_assert(!fetch_url_valid("http://"));
	ck_assert(!fetch_url_valid("/relative"));
	ck_assert(!fetch_url_valid(NULL));
}
END_TEST

/* A URL of the server at path. */
static char *url_of(struct http_server *s, const char *host, const char *path)
{
	return g_strdup_printf("http://%s:%d%s", host, http_server_port(s), path);
}

START_TEST(test_get_answer_and_headers)
{
	struct http_server *s = http_server_start("127.0.0.1");
	struct http_route r = { "/meta.json", HTTP_ANSWER, 200, "Content-Type: application/json\r\nETag: \"v1\"\r\n",
				"{\"name\": \"x\"}", 0 };
	struct fetch_request req;
	struct fetch_result res;
	char *url = url_of(s, "127.0.0.1", "/meta.json?x=1"), *last;

	http_server_route(s, &r);
	fetch_request_init(&req, url);
	req.allow_private = "127.0.0.1";
	req.if_none_match = "\"v0\"";
	ck_assert_int_eq(fetch(&req, &res), FETCH_OK);
	ck_assert_int_eq(res.http_status, 200);
	ck_assert_str_eq(res.body, "{\"name\": \"x\"}");
	ck_assert_uint_eq(res.len, strlen(res.body));
	ck_assert_str_eq(res.content_type, "application/json");
	ck_assert_str_eq(res.etag, "\"v1\"");
	ck_assert_str_eq(res.final_url, url);
	last = http_server_last_request(s);
	ck_assert_ptr_nonnull(strstr(last, "GET /meta.json?x=1 HTTP/1.1"));
	ck_assert_ptr_nonnull(strstr(last, "User-Agent: sirius-c/"));
	ck_assert_ptr_nonnull(strstr(last, "If-None-Match: \"v0\""));
	g_free(last);
	fetch_result_clear(&res);
	g_free(url);
	http_server_stop(s);
}
END_TEST

START_TEST(test_post_body)
{
	struct http_server *s = http_server_start("127.0.0.1");
	struct http_route r = { "/validate_config/", HTTP_ANSWER, 200, NULL, "{\"valid\": true}", 0 };
	struct fetch_request req;
	struct fetch_result res;
	char *url = url_of(s, "127.0.0.1", "/validate_config/"), *last;

	http_server_route(s, &r);
	fetch_request_init(&req, url);
	req.allow_private = "1";
	req.method = "POST";
	req.content_type = "application/x-www-form-urlencoded";
	req.body = "config=%7B%7D";
	req.body_len = strlen(req.body);
	ck_assert_int_eq(fetch(&req, &res), FETCH_OK);
	ck_assert_int_eq(res.http_status, 200);
	last = http_server_last_request(s);
	ck_assert_ptr_nonnull(strstr(last, "POST /validate_config/ HTTP/1.1"));
	ck_assert_ptr_nonnull(strstr(last, "\r\n\r\nconfig=%7B%7D"));
	g_free(last);
	fetch_result_clear(&res);
	g_free(url);
	http_server_stop(s);
}
END_TEST

START_TEST(test_loopback_refused_without_connecting)
{
	struct http_server *s = http_server_start("127.0.0.1");
	struct fetch_request req;
	struct fetch_result res;
	char *url = url_of(s, "127.0.0.1", "/"), *named = url_of(s, "localhost", "/");

	fetch_request_init(&req, url);
	req.allow_private = "0";
	ck_assert_int_eq(fetch(&req, &res), FETCH_BLOCKED);
	ck_assert_ptr_nonnull(strstr(res.error, "127.0.0.1"));
	ck_assert_str_eq(res.body, "");
	fetch_result_clear(&res);
	/* A name is judged by the address it resolves to. */
	req.url = named;
	ck_assert_int_eq(fetch(&req, &res), FETCH_BLOCKED);
	fetch_result_clear(&res);
	ck_assert_int_eq(http_server_connections(s), 0);
	g_free(url);
	g_free(named);
	http_server_stop(s);
}
END_TEST

START_TEST(test_redirects_checked_each_hop)
{
	struct http_server *s = http_server_start("127.0.0.1"), *other = http_server_start("127.0.0.2");
	char *target = url_of(other, "127.0.0.2", "/secret"), *hop = url_of(s, "127.0.0.1", "/final");
	char *loc_private = g_strdup_printf("Location: %s\r\n", target);
	char *loc_ok = g_strdup_printf("Location: %s\r\n", hop);
	struct http_route to_private = { "/to-private", HTTP_ANSWER, 302, loc_private, NULL, 0 };
	struct http_route to_ok = { "/to-ok", HTTP_ANSWER, 301, loc_ok, NULL, 0 };
	struct http_route to_ftp = { "/to-ftp", HTTP_ANSWER, 302, "Location: ftp://127.0.0.1/x\r\n", NULL, 0 };
	struct http_route loop = { "/loop", HTTP_ANSWER, 307, "Location: /loop\r\n", NULL, 0 };
	struct http_route final = { "/final", HTTP_ANSWER, 200, NULL, "here", 0 };
	struct http_route secret = { "/secret", HTTP_ANSWER, 200, NULL, "secret", 0 };
	struct fetch_request req;
	struct fetch_result res;
	char *url;

	http_server_route(s, &to_private);
	http_server_route(s, &to_ok);
	http_server_route(s, &to_ftp);
	http_server_route(s, &loop);
	http_server_route(s, &final);
	http_server_route(other, &secret);

	url = url_of(s, "127.0.0.1", "/to-ok");
	fetch_request_init(&req, url);
	req.allow_private = "127.0.0.1";
	ck_assert_int_eq(fetch(&req, &res), FETCH_OK);
	ck_assert_str_eq(res.body, "here");
	ck_assert_str_eq(res.final_url, hop);
	fetch_result_clear(&res);
	g_free(url);

	url = url_of(s, "127.0.0.1", "/to-private");
	req.url = url;
	ck_assert_int_eq(fetch(&req, &res), FETCH_BLOCKED);
	ck_assert_ptr_nonnull(strstr(res.error, "127.0.0.2"));
	ck_assert_int_eq(http_server_connections(other), 0);
	fetch_result_clear(&res);
	g_free(url);

	url = url_of(s, "127.0.0.1", "/to-ftp");
	req.url = url;
	ck_assert_int_eq(fetch(&req, &res), FETCH_BAD_URL);
	fetch_result_clear(&res);
	g_free(url);

	url = url_of(s, "127.0.0.1", "/loop");
	req.url = url;
	req.max_redirects = 3;
	ck_assert_int_eq(fetch(&req, &res), FETCH_TOO_MANY_REDIRECTS);
	ck_assert_str_eq(fetch_status_name(res.status), "too-many-redirects");
	fetch_result_clear(&res);
	g_free(url);

	g_free(target);
	g_free(hop);
	g_free(loc_private);
	g_free(loc_ok);
	http_server_stop(s);
	http_server_stop(other);
}
END_TEST

START_TEST(test_size_and_time_bounds)
{
	struct http_server *s = http_server_start("127.0.0.1");
	struct http_route endless = { "/endless", HTTP_ENDLESS, 200, NULL, NULL, 0 };
	struct http_route silent = { "/silent", HTTP_SILENT, 0, NULL, NULL, 0 };
	struct http_route declared = { "/declared", HTTP_ANSWER, 200, NULL, NULL, 0 };
	char *big = g_malloc(300000);
	struct fetch_request req;
	struct fetch_result res;
	char *url;

	memset(big, 'y', 300000);
	declared.body = big;
	declared.body_len = 300000;
	http_server_route(s, &endless);
	http_server_route(s, &silent);
	http_server_route(s, &declared);

	url = url_of(s, "127.0.0.1", "/endless");
	fetch_request_init(&req, url);
	req.allow_private = "1";
	req.max_bytes = 100000;
	ck_assert_int_eq(fetch(&req, &res), FETCH_TOO_LARGE);
	ck_assert_ptr_nonnull(strstr(res.error, "100000"));
	fetch_result_clear(&res);
	g_free(url);

	url = url_of(s, "127.0.0.1", "/declared");
	req.url = url;
	ck_assert_int_eq(fetch(&req, &res), FETCH_TOO_LARGE);
	fetch_result_clear(&res);
	req.max_bytes = 300000;
	ck_assert_int_eq(fetch(&req, &res), FETCH_OK);
	ck_assert_uint_eq(res.len, 300000);
	fetch_result_clear(&res);
	g_free(url);

	url = url_of(s, "127.0.0.1", "/silent");
	req.url = url;
	req.timeout_ms = 300;
	ck_assert_int_eq(fetch(&req, &res), FETCH_TIMEOUT);
	fetch_result_clear(&res);
	g_free(url);

	g_free(big);
	http_server_stop(s);
}
END_TEST

START_TEST(test_own_publications_allowed)
{
	struct http_server *s = http_server_start("127.0.0.1");
	struct http_route meta = { "/publications/feed/meta.json", HTTP_ANSWER, 200, NULL, "{}", 0 };
	struct http_route other = { "/metrics", HTTP_ANSWER, 200, NULL, "secret", 0 };
	char *base = url_of(s, "127.0.0.1", "/");
	char *own = url_of(s, "127.0.0.1", "/publications/feed/meta.json");
	char *dots = url_of(s, "127.0.0.1", "/publications/../metrics");
	char *escaped = url_of(s, "127.0.0.1", "/publications/%2e%2e/metrics");
	char *plain = url_of(s, "127.0.0.1", "/metrics");
	struct fetch_request req;
	struct fetch_result res;

	http_server_route(s, &meta);
	http_server_route(s, &other);
	setenv("SIRIUS_BASE_URL", base, 1);
	setenv("SIRIUS_FETCH_PRIVATE", "0", 1);
	fetch_settings_load();
	fetch_request_init(&req, own);
	ck_assert_int_eq(fetch(&req, &res), FETCH_OK);
	ck_assert_str_eq(res.body, "{}");
	fetch_result_clear(&res);
	req.url = dots;
	ck_assert_int_eq(fetch(&req, &res), FETCH_BLOCKED);
	fetch_result_clear(&res);
	req.url = escaped;
	ck_assert_int_eq(fetch(&req, &res), FETCH_BLOCKED);
	fetch_result_clear(&res);
	req.url = plain;
	ck_assert_int_eq(fetch(&req, &res), FETCH_BLOCKED);
	fetch_result_clear(&res);
	ck_assert_int_eq(http_server_connections(s), 1);
	unsetenv("SIRIUS_BASE_URL");
	unsetenv("SIRIUS_FETCH_PRIVATE");
	fetch_settings_load();
	g_free(base);
	g_free(own);
	g_free(dots);
	g_free(escaped);
	g_free(plain);
	http_server_stop(s);
}
END_TEST

START_TEST(test_bad_urls)
{
	struct fetch_request req;
	struct fetch_result res;

	fetch_request_init(&req, "file:///etc/passwd");
	ck_assert_int_eq(fetch(&req, &res), FETCH_BAD_URL);
	ck_assert_str_eq(res.body, "");
	fetch_result_clear(&res);
	req.url = "gopher://127.0.0.1/";
	ck_assert_int_eq(fetch(&req, &res), FETCH_BAD_URL);
	fetch_result_clear(&res);
}
END_TEST

static Suite *fetch_suite(void)
{
	Suite *s = suite_create("fetch");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_address_policy);
	tcase_add_test(tc, test_private_allow_list);
	tcase_add_test(tc, test_url_valid);
	tcase_add_test(tc, test_get_answer_and_headers);
	tcase_add_test(tc, test_post_body);
	tcase_add_test(tc, test_loopback_refused_without_connecting);
	tcase_add_test(tc, test_redirects_checked_each_hop);
	tcase_add_test(tc, test_size_and_time_bounds);
	tcase_add_test(tc, test_own_publications_allowed);
	tcase_add_test(tc, test_bad_urls);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(fetch_suite());
}
