/* db.h: the sirius database (SQLite): users, sessions, claim codes, printers, messages, device keys, friends. */
#ifndef SIRIUS_DB_H
#define SIRIUS_DB_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "password.h"

/*
 * How to use it: one struct db per process (or per thread), opened with
 * db_open and kept open; every function below runs prepared statements that
 * are made once per connection and reset before the function returns, so a
 * FastCGI loop may keep the connection across requests. Several processes
 * may use the same file at once (WAL mode, 5 s busy timeout); the functions
 * that read and then write do it in one transaction.
 *
 * Conventions: functions that change or fetch a thing return 0 on success and
 * -1 with a reason in err; lookups return 1 (found, *out filled), 0 (not
 * there) or -1 (error). Times are seconds since the epoch, passed in by the
 * caller so that tests control the clock; 0 in a time field means "not yet".
 * Ids are positive; 0 in an id field means "none".
 */
struct db;

/* The text of schema.sql, built into the library (shared/schema_sql.c, made by make). */
extern const char db_schema_sql[];

/* A step from one schema version to the next. */
struct db_migration {
	int version;     /* the user_version this step produces: the previous one plus 1 */
	const char *sql; /* statements that turn the previous version into this one; NULL ends a list */
};

/* The newest schema version this code knows (that of schema.sql). */
int db_schema_version(void);

/*
 * Opens (creating it and its parent directory when missing) the database at
 * path: a new database gets schema.sql, an older one is migrated forward.
 * Returns the connection, or NULL with a reason in err (cannot create the
 * directory or file, not a sirius database, made by a newer version, a
 * migration failing).
 */
struct db *db_open(const char *path, struct sirius_error *err);

/*
 * db_open with another list of migrations, ended by an entry whose sql is
 * NULL (tests use it to check the mechanism). The newest version is that of
 * the last entry, or 1 for an empty list.
 */
struct db *db_open_with_migrations(const char *path, const struct db_migration *migrations,
				   struct sirius_error *err);

/* Frees an array returned by a db_* function (NULL is ignored). */
void db_free(void *list);

/* Finishes every statement and closes the connection; NULL is ignored. */
void db_close(struct db *db);

/* The SQLite user_version of the open database, or -1 with a reason in err. */
int db_user_version(struct db *db, struct sirius_error *err);

/*
 * The next command_id for a command to a bridge or printer: never 0, never
 * handed out before (by any process), above the id of every message ever
 * stored. Returns 0 and sets *id, or -1 with a reason in err (database error,
 * all 2^32 - 1 ids used).
 */
int db_next_command_id(struct db *db, uint32_t *id, struct sirius_error *err);

/* ---- users ---------------------------------------------------------------- */

#define DB_USER_NAME_MAX 32  /* longest user name, in characters of [A-Za-z0-9_.-] */
#define DB_API_KEY_LEN 32    /* characters of [a-z0-9] in an API key ([A-Za-z0-9] when imported) */
#define DB_ADDRESS_TEXT_MAX 63  /* longest client IP address kept, as text */

struct db_user {
	int64_t id;                                /* positive */
	char name[DB_USER_NAME_MAX + 1];           /* as registered (names are unique ignoring case) */
	char password_hash[PASSWORD_HASH_SIZE];    /* argon2id string from shared/password */
	int is_admin;                              /* 1 for administrators, else 0 */
	char api_key[DB_API_KEY_LEN + 1];          /* "" when the user has none */
	int64_t created;                           /* when the account was made */
	int disabled;                              /* 1: cannot sign in, API and device keys refused */
	int64_t failed_logins;                     /* failed sign-ins since the last good one */
	char last_login_address[DB_ADDRESS_TEXT_MAX + 1]; /* client address of the last good sign-in; "" */
};

/* 1 when name is 1..DB_USER_NAME_MAX characters of [A-Za-z0-9_.-], else 0. */
int db_user_name_valid(const char *name);

