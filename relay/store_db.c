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

static int store_printer_seen(void *ctx, const char *device, double now, struct sirius_error *err)
{
	return db_printer_seen(ctx, device, db_time(now), NULL, err) < 0 ? -1 : 0;
}

static int store_printer_key(void *ctx, const char *device, char key[LINK_KEY_BASE64_SIZE],
			     struct sirius_error *err)
{
	uint8_t raw[LINK_KEY_SIZE];
	int claimed = 0;

	key[0] = '\0';
	if (db_printer_key(ctx, device, raw, &claimed, err) < 0)
		return -1;
	if (!claimed)
		return 0;
	base64_encode(raw, sizeof(raw), key);
	return 1;
}

static int store_next_command_id(void *ctx, uint32_t *id, struct sirius_error *err)
{
	return db_next_command_id(ctx, id, err) < 0 ? -1 : 0;
}

static int store_message_sent(void *ctx, uint32_t command_id, double now, struct sirius_error *err)
{
	/* 0 (not a queued message: created as sending, or not stored at all) is fine */
	return db_message_sending(ctx, command_id, db_time(now), err) < 0 ? -1 : 0;
}

static int store_message_settled(void *ctx, uint32_t command_id, long return_code, double now,
				 struct sirius_error *err)
{
	return db_message_settle(ctx, command_id, (int)return_code, db_time(now), err) < 0 ? -1 : 0;
}

static int store_message_printed(void *ctx, uint32_t command_id, double now, struct sirius_error *err)
{
	return db_message_printed(ctx, command_id, db_time(now), err) < 0 ? -1 : 0;
}

static int store_messages_expire(void *ctx, double now, double max_age, int *count, struct sirius_error *err)
{
	int n = db_messages_time_out(ctx, db_time(now), (int64_t)ceil(max_age), err);

	if (n < 0)
		return -1;
	*count = n;
	return 0;
}

void store_db_init(struct relay_store *store, struct db *db)
{
	store->ctx = db;
	store->printer_seen = store_printer_seen;
	store->printer_key = store_printer_key;
	store->next_command_id = store_next_command_id;
	store->message_sent = store_message_sent;
	store->message_settled = store_message_settled;
	store->message_printed = store_message_printed;
	store->messages_expire = store_messages_expire;
}
