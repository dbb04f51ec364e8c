/* db_printers.c: printers, claim codes and link keys in the database (PROTOCOL.md sections 4 and 5). */
#include "db_internal.h"

#include <string.h>

#include <glib.h>

#include "claim_code.h"
#include "device_address.h"
#include "link_key.h"

int db_printer_name_valid(const char *name)
{
	size_t len, i;

	if (!name)
		return 0;
	len = strnlen(name, DB_PRINTER_NAME_MAX + 1);
	if (len == 0 || len > DB_PRINTER_NAME_MAX || !g_utf8_validate(name, (gssize)len, NULL))
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	return 1;
}

void dbi_read_printer(struct db *db, enum db_stmt id, void *out)
{
	struct db_printer *printer = out;
	sqlite3_stmt *st = db->stmts[id];

	memset(printer, 0, sizeof(*printer));
	printer->id = sqlite3_column_int64(st, 0);
	dbi_column_text(db, id, 1, printer->address, sizeof(printer->address));
	printer->hardware_xor = (uint32_t)sqlite3_column_int64(st, 2);
	printer->owner_id = sqlite3_column_int64(st, 3);
	dbi_column_text(db, id, 4, printer->name, sizeof(printer->name));
	printer->claim_code_id = sqlite3_column_int64(st, 5);
	printer->created = sqlite3_column_int64(st, 6);
	printer->last_seen = sqlite3_column_int64(st, 7);
}

int db_printer_by_id(struct db *db, int64_t id, struct db_printer *out, struct sirius_error *err)
{
	if (dbi_bind_int(db, SQL_PRINTER_BY_ID, "$id", id, err) < 0) {
		dbi_reset(db, SQL_PRINTER_BY_ID);
		return -1;
	}
	return dbi_lookup(db, SQL_PRINTER_BY_ID, dbi_read_printer, out, err);
}

int db_printer_by_address(struct db *db, const char *address, struct db_printer *out,
			  struct sirius_error *err)
{
	if (!device_address_valid(address))
		return 0;
	if (dbi_bind_text(db, SQL_PRINTER_BY_ADDRESS, "$address", address, err) < 0) {
		dbi_reset(db, SQL_PRINTER_BY_ADDRESS);
		return -1;
	}
	return dbi_lookup(db, SQL_PRINTER_BY_ADDRESS, dbi_read_printer, out, err);
}

int db_printers_of_owner(struct db *db, int64_t owner_id, struct db_printer **list, size_t *count,
			 struct sirius_error *err)
{
	*list = NULL;
	*count = 0;
	if (dbi_bind_int(db, SQL_PRINTERS_OF_OWNER, "$owner", owner_id, err) < 0) {
		dbi_reset(db, SQL_PRINTERS_OF_OWNER);
		return -1;
	}
	return dbi_collect(db, SQL_PRINTERS_OF_OWNER, dbi_read_printer, NULL, sizeof(**list), (void **)list,
			   count, err);
}

/*
 * The newest claim code of a hardware xor at now, leaving out waiting codes
 * that expired: 1 with its id, user, printer name and whether an address has
 * used it (*used 1 or 0), 0 when none, -1.
 */
