/* store_db.c: the relay's store over the sirius database: printers, keys, command ids, message states. */
#include "store_db.h"

#include <math.h>

#include "base64.h"
#include "link_key.h"

/* The database's whole-second time of a clock reading. */
static int64_t db_time(double now)
{
	return (int64_t)floor(now);
}

/* A store result from a db_* result rc (negative on failure): 0, RELAY_STORE_BUSY or -1. */
static int result(struct db *db, int rc)
{
	if (rc >= 0)
		return 0;
	return db_busy(db) ? RELAY_STORE_BUSY : -1;
}

static int store_printer_seen(void *ctx, const char *device, double now, struct sirius_error *err)
{
	return result(ctx, db_printer_seen(ctx, device, db_time(now), NULL, err));
}

static int store_printer_touch(void *ctx, const char *device, double now, struct sirius_error *err)
{
	return result(ctx, db_printer_touch(ctx, device, db_time(now), err));
}

static int store_printer_key(void *ctx, const char *device, char key[LINK_KEY_BASE64_SIZE],
			     struct sirius_error *err)
{
	uint8_t raw[LINK_KEY_SIZE];
	int claimed = 0;

	key[0] = '\0';
	if (db_printer_key(ctx, device, raw, &claimed, err) < 0)
		return result(ctx, -1);
	if (!claimed)
		return 0;
	base64_encode(raw, sizeof(raw), key);
	return 1;
}

static int store_next_command_id(void *ctx, uint32_t *id, struct sirius_error *err)
{
	return result(ctx, db_next_command_id(ctx, id, err));
}

static int store_message_sent(void *ctx, uint32_t command_id, double now, struct sirius_error *err)
{
	/* 0 (not a stored message, or one already settled) is fine */
	return result(ctx, db_message_relay_sent(ctx, command_id, db_time(now), err));
}

static int store_message_settled(void *ctx, const char *device, uint32_t command_id, long return_code, double now,
				 struct sirius_error *err)
{
	return result(ctx, db_message_settle_device(ctx, command_id, device, (int)return_code, db_time(now), err));
}

static int store_message_printed(void *ctx, const char *device, uint32_t command_id, double now,
				 struct sirius_error *err)
{
	return result(ctx, db_message_printed_device(ctx, command_id, device, db_time(now), err));
}

static int store_messages_expire(void *ctx, double now, double max_age, int *count, struct sirius_error *err)
{
	int64_t age = (int64_t)ceil(max_age);
	int n;

	*count = 0;
	/* a read first: the UPDATE would take the write lock even with nothing to do */
	n = db_messages_time_out_due(ctx, db_time(now), age, err);
	if (n <= 0)
		return result(ctx, n);
	n = db_messages_time_out(ctx, db_time(now), age, err);
	if (n < 0)
		return result(ctx, n);
	*count = n;
	return 0;
}

void store_db_init(struct relay_store *store, struct db *db)
{
	store->ctx = db;
	store->printer_seen = store_printer_seen;
	store->printer_touch = store_printer_touch;
	store->printer_key = store_printer_key;
	store->next_command_id = store_next_command_id;
	store->message_sent = store_message_sent;
	store->message_settled = store_message_settled;
	store->message_printed = store_message_printed;
	store->messages_expire = store_messages_expire;
}
