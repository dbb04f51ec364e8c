-- schema.sql: the whole sirius-c database (SQLite); programs create a new database from it.
--
-- This file is built into libsirius (shared/schema_sql.c) and run on an empty
-- database, which is then stamped with the newest PRAGMA user_version that
-- shared/db.c knows. It always describes the newest schema: a change here goes
-- together with a numbered migration in shared/db.c that brings older
-- databases to the same shape. Version 1 is this schema as first written;
-- version 2 added claim_codes.used_by; version 3 added attempts; version 4
-- made messages the outbox and added bridges and idempotency_keys; version 5
-- added imported_users; version 6 bound printers to their bridge; version 7
-- added button_presses, button_settled, personalities and quips; version 8
-- added users.disabled, users.failed_logins, users.last_login_address and
-- sessions.notice; version 9 added printers.timezone and subscriptions;
-- version 10 moved messages.payload to the end of the row; version 11 added
-- relay_journal.
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
	api_key TEXT UNIQUE,                            -- random [a-z0-9] ([A-Za-z0-9] when imported), NULL when none
	created INTEGER NOT NULL,
	disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),  -- 1: cannot sign in, keys refused
	failed_logins INTEGER NOT NULL DEFAULT 0,       -- failed sign-ins since the last good one
	last_login_address TEXT                         -- client address of the last good sign-in, NULL before
);

-- Accounts brought over from the original sirius server by sirius-import,
-- with their id there: a second import matches them instead of adding them
-- again, and tells them from local accounts of the same name.
CREATE TABLE imported_users (
	original_id INTEGER PRIMARY KEY,                -- the id of the user in the original's database
	user_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
	imported INTEGER NOT NULL                       -- when the account was imported (or matched)
);

-- Logged-in browsers. Only a hash of the cookie's token is kept.
CREATE TABLE sessions (
	id INTEGER PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,                -- SHA-256 of the token, lower-case hex
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token TEXT NOT NULL,                       -- random hex, echoed by every form
	created INTEGER NOT NULL,
	expires INTEGER NOT NULL,
	notice TEXT                                     -- a sentence for the next page shown, NULL when none
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

-- Other attempts counted to slow abuse (claims, sign-ups): a kind, whose
-- (a user id or a client address as text) and when.
CREATE TABLE attempts (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,                             -- what was tried, such as 'claim-user'
	subject TEXT NOT NULL,                          -- whose: a user id or a client address
	time INTEGER NOT NULL
);
CREATE INDEX attempts_subject ON attempts (kind, subject, time);
CREATE INDEX attempts_time ON attempts (time);

-- Claim codes people entered (PROTOCOL.md section 5). A printer and its owner
-- meet over hardware_xor; when several codes carry a printer's xor the newest
-- (created, then id) wins, unless an address of the printer has used it
-- already: a printer prints a new code at every reset, so a used code is from
-- before the reset (shared/db.h, "Claiming rules"). A refused claim stores
-- nothing.
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
	last_seen INTEGER NOT NULL,
	bridge TEXT CHECK (bridge IS NULL OR length(bridge) = 16),       -- the bridge it is bound to (it was
	                                                -- claimed through); only that one gets its key and prints
	moving_to TEXT CHECK (moving_to IS NULL OR length(moving_to) = 16), -- another bridge that reported it while
	                                                -- its own was silent: a move the owner may confirm
	timezone TEXT                                   -- IANA zone of its subscriptions' times; NULL: the server's
);
CREATE INDEX printers_xor ON printers (hardware_xor);
CREATE INDEX printers_unclaimed ON printers (last_seen) WHERE owner_id IS NULL;
CREATE INDEX printers_owner ON printers (owner_id);
CREATE INDEX printers_claim_code ON printers (claim_code_id);

