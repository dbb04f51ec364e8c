/* codec_claim.c: `sirius-codec claim` and `sirius-codec xor`: claim codes, link keys, hardware xors. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim_code.h"
#include "codec.h"
#include "device_address.h"
#include "link_key.h"

/* Prints {"claim_code", "hardware_xor", "secret", "encryption_key"} for a valid code; 1 for an invalid one. */
static int claim_decode(const char *text)
{
	struct claim_code code;
	enum claim_code_error error = claim_code_decode(text, &code);
	char secret[11], key[LINK_KEY_BASE64_SIZE], formatted[CLAIM_CODE_FORMATTED_SIZE];
	cJSON *json;

	if (error != CLAIM_CODE_OK) {
		codec_fail("%s", claim_code_error_message(error));
		return CODEC_EXIT_INVALID;
	}
	if (link_key_base64(code.secret, key) != 0) {
		codec_fail("cannot compute the link key");
		return CODEC_EXIT_USAGE;
	}
	snprintf(secret, sizeof(secret), "%010" PRIx64, code.secret);
	claim_code_format(&code, formatted);

	json = cJSON_CreateObject();
	cJSON_AddStringToObject(json, "claim_code", formatted);
	cJSON_AddNumberToObject(json, "hardware_xor", code.hardware_xor);
	cJSON_AddStringToObject(json, "secret", secret);
	cJSON_AddStringToObject(json, "encryption_key", key);
	return codec_print_json(json);
}

/* Parses an unsigned number in the given base (0: decimal or 0x-hex) no larger than max; -1 when it is not one. */
static int parse_unsigned(const char *text, int base, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long value;

	if (!*text || *text == '-' || *text == '+' || *text == ' ')
		return -1;
	errno = 0;
	value = strtoull(text, &end, base);
	if (errno || *end || value > max)
		return -1;
	*out = value;
	return 0;
}

/* Prints the formatted claim code for a hardware xor (decimal or 0x-hex) and a hex secret. */
static int claim_encode(const char *xor_text, const char *secret_text)
{
	uint64_t xor_value, secret;
	struct claim_code code;
	char formatted[CLAIM_CODE_FORMATTED_SIZE];

	if (parse_unsigned(xor_text, 0, 0xffffff, &xor_value) != 0) {
		codec_fail("hardware xor '%s' is not a number from 0 to 16777215 (decimal or 0x-hex)", xor_text);
		return CODEC_EXIT_INVALID;
	}
	if (strlen(secret_text) > 10 || parse_unsigned(secret_text, 16, 0xffffffffffULL, &secret) != 0) {
		codec_fail("secret '%s' is not up to 10 hex digits", secret_text);
		return CODEC_EXIT_INVALID;
	}
	if (claim_code_encode((uint32_t)xor_value, secret, &code) != 0) {
		codec_fail("cannot encode that xor and secret");
		return CODEC_EXIT_INVALID;
	}
	claim_code_format(&code, formatted);
	puts(formatted);
	return 0;
}

int codec_claim_main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[0], "decode"))
		return claim_decode(argv[1]);
	if (argc == 3 && !strcmp(argv[0], "encode"))
		return claim_encode(argv[1], argv[2]);
	codec_fail("usage: sirius-codec claim decode CODE | claim encode XOR SECRET");
	return CODEC_EXIT_USAGE;
}

int codec_xor_main(int argc, char **argv)
{
	uint32_t xor_value;

	if (argc != 1) {
		codec_fail("usage: sirius-codec xor DEVICE_ADDRESS");
		return CODEC_EXIT_USAGE;
	}
	if (device_address_hardware_xor(argv[0], &xor_value) != 0) {
		codec_fail("'%s' is not a device address (16 lower-case hex digits)", argv[0]);
		return CODEC_EXIT_INVALID;
	}
	printf("%" PRIu32 "\n", xor_value);
	return 0;
}
