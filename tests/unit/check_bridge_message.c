/* check_bridge_message.c: unit tests of decoding bridge -> server messages and of the return code names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "bridge_message.h"
#include "return_code.h"
#include "test_util.h"

#define B "\"bridge_address\": \"000d6f0001b3719d\""
#define D "\"device_address\": \"000d6f000273ce0b\""
#define TS "\"timestamp\": 1421336620.5"

/* Decodes text from an exact-size buffer with no NUL after it (so ASan sees any overread). */
static int decode(const char *text, struct bridge_message *msg)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	int rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, len);
	rc = bridge_message_decode(copy, len, msg);
	free(copy);
	return rc;
}

/* Checks the invariants every decoded message keeps, whatever its kind. */
static void check_consistent(const struct bridge_message *msg, int rc)
{
	cJSON *json = bridge_message_to_json(msg);
	char *printed;

	ck_assert_ptr_nonnull(json);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, "kind")),
			 bridge_message_kind_name(msg->kind));
	if (msg->kind == BRIDGE_MESSAGE_MALFORMED || msg->kind == BRIDGE_MESSAGE_UNKNOWN) {
		ck_assert_int_eq(rc, -1);
		ck_assert(msg->reason.message[0] != '\0');
		ck_assert_ptr_null(strchr(msg->reason.message, '\n'));
	} else {
		ck_assert_int_eq(rc, 0);
	}
	printed = cJSON_PrintUnformatted(json);
	ck_assert_ptr_nonnull(printed);
	ck_assert_msg(g_utf8_validate(printed, -1, NULL), "output is not UTF-8: %s", printed);
	free(printed);
	cJSON_Delete(json);
}

/* Every key of each seed line's "expect" has that value in bridge_message_to_json's output. */
START_TEST(test_seed_vectors)
{
	size_t len, lines = 0;
	char *text = (char *)vector_read("seed/bridge_messages.jsonl", &len);
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *root = cJSON_Parse(line);
		cJSON *message = cJSON_GetObjectItemCaseSensitive(root, "message");
		cJSON *expect = cJSON_GetObjectItemCaseSensitive(root, "expect");
		cJSON *out, *item;
		char *printed;
		struct bridge_message msg;
		int rc;

		ck_assert_ptr_nonnull(message);
		ck_assert_ptr_nonnull(expect);
		printed = cJSON_PrintUnformatted(message);
		rc = decode(printed, &msg);
		check_consistent(&msg, rc);
		ck_assert_msg(rc == 0, "line %zu: %s", lines + 1, msg.reason.message);
		out = bridge_message_to_json(&msg);
		cJSON_ArrayForEach(item, expect) {
			cJSON *got = cJSON_GetObjectItemCaseSensitive(out, item->string);
			char *want_text = cJSON_PrintUnformatted(item);
			char *got_text = got ? cJSON_PrintUnformatted(got) : NULL;

			ck_assert_msg(got && cJSON_Compare(item, got, 1), "line %zu: %s is %s, expected %s",
				      lines + 1, item->string, got_text ? got_text : "(missing)", want_text);
			free(want_text);
			free(got_text);
		}
		/* The common fields always come back as sent. */
		ck_assert_str_eq(msg.bridge_address,
				 cJSON_GetObjectItemCaseSensitive(message, "bridge_address")->valuestring);
		ck_assert_int_eq(msg.has_timestamp, 1);
		ck_assert(msg.timestamp == cJSON_GetObjectItemCaseSensitive(message, "timestamp")->valuedouble);
		ck_assert(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(out, "bridge_address"),
					cJSON_GetObjectItemCaseSensitive(message, "bridge_address"), 1));
		cJSON_Delete(out);
		free(printed);
		bridge_message_clear(&msg);
		cJSON_Delete(root);
		lines++;
	}
	ck_assert_uint_eq(lines, 10);
	free(text);
}
END_TEST