/*
 * Creates a user with the password hashed: an administrator when is_admin is
 * 1 or when no other user exists (the first account is always one), deciding
 * and inserting in one write transaction. Returns 1 and sets *id (when id is
 * not NULL), 0 when the name is taken (ignoring case), or -1 with a reason in
 * err (invalid name, unusable password, database error).
 */
int db_user_create(struct db *db, const char *name, const char *password, int is_admin,
		   int64_t now, int64_t *id, struct sirius_error *err);

/*
 * Signs a new user up: creates them with the password hashed, an
 * administrator exactly when no other user exists, deciding and inserting in
 * one write transaction (two first sign-ups at once make one administrator).
 * Returns 1 and sets *id and *is_admin (either may be NULL), 0 when the name
 * is taken (ignoring case), or -1 with a reason in err (invalid name,
 * unusable password, database error).
 */
int db_user_signup(struct db *db, const char *name, const char *password, int64_t now, int64_t *id,
		   int *is_admin, struct sirius_error *err);

/* Looks a user up by name (ignoring case). Returns 1, 0 or -1 as lookups do. */
int db_user_by_name(struct db *db, const char *name, struct db_user *out, struct sirius_error *err);

/* Looks a user up by id. Returns 1, 0 or -1 as lookups do. */
int db_user_by_id(struct db *db, int64_t id, struct db_user *out, struct sirius_error *err);

/* Looks a user up by API key. Returns 1, 0 or -1 as lookups do. */
int db_user_by_api_key(struct db *db, const char *api_key, struct db_user *out,
		       struct sirius_error *err);

/*
 * Checks a login: returns 1 and fills *out (may be NULL) when the user exists
 * and the password is right, 0 when either is wrong (taking as long either
 * way), -1 with a reason in err on a database error. A right password whose
 * hash was made with other limits is hashed again and stored.
 */
int db_user_login(struct db *db, const char *name, const char *password, struct db_user *out,
		  struct sirius_error *err);

/* Sets a new password. Returns 1, 0 when there is no such user, or -1 with a reason in err. */
int db_user_set_password(struct db *db, int64_t user_id, const char *password,
			 struct sirius_error *err);

/* Makes a user an administrator (1) or not (0), unchecked (see db_user_change). Returns 1, 0 (no such user) or -1. */
int db_user_set_admin(struct db *db, int64_t user_id, int is_admin, struct sirius_error *err);

/* What an administrator may change about an account. */
enum db_user_change_kind {
	DB_USER_MAKE_ADMIN,    /* becomes an administrator */
	DB_USER_UNMAKE_ADMIN,  /* stops being one */
	DB_USER_DISABLE,       /* cannot sign in; sessions end; API key and device keys refused */
	DB_USER_ENABLE         /* may sign in again (its sessions stay ended) */
};

/* What db_user_change came to. */
enum db_user_change_result {
	DB_USER_CHANGE_ERROR = -1,  /* database error: the reason is in err */
	DB_USER_CHANGED = 0,        /* done (or it was so already) */
	DB_USER_NO_SUCH,            /* no user with that id */
	DB_USER_LAST_ADMIN          /* refused: it would leave no enabled administrator */
};

/*
 * Changes an account in one write transaction. Taking away the last enabled
 * administrator (unmaking or disabling them) is refused, so that someone can
 * always reach /admin. Disabling ends every session of the account. Returns
 * one of enum db_user_change_result.
 */
enum db_user_change_result db_user_change(struct db *db, int64_t user_id, enum db_user_change_kind change,
					  struct sirius_error *err);

/* An account as the administrators' lists show it. */
struct db_user_summary {
	struct db_user user;   /* the account (password_hash and api_key left empty) */
	int64_t printers;      /* printers it owns */
};

/*
 * Up to limit accounts (all when limit < 0) from the offset-th on, by name
 * (ignoring case), in an array (free with db_free; NULL when none) of *count.
 * Returns 0, or -1 with a reason in err.
 */
int db_users_list(struct db *db, int64_t offset, int64_t limit, struct db_user_summary **list, size_t *count,
		  struct sirius_error *err);

