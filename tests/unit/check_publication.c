/* check_publication.c: the publication API client against meta.json variants and a loopback publisher. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "http_server.h"
#include "publication.h"
#include "test_util.h"

START_TEST(test_base_url)
{
	struct sirius_error err;
	char *b;

	b = publication_base_url("https://example.org/pub/meta.json?x=1", &err);
	ck_assert_str_eq(b, "https://example.org/pub/");
	g_free(b);
	b = publication_base_url("http://example.org/pub", &err);
	ck_assert_str_eq(b, "http://example.org/pub/");
	g_free(b);
	b = publication_base_url("http://example.org", &err);
	ck_assert_str_eq(b, "http://example.org/");
	g_free(b);
	ck_assert_ptr_null(publication_base_url("ftp://example.org/", &err));
	ck_assert_ptr_null(publication_base_url("example.org", &err));
	ck_assert_ptr_nonnull(strstr(err.message, "http"));
}
END_TEST

START_TEST(test_meta_variants)
{
	/* As the surviving publications write it: string booleans, missing labels, options both ways. */
	static const char *json =
		"{\"owner_email\":\"a@b\",\"publication_api_version\":\"1.1\",\"name\":\"Heresay\","
		"\"description\":\"Local news\",\"delivered_on\":\"on demand\",\"send_timezone_info\":\"true\","
		"\"send_delivery_count\":true,\"external_configuration\":false,\"icon\":\"/static/i.png\","
		"\"config\":{\"fields\":[{\"type\":\"text\",\"name\":\"postcode\",\"label\":\"Your postcode\"},"
		"{\"type\":\"select\",\"name\":\"size\",\"options\":[[\"Small\",\"s\"],\"large\"]},"
		"{\"type\":\"text\",\"name\":\"bad name!\"},{\"name\":\"plain\"}, 7]}}";
	struct publication_meta m;
	struct sirius_error err;

	ck_assert_int_eq(publication_meta_parse(json, strlen(json), "https://example.org/heresay/", &m, &err), 0);
	ck_assert_str_eq(m.name, "Heresay");
	ck_assert_str_eq(m.description, "Local news");
	ck_assert_str_eq(m.delivered_on, "on demand");
	ck_assert_int_eq(m.send_timezone_info, 1);
	ck_assert_int_eq(m.send_delivery_count, 1);
	ck_assert_int_eq(m.field_count, 3);
	ck_assert_str_eq(m.fields[0].name, "postcode");
	ck_assert_str_eq(m.fields[0].label, "Your postcode");
	ck_assert_str_eq(m.fields[1].type, "select");
	ck_assert_int_eq(m.fields[1].option_count, 2);
	ck_assert_str_eq(m.fields[1].options[0].label, "Small");
	ck_assert_str_eq(m.fields[1].options[0].value, "s");
	ck_assert_str_eq(m.fields[1].options[1].value, "large");
	ck_assert_str_eq(m.fields[1].label, "size");
	ck_assert_str_eq(m.fields[2].name, "plain");
	ck_assert_str_eq(m.fields[2].type, "text");
	ck_assert_str_eq(m.icon_url, "https://example.org/static/i.png");

	ck_assert_int_eq(publication_meta_parse("{\"name\":\"X\"}", 12, "http://h/p/", &m, &err), 0);
	ck_assert_int_eq(m.send_timezone_info, 0);
	ck_assert_int_eq(m.field_count, 0);
	ck_assert_str_eq(m.icon_url, "http://h/p/icon.png");
	ck_assert_int_eq(publication_meta_parse("[1]", 3, "http://h/", &m, &err), -1);
	ck_assert_int_eq(publication_meta_parse("{\"description\":\"x\"}", 19, "http://h/", &m, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "no name"));
	ck_assert_int_eq(publication_meta_parse("<html>", 6, "http://h/", &m, &err), -1);
}
END_TEST

/* A base URL of the server. */
static char *base_of(struct http_server *s)
{
	return g_strdup_printf("http://127.0.0.1:%d/pub/", http_server_port(s));
}