/* The struct fields of a few seed messages, beyond what to_json shows. */
START_TEST(test_seed_struct_fields)
{
	struct bridge_message msg;

	ck_assert_int_eq(decode("{\"device_address\": \"000d6f000273ce0b\", \"timestamp\": 1346504091.521628,"
				" \"bridge_address\": \"000d6f0002ff7a91\", \"binary_payload\": \"AQAAAAAABAAAABQAAAA=\","
				" \"rssi_stats\": [-31, -32, -30], \"type\": \"DeviceEvent\"}", &msg), 0);
	ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_HEARTBEAT);
	ck_assert_str_eq(msg.device_address, "000d6f000273ce0b");
	ck_assert_uint_eq(msg.event.heartbeat.uptime, 20);
	ck_assert_int_eq(msg.has_rssi, 1);
	ck_assert_int_eq(msg.rssi_stats[0], -31);
	ck_assert_int_eq(msg.rssi_stats[1], -32);
	ck_assert_int_eq(msg.rssi_stats[2], -30);
	ck_assert_uint_eq(msg.binary_len, 14);
	bridge_message_clear(&msg);

	ck_assert_int_eq(decode("{\"bridge_address\": \"000d6f0002ff7a91\", \"type\": \"BridgeLog\", \"records\":"
				" [{\"name\": \"cloud.socket\", \"created\": 1346500877.330243, \"process\": 465,"
				" \"levelno\": 40, \"processName\": \"MainProcess\", \"message\":"
				" \"Socket connection refused\", \"levelname\": \"ERROR\"}],"
				" \"timestamp\": 1346500898.143672}", &msg), 0);
	ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_BRIDGE_LOG);
	ck_assert_uint_eq(msg.log.count, 1);
	ck_assert_uint_eq(msg.log.total, 1);
	ck_assert_str_eq(msg.log.records[0].name, "cloud.socket");
	ck_assert_int_eq(msg.log.records[0].has_created, 1);
	ck_assert(msg.log.records[0].created == 1346500877.330243);
	ck_assert_int_eq(msg.log.records[0].has_levelno, 1);
	ck_assert_int_eq(msg.log.records[0].levelno, 40);
	ck_assert_str_eq(msg.log.records[0].levelname, "ERROR");
	ck_assert_str_eq(msg.log.records[0].message, "Socket connection refused");
	bridge_message_clear(&msg);

	ck_assert_int_eq(decode("{\"device_address\": \"000d6f000273ce0b\", \"timestamp\": 1421336620.588616,"
				" \"transfer_time\": 3.43, \"bridge_address\": \"000d6f0001b3719d\", \"return_code\": 144,"
				" \"rssi_stats\": [-19, -19, -19], \"type\": \"DeviceCommandResponse\", \"command_id\": 0}",
				&msg), 0);
	ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_DEVICE_COMMAND_RESPONSE);
	ck_assert_uint_eq(msg.response.command_id, 0);
	ck_assert_int_eq(msg.response.return_code, RETURN_CODE_FILESYSTEM_INVALID_ID);
	ck_assert_int_eq(msg.response.has_transfer_time, 1);
	ck_assert(msg.response.transfer_time == 3.43);
	bridge_message_clear(&msg);
	/* Clearing twice is harmless and leaves an empty message. */
	bridge_message_clear(&msg);
	ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_MALFORMED);
	ck_assert_ptr_null(msg.binary);
	ck_assert_ptr_null(msg.log.records);
}
END_TEST

/* encryption_key_required carries the hardware xor of every generated address. */
START_TEST(test_encryption_key_required_xor)
{
	cJSON *vectors = vector_json("generated/hardware_xor.json");
	cJSON *item;
	char text[512];
	size_t count = 0;

	cJSON_ArrayForEach(item, vectors) {
		const char *address = cJSON_GetObjectItemCaseSensitive(item, "device_address")->valuestring;
		double xor = cJSON_GetObjectItemCaseSensitive(item, "hardware_xor")->valuedouble;
		struct bridge_message msg;
		cJSON *out;

		snprintf(text, sizeof(text),
			 "{\"type\": \"BridgeEvent\", " B ", " TS ", \"json_payload\":"
			 " {\"name\": \"encryption_key_required\", \"device_address\": \"%s\"}}", address);
		ck_assert_int_eq(decode(text, &msg), 0);
		ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_ENCRYPTION_KEY_REQUIRED);
		ck_assert_str_eq(msg.device_address, address);
		ck_assert_uint_eq(msg.hardware_xor, (uint32_t)xor);
		out = bridge_message_to_json(&msg);
		ck_assert(cJSON_GetObjectItemCaseSensitive(out, "hardware_xor")->valuedouble == xor);
		ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "device_address")->valuestring, address);
		cJSON_Delete(out);
		bridge_message_clear(&msg);
		count++;
	}
	ck_assert_uint_gt(count, 10);
	cJSON_Delete(vectors);
}
END_TEST

/* One message that must not decode: the kind it must get and a piece of the reason. */
struct bad_case {
	const char *json;   /* the message */
	int kind;           /* BRIDGE_MESSAGE_MALFORMED or BRIDGE_MESSAGE_UNKNOWN */
	const char *reason; /* a substring of the reason */
};

