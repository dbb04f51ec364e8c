/* db_statements.h: every SQL statement of the database layer, as DB_STATEMENT(id, sql) entries (an X-macro list). */

/*
 * Included by db_internal.h with DB_STATEMENT defined; no include guard on
 * purpose. Parameters are named ($name); each statement is prepared once per
 * connection, the first time it is used. Column lists that a row reader in
 * the db_*.c files depends on are the *_COLUMNS macros below.
 */
#ifndef DB_USER_COLUMNS
#define DB_USER_COLUMNS "id, name, password_hash, is_admin, coalesce(api_key, ''), created, disabled, " \
	"failed_logins, coalesce(last_login_address, '')"
#define DB_PRINTER_COLUMNS "id, address, hardware_xor, coalesce(owner_id, 0), coalesce(name, ''), " \
	"coalesce(claim_code_id, 0), created, last_seen"
#define DB_MESSAGE_COLUMNS "id, printer_id, sender, command, status, coalesce(return_code, -1), " \
	"created, coalesce(sent, 0), coalesce(settled, 0), payload IS NOT NULL OR bitmap_png IS NOT NULL, " \
	"coalesce(failure, ''), " \
	"coalesce(bridge, ''), attempts, coalesce(key_id, 0), coalesce(delivered, 0), coalesce(printed, 0)"
#define DB_SESSION_COLUMNS "id, user_id, csrf_token, created, expires, coalesce(notice, '')"
#define DB_DEVICE_KEY_COLUMNS "id, secret, printer_id, created, uses"
#endif

/* transactions */
DB_STATEMENT(SQL_BEGIN, "BEGIN IMMEDIATE")
DB_STATEMENT(SQL_BEGIN_READ, "BEGIN DEFERRED")
DB_STATEMENT(SQL_COMMIT, "COMMIT")
DB_STATEMENT(SQL_ROLLBACK, "ROLLBACK")
/* a dbi_begin inside another: a savepoint of the open transaction */
DB_STATEMENT(SQL_SAVEPOINT, "SAVEPOINT nested")
DB_STATEMENT(SQL_RELEASE, "RELEASE nested")
DB_STATEMENT(SQL_ROLLBACK_TO, "ROLLBACK TO nested")
DB_STATEMENT(SQL_USER_VERSION, "PRAGMA user_version")

/* command ids */
DB_STATEMENT(SQL_COMMAND_ID_BUMP,
	"UPDATE command_ids SET last = max(last, (SELECT coalesce(max(id), 0) FROM messages)) + 1"
	" WHERE only_row = 1 AND max(last, (SELECT coalesce(max(id), 0) FROM messages)) < 4294967295")
DB_STATEMENT(SQL_COMMAND_ID_LAST, "SELECT last FROM command_ids WHERE only_row = 1")

/* users */
DB_STATEMENT(SQL_USER_BY_NAME, "SELECT " DB_USER_COLUMNS " FROM users WHERE name = $name")
DB_STATEMENT(SQL_USER_BY_ID, "SELECT " DB_USER_COLUMNS " FROM users WHERE id = $id")
DB_STATEMENT(SQL_USER_BY_API_KEY, "SELECT " DB_USER_COLUMNS " FROM users WHERE api_key = $key")
DB_STATEMENT(SQL_USER_SET_PASSWORD, "UPDATE users SET password_hash = $hash WHERE id = $id")
DB_STATEMENT(SQL_USER_SET_ADMIN, "UPDATE users SET is_admin = $admin WHERE id = $id")
DB_STATEMENT(SQL_USER_SET_API_KEY, "UPDATE users SET api_key = $key WHERE id = $id")
DB_STATEMENT(SQL_USER_DELETE, "DELETE FROM users WHERE id = $id")
DB_STATEMENT(SQL_USER_KEYS_DELETE,
	"DELETE FROM device_keys WHERE printer_id IN (SELECT id FROM printers WHERE owner_id = $user)")
DB_STATEMENT(SQL_USER_PRINTERS_RELEASE,
	"UPDATE printers SET owner_id = NULL, name = NULL, claim_code_id = NULL WHERE owner_id = $user")
