/* device_address.h: the 16-hex-digit addresses of bridges and printers, and a printer's hardware xor. */
#ifndef SIRIUS_DEVICE_ADDRESS_H
#define SIRIUS_DEVICE_ADDRESS_H

#include <stdint.h>

#include "error.h"

/* Hex digits in an address (an EUI-64: 8 bytes); a buffer for one needs one more for the NUL. */
#define DEVICE_ADDRESS_LEN 16
#define DEVICE_ADDRESS_BYTES 8

/* The largest hardware xor (it has 24 bits). */
#define DEVICE_ADDRESS_XOR_MAX 0xFFFFFFu

/*
 * 1 when text is exactly DEVICE_ADDRESS_LEN lower-case hex digits with the NUL
 * right after them, else 0 (also for NULL). Reads at most 17 bytes of text.
 * Upper-case digits are refused: bridges always send lower case, and an
 * address is a database key, so one spelling per printer.
 */
int device_address_valid(const char *text);

/*
 * Parses a valid address into its 8 bytes in the order written (big-endian).
 * Returns 0, or -1 with a reason in err when the text is not a valid address.
 */
int device_address_parse(const char *text, uint8_t bytes[DEVICE_ADDRESS_BYTES],
			 struct sirius_error *err);

/*
 * The 24-bit hardware xor of an address (PROTOCOL.md section 5): with the bytes
 * reversed to b0..b7, (b2^b4^b7) << 16 | (b1^b3^b6) << 8 | (b0^b5).
 * Returns 0 and sets *xor_out, or -1 (leaving *xor_out alone) when the address
 * is invalid.
 */
int device_address_hardware_xor(const char *address, uint32_t *xor_out);

#endif
