-- schema.sql: the PostgreSQL schema of the original sirius server (nordprojects/sirius), for import tests.
--
-- This is the DDL that the original's alembic migrations (migrations/versions/)
-- produce on PostgreSQL when run in order up to the head revision 44c4368c2db1
-- ("add print key parent"): 5ac2a9d2e622 (the models), 36ba0c7b9fbc (user.api_key),
-- 18ec55ca3e22 (message.sender_name replaces message.sender_id), 15dd8689e7fe
-- (print_key), 3a2c72f262b5 (print_key.number_of_uses and senders, whose server
-- defaults are dropped right after the columns are added) and 44c4368c2db1
-- (print_key.parent_id), written out as SQLAlchemy 1.3 emits them: Integer
-- primary keys become SERIAL, String VARCHAR, DateTime TIMESTAMP WITHOUT TIME
-- ZONE, LargeBinary and PickleType BYTEA, ARRAY(String) VARCHAR[]; constraints
-- are unnamed, so PostgreSQL names them (user_pkey, printer_owner_id_fkey, ...).
-- The migrations cannot be run here (they need Flask and alembic); the
-- statements follow them one for one, in their order.

-- 5ac2a9d2e622: Sirius models.
CREATE TABLE "user" (
	id SERIAL NOT NULL,
	created TIMESTAMP WITHOUT TIME ZONE,
	username VARCHAR,
	PRIMARY KEY (id)
);

CREATE TABLE bridge (
	id SERIAL NOT NULL,
	created TIMESTAMP WITHOUT TIME ZONE,
	bridge_address VARCHAR,
	PRIMARY KEY (id)
);

CREATE TABLE device_log (
	id SERIAL NOT NULL,
	created TIMESTAMP WITHOUT TIME ZONE,
	device_address VARCHAR,
	entry VARCHAR,
	PRIMARY KEY (id)
);

CREATE TABLE twitter_o_auth (
	id SERIAL NOT NULL,
	created TIMESTAMP WITHOUT TIME ZONE,
	user_id INTEGER,
	screen_name VARCHAR,
	token VARCHAR,
	token_secret VARCHAR,
	last_friend_refresh TIMESTAMP WITHOUT TIME ZONE,
	friends BYTEA,
	PRIMARY KEY (id),
	FOREIGN KEY(user_id) REFERENCES "user" (id),
	UNIQUE (screen_name)
);

CREATE TABLE printer (
	id SERIAL NOT NULL,
	created TIMESTAMP WITHOUT TIME ZONE,
	device_address VARCHAR,
	hardware_xor INTEGER,
	name VARCHAR,
	owner_id INTEGER,
	used_claim_code VARCHAR,
	PRIMARY KEY (id),
	FOREIGN KEY(owner_id) REFERENCES "user" (id)
);

CREATE TABLE claim_code (
	id SERIAL NOT NULL,
	created TIMESTAMP WITHOUT TIME ZONE,
	by_id INTEGER,
	hardware_xor INTEGER,
	claim_code VARCHAR,
	name VARCHAR,
	PRIMARY KEY (id),
	FOREIGN KEY(by_id) REFERENCES "user" (id)
);

CREATE TABLE message (
	id SERIAL NOT NULL,
	created TIMESTAMP WITHOUT TIME ZONE,
	pixels BYTEA,
	print_id INTEGER,
	sender_id INTEGER,
	target_printer_id INTEGER,
	response_timestamp TIMESTAMP WITHOUT TIME ZONE,
	failure_message VARCHAR,
	PRIMARY KEY (id),
	FOREIGN KEY(sender_id) REFERENCES "user" (id),
	FOREIGN KEY(target_printer_id) REFERENCES printer (id),
	UNIQUE (print_id)
);

CREATE INDEX ix_message_created ON message (created);

-- 36ba0c7b9fbc: api_key.
ALTER TABLE "user" ADD COLUMN api_key VARCHAR;

-- 18ec55ca3e22: sender_name.
ALTER TABLE message ADD COLUMN sender_name VARCHAR;
ALTER TABLE message DROP COLUMN sender_id;

-- 15dd8689e7fe: print_key.
CREATE TABLE print_key (
	id SERIAL NOT NULL,
	secret VARCHAR,
	created TIMESTAMP WITHOUT TIME ZONE,
	printer_id INTEGER,
	PRIMARY KEY (id),
	FOREIGN KEY(printer_id) REFERENCES printer (id),
	UNIQUE (secret)
);

-- 3a2c72f262b5: add print key usage.
ALTER TABLE print_key ADD COLUMN number_of_uses INTEGER DEFAULT '0' NOT NULL;
ALTER TABLE print_key ALTER COLUMN number_of_uses DROP DEFAULT;
ALTER TABLE print_key ADD COLUMN senders VARCHAR[] DEFAULT '{}' NOT NULL;
ALTER TABLE print_key ALTER COLUMN senders DROP DEFAULT;

-- 44c4368c2db1: add print key parent.
ALTER TABLE print_key ADD COLUMN parent_id INTEGER;

-- alembic's own table, stamped with the head revision.
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL,
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version (version_num) VALUES ('44c4368c2db1');
