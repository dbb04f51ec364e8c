/* check_device_event.c: unit tests of the DeviceEvent binary payload decoder and the reset causes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "device_event.h"
#include "test_util.h"

/* Writes a little-endian event header and payload into out; returns the total length. */
static size_t make_event(uint8_t *out, uint16_t code, uint32_t command_id, const uint8_t *payload,
			 uint32_t payload_length)
{
	out[0] = (uint8_t)code;
	out[1] = (uint8_t)(code >> 8);
	out[2] = (uint8_t)command_id;
	out[3] = (uint8_t)(command_id >> 8);
	out[4] = (uint8_t)(command_id >> 16);
	out[5] = (uint8_t)(command_id >> 24);
	out[6] = (uint8_t)payload_length;
	out[7] = (uint8_t)(payload_length >> 8);
	out[8] = (uint8_t)(payload_length >> 16);
	out[9] = (uint8_t)(payload_length >> 24);
	if (payload_length)
		memcpy(out + DEVICE_EVENT_HEADER_SIZE, payload, payload_length);
	return DEVICE_EVENT_HEADER_SIZE + payload_length;
}

/* Builds a did_power_on payload with strings of width bytes each; returns its length. */
static uint32_t make_power_on(uint8_t *p, size_t width, uint32_t device_type, const char *firmware,
			      const char *loader, uint32_t protocol, uint16_t reset)
{
	size_t off = 0;

	memset(p, 0, 4 + 2 * width + 6);
	p[off++] = (uint8_t)device_type;
	p[off++] = (uint8_t)(device_type >> 8);
	p[off++] = (uint8_t)(device_type >> 16);
	p[off++] = (uint8_t)(device_type >> 24);
	memcpy(p + off, firmware, strlen(firmware) < width ? strlen(firmware) : width);
	off += width;
	memcpy(p + off, loader, strlen(loader) < width ? strlen(loader) : width);
	off += width;
	p[off++] = (uint8_t)protocol;
	p[off++] = (uint8_t)(protocol >> 8);
	p[off++] = (uint8_t)(protocol >> 16);
	p[off++] = (uint8_t)(protocol >> 24);
	p[off++] = (uint8_t)reset;
	p[off++] = (uint8_t)(reset >> 8);
	return (uint32_t)off;
}

/* Every DeviceEvent of the seed messages decodes to what its "expect" says. */
START_TEST(test_seed_vectors)
{
	size_t len, checked = 0;
	char *text = (char *)vector_read("seed/bridge_messages.jsonl", &len);
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *root = cJSON_Parse(line);
		cJSON *message = cJSON_GetObjectItemCaseSensitive(root, "message");
		cJSON *expect = cJSON_GetObjectItemCaseSensitive(root, "expect");
		cJSON *payload = cJSON_GetObjectItemCaseSensitive(message, "binary_payload");
		const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(expect, "kind"));
		struct sirius_error err = { "" };
		struct device_event ev;
		uint8_t *bin;
		size_t bin_len;

		ck_assert_ptr_nonnull(root);
		if (!cJSON_IsString(payload)) {
			cJSON_Delete(root);
			continue;
		}
		bin = base64_decode_alloc(payload->valuestring, strlen(payload->valuestring), &bin_len);
		ck_assert_ptr_nonnull(bin);
		ck_assert_int_eq(device_event_decode(bin, bin_len, &ev, &err), 0);
		ck_assert_str_eq(device_event_kind_name(ev.kind), kind);
		if (ev.kind == DEVICE_EVENT_HEARTBEAT) {
			ck_assert_uint_eq(ev.heartbeat.uptime,
					  (uint32_t)cJSON_GetObjectItemCaseSensitive(expect, "uptime")->valuedouble);
		} else {
			ck_assert_int_eq(ev.kind, DEVICE_EVENT_DID_POWER_ON);
			ck_assert_int_eq(ev.did_power_on.long_form, 1);
			ck_assert_uint_eq(ev.did_power_on.device_type, 0);
			ck_assert_str_eq(ev.did_power_on.firmware_build_version, "v0.5-12-g26e82f0");
			ck_assert_str_eq(ev.did_power_on.loader_build_version, "v0.5-0-g14859cb");
			ck_assert_uint_eq(ev.did_power_on.protocol_version, 4);
			ck_assert_uint_eq(ev.did_power_on.reset_description, 1025);
			ck_assert_str_eq(device_event_reset_cause(ev.did_power_on.reset_description), "Power on");
		}
		ck_assert_uint_eq(ev.header.command_id, 0);
		ck_assert_uint_eq(ev.header.payload_length, bin_len - DEVICE_EVENT_HEADER_SIZE);
		checked++;
		free(bin);
		cJSON_Delete(root);
	}
	ck_assert_uint_eq(checked, 3);
	free(text);
}
END_TEST

