-- schema.sql: the whole sirius-c database (SQLite); programs create a new database from it.
--
-- This file is built into libsirius (shared/schema_sql.c) and run on an empty
-- database, which is then stamped with the newest PRAGMA user_version that
-- shared/db.c knows. It always describes the newest schema: a change here goes
-- together with a numbered migration in shared/db.c that brings older
-- databases to the same shape. Version 1 is this schema as first written.
--
-- Times are seconds since the Unix epoch (UTC), NULL where a thing has not
-- happened yet. Ids are SQLite rowids. All SQL that reads or writes these
-- tables lives in shared/db_statements.h.

-- People who log in to the web UI.
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE COLLATE NOCASE        -- 1-32 of [A-Za-z0-9_.-], unique ignoring case
		CHECK (length(name) BETWEEN 1 AND 32),
	password_hash TEXT NOT NULL,                    -- libsodium argon2id string
	is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
	api_key TEXT UNIQUE,                            -- random [a-z0-9], NULL when none
	created INTEGER NOT NULL
);

-- Logged-in browsers. Only a hash of the cookie's token is kept.
CREATE TABLE sessions (
	id INTEGER PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,                -- SHA-256 of the token, lower-case hex
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token TEXT NOT NULL,                       -- random hex, echoed by every form
	created INTEGER NOT NULL,
	expires INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires);

-- Failed logins, counted per account name and per client address to slow guessing.
CREATE TABLE login_attempts (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL COLLATE NOCASE,              -- the account name tried (it may not exist)
	address TEXT NOT NULL,                          -- the client's IP address as text
	time INTEGER NOT NULL
);
CREATE INDEX login_attempts_name ON login_attempts (name, time);
CREATE INDEX login_attempts_address ON login_attempts (address, time);

-- Claim codes people entered (PROTOCOL.md section 5). A printer and its owner
-- meet over hardware_xor; when several codes carry a printer's xor the newest
-- (created, then id) wins.
CREATE TABLE claim_codes (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE                       -- canonical: 16 lower-case digits, no dashes
		CHECK (length(code) = 16),
	hardware_xor INTEGER NOT NULL CHECK (hardware_xor BETWEEN 0 AND 16777215),
	secret INTEGER NOT NULL CHECK (secret BETWEEN 0 AND 1099511627775),
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,  -- who claimed with it
	printer_name TEXT NOT NULL,                     -- the name given when claiming
	created INTEGER NOT NULL
);
CREATE INDEX claim_codes_xor ON claim_codes (hardware_xor, created);
CREATE INDEX claim_codes_user ON claim_codes (user_id);

-- Printers, one row per device address ever seen. A reset gives a printer a
-- new address (and a new row) but keeps its hardware xor.
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
CREATE INDEX printers_xor ON printers (hardware_xor);
CREATE INDEX printers_owner ON printers (owner_id);
CREATE INDEX printers_claim_code ON printers (claim_code_id);

-- Everything sent to a printer. The id is the command_id of the DeviceCommand,
-- which the printer also uses as the file id of the print.
CREATE TABLE messages (
	id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295),
	printer_id INTEGER NOT NULL REFERENCES printers (id) ON DELETE CASCADE,
	sender TEXT NOT NULL,                           -- who it is from, as shown on the print
	command INTEGER NOT NULL,                       -- DeviceCommand command code (PROTOCOL.md 3)
	bitmap_png BLOB,                                -- the print as a one-bit PNG, NULL when not kept
	status TEXT NOT NULL CHECK (status IN
		('queued', 'sending', 'delivered', 'printed', 'failed', 'timed_out')),
	return_code INTEGER,                            -- of the DeviceCommandResponse, NULL before it
	failure TEXT CHECK (failure IN ('offline', 'relay_unreachable')),
	                                                -- why it failed before reaching a bridge, else NULL
	created INTEGER NOT NULL,
	sent INTEGER,                                   -- when handed to the bridge
	settled INTEGER                                 -- when delivered, failed, timed out or printed
);
CREATE INDEX messages_printer ON messages (printer_id, id);
CREATE INDEX messages_status ON messages (status, sent);

-- The one command_id sequence of every command sent, messages and bridge
-- commands alike: `last` is the highest id handed out.
CREATE TABLE command_ids (
	only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
	last INTEGER NOT NULL CHECK (last BETWEEN 0 AND 4294967295)
);
INSERT INTO command_ids (only_row, last) VALUES (1, 0);

-- Keys of the device-key HTTP API: whoever knows one may print to its printer.
CREATE TABLE device_keys (
	id INTEGER PRIMARY KEY,
	secret TEXT NOT NULL UNIQUE CHECK (length(secret) = 20),  -- 20 of [a-z0-9]
	printer_id INTEGER NOT NULL REFERENCES printers (id) ON DELETE CASCADE,
	created INTEGER NOT NULL,
	uses INTEGER NOT NULL DEFAULT 0                 -- prints made with it
);
CREATE INDEX device_keys_printer ON device_keys (printer_id);

-- The distinct sender names printed with each device key.
CREATE TABLE device_key_senders (
	key_id INTEGER NOT NULL REFERENCES device_keys (id) ON DELETE CASCADE,
	sender TEXT NOT NULL,
	PRIMARY KEY (key_id, sender)
);

-- Friendships: user_id lists friend_id as a friend (one direction per row).
CREATE TABLE friends (
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	friend_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created INTEGER NOT NULL,
	PRIMARY KEY (user_id, friend_id),
	CHECK (user_id <> friend_id)
);
CREATE INDEX friends_friend ON friends (friend_id);

-- api: how fast each device key is used, shared by every process (a generic
-- cell rate algorithm): tat is when the key's allowance is whole again, in
-- milliseconds since the epoch; each request moves it on by 60000 / rate.
CREATE TABLE device_key_rate (
	key_id INTEGER PRIMARY KEY REFERENCES device_keys (id) ON DELETE CASCADE,
	tat INTEGER NOT NULL
);
