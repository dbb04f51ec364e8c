/* fake_printer_file.h: the ADDRESS.printer file describing a fake printer, in the original backend's layout. */
#ifndef SIRIUS_FAKE_PRINTER_FILE_H
#define SIRIUS_FAKE_PRINTER_FILE_H

#include <stdint.h>
#include <stdio.h>

#include "claim_code.h"
#include "device_address.h"
#include "error.h"

/*
 * Everything a fake printer is. The file holds five lines, each a label
 * right-aligned to 12 characters, ": " and the value:
 *
 *          address: 11cc0f6aaeb07dad
 *            DB id: 3
 *           secret: 0375898b6e
 *              xor: 13311906
 *       claim code: jwm0-6xd9-jeqd-p7x2
 *
 * (without the indent of this comment). The secret is 10 lower-case hex
 * digits, the xor is decimal.
 */
struct fake_printer {
	char address[DEVICE_ADDRESS_LEN + 1];          /* the printer's device address */
	long long db_id;                               /* its row in the printers table */
	uint64_t secret;                               /* the 40-bit secret of its claim code */
	uint32_t hardware_xor;                         /* the 24-bit xor of its address */
	char claim_code[CLAIM_CODE_FORMATTED_SIZE];    /* the code a person types, with dashes */
};

/* Writes p in the file layout to f. Returns 0, or -1 when writing failed. */
int fake_printer_write(FILE *f, const struct fake_printer *p);

/*
 * Writes p to path (replacing a file there). Returns 0, or -1 with the reason
 * in err.
 */
int fake_printer_save(const char *path, const struct fake_printer *p, struct sirius_error *err);

/*
 * Reads a printer file. Every field must be present and consistent: a valid
 * address, a secret of at most 40 bits, the xor of that address, and a claim
 * code that decodes to that xor and secret. Returns 0 with *p filled, or -1
 * with the reason (naming the line) in err.
 */
int fake_printer_load(const char *path, struct fake_printer *p, struct sirius_error *err);

#endif