static const struct bad_case bad_cases[] = {
	/* Not a JSON object at all. */
	{ "", BRIDGE_MESSAGE_MALFORMED, "empty" },
	{ "[1, 2]", BRIDGE_MESSAGE_MALFORMED, "not a JSON object" },
	{ "\"BridgeEvent\"", BRIDGE_MESSAGE_MALFORMED, "not a JSON object" },
	{ "42", BRIDGE_MESSAGE_MALFORMED, "not a JSON object" },
	{ "null", BRIDGE_MESSAGE_MALFORMED, "not a JSON object" },
	{ "{", BRIDGE_MESSAGE_MALFORMED, "not valid JSON" },
	{ "{\"type\": \"BridgeEvent\", " B ", \"json_pay", BRIDGE_MESSAGE_MALFORMED, "not valid JSON" },
	{ "{\"type\": \"BridgeEvent\"} x", BRIDGE_MESSAGE_MALFORMED, "after the JSON" },
	{ "{\"type\": \"BridgeEvent\"}{}", BRIDGE_MESSAGE_MALFORMED, "after the JSON" },
	{ "{'type': 'BridgeEvent'}", BRIDGE_MESSAGE_MALFORMED, "not valid JSON" },
	/* Common fields. */
	{ "{" B ", " TS "}", BRIDGE_MESSAGE_MALFORMED, "type is missing" },
	{ "{\"type\": 5, " B "}", BRIDGE_MESSAGE_MALFORMED, "type is not a string" },
	{ "{\"type\": null, " B "}", BRIDGE_MESSAGE_MALFORMED, "type is not a string" },
	{ "{\"type\": \"DeviceEvent\"}", BRIDGE_MESSAGE_MALFORMED, "bridge_address is missing" },
	{ "{\"type\": \"DeviceEvent\", \"bridge_address\": 12}", BRIDGE_MESSAGE_MALFORMED,
	  "bridge_address is not a string" },
	{ "{\"type\": \"DeviceEvent\", \"bridge_address\": \"000D6F0001B3719D\"}", BRIDGE_MESSAGE_MALFORMED,
	  "bridge_address is not 16" },
	{ "{\"type\": \"DeviceEvent\", \"bridge_address\": \"000d6f0001b3719\"}", BRIDGE_MESSAGE_MALFORMED,
	  "bridge_address is not 16" },
	{ "{\"type\": \"DeviceEvent\", \"bridge_address\": \"000d6f0001b3719d0\"}", BRIDGE_MESSAGE_MALFORMED,
	  "bridge_address is not 16" },
	{ "{\"type\": \"DeviceEvent\", \"bridge_address\": \"000d6f0001b3719g\"}", BRIDGE_MESSAGE_MALFORMED,
	  "bridge_address is not 16" },
	/* Unknown types. */
	{ "{\"type\": \"BridgeCommand\", " B "}", BRIDGE_MESSAGE_UNKNOWN, "unknown type \"BridgeCommand\"" },
	{ "{\"type\": \"\", " B "}", BRIDGE_MESSAGE_UNKNOWN, "unknown type" },
	{ "{\"type\": \"bad\\nline\", " B "}", BRIDGE_MESSAGE_UNKNOWN, "unknown type \"bad line\"" },
	/* BridgeEvent. */
	{ "{\"type\": \"BridgeEvent\", " B "}", BRIDGE_MESSAGE_MALFORMED, "json_payload is missing" },
	{ "{\"type\": \"BridgeEvent\", " B ", \"json_payload\": \"power_on\"}", BRIDGE_MESSAGE_MALFORMED,
	  "json_payload is not an object" },
	{ "{\"type\": \"BridgeEvent\", " B ", \"json_payload\": {}}", BRIDGE_MESSAGE_MALFORMED,
	  "json_payload.name is missing" },
	{ "{\"type\": \"BridgeEvent\", " B ", \"json_payload\": {\"name\": 1}}", BRIDGE_MESSAGE_MALFORMED,
	  "json_payload.name is not a string" },
	{ "{\"type\": \"BridgeEvent\", " B ", \"json_payload\": {\"name\": \"reboot\"}}", BRIDGE_MESSAGE_UNKNOWN,
	  "unknown BridgeEvent name \"reboot\"" },
	{ "{\"type\": \"BridgeEvent\", " B ", \"json_payload\": {\"name\": \"device_connect\"}}",
	  BRIDGE_MESSAGE_MALFORMED, "json_payload.device_address is missing" },
	{ "{\"type\": \"BridgeEvent\", " B ", \"json_payload\": {\"name\": \"device_disconnect\","
	  " \"device_address\": [\"000d6f000273ce0b\"]}}", BRIDGE_MESSAGE_MALFORMED,
	  "json_payload.device_address is not a string" },
	{ "{\"type\": \"BridgeEvent\", " B ", \"json_payload\": {\"name\": \"encryption_key_required\","
	  " \"device_address\": \"0x0d6f000273ce0b\"}}", BRIDGE_MESSAGE_MALFORMED,
	  "json_payload.device_address is not 16" },
	/* A device address at the top level does not stand in for the payload's. */
	{ "{\"type\": \"BridgeEvent\", " B ", " D ", \"json_payload\": {\"name\": \"device_connect\"}}",
	  BRIDGE_MESSAGE_MALFORMED, "json_payload.device_address is missing" },
	/* BridgeLog. */
	{ "{\"type\": \"BridgeLog\", " B "}", BRIDGE_MESSAGE_MALFORMED, "records is missing" },
	{ "{\"type\": \"BridgeLog\", " B ", \"records\": {}}", BRIDGE_MESSAGE_MALFORMED, "records is not an array" },
	/* DeviceEvent. */
	{ "{\"type\": \"DeviceEvent\", " B ", \"binary_payload\": \"AQAAAAAABAAAABQAAAA=\"}",
	  BRIDGE_MESSAGE_MALFORMED, "device_address is missing" },
	{ "{\"type\": \"DeviceEvent\", " B ", \"device_address\": \"000d6f000273ce0\","
	  " \"binary_payload\": \"AQAAAAAABAAAABQAAAA=\"}", BRIDGE_MESSAGE_MALFORMED, "device_address is not 16" },
	{ "{\"type\": \"DeviceEvent\", " B ", " D "}", BRIDGE_MESSAGE_MALFORMED, "binary_payload is missing" },
	{ "{\"type\": \"DeviceEvent\", " B ", " D ", \"binary_payload\": 1}", BRIDGE_MESSAGE_MALFORMED,
	  "binary_payload is not a string" },
	{ "{\"type\": \"DeviceEvent\", " B ", " D ", \"binary_payload\": \"AQAAAAAABAAAABQAAAA\"}",
	  BRIDGE_MESSAGE_MALFORMED, "not valid base64" },
	{ "{\"type\": \"DeviceEvent\", " B ", " D ", \"binary_payload\": \"AQAA*AAABAAAABQAAAA=\"}",
	  BRIDGE_MESSAGE_MALFORMED, "not valid base64" },
	{ "{\"type\": \"DeviceEvent\", " B ", " D ", \"binary_payload\": \"AQAAAAAABAAA ABQAAAA=\"}",
	  BRIDGE_MESSAGE_MALFORMED, "not valid base64" },
	{ "{\"type\": \"DeviceEvent\", " B ", " D ", \"binary_payload\": \"\"}", BRIDGE_MESSAGE_MALFORMED,
	  "shorter than the 10-byte event header" },
	/* heartbeat declaring 4 bytes, carrying 3 */
	{ "{\"type\": \"DeviceEvent\", " B ", " D ", \"binary_payload\": \"AQAAAAAABAAAABQAAA==\"}",
	  BRIDGE_MESSAGE_MALFORMED, "13 bytes, its header says 14" },
	/* heartbeat declaring 4 bytes, carrying 5 */
	{ "{\"type\": \"DeviceEvent\", " B ", " D ", \"binary_payload\": \"AQAAAAAABAAAABQAAAAA\"}",
	  BRIDGE_MESSAGE_MALFORMED, "15 bytes, its header says 14" },
	/* heartbeat of length 5, consistently declared */
	{ "{\"type\": \"DeviceEvent\", " B ", " D ", \"binary_payload\": \"AQAAAAAABQAAABQAAAAA\"}",
	  BRIDGE_MESSAGE_MALFORMED, "heartbeat payload is 5 bytes" },
	/* event code 0x0004 */
	{ "{\"type\": \"DeviceEvent\", " B ", " D ", \"binary_payload\": \"BAAAAAAAAAAAAA==\"}",
	  BRIDGE_MESSAGE_UNKNOWN, "unknown device event code 0x0004" },
	/* did_power_on with reset cause 0x0b */
	{ "{\"type\": \"DeviceEvent\", " B ", " D ", \"binary_payload\": \"AwAAAAAASgAAAAAAAAB2MC41LTEyLWcyNmU4MmYwAAAAAA"
	  "AAAAAAAAAAAAAAAHYwLjUtMC1nMTQ4NTljYgAAAAAAAAAAAAAAAAAAAAAABAAAAAEL\"}",
	  BRIDGE_MESSAGE_MALFORMED, "reset_description 0x0b01" },
	/* CommandResponses. */
	{ "{\"type\": \"DeviceCommandResponse\", " B ", \"device_address\": 5, \"command_id\": 1, \"return_code\": 0}",
	  BRIDGE_MESSAGE_MALFORMED, "device_address is not a string" },
	{ "{\"type\": \"DeviceCommandResponse\", " B ", " D ", \"return_code\": 0}", BRIDGE_MESSAGE_MALFORMED,
	  "command_id is missing" },
	{ "{\"type\": \"DeviceCommandResponse\", " B ", " D ", \"command_id\": \"7\", \"return_code\": 0}",
	  BRIDGE_MESSAGE_MALFORMED, "command_id is not an integer" },
	{ "{\"type\": \"DeviceCommandResponse\", " B ", " D ", \"command_id\": -1, \"return_code\": 0}",
	  BRIDGE_MESSAGE_MALFORMED, "command_id is not an integer" },
	{ "{\"type\": \"DeviceCommandResponse\", " B ", " D ", \"command_id\": 1.5, \"return_code\": 0}",
	  BRIDGE_MESSAGE_MALFORMED, "command_id is not an integer" },
	{ "{\"type\": \"DeviceCommandResponse\", " B ", " D ", \"command_id\": 4294967296, \"return_code\": 0}",
	  BRIDGE_MESSAGE_MALFORMED, "command_id is not an integer" },
	{ "{\"type\": \"DeviceCommandResponse\", " B ", " D ", \"command_id\": 3}", BRIDGE_MESSAGE_MALFORMED,
	  "return_code is missing" },
	{ "{\"type\": \"DeviceCommandResponse\", " B ", " D ", \"command_id\": 3, \"return_code\": 256}",
	  BRIDGE_MESSAGE_MALFORMED, "return_code is not an integer from 0 to 255" },
	{ "{\"type\": \"DeviceCommandResponse\", " B ", " D ", \"command_id\": 3, \"return_code\": true}",
	  BRIDGE_MESSAGE_MALFORMED, "return_code is not an integer" },
	{ "{\"type\": \"BridgeCommandResponse\", " B ", \"return_code\": 0}", BRIDGE_MESSAGE_MALFORMED,
	  "command_id is missing" },
	{ "{\"type\": \"BridgeCommandResponse\", " B ", \"command_id\": 2, \"return_code\": \"0\"}",
	  BRIDGE_MESSAGE_MALFORMED, "return_code is not an integer" },
};