DB_STATEMENT(SQL_USER_CLAIMS_DELETE, "DELETE FROM claim_codes WHERE user_id = $user")
DB_STATEMENT(SQL_USER_COUNT, "SELECT count(*) FROM users")
DB_STATEMENT(SQL_USER_INSERT,
	"INSERT INTO users (name, password_hash, is_admin, created)"
	" VALUES ($name, $hash, $admin OR NOT EXISTS (SELECT 1 FROM users), $now) ON CONFLICT (name) DO NOTHING")
DB_STATEMENT(SQL_USER_IS_ADMIN, "SELECT is_admin FROM users WHERE id = $id")
DB_STATEMENT(SQL_USER_SET_DISABLED, "UPDATE users SET disabled = $disabled WHERE id = $id")
DB_STATEMENT(SQL_USER_OTHER_ADMINS,
	"SELECT count(*) FROM users WHERE is_admin = 1 AND disabled = 0 AND id <> $id")
DB_STATEMENT(SQL_USER_ADMIN_COUNT, "SELECT count(*) FROM users WHERE is_admin = 1 AND disabled = 0")
DB_STATEMENT(SQL_USERS_LIST,
	"SELECT u.id, u.name, '', u.is_admin, '', u.created, u.disabled, u.failed_logins,"
	" coalesce(u.last_login_address, ''), (SELECT count(*) FROM printers AS p WHERE p.owner_id = u.id)"
	" FROM users AS u ORDER BY u.name COLLATE NOCASE, u.id LIMIT $limit OFFSET $offset")
DB_STATEMENT(SQL_USER_FAILED_LOGINS, "SELECT failed_logins FROM users WHERE id = $id")
DB_STATEMENT(SQL_USER_SIGNED_IN,
	"UPDATE users SET failed_logins = 0, last_login_address = $address WHERE id = $id")

/* sessions and login attempts */
DB_STATEMENT(SQL_SESSION_INSERT,
	"INSERT INTO sessions (token_hash, user_id, csrf_token, created, expires)"
	" VALUES ($hash, $user, $csrf, $now, $expires)")
DB_STATEMENT(SQL_SESSION_FIND,
	"SELECT " DB_SESSION_COLUMNS " FROM sessions WHERE token_hash = $hash AND expires > $now")
DB_STATEMENT(SQL_SESSION_DELETE, "DELETE FROM sessions WHERE token_hash = $hash")
DB_STATEMENT(SQL_SESSION_DELETE_USER, "DELETE FROM sessions WHERE user_id = $user")
DB_STATEMENT(SQL_SESSION_PURGE, "DELETE FROM sessions WHERE expires <= $now")
DB_STATEMENT(SQL_LOGIN_INSERT,
	"INSERT INTO login_attempts (name, address, time) VALUES ($name, $address, $now)")
DB_STATEMENT(SQL_LOGIN_COUNT_NAME,
	"SELECT count(*) FROM login_attempts WHERE name = $name AND address = $address AND time >= $since")
DB_STATEMENT(SQL_LOGIN_COUNT_ADDRESS,
	"SELECT count(*) FROM login_attempts WHERE address = $address AND time >= $since")
DB_STATEMENT(SQL_LOGIN_COUNT_ACCOUNT,
	"SELECT count(*), coalesce(min(time), 0) FROM login_attempts WHERE name = $name AND time >= $since")
DB_STATEMENT(SQL_LOGIN_USER_FAILED,
	"UPDATE users SET failed_logins = min(failed_logins + 1, 1000000000) WHERE name = $name")
DB_STATEMENT(SQL_SESSION_SET_NOTICE, "UPDATE sessions SET notice = $notice WHERE id = $id")
DB_STATEMENT(SQL_LOGIN_PURGE, "DELETE FROM login_attempts WHERE time < $before")
DB_STATEMENT(SQL_SESSION_TRIM_USER,
	"DELETE FROM sessions WHERE user_id = $user AND id NOT IN"
	" (SELECT id FROM sessions WHERE user_id = $user ORDER BY created DESC, id DESC LIMIT $keep)")
DB_STATEMENT(SQL_ATTEMPT_INSERT, "INSERT INTO attempts (kind, subject, time) VALUES ($kind, $subject, $now)")
DB_STATEMENT(SQL_ATTEMPT_COUNT,
	"SELECT count(*) FROM attempts WHERE kind = $kind AND subject = $subject AND time >= $since")
