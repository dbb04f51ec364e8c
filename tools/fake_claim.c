/* fake_claim.c: "sirius-fake claim": claiming a printer for a user with the web UI's rules (db_claim). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "claim_code.h"
#include "db.h"
#include "device_address.h"
#include "fake_cli.h"

/*
 * Checks that a valid code belongs to the printer at address: the code's
 * hardware xor must be the address's (the address's row when the printer
 * has called home, else computed). Returns 0, 1 after complaining about a
 * mismatch, or -1 after complaining about a database error.
 */
static int check_code_matches(struct db *db, const char *address, const struct claim_code *code)
{
	struct sirius_error err = { "" };
	struct db_printer row;
	uint32_t xor = 0;
	int found = db_printer_by_address(db, address, &row, &err);

	if (found < 0) {
		fake_complain("%s", err.message);
		return -1;
	}
	if (found)
		xor = row.hardware_xor;
	else
		device_address_hardware_xor(address, &xor);
	if (xor != code->hardware_xor) {
		fake_complain("this claim code is not printer %s's: the code is for hardware xor %" PRIu32
			      ", the printer has %" PRIu32, address, code->hardware_xor, xor);
		return 1;
	}
	return 0;
}

/* Says what the claim came to for a printer_id from db_claim. */
static void report(struct db *db, const char *address, const char *owner, const char *name, int64_t printer_id)
{
	struct sirius_error err = { "" };
	struct db_printer row;

	if (printer_id == 0) {
		printf("claim code stored for %s: printer %s becomes \"%s\" when it calls home\n", owner, address,
		       name);
		return;
	}
	if (db_printer_by_id(db, printer_id, &row, &err) == 1 && strcmp(row.address, address) != 0)
		printf("claimed printer %s (id %lld), the newest with this code's xor, for %s as \"%s\"\n",
		       row.address, (long long)printer_id, owner, name);
	else
		printf("claimed printer %s (id %lld) for %s as \"%s\"\n", address, (long long)printer_id, owner,
		       name);
}

int fake_claim_main(int argc, char **argv)
{
	struct sirius_error err = { "" };
	struct db_user user;
	struct claim_code code;
	enum db_claim_result result;
	const char *address, *owner, *code_text, *name;
	int64_t printer_id = 0;
	struct db *db;
	int found, status;

	if (argc != 5)
		return fake_usage_error("claim", "wants a device address, an owner, a claim code and a name");
	address = argv[1];
	owner = argv[2];
	code_text = argv[3];
	name = argv[4];
	if (!device_address_valid(address)) {
		fake_complain("\"%s\" is not a device address (16 lower-case hex digits)", address);
		return FAKE_EXIT_REFUSED;
	}

	db = fake_open_db();
	if (!db)
		return FAKE_EXIT_FAILURE;
	found = db_user_by_name(db, owner, &user, &err);
	if (found <= 0) {
		if (found < 0)
			fake_complain("%s", err.message);
		else
			fake_complain("there is no user named %s", owner);
		db_close(db);
		return found < 0 ? FAKE_EXIT_FAILURE : FAKE_EXIT_REFUSED;
	}
	/* an invalid code is left to db_claim, so that its refusal reads as on the web */
	if (claim_code_decode(code_text, &code) == CLAIM_CODE_OK) {
		int mismatch = check_code_matches(db, address, &code);

		if (mismatch != 0) {
			db_close(db);
			return mismatch < 0 ? FAKE_EXIT_FAILURE : FAKE_EXIT_REFUSED;
		}
	}
	result = db_claim(db, user.id, code_text, name, (int64_t)time(NULL), &printer_id, &err);
	if (result == DB_CLAIM_OK) {
		report(db, address, user.name, name, printer_id);
		status = FAKE_EXIT_OK;
	} else if (result == DB_CLAIM_ERROR) {
		fake_complain("cannot claim: %s", err.message);
		status = FAKE_EXIT_FAILURE;
	} else {
		fake_complain("refused: %s", db_claim_result_message(result));
		status = FAKE_EXIT_REFUSED;
	}
	db_close(db);
	return status;
}