START_TEST(test_bad_messages)
{
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct bridge_message msg;
		int rc = decode(bad_cases[i].json, &msg);

		check_consistent(&msg, rc);
		ck_assert_msg(rc == -1, "case %zu decoded: %s", i, bad_cases[i].json);
		ck_assert_msg((int)msg.kind == bad_cases[i].kind, "case %zu is %s: %s", i,
			      bridge_message_kind_name(msg.kind), bad_cases[i].json);
		ck_assert_msg(strstr(msg.reason.message, bad_cases[i].reason) != NULL,
			      "case %zu: reason \"%s\" lacks \"%s\"", i, msg.reason.message, bad_cases[i].reason);
		bridge_message_clear(&msg);
	}
}
END_TEST

/* A message that is too big or too deeply nested is malformed before anything else is looked at. */
START_TEST(test_size_and_depth_bounds)
{
	struct bridge_message msg;
	size_t big = BRIDGE_MESSAGE_MAX_BYTES + 1, i;
	char *text = malloc(big + 1);
	char deep[512];
	int depth;

	ck_assert_ptr_nonnull(text);
	memset(text, ' ', big);
	memcpy(text, "{\"type\": \"BridgeLog\", " B ", \"records\": []}",
	       strlen("{\"type\": \"BridgeLog\", " B ", \"records\": []}"));
	ck_assert_int_eq(bridge_message_decode(text, big, &msg), -1);
	ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_MALFORMED);
	ck_assert_ptr_nonnull(strstr(msg.reason.message, "more than 262144"));
	/* One byte less is fine: trailing white space is allowed. */
	ck_assert_int_eq(bridge_message_decode(text, big - 1, &msg), 0);
	ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_BRIDGE_LOG);
	bridge_message_clear(&msg);
	free(text);

	for (depth = 28; depth <= 40; depth++) {
		size_t n = 0;
		int rc;

		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "{\"type\": \"BridgeLog\", " B ", \"records\": [], \"x\": ");
		for (i = 0; i < (size_t)depth; i++)
			deep[n++] = '[';
		for (i = 0; i < (size_t)depth; i++)
			deep[n++] = ']';
		deep[n++] = '}';
		deep[n] = '\0';
		rc = decode(deep, &msg);
		/* The root object is level 1, "x" level 2, its innermost array level depth + 1. */
		if (depth + 1 <= BRIDGE_MESSAGE_MAX_DEPTH) {
			ck_assert_int_eq(rc, 0);
		} else {
			ck_assert_int_eq(rc, -1);
			ck_assert_ptr_nonnull(strstr(msg.reason.message, "nested deeper"));
		}
		bridge_message_clear(&msg);
	}
}
END_TEST

