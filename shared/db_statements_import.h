/* db_statements_import.h: the SQL statements of sirius-import (shared/db_import.c), as DB_STATEMENT entries of db_statements.h. */

/* Included at the end of db_statements.h with DB_STATEMENT defined; no include guard on purpose. */
DB_STATEMENT(SQL_IMPORT_USER_FIND,
	"SELECT u.id FROM imported_users AS i JOIN users AS u ON u.id = i.user_id WHERE i.original_id = $original")
DB_STATEMENT(SQL_IMPORT_USER_ORIGINAL, "SELECT original_id FROM imported_users WHERE user_id = $user")
DB_STATEMENT(SQL_IMPORT_USER_INSERT,
	"INSERT INTO users (name, password_hash, is_admin, api_key, created)"
	" VALUES ($name, $hash, 0, $key, $created) ON CONFLICT (name) DO NOTHING")
DB_STATEMENT(SQL_IMPORT_USER_MAP,
	"INSERT INTO imported_users (original_id, user_id, imported) VALUES ($original, $user, $now)")
DB_STATEMENT(SQL_IMPORT_API_KEY_TAKEN, "SELECT count(*) FROM users WHERE api_key = $key")
DB_STATEMENT(SQL_IMPORT_CLAIM_FIND, "SELECT id, user_id FROM claim_codes WHERE code = $code")
DB_STATEMENT(SQL_IMPORT_CLAIM_INSERT,
	"INSERT INTO claim_codes (code, hardware_xor, secret, user_id, printer_name, created)"
	" VALUES ($code, $xor, $secret, $user, $name, $created)")
DB_STATEMENT(SQL_IMPORT_CLAIM_USED, "UPDATE claim_codes SET used_by = $address WHERE id = $id AND used_by IS NULL")
DB_STATEMENT(SQL_IMPORT_PRINTER_INSERT,
	"INSERT INTO printers (id, address, hardware_xor, owner_id, name, claim_code_id, created, last_seen)"
	" VALUES (CASE WHEN $id > 0 AND NOT EXISTS (SELECT 1 FROM printers WHERE id = $id) THEN $id END,"
	" $address, $xor, $owner, $name, $code, $created, $created)")
DB_STATEMENT(SQL_IMPORT_PRINTER_CLAIM,
	"UPDATE printers SET owner_id = $owner, name = $name, claim_code_id = $code WHERE id = $id AND owner_id IS NULL")
DB_STATEMENT(SQL_IMPORT_PRINTER_ADDRESSES_OF_XOR, "SELECT address FROM printers WHERE hardware_xor = $xor ORDER BY id")
DB_STATEMENT(SQL_IMPORT_KEY_INSERT,
	"INSERT INTO device_keys (secret, printer_id, created, uses) VALUES ($secret, $printer, $created, $uses)")
DB_STATEMENT(SQL_IMPORT_KEY_SENDER,
	"INSERT INTO device_key_senders (key_id, sender) VALUES ($id, $sender) ON CONFLICT DO NOTHING")
DB_STATEMENT(SQL_IMPORT_FRIEND,
	"INSERT INTO friends (user_id, friend_id, created) VALUES ($user, $friend, $created) ON CONFLICT DO NOTHING")