-- The outbox and the history: everything sent, or to be sent, to a printer.
-- The id is the command_id of the DeviceCommand, which the printer also uses
-- as the file id of the print. The web and API programs insert a message as
-- 'queued' with its payload and wake the relay; from then on only the relay
-- changes its state (the owner may cancel it while it is queued):
--   queued -> sent -> delivered -> printed, or failed, expired, cancelled.
-- A message 'sent' through a bridge that never confirms stays 'sent' (shown
-- as "sent, not confirmed") unless the printer reports printing it.
CREATE TABLE messages (
	id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295),
	printer_id INTEGER NOT NULL REFERENCES printers (id) ON DELETE CASCADE,
	sender TEXT NOT NULL,                           -- who it is from, as shown on the print
	command INTEGER NOT NULL,                       -- DeviceCommand command code (docs/PROTOCOL.md)
	bitmap_png BLOB,                                -- the print as a one-bit PNG: messages settled before payloads were kept
	status TEXT NOT NULL CHECK (status IN
		('queued', 'sent', 'delivered', 'printed', 'failed', 'expired', 'cancelled')),
	return_code INTEGER,                            -- of the DeviceCommandResponse, NULL before it
	failure TEXT CHECK (failure IN ('offline', 'relay_unreachable', 'no_response')),
	                                                -- why it failed without a return code, else NULL
	bridge TEXT CHECK (bridge IS NULL OR length(bridge) = 16), -- the bridge it was last sent through
	attempts INTEGER NOT NULL DEFAULT 0,            -- times it was written to a bridge
	key_id INTEGER REFERENCES device_keys (id) ON DELETE SET NULL, -- the device key it came through
	dedupe TEXT,                                    -- digest of the request, to print a repeated one once
	created INTEGER NOT NULL,                       -- when it was queued
	sent INTEGER,                                   -- when first written to a bridge
	delivered INTEGER,                              -- when the bridge confirmed it
	printed INTEGER,                                -- when the printer reported printing it
	settled INTEGER,                                -- when it printed, failed, expired or was cancelled
	-- The DeviceCommand's binary payload, kept as the record of the print once
	-- it is settled. Last, so that a row whose payload spills into overflow
	-- pages keeps the other columns in its own page: the housekeeping sweep
	-- reads those of every message, and never the payload.
	payload BLOB
);
CREATE INDEX messages_printer ON messages (printer_id, id);
CREATE INDEX messages_outbox ON messages (printer_id, id) WHERE status = 'queued';
CREATE INDEX messages_status ON messages (status, created);
CREATE INDEX messages_dedupe ON messages (key_id, dedupe) WHERE dedupe IS NOT NULL;

-- Bridges whose behaviour the relay has learnt: whether they answer
-- DeviceCommands (some bridges and emulators never do).
CREATE TABLE bridges (
	address TEXT PRIMARY KEY CHECK (length(address) = 16),  -- 16 lower-case hex digits
	confirms INTEGER NOT NULL DEFAULT 0 CHECK (confirms IN (0, 1)), -- 1 once it answered a DeviceCommand
	confirmed INTEGER,                              -- when it first did
	ip TEXT,                                        -- the address it last connected from
	first_seen INTEGER,                             -- when it first connected
	last_seen INTEGER                               -- when it last connected
);

-- The relay's journal (relay/journal.h): its writes wait in a file for a few
-- milliseconds before their commit, each line numbered; every commit records
-- here the newest number it covers, so a line is done once, even when the
-- relay stops between a commit and the emptying of the file. One row.
CREATE TABLE relay_journal (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	applied INTEGER NOT NULL CHECK (applied >= 0)  -- the newest journal line whose write is committed
);

-- Answers to API requests that carried an Idempotency-Key header, kept a day:
-- a repeated request gets the first one's answer and prints nothing new.
CREATE TABLE idempotency_keys (
	scope TEXT NOT NULL,                            -- whose key: 'device-key:ID' or 'user:ID'
	key TEXT NOT NULL,                              -- the header's value
	created INTEGER NOT NULL,
	status INTEGER NOT NULL DEFAULT 0,              -- the HTTP status answered; 0 while the first request runs
	body TEXT,                                      -- the JSON answered
	PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created);

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

-- The printer's button: every did_print event it reports (PROTOCOL.md
-- section 2), written by the relay. print_type 0x01: a delivery waiting for
-- the button was printed (print_id is its message id); 0x10: pressed with
-- nothing waiting; 0x11: a quip was printed.
CREATE TABLE button_presses (
	id INTEGER PRIMARY KEY,
	printer_id INTEGER NOT NULL REFERENCES printers (id) ON DELETE CASCADE,
	print_type INTEGER NOT NULL,
	print_id INTEGER NOT NULL,
	time INTEGER NOT NULL
);
CREATE INDEX button_presses_printer ON button_presses (printer_id, time);

