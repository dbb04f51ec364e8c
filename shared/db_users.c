/* db_users.c: user accounts, API keys, sessions, failed logins and friends in the database. */
#include "db_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "password.h"
#include "random_token.h"

int db_user_name_valid(const char *name)
{
	size_t i;

	if (!name || !name[0])
		return 0;
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= DB_USER_NAME_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

void dbi_read_user(struct db *db, enum db_stmt id, void *out)
{
	struct db_user *user = out;
	sqlite3_stmt *st = db->stmts[id];

	memset(user, 0, sizeof(*user));
	user->id = sqlite3_column_int64(st, 0);
	dbi_column_text(db, id, 1, user->name, sizeof(user->name));
	dbi_column_text(db, id, 2, user->password_hash, sizeof(user->password_hash));
	user->is_admin = sqlite3_column_int(st, 3) != 0;
	dbi_column_text(db, id, 4, user->api_key, sizeof(user->api_key));
	user->created = sqlite3_column_int64(st, 5);
	user->disabled = sqlite3_column_int(st, 6) != 0;
	user->failed_logins = sqlite3_column_int64(st, 7);
	dbi_column_text(db, id, 8, user->last_login_address, sizeof(user->last_login_address));
}

/*
 * Inserts a user, an administrator when is_admin or when the table is empty,
 * in one write transaction; *made_admin (may be NULL) says which. Returns 1
 * and sets *id, 0 when the name is taken, or -1 with a reason in err.
 */
static int user_insert(struct db *db, const char *name, const char *password, int is_admin, int64_t now,
		       int64_t *id, int *made_admin, struct sirius_error *err)
{
	char hash[PASSWORD_HASH_SIZE];
	int64_t new_id = 0, admin = 0;
	int changed;

	if (!db_user_name_valid(name))
		return error_set(err, "a user name is 1 to %d letters, digits, '_', '.' or '-'",
				 DB_USER_NAME_MAX);
	/* The slow hash before the write lock, so that other sign-ups do not wait for it. */
	if (password_hash(password, hash, err) < 0)
		return -1;
	if (dbi_begin(db, err) < 0)
		return -1;
	if (dbi_bind_text(db, SQL_USER_INSERT, "$name", name, err) < 0 ||
	    dbi_bind_text(db, SQL_USER_INSERT, "$hash", hash, err) < 0 ||
	    dbi_bind_int(db, SQL_USER_INSERT, "$admin", is_admin ? 1 : 0, err) < 0 ||
	    dbi_bind_int(db, SQL_USER_INSERT, "$now", now, err) < 0) {
		dbi_reset(db, SQL_USER_INSERT);
		goto fail;
	}
	changed = dbi_run(db, SQL_USER_INSERT, err);
	if (changed < 0)
		goto fail;
	if (changed > 0) {
		new_id = sqlite3_last_insert_rowid(db->sqlite);
		if (dbi_bind_int(db, SQL_USER_IS_ADMIN, "$id", new_id, err) < 0 ||
		    dbi_run_int(db, SQL_USER_IS_ADMIN, &admin, err) < 0) {
			dbi_reset(db, SQL_USER_IS_ADMIN);
			goto fail;
		}
	}
	if (dbi_commit(db, err) < 0)
		return -1;
	if (changed > 0 && id)
		*id = new_id;
	if (changed > 0 && made_admin)
		*made_admin = admin != 0;
	return changed > 0 ? 1 : 0;
fail:
	dbi_rollback(db);
	return -1;
}

int db_user_create(struct db *db, const char *name, const char *password, int is_admin,
		   int64_t now, int64_t *id, struct sirius_error *err)
{
	return user_insert(db, name, password, is_admin, now, id, NULL, err);
}

int db_user_signup(struct db *db, const char *name, const char *password, int64_t now, int64_t *id,
		   int *is_admin, struct sirius_error *err)
{
	return user_insert(db, name, password, 0, now, id, is_admin, err);
}

int db_user_by_name(struct db *db, const char *name, struct db_user *out, struct sirius_error *err)
{
	if (!db_user_name_valid(name))
		return 0;
	if (dbi_bind_text(db, SQL_USER_BY_NAME, "$name", name, err) < 0) {
		dbi_reset(db, SQL_USER_BY_NAME);
		return -1;
	}
	return dbi_lookup(db, SQL_USER_BY_NAME, dbi_read_user, out, err);
}

int db_user_by_id(struct db *db, int64_t id, struct db_user *out, struct sirius_error *err)
{
	if (dbi_bind_int(db, SQL_USER_BY_ID, "$id", id, err) < 0) {
		dbi_reset(db, SQL_USER_BY_ID);
		return -1;
	}
	return dbi_lookup(db, SQL_USER_BY_ID, dbi_read_user, out, err);
}

int db_user_by_api_key(struct db *db, const char *api_key, struct db_user *out,
		       struct sirius_error *err)
{
	if (!api_key || strlen(api_key) != DB_API_KEY_LEN)
		return 0;
	if (dbi_bind_text(db, SQL_USER_BY_API_KEY, "$key", api_key, err) < 0) {
		dbi_reset(db, SQL_USER_BY_API_KEY);
		return -1;
	}
	return dbi_lookup(db, SQL_USER_BY_API_KEY, dbi_read_user, out, err);
}

int db_user_login(struct db *db, const char *name, const char *password, struct db_user *out,
		  struct sirius_error *err)
{
	struct db_user user;
	int found = db_user_by_name(db, name, &user, err);

	if (found < 0)
		return -1;
	if (found == 0) {
		password_verify_nothing(password);
		return 0;
	}
	if (!password_verify(user.password_hash, password))
		return 0;
	if (password_needs_rehash(user.password_hash))
		db_user_set_password(db, user.id, password, NULL);
	if (out)
		*out = user;
	return 1;
}

int db_user_set_password(struct db *db, int64_t user_id, const char *password,
			 struct sirius_error *err)
{
	char hash[PASSWORD_HASH_SIZE];

	if (password_hash(password, hash, err) < 0)
		return -1;
	if (dbi_bind_text(db, SQL_USER_SET_PASSWORD, "$hash", hash, err) < 0 ||
	    dbi_bind_int(db, SQL_USER_SET_PASSWORD, "$id", user_id, err) < 0) {
		dbi_reset(db, SQL_USER_SET_PASSWORD);
		return -1;
	}
	return dbi_run(db, SQL_USER_SET_PASSWORD, err);
}

int db_user_set_admin(struct db *db, int64_t user_id, int is_admin, struct sirius_error *err)
{
	if (dbi_bind_int(db, SQL_USER_SET_ADMIN, "$admin", is_admin ? 1 : 0, err) < 0 ||
	    dbi_bind_int(db, SQL_USER_SET_ADMIN, "$id", user_id, err) < 0) {
		dbi_reset(db, SQL_USER_SET_ADMIN);
		return -1;
	}
	return dbi_run(db, SQL_USER_SET_ADMIN, err);
}

enum db_user_change_result db_user_change(struct db *db, int64_t user_id, enum db_user_change_kind change,
					  struct sirius_error *err)
{
	struct db_user user;
	int64_t others = 0;
	int found, takes_admin, rc;

	if (dbi_begin(db, err) < 0)
		return DB_USER_CHANGE_ERROR;
	found = db_user_by_id(db, user_id, &user, err);
	if (found < 0)
		goto fail;
	if (found == 0) {
		dbi_rollback(db);
		return DB_USER_NO_SUCH;
	}
	/* Only an enabled administrator counts: unmaking or disabling one may leave none. */
	takes_admin = user.is_admin && !user.disabled &&
		      (change == DB_USER_UNMAKE_ADMIN || change == DB_USER_DISABLE);
	if (takes_admin) {
		if (dbi_bind_int(db, SQL_USER_OTHER_ADMINS, "$id", user_id, err) < 0 ||
		    dbi_run_int(db, SQL_USER_OTHER_ADMINS, &others, err) < 0) {
			dbi_reset(db, SQL_USER_OTHER_ADMINS);
			goto fail;
		}
		if (others == 0) {
			dbi_rollback(db);
			return DB_USER_LAST_ADMIN;
		}
	}
	switch (change) {
	case DB_USER_MAKE_ADMIN:
	case DB_USER_UNMAKE_ADMIN:
		rc = db_user_set_admin(db, user_id, change == DB_USER_MAKE_ADMIN, err);
		break;
	case DB_USER_DISABLE:
	case DB_USER_ENABLE:
		if (dbi_bind_int(db, SQL_USER_SET_DISABLED, "$disabled", change == DB_USER_DISABLE, err) < 0 ||
		    dbi_bind_int(db, SQL_USER_SET_DISABLED, "$id", user_id, err) < 0) {
			dbi_reset(db, SQL_USER_SET_DISABLED);
			goto fail;
		}
		rc = dbi_run(db, SQL_USER_SET_DISABLED, err);
		if (rc >= 0 && change == DB_USER_DISABLE && db_sessions_delete_user(db, user_id, err) < 0)
			rc = -1;
		break;
	default:
		error_set(err, "an unknown change to an account");
		rc = -1;
		break;
	}
	if (rc < 0)
		goto fail;
	if (dbi_commit(db, err) < 0)
		return DB_USER_CHANGE_ERROR;
	return DB_USER_CHANGED;
fail:
	dbi_rollback(db);
	return DB_USER_CHANGE_ERROR;
}

/* Fills the struct db_user_summary at out from a row of SQL_USERS_LIST. */
static void read_user_summary(struct db *db, enum db_stmt id, void *out)
{
	struct db_user_summary *summary = out;

	dbi_read_user(db, id, &summary->user);
	summary->printers = sqlite3_column_int64(db->stmts[id], 9);
}

int db_users_list(struct db *db, int64_t offset, int64_t limit, struct db_user_summary **list, size_t *count,
		  struct sirius_error *err)
{
	*list = NULL;
	*count = 0;
	if (dbi_bind_int(db, SQL_USERS_LIST, "$offset", offset > 0 ? offset : 0, err) < 0 ||
	    dbi_bind_int(db, SQL_USERS_LIST, "$limit", limit, err) < 0) {
		dbi_reset(db, SQL_USERS_LIST);
		return -1;
	}
	return dbi_collect(db, SQL_USERS_LIST, read_user_summary, NULL, sizeof(**list), (void **)list, count, err);
}

int64_t db_user_admin_count(struct db *db, struct sirius_error *err)
{
	int64_t count;

	if (dbi_run_int(db, SQL_USER_ADMIN_COUNT, &count, err) < 0)
		return -1;
	return count;
}

/* Sets (key not NULL) or clears a user's API key: 1, 0 (no such user) or -1. */
static int set_api_key(struct db *db, int64_t user_id, const char *key, struct sirius_error *err)
{
	if (dbi_bind_text(db, SQL_USER_SET_API_KEY, "$key", key, err) < 0 ||
	    dbi_bind_int(db, SQL_USER_SET_API_KEY, "$id", user_id, err) < 0) {
		dbi_reset(db, SQL_USER_SET_API_KEY);
		return -1;
	}
	return dbi_run(db, SQL_USER_SET_API_KEY, err);
}

int db_user_new_api_key(struct db *db, int64_t user_id, char key[DB_API_KEY_LEN + 1],
			struct sirius_error *err)
{
	int rc;

	if (random_token_alnum(key, DB_API_KEY_LEN, err) < 0)
		return -1;
	rc = set_api_key(db, user_id, key, err);
	if (rc != 1)
		key[0] = '\0';
	return rc;
}

int db_user_clear_api_key(struct db *db, int64_t user_id, struct sirius_error *err)
{
	return set_api_key(db, user_id, NULL, err);
}

int db_user_delete(struct db *db, int64_t user_id, struct sirius_error *err)
{
	/* Device keys first: they are found through the printers' owner, which the release clears. */
	static const enum db_stmt steps[] = { SQL_USER_KEYS_DELETE, SQL_USER_PRINTERS_RELEASE, SQL_USER_CLAIMS_DELETE };
	size_t i;
	int deleted;

	if (dbi_begin(db, err) < 0)
		return -1;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (dbi_bind_int(db, steps[i], "$user", user_id, err) < 0) {
			dbi_reset(db, steps[i]);
			goto fail;
		}
		if (dbi_run(db, steps[i], err) < 0)
			goto fail;
	}
	if (dbi_bind_int(db, SQL_USER_DELETE, "$id", user_id, err) < 0) {
		dbi_reset(db, SQL_USER_DELETE);
		goto fail;
	}
	deleted = dbi_run(db, SQL_USER_DELETE, err);
	if (deleted < 0)
		goto fail;
	if (dbi_commit(db, err) < 0)
		return -1;
	return deleted > 0 ? 1 : 0;
fail:
	dbi_rollback(db);
	return -1;
}

