/* fake_printer.c: "sirius-fake printer": a new unclaimed printer with a random address and secret. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "claim_code.h"
#include "db.h"
#include "device_address.h"
#include "fake_cli.h"
#include "fake_printer_file.h"

/* Attempts at drawing an address that no printer has yet. */
#define ADDRESS_ATTEMPTS 16

/*
 * Draws a device address as real printers have them: Ember's OUI 00:0d:6f,
 * a 0 byte, then four random bytes (which give the hardware xor all of its
 * 24 bits). Returns 0, or -1 when RAND_bytes fails.
 */
static int random_address(char out[DEVICE_ADDRESS_LEN + 1])
{
	unsigned char r[4];

	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	snprintf(out, DEVICE_ADDRESS_LEN + 1, "000d6f00%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
	return 0;
}

/* A random 40-bit secret into *secret. Returns 0, or -1 when RAND_bytes fails. */
static int random_secret(uint64_t *secret)
{
	unsigned char r[5];
	int i;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	*secret = 0;
	for (i = 0; i < 5; i++)
		*secret = *secret << 8 | r[i];
	return 0;
}

/*
 * Makes up the printer (a fresh address, a secret, its claim code) and
 * records it as a printer that has called home. Returns 0 with *p filled, or
 * -1 after complaining.
 */
static int create_printer(struct db *db, struct fake_printer *p)
{
	struct sirius_error err = { "" };
	struct db_printer row;
	struct claim_code code;
	int attempt, found = 1;

	memset(p, 0, sizeof(*p));
	for (attempt = 0; attempt < ADDRESS_ATTEMPTS && found; attempt++) {
		if (random_address(p->address) != 0) {
			fake_complain("RAND_bytes failed");
			return -1;
		}
		found = db_printer_by_address(db, p->address, &row, &err);
		if (found < 0) {
			fake_complain("%s", err.message);
			return -1;
		}
	}
	if (found) {
		fake_complain("could not draw an unused device address");
		return -1;
	}
	if (random_secret(&p->secret) != 0 || device_address_hardware_xor(p->address, &p->hardware_xor) != 0 ||
	    claim_code_encode(p->hardware_xor, p->secret, &code) != 0) {
		fake_complain("could not make a claim code");
		return -1;
	}
	claim_code_format(&code, p->claim_code);
	if (db_printer_seen(db, p->address, (int64_t)time(NULL), &row, &err) != 0) {
		fake_complain("cannot record the printer: %s", err.message);
		return -1;
	}
	p->db_id = (long long)row.id;
	return 0;
}

int fake_printer_main(int argc, char **argv)
{
	struct sirius_error err = { "" };
	struct fake_printer p;
	char path[DEVICE_ADDRESS_LEN + sizeof(".printer")];
	struct db *db;
	int rc;

	if (argc != 1)
		return fake_usage_error("printer", "takes no arguments (got \"%s\")", argv[1]);
	db = fake_open_db();
	if (!db)
		return FAKE_EXIT_FAILURE;
	rc = create_printer(db, &p);
	db_close(db);
	if (rc != 0)
		return FAKE_EXIT_FAILURE;
	if (fake_printer_write(stdout, &p) != 0 || fflush(stdout) != 0) {
		fake_complain("cannot write to standard output");
		return FAKE_EXIT_FAILURE;
	}
	snprintf(path, sizeof(path), "%s.printer", p.address);
	if (fake_printer_save(path, &p, &err) != 0) {
		fake_complain("%s", err.message);
		return FAKE_EXIT_FAILURE;
	}
	return FAKE_EXIT_OK;
}
