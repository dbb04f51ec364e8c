/* check_bridge_message_fuzz.c: feeds thousands of random, mutated and truncated messages and payloads to the decoders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base64.h"
#include "bridge_message.h"
#include "device_address.h"
#include "test_util.h"

/* A deterministic xorshift64* generator: every run feeds the same inputs. */
struct prng {
	uint64_t state; /* never 0 */
};

static uint64_t prng_next(struct prng *r)
{
	r->state ^= r->state >> 12;
	r->state ^= r->state << 25;
	r->state ^= r->state >> 27;
	return r->state * 0x2545F4914F6CDD1DULL;
}

/* A number in [0, n), n > 0. */
static size_t prng_below(struct prng *r, size_t n)
{
	return (size_t)(prng_next(r) % n);
}

/* Well-formed messages of every kind, the starting points for mutation. */
static const char *const extra_seeds[] = {
	"{\"type\": \"DeviceEvent\", \"bridge_address\": \"000d6f0001b3719d\", \"device_address\": \"000d6f000273ce0b\","
	" \"timestamp\": \"12.5\", \"rssi_stats\": [-1, -2, -3], \"binary_payload\": \"AgAHAAAABQAAABEEAwIB\"}",
	"{\"type\": \"DeviceEvent\", \"bridge_address\": \"000d6f0001b3719d\", \"device_address\": \"000d6f000273ce0b\","
	" \"binary_payload\": \"BeEAAAAAAwAAAGFiYw==\"}",
	"{\"type\": \"DeviceEvent\", \"bridge_address\": \"000d6f0001b3719d\", \"device_address\": \"000d6f000273ce0b\","
	" \"binary_payload\": \"AKAAAAAAFAAAAAEjRWeJq83vABEiM/7cupgAAAEC\"}",
	"{\"type\": \"BridgeCommandResponse\", \"bridge_address\": \"000d6f0001b3719d\", \"command_id\": 12,"
	" \"return_code\": 0, \"timestamp\": 5}",
	"{\"type\": \"BridgeLog\", \"bridge_address\": \"000d6f0001b3719d\", \"records\": [{\"name\": \"a\","
	" \"created\": 1.5, \"levelno\": 10, \"levelname\": \"DEBUG\", \"message\": \"caf\\u00e9 \\ud83d\\ude00\"},"
	" {\"message\": \"x\"}]}",
};

/* The seed corpus: every message of the seed vectors, then extra_seeds. */
struct corpus {
	char *items[32]; /* malloc'd texts */
	size_t count;    /* items used */
};

static void corpus_load(struct corpus *c)
{
	size_t len, i;
	char *text = (char *)vector_read("seed/bridge_messages.jsonl", &len);
	char *line, *save = NULL;

	c->count = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *root = cJSON_Parse(line);

		ck_assert_ptr_nonnull(root);
		c->items[c->count++] = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(root, "message"));
		cJSON_Delete(root);
	}
	free(text);
	for (i = 0; i < sizeof(extra_seeds) / sizeof(extra_seeds[0]); i++)
		c->items[c->count++] = strdup(extra_seeds[i]);
	ck_assert_uint_eq(c->count, 10 + sizeof(extra_seeds) / sizeof(extra_seeds[0]));
}

static void corpus_free(struct corpus *c)
{
	size_t i;

	for (i = 0; i < c->count; i++)
		free(c->items[i]);
}

/*
 * Decodes len bytes from an exact-size copy (no NUL after it), checks the
 * invariants every result keeps, and returns the kind.
 */
static enum bridge_message_kind decode_checked(const char *data, size_t len)
{
	char *copy = malloc(len ? len : 1);
	struct bridge_message msg;
	enum bridge_message_kind kind;
	cJSON *json;
	char *printed;
	int rc;