/* The number of enabled administrators, or -1 with a reason in err. */
int64_t db_user_admin_count(struct db *db, struct sirius_error *err);

/*
 * Gives the user a new random API key (replacing the old one) and writes it
 * into key. Returns 1, 0 when there is no such user, or -1 with a reason in err.
 */
int db_user_new_api_key(struct db *db, int64_t user_id, char key[DB_API_KEY_LEN + 1],
			struct sirius_error *err);

/* Removes the user's API key. Returns 1, 0 (no such user) or -1. */
int db_user_clear_api_key(struct db *db, int64_t user_id, struct sirius_error *err);

/*
 * Deletes a user with their sessions, claim codes and friendships, in one
 * transaction; their printers become unclaimed (no owner, name or key) and
 * lose their device keys, so nothing the user made keeps printing. Returns 1,
 * 0 (no such user) or -1.
 */
int db_user_delete(struct db *db, int64_t user_id, struct sirius_error *err);

/* The number of users, or -1 with a reason in err. */
int64_t db_user_count(struct db *db, struct sirius_error *err);

/* ---- sessions and login attempts ------------------------------------------ */

#define DB_SESSION_TOKEN_LEN 64  /* hex digits of a session token (the cookie) */
#define DB_CSRF_TOKEN_LEN 32     /* hex digits of a session's CSRF token */
#define DB_NOTICE_MAX 255        /* longest notice a session keeps for its next page, in bytes */

struct db_session {
	int64_t id;                          /* positive */
	int64_t user_id;                     /* whose session */
	char csrf_token[DB_CSRF_TOKEN_LEN + 1]; /* forms of this session must echo it */
	int64_t created;                     /* when the user logged in */
	int64_t expires;                     /* the session is invalid from this time on */
	char notice[DB_NOTICE_MAX + 1];      /* a sentence for the next page it shows; "" when none */
};

/*
 * Starts a session for a user, lasting lifetime seconds: writes its random
 * token (the cookie value; only its SHA-256 is stored) into token and fills
 * *out (may be NULL). Returns 0, or -1 with a reason in err.
 */
int db_session_create(struct db *db, int64_t user_id, int64_t now, int64_t lifetime,
		      char token[DB_SESSION_TOKEN_LEN + 1], struct db_session *out,
		      struct sirius_error *err);

/* The unexpired session of a token. Returns 1, 0 (unknown, malformed or expired token) or -1. */
int db_session_find(struct db *db, const char *token, int64_t now, struct db_session *out,
		    struct sirius_error *err);

/* Ends the session of a token (logging out). Returns 1, 0 (no such session) or -1. */
int db_session_delete(struct db *db, const char *token, struct sirius_error *err);

/*
 * Keeps a notice (a sentence such as "The message was sent again.") for the
 * next page the session shows, after a redirect; NULL or "" clears it.
 * Returns 1, 0 (no such session) or -1 with a reason in err (longer than
 * DB_NOTICE_MAX bytes, database error).
 */
int db_session_set_notice(struct db *db, int64_t session_id, const char *notice, struct sirius_error *err);

/* Ends every session of a user; returns how many, or -1 with a reason in err. */
int db_sessions_delete_user(struct db *db, int64_t user_id, struct sirius_error *err);

/* Ends all but the keep newest sessions of a user; returns how many ended, or -1 with a reason in err. */
int db_sessions_trim_user(struct db *db, int64_t user_id, int keep, struct sirius_error *err);

/* Deletes the sessions expired by now; returns how many, or -1 with a reason in err. */
int db_sessions_purge(struct db *db, int64_t now, struct sirius_error *err);

/*
 * Records a failed login for an account name from a client address, and
 * counts it in the account's failed_logins when the account exists. Returns
 * 0 or -1.
 */
int db_login_failure(struct db *db, const char *name, const char *address, int64_t now,
		     struct sirius_error *err);