/*
 * Regression: a timestamp that is not a number, or a BridgeLog record that is
 * not an object, made the whole message malformed, contrary to PROTOCOL.md 1
 * ("keep what comes"): the field is left out, the record skipped, both counted.
 */
START_TEST(test_bad_timestamp_or_log_record_is_ignored_not_malformed)
{
	static const char *const stamps[] = { "{}", "\"soon\"", "\"12abc\"", "\"\"", "\" 1\"", "\"1e999\"", "[1]",
					       "null", "true" };
	struct bridge_message msg;
	char text[256];
	cJSON *out;
	size_t i;

	for (i = 0; i < sizeof(stamps) / sizeof(stamps[0]); i++) {
		snprintf(text, sizeof(text), "{\"type\": \"BridgeCommandResponse\", " B
			 ", \"command_id\": 9, \"return_code\": 0, \"timestamp\": %s}", stamps[i]);
		ck_assert_msg(decode(text, &msg) == 0, "%s: %s", stamps[i], msg.reason.message);
		ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_BRIDGE_COMMAND_RESPONSE);
		ck_assert_int_eq(msg.has_timestamp, 0);
		ck_assert_uint_eq(msg.ignored, 1);
		ck_assert_uint_eq(msg.response.command_id, 9);
		bridge_message_clear(&msg);
	}
	ck_assert_int_eq(decode("{\"type\": \"BridgeLog\", " B ", \"timestamp\": \"later\", \"records\": [1,"
				" {\"name\": \"a\", \"message\": \"kept\"}, \"x\", null, [], {\"message\": \"too\"}]}", &msg), 0);
	ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_BRIDGE_LOG);
	ck_assert_uint_eq(msg.log.total, 6);
	ck_assert_uint_eq(msg.log.skipped, 4);
	ck_assert_uint_eq(msg.log.count, 2);
	ck_assert_uint_eq(msg.ignored, 5);
	ck_assert_str_eq(msg.log.records[0].message, "kept");
	ck_assert_str_eq(msg.log.records[1].message, "too");
	out = bridge_message_to_json(&msg);
	ck_assert(cJSON_GetObjectItemCaseSensitive(out, "records_skipped")->valuedouble == 4);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(out, "records_dropped"));
	cJSON_Delete(out);
	bridge_message_clear(&msg);
	/* a device event keeps working with a bad timestamp: the server acts on it */
	ck_assert_int_eq(decode("{\"type\": \"DeviceEvent\", " B ", " D ", \"timestamp\": {\"a\": 1},"
				" \"binary_payload\": \"AQAAAAAABAAAABQAAAA=\"}", &msg), 0);
	ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_HEARTBEAT);
	bridge_message_clear(&msg);
}
END_TEST

