/* claim_code.c: claim codes as 80-bit numbers in base 32 (xor, secret, CRC-16). */
#include "claim_code.h"

#include <string.h>

#include "crc16.h"

/* The code's digits, value 0..31 in this order. */
static const char alphabet[] = "0123456789bcdefghjkmnopqrstvwxyz";

/* The value 0..31 of a typed character, or -1 when it is not a claim code digit. */
static int digit_value(char c)
{
	unsigned char u = (unsigned char)c;
	size_t i;

	if (u >= 'A' && u <= 'Z')
		u = (unsigned char)(u - 'A' + 'a');
	if (u == 'i' || u == 'l')
		return 1;
	if (u == 'u')
		u = 'v';
	for (i = 0; i < sizeof(alphabet) - 1; i++) {
		if ((unsigned char)alphabet[i] == u)
			return (int)i;
	}
	return -1;
}

/* The checksum of a code: CRC-16/CCITT over the low 64 bits as a little-endian uint64. */
static uint16_t code_crc(uint64_t low)
{
	uint8_t bytes[8];
	size_t i;

	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(low >> (8 * i));
	return crc16_ccitt(bytes, sizeof(bytes));
}

/* The 5 bits at shift (0..75) of the 80-bit number high:low. */
static unsigned int five_bits(uint16_t high, uint64_t low, unsigned int shift)
{
	if (shift >= 64)
		return (unsigned int)(high >> (shift - 64)) & 31u;
	if (shift + 5 <= 64)
		return (unsigned int)(low >> shift) & 31u;
	return (unsigned int)((low >> shift) | ((uint64_t)high << (64 - shift))) & 31u;
}

enum claim_code_error claim_code_decode(const char *text, struct claim_code *out)
{
	uint8_t values[CLAIM_CODE_DIGITS];
	size_t count = 0;        /* characters other than dashes */
	int bad_character = 0;
	uint16_t high = 0;       /* bits 64..79 */
	uint64_t low = 0;        /* bits 0..63 */
	size_t i;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!text)
		return CLAIM_CODE_BAD_LENGTH;
	for (i = 0; text[i] != '\0'; i++) {
		int value;

		if (i >= CLAIM_CODE_MAX_INPUT)
			return CLAIM_CODE_BAD_LENGTH;
		if (text[i] == '-')
			continue;
		value = digit_value(text[i]);
		if (value < 0)
			bad_character = 1;
		else if (count < CLAIM_CODE_DIGITS)
			values[count] = (uint8_t)value;
		count++;
	}
	if (count != CLAIM_CODE_DIGITS)
		return CLAIM_CODE_BAD_LENGTH;
	if (bad_character)
		return CLAIM_CODE_BAD_CHARACTER;

	for (i = 0; i < CLAIM_CODE_DIGITS; i++) {
		high = (uint16_t)(high << 5 | (uint16_t)(low >> 59));
		low = low << 5 | values[i];
	}
	if (code_crc(low) != high)
		return CLAIM_CODE_BAD_CRC;

	if (out) {
		out->hardware_xor = (uint32_t)(low & CLAIM_CODE_XOR_MAX);
		out->secret = low >> 24;
		for (i = 0; i < CLAIM_CODE_DIGITS; i++)
			out->digits[i] = alphabet[values[i]];
		out->digits[CLAIM_CODE_DIGITS] = '\0';
	}
	return CLAIM_CODE_OK;
}

const char *claim_code_error_message(enum claim_code_error error)
{
	switch (error) {
	case CLAIM_CODE_OK:
		return "The claim code is valid.";
	case CLAIM_CODE_BAD_LENGTH:
		return "A claim code has 16 letters and digits, not counting dashes: "
		       "check that you typed all of it and nothing else.";
	case CLAIM_CODE_BAD_CHARACTER:
		return "A claim code has only digits, letters other than A, and dashes: "
		       "check the code for a mistyped character or a space.";
	case CLAIM_CODE_BAD_CRC:
		return "This claim code does not add up, so a character was probably mistyped: "
		       "compare it with the code your printer printed.";
	}
	return "The claim code could not be read: type it again as your printer printed it.";
}

int claim_code_parse(const char *text, struct claim_code *out, struct sirius_error *err)
{
	enum claim_code_error result = claim_code_decode(text, out);
	const char *message;
	size_t len;

	if (result == CLAIM_CODE_OK)
		return 0;
	message = claim_code_error_message(result);
	len = strlen(message);
	if (len > 0 && message[len - 1] == '.')
		len--;
	return error_set(err, "%.*s", (int)len, message);
}

int claim_code_encode(uint32_t hardware_xor, uint64_t secret, struct claim_code *out)
{
	uint64_t low;
	uint16_t high;
	unsigned int i;

	if (hardware_xor > CLAIM_CODE_XOR_MAX || secret > CLAIM_CODE_SECRET_MAX)
		return -1;
	low = secret << 24 | hardware_xor;
	high = code_crc(low);
	for (i = 0; i < CLAIM_CODE_DIGITS; i++)
		out->digits[i] = alphabet[five_bits(high, low, 75 - 5 * i)];
	out->digits[CLAIM_CODE_DIGITS] = '\0';
	out->hardware_xor = hardware_xor;
	out->secret = secret;
	return 0;
}

void claim_code_format(const struct claim_code *code, char out[CLAIM_CODE_FORMATTED_SIZE])
{
	size_t i, o = 0;

	for (i = 0; i < CLAIM_CODE_DIGITS && code->digits[i] != '\0'; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = code->digits[i];
	}
	out[o] = '\0';
}