DB_STATEMENT(SQL_ATTEMPT_OLDEST,
	"SELECT coalesce(min(time), 0) FROM attempts WHERE kind = $kind AND subject = $subject AND time >= $since")
DB_STATEMENT(SQL_ATTEMPT_PURGE, "DELETE FROM attempts WHERE time < $before")

/* printers */
DB_STATEMENT(SQL_PRINTER_BY_ADDRESS, "SELECT " DB_PRINTER_COLUMNS " FROM printers WHERE address = $address")
DB_STATEMENT(SQL_PRINTER_BY_ID, "SELECT " DB_PRINTER_COLUMNS " FROM printers WHERE id = $id")
DB_STATEMENT(SQL_PRINTERS_OF_OWNER,
	"SELECT " DB_PRINTER_COLUMNS " FROM printers WHERE owner_id = $owner ORDER BY name, id")
DB_STATEMENT(SQL_PRINTER_NEWEST_FOR_XOR,
	"SELECT " DB_PRINTER_COLUMNS " FROM printers WHERE hardware_xor = $xor"
	" ORDER BY created DESC, id DESC LIMIT 1")
DB_STATEMENT(SQL_PRINTER_TOUCH,
	"UPDATE printers SET last_seen = max(last_seen, $now) WHERE address = $address")
DB_STATEMENT(SQL_PRINTER_INSERT,
	"INSERT INTO printers (address, hardware_xor, owner_id, name, claim_code_id, created, last_seen)"
	" VALUES ($address, $xor, $owner, $name, $code, $now, $now)")
DB_STATEMENT(SQL_PRINTER_RETIRE_XOR,
	"UPDATE printers SET owner_id = NULL, name = NULL, claim_code_id = NULL"
	" WHERE hardware_xor = $xor AND address <> $address")
DB_STATEMENT(SQL_PRINTER_SET_CLAIM,
	"UPDATE printers SET owner_id = $owner, name = $name, claim_code_id = $code WHERE id = $id")
DB_STATEMENT(SQL_PRINTER_SECRET,
	"SELECT c.secret FROM printers AS p JOIN claim_codes AS c ON c.id = p.claim_code_id"
	" WHERE p.address = $address")
DB_STATEMENT(SQL_PRINTER_RENAME, "UPDATE printers SET name = $name WHERE id = $id AND owner_id = $owner")
DB_STATEMENT(SQL_PRINTER_FORGET,
	"UPDATE printers SET owner_id = NULL, name = NULL, claim_code_id = NULL"
	" WHERE id = $id AND owner_id = $owner")

/* claim codes */
DB_STATEMENT(SQL_CLAIM_BY_CODE, "SELECT id, user_id FROM claim_codes WHERE code = $code")
DB_STATEMENT(SQL_CLAIM_NEWEST_FOR_XOR,
	"SELECT id, user_id, printer_name, used_by IS NOT NULL FROM claim_codes WHERE hardware_xor = $xor"
	" AND (used_by IS NOT NULL OR created > $expired) ORDER BY created DESC, id DESC LIMIT 1")
DB_STATEMENT(SQL_CLAIM_WAITING_COUNT,
	"SELECT count(*) FROM claim_codes WHERE user_id = $user AND used_by IS NULL AND created > $expired")
DB_STATEMENT(SQL_CLAIM_IS_OLD,
	"SELECT EXISTS (SELECT 1 FROM claim_codes WHERE id = $id AND used_by <> $address)"
	" OR EXISTS (SELECT 1 FROM claim_codes AS c JOIN claim_codes AS n ON n.hardware_xor = c.hardware_xor"
	" WHERE c.id = $id AND n.used_by IS NOT NULL"
	" AND (n.created > c.created OR (n.created = c.created AND n.id > c.id)))")
DB_STATEMENT(SQL_CLAIM_SET_USED, "UPDATE claim_codes SET used_by = $address WHERE id = $id AND used_by IS NULL")
DB_STATEMENT(SQL_CLAIM_INSERT,
	"INSERT INTO claim_codes (code, hardware_xor, secret, user_id, printer_name, created)"
	" VALUES ($code, $xor, $secret, $user, $name, $now)")