	ck_assert_ptr_nonnull(copy);
	if (len)
		memcpy(copy, data, len);
	rc = bridge_message_decode(copy, len, &msg);
	free(copy);
	kind = msg.kind;
	ck_assert_int_ge((int)kind, 0);
	ck_assert_int_lt((int)kind, BRIDGE_MESSAGE_KIND_COUNT);
	if (kind == BRIDGE_MESSAGE_MALFORMED || kind == BRIDGE_MESSAGE_UNKNOWN) {
		ck_assert_int_eq(rc, -1);
		ck_assert(msg.reason.message[0] != '\0');
	} else {
		ck_assert_int_eq(rc, 0);
		ck_assert(device_address_valid(msg.bridge_address));
	}
	ck_assert(msg.bridge_address[0] == '\0' || device_address_valid(msg.bridge_address));
	ck_assert(msg.device_address[0] == '\0' || device_address_valid(msg.device_address));
	ck_assert_uint_le(msg.log.count, BRIDGE_LOG_MAX_RECORDS);
	json = bridge_message_to_json(&msg);
	ck_assert_ptr_nonnull(json);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, "kind")),
			 bridge_message_kind_name(kind));
	printed = cJSON_PrintUnformatted(json);
	ck_assert_ptr_nonnull(printed);
	ck_assert_msg(g_utf8_validate(printed, -1, NULL), "output is not UTF-8");
	free(printed);
	cJSON_Delete(json);
	bridge_message_clear(&msg);
	return kind;
}

/* Every seed decodes; every proper prefix of one is malformed. */
START_TEST(test_truncations)
{
	struct corpus c;
	size_t i, cut, total = 0;

	corpus_load(&c);
	for (i = 0; i < c.count; i++) {
		size_t len = strlen(c.items[i]);

		ck_assert_msg(decode_checked(c.items[i], len) > BRIDGE_MESSAGE_UNKNOWN, "seed %zu", i);
		for (cut = 0; cut < len; cut++, total++)
			ck_assert_int_eq(decode_checked(c.items[i], cut), BRIDGE_MESSAGE_MALFORMED);
	}
	ck_assert_uint_gt(total, 3000);
	corpus_free(&c);
}
END_TEST

/* Bytes a mutation likes to insert: JSON structure, digits, hex, escapes, non-ASCII. */
static const char interesting[] = "{}[]\",:0123456789abcdefABCDEF-+.eE \\/=ntrufl\x00\x7f\x80\xc3\xff";

/* Applies one random mutation to buf (length *len, capacity cap). */
static void mutate(struct prng *r, char *buf, size_t *len, size_t cap)
{
	size_t pos = *len ? prng_below(r, *len) : 0;
	size_t n;

	switch (prng_below(r, 7)) {
	case 0: /* flip a bit */
		if (*len)
			buf[pos] ^= (char)(1u << prng_below(r, 8));
		break;
	case 1: /* overwrite with an interesting byte */
		if (*len)
			buf[pos] = interesting[prng_below(r, sizeof(interesting) - 1)];
		break;
	case 2: /* insert an interesting byte */
		if (*len < cap) {
			memmove(buf + pos + 1, buf + pos, *len - pos);
			buf[pos] = interesting[prng_below(r, sizeof(interesting) - 1)];
			(*len)++;
		}
		break;
	case 3: /* delete a range */
		n = prng_below(r, 16) + 1;
		if (pos + n > *len)
			n = *len - pos;
		memmove(buf + pos, buf + pos + n, *len - pos - n);
		*len -= n;
		break;
	case 4: /* duplicate a range */
		n = prng_below(r, 32) + 1;
		if (pos + n > *len)
			n = *len - pos;
		if (*len + n <= cap) {
			memmove(buf + pos + n, buf + pos, *len - pos);
			(*len) += n;
		}
		break;
	case 5: /* truncate */
		*len = pos;
		break;
	default: /* random byte */
		if (*len)
			buf[pos] = (char)prng_next(r);
		break;
	}
}

/* Thousands of seeds with a few random mutations each. */
START_TEST(test_mutations)
{
	struct prng r = { 0x5eed5eed12345678ULL };
	struct corpus c;
	size_t counts[BRIDGE_MESSAGE_KIND_COUNT] = { 0 };
	char buf[8192];
	size_t iter, len, m, decoded = 0;

	corpus_load(&c);
	for (iter = 0; iter < 6000; iter++) {
		const char *seed = c.items[prng_below(&r, c.count)];
		size_t mutations = prng_below(&r, 4) + 1;

		len = strlen(seed);
		ck_assert_uint_lt(len, sizeof(buf));
		memcpy(buf, seed, len);
		for (m = 0; m < mutations; m++)
			mutate(&r, buf, &len, sizeof(buf));
		counts[decode_checked(buf, len)]++;
	}
	for (m = BRIDGE_MESSAGE_POWER_ON; m < BRIDGE_MESSAGE_KIND_COUNT; m++)
		decoded += counts[m];
	/* Many mutations hit a string's content and still decode; many break the message. */
	ck_assert_uint_gt(counts[BRIDGE_MESSAGE_MALFORMED], 1000);
	ck_assert_uint_gt(decoded, 300);
	corpus_free(&c);
}
END_TEST