/*
 * Counts failed logins since a time: *by_name for the account name (ignoring
 * case) from this same address (so that failures from elsewhere never lock
 * the account out here), *by_address from the address for any name. Returns
 * 0, or -1 with a reason in err.
 */
int db_login_failures(struct db *db, const char *name, const char *address, int64_t since,
		      int64_t *by_name, int64_t *by_address, struct sirius_error *err);

/*
 * Counts the failed logins of an account name (ignoring case) since a time,
 * from every address, into *count, and the time of the oldest of them into
 * *oldest (0 when none): the per-account limit. Returns 0, or -1 with a
 * reason in err.
 */
int db_login_account_failures(struct db *db, const char *name, int64_t since, int64_t *count, int64_t *oldest,
			       struct sirius_error *err);

/*
 * Records a good sign-in of a user from a client address: its failed-login
 * count goes back to 0 (*failed_before, may be NULL, gets what it was, for
 * telling the owner) and the address is kept as last_login_address. Returns
 * 0, or -1 with a reason in err.
 */
int db_user_signed_in(struct db *db, int64_t user_id, const char *address, int64_t *failed_before,
		      struct sirius_error *err);

/* Forgets failed logins older than before; returns how many, or -1. */
int db_login_failures_purge(struct db *db, int64_t before, struct sirius_error *err);

/*
 * Attempts counted for rate limits other than logins: a kind (what was tried,
 * such as "claim-user" or "signup-address") and a subject (whose: a user id
 * or a client address, as text). Records one at now. Returns 0, or -1 with a
 * reason in err (an empty kind or subject, database error).
 */
int db_attempt_add(struct db *db, const char *kind, const char *subject, int64_t now, struct sirius_error *err);

/*
 * Counts the attempts of a kind and subject since a time into *count, and
 * puts the time of the oldest of them into *oldest (0 when none). Returns 0,
 * or -1 with a reason in err.
 */
int db_attempts(struct db *db, const char *kind, const char *subject, int64_t since, int64_t *count,
		int64_t *oldest, struct sirius_error *err);

/* Forgets attempts older than before; returns how many, or -1. */
int db_attempts_purge(struct db *db, int64_t before, struct sirius_error *err);

/* ---- printers and claiming ------------------------------------------------ */

#define DB_ADDRESS_LEN 16        /* hex digits of a device address */
#define DB_PRINTER_NAME_MAX 64   /* longest printer name, in bytes of UTF-8 */
#define DB_CLAIM_WAITING_MAX 5   /* claim codes a user may have that no printer has used yet */
#define DB_CLAIM_WAIT_LIFETIME (7 * 24 * 3600) /* seconds an unused claim code waits for its printer */

struct db_printer {
	int64_t id;                              /* positive */
	char address[DB_ADDRESS_LEN + 1];        /* 16 lower-case hex digits */
	uint32_t hardware_xor;                   /* 24 bits, from the address */
	int64_t owner_id;                        /* 0 while unclaimed */
	char name[DB_PRINTER_NAME_MAX + 1];      /* "" while unclaimed */
	int64_t claim_code_id;                   /* the claim code it uses; 0 when none */
	int64_t created;                         /* when its address was first seen */
	int64_t last_seen;                       /* when it last called home */
};

/* 1 when name is 1..DB_PRINTER_NAME_MAX bytes of valid UTF-8 without control characters. */
int db_printer_name_valid(const char *name);