DB_STATEMENT(SQL_CLAIM_RENAME, "UPDATE claim_codes SET printer_name = $name WHERE id = $id")
DB_STATEMENT(SQL_CLAIM_DELETE_FOR_XOR,
	"DELETE FROM claim_codes WHERE hardware_xor = $xor AND user_id = $user")

/* messages */
DB_STATEMENT(SQL_MESSAGE_INSERT,
	"INSERT INTO messages (id, printer_id, sender, command, payload, status, failure, key_id, dedupe,"
	" created, settled) VALUES ($id, $printer, $sender, $command, $payload, $status, $failure, $key,"
	" $dedupe, $now, $settled)")
DB_STATEMENT(SQL_MESSAGE_GET, "SELECT " DB_MESSAGE_COLUMNS " FROM messages WHERE id = $id")
DB_STATEMENT(SQL_MESSAGE_PRINT, "SELECT payload, bitmap_png FROM messages WHERE id = $id")
DB_STATEMENT(SQL_MESSAGES_OF_PRINTER,
	"SELECT " DB_MESSAGE_COLUMNS " FROM messages WHERE printer_id = $printer ORDER BY id DESC LIMIT $limit")
DB_STATEMENT(SQL_MESSAGE_CANCEL,
	"UPDATE messages SET status = 'cancelled', settled = $now"
	" WHERE id = $id AND printer_id = $printer AND status = 'queued'")
DB_STATEMENT(SQL_MESSAGE_FIND_REPEAT,
	"SELECT id, status FROM messages WHERE key_id = $key AND dedupe = $dedupe AND created >= $since"
	" ORDER BY id DESC LIMIT 1")
/* the relay's outbox */
DB_STATEMENT(SQL_OUTBOX_NEXT,
	"SELECT m.id, m.payload FROM messages AS m WHERE m.status = 'queued' AND m.id > $after"
	" AND m.printer_id = (SELECT id FROM printers WHERE address = $address) ORDER BY m.id LIMIT 1")
DB_STATEMENT(SQL_OUTBOX_SENT,
	"UPDATE messages SET status = 'sent', sent = coalesce(sent, $now), bridge = $bridge, attempts = attempts + 1"
	" WHERE id = $id AND status IN ('queued', 'sent')")
/*
 * The relay records a message sent after writing it to the bridge: a cancel
 * that came in between (the owner's, before the relay heard of it) was too
 * late, and the record says what happened. Apart from SQL_OUTBOX_SENT, which
 * runs for every print and stays as lean as it was (measured: the relay's
 * CPU a print doubled with one statement for both).
 */
DB_STATEMENT(SQL_OUTBOX_SENT_CANCELLED,
	"UPDATE messages SET status = 'sent', sent = coalesce(sent, $now), bridge = $bridge, attempts = attempts + 1,"
	" settled = NULL WHERE id = $id AND status = 'cancelled'")
DB_STATEMENT(SQL_OUTBOX_ANSWERED,
	"UPDATE messages SET status = CASE WHEN $code = 0 THEN 'delivered' ELSE 'failed' END, return_code = $code,"
	" delivered = CASE WHEN $code = 0 THEN $now END, settled = CASE WHEN $code = 0 THEN NULL ELSE $now END"
	" WHERE id = $id AND (status = 'sent' OR (status = 'queued' AND attempts > 0)) AND bridge = $bridge"
	" AND ($address IS NULL OR printer_id = (SELECT id FROM printers WHERE address = $address))")
DB_STATEMENT(SQL_OUTBOX_FAILED,
	"UPDATE messages SET status = 'failed', failure = $failure, settled = $now"
	" WHERE id = $id AND status = 'sent'")
DB_STATEMENT(SQL_OUTBOX_PRINTED,
	"UPDATE messages SET status = 'printed', printed = $now, settled = $now"
	" WHERE id = $id AND (status IN ('sent', 'delivered', 'failed') OR (status = 'queued' AND attempts > 0))"
	" AND printer_id = (SELECT id FROM printers WHERE address = $address)")
DB_STATEMENT(SQL_OUTBOX_EXPIRE_DUE,
	"SELECT EXISTS (SELECT 1 FROM messages WHERE status = 'queued' AND created < $before)")
DB_STATEMENT(SQL_OUTBOX_EXPIRE,
	"UPDATE messages SET status = 'expired', settled = $now"
	" WHERE status = 'queued' AND created < $before")