/* A random JSON value of a random type, sometimes one a field expects. */
static cJSON *random_value(struct prng *r, int depth)
{
	static const char *const strings[] = {
		"", "000d6f0001b3719d", "000d6f000273ce0b", "power_on", "device_connect", "12.5",
		"AQAAAAAABAAAABQAAAA=", "not base64!", "\xff\xfe", "0", "encryption_key_required",
	};
	cJSON *v, *child;
	size_t i, n;

	switch (prng_below(r, depth > 3 ? 5 : 7)) {
	case 0:
		return cJSON_CreateNull();
	case 1:
		return cJSON_CreateBool((int)prng_below(r, 2));
	case 2:
		return cJSON_CreateNumber((double)(int64_t)prng_next(r) / (double)(1 + prng_below(r, 1000)));
	case 3:
		return cJSON_CreateNumber((double)prng_below(r, 300) - 20);
	case 4:
		return cJSON_CreateString(strings[prng_below(r, sizeof(strings) / sizeof(strings[0]))]);
	case 5:
		v = cJSON_CreateArray();
		n = prng_below(r, 4);
		for (i = 0; i < n; i++)
			cJSON_AddItemToArray(v, random_value(r, depth + 1));
		return v;
	default:
		v = cJSON_CreateObject();
		n = prng_below(r, 4);
		for (i = 0; i < n; i++) {
			child = random_value(r, depth + 1);
			cJSON_AddItemToObject(v, prng_below(r, 2) ? "name" : "device_address", child);
		}
		return v;
	}
}

/* A random binary payload: a header with an interesting code and a length that usually fits. */
static char *random_payload(struct prng *r)
{
	static const uint16_t codes[] = { 0x0001, 0x0002, 0x0003, 0xA000, 0xE000, 0xE1ff, 0x0004, 0xF000 };
	static const uint32_t lengths[] = { 0, 4, 5, 58, 74, 20, 3, 100 };
	uint8_t bin[10 + 120];
	uint16_t code = codes[prng_below(r, sizeof(codes) / sizeof(codes[0]))];
	uint32_t n = lengths[prng_below(r, sizeof(lengths) / sizeof(lengths[0]))];
	size_t actual = 10 + n, i;

	if (prng_below(r, 4) == 0)
		actual = prng_below(r, sizeof(bin));
	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)prng_next(r);
	bin[0] = (uint8_t)code;
	bin[1] = (uint8_t)(code >> 8);
	bin[6] = (uint8_t)n;
	bin[7] = (uint8_t)(n >> 8);
	bin[8] = bin[9] = 0;
	if (code == 0x0003 && prng_below(r, 2))
		bin[10 + n - 1] = (uint8_t)prng_below(r, 12); /* a reset cause, usually valid */
	return base64_encode_alloc(bin, actual);
}