/*
 * Claiming rules (PROTOCOL.md section 5). A printer keeps its hardware xor
 * across resets while its address changes, and prints a new claim code (a new
 * key) after every reset. Anyone who knows the 24-bit xor can make up a code
 * that passes the checksum, so a code is never trusted to take a printer from
 * its owner. Words used below:
 *
 *   - the printer of an xor is its newest address (row of printers); older
 *     rows are the same printer before a reset, and are never claimed;
 *   - a code is used once an address has taken it (its owner and key):
 *     claim_codes.used_by keeps the first such address for good;
 *   - a code is old for the printer when an older address used it (it was
 *     printed before the last reset, so its key is wrong now), or when a
 *     newer code of the same xor has been used (it was superseded).
 *
 * R1 Claiming before the printer first calls home stores the code, to wait
 *    for it; several codes may wait, but a user may have at most
 *    DB_CLAIM_WAITING_MAX waiting codes (DB_CLAIM_TOO_MANY_WAITING), and a
 *    code waits DB_CLAIM_WAIT_LIFETIME seconds at most: an expired waiting
 *    code is never taken and does not count.
 * R2 When an address is first seen (db_printer_seen) it takes the newest code
 *    of its xor (leaving out expired waiting codes) if no address has used
 *    that code, and starts unclaimed when
 *    one has (the newest code is from before a reset: the old owner's key is
 *    wrong now, and an older code is older still). Newest means latest
 *    created, then highest id.
 * R3 A claim (db_claim) is refused, storing nothing, when: the code is
 *    another account's (DB_CLAIM_IN_USE); the printer is owned by another
 *    account, whatever the code (DB_CLAIM_CANNOT_CHANGE_OWNER); the code is
 *    old for the printer (DB_CLAIM_OLD_CODE), checked in that order.
 * R4 Otherwise the code is stored (or renamed, when the user entered it
 *    before) and, once the printer has called home, the printer becomes the
 *    user's with that name and code, and the code is used by its address.
 *
 * So: a claim before (R1, R2) or after (R4) first contact works; when several
 * codes wait the newest wins (R2); a printer with an owner keeps it whatever
 * code anyone else enters (R3), and a code refused then, forged or not, never
 * counts later (nothing was stored); after a reset the new address starts
 * unclaimed (R2), so the code it printed claims it, for anyone (R4): it
 * changes owner. The old owner's code is old for it (R3), and a code older
 * than the one a printer uses cannot take its key back (R3). One case needs a
 * second reset: a code entered after a reset but before the new address has
 * called home is taken by the old address if that was unclaimed (R4), and is
 * old for the new one.
 */

/*
 * Called whenever a printer shows signs of life. The first time its address is
 * seen it becomes a printer, joined to the newest claim code of its hardware
 * xor (owner, name and code from it) unless an older address used that code
 * (R2 of the claiming rules above); older rows of the xor stop being claimed.
 * Afterwards only last_seen changes. Fills *out (may be NULL). Returns 0, or
 * -1 with a reason in err (invalid address, database error).
 */
int db_printer_seen(struct db *db, const char *address, int64_t now, struct db_printer *out,
		    struct sirius_error *err);

/*
 * Records that a known printer was heard from at now: its last_seen becomes
 * now (never earlier than it was). For callers that see a device often (the
 * relay, at most every few minutes per device); it never creates a printer,
 * use db_printer_seen for that. Returns 1, 0 (no printer with that address, or
 * not an address) or -1 with a reason in err.
 */
int db_printer_touch(struct db *db, const char *address, int64_t now, struct sirius_error *err);

/*
 * The link key for a printer: from the secret of the claim code it uses.
 * Sets *claimed to 1 and fills key, or sets *claimed to 0 (key zeroed) when
 * the printer is unknown or uses no claim code. Returns 0, or -1 with a
 * reason in err.
 */
int db_printer_key(struct db *db, const char *address, uint8_t key[16], int *claimed,
		   struct sirius_error *err);

/* Looks a printer up by id. Returns 1, 0 or -1 as lookups do. */
int db_printer_by_id(struct db *db, int64_t id, struct db_printer *out, struct sirius_error *err);

/* Looks a printer up by device address. Returns 1, 0 or -1 as lookups do. */
int db_printer_by_address(struct db *db, const char *address, struct db_printer *out,
			  struct sirius_error *err);

/*
 * The printers a user owns, by name, in an array (free with db_free; NULL when
 * there are none) of *count. Returns 0, or -1 with a reason in err.
 */