/*
 * Messages past the count or the age kept, but never one still queued nor a
 * delivery for the button (set_delivery 0x0002, set_delivery_no_face 0x0012)
 * still waiting for it.
 */
#define DB_MESSAGE_TRIMMABLE "status <> 'queued' AND NOT (command IN (2, 18) AND status IN ('sent', 'delivered'))"
DB_STATEMENT(SQL_OUTBOX_TRIM_DUE,
	"SELECT EXISTS (SELECT 1 FROM (SELECT created, row_number() OVER (PARTITION BY printer_id ORDER BY id DESC)"
	" AS n FROM messages WHERE " DB_MESSAGE_TRIMMABLE ") WHERE n > $keep OR created < $after)")
DB_STATEMENT(SQL_OUTBOX_TRIM,
	"DELETE FROM messages WHERE id IN (SELECT id FROM (SELECT id, created, row_number() OVER"
	" (PARTITION BY printer_id ORDER BY id DESC) AS n FROM messages WHERE " DB_MESSAGE_TRIMMABLE ")"
	" WHERE n > $keep OR created < $after)")
/*
 * At the relay's start: messages written to a bridge that confirms, after it
 * was known to, and never answered (the relay stopped before the answer):
 * queued again, to go out again with the same id (the printer's file id).
 */
DB_STATEMENT(SQL_OUTBOX_REQUEUE,
	"UPDATE messages SET status = 'queued' WHERE status = 'sent' AND payload IS NOT NULL AND EXISTS"
	" (SELECT 1 FROM bridges AS b WHERE b.address = messages.bridge AND b.confirms = 1 AND b.confirmed <= messages.sent)")
DB_STATEMENT(SQL_BRIDGE_CONFIRMS,
	"SELECT coalesce((SELECT confirms FROM bridges WHERE address = $address), 0)")
DB_STATEMENT(SQL_BRIDGE_SET_CONFIRMS,
	"INSERT INTO bridges (address, confirms, confirmed) VALUES ($address, 1, $now)"
	" ON CONFLICT (address) DO UPDATE SET confirms = 1, confirmed = coalesce(confirmed, $now)")
/* the relay's journal */
DB_STATEMENT(SQL_RELAY_JOURNAL_APPLIED, "SELECT coalesce((SELECT applied FROM relay_journal WHERE id = 1), 0)")
DB_STATEMENT(SQL_RELAY_JOURNAL_MARK,
	"INSERT INTO relay_journal (id, applied) VALUES (1, $applied)"
	" ON CONFLICT (id) DO UPDATE SET applied = max(applied, excluded.applied)")
/* idempotency keys */
DB_STATEMENT(SQL_IDEMPOTENCY_FORGET,
	"DELETE FROM idempotency_keys WHERE scope = $scope AND key = $key AND created < $before")
DB_STATEMENT(SQL_IDEMPOTENCY_PURGE, "DELETE FROM idempotency_keys WHERE created < $before")
DB_STATEMENT(SQL_IDEMPOTENCY_CLAIM,
	"INSERT INTO idempotency_keys (scope, key, created) VALUES ($scope, $key, $now) ON CONFLICT DO NOTHING")
DB_STATEMENT(SQL_IDEMPOTENCY_GET,
	"SELECT status, coalesce(body, '') FROM idempotency_keys WHERE scope = $scope AND key = $key")
DB_STATEMENT(SQL_IDEMPOTENCY_FINISH,
	"UPDATE idempotency_keys SET status = $status, body = $body WHERE scope = $scope AND key = $key")
DB_STATEMENT(SQL_IDEMPOTENCY_ABANDON,
	"DELETE FROM idempotency_keys WHERE scope = $scope AND key = $key AND status = 0")

/* device keys */
DB_STATEMENT(SQL_KEY_INSERT,
	"INSERT INTO device_keys (secret, printer_id, created) VALUES ($secret, $printer, $now)")
DB_STATEMENT(SQL_KEY_FIND, "SELECT " DB_DEVICE_KEY_COLUMNS " FROM device_keys WHERE secret = $secret")
DB_STATEMENT(SQL_KEY_USE, "UPDATE device_keys SET uses = uses + 1 WHERE id = $id")
DB_STATEMENT(SQL_KEY_SENDER_ADD,
	"INSERT INTO device_key_senders (key_id, sender) VALUES ($id, $sender) ON CONFLICT DO NOTHING")
