/* check_relay_control.c: unit tests of the relay's control protocol (relay/control.c): requests, replies, refusals. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "control.h"
#include "registry.h"
#include "test_util.h"

#define BRIDGE "000d6f0001b0c1d2"
#define DEVICE "000d6f000273ce0a"

/* Timers that never fire: the control tests do not move time. */
struct relay_timer {
	int unused; /* nothing to keep */
};

static double fixed_clock(void *ctx)
{
	(void)ctx;
	return 1700000000.0;
}

static void no_write(void *ctx, void *transport)
{
	(void)ctx;
	(void)transport;
}

static struct relay_timer *timer_new(void *ctx, void (*fire)(void *arg), void *arg)
{
	(void)ctx;
	(void)fire;
	(void)arg;
	return g_new0(struct relay_timer, 1);
}

static void timer_arm(void *ctx, struct relay_timer *t, double delay)
{
	(void)ctx;
	(void)t;
	(void)delay;
}

static void timer_cancel(void *ctx, struct relay_timer *t)
{
	(void)ctx;
	(void)t;
}

static void timer_free(void *ctx, struct relay_timer *t)
{
	(void)ctx;
	g_free(t);
}

static int seen_ok(void *ctx, const char *device, double now, struct sirius_error *err)
{
	(void)ctx;
	(void)device;
	(void)now;
	(void)err;
	return 0;
}

static int key_none(void *ctx, const char *device, char key[LINK_KEY_BASE64_SIZE], struct sirius_error *err)
{
	(void)ctx;
	(void)device;
	(void)err;
	key[0] = '\0';
	return 0;
}

static int next_id(void *ctx, uint32_t *id, struct sirius_error *err)
{
	(void)ctx;
	(void)err;
	*id = 1;
	return 0;
}

static int outbox_empty(void *ctx, const char *device, uint32_t after, uint32_t *id, uint8_t **payload, size_t *len,
			struct sirius_error *err)
{
	(void)ctx;
	(void)device;
	(void)after;
	(void)id;
	(void)payload;
	(void)len;
	(void)err;
	return 0;
}

static int sent_ok(void *ctx, uint32_t id, const char *bridge, double now, struct sirius_error *err)
{
	(void)ctx;
	(void)id;
	(void)bridge;
	(void)now;
	(void)err;
	return 0;
}

static int answered_ok(void *ctx, uint32_t id, const char *bridge, const char *device, long code, double now,
		       struct sirius_error *err)
{
	(void)device;
	(void)code;
	return sent_ok(ctx, id, bridge, now, err);
}

static int failed_ok(void *ctx, uint32_t id, double now, struct sirius_error *err)
{
	return sent_ok(ctx, id, NULL, now, err);
}

static int printed_ok(void *ctx, const char *device, uint32_t id, double now, struct sirius_error *err)
{
	return sent_ok(ctx, id, device, now, err);
}

static void no_close(void *ctx, void *transport)
{
	(void)ctx;
	(void)transport;
}

static int sweep_ok(void *ctx, double now, double lifetime, unsigned keep, double keep_age, int *expired, int *deleted,
		    struct sirius_error *err)
{
	(void)ctx;
	(void)now;
	(void)lifetime;
	(void)keep;
	(void)keep_age;
	(void)err;
	*expired = 0;
	*deleted = 0;
	return 0;
}

static int confirms_no(void *ctx, const char *bridge, struct sirius_error *err)
{
	(void)ctx;
	(void)bridge;
	(void)err;
	return 0;
}

static int confirms_set_ok(void *ctx, const char *bridge, double now, struct sirius_error *err)
{
	return sent_ok(ctx, 0, bridge, now, err);
}

static int bridge_seen_ok(void *ctx, const char *bridge, const char *ip, double now, struct sirius_error *err)
{
	(void)ip;
	return sent_ok(ctx, 0, bridge, now, err);
}

static int binding_none(void *ctx, const char *device, char bound[17], int *claimed, struct sirius_error *err)
{
	(void)ctx;
	(void)device;
	(void)err;
	bound[0] = '\0';
	*claimed = 0;
	return 0;
}

static int bind_ok(void *ctx, const char *device, const char *bridge, struct sirius_error *err)
{
	(void)device;
	return sent_ok(ctx, 0, bridge, 0, err);
}

static int sweep_printers_ok(void *ctx, double now, double max_age, int *count, struct sirius_error *err)
{
	(void)ctx;
	(void)now;
	(void)max_age;
	(void)err;
	*count = 0;
	return 0;
}