int db_printers_of_owner(struct db *db, int64_t owner_id, struct db_printer **list, size_t *count,
			 struct sirius_error *err);

/* Renames a printer owned by owner_id. Returns 1, 0 (no such printer of that owner) or -1. */
int db_printer_rename(struct db *db, int64_t printer_id, int64_t owner_id, const char *name,
		      struct sirius_error *err);

/*
 * The owner gives a printer up: it becomes unclaimed, the owner's claim codes
 * for its hardware xor and the printer's device keys are deleted (so neither
 * brings it back). Returns 1, 0 (no such printer of that owner) or -1.
 */
int db_printer_forget(struct db *db, int64_t printer_id, int64_t owner_id, struct sirius_error *err);

/* A printer as the administrators' list shows it. */
struct db_printer_summary {
	struct db_printer printer;            /* the printer */
	char owner[DB_USER_NAME_MAX + 1];     /* its owner's name; "" while unclaimed */
};

/*
 * Up to limit printers from the offset-th on, claimed ones first, then by
 * when they were last seen (newest first), with their owners' names, in an
 * array (free with db_free; NULL when none) of *count. Returns 0, or -1 with
 * a reason in err.
 */
int db_printers_list(struct db *db, int64_t offset, int64_t limit, struct db_printer_summary **list, size_t *count,
		     struct sirius_error *err);

/* The number of printers (every address ever seen), or -1 with a reason in err. */
int64_t db_printer_count(struct db *db, struct sirius_error *err);

/* What claiming a printer came to. */
enum db_claim_result {
	DB_CLAIM_ERROR = -1,            /* database error: the reason is in err */
	DB_CLAIM_OK = 0,                /* claimed (or stored until the printer calls home) */
	DB_CLAIM_BAD_LENGTH,            /* the code is not 16 digits */
	DB_CLAIM_BAD_CHARACTER,         /* the code has a character outside the alphabet */
	DB_CLAIM_BAD_CRC,               /* the code's checksum does not match */
	DB_CLAIM_BAD_NAME,              /* the printer name is empty, too long or not text */
	DB_CLAIM_IN_USE,                /* another account already claimed with this code */
	DB_CLAIM_CANNOT_CHANGE_OWNER,   /* the printer with this code's xor is someone else's */
	DB_CLAIM_OLD_CODE,              /* the code is from before the printer's last reset, or superseded */
	DB_CLAIM_TOO_MANY_WAITING       /* the code would wait, and the user has DB_CLAIM_WAITING_MAX waiting */
};

/*
 * A user claims a printer with the code it printed, naming it, by the
 * claiming rules above (R3, R4). On DB_CLAIM_OK the code is stored for the
 * user (its name refreshed when the user enters it again) and, if a printer
 * with the code's hardware xor has called home, the newest such printer is
 * the user's, with that name and code; *printer_id (may be NULL) gets its id,
 * or 0 when no printer with that xor has called home yet (it joins when it
 * does). Any other result stores and changes nothing. Returns DB_CLAIM_OK or
 * another result; DB_CLAIM_ERROR with a reason in err.
 */
enum db_claim_result db_claim(struct db *db, int64_t user_id, const char *code_text,
			      const char *printer_name, int64_t now, int64_t *printer_id,
			      struct sirius_error *err);

/* A sentence for a claim result, to show to the person claiming; never NULL. */
const char *db_claim_result_message(enum db_claim_result result);

/* ---- messages: the outbox and the history (db_messages.h) ----------------- */

#include "db_messages.h"

/* ---- bridges and the printers bound to them (db_bridges.h) ------------------ */

#include "db_bridges.h"

/* ---- the relay's connection ---------------------------------------------- */

/*
 * How long a statement of this connection waits for another connection's
 * lock before failing (the default is 5 s; the relay's event loop cannot
 * wait that long).
 */
void db_set_busy_timeout(struct db *db, int milliseconds);