DB_STATEMENT(SQL_KEYS_OF_PRINTER,
	"SELECT " DB_DEVICE_KEY_COLUMNS " FROM device_keys WHERE printer_id = $printer ORDER BY id")
DB_STATEMENT(SQL_KEY_SENDERS, "SELECT sender FROM device_key_senders WHERE key_id = $id ORDER BY sender")
DB_STATEMENT(SQL_KEY_DELETE, "DELETE FROM device_keys WHERE id = $id AND printer_id = $printer")
DB_STATEMENT(SQL_KEYS_DELETE_PRINTER, "DELETE FROM device_keys WHERE printer_id = $printer")

/* friends */
DB_STATEMENT(SQL_FRIEND_ADD,
	"INSERT INTO friends (user_id, friend_id, created) VALUES ($user, $friend, $now) ON CONFLICT DO NOTHING")
DB_STATEMENT(SQL_FRIEND_REMOVE, "DELETE FROM friends WHERE user_id = $user AND friend_id = $friend")
DB_STATEMENT(SQL_FRIEND_IS, "SELECT 1 FROM friends WHERE user_id = $user AND friend_id = $friend")
DB_STATEMENT(SQL_FRIENDS_OF,
	"SELECT u.id, u.name, '', u.is_admin, '', u.created, u.disabled, 0, '' FROM friends AS f JOIN users AS u"
	" ON u.id = f.friend_id WHERE f.user_id = $user ORDER BY u.name")

/* web */
DB_STATEMENT(SQL_PRINTERS_SHARED_WITH,
	"SELECT " DB_PRINTER_COLUMNS " FROM printers WHERE owner_id IN"
	" (SELECT user_id FROM friends WHERE friend_id = $user) ORDER BY owner_id, name, id")
DB_STATEMENT(SQL_STATS_COUNTS,
	"SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM printers),"
	" (SELECT count(*) FROM printers WHERE owner_id IS NOT NULL), (SELECT count(*) FROM device_keys),"
	" (SELECT count(*) FROM friends), (SELECT count(*) FROM claim_codes)")
DB_STATEMENT(SQL_STATS_MESSAGES, "SELECT status, count(*) FROM messages GROUP BY status")

/* admin lists */
DB_STATEMENT(SQL_ADMIN_PRINTERS,
	"SELECT p.id, p.address, p.hardware_xor, coalesce(p.owner_id, 0), coalesce(p.name, ''),"
	" coalesce(p.claim_code_id, 0), p.created, p.last_seen, coalesce(u.name, '')"
	" FROM printers AS p LEFT JOIN users AS u ON u.id = p.owner_id"
	" ORDER BY p.owner_id IS NULL, p.last_seen DESC, p.id DESC LIMIT $limit OFFSET $offset")
DB_STATEMENT(SQL_ADMIN_PRINTER_COUNT, "SELECT count(*) FROM printers")

/* api */
DB_STATEMENT(SQL_KEY_RATE_TAT, "SELECT tat FROM device_key_rate WHERE key_id = $id")
DB_STATEMENT(SQL_KEY_RATE_COUNT,
	"INSERT INTO device_key_rate (key_id, tat) VALUES ($id, $now + $interval)"
	" ON CONFLICT (key_id) DO UPDATE SET tat = max(tat, $now) + $interval")

/* sirius-import */
#include "db_statements_import.h"

/* bridges and the printers bound to them */
DB_STATEMENT(SQL_BRIDGE_SEEN,
	"INSERT INTO bridges (address, ip, first_seen, last_seen) VALUES ($address, $ip, $now, $now)"
	" ON CONFLICT (address) DO UPDATE SET ip = $ip, last_seen = $now, first_seen = coalesce(first_seen, $now)")
DB_STATEMENT(SQL_PRINTER_BINDING,
	"SELECT coalesce(bridge, ''), owner_id IS NOT NULL FROM printers WHERE address = $address")
DB_STATEMENT(SQL_PRINTER_BIND,
	"UPDATE printers SET bridge = $bridge, moving_to = NULL WHERE address = $address AND owner_id IS NOT NULL")
