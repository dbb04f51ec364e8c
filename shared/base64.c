/* base64.c: strict base64 encoding and decoding on top of OpenSSL's EVP codec. */
#include "base64.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

size_t base64_encoded_size(size_t len)
{
	return (len + 2) / 3 * 4 + 1;
}

size_t base64_encode(const uint8_t *data, size_t len, char *out)
{
	size_t written = 0;

	/* EVP_EncodeBlock takes an int length: feed it in whole 3-byte groups. */
	while (len > 0) {
		size_t chunk = len > (size_t)3 * 1024 * 1024 ? (size_t)3 * 1024 * 1024 : len;

		written += (size_t)EVP_EncodeBlock((unsigned char *)out + written, data, (int)chunk);
		data += chunk;
		len -= chunk;
	}
	out[written] = '\0';
	return written;
}

char *base64_encode_alloc(const uint8_t *data, size_t len)
{
	char *out = malloc(base64_encoded_size(len));

	if (out)
		base64_encode(data, len, out);
	return out;
}

static int is_alphabet(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

uint8_t *base64_decode_alloc(const char *text, size_t len, size_t *out_len)
{
	size_t padding = 0;
	uint8_t *out;
	size_t i;

	if (len % 4 != 0 || len > (size_t)1 << 30) {
		errno = EINVAL;
		return NULL;
	}
	if (len > 0 && text[len - 1] == '=')
		padding = (len > 1 && text[len - 2] == '=') ? 2 : 1;
	/* OpenSSL skips white space and stops at '=': check the text ourselves. */
	for (i = 0; i < len - padding; i++) {
		if (!is_alphabet((unsigned char)text[i])) {
			errno = EINVAL;
			return NULL;
		}
	}

	out = malloc(len / 4 * 3 + 1);
	if (!out)
		return NULL;
	if (len > 0 && EVP_DecodeBlock(out, (const unsigned char *)text, (int)len) < 0) {
		free(out);
		errno = EINVAL;
		return NULL;
	}
	*out_len = len / 4 * 3 - padding;
	return out;
}