static int press_ok(void *ctx, const char *device, int type, uint32_t id, double now, struct sirius_error *err)
{
	(void)type;
	return sent_ok(ctx, id, device, now, err);
}

static struct registry *reg;

static void setup(void)
{
	struct relay_env env = { NULL, fixed_clock, no_write, timer_new, timer_arm, timer_cancel, timer_free, no_close };
	struct relay_store store = { NULL,	   seen_ok,	    seen_ok,   key_none,	next_id,
				     outbox_empty, sent_ok,	    answered_ok, failed_ok, printed_ok,
				     sweep_ok,	   confirms_no, confirms_set_ok, bridge_seen_ok, binding_none,
				     bind_ok,	   bind_ok,	    press_ok, sweep_printers_ok, NULL, NULL, NULL, NULL, NULL };
	struct registry_config cfg;

	registry_config_default(&cfg);
	reg = registry_new(&cfg, &env, &store);
	ck_assert_ptr_nonnull(reg);
}

static void teardown(void)
{
	registry_free(reg);
}

/* Sends a request (a C string) and returns the parsed reply. */
static cJSON *ask(const char *request)
{
	char *text = control_handle(reg, request, strlen(request));
	cJSON *reply;

	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strchr(text, '\n') == NULL, "reply holds a newline: %s", text);
	ck_assert_msg(g_utf8_validate(text, -1, NULL), "reply is not UTF-8: %s", text);
	reply = cJSON_Parse(text);
	ck_assert_msg(cJSON_IsObject(reply), "reply is not an object: %s", text);
	free(text);
	return reply;
}

/* Builds a request from a cJSON object (consumed) and asks it. */
static cJSON *ask_json(cJSON *request)
{
	char *text = cJSON_PrintUnformatted(request);
	cJSON *reply = ask(text);

	free(text);
	cJSON_Delete(request);
	return reply;
}

/* Asserts the reply is an error whose text contains part; frees it. */
static void expect_error(cJSON *reply, const char *part)
{
	const cJSON *error = cJSON_GetObjectItem(reply, "error");

	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(reply, "ok")));
	ck_assert(cJSON_IsString(error));
	ck_assert_msg(strstr(error->valuestring, part) != NULL, "error \"%s\" lacks \"%s\"", error->valuestring, part);
	cJSON_Delete(reply);
}

static cJSON *deliver_request(const char *device, cJSON *command_id, const char *payload)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "op", "deliver");
	if (device)
		cJSON_AddStringToObject(o, "device", device);
	if (command_id)
		cJSON_AddItemToObject(o, "command_id", command_id);
	if (payload)
		cJSON_AddStringToObject(o, "payload", payload);
	return o;
}

START_TEST(test_malformed_requests)
{
	expect_error(ask("{"), "not valid JSON");
	expect_error(ask(""), "not valid JSON");
	expect_error(ask("{\"op\":\"ping\"} trailing"), "not valid JSON");
	expect_error(ask("[1,2]"), "must be a JSON object");
	expect_error(ask("\"ping\""), "must be a JSON object");
	expect_error(ask("{}"), "missing field \"op\"");
	expect_error(ask("{\"op\":5}"), "must be a string");
	expect_error(ask("{\"op\":\"reboot\"}"), "unknown op");
	expect_error(ask("{\"op\":\"ping\",\"id\":[1]}"), "\"id\"");
	ck_assert_uint_eq(registry_counters(reg)->control_errors, 9);
}
END_TEST

START_TEST(test_ping_and_id_echo)
{
	cJSON *reply = ask("{\"op\":\"ping\",\"id\":42}");

	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok")));
	ck_assert_int_eq(cJSON_GetObjectItem(reply, "id")->valueint, 42);
	cJSON_Delete(reply);
	reply = ask("{\"op\":\"nope\",\"id\":\"abc\"}");
	ck_assert_str_eq(cJSON_GetObjectItem(reply, "id")->valuestring, "abc");
	expect_error(reply, "unknown op");
}
END_TEST

