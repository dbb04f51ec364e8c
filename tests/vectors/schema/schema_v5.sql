-- schema_v5.sql: the database schema as version 5 made it (schema_v3.sql with the migrations of
-- shared/db.c up to 5 applied), for the upgrade tests.

CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE COLLATE NOCASE        -- 1-32 of [A-Za-z0-9_.-], unique ignoring case
		CHECK (length(name) BETWEEN 1 AND 32),
	password_hash TEXT NOT NULL,                    -- libsodium argon2id string
	is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
	api_key TEXT UNIQUE,                            -- random [a-z0-9], NULL when none
	created INTEGER NOT NULL
);

CREATE TABLE sessions (
	id INTEGER PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,                -- SHA-256 of the token, lower-case hex
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token TEXT NOT NULL,                       -- random hex, echoed by every form
	created INTEGER NOT NULL,
	expires INTEGER NOT NULL
);

CREATE TABLE login_attempts (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL COLLATE NOCASE,              -- the account name tried (it may not exist)
	address TEXT NOT NULL,                          -- the client's IP address as text
	time INTEGER NOT NULL
);

CREATE TABLE attempts (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,                             -- what was tried, such as 'claim-user'
	subject TEXT NOT NULL,                          -- whose: a user id or a client address
	time INTEGER NOT NULL
);

CREATE TABLE claim_codes (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE                       -- canonical: 16 lower-case digits, no dashes
		CHECK (length(code) = 16),
	hardware_xor INTEGER NOT NULL CHECK (hardware_xor BETWEEN 0 AND 16777215),
	secret INTEGER NOT NULL CHECK (secret BETWEEN 0 AND 1099511627775),
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,  -- who claimed with it
	printer_name TEXT NOT NULL,                     -- the name given when claiming
	created INTEGER NOT NULL,
	used_by TEXT                                    -- the first device address that took it (its key), NULL while none has
		CHECK (used_by IS NULL OR length(used_by) = 16)
);

CREATE TABLE printers (
	id INTEGER PRIMARY KEY,
	address TEXT NOT NULL UNIQUE                    -- 16 lower-case hex digits
		CHECK (length(address) = 16),
	hardware_xor INTEGER NOT NULL CHECK (hardware_xor BETWEEN 0 AND 16777215),
	owner_id INTEGER REFERENCES users (id) ON DELETE SET NULL,          -- NULL: unclaimed
	name TEXT,                                      -- NULL while unclaimed
	claim_code_id INTEGER REFERENCES claim_codes (id) ON DELETE SET NULL, -- the code whose key it uses
	created INTEGER NOT NULL,
	last_seen INTEGER NOT NULL
);

CREATE TABLE command_ids (
	only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
	last INTEGER NOT NULL CHECK (last BETWEEN 0 AND 4294967295)
);

CREATE TABLE device_keys (
	id INTEGER PRIMARY KEY,
	secret TEXT NOT NULL UNIQUE CHECK (length(secret) = 20),  -- 20 of [a-z0-9]
	printer_id INTEGER NOT NULL REFERENCES printers (id) ON DELETE CASCADE,
	created INTEGER NOT NULL,
	uses INTEGER NOT NULL DEFAULT 0                 -- prints made with it
);

CREATE TABLE device_key_senders (
	key_id INTEGER NOT NULL REFERENCES device_keys (id) ON DELETE CASCADE,
	sender TEXT NOT NULL,
	PRIMARY KEY (key_id, sender)
);

CREATE TABLE friends (
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	friend_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created INTEGER NOT NULL,
	PRIMARY KEY (user_id, friend_id),
	CHECK (user_id <> friend_id)
);

CREATE TABLE device_key_rate (
	key_id INTEGER PRIMARY KEY REFERENCES device_keys (id) ON DELETE CASCADE,
	tat INTEGER NOT NULL
);

CREATE TABLE "messages" (id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295), printer_id INTEGER NOT NULL REFERENCES printers (id) ON DELETE CASCADE, sender TEXT NOT NULL, command INTEGER NOT NULL, payload BLOB, bitmap_png BLOB, status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'delivered', 'printed', 'failed', 'expired', 'cancelled')), return_code INTEGER, failure TEXT CHECK (failure IN ('offline', 'relay_unreachable', 'no_response')), bridge TEXT CHECK (bridge IS NULL OR length(bridge) = 16), attempts INTEGER NOT NULL DEFAULT 0, key_id INTEGER REFERENCES device_keys (id) ON DELETE SET NULL, dedupe TEXT, created INTEGER NOT NULL, sent INTEGER, delivered INTEGER, printed INTEGER, settled INTEGER);

CREATE TABLE bridges (address TEXT PRIMARY KEY CHECK (length(address) = 16), confirms INTEGER NOT NULL DEFAULT 0 CHECK (confirms IN (0, 1)), confirmed INTEGER);

CREATE TABLE idempotency_keys (scope TEXT NOT NULL, key TEXT NOT NULL, created INTEGER NOT NULL, status INTEGER NOT NULL DEFAULT 0, body TEXT, PRIMARY KEY (scope, key));

CREATE TABLE imported_users (original_id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE, imported INTEGER NOT NULL);

CREATE INDEX sessions_user ON sessions (user_id);

CREATE INDEX sessions_expires ON sessions (expires);

CREATE INDEX login_attempts_name ON login_attempts (name, time);

CREATE INDEX login_attempts_address ON login_attempts (address, time);

CREATE INDEX attempts_subject ON attempts (kind, subject, time);

CREATE INDEX attempts_time ON attempts (time);

CREATE INDEX claim_codes_xor ON claim_codes (hardware_xor, created);

CREATE INDEX claim_codes_user ON claim_codes (user_id);

CREATE INDEX printers_xor ON printers (hardware_xor);

CREATE INDEX printers_owner ON printers (owner_id);

CREATE INDEX printers_claim_code ON printers (claim_code_id);

CREATE INDEX device_keys_printer ON device_keys (printer_id);

CREATE INDEX friends_friend ON friends (friend_id);

CREATE INDEX messages_printer ON messages (printer_id, id);

CREATE INDEX messages_outbox ON messages (printer_id, id) WHERE status = 'queued';

CREATE INDEX messages_status ON messages (status, created);

CREATE INDEX messages_dedupe ON messages (key_id, dedupe) WHERE dedupe IS NOT NULL;

CREATE INDEX idempotency_keys_created ON idempotency_keys (created);

INSERT INTO command_ids (only_row, last) VALUES (1, 0);