START_TEST(test_heartbeat)
{
	static const uint8_t uptime[4] = { 0x78, 0x56, 0x34, 0x12 };
	uint8_t buf[64];
	size_t n = make_event(buf, DEVICE_EVENT_CODE_HEARTBEAT, 0xdeadbeef, uptime, 4);
	struct sirius_error err = { "" };
	struct device_event ev;

	ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), 0);
	ck_assert_int_eq(ev.kind, DEVICE_EVENT_HEARTBEAT);
	ck_assert_uint_eq(ev.heartbeat.uptime, 0x12345678);
	ck_assert_uint_eq(ev.header.command_id, 0xdeadbeef);
	ck_assert_uint_eq(ev.header.event_code, 1);
	ck_assert_str_eq(device_event_kind_name(ev.kind), "heartbeat");

	/* A heartbeat with a fifth byte, consistently declared, is still the wrong size. */
	n = make_event(buf, DEVICE_EVENT_CODE_HEARTBEAT, 0, (const uint8_t *)"\1\2\3\4\5", 5);
	ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "heartbeat"));
	n = make_event(buf, DEVICE_EVENT_CODE_HEARTBEAT, 0, NULL, 0);
	ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), -1);
}
END_TEST

START_TEST(test_did_print)
{
	static const uint8_t types[] = { 0x01, 0x10, 0x11, 0x42 };
	static const char *const names[] = { "delivery", "nothing_to_print", "quip", "unknown" };
	uint8_t payload[5], buf[64];
	struct sirius_error err = { "" };
	struct device_event ev;
	size_t i, n;

	for (i = 0; i < sizeof(types); i++) {
		payload[0] = types[i];
		payload[1] = 0x15;
		payload[2] = 0xcd;
		payload[3] = 0x5b;
		payload[4] = 0x07; /* 123456789 */
		n = make_event(buf, DEVICE_EVENT_CODE_DID_PRINT, 0, payload, 5);
		ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), 0);
		ck_assert_int_eq(ev.kind, DEVICE_EVENT_DID_PRINT);
		ck_assert_uint_eq(ev.did_print.print_type, types[i]);
		ck_assert_uint_eq(ev.did_print.print_id, 123456789);
		ck_assert_str_eq(device_event_print_type_name(ev.did_print.print_type), names[i]);
	}
	n = make_event(buf, DEVICE_EVENT_CODE_DID_PRINT, 0, payload, 4);
	ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "did_print"));
}
END_TEST

