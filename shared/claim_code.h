/* claim_code.h: the 16-character claim codes a Little Printer prints, read and written (PROTOCOL.md 5). */
#ifndef SIRIUS_CLAIM_CODE_H
#define SIRIUS_CLAIM_CODE_H

#include <stdint.h>

#include "error.h"

/* Digits in a code, and a buffer for the shown form (four groups of four, "c1zp-g2ec-sqqh-28t5") with its NUL. */
#define CLAIM_CODE_DIGITS 16
#define CLAIM_CODE_FORMATTED_SIZE 20

/*
 * The longest text claim_code_decode reads, dashes included; anything longer is
 * CLAIM_CODE_BAD_LENGTH without being read further. 64 leaves room for a dash
 * after every digit and then some, and is far below anything a form would allow.
 */
#define CLAIM_CODE_MAX_INPUT 64

/* The largest values the fields of a code can hold. */
#define CLAIM_CODE_XOR_MAX 0xFFFFFFu             /* 24 bits */
#define CLAIM_CODE_SECRET_MAX 0xFFFFFFFFFFull    /* 40 bits */

/* Why a text is not a claim code. */
enum claim_code_error {
	CLAIM_CODE_OK = 0,         /* a valid code */
	CLAIM_CODE_BAD_LENGTH,     /* not 16 digits once dashes are dropped, or too long a text */
	CLAIM_CODE_BAD_CHARACTER,  /* something outside the alphabet (A, spaces, punctuation, ...) */
	CLAIM_CODE_BAD_CRC         /* 16 good digits whose checksum does not match */
};

/* A decoded claim code. */
struct claim_code {
	uint32_t hardware_xor;                 /* 24 bits: the printer's hardware xor */
	uint64_t secret;                       /* 40 bits: the secret the link key is made from */
	char digits[CLAIM_CODE_DIGITS + 1];    /* canonical: lower case, no dashes, NUL-terminated */
};

/*
 * Reads a code as a person may type it: dashes are dropped wherever they are,
 * case is ignored, I and L read as 1 and U as V; A and every other character
 * (white space and non-ASCII bytes included) are bad characters.
 *
 * When several things are wrong the first of these wins: the length (a NULL
 * text, more than CLAIM_CODE_MAX_INPUT bytes, or not exactly 16 digits after
 * dropping dashes, bad characters counted as digits), then bad characters,
 * then the checksum. Returns CLAIM_CODE_OK and fills *out, or the error and
 * leaves *out zeroed. out may be NULL to only validate.
 */
enum claim_code_error claim_code_decode(const char *text, struct claim_code *out);

/* A sentence a person can act on for error (also for CLAIM_CODE_OK); never NULL. */
const char *claim_code_error_message(enum claim_code_error error);

/*
 * claim_code_decode reporting through err: returns 0, or -1 with the message of
 * claim_code_error_message (without its final period) in err.
 */
int claim_code_parse(const char *text, struct claim_code *out, struct sirius_error *err);

/*
 * Builds the code for a hardware xor and secret, checksum included.
 * Returns 0, or -1 (leaving *out alone) when xor has more than 24 bits or
 * secret more than 40.
 */
int claim_code_encode(uint32_t hardware_xor, uint64_t secret, struct claim_code *out);

/*
 * Writes code's digits in four dash-separated groups of four, as printers show
 * them ("c1zp-g2ec-sqqh-28t5"); code must come from decode or encode.
 */
void claim_code_format(const struct claim_code *code, char out[CLAIM_CODE_FORMATTED_SIZE]);

#endif