-- Deliveries for the button (set_delivery, set_delivery_no_face) the owner
-- settled from the printer page before the button was pressed: cancelled, or
-- printed now as another message. They are no longer shown as waiting (the
-- printer may still hold them).
CREATE TABLE button_settled (
	message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
	how TEXT NOT NULL CHECK (how IN ('cancelled', 'printed_now')),
	reprint_id INTEGER,                             -- the message that printed it now, NULL when cancelled
	time INTEGER NOT NULL
);

-- The personality (set_personality) last sent to each printer: a set shipped
-- in www/static/faces (face is its name, no images kept) or four uploaded
-- images (face is NULL, the four one-bit PNGs kept to show them).
CREATE TABLE personalities (
	printer_id INTEGER PRIMARY KEY REFERENCES printers (id) ON DELETE CASCADE,
	face TEXT CHECK (face IS NULL OR length(face) BETWEEN 1 AND 32),
	face_png BLOB,                                  -- the printer's face
	nothing_png BLOB,                               -- nothing to print
	no_bridge_png BLOB,                             -- cannot see the bridge
	no_internet_png BLOB,                           -- cannot see the internet
	message_id INTEGER NOT NULL,                    -- the set_personality message (it may be trimmed since)
	created INTEGER NOT NULL
);

-- The three quips (set_quip) last sent to each printer, as the owner typed them.
CREATE TABLE quips (
	printer_id INTEGER PRIMARY KEY REFERENCES printers (id) ON DELETE CASCADE,
	quip1 TEXT NOT NULL,
	quip2 TEXT NOT NULL,
	quip3 TEXT NOT NULL,
	message_id INTEGER NOT NULL,                    -- the set_quip message (it may be trimmed since)
	created INTEGER NOT NULL
);

-- Publications each printer is subscribed to (BERG's publication API), with
-- the state of their scheduled delivery. delivery_time is minutes after
-- midnight in the printer's time zone; days a bit set of weekdays (bit 0
-- Monday ... bit 6 Sunday). next_due is when the next edition is due (UTC),
-- kept across restarts so a time missed while the scheduler was down is
-- delivered once when it comes back; retry_at when a failed fetch is tried
-- again.
CREATE TABLE subscriptions (
	id INTEGER PRIMARY KEY,
	printer_id INTEGER NOT NULL REFERENCES printers (id) ON DELETE CASCADE,
	url TEXT NOT NULL,                              -- the publication's base URL, ending in '/'
	name TEXT NOT NULL,                             -- its name, from meta.json
	meta_json TEXT NOT NULL,                        -- meta.json as read when subscribing
	config_json TEXT NOT NULL DEFAULT '{}',         -- the owner's config values (an object of strings)
	delivery_time INTEGER NOT NULL CHECK (delivery_time BETWEEN 0 AND 1439),
	days INTEGER NOT NULL DEFAULT 127 CHECK (days BETWEEN 1 AND 127),
	mode TEXT NOT NULL DEFAULT 'button' CHECK (mode IN ('button', 'print')),
	paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
	push_token TEXT NOT NULL UNIQUE CHECK (length(push_token) = 32), -- Bearer token of the push API
	delivery_count INTEGER NOT NULL DEFAULT 0,      -- editions delivered
	last_etag TEXT,                                 -- ETag of the last edition delivered
	next_due INTEGER,                               -- the next delivery time; NULL while paused
	retry_at INTEGER,                               -- when a failed try is retried; NULL when none
	attempts INTEGER NOT NULL DEFAULT 0,            -- failed tries for next_due
	last_try INTEGER,                               -- when the last delivery was tried
	last_state TEXT CHECK (last_state IN ('delivered', 'nothing', 'retrying', 'failed', 'sending')),
	last_message TEXT,                              -- what happened, in words
	last_message_id INTEGER,                        -- messages.id of the last edition sent
	created INTEGER NOT NULL
);
CREATE INDEX subscriptions_printer ON subscriptions (printer_id);
CREATE INDEX subscriptions_due ON subscriptions (paused, next_due);
