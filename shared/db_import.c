/* db_import.c: the database side of sirius-import: matching and adding what comes from the original sirius server. */
#include "db_import.h"

#include <string.h>

#include <glib.h>

#include "db_internal.h"

int db_import_begin(struct db *db, struct sirius_error *err)
{
	return dbi_begin(db, err);
}

int db_import_finish(struct db *db, int commit, struct sirius_error *err)
{
	if (commit)
		return dbi_commit(db, err);
	dbi_rollback(db);
	return 0;
}

/* Runs a bound statement returning at most one integer: 1 (*value set), 0 (no row) or -1. Resets it. */
static int lookup_int(struct db *db, enum db_stmt id, int64_t *value, struct sirius_error *err)
{
	int rc = dbi_step(db, id, err);

	if (rc == SQLITE_ROW)
		*value = sqlite3_column_int64(db->stmts[id], 0);
	dbi_reset(db, id);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int db_import_user_find(struct db *db, int64_t original_id, int64_t *user_id, struct sirius_error *err)
{
	if (dbi_bind_int(db, SQL_IMPORT_USER_FIND, "$original", original_id, err) < 0) {
		dbi_reset(db, SQL_IMPORT_USER_FIND);
		return -1;
	}
	return lookup_int(db, SQL_IMPORT_USER_FIND, user_id, err);
}

int db_import_user_original(struct db *db, int64_t user_id, int64_t *original_id, struct sirius_error *err)
{
	if (dbi_bind_int(db, SQL_IMPORT_USER_ORIGINAL, "$user", user_id, err) < 0) {
		dbi_reset(db, SQL_IMPORT_USER_ORIGINAL);
		return -1;
	}
	return lookup_int(db, SQL_IMPORT_USER_ORIGINAL, original_id, err);
}

int db_import_user_adopt(struct db *db, int64_t original_id, int64_t user_id, int64_t now, struct sirius_error *err)
{
	if (dbi_bind_int(db, SQL_IMPORT_USER_MAP, "$original", original_id, err) < 0 ||
	    dbi_bind_int(db, SQL_IMPORT_USER_MAP, "$user", user_id, err) < 0 ||
	    dbi_bind_int(db, SQL_IMPORT_USER_MAP, "$now", now, err) < 0) {
		dbi_reset(db, SQL_IMPORT_USER_MAP);
		return -1;
	}
	return dbi_run(db, SQL_IMPORT_USER_MAP, err) < 0 ? -1 : 0;
}

int db_import_user_add(struct db *db, int64_t original_id, const char *name, const char *api_key, int64_t created,
		       int64_t now, int64_t *user_id, struct sirius_error *err)
{
	int changed;

	if (!db_user_name_valid(name))
		return error_set(err, "invalid user name");
	if (dbi_bind_text(db, SQL_IMPORT_USER_INSERT, "$name", name, err) < 0 ||
	    dbi_bind_text(db, SQL_IMPORT_USER_INSERT, "$hash", DB_NO_PASSWORD, err) < 0 ||
	    dbi_bind_text(db, SQL_IMPORT_USER_INSERT, "$key", api_key, err) < 0 ||
	    dbi_bind_int(db, SQL_IMPORT_USER_INSERT, "$created", created, err) < 0) {
		dbi_reset(db, SQL_IMPORT_USER_INSERT);
		return -1;
	}
	changed = dbi_run(db, SQL_IMPORT_USER_INSERT, err);
	if (changed <= 0)
		return changed;
	*user_id = sqlite3_last_insert_rowid(db->sqlite);
	return db_import_user_adopt(db, original_id, *user_id, now, err) < 0 ? -1 : 1;
}

int db_import_api_key_taken(struct db *db, const char *api_key, struct sirius_error *err)
{
	int64_t count;

	if (dbi_bind_text(db, SQL_IMPORT_API_KEY_TAKEN, "$key", api_key, err) < 0) {
		dbi_reset(db, SQL_IMPORT_API_KEY_TAKEN);
		return -1;
	}
	if (dbi_run_int(db, SQL_IMPORT_API_KEY_TAKEN, &count, err) < 0)
		return -1;
	return count > 0;
}

int db_import_claim_find(struct db *db, const char *digits, int64_t *id, int64_t *user_id, struct sirius_error *err)
{
	int rc;

	if (dbi_bind_text(db, SQL_IMPORT_CLAIM_FIND, "$code", digits, err) < 0) {
		dbi_reset(db, SQL_IMPORT_CLAIM_FIND);
		return -1;
	}
	rc = dbi_step(db, SQL_IMPORT_CLAIM_FIND, err);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(db->stmts[SQL_IMPORT_CLAIM_FIND], 0);
		*user_id = sqlite3_column_int64(db->stmts[SQL_IMPORT_CLAIM_FIND], 1);
	}
	dbi_reset(db, SQL_IMPORT_CLAIM_FIND);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int db_import_claim_add(struct db *db, const struct claim_code *code, int64_t user_id, const char *printer_name,
			int64_t created, int64_t *id, struct sirius_error *err)
{
	if (!db_printer_name_valid(printer_name))
		return error_set(err, "invalid printer name");
	if (dbi_bind_text(db, SQL_IMPORT_CLAIM_INSERT, "$code", code->digits, err) < 0 ||
	    dbi_bind_int(db, SQL_IMPORT_CLAIM_INSERT, "$xor", code->hardware_xor, err) < 0 ||
	    dbi_bind_int(db, SQL_IMPORT_CLAIM_INSERT, "$secret", (int64_t)code->secret, err) < 0 ||
	    dbi_bind_int(db, SQL_IMPORT_CLAIM_INSERT, "$user", user_id, err) < 0 ||
	    dbi_bind_text(db, SQL_IMPORT_CLAIM_INSERT, "$name", printer_name, err) < 0 ||
	    dbi_bind_int(db, SQL_IMPORT_CLAIM_INSERT, "$created", created, err) < 0) {
		dbi_reset(db, SQL_IMPORT_CLAIM_INSERT);
		return -1;
	}
	if (dbi_run(db, SQL_IMPORT_CLAIM_INSERT, err) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(db->sqlite);
	return 0;
}

int db_import_claim_used(struct db *db, int64_t id, const char *address, struct sirius_error *err)
{
	if (dbi_bind_int(db, SQL_IMPORT_CLAIM_USED, "$id", id, err) < 0 ||
	    dbi_bind_text(db, SQL_IMPORT_CLAIM_USED, "$address", address, err) < 0) {
		dbi_reset(db, SQL_IMPORT_CLAIM_USED);
		return -1;
	}
	return dbi_run(db, SQL_IMPORT_CLAIM_USED, err);
}

int db_import_printer_add(struct db *db, int64_t preferred_id, const char *address, uint32_t hardware_xor,
			  int64_t owner_id, const char *name, int64_t claim_code_id, int64_t created, int64_t *id,
			  struct sirius_error *err)
{
	if (name && !db_printer_name_valid(name))
		return error_set(err, "invalid printer name");
	if (dbi_bind_int(db, SQL_IMPORT_PRINTER_INSERT, "$id", preferred_id, err) < 0 ||
	    dbi_bind_text(db, SQL_IMPORT_PRINTER_INSERT, "$address", address, err) < 0 ||
	    dbi_bind_int(db, SQL_IMPORT_PRINTER_INSERT, "$xor", hardware_xor, err) < 0 ||
	    dbi_bind_id(db, SQL_IMPORT_PRINTER_INSERT, "$owner", owner_id, err) < 0 ||
	    dbi_bind_text(db, SQL_IMPORT_PRINTER_INSERT, "$name", name, err) < 0 ||
	    dbi_bind_id(db, SQL_IMPORT_PRINTER_INSERT, "$code", claim_code_id, err) < 0 ||
	    dbi_bind_int(db, SQL_IMPORT_PRINTER_INSERT, "$created", created, err) < 0) {
		dbi_reset(db, SQL_IMPORT_PRINTER_INSERT);
		return -1;
	}
	if (dbi_run(db, SQL_IMPORT_PRINTER_INSERT, err) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(db->sqlite);
	return 0;
}

int db_import_printer_claim(struct db *db, int64_t printer_id, int64_t owner_id, const char *name,
			    int64_t claim_code_id, struct sirius_error *err)
{
	if (!db_printer_name_valid(name))
		return error_set(err, "invalid printer name");
	if (dbi_bind_int(db, SQL_IMPORT_PRINTER_CLAIM, "$id", printer_id, err) < 0 ||
	    dbi_bind_int(db, SQL_IMPORT_PRINTER_CLAIM, "$owner", owner_id, err) < 0 ||
	    dbi_bind_text(db, SQL_IMPORT_PRINTER_CLAIM, "$name", name, err) < 0 ||
	    dbi_bind_id(db, SQL_IMPORT_PRINTER_CLAIM, "$code", claim_code_id, err) < 0) {
		dbi_reset(db, SQL_IMPORT_PRINTER_CLAIM);
		return -1;
	}
	return dbi_run(db, SQL_IMPORT_PRINTER_CLAIM, err);
}

int db_import_printer_addresses(struct db *db, uint32_t hardware_xor, char ***addresses, size_t *count,
				struct sirius_error *err)
{
	GPtrArray *list = g_ptr_array_new();
	int rc;

	*addresses = NULL;
	*count = 0;
	if (dbi_bind_int(db, SQL_IMPORT_PRINTER_ADDRESSES_OF_XOR, "$xor", hardware_xor, err) < 0) {
		dbi_reset(db, SQL_IMPORT_PRINTER_ADDRESSES_OF_XOR);
		g_ptr_array_free(list, TRUE);
		return -1;
	}
	while ((rc = dbi_step(db, SQL_IMPORT_PRINTER_ADDRESSES_OF_XOR, err)) == SQLITE_ROW)
		g_ptr_array_add(list, g_strdup((const char *)sqlite3_column_text(
					       db->stmts[SQL_IMPORT_PRINTER_ADDRESSES_OF_XOR], 0)));
	dbi_reset(db, SQL_IMPORT_PRINTER_ADDRESSES_OF_XOR);
	if (rc < 0 || list->len == 0) {
		db_strings_free((char **)list->pdata, list->len);
		g_ptr_array_free(list, FALSE);
		return rc < 0 ? -1 : 0;
	}
	*count = list->len;
	*addresses = (char **)g_ptr_array_free(list, FALSE);
	return 0;
}

int db_import_key_add(struct db *db, const char *secret, int64_t printer_id, int64_t created, int64_t uses,
		      int64_t *id, struct sirius_error *err)
{
	if (!db_device_key_valid(secret))
		return error_set(err, "invalid device key");
	if (dbi_bind_text(db, SQL_IMPORT_KEY_INSERT, "$secret", secret, err) < 0 ||
	    dbi_bind_int(db, SQL_IMPORT_KEY_INSERT, "$printer", printer_id, err) < 0 ||
	    dbi_bind_int(db, SQL_IMPORT_KEY_INSERT, "$created", created, err) < 0 ||
	    dbi_bind_int(db, SQL_IMPORT_KEY_INSERT, "$uses", uses, err) < 0) {
		dbi_reset(db, SQL_IMPORT_KEY_INSERT);
		return -1;
	}
	if (dbi_run(db, SQL_IMPORT_KEY_INSERT, err) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(db->sqlite);
	return 0;
}

int db_import_key_sender(struct db *db, int64_t key_id, const char *sender, struct sirius_error *err)
{
	if (!sender || strnlen(sender, DB_SENDER_MAX + 1) > DB_SENDER_MAX)
		return error_set(err, "a sender name is at most %d bytes", DB_SENDER_MAX);
	if (dbi_bind_int(db, SQL_IMPORT_KEY_SENDER, "$id", key_id, err) < 0 ||
	    dbi_bind_text(db, SQL_IMPORT_KEY_SENDER, "$sender", sender, err) < 0) {
		dbi_reset(db, SQL_IMPORT_KEY_SENDER);
		return -1;
	}
	return dbi_run(db, SQL_IMPORT_KEY_SENDER, err);
}

int db_import_friend_add(struct db *db, int64_t user_id, int64_t friend_id, int64_t created, struct sirius_error *err)
{
	if (user_id == friend_id)
		return error_set(err, "a user cannot be their own friend");
	if (dbi_bind_int(db, SQL_IMPORT_FRIEND, "$user", user_id, err) < 0 ||
	    dbi_bind_int(db, SQL_IMPORT_FRIEND, "$friend", friend_id, err) < 0 ||
	    dbi_bind_int(db, SQL_IMPORT_FRIEND, "$created", created, err) < 0) {
		dbi_reset(db, SQL_IMPORT_FRIEND);
		return -1;
	}
	return dbi_run(db, SQL_IMPORT_FRIEND, err);
}