START_TEST(test_edition_requests)
{
	struct http_server *s = http_server_start("127.0.0.1");
	struct http_route ed = { "/pub/edition/", HTTP_ANSWER, 200, "Content-Type: text/html\r\nETag: \"e1\"\r\n",
				 "<h1>Today</h1>", 0 };
	char *base = base_of(s), *last;
	cJSON *config = cJSON_CreateObject();
	struct edition_request req;
	struct edition out;

	setenv("SIRIUS_FETCH_PRIVATE", "1", 1);
	fetch_settings_load();
	cJSON_AddStringToObject(config, "postcode", "E1 6AN");
	http_server_route(s, &ed);
	memset(&req, 0, sizeof(req));
	req.base = base;
	req.local_delivery_time = "2024-05-01T08:00:00+01:00";
	req.delivery_count = 3;
	req.send_timezone_info = 1;
	req.send_delivery_count = 1;
	req.config = config;
	ck_assert_int_eq(publication_edition(&req, &out), EDITION_READY);
	ck_assert_str_eq(out.body, "<h1>Today</h1>");
	ck_assert_str_eq(out.etag, "\"e1\"");
	ck_assert_str_eq(out.content_type, "text/html");
	last = http_server_last_request(s);
	ck_assert_ptr_nonnull(strstr(last, "GET /pub/edition/?local_delivery_time=2024-05-01T08%3A00%3A00%2B01%3A00"
					   "&delivery_count=3&postcode=E1%206AN HTTP/1.1"));
	g_free(last);
	edition_clear(&out);

	/* The same ETag again is nothing new; without timezone info or count, neither is sent. */
	req.last_etag = "\"e1\"";
	req.send_timezone_info = 0;
	req.send_delivery_count = 0;
	ck_assert_int_eq(publication_edition(&req, &out), EDITION_NOTHING);
	ck_assert_ptr_null(out.body);
	last = http_server_last_request(s);
	ck_assert_ptr_nonnull(strstr(last, "GET /pub/edition/?local_delivery_time=2024-05-01T08%3A00%3A00&postcode="));
	ck_assert_ptr_nonnull(strstr(last, "If-None-Match: \"e1\""));
	g_free(last);
	edition_clear(&out);

	ed.status = 204;
	ed.body = NULL;
	http_server_route(s, &ed);
	req.last_etag = NULL;
	ck_assert_int_eq(publication_edition(&req, &out), EDITION_NOTHING);
	edition_clear(&out);
	ed.status = 200;
	ed.body = " \r\n";
	http_server_route(s, &ed);
	ck_assert_int_eq(publication_edition(&req, &out), EDITION_NOTHING);
	edition_clear(&out);
	ed.status = 500;
	ed.body = "oops";
	http_server_route(s, &ed);
	ck_assert_int_eq(publication_edition(&req, &out), EDITION_FAILED);
	ck_assert_int_eq(out.http_status, 500);
	ck_assert_ptr_nonnull(strstr(out.message, "500"));
	edition_clear(&out);

	cJSON_Delete(config);
	g_free(base);
	http_server_stop(s);
}
END_TEST

START_TEST(test_sample_without_slash_and_meta_fetch)
{
	struct http_server *s = http_server_start("127.0.0.1");
	struct http_route sample = { "/pub/sample", HTTP_ANSWER, 200, NULL, "<p>sample</p>", 0 };
	struct http_route meta = { "/pub/meta.json", HTTP_ANSWER, 200, "Content-Type: application/json\r\n",
				   "{\"name\":\"Sampler\",\"delivered_on\":\"every day\"}", 0 };
	char *base = base_of(s);
	struct edition_request req;
	struct edition out;
	struct publication_meta m;
	struct sirius_error err;

	setenv("SIRIUS_FETCH_PRIVATE", "1", 1);
	fetch_settings_load();
	http_server_route(s, &sample);
	http_server_route(s, &meta);
	memset(&req, 0, sizeof(req));
	req.base = base;
	req.sample = 1;
	ck_assert_int_eq(publication_edition(&req, &out), EDITION_READY);
	ck_assert_str_eq(out.body, "<p>sample</p>");
	edition_clear(&out);
	ck_assert_int_eq(publication_meta_fetch(base, &m, &err), 0);
	ck_assert_str_eq(m.name, "Sampler");
	ck_assert_str_eq(m.delivered_on, "every day");
	g_free(base);
	base = g_strdup_printf("http://127.0.0.1:%d/nothing/", http_server_port(s));
	ck_assert_int_eq(publication_meta_fetch(base, &m, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "404"));
	g_free(base);
	http_server_stop(s);
}
END_TEST

START_TEST(test_validate_config)
{
	struct http_server *s = http_server_start("127.0.0.1");
	struct http_route bad = { "/pub/validate_config/", HTTP_ANSWER, 200, "Content-Type: application/json\r\n",
				  "{\"valid\": false, \"errors\": [\"Unknown postcode\", 5]}", 0 };
	char *base = base_of(s), **errors, *last;
	cJSON *config = cJSON_CreateObject();
	struct sirius_error err;

	setenv("SIRIUS_FETCH_PRIVATE", "1", 1);
	fetch_settings_load();
	cJSON_AddStringToObject(config, "postcode", "XX");
	http_server_route(s, &bad);
	ck_assert_int_eq(publication_validate(base, config, &errors, &err), 0);
	ck_assert_str_eq(errors[0], "Unknown postcode");
	ck_assert_ptr_null(errors[1]);
	g_strfreev(errors);
	last = http_server_last_request(s);
	ck_assert_ptr_nonnull(strstr(last, "POST /pub/validate_config/"));
	ck_assert_ptr_nonnull(strstr(last, "config=%7B%22postcode%22%3A%22XX%22%7D"));
	g_free(last);

	bad.body = "{\"valid\": true, \"errors\": []}";
	http_server_route(s, &bad);
	ck_assert_int_eq(publication_validate(base, config, &errors, &err), 1);
	g_strfreev(errors);
	bad.body = "not json";
	http_server_route(s, &bad);
	ck_assert_int_eq(publication_validate(base, config, &errors, &err), -1);
	g_strfreev(errors);
	/* No endpoint: everything is valid. */
	g_free(base);
	base = g_strdup_printf("http://127.0.0.1:%d/other/", http_server_port(s));
	ck_assert_int_eq(publication_validate(base, config, &errors, &err), 1);
	g_strfreev(errors);
	cJSON_Delete(config);
	g_free(base);
	http_server_stop(s);
}
END_TEST

static Suite *publication_suite(void)
{
	Suite *s = suite_create("publication");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_base_url);
	tcase_add_test(tc, test_meta_variants);
	tcase_add_test(tc, test_edition_requests);
	tcase_add_test(tc, test_sample_without_slash_and_meta_fetch);
	tcase_add_test(tc, test_validate_config);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(publication_suite());
}