int64_t db_user_count(struct db *db, struct sirius_error *err)
{
	int64_t count;

	if (dbi_run_int(db, SQL_USER_COUNT, &count, err) < 0)
		return -1;
	return count;
}

/* ---- sessions --------------------------------------------------------------- */

/* The SHA-256 of a token as 64 lower-case hex digits; 0, or -1 with a reason in err. */
static int token_hash(const char *token, char out[65], struct sirius_error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	if (EVP_Digest(token, strlen(token), digest, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return error_set(err, "SHA-256 failed");
	for (i = 0; i < len; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

/* 1 when token looks like one db_session_create makes (DB_SESSION_TOKEN_LEN hex digits). */
static int session_token_valid(const char *token)
{
	size_t i;

	if (!token)
		return 0;
	for (i = 0; i < DB_SESSION_TOKEN_LEN; i++)
		if (!((token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f')))
			return 0;
	return token[DB_SESSION_TOKEN_LEN] == '\0';
}

/* Fills the struct db_session at out from a row selecting DB_SESSION_COLUMNS. */
static void read_session(struct db *db, enum db_stmt id, void *out)
{
	struct db_session *session = out;
	sqlite3_stmt *st = db->stmts[id];

	memset(session, 0, sizeof(*session));
	session->id = sqlite3_column_int64(st, 0);
	session->user_id = sqlite3_column_int64(st, 1);
	dbi_column_text(db, id, 2, session->csrf_token, sizeof(session->csrf_token));
	session->created = sqlite3_column_int64(st, 3);
	session->expires = sqlite3_column_int64(st, 4);
	dbi_column_text(db, id, 5, session->notice, sizeof(session->notice));
}

int db_session_create(struct db *db, int64_t user_id, int64_t now, int64_t lifetime,
		      char token[DB_SESSION_TOKEN_LEN + 1], struct db_session *out,
		      struct sirius_error *err)
{
	char hash[65], csrf[DB_CSRF_TOKEN_LEN + 1];

	token[0] = '\0';
	if (lifetime <= 0)
		return error_set(err, "a session must last a positive time");
	if (random_token_hex(token, DB_SESSION_TOKEN_LEN, err) < 0 ||
	    random_token_hex(csrf, DB_CSRF_TOKEN_LEN, err) < 0 || token_hash(token, hash, err) < 0)
		goto fail;
	if (dbi_bind_text(db, SQL_SESSION_INSERT, "$hash", hash, err) < 0 ||
	    dbi_bind_int(db, SQL_SESSION_INSERT, "$user", user_id, err) < 0 ||
	    dbi_bind_text(db, SQL_SESSION_INSERT, "$csrf", csrf, err) < 0 ||
	    dbi_bind_int(db, SQL_SESSION_INSERT, "$now", now, err) < 0 ||
	    dbi_bind_int(db, SQL_SESSION_INSERT, "$expires", now + lifetime, err) < 0) {
		dbi_reset(db, SQL_SESSION_INSERT);
		goto fail;
	}
	if (dbi_run(db, SQL_SESSION_INSERT, err) < 0)
		goto fail;
	if (out) {
		memset(out, 0, sizeof(*out));
		out->id = sqlite3_last_insert_rowid(db->sqlite);
		out->user_id = user_id;
		memcpy(out->csrf_token, csrf, sizeof(csrf));
		out->created = now;
		out->expires = now + lifetime;
	}
	return 0;
fail:
	OPENSSL_cleanse(token, DB_SESSION_TOKEN_LEN + 1);
	return -1;
}

int db_session_find(struct db *db, const char *token, int64_t now, struct db_session *out,
		    struct sirius_error *err)
{
	char hash[65];

	if (!session_token_valid(token))
		return 0;
	if (token_hash(token, hash, err) < 0)
		return -1;
	if (dbi_bind_text(db, SQL_SESSION_FIND, "$hash", hash, err) < 0 ||
	    dbi_bind_int(db, SQL_SESSION_FIND, "$now", now, err) < 0) {
		dbi_reset(db, SQL_SESSION_FIND);
		return -1;
	}
	return dbi_lookup(db, SQL_SESSION_FIND, read_session, out, err);
}

int db_session_delete(struct db *db, const char *token, struct sirius_error *err)
{
	char hash[65];

	if (!session_token_valid(token))
		return 0;
	if (token_hash(token, hash, err) < 0)
		return -1;
	return dbi_run_with_text(db, SQL_SESSION_DELETE, "$hash", hash, err);
}

int db_session_set_notice(struct db *db, int64_t session_id, const char *notice, struct sirius_error *err)
{
	if (notice && strlen(notice) > DB_NOTICE_MAX)
		return error_set(err, "a notice is at most %d bytes", DB_NOTICE_MAX);
	if (dbi_bind_text(db, SQL_SESSION_SET_NOTICE, "$notice", notice && notice[0] ? notice : NULL, err) < 0 ||
	    dbi_bind_int(db, SQL_SESSION_SET_NOTICE, "$id", session_id, err) < 0) {
		dbi_reset(db, SQL_SESSION_SET_NOTICE);
		return -1;
	}
	return dbi_run(db, SQL_SESSION_SET_NOTICE, err);
}

int db_sessions_delete_user(struct db *db, int64_t user_id, struct sirius_error *err)
{
	return dbi_run_with_int(db, SQL_SESSION_DELETE_USER, "$user", user_id, err);
}

int db_sessions_trim_user(struct db *db, int64_t user_id, int keep, struct sirius_error *err)
{
	if (keep < 0)
		return error_set(err, "a user cannot keep a negative number of sessions");
	if (dbi_bind_int(db, SQL_SESSION_TRIM_USER, "$user", user_id, err) < 0 ||
	    dbi_bind_int(db, SQL_SESSION_TRIM_USER, "$keep", keep, err) < 0) {
		dbi_reset(db, SQL_SESSION_TRIM_USER);
		return -1;
	}
	return dbi_run(db, SQL_SESSION_TRIM_USER, err);
}

int db_sessions_purge(struct db *db, int64_t now, struct sirius_error *err)
{
	return dbi_run_with_int(db, SQL_SESSION_PURGE, "$now", now, err);
}

/* ---- failed logins ---------------------------------------------------------- */

int db_login_failure(struct db *db, const char *name, const char *address, int64_t now,
		     struct sirius_error *err)
{
	if (!name || !address)
		return error_set(err, "a failed login needs a name and an address");
	if (dbi_bind_text(db, SQL_LOGIN_INSERT, "$name", name, err) < 0 ||
	    dbi_bind_text(db, SQL_LOGIN_INSERT, "$address", address, err) < 0 ||
	    dbi_bind_int(db, SQL_LOGIN_INSERT, "$now", now, err) < 0) {
		dbi_reset(db, SQL_LOGIN_INSERT);
		return -1;
	}
	if (dbi_run(db, SQL_LOGIN_INSERT, err) < 0)
		return -1;
	/* The account's own count, for telling its owner at the next good sign-in (0 rows: no such account). */
	return dbi_run_with_text(db, SQL_LOGIN_USER_FAILED, "$name", name, err) < 0 ? -1 : 0;
}

int db_login_failures(struct db *db, const char *name, const char *address, int64_t since,
		      int64_t *by_name, int64_t *by_address, struct sirius_error *err)
{
	if (!name || !address)
		return error_set(err, "counting failed logins needs a name and an address");
	if (dbi_bind_text(db, SQL_LOGIN_COUNT_NAME, "$name", name, err) < 0 ||
	    dbi_bind_text(db, SQL_LOGIN_COUNT_NAME, "$address", address, err) < 0 ||
	    dbi_bind_int(db, SQL_LOGIN_COUNT_NAME, "$since", since, err) < 0 ||
	    dbi_run_int(db, SQL_LOGIN_COUNT_NAME, by_name, err) < 0) {
		dbi_reset(db, SQL_LOGIN_COUNT_NAME);
		return -1;
	}
	if (dbi_bind_text(db, SQL_LOGIN_COUNT_ADDRESS, "$address", address, err) < 0 ||
	    dbi_bind_int(db, SQL_LOGIN_COUNT_ADDRESS, "$since", since, err) < 0 ||
	    dbi_run_int(db, SQL_LOGIN_COUNT_ADDRESS, by_address, err) < 0) {
		dbi_reset(db, SQL_LOGIN_COUNT_ADDRESS);
		return -1;
	}
	return 0;
}

int db_login_account_failures(struct db *db, const char *name, int64_t since, int64_t *count, int64_t *oldest,
			       struct sirius_error *err)
{
	int rc;

	if (!name)
		return error_set(err, "counting an account's failed logins needs a name");
	if (dbi_bind_text(db, SQL_LOGIN_COUNT_ACCOUNT, "$name", name, err) < 0 ||
	    dbi_bind_int(db, SQL_LOGIN_COUNT_ACCOUNT, "$since", since, err) < 0) {
		dbi_reset(db, SQL_LOGIN_COUNT_ACCOUNT);
		return -1;
	}
	rc = dbi_step(db, SQL_LOGIN_COUNT_ACCOUNT, err);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int64(db->stmts[SQL_LOGIN_COUNT_ACCOUNT], 0);
		*oldest = sqlite3_column_int64(db->stmts[SQL_LOGIN_COUNT_ACCOUNT], 1);
	}
	dbi_reset(db, SQL_LOGIN_COUNT_ACCOUNT);
	return rc == SQLITE_ROW ? 0 : -1;
}

int db_user_signed_in(struct db *db, int64_t user_id, const char *address, int64_t *failed_before,
		      struct sirius_error *err)
{
	int64_t failed = 0;

	if (dbi_begin(db, err) < 0)
		return -1;
	if (dbi_bind_int(db, SQL_USER_FAILED_LOGINS, "$id", user_id, err) < 0 ||
	    dbi_run_int(db, SQL_USER_FAILED_LOGINS, &failed, err) < 0) {
		dbi_reset(db, SQL_USER_FAILED_LOGINS);
		goto fail;
	}
	if (dbi_bind_text(db, SQL_USER_SIGNED_IN, "$address", address, err) < 0 ||
	    dbi_bind_int(db, SQL_USER_SIGNED_IN, "$id", user_id, err) < 0) {
		dbi_reset(db, SQL_USER_SIGNED_IN);
		goto fail;
	}
	if (dbi_run(db, SQL_USER_SIGNED_IN, err) < 0)
		goto fail;
	if (dbi_commit(db, err) < 0)
		return -1;
	if (failed_before)
		*failed_before = failed;
	return 0;
fail:
	dbi_rollback(db);
	return -1;
}

int db_login_failures_purge(struct db *db, int64_t before, struct sirius_error *err)
{
	return dbi_run_with_int(db, SQL_LOGIN_PURGE, "$before", before, err);
}

/* ---- rate-limited attempts -------------------------------------------------- */

/* 1 when kind and subject are usable (non-empty text), else 0 with a reason in err. */
static int attempt_args_ok(const char *kind, const char *subject, struct sirius_error *err)
{
	if (!kind || !kind[0] || !subject || !subject[0]) {
		error_set(err, "an attempt needs a kind and a subject");
		return 0;
	}
	return 1;
}

int db_attempt_add(struct db *db, const char *kind, const char *subject, int64_t now, struct sirius_error *err)
{
	if (!attempt_args_ok(kind, subject, err))
		return -1;
	if (dbi_bind_text(db, SQL_ATTEMPT_INSERT, "$kind", kind, err) < 0 ||
	    dbi_bind_text(db, SQL_ATTEMPT_INSERT, "$subject", subject, err) < 0 ||
	    dbi_bind_int(db, SQL_ATTEMPT_INSERT, "$now", now, err) < 0) {
		dbi_reset(db, SQL_ATTEMPT_INSERT);
		return -1;
	}
	return dbi_run(db, SQL_ATTEMPT_INSERT, err) < 0 ? -1 : 0;
}

int db_attempts(struct db *db, const char *kind, const char *subject, int64_t since, int64_t *count,
		int64_t *oldest, struct sirius_error *err)
{
	static const enum db_stmt steps[] = { SQL_ATTEMPT_COUNT, SQL_ATTEMPT_OLDEST };
	int64_t *outs[] = { count, oldest };
	size_t i;

	if (!attempt_args_ok(kind, subject, err))
		return -1;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (dbi_bind_text(db, steps[i], "$kind", kind, err) < 0 ||
		    dbi_bind_text(db, steps[i], "$subject", subject, err) < 0 ||
		    dbi_bind_int(db, steps[i], "$since", since, err) < 0 ||
		    dbi_run_int(db, steps[i], outs[i], err) < 0) {
			dbi_reset(db, steps[i]);
			return -1;
		}
	}
	return 0;
}

int db_attempts_purge(struct db *db, int64_t before, struct sirius_error *err)
{
	return dbi_run_with_int(db, SQL_ATTEMPT_PURGE, "$before", before, err);
}

/* ---- friends ---------------------------------------------------------------- */

int db_friend_add(struct db *db, int64_t user_id, int64_t friend_id, int64_t now,
		  struct sirius_error *err)
{
	if (user_id == friend_id)
		return error_set(err, "one cannot be one's own friend");
	if (dbi_bind_int(db, SQL_FRIEND_ADD, "$user", user_id, err) < 0 ||
	    dbi_bind_int(db, SQL_FRIEND_ADD, "$friend", friend_id, err) < 0 ||
	    dbi_bind_int(db, SQL_FRIEND_ADD, "$now", now, err) < 0) {
		dbi_reset(db, SQL_FRIEND_ADD);
		return -1;
	}
	return dbi_run(db, SQL_FRIEND_ADD, err);
}

int db_friend_remove(struct db *db, int64_t user_id, int64_t friend_id, struct sirius_error *err)
{
	if (dbi_bind_int(db, SQL_FRIEND_REMOVE, "$user", user_id, err) < 0 ||
	    dbi_bind_int(db, SQL_FRIEND_REMOVE, "$friend", friend_id, err) < 0) {
		dbi_reset(db, SQL_FRIEND_REMOVE);
		return -1;
	}
	return dbi_run(db, SQL_FRIEND_REMOVE, err);
}

int db_friend_is(struct db *db, int64_t user_id, int64_t friend_id, struct sirius_error *err)
{
	int64_t one;
	int rc;

	if (dbi_bind_int(db, SQL_FRIEND_IS, "$user", user_id, err) < 0 ||
	    dbi_bind_int(db, SQL_FRIEND_IS, "$friend", friend_id, err) < 0) {
		dbi_reset(db, SQL_FRIEND_IS);
		return -1;
	}
	rc = dbi_step(db, SQL_FRIEND_IS, err);
	one = rc == SQLITE_ROW ? 1 : 0;
	dbi_reset(db, SQL_FRIEND_IS);
	return rc < 0 ? -1 : (int)one;
}

int db_friends_of(struct db *db, int64_t user_id, struct db_user **list, size_t *count,
		  struct sirius_error *err)
{
	*list = NULL;
	*count = 0;
	if (dbi_bind_int(db, SQL_FRIENDS_OF, "$user", user_id, err) < 0) {
		dbi_reset(db, SQL_FRIENDS_OF);
		return -1;
	}
	return dbi_collect(db, SQL_FRIENDS_OF, dbi_read_user, NULL, sizeof(**list), (void **)list, count, err);
}