/*
 * Several calls below as one write transaction (BEGIN IMMEDIATE): each
 * transaction of a connection costs locks and, after another connection
 * wrote, its page cache, so a request that makes several calls in a row is
 * cheaper in one. A function with its own transaction runs inside as a
 * savepoint (its failure rolls back only its own changes); transactions
 * nest the same way. Every begin that returned 0 is ended by a commit or a
 * rollback. Keep them short: other processes wait for the write lock.
 */
int db_transaction_begin(struct db *db, struct sirius_error *err);
int db_transaction_commit(struct db *db, struct sirius_error *err);
void db_transaction_rollback(struct db *db);

/*
 * Several reads as one read transaction (BEGIN DEFERRED): one snapshot of
 * the database and one round of its read locks, where each read alone takes
 * its own (and, after another connection wrote, refills its page cache).
 * Only reads go inside: a write there would have to upgrade the snapshot,
 * which fails when another connection wrote meanwhile, so a call that would
 * begin a write transaction inside fails with a reason in err. Not inside
 * another transaction (-1 with a reason in err). Every begin that returned
 * 0 is ended by db_read_end.
 */
int db_read_begin(struct db *db, struct sirius_error *err);
void db_read_end(struct db *db);

/*
 * 1 while a transaction begun by db_transaction_begin is open, else 0. A
 * transaction SQLite rolled back by itself (an I/O error, a full disk) is
 * closed here too, so the next begin starts a new one.
 */
int db_transaction_open(struct db *db);

/*
 * Pages of write-ahead log after which a connection's commit copies the log
 * into the database file itself (SQLite's own default is 1000). The relay
 * does this from a thread of its own (relay/checkpointer.c), so no request
 * waits for the copy and its fsyncs; at 1000, once traffic kept the log
 * from starting over, every commit of every process did a checkpoint (two
 * fsyncs) and the disk was the limit. This larger bound only applies when
 * no relay runs.
 */
#define DB_WAL_AUTOCHECKPOINT_PAGES 16384

enum db_checkpoint_mode {
	DB_CHECKPOINT_PASSIVE, /* copies what no reader still needs; never waits */
	DB_CHECKPOINT_RESTART  /* copies everything, waiting for readers and holding writers off, so the log starts over */
};

/*
 * Copies the write-ahead log into the database file. Returns 0 with
 * *wal_frames the frames in the log and *copied those now in the file, or
 * -1 with a reason in err (db_busy: another connection held what it needs).
 */
int db_checkpoint(struct db *db, enum db_checkpoint_mode mode, int *wal_frames, int *copied,
		  struct sirius_error *err);

/* 1 when the last call of this connection that failed did so because another connection held a lock, else 0. */
int db_busy(struct db *db);

/* ---- device keys ---------------------------------------------------------- */

#define DB_DEVICE_KEY_LEN 20   /* characters of [a-z0-9] in a device key */

struct db_device_key {
	int64_t id;                              /* positive */
	char secret[DB_DEVICE_KEY_LEN + 1];      /* the key itself */
	int64_t printer_id;                      /* the printer it prints to */
	int64_t created;                         /* when it was made */
	int64_t uses;                            /* prints made with it */
};

/* 1 when text is exactly DB_DEVICE_KEY_LEN characters of [a-z0-9], else 0. */
int db_device_key_valid(const char *text);

/* Makes a new random key for a printer and fills *out. Returns 0, or -1 with a reason in err. */
int db_device_key_create(struct db *db, int64_t printer_id, int64_t now, struct db_device_key *out,
			 struct sirius_error *err);

/* Looks a key up by its secret. Returns 1, 0 (unknown or malformed) or -1. */
int db_device_key_find(struct db *db, const char *secret, struct db_device_key *out,
		       struct sirius_error *err);

/* Counts one print made with a key by a sender (recorded once per name). Returns 1, 0 (no such key) or -1. */
int db_device_key_used(struct db *db, int64_t key_id, const char *sender, struct sirius_error *err);