DB_STATEMENT(SQL_PRINTER_MOVING,
	"UPDATE printers SET moving_to = $bridge WHERE address = $address AND owner_id IS NOT NULL"
	" AND coalesce(moving_to, '') <> $bridge")
DB_STATEMENT(SQL_PRINTER_CONFIRM_MOVE,
	"UPDATE printers SET bridge = moving_to, moving_to = NULL WHERE id = $id AND owner_id = $owner"
	" AND moving_to IS NOT NULL")
DB_STATEMENT(SQL_PRINTER_BRIDGE,
	"SELECT coalesce(p.bridge, ''), coalesce(b.ip, ''), coalesce(b.first_seen, 0), coalesce(p.moving_to, '')"
	" FROM printers AS p LEFT JOIN bridges AS b ON b.address = p.bridge WHERE p.id = $id")
/* never claimed, silent, nothing kept for it: anyone may name any address */
#define DB_PRINTER_FORGETTABLE "owner_id IS NULL AND last_seen < $before AND NOT EXISTS" \
	" (SELECT 1 FROM messages AS m WHERE m.printer_id = printers.id) AND NOT EXISTS" \
	" (SELECT 1 FROM claim_codes AS c WHERE c.hardware_xor = printers.hardware_xor AND c.used_by IS NULL)"
DB_STATEMENT(SQL_PRINTERS_UNCLAIMED_DUE, "SELECT EXISTS (SELECT 1 FROM printers WHERE " DB_PRINTER_FORGETTABLE ")")
DB_STATEMENT(SQL_PRINTERS_UNCLAIMED_SWEEP, "DELETE FROM printers WHERE " DB_PRINTER_FORGETTABLE)

/* button, personality, quips (db_button.c); 2 and 18 are set_delivery and set_delivery_no_face */
DB_STATEMENT(SQL_BUTTON_PRESS_INSERT,
	"INSERT INTO button_presses (printer_id, print_type, print_id, time) VALUES ($printer, $type, $print_id, $now)")
DB_STATEMENT(SQL_BUTTON_PRESSES,
	"SELECT b.id, b.print_type, b.print_id, b.time, coalesce(m.id, 0), coalesce(m.sender, '')"
	" FROM button_presses AS b LEFT JOIN messages AS m ON m.id = b.print_id AND m.printer_id = b.printer_id"
	" AND b.print_type = 1 WHERE b.printer_id = $printer ORDER BY b.time DESC, b.id DESC LIMIT $limit")
DB_STATEMENT(SQL_BUTTON_WAITING,
	"SELECT m.id FROM messages AS m WHERE m.printer_id = $printer AND m.command IN (2, 18)"
	" AND m.status IN ('sent', 'delivered')"
	" AND NOT EXISTS (SELECT 1 FROM button_settled AS s WHERE s.message_id = m.id) ORDER BY m.id DESC LIMIT $limit")
DB_STATEMENT(SQL_BUTTON_IS_WAITING,
	"SELECT EXISTS (SELECT 1 FROM messages AS m WHERE m.id = $id AND m.printer_id = $printer"
	" AND m.command IN (2, 18) AND m.status IN ('sent', 'delivered')"
	" AND NOT EXISTS (SELECT 1 FROM button_settled AS s WHERE s.message_id = m.id))")
DB_STATEMENT(SQL_BUTTON_SETTLE,
	"INSERT INTO button_settled (message_id, how, reprint_id, time)"
	" SELECT m.id, CASE WHEN $reprint IS NULL THEN 'cancelled' ELSE 'printed_now' END, $reprint, $now"
	" FROM messages AS m WHERE m.id = $id AND m.printer_id = $printer AND m.command IN (2, 18)"
	" AND m.status IN ('sent', 'delivered') ON CONFLICT (message_id) DO NOTHING")
DB_STATEMENT(SQL_BUTTON_SETTLED_GET,
	"SELECT coalesce(reprint_id, 0), time FROM button_settled WHERE message_id = $id")
DB_STATEMENT(SQL_PERSONALITY_SET,
	"INSERT INTO personalities (printer_id, face, face_png, nothing_png, no_bridge_png, no_internet_png,"
	" message_id, created) VALUES ($printer, $face, $png0, $png1, $png2, $png3, $message, $now)"
	" ON CONFLICT (printer_id) DO UPDATE SET face = excluded.face, face_png = excluded.face_png,"
	" nothing_png = excluded.nothing_png, no_bridge_png = excluded.no_bridge_png,"
	" no_internet_png = excluded.no_internet_png, message_id = excluded.message_id, created = excluded.created")