START_TEST(test_did_power_on_both_lengths)
{
	uint8_t payload[80], buf[128];
	struct sirius_error err = { "" };
	struct device_event ev;
	uint32_t len;
	size_t n;

	/* Long form: 32-byte strings, a string filling its field entirely. */
	len = make_power_on(payload, 32, 7, "abcdefghijklmnopqrstuvwxyz012345", "loader-1", 4, 0x0503);
	ck_assert_uint_eq(len, 74);
	n = make_event(buf, DEVICE_EVENT_CODE_DID_POWER_ON, 0, payload, len);
	ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), 0);
	ck_assert_int_eq(ev.kind, DEVICE_EVENT_DID_POWER_ON);
	ck_assert_int_eq(ev.did_power_on.long_form, 1);
	ck_assert_uint_eq(ev.did_power_on.device_type, 7);
	ck_assert_str_eq(ev.did_power_on.firmware_build_version, "abcdefghijklmnopqrstuvwxyz012345");
	ck_assert_str_eq(ev.did_power_on.loader_build_version, "loader-1");
	ck_assert_uint_eq(ev.did_power_on.protocol_version, 4);
	ck_assert_uint_eq(ev.did_power_on.reset_description, 0x0503);
	ck_assert_str_eq(device_event_reset_cause(ev.did_power_on.reset_description), "Watchdog");

	/* Short form: 24-byte strings. */
	len = make_power_on(payload, 24, 1, "v1.2-3-gabcdef0", "v0.9-0-g1234567", 3, 0x0700);
	ck_assert_uint_eq(len, 58);
	n = make_event(buf, DEVICE_EVENT_CODE_DID_POWER_ON, 0, payload, len);
	ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), 0);
	ck_assert_int_eq(ev.did_power_on.long_form, 0);
	ck_assert_uint_eq(ev.did_power_on.device_type, 1);
	ck_assert_str_eq(ev.did_power_on.firmware_build_version, "v1.2-3-gabcdef0");
	ck_assert_str_eq(ev.did_power_on.loader_build_version, "v0.9-0-g1234567");
	ck_assert_uint_eq(ev.did_power_on.protocol_version, 3);
	ck_assert_str_eq(device_event_reset_cause(ev.did_power_on.reset_description), "Software crash");

	/* Non-printable bytes in a version string are replaced. */
	len = make_power_on(payload, 24, 0, "a\001b\377c", "", 4, 0x0400);
	n = make_event(buf, DEVICE_EVENT_CODE_DID_POWER_ON, 0, payload, len);
	ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), 0);
	ck_assert_str_eq(ev.did_power_on.firmware_build_version, "a?b?c");
	ck_assert_str_eq(ev.did_power_on.loader_build_version, "");

	/* Any other length is malformed. */
	n = make_event(buf, DEVICE_EVENT_CODE_DID_POWER_ON, 0, payload, 66);
	ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "did_power_on"));
	n = make_event(buf, DEVICE_EVENT_CODE_DID_POWER_ON, 0, payload, 57);
	ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), -1);
}
END_TEST

START_TEST(test_reset_causes)
{
	static const char *const causes[] = {
		"Undeterminable cause", "FIB bootloader", "Ember bootloader", "External reset",
		"Power on", "Watchdog", "Software triggered", "Software crash", "Flash failure",
		"Fatal error", "Access fault",
	};
	uint8_t payload[80], buf[128];
	struct sirius_error err = { "" };
	struct device_event ev;
	unsigned cause, low;
	uint32_t len;
	size_t n;

	for (cause = 0; cause < 256; cause++) {
		for (low = 0; low < 256; low += 0x55) {
			uint16_t reset = (uint16_t)(cause << 8 | low);
			const char *name = device_event_reset_cause(reset);

			len = make_power_on(payload, 32, 0, "fw", "ld", 4, reset);
			n = make_event(buf, DEVICE_EVENT_CODE_DID_POWER_ON, 0, payload, len);
			if (cause < sizeof(causes) / sizeof(causes[0])) {
				ck_assert_ptr_nonnull(name);
				ck_assert_str_eq(name, causes[cause]);
				ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), 0);
				ck_assert_uint_eq(ev.did_power_on.reset_description, reset);
			} else {
				ck_assert_ptr_null(name);
				ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), -1);
				ck_assert_ptr_nonnull(strstr(err.message, "reset_description"));
			}
		}
	}
}
END_TEST

START_TEST(test_product_announce)
{
	static const uint8_t payload[20] = {
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x00, 0x11, 0x22, 0x33,
		0xfe, 0xdc, 0xba, 0x98, 0x00, 0x00, 0x01, 0x02,
	};
	uint8_t buf[64];
	struct sirius_error err = { "" };
	struct device_event ev;
	size_t n = make_event(buf, DEVICE_EVENT_CODE_PRODUCT_ANNOUNCE, 0, payload, 20);

	ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), 0);
	ck_assert_int_eq(ev.kind, DEVICE_EVENT_PRODUCT_ANNOUNCE);
	ck_assert_str_eq(ev.product_announce.product_id, "0123456789abcdef00112233fedcba98");
	ck_assert_uint_eq(ev.product_announce.product_version, 0x0102);
	ck_assert_str_eq(device_event_kind_name(ev.kind), "product_announce");

	n = make_event(buf, DEVICE_EVENT_CODE_PRODUCT_ANNOUNCE, 0, payload, 19);
	ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "announce"));
}
END_TEST