/* Timestamps as float, integer, numeric string or absent. */
START_TEST(test_timestamps)
{
	static const struct {
		const char *field; /* the timestamp member, or "" */
		int has;           /* expected has_timestamp */
		double value;      /* expected timestamp */
	} cases[] = {
		{ ", \"timestamp\": 1426256447.70695", 1, 1426256447.70695 },
		{ ", \"timestamp\": 1426256447", 1, 1426256447.0 },
		{ ", \"timestamp\": \"1426256447.5\"", 1, 1426256447.5 },
		{ ", \"timestamp\": \"0\"", 1, 0.0 },
		{ ", \"timestamp\": \"-2.5e3\"", 1, -2500.0 },
		{ "", 0, 0.0 },
	};
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bridge_message msg;
		cJSON *out;

		snprintf(text, sizeof(text), "{\"type\": \"BridgeCommandResponse\", " B
			 ", \"command_id\": 9, \"return_code\": 0%s}", cases[i].field);
		ck_assert_int_eq(decode(text, &msg), 0);
		ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_BRIDGE_COMMAND_RESPONSE);
		ck_assert_int_eq(msg.has_timestamp, cases[i].has);
		ck_assert(msg.timestamp == cases[i].value);
		out = bridge_message_to_json(&msg);
		if (cases[i].has)
			ck_assert(cJSON_GetObjectItemCaseSensitive(out, "timestamp")->valuedouble == cases[i].value);
		else
			ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(out, "timestamp"));
		ck_assert(cJSON_GetObjectItemCaseSensitive(out, "command_id")->valuedouble == 9);
		ck_assert(cJSON_GetObjectItemCaseSensitive(out, "return_code")->valuedouble == 0);
		cJSON_Delete(out);
		bridge_message_clear(&msg);
	}
}
END_TEST

/* power_on keeps its informational strings loosely; other types are ignored, long strings cut. */
START_TEST(test_power_on_loose)
{
	struct bridge_message msg;
	char text[1024], long_model[200];
	cJSON *out;

	ck_assert_int_eq(decode("{\"type\": \"BridgeEvent\", " B ", \"timestamp\": 17, \"json_payload\":"
				" {\"name\": \"power_on\", \"model\": 3, \"firmware_version\": \"v9\","
				" \"ncp_version\": null, \"uptime\": 12.5, \"uboot_environment\": {\"a\": 1},"
				" \"network_info\": [], \"mac_address\": \"40:d8:55:01:c1:b3\","
				" \"local_ip_address\": \"10.0.0.\\u00e9\\n\"}}", &msg), 0);
	ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_POWER_ON);
	ck_assert_str_eq(msg.bridge_address, "000d6f0001b3719d");
	ck_assert_str_eq(msg.device_address, "");
	ck_assert(msg.timestamp == 17.0);
	ck_assert_str_eq(msg.power_on.model, "");
	ck_assert_str_eq(msg.power_on.firmware_version, "v9");
	ck_assert_str_eq(msg.power_on.ncp_version, "");
	ck_assert_str_eq(msg.power_on.mac_address, "40:d8:55:01:c1:b3");
	ck_assert_str_eq(msg.power_on.local_ip_address, "10.0.0.?? ");
	out = bridge_message_to_json(&msg);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(out, "model"));
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "firmware_version")->valuestring, "v9");
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(out, "device_address"));
	cJSON_Delete(out);
	bridge_message_clear(&msg);

	/* The minimal power_on of an emulator: a name and nothing else. */
	ck_assert_int_eq(decode("{\"type\": \"BridgeEvent\", " B ", \"json_payload\": {\"name\": \"power_on\"}}",
				&msg), 0);
	ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_POWER_ON);
	bridge_message_clear(&msg);

	memset(long_model, 'm', sizeof(long_model) - 1);
	long_model[sizeof(long_model) - 1] = '\0';
	snprintf(text, sizeof(text), "{\"type\": \"BridgeEvent\", " B ", \"json_payload\":"
		 " {\"name\": \"power_on\", \"model\": \"%s\"}}", long_model);
	ck_assert_int_eq(decode(text, &msg), 0);
	ck_assert_uint_eq(strlen(msg.power_on.model), BRIDGE_INFO_MAX);
	ck_assert(strncmp(msg.power_on.model, long_model, BRIDGE_INFO_MAX) == 0);
	bridge_message_clear(&msg);
}
END_TEST