/* Thousands of messages built from random fields of random types. */
START_TEST(test_random_structures)
{
	static const char *const types[] = {
		"BridgeEvent", "BridgeLog", "DeviceEvent", "BridgeCommandResponse", "DeviceCommandResponse", "Other",
	};
	static const char *const keys[] = {
		"json_payload", "records", "device_address", "binary_payload", "command_id", "return_code",
		"transfer_time", "rssi_stats", "timestamp",
	};
	struct prng r = { 0x0123456789abcdefULL };
	size_t counts[BRIDGE_MESSAGE_KIND_COUNT] = { 0 };
	size_t iter, k, kinds_seen = 0;

	for (iter = 0; iter < 5000; iter++) {
		cJSON *msg = cJSON_CreateObject();
		char *text, *payload;

		if (prng_below(&r, 20))
			cJSON_AddStringToObject(msg, "type", types[prng_below(&r, sizeof(types) / sizeof(types[0]))]);
		if (prng_below(&r, 20))
			cJSON_AddStringToObject(msg, "bridge_address",
						prng_below(&r, 10) ? "000d6f0001b3719d" : "000d6f0001B3719d");
		if (prng_below(&r, 2))
			cJSON_AddStringToObject(msg, "device_address", "000d6f000273ce0b");
		if (prng_below(&r, 2)) {
			payload = random_payload(&r);
			cJSON_AddStringToObject(msg, "binary_payload", payload);
			free(payload);
		}
		if (prng_below(&r, 2)) {
			cJSON *jp = cJSON_AddObjectToObject(msg, "json_payload");

			cJSON_AddStringToObject(jp, "name", prng_below(&r, 2) ? "device_connect" : "power_on");
			if (prng_below(&r, 2))
				cJSON_AddStringToObject(jp, "device_address", "000d6f000273ce0b");
			cJSON_AddItemToObject(jp, "model", random_value(&r, 1));
		}
		if (prng_below(&r, 2)) {
			cJSON_AddNumberToObject(msg, "command_id", (double)prng_below(&r, 10));
			cJSON_AddNumberToObject(msg, "return_code", (double)prng_below(&r, 300));
		}
		for (k = 0; k < 3; k++)
			cJSON_AddItemToObject(msg, keys[prng_below(&r, sizeof(keys) / sizeof(keys[0]))],
					      random_value(&r, 1));
		text = cJSON_PrintUnformatted(msg);
		ck_assert_ptr_nonnull(text);
		counts[decode_checked(text, strlen(text))]++;
		free(text);
		cJSON_Delete(msg);
	}
	for (k = 0; k < BRIDGE_MESSAGE_KIND_COUNT; k++)
		kinds_seen += counts[k] > 0;
	/* The generator reaches most kinds, so the decoders' deeper paths ran too. */
	ck_assert_uint_ge(kinds_seen, 10);
}
END_TEST

/* Random binary payloads straight into device_event_decode. */
START_TEST(test_random_payloads)
{
	static const uint16_t codes[] = { 0x0001, 0x0002, 0x0003, 0xA000, 0xE042, 0xE1ff, 0x0000, 0xBEEF };
	struct prng r = { 0xfeedfacecafebeefULL };
	uint8_t buf[200];
	size_t iter, len, ok = 0, malformed = 0, unknown = 0;

	for (iter = 0; iter < 20000; iter++) {
		struct sirius_error err = { "" };
		struct device_event ev;
		size_t i;
		int rc;

		len = prng_below(&r, sizeof(buf) + 1);
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)prng_next(&r);
		if (len >= DEVICE_EVENT_HEADER_SIZE && prng_below(&r, 4)) {
			/* Make the header plausible: a known code and, usually, the right length. */
			uint16_t code = codes[prng_below(&r, sizeof(codes) / sizeof(codes[0]))];
			uint32_t n = (uint32_t)(len - DEVICE_EVENT_HEADER_SIZE + (prng_below(&r, 8) == 0));

			buf[0] = (uint8_t)code;
			buf[1] = (uint8_t)(code >> 8);
			buf[6] = (uint8_t)n;
			buf[7] = (uint8_t)(n >> 8);
			buf[8] = buf[9] = 0;
		}
		rc = device_event_decode(buf, len, &ev, &err);
		ck_assert(rc >= -1 && rc <= 1);
		if (rc == 0) {
			ck_assert_int_ne(ev.kind, DEVICE_EVENT_UNKNOWN);
			ck_assert_uint_eq(ev.header.payload_length + DEVICE_EVENT_HEADER_SIZE, len);
			if (ev.kind == DEVICE_EVENT_GENERIC)
				ck_assert(ev.generic.data + ev.generic.len <= buf + len);
			if (ev.kind == DEVICE_EVENT_DID_POWER_ON)
				ck_assert_ptr_nonnull(device_event_reset_cause(ev.did_power_on.reset_description));
			ok++;
		} else {
			ck_assert(err.message[0] != '\0');
			if (rc < 0)
				malformed++;
			else
				unknown++;
		}
	}
	ck_assert_uint_gt(ok, 1000);
	ck_assert_uint_gt(malformed, 1000);
	ck_assert_uint_gt(unknown, 500);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bridge_message_fuzz");
	TCase *tc = tcase_create("fuzz");

	/* Under ASan these take a few seconds; leave room on slow machines. */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_truncations);
	tcase_add_test(tc, test_mutations);
	tcase_add_test(tc, test_random_structures);
	tcase_add_test(tc, test_random_payloads);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