/* The keys of a printer, oldest first, in an array of *count (free with db_free). Returns 0 or -1. */
int db_device_keys_of_printer(struct db *db, int64_t printer_id, struct db_device_key **list,
			      size_t *count, struct sirius_error *err);

/*
 * The distinct senders who printed with a key, sorted, as an array of *count
 * strings (free with db_strings_free; NULL when none). Returns 0 or -1.
 */
int db_device_key_senders(struct db *db, int64_t key_id, char ***names, size_t *count,
			  struct sirius_error *err);

/* Deletes a key of a printer. Returns 1, 0 (no such key of that printer) or -1. */
int db_device_key_delete(struct db *db, int64_t key_id, int64_t printer_id, struct sirius_error *err);

/* Frees an array of strings and the strings. */
void db_strings_free(char **strings, size_t count);

/* api */

/*
 * Counts one request made with a device key at now_ms (milliseconds since
 * the epoch) against a limit of rate requests a minute: a burst of rate, then
 * one every 60 / rate seconds. Every process shares the count through the
 * database. Returns 1 when the request may go on, 0 when it is over the limit
 * (*retry_after gets the whole seconds until one fits, at least 1), or -1
 * with a reason in err (a rate below 1, an unknown key, a database error).
 */
int db_device_key_rate(struct db *db, int64_t key_id, int rate, int64_t now_ms, int64_t *retry_after,
		       struct sirius_error *err);

/*
 * db_device_key_rate in two steps, so that a print can count its request in
 * the transaction that stores it rather than in a write transaction of its
 * own: whether one more request fits now (1, or 0 with *retry_after as
 * db_device_key_rate; -1 with a reason in err), without writing; then the
 * request counted, whether or not it still fits (0 or -1). Requests checked
 * at the same moment in several processes may each be counted: the burst is
 * then exceeded by at most one request a process.
 */
int db_device_key_rate_check(struct db *db, int64_t key_id, int rate, int64_t now_ms, int64_t *retry_after,
			     struct sirius_error *err);
int db_device_key_rate_count(struct db *db, int64_t key_id, int rate, int64_t now_ms, struct sirius_error *err);

/* ---- friends -------------------------------------------------------------- */

/* user_id lists friend_id as a friend. Returns 1, 0 (already a friend) or -1 (also for oneself or an unknown user). */
int db_friend_add(struct db *db, int64_t user_id, int64_t friend_id, int64_t now,
		  struct sirius_error *err);

/* Removes a friend. Returns 1, 0 (was not a friend) or -1. */
int db_friend_remove(struct db *db, int64_t user_id, int64_t friend_id, struct sirius_error *err);

/* Whether user_id lists friend_id as a friend: 1, 0, or -1 on error. */
int db_friend_is(struct db *db, int64_t user_id, int64_t friend_id, struct sirius_error *err);

/* The friends a user lists, by name, in an array of *count (free with db_free). Returns 0 or -1. */
int db_friends_of(struct db *db, int64_t user_id, struct db_user **list, size_t *count,
		  struct sirius_error *err);

/* web */

/*
 * The printers of every user who lists user_id as a friend (the printers
 * user_id may print to besides their own), by owner and name, in an array of
 * *count (free with db_free; NULL when none). Returns 0 or -1.
 */
int db_printers_shared_with(struct db *db, int64_t user_id, struct db_printer **list, size_t *count,
			    struct sirius_error *err);

/* What the database holds, counted for /_/stats and /metrics. */
struct db_stats {
	int64_t users;                     /* accounts */
	int64_t printers;                  /* printers ever seen */
	int64_t claimed_printers;          /* printers with an owner */
	int64_t device_keys;               /* device keys */
	int64_t friendships;               /* rows of friends (one per direction) */
	int64_t claim_codes;               /* claim codes entered */
	int64_t messages[DB_MESSAGE_STATUS_COUNT]; /* messages by enum db_message_status */
};

/* Counts everything of struct db_stats in *out. Returns 0, or -1 with a reason in err. */
int db_stats(struct db *db, struct db_stats *out, struct sirius_error *err);

#endif
