/* base64.h: strict base64 (RFC 4648, with padding) over OpenSSL's codec. */
#ifndef SIRIUS_BASE64_H
#define SIRIUS_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Bytes needed to hold the encoding of len bytes, terminating NUL included. */
size_t base64_encoded_size(size_t len);

/*
 * Encodes len bytes into out, which must hold base64_encoded_size(len) bytes.
 * Returns the length of the text written (without the NUL). No line breaks.
 */
size_t base64_encode(const uint8_t *data, size_t len, char *out);

/* Returns a malloc'd NUL-terminated encoding of data, or NULL when out of memory. */
char *base64_encode_alloc(const uint8_t *data, size_t len);

/*
 * Decodes exactly len characters of text into a malloc'd buffer; *out_len gets
 * the decoded length. Refuses (returns NULL, errno EINVAL) anything that is not
 * canonical padded base64: a length that is not a multiple of 4, characters
 * outside the alphabet, white space, or padding anywhere but the end.
 * An empty text decodes to an empty (non-NULL) buffer.
 */
uint8_t *base64_decode_alloc(const char *text, size_t len, size_t *out_len);

#endif