START_TEST(test_status)
{
	cJSON *reply = ask("{\"op\":\"status\",\"devices\":[\"" DEVICE "\",\"" BRIDGE "\"]}");
	const cJSON *devices = cJSON_GetObjectItem(reply, "devices");
	cJSON *req, *list;
	int i;

	ck_assert_int_eq(cJSON_GetArraySize(devices), 2);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(devices, 0), "address")->valuestring, DEVICE);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(devices, 0), "online")));
	cJSON_Delete(reply);
	reply = ask("{\"op\":\"status\",\"device\":\"" DEVICE "\"}");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(reply, "devices")), 1);
	cJSON_Delete(reply);
	expect_error(ask("{\"op\":\"status\"}"), "missing field");
	expect_error(ask("{\"op\":\"status\",\"device\":\"000D6F000273CE0A\"}"), "not an address");
	expect_error(ask("{\"op\":\"status\",\"devices\":\"" DEVICE "\"}"), "must be an array");
	expect_error(ask("{\"op\":\"status\",\"devices\":[\"" DEVICE "\",7]}"), "devices[1]");
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "status");
	list = cJSON_AddArrayToObject(req, "devices");
	for (i = 0; i <= CONTROL_STATUS_MAX; i++)
		cJSON_AddItemToArray(list, cJSON_CreateString(DEVICE));
	expect_error(ask_json(req), "at most");
}
END_TEST

START_TEST(test_deliver_fields)
{
	cJSON *reply;

	expect_error(ask_json(deliver_request(NULL, cJSON_CreateNumber(5), "AQID")), "missing field \"device\"");
	expect_error(ask_json(deliver_request(DEVICE, NULL, "AQID")), "missing field \"command_id\"");
	expect_error(ask_json(deliver_request(DEVICE, cJSON_CreateNumber(5), NULL)), "missing field \"payload\"");
	expect_error(ask_json(deliver_request(DEVICE, cJSON_CreateNumber(0), "AQID")), "command_id");
	expect_error(ask_json(deliver_request(DEVICE, cJSON_CreateNumber(-3), "AQID")), "command_id");
	expect_error(ask_json(deliver_request(DEVICE, cJSON_CreateNumber(1.5), "AQID")), "command_id");
	expect_error(ask_json(deliver_request(DEVICE, cJSON_CreateNumber(4294967296.0), "AQID")), "command_id");
	expect_error(ask_json(deliver_request(DEVICE, cJSON_CreateString("5"), "AQID")), "command_id");
	expect_error(ask_json(deliver_request("bridge", cJSON_CreateNumber(5), "AQID")), "not an address");
	/* well formed, but nobody is online */
	reply = ask_json(deliver_request(DEVICE, cJSON_CreateNumber(4294967295.0), "AQID"));
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok")));
	ck_assert_str_eq(cJSON_GetObjectItem(reply, "result")->valuestring, "offline");
	cJSON_Delete(reply);
	reply = ask("{\"op\":\"push_key\",\"device\":\"" DEVICE "\"}");
	ck_assert_str_eq(cJSON_GetObjectItem(reply, "result")->valuestring, "unclaimed");
	cJSON_Delete(reply);
	expect_error(ask("{\"op\":\"push_key\"}"), "missing field");
}
END_TEST

START_TEST(test_lists_logs_counters)
{
	cJSON *reply = ask("{\"op\":\"bridges\"}");

	ck_assert(cJSON_IsArray(cJSON_GetObjectItem(reply, "bridges")));
	cJSON_Delete(reply);
	reply = ask("{\"op\":\"devices\"}");
	ck_assert(cJSON_IsArray(cJSON_GetObjectItem(reply, "devices")));
	cJSON_Delete(reply);
	reply = ask("{\"op\":\"counters\"}");
	ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "counters"), "control_requests")->valueint, 3);
	cJSON_Delete(reply);
	expect_error(ask("{\"op\":\"logs\",\"bridge\":\"" BRIDGE "\"}"), "unknown bridge");
	expect_error(ask("{\"op\":\"logs\"}"), "missing field");
}
END_TEST

START_TEST(test_line_limit)
{
	size_t len = CONTROL_LINE_MAX + 1;
	char *line = malloc(len);
	char *text;

	memset(line, ' ', len);
	text = control_handle(reg, line, len);
	ck_assert_ptr_nonnull(text);
	ck_assert(strstr(text, "too long") != NULL);
	free(text);
	free(line);
	text = control_error_reply("x \"quoted\"");
	ck_assert_str_eq(text, "{\"ok\":false,\"error\":\"x \\\"quoted\\\"\"}");
	free(text);
}
END_TEST

/*
 * Regression: an "id" that cannot be echoed made the reply wrong: a number
 * too big for a double was echoed as null, a string of invalid UTF-8 raw
 * (invalid JSON). Such an id gets an error reply without it.
 */
