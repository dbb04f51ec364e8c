/* device_address.c: validating device addresses and deriving a printer's hardware xor. */
#include "device_address.h"

#include <stddef.h>

/* The value 0..15 of a lower-case hex digit, or -1 for anything else. */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int device_address_valid(const char *text)
{
	size_t i;

	if (!text)
		return 0;
	for (i = 0; i < DEVICE_ADDRESS_LEN; i++) {
		if (hex_value(text[i]) < 0)
			return 0; /* also stops at a NUL before 16 digits */
	}
	return text[DEVICE_ADDRESS_LEN] == '\0';
}

int device_address_parse(const char *text, uint8_t bytes[DEVICE_ADDRESS_BYTES],
			 struct sirius_error *err)
{
	size_t i;

	if (!device_address_valid(text))
		return error_set(err, "a device address must be %d lower-case hex digits",
				 DEVICE_ADDRESS_LEN);
	for (i = 0; i < DEVICE_ADDRESS_BYTES; i++)
		bytes[i] = (uint8_t)(hex_value(text[2 * i]) << 4 | hex_value(text[2 * i + 1]));
	return 0;
}

int device_address_hardware_xor(const char *address, uint32_t *xor_out)
{
	uint8_t written[DEVICE_ADDRESS_BYTES];
	uint8_t b[DEVICE_ADDRESS_BYTES]; /* little-endian: b[0] is the last byte written */
	size_t i;

	if (device_address_parse(address, written, NULL) < 0)
		return -1;
	for (i = 0; i < DEVICE_ADDRESS_BYTES; i++)
		b[i] = written[DEVICE_ADDRESS_BYTES - 1 - i];
	*xor_out = (uint32_t)(b[2] ^ b[4] ^ b[7]) << 16 |
		   (uint32_t)(b[1] ^ b[3] ^ b[6]) << 8 |
		   (uint32_t)(b[0] ^ b[5]);
	return 0;
}
