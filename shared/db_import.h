/* db_import.h: the database side of sirius-import: matching and adding what comes from the original sirius server. */
#ifndef SIRIUS_DB_IMPORT_H
#define SIRIUS_DB_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "claim_code.h"
#include "db.h"

/*
 * How to use it: db_import_begin starts one write transaction; every
 * function below runs inside it (none begins or ends one), and
 * db_import_finish commits it, or rolls it back for a dry run, so a dry run
 * does exactly what a real one would and then forgets it. Conventions are
 * those of db.h; lookups return 1, 0 or -1.
 *
 * Imported accounts keep their original id in imported_users, so that a
 * second import matches them instead of adding them again, and tells them
 * apart from local accounts that happen to have the same name.
 */

/* The password hash of an account that has no password yet: no password matches it. */
#define DB_NO_PASSWORD "!"

/* BEGIN IMMEDIATE. Returns 0, or -1 with a reason in err. */
int db_import_begin(struct db *db, struct sirius_error *err);

/* Commits (commit = 1) or rolls back (0) the import's transaction. Returns 0, or -1 with a reason in err. */
int db_import_finish(struct db *db, int commit, struct sirius_error *err);

/* The local account imported from the original's user original_id. Returns 1 (*user_id set), 0 or -1. */
int db_import_user_find(struct db *db, int64_t original_id, int64_t *user_id, struct sirius_error *err);

/* The original id an account was imported from. Returns 1 (*original_id set), 0 (a local account) or -1. */
int db_import_user_original(struct db *db, int64_t user_id, int64_t *original_id, struct sirius_error *err);

/*
 * Adds an account without a password (DB_NO_PASSWORD) and not an
 * administrator, with api_key (NULL for none) and created, and remembers it
 * as the original's user original_id at now. Returns 1 (*user_id set), 0
 * when the name is taken (ignoring case), or -1 with a reason in err.
 */
int db_import_user_add(struct db *db, int64_t original_id, const char *name, const char *api_key, int64_t created,
		       int64_t now, int64_t *user_id, struct sirius_error *err);

/* Remembers an existing local account as the original's user original_id. Returns 0, or -1 with a reason in err. */
int db_import_user_adopt(struct db *db, int64_t original_id, int64_t user_id, int64_t now, struct sirius_error *err);

/* Whether an account has this API key: 1, 0, or -1 with a reason in err. */
int db_import_api_key_taken(struct db *db, const char *api_key, struct sirius_error *err);

/* The claim code with these canonical digits. Returns 1 (*id and *user_id set), 0 or -1. */
int db_import_claim_find(struct db *db, const char *digits, int64_t *id, int64_t *user_id, struct sirius_error *err);

/* Adds a claim code of a user. Returns 0 (*id set), or -1 with a reason in err. */
int db_import_claim_add(struct db *db, const struct claim_code *code, int64_t user_id, const char *printer_name,
			int64_t created, int64_t *id, struct sirius_error *err);

/* Marks a claim code used by an address unless one used it already. Returns 1 (marked), 0 or -1. */
int db_import_claim_used(struct db *db, int64_t id, const char *address, struct sirius_error *err);

/*
 * Adds a printer, with the id preferred_id when no printer has it (else a
 * new one); owner_id and claim_code_id 0 and name NULL for an unclaimed
 * printer; last_seen is created. Returns 0 (*id set), or -1 with a reason in err.
 */
int db_import_printer_add(struct db *db, int64_t preferred_id, const char *address, uint32_t hardware_xor,
			  int64_t owner_id, const char *name, int64_t claim_code_id, int64_t created, int64_t *id,
			  struct sirius_error *err);

/*
 * Gives an unclaimed printer an owner, a name and a claim code (0 for none).
 * Returns 1, 0 (no such printer, or it has an owner) or -1 with a reason in err.
 */
int db_import_printer_claim(struct db *db, int64_t printer_id, int64_t owner_id, const char *name,
			    int64_t claim_code_id, struct sirius_error *err);

/*
 * The addresses of the printers with a hardware xor, as an array of *count
 * strings (free with db_strings_free; NULL when none). Returns 0 or -1.
 */
int db_import_printer_addresses(struct db *db, uint32_t hardware_xor, char ***addresses, size_t *count,
				struct sirius_error *err);

/* Adds a device key with its use count. Returns 0 (*id set), or -1 with a reason in err. */
int db_import_key_add(struct db *db, const char *secret, int64_t printer_id, int64_t created, int64_t uses,
		      int64_t *id, struct sirius_error *err);

/* Records a sender of a key (once per name). Returns 1 (added), 0 (known) or -1. */
int db_import_key_sender(struct db *db, int64_t key_id, const char *sender, struct sirius_error *err);

/* user_id lists friend_id as a friend. Returns 1 (added), 0 (already) or -1 with a reason in err. */
int db_import_friend_add(struct db *db, int64_t user_id, int64_t friend_id, int64_t created, struct sirius_error *err);

#endif