static int newest_code(struct db *db, uint32_t hardware_xor, int64_t now, int64_t *code_id, int64_t *user_id,
		       char name[DB_PRINTER_NAME_MAX + 1], int *used, struct sirius_error *err)
{
	int rc;

	if (dbi_bind_int(db, SQL_CLAIM_NEWEST_FOR_XOR, "$xor", hardware_xor, err) < 0 ||
	    dbi_bind_int(db, SQL_CLAIM_NEWEST_FOR_XOR, "$expired", now - DB_CLAIM_WAIT_LIFETIME, err) < 0) {
		dbi_reset(db, SQL_CLAIM_NEWEST_FOR_XOR);
		return -1;
	}
	rc = dbi_step(db, SQL_CLAIM_NEWEST_FOR_XOR, err);
	if (rc == SQLITE_ROW) {
		*code_id = sqlite3_column_int64(db->stmts[SQL_CLAIM_NEWEST_FOR_XOR], 0);
		*user_id = sqlite3_column_int64(db->stmts[SQL_CLAIM_NEWEST_FOR_XOR], 1);
		dbi_column_text(db, SQL_CLAIM_NEWEST_FOR_XOR, 2, name, DB_PRINTER_NAME_MAX + 1);
		*used = sqlite3_column_int(db->stmts[SQL_CLAIM_NEWEST_FOR_XOR], 3) != 0;
	}
	dbi_reset(db, SQL_CLAIM_NEWEST_FOR_XOR);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Inside a transaction: records that address took claim code code_id (the first address to do so stays). 0 or -1. */
static int mark_code_used(struct db *db, int64_t code_id, const char *address, struct sirius_error *err)
{
	if (dbi_bind_text(db, SQL_CLAIM_SET_USED, "$address", address, err) < 0 ||
	    dbi_bind_int(db, SQL_CLAIM_SET_USED, "$id", code_id, err) < 0) {
		dbi_reset(db, SQL_CLAIM_SET_USED);
		return -1;
	}
	return dbi_run(db, SQL_CLAIM_SET_USED, err) < 0 ? -1 : 0;
}

/*
 * Inside a transaction: makes the printer of a new address, joined to the
 * newest claim code of its xor unless an older address used that code (R2 of
 * the claiming rules in db.h: it is from before a reset). Older rows of the
 * same xor are the same printer before a reset: they stop being claimed, so
 * that the printer is listed once. 0, or -1 with a reason in err.
 */
static int insert_printer(struct db *db, const char *address, uint32_t hardware_xor, int64_t now,
			  struct sirius_error *err)
{
	char name[DB_PRINTER_NAME_MAX + 1] = "";
	int64_t code_id = 0, user_id = 0;
	int used = 0;

	if (newest_code(db, hardware_xor, now, &code_id, &user_id, name, &used, err) < 0)
		return -1;
	if (used) {
		/* Every address before this one is older: the code's key is not this printer's now. */
		code_id = 0;
		user_id = 0;
	}
	if (code_id && mark_code_used(db, code_id, address, err) < 0)
		return -1;
	if (dbi_bind_int(db, SQL_PRINTER_RETIRE_XOR, "$xor", hardware_xor, err) < 0 ||
	    dbi_bind_text(db, SQL_PRINTER_RETIRE_XOR, "$address", address, err) < 0) {
		dbi_reset(db, SQL_PRINTER_RETIRE_XOR);
		return -1;
	}
	if (dbi_run(db, SQL_PRINTER_RETIRE_XOR, err) < 0)
		return -1;
	if (dbi_bind_text(db, SQL_PRINTER_INSERT, "$address", address, err) < 0 ||
	    dbi_bind_int(db, SQL_PRINTER_INSERT, "$xor", hardware_xor, err) < 0 ||
	    dbi_bind_id(db, SQL_PRINTER_INSERT, "$owner", user_id, err) < 0 ||
	    dbi_bind_text(db, SQL_PRINTER_INSERT, "$name", code_id ? name : NULL, err) < 0 ||
	    dbi_bind_id(db, SQL_PRINTER_INSERT, "$code", code_id, err) < 0 ||
	    dbi_bind_int(db, SQL_PRINTER_INSERT, "$now", now, err) < 0) {
		dbi_reset(db, SQL_PRINTER_INSERT);
		return -1;
	}
	return dbi_run(db, SQL_PRINTER_INSERT, err) < 0 ? -1 : 0;
}

int db_printer_seen(struct db *db, const char *address, int64_t now, struct db_printer *out,
		    struct sirius_error *err)
{
	uint32_t hardware_xor;
	int changed, found;

	if (device_address_hardware_xor(address, &hardware_xor) < 0 || !device_address_valid(address))
		return error_set(err, "not a device address: 16 lower-case hex digits expected");
	if (dbi_begin(db, err) < 0)
		return -1;
	if (dbi_bind_int(db, SQL_PRINTER_TOUCH, "$now", now, err) < 0 ||
	    dbi_bind_text(db, SQL_PRINTER_TOUCH, "$address", address, err) < 0) {
		dbi_reset(db, SQL_PRINTER_TOUCH);
		goto fail;
	}
	changed = dbi_run(db, SQL_PRINTER_TOUCH, err);
	if (changed < 0)
		goto fail;
	if (changed == 0 && insert_printer(db, address, hardware_xor, now, err) < 0)
		goto fail;
	if (dbi_commit(db, err) < 0)
		return -1;
	if (!out)
		return 0;
	found = db_printer_by_address(db, address, out, err);
	if (found == 0)
		return error_set(err, "database: printer %s vanished after being recorded", address);
	return found < 0 ? -1 : 0;
fail:
	dbi_rollback(db);
	return -1;
}

int db_printer_touch(struct db *db, const char *address, int64_t now, struct sirius_error *err)
{
	if (!device_address_valid(address))
		return 0;
	if (dbi_bind_int(db, SQL_PRINTER_TOUCH, "$now", now, err) < 0 ||
	    dbi_bind_text(db, SQL_PRINTER_TOUCH, "$address", address, err) < 0) {
		dbi_reset(db, SQL_PRINTER_TOUCH);
		return -1;
	}
	return dbi_run(db, SQL_PRINTER_TOUCH, err);
}

int db_printer_key(struct db *db, const char *address, uint8_t key[16], int *claimed,
		   struct sirius_error *err)
{
	int64_t secret = 0;
	int rc;

	memset(key, 0, 16);
	*claimed = 0;
	if (!device_address_valid(address))
		return 0;
	if (dbi_bind_text(db, SQL_PRINTER_SECRET, "$address", address, err) < 0) {
		dbi_reset(db, SQL_PRINTER_SECRET);
		return -1;
	}
	rc = dbi_step(db, SQL_PRINTER_SECRET, err);
	if (rc == SQLITE_ROW)
		secret = sqlite3_column_int64(db->stmts[SQL_PRINTER_SECRET], 0);
	dbi_reset(db, SQL_PRINTER_SECRET);
	if (rc < 0)
		return -1;
	if (rc == SQLITE_DONE)
		return 0;
	if (secret < 0 || link_key_from_secret((uint64_t)secret, key) < 0)
		return error_set(err, "database: the claim code of printer %s has an unusable secret",
				 address);
	*claimed = 1;
	return 0;
}

int db_printer_rename(struct db *db, int64_t printer_id, int64_t owner_id, const char *name,
		      struct sirius_error *err)
{
	if (!db_printer_name_valid(name))
		return error_set(err, "a printer name is 1 to %d bytes of text", DB_PRINTER_NAME_MAX);
	if (dbi_bind_text(db, SQL_PRINTER_RENAME, "$name", name, err) < 0 ||
	    dbi_bind_int(db, SQL_PRINTER_RENAME, "$id", printer_id, err) < 0 ||
	    dbi_bind_int(db, SQL_PRINTER_RENAME, "$owner", owner_id, err) < 0) {
		dbi_reset(db, SQL_PRINTER_RENAME);
		return -1;
	}
	return dbi_run(db, SQL_PRINTER_RENAME, err);
}

int db_printer_forget(struct db *db, int64_t printer_id, int64_t owner_id, struct sirius_error *err)
{
	struct db_printer printer;
	int found, changed;

	if (dbi_begin(db, err) < 0)
		return -1;
	found = db_printer_by_id(db, printer_id, &printer, err);
	if (found < 0)
		goto fail;
	if (found == 0 || printer.owner_id != owner_id || owner_id == 0) {
		dbi_rollback(db);
		return 0;
	}
	if (dbi_bind_int(db, SQL_PRINTER_FORGET, "$id", printer_id, err) < 0 ||
	    dbi_bind_int(db, SQL_PRINTER_FORGET, "$owner", owner_id, err) < 0) {
		dbi_reset(db, SQL_PRINTER_FORGET);
		goto fail;
	}
	changed = dbi_run(db, SQL_PRINTER_FORGET, err);
	if (changed < 0)
		goto fail;
	if (dbi_bind_int(db, SQL_CLAIM_DELETE_FOR_XOR, "$xor", printer.hardware_xor, err) < 0 ||
	    dbi_bind_int(db, SQL_CLAIM_DELETE_FOR_XOR, "$user", owner_id, err) < 0) {
		dbi_reset(db, SQL_CLAIM_DELETE_FOR_XOR);
		goto fail;
	}
	if (dbi_run(db, SQL_CLAIM_DELETE_FOR_XOR, err) < 0)
		goto fail;
	if (dbi_bind_int(db, SQL_KEYS_DELETE_PRINTER, "$printer", printer_id, err) < 0) {
		dbi_reset(db, SQL_KEYS_DELETE_PRINTER);
		goto fail;
	}
	if (dbi_run(db, SQL_KEYS_DELETE_PRINTER, err) < 0)
		goto fail;
	if (dbi_commit(db, err) < 0)
		return -1;
	return changed > 0 ? 1 : 0;
fail:
	dbi_rollback(db);
	return -1;
}

_Static_assert(DB_CLAIM_WAITING_MAX == 5, "the message of DB_CLAIM_TOO_MANY_WAITING says 5");

const char *db_claim_result_message(enum db_claim_result result)
{
	switch (result) {
	case DB_CLAIM_OK:
		return "The printer is yours.";
	case DB_CLAIM_BAD_LENGTH:
		return "A claim code has 16 characters.";
	case DB_CLAIM_BAD_CHARACTER:
		return "That claim code has a character that cannot be in one; check it on the printout.";
	case DB_CLAIM_BAD_CRC:
		return "That claim code is not right; check it on the printout.";
	case DB_CLAIM_BAD_NAME:
		return "Give the printer a name of 1 to 64 characters.";
	case DB_CLAIM_IN_USE:
		return "That claim code has been used by another account.";
	case DB_CLAIM_CANNOT_CHANGE_OWNER:
		return "That printer belongs to another account. Reset it to print a new claim code, and enter that "
		       "code once the printer is connected again.";
	case DB_CLAIM_OLD_CODE:
		return "That is an old claim code of this printer (from before it was last reset, or replaced by a "
		       "newer one); enter the code it printed last.";
	case DB_CLAIM_TOO_MANY_WAITING:
		return "You have 5 claim codes waiting for printers that have not connected yet. Connect one of "
		       "those printers first, or wait a week until the codes expire.";
	case DB_CLAIM_ERROR:
		break;
	}
	return "The printer could not be claimed because of a server error.";
}

/*
 * Inside a transaction: the stored claim code with the text of code. 1 with
 * its id and user, 0 when nobody entered it yet, -1 with a reason in err.
 */
static int find_code(struct db *db, const struct claim_code *code, int64_t *code_id, int64_t *user_id,
		     struct sirius_error *err)
{
	int rc;

	if (dbi_bind_text(db, SQL_CLAIM_BY_CODE, "$code", code->digits, err) < 0) {
		dbi_reset(db, SQL_CLAIM_BY_CODE);
		return -1;
	}
	rc = dbi_step(db, SQL_CLAIM_BY_CODE, err);
	if (rc == SQLITE_ROW) {
		*code_id = sqlite3_column_int64(db->stmts[SQL_CLAIM_BY_CODE], 0);
		*user_id = sqlite3_column_int64(db->stmts[SQL_CLAIM_BY_CODE], 1);
	}
	dbi_reset(db, SQL_CLAIM_BY_CODE);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Inside a transaction: whether the stored code code_id is old for the
 * printer at address (db.h, claiming rules: an older address used it, or a
 * newer code of its xor has been used). 1, 0, or -1 with a reason in err.
 */
static int code_is_old(struct db *db, int64_t code_id, const char *address, struct sirius_error *err)
{
	int64_t old = 0;

	if (dbi_bind_int(db, SQL_CLAIM_IS_OLD, "$id", code_id, err) < 0 ||
	    dbi_bind_text(db, SQL_CLAIM_IS_OLD, "$address", address, err) < 0) {
		dbi_reset(db, SQL_CLAIM_IS_OLD);
		return -1;
	}
	if (dbi_run_int(db, SQL_CLAIM_IS_OLD, &old, err) < 0)
		return -1;
	return old != 0;
}

/*
 * Inside a transaction: stores the user's claim code, or renames it when
 * code_id is that of the stored one. Its id, or -1 with a reason in err.
 */
static int64_t store_code(struct db *db, int64_t code_id, int64_t user_id, const struct claim_code *code,
			  const char *printer_name, int64_t now, struct sirius_error *err)
{
	if (code_id) {
		if (dbi_bind_text(db, SQL_CLAIM_RENAME, "$name", printer_name, err) < 0 ||
		    dbi_bind_int(db, SQL_CLAIM_RENAME, "$id", code_id, err) < 0) {
			dbi_reset(db, SQL_CLAIM_RENAME);
			return -1;
		}
		return dbi_run(db, SQL_CLAIM_RENAME, err) < 0 ? -1 : code_id;
	}
	if (dbi_bind_text(db, SQL_CLAIM_INSERT, "$code", code->digits, err) < 0 ||
	    dbi_bind_int(db, SQL_CLAIM_INSERT, "$xor", code->hardware_xor, err) < 0 ||
	    dbi_bind_int(db, SQL_CLAIM_INSERT, "$secret", (int64_t)code->secret, err) < 0 ||
	    dbi_bind_int(db, SQL_CLAIM_INSERT, "$user", user_id, err) < 0 ||
	    dbi_bind_text(db, SQL_CLAIM_INSERT, "$name", printer_name, err) < 0 ||
	    dbi_bind_int(db, SQL_CLAIM_INSERT, "$now", now, err) < 0) {
		dbi_reset(db, SQL_CLAIM_INSERT);
		return -1;
	}
	if (dbi_run(db, SQL_CLAIM_INSERT, err) < 0)
		return -1;
	return sqlite3_last_insert_rowid(db->sqlite);
}

/*
 * Inside a transaction: decides a decoded claim by rules R3 and R4 of db.h
 * and, when it is allowed, stores the code and joins the printer to it.
 * DB_CLAIM_OK (with *printer_id set when a printer joined), a refusal (the
 * caller rolls back), or DB_CLAIM_ERROR with a reason in err.
 */
static enum db_claim_result claim_in_transaction(struct db *db, int64_t user_id, const struct claim_code *code,
						 const char *printer_name, int64_t now, int64_t *printer_id,
						 struct sirius_error *err)
{
	struct db_printer printer;
	int64_t code_id = 0, code_user = 0;
	int found, old;

	found = find_code(db, code, &code_id, &code_user, err);
	if (found < 0)
		return DB_CLAIM_ERROR;
	if (found && code_user != user_id)
		return DB_CLAIM_IN_USE;
	if (dbi_bind_int(db, SQL_PRINTER_NEWEST_FOR_XOR, "$xor", code->hardware_xor, err) < 0) {
		dbi_reset(db, SQL_PRINTER_NEWEST_FOR_XOR);
		return DB_CLAIM_ERROR;
	}
	found = dbi_lookup(db, SQL_PRINTER_NEWEST_FOR_XOR, dbi_read_printer, &printer, err);
	if (found < 0)
		return DB_CLAIM_ERROR;
	if (found && printer.owner_id != 0 && printer.owner_id != user_id)
		return DB_CLAIM_CANNOT_CHANGE_OWNER;
	/* A code nobody entered before is the newest and unused: never old. */
	if (found && code_id) {
		old = code_is_old(db, code_id, printer.address, err);
		if (old < 0)
			return DB_CLAIM_ERROR;
		if (old)
			return DB_CLAIM_OLD_CODE;
	}
	if (!found && !code_id) {
		/* A new code that will wait for its printer: a user may have only a few waiting. */
		int64_t waiting = 0;

		if (dbi_bind_int(db, SQL_CLAIM_WAITING_COUNT, "$user", user_id, err) < 0 ||
		    dbi_bind_int(db, SQL_CLAIM_WAITING_COUNT, "$expired", now - DB_CLAIM_WAIT_LIFETIME, err) < 0 ||
		    dbi_run_int(db, SQL_CLAIM_WAITING_COUNT, &waiting, err) < 0) {
			dbi_reset(db, SQL_CLAIM_WAITING_COUNT);
			return DB_CLAIM_ERROR;
		}
		if (waiting >= DB_CLAIM_WAITING_MAX)
			return DB_CLAIM_TOO_MANY_WAITING;
	}
	code_id = store_code(db, code_id, user_id, code, printer_name, now, err);
	if (code_id < 0)
		return DB_CLAIM_ERROR;
	if (!found)
		return DB_CLAIM_OK;
	if (dbi_bind_int(db, SQL_PRINTER_SET_CLAIM, "$owner", user_id, err) < 0 ||
	    dbi_bind_text(db, SQL_PRINTER_SET_CLAIM, "$name", printer_name, err) < 0 ||
	    dbi_bind_int(db, SQL_PRINTER_SET_CLAIM, "$code", code_id, err) < 0 ||
	    dbi_bind_int(db, SQL_PRINTER_SET_CLAIM, "$id", printer.id, err) < 0) {
		dbi_reset(db, SQL_PRINTER_SET_CLAIM);
		return DB_CLAIM_ERROR;
	}
	if (dbi_run(db, SQL_PRINTER_SET_CLAIM, err) < 0 || mark_code_used(db, code_id, printer.address, err) < 0)
		return DB_CLAIM_ERROR;
	if (printer_id)
		*printer_id = printer.id;
	return DB_CLAIM_OK;
}

enum db_claim_result db_claim(struct db *db, int64_t user_id, const char *code_text,
			      const char *printer_name, int64_t now, int64_t *printer_id,
			      struct sirius_error *err)
{
	enum db_claim_result result;
	struct claim_code code;
	int64_t joined = 0;

	if (printer_id)
		*printer_id = 0;
	switch (claim_code_decode(code_text, &code)) {
	case CLAIM_CODE_OK:
		break;
	case CLAIM_CODE_BAD_LENGTH:
		return DB_CLAIM_BAD_LENGTH;
	case CLAIM_CODE_BAD_CHARACTER:
		return DB_CLAIM_BAD_CHARACTER;
	case CLAIM_CODE_BAD_CRC:
		return DB_CLAIM_BAD_CRC;
	}
	if (!db_printer_name_valid(printer_name))
		return DB_CLAIM_BAD_NAME;
	if (dbi_begin(db, err) < 0)
		return DB_CLAIM_ERROR;
	result = claim_in_transaction(db, user_id, &code, printer_name, now, &joined, err);
	if (result != DB_CLAIM_OK) {
		/* A refused claim leaves no trace: a stored code would count at the printer's next reset. */
		dbi_rollback(db);
		return result;
	}
	if (dbi_commit(db, err) < 0)
		return DB_CLAIM_ERROR;
	if (printer_id)
		*printer_id = joined;
	return DB_CLAIM_OK;
}

/* web */

int db_printers_shared_with(struct db *db, int64_t user_id, struct db_printer **list, size_t *count,
			    struct sirius_error *err)
{
	*list = NULL;
	*count = 0;
	if (dbi_bind_int(db, SQL_PRINTERS_SHARED_WITH, "$user", user_id, err) < 0) {
		dbi_reset(db, SQL_PRINTERS_SHARED_WITH);
		return -1;
	}
	return dbi_collect(db, SQL_PRINTERS_SHARED_WITH, dbi_read_printer, NULL, sizeof(**list), (void **)list,
			   count, err);
}