/* BridgeLog keeps a bounded number of records and bounded, valid, one-line strings. */
START_TEST(test_bridge_log_bounds)
{
	GString *text = g_string_new("{\"type\": \"BridgeLog\", " B ", \"records\": [");
	struct bridge_message msg;
	cJSON *out;
	size_t i;
	int rc;

	for (i = 0; i < 100; i++) {
		g_string_append_printf(text, "%s{\"name\": \"n%zu\", \"levelno\": %zu, \"levelname\": 7, \"message\": \"",
				       i ? ", " : "", i, i);
		if (i == 0) {
			size_t k;

			for (k = 0; k < 1000; k++)
				g_string_append(text, "\xe2\x82\xac"); /* the euro sign, 3 bytes */
		} else if (i == 1) {
			g_string_append(text, "two\\nlines\\ttab\xff");
		} else {
			g_string_append(text, "plain");
		}
		g_string_append(text, "\"}");
	}
	g_string_append(text, "]}");
	rc = decode(text->str, &msg);
	check_consistent(&msg, rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(msg.log.total, 100);
	ck_assert_uint_eq(msg.log.count, BRIDGE_LOG_MAX_RECORDS);
	/* 341 whole euro signs fit into 1024 bytes; the 342nd is not split. */
	ck_assert_uint_eq(strlen(msg.log.records[0].message), 1023);
	ck_assert(g_utf8_validate(msg.log.records[0].message, -1, NULL));
	ck_assert_str_eq(msg.log.records[1].message, "two lines tab\xef\xbf\xbd");
	ck_assert_str_eq(msg.log.records[63].name, "n63");
	ck_assert_int_eq(msg.log.records[63].levelno, 63);
	ck_assert_int_eq(msg.log.records[63].has_created, 0);
	ck_assert_str_eq(msg.log.records[63].levelname, "");
	out = bridge_message_to_json(&msg);
	ck_assert(cJSON_GetObjectItemCaseSensitive(out, "records")->valuedouble == BRIDGE_LOG_MAX_RECORDS);
	ck_assert(cJSON_GetObjectItemCaseSensitive(out, "records_dropped")->valuedouble == 100 - BRIDGE_LOG_MAX_RECORDS);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(out, "log")), BRIDGE_LOG_MAX_RECORDS);
	cJSON_Delete(out);
	bridge_message_clear(&msg);
	g_string_free(text, TRUE);

	ck_assert_int_eq(decode("{\"type\": \"BridgeLog\", " B ", \"records\": []}", &msg), 0);
	ck_assert_uint_eq(msg.log.count, 0);
	ck_assert_ptr_null(msg.log.records);
	bridge_message_clear(&msg);
}
END_TEST

/* The DeviceEvent kinds the seed lines lack, through the whole message and its JSON. */
START_TEST(test_other_device_events)
{
	struct bridge_message msg;
	cJSON *out;

	/* did_print: type 0x11 (quip), print id 0x01020304 */
	ck_assert_int_eq(decode("{\"type\": \"DeviceEvent\", " B ", " D ", " TS ", \"rssi_stats\": [1, 2],"
				" \"binary_payload\": \"AgAHAAAABQAAABEEAwIB\"}", &msg), 0);
	ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_DID_PRINT);
	ck_assert_int_eq(msg.has_rssi, 0);
	out = bridge_message_to_json(&msg);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "kind")->valuestring, "did_print");
	ck_assert(cJSON_GetObjectItemCaseSensitive(out, "print_type")->valuedouble == 0x11);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "print_type_name")->valuestring, "quip");
	ck_assert(cJSON_GetObjectItemCaseSensitive(out, "print_id")->valuedouble == 0x01020304);
	ck_assert(cJSON_GetObjectItemCaseSensitive(out, "command_id")->valuedouble == 7);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "device_address")->valuestring, "000d6f000273ce0b");
	cJSON_Delete(out);
	bridge_message_clear(&msg);

	/* 0xE105 (packed, event id 5) with the three bytes "abc" */
	ck_assert_int_eq(decode("{\"type\": \"DeviceEvent\", " B ", " D ", \"binary_payload\": \"BeEAAAAAAwAAAGFiYw==\"}",
				&msg), 0);
	ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_GENERIC_DEVICE_EVENT);
	out = bridge_message_to_json(&msg);
	ck_assert(cJSON_GetObjectItemCaseSensitive(out, "event_id")->valuedouble == 5);
	ck_assert(cJSON_GetObjectItemCaseSensitive(out, "event_code")->valuedouble == 0xE105);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "format")->valuestring, "packed");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "data")->valuestring, "YWJj");
	cJSON_Delete(out);
	bridge_message_clear(&msg);

	/* 0xA000 product announce */
	ck_assert_int_eq(decode("{\"type\": \"DeviceEvent\", " B ", " D ", \"binary_payload\":"
				" \"AKAAAAAAFAAAAAEjRWeJq83vABEiM/7cupgAAAEC\"}", &msg), 0);
	ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_PRODUCT_ANNOUNCE);
	out = bridge_message_to_json(&msg);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "product_id")->valuestring,
			 "0123456789abcdef00112233fedcba98");
	ck_assert(cJSON_GetObjectItemCaseSensitive(out, "product_version")->valuedouble == 0x0102);
	cJSON_Delete(out);
	bridge_message_clear(&msg);

	/* An unknown event code still names the bridge and the device. */
	ck_assert_int_eq(decode("{\"type\": \"DeviceEvent\", " B ", " D ", \"binary_payload\": \"BAAAAAAAAAAAAA==\"}",
				&msg), -1);
	ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_UNKNOWN);
	ck_assert_str_eq(msg.bridge_address, "000d6f0001b3719d");
	ck_assert_str_eq(msg.device_address, "000d6f000273ce0b");
	out = bridge_message_to_json(&msg);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "kind")->valuestring, "unknown");
	ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItemCaseSensitive(out, "reason")->valuestring, "0x0004"));
	cJSON_Delete(out);
	bridge_message_clear(&msg);
}
END_TEST