START_TEST(test_id_that_cannot_be_echoed_is_refused)
{
	char huge[600];
	char *text;
	cJSON *reply;

	g_strlcpy(huge, "{\"op\":\"ping\",\"id\":", sizeof(huge));
	memset(huge + strlen(huge), '1', 400);
	huge[18 + 400] = '\0';
	g_strlcat(huge, "}", sizeof(huge));
	text = control_handle(reg, huge, strlen(huge));
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_null(strstr(text, "null"));
	reply = cJSON_Parse(text);
	free(text);
	ck_assert_ptr_null(cJSON_GetObjectItem(reply, "id"));
	expect_error(reply, "\"id\"");
	text = control_handle(reg, "{\"op\":\"ping\",\"id\":\"\xff\xfe\"}", strlen("{\"op\":\"ping\",\"id\":\"\xff\xfe\"}"));
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(g_utf8_validate(text, -1, NULL), "reply is not UTF-8");
	reply = cJSON_Parse(text);
	free(text);
	ck_assert_ptr_nonnull(reply);
	ck_assert_ptr_null(cJSON_GetObjectItem(reply, "id"));
	expect_error(reply, "\"id\"");
	/* an unknown op keeps its (valid) id; a string id of valid UTF-8 is echoed */
	reply = ask("{\"op\":\"ping\",\"id\":\"r\u00e9ponse-1\"}");
	ck_assert_str_eq(cJSON_GetObjectItem(reply, "id")->valuestring, "r\xc3\xa9ponse-1");
	cJSON_Delete(reply);
	reply = ask("{\"op\":\"ping\",\"id\":-1.5e300}");
	ck_assert(cJSON_GetObjectItem(reply, "id")->valuedouble == -1.5e300);
	cJSON_Delete(reply);
}
END_TEST

/* Regression: the relay took deliver payloads of any length the line allowed; it refuses above RELAY_MAX_PAYLOAD_BASE64. */
START_TEST(test_deliver_payload_over_the_clients_limit_is_refused)
{
	size_t n = RELAY_MAX_PAYLOAD_BASE64 + 4;
	char *payload = malloc(n + 1);
	cJSON *req;

	memset(payload, 'A', n);
	payload[n] = '\0';
	req = deliver_request(DEVICE, cJSON_CreateNumber(5), payload);
	free(payload);
	expect_error(ask_json(req), "payload");
}
END_TEST

/* Regression: an unknown op's name was echoed in the error reply byte for byte, invalid UTF-8 and all. */
START_TEST(test_error_reply_invalid_utf8_not_echoed)
{
	static const char *const requests[] = {
		"{\"op\":\"\xff\xfe\"}",            /* bytes that are never UTF-8 */
		"{\"op\":\"caf\xc3\"}",              /* a character cut short */
		"{\"op\":\"\xed\xa0\x80x\"}",        /* a UTF-16 surrogate written as UTF-8 */
		"{\"op\":\"\xc0\xaf" "etc\",\"id\":1}", /* an overlong slash */
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(requests); i++) {
		cJSON *reply = ask(requests[i]); /* ask checks the reply is UTF-8 */
		const cJSON *error = cJSON_GetObjectItem(reply, "error");

		ck_assert(cJSON_IsString(error));
		ck_assert_msg(strstr(error->valuestring, "\xef\xbf\xbd") != NULL, "no U+FFFD in \"%s\"",
			      error->valuestring);
		expect_error(reply, "unknown op");
	}
	/* valid UTF-8 is quoted as it came */
	expect_error(ask("{\"op\":\"caf\xc3\xa9\"}"), "unknown op \"caf\xc3\xa9\"");
}
END_TEST

/* Blank lines get no reply; the rule the relay's line reader applies. */
START_TEST(test_blank_lines)
{
	ck_assert(control_line_blank("", 0));
	ck_assert(control_line_blank("\r", 1));
	ck_assert(control_line_blank(" \t \r", 4));
	ck_assert(!control_line_blank("{}", 2));
	ck_assert(!control_line_blank(" x", 2));
	ck_assert(!control_line_blank("\0", 1));
	/* only len bytes count */
	ck_assert(control_line_blank("  {}", 2));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("relay_control");
	TCase *tc = tcase_create("control");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_malformed_requests);
	tcase_add_test(tc, test_ping_and_id_echo);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_deliver_fields);
	tcase_add_test(tc, test_lists_logs_counters);
	tcase_add_test(tc, test_line_limit);
	tcase_add_test(tc, test_id_that_cannot_be_echoed_is_refused);
	tcase_add_test(tc, test_deliver_payload_over_the_clients_limit_is_refused);
	tcase_add_test(tc, test_error_reply_invalid_utf8_not_echoed);
	tcase_add_test(tc, test_blank_lines);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