DB_STATEMENT(SQL_PERSONALITY_GET,
	"SELECT printer_id, coalesce(face, ''), face_png, nothing_png, no_bridge_png, no_internet_png, message_id,"
	" created FROM personalities WHERE printer_id = $printer")
DB_STATEMENT(SQL_QUIPS_SET,
	"INSERT INTO quips (printer_id, quip1, quip2, quip3, message_id, created)"
	" VALUES ($printer, $quip1, $quip2, $quip3, $message, $now)"
	" ON CONFLICT (printer_id) DO UPDATE SET quip1 = excluded.quip1, quip2 = excluded.quip2,"
	" quip3 = excluded.quip3, message_id = excluded.message_id, created = excluded.created")
DB_STATEMENT(SQL_QUIPS_GET,
	"SELECT printer_id, quip1, quip2, quip3, message_id, created FROM quips WHERE printer_id = $printer")

/* subscriptions (db_subscriptions.c) */
#ifndef DB_SUBSCRIPTION_COLUMNS
#define DB_SUBSCRIPTION_COLUMNS "id, printer_id, url, name, meta_json, config_json, delivery_time, days, mode, " \
	"paused, push_token, delivery_count, coalesce(last_etag, ''), coalesce(next_due, 0), coalesce(retry_at, 0), " \
	"attempts, coalesce(last_try, 0), coalesce(last_state, ''), coalesce(last_message, ''), " \
	"coalesce(last_message_id, 0), created"
#endif
DB_STATEMENT(SQL_SUBSCRIPTION_INSERT,
	"INSERT INTO subscriptions (printer_id, url, name, meta_json, config_json, delivery_time, days, mode,"
	" push_token, next_due, created)"
	" VALUES ($printer, $url, $name, $meta, $config, $time, $days, $mode, $token, $next, $now)")
DB_STATEMENT(SQL_SUBSCRIPTION_GET, "SELECT " DB_SUBSCRIPTION_COLUMNS " FROM subscriptions WHERE id = $id")
DB_STATEMENT(SQL_SUBSCRIPTIONS_OF_PRINTER,
	"SELECT " DB_SUBSCRIPTION_COLUMNS " FROM subscriptions WHERE printer_id = $printer ORDER BY id")
DB_STATEMENT(SQL_SUBSCRIPTIONS_DUE,
	"SELECT " DB_SUBSCRIPTION_COLUMNS " FROM subscriptions WHERE paused = 0 AND next_due IS NOT NULL"
	" AND coalesce(retry_at, next_due) <= $before ORDER BY coalesce(retry_at, next_due), id")
DB_STATEMENT(SQL_SUBSCRIPTIONS_NEXT,
	"SELECT coalesce(min(coalesce(retry_at, next_due)), 0) FROM subscriptions"
	" WHERE paused = 0 AND next_due IS NOT NULL")
DB_STATEMENT(SQL_SUBSCRIPTION_PAUSE,
	"UPDATE subscriptions SET paused = $paused, next_due = $next, retry_at = NULL, attempts = 0"
	" WHERE id = $id AND printer_id = $printer")
DB_STATEMENT(SQL_SUBSCRIPTION_DELETE, "DELETE FROM subscriptions WHERE id = $id AND printer_id = $printer")
DB_STATEMENT(SQL_SUBSCRIPTION_RECORD,
	"UPDATE subscriptions SET next_due = CASE WHEN paused THEN NULL ELSE $next END, retry_at = $retry,"
	" attempts = $attempts, last_try = $now, last_state = $state, last_message = $message,"
	" last_message_id = coalesce($message_id, last_message_id), delivery_count = delivery_count + $delivered,"
	" last_etag = coalesce($etag, last_etag) WHERE id = $id")
DB_STATEMENT(SQL_PRINTER_TIMEZONE, "SELECT coalesce(timezone, '') FROM printers WHERE id = $id")
DB_STATEMENT(SQL_PRINTER_SET_TIMEZONE, "UPDATE printers SET timezone = $zone WHERE id = $id")