/* Every return code's name, its sentence, and the meaning a response gets. */
START_TEST(test_return_codes)
{
	static const struct {
		long code;        /* on the wire */
		const char *name; /* expected name */
	} codes[] = {
		{ 0x00, "success" },
		{ 0x01, "eui64_not_found" },
		{ 0x02, "failed_network" },
		{ 0x20, "invalid_sequence" },
		{ 0x30, "busy" },
		{ 0x80, "invalid_size" },
		{ 0x81, "invalid_device_type" },
		{ 0x82, "filesystem_error" },
		{ 0x90, "filesystem_invalid_id" },
		{ 0x91, "no_free_file_handles" },
		{ 0x92, "filesystem_write_error" },
		{ 0xe0, "bridge_queue_full" },
		{ 0xff, "bridge_error" },
	};
	char text[512];
	size_t i, j;
	long code;
	size_t known = 0;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct bridge_message msg;
		cJSON *out;

		ck_assert_int_eq(return_code_known(codes[i].code), 1);
		ck_assert_str_eq(return_code_name(codes[i].code), codes[i].name);
		ck_assert_uint_gt(strlen(return_code_description(codes[i].code)), 10);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(return_code_description(codes[i].code),
					 return_code_description(codes[j].code));
		snprintf(text, sizeof(text), "{\"type\": \"DeviceCommandResponse\", " B ", " D
			 ", \"command_id\": 4294967295, \"return_code\": %ld, \"transfer_time\": 0.5}", codes[i].code);
		ck_assert_int_eq(decode(text, &msg), 0);
		out = bridge_message_to_json(&msg);
		ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "meaning")->valuestring, codes[i].name);
		ck_assert(cJSON_GetObjectItemCaseSensitive(out, "return_code")->valuedouble == (double)codes[i].code);
		ck_assert(cJSON_GetObjectItemCaseSensitive(out, "command_id")->valuedouble == 4294967295.0);
		ck_assert(cJSON_GetObjectItemCaseSensitive(out, "transfer_time")->valuedouble == 0.5);
		ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "description")->valuestring,
				 return_code_description(codes[i].code));
		cJSON_Delete(out);
		bridge_message_clear(&msg);
	}
	for (code = -5; code < 300; code++)
		known += (size_t)return_code_known(code);
	ck_assert_uint_eq(known, sizeof(codes) / sizeof(codes[0]));
	ck_assert_str_eq(return_code_name(0x55), "unknown");
	ck_assert_str_eq(return_code_name(-1), "unknown");
	ck_assert_uint_gt(strlen(return_code_description(0x55)), 10);
}
END_TEST

/* Some bridges leave device_address out of DeviceCommandResponse: the command id says what it answers. */
START_TEST(test_response_without_device_address)
{
	static const char text[] = "{\"type\": \"DeviceCommandResponse\", \"bridge_address\": \"000d6f0001b3719d\","
				   " \"command_id\": 7, \"return_code\": 0, \"timestamp\": 1700000000}";
	struct bridge_message msg;

	memset(&msg, 0, sizeof(msg));
	bridge_message_decode(text, strlen(text), &msg);
	ck_assert_int_eq(msg.kind, BRIDGE_MESSAGE_DEVICE_COMMAND_RESPONSE);
	ck_assert_str_eq(msg.device_address, "");
	ck_assert_uint_eq(msg.response.command_id, 7);
	ck_assert_int_eq(msg.response.return_code, 0);
	bridge_message_clear(&msg);
}
END_TEST

START_TEST(test_kind_names)
{
	static const char *const names[BRIDGE_MESSAGE_KIND_COUNT] = {
		"malformed", "unknown", "power_on", "device_connect", "device_disconnect",
		"encryption_key_required", "bridge_log", "heartbeat", "did_print", "did_power_on",
		"product_announce", "generic_device_event", "bridge_command_response",
		"device_command_response",
	};
	int k;

	for (k = 0; k < BRIDGE_MESSAGE_KIND_COUNT; k++)
		ck_assert_str_eq(bridge_message_kind_name((enum bridge_message_kind)k), names[k]);
	ck_assert_str_eq(bridge_message_kind_name(BRIDGE_MESSAGE_KIND_COUNT), "invalid");
	ck_assert_str_eq(bridge_message_kind_name((enum bridge_message_kind)-1), "invalid");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bridge_message");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, test_seed_vectors);
	tcase_add_test(tc, test_seed_struct_fields);
	tcase_add_test(tc, test_encryption_key_required_xor);
	tcase_add_test(tc, test_bad_messages);
	tcase_add_test(tc, test_size_and_depth_bounds);
	tcase_add_test(tc, test_timestamps);
	tcase_add_test(tc, test_bad_timestamp_or_log_record_is_ignored_not_malformed);
	tcase_add_test(tc, test_power_on_loose);
	tcase_add_test(tc, test_bridge_log_bounds);
	tcase_add_test(tc, test_other_device_events);
	tcase_add_test(tc, test_return_codes);
	tcase_add_test(tc, test_kind_names);
	tcase_add_test(tc, test_response_without_device_address);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