START_TEST(test_generic_events)
{
	static const uint8_t data[7] = { 9, 8, 7, 6, 5, 4, 3 };
	uint8_t buf[64];
	struct sirius_error err = { "" };
	struct device_event ev;
	unsigned id;
	size_t n;

	for (id = 0; id < 256; id += 17) {
		n = make_event(buf, (uint16_t)(0xE000 | id), 5, data, (uint32_t)(id % 8));
		ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), 0);
		ck_assert_int_eq(ev.kind, DEVICE_EVENT_GENERIC);
		ck_assert_int_eq(ev.generic.packed, 0);
		ck_assert_uint_eq(ev.generic.event_id, id);
		ck_assert_uint_eq(ev.generic.len, id % 8);
		ck_assert_ptr_eq(ev.generic.data, buf + DEVICE_EVENT_HEADER_SIZE);
		ck_assert(memcmp(ev.generic.data, data, ev.generic.len) == 0);

		n = make_event(buf, (uint16_t)(0xE100 | id), 5, data, 7);
		ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), 0);
		ck_assert_int_eq(ev.generic.packed, 1);
		ck_assert_uint_eq(ev.generic.event_id, id);
		ck_assert_uint_eq(ev.generic.len, 7);
		ck_assert_uint_eq(ev.header.command_id, 5);
	}
	ck_assert_str_eq(device_event_kind_name(DEVICE_EVENT_GENERIC), "generic_device_event");
}
END_TEST

START_TEST(test_unknown_codes)
{
	static const uint16_t codes[] = { 0x0000, 0x0004, 0x00ff, 0xA001, 0xB000, 0xE200, 0xDFFF, 0xF000 };
	uint8_t buf[64];
	struct sirius_error err = { "" };
	struct device_event ev;
	char expect[64];
	size_t i, n;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		n = make_event(buf, codes[i], 0, (const uint8_t *)"abc", 3);
		ck_assert_int_eq(device_event_decode(buf, n, &ev, &err), 1);
		ck_assert_int_eq(ev.kind, DEVICE_EVENT_UNKNOWN);
		ck_assert_uint_eq(ev.header.event_code, codes[i]);
		snprintf(expect, sizeof(expect), "0x%04x", codes[i]);
		ck_assert_ptr_nonnull(strstr(err.message, expect));
	}
}
END_TEST

START_TEST(test_length_mismatch)
{
	static const uint8_t uptime[4] = { 1, 0, 0, 0 };
	uint8_t buf[64];
	struct sirius_error err = { "" };
	struct device_event ev;
	size_t n, cut;

	/* Shorter than the header. */
	n = make_event(buf, DEVICE_EVENT_CODE_HEARTBEAT, 0, uptime, 4);
	for (cut = 0; cut < DEVICE_EVENT_HEADER_SIZE; cut++) {
		ck_assert_int_eq(device_event_decode(buf, cut, &ev, &err), -1);
		ck_assert_ptr_nonnull(strstr(err.message, "header"));
	}
	ck_assert_int_eq(device_event_decode(NULL, 0, &ev, &err), -1);
	/* Every truncation and an extra byte disagree with the declared length. */
	for (cut = DEVICE_EVENT_HEADER_SIZE; cut < n; cut++)
		ck_assert_int_eq(device_event_decode(buf, cut, &ev, &err), -1);
	buf[n] = 0;
	ck_assert_int_eq(device_event_decode(buf, n + 1, &ev, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "15 bytes, its header says 14"));
	/* A declared length near 2^32 must not wrap around. */
	make_event(buf, 0xE001, 0, NULL, 0);
	buf[6] = buf[7] = buf[8] = buf[9] = 0xff;
	ck_assert_int_eq(device_event_decode(buf, 9 + 1, &ev, &err), -1);
	ck_assert_int_eq(device_event_decode(buf, 20, &ev, &err), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("device_event");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, test_seed_vectors);
	tcase_add_test(tc, test_heartbeat);
	tcase_add_test(tc, test_did_print);
	tcase_add_test(tc, test_did_power_on_both_lengths);
	tcase_add_test(tc, test_reset_causes);
	tcase_add_test(tc, test_product_announce);
	tcase_add_test(tc, test_generic_events);
	tcase_add_test(tc, test_unknown_codes);
	tcase_add_test(tc, test_length_mismatch);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
