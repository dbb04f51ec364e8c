/* outbox.c: the relay's side of the outbox: printers' queued messages sent in order, answers, resends, housekeeping. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "bridge_command.h"
#include "log.h"
#include "registry_internal.h"
#include "relay_client.h"
#include "return_code.h"

/*
 * How it works. The database is the outbox: a message is queued there by a
 * web or API program, which then wakes the relay. When a printer is online
 * and ready (it has its key), its queued messages are read from the
 * database oldest first (db_outbox_next, above the newest id already taken)
 * and become commands held for its bridge; a held command is written when
 * the bridge has a free slot (in_flight_max), and marked sent in the
 * database once it is written to the socket.
 *
 * Bridges differ: one that has ever answered a DeviceCommand ("confirms")
 * gets at most one unanswered command per printer, so that a long queue
 * prints in order without overflowing the bridge's own queue of 10; a
 * command it leaves unanswered for message_timeout is sent again (the same
 * payload and id) up to resends times, then fails. A bridge that has never
 * confirmed is never waited for: a command's slot is free again
 * unconfirmed_hold seconds after it was written, nothing is ever sent twice,
 * and its messages stay "sent" unless the printer reports printing them.
 *
 * "Queue full" (0xe0) and "busy" (0x30) are not final: the command is sent
 * again after busy_backoff seconds, doubling, busy_retries times. Nothing is
 * sent again once it was delivered or printed.
 */

/* The DeviceCommandResponse codes that mean "not now", not "failed" (PROTOCOL.md 3). */
#define RETURN_QUEUE_FULL 0xe0
#define RETURN_BUSY 0x30

void outbox_command_free(struct relay_command *c)
{
	if (!c)
		return;
	free(c->json);
	g_free(c);
}

size_t outbox_in_flight(const struct relay_bridge *b)
{
	return b->in_flight ? b->in_flight->len : 0;
}

/* The device a command is for, when the relay knows it. */
static struct relay_device *command_device(struct registry *reg, const struct relay_command *c)
{
	return g_hash_table_lookup(reg->devices, c->device);
}

/* An outbox command is done with (answered, failed, dropped, slot freed): its device may have another. */
static void command_release(struct registry *reg, struct relay_command *c)
{
	struct relay_device *d;

	if (!c->from_outbox)
		return;
	d = command_device(reg, c);
	if (d && d->outstanding > 0)
		d->outstanding--;
}

size_t outbox_bridge_free_commands(struct relay_bridge *b)
{
	struct relay_command *c;
	size_t n = 0;

	while ((c = g_queue_pop_head(&b->held))) {
		outbox_command_free(c);
		n++;
	}
	b->held_bytes = 0;
	if (b->in_flight) {
		guint i;

		n += b->in_flight->len;
		for (i = 0; i < b->in_flight->len; i++)
			outbox_command_free(g_ptr_array_index(b->in_flight, i));
		g_ptr_array_free(b->in_flight, TRUE);
		b->in_flight = NULL;
	}
	return n;
}

size_t outbox_bridge_drop(struct relay_bridge *b)
{
	size_t n = outbox_bridge_free_commands(b);
	GHashTableIter it;
	gpointer value;

	/*
	 * Its devices' queues are read again from the database: what was
	 * written to this bridge must be recorded sent there first, committed
	 * and not only journaled (or, on the lock, the reads wait:
	 * registry_store_blocked).
	 */
	registry_store_first(b->reg, NULL);
	/* What was not written is still queued in the database: read it again when the devices come back. */
	g_hash_table_iter_init(&it, b->devices);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		struct relay_device *d = value;

		d->outstanding = 0;
		d->taken_after = 0;
	}
	return n;
}

int outbox_queue_full(struct registry *reg, struct relay_bridge *b, size_t len)
{
	struct relay_session *s = b->session;
	size_t messages = g_queue_get_length(&b->held) + (s ? g_queue_get_length(&s->out) : 0);
	size_t bytes = b->held_bytes + (s ? s->out_bytes : 0);

	return messages >= reg->cfg.queue_max_messages || bytes + len > reg->cfg.queue_max_bytes;
}

/* How long a written command holds its slot on bridge b without an answer. */
static double slot_time(struct registry *reg, const struct relay_bridge *b)
{
	return b->confirms ? reg->cfg.message_timeout : reg->cfg.unconfirmed_hold;
}

static void bridge_timer_fired(void *arg);

/* Arms the bridge's timer for its next in-flight deadline or resend, or disarms it when there is none. */
static void bridge_arm(struct registry *reg, struct relay_bridge *b)
{
	struct relay_command *head = g_queue_peek_head(&b->held);
	double next = -1, t = registry_now(reg);
	guint i;

	for (i = 0; b->in_flight && i < b->in_flight->len; i++) {
		const struct relay_command *c = g_ptr_array_index(b->in_flight, i);
		double deadline = c->sent_at + slot_time(reg, b);

		if (next < 0 || deadline < next)
			next = deadline;
	}
	if (head && b->session && outbox_in_flight(b) < reg->cfg.in_flight_max && head->not_before > t &&
	    (next < 0 || head->not_before < next))
		next = head->not_before;
	if (next < 0) {
		if (b->timer)
			reg->env.timer_cancel(reg->env.ctx, b->timer);
		return;
	}
	if (!b->timer)
		b->timer = reg->env.timer_new(reg->env.ctx, bridge_timer_fired, b);
	if (b->timer)
		reg->env.timer_arm(reg->env.ctx, b->timer, next - t);
}

void outbox_bridge_pump(struct registry *reg, struct relay_bridge *b)
{
	struct relay_command *c;
	double t = registry_now(reg);

	while (b->session && outbox_in_flight(b) < reg->cfg.in_flight_max && (c = g_queue_peek_head(&b->held)) &&
	       c->not_before <= t) {
		g_queue_pop_head(&b->held);
		b->held_bytes -= c->len;
		if (registry_session_push(reg, b->session, c->json, c->len, c->command_id) < 0) {
			reg->counters.commands_dropped++;
			relay_log(RELAY_LOG_ERROR, "device %s: command %u dropped: out of memory", c->device, c->command_id);
			command_release(reg, c);
			outbox_command_free(c);
			continue;
		}
		c->sent_at = t;
		c->attempts++;
		if (!b->in_flight)
			b->in_flight = g_ptr_array_new();
		g_ptr_array_add(b->in_flight, c);
	}
	bridge_arm(reg, b);
}

/* The in-flight command of bridge b with this id (and device, when not ""): its index, or -1. */
static int in_flight_find(const struct relay_bridge *b, uint32_t command_id, const char *device)
{
	guint i;

	for (i = 0; b->in_flight && i < b->in_flight->len; i++) {
		const struct relay_command *c = g_ptr_array_index(b->in_flight, i);

		if (c->command_id == command_id && (!device || !device[0] || strcmp(c->device, device) == 0))
			return (int)i;
	}
	return -1;
}

void outbox_written(struct registry *reg, struct relay_session *s, uint32_t command_id)
{
	struct relay_bridge *b = s->bridge;
	int i;

	if (!b)
		return;
	i = in_flight_find(b, command_id, NULL);
	if (i >= 0) {
		struct relay_command *c = g_ptr_array_index(b->in_flight, i);

		/* its slot time runs from the moment it left, not from when it was queued on the socket */
		c->sent_at = registry_now(reg);
	}
	registry_store_message(reg, PENDING_SENT, NULL, b->address, command_id, 0);
	bridge_arm(reg, b);
}

/*
 * Takes the device's queued messages from the database while its bridge may
 * be given more: one unanswered at a time through a confirming bridge, else
 * as many as fit the bridge's slots. Reads that fail are tried again by the
 * sweep.
 */
static void device_take(struct registry *reg, struct relay_device *d)
{
	struct relay_bridge *b = d->bridge;
	struct sirius_error err = { "" };

	while (registry_device_session(d) && d->ready) {
		struct relay_command *c;
		uint8_t *payload = NULL;
		char *b64, *json;
		size_t len = 0;
		uint32_t id = 0;
		int rc;

		if (b->confirms ? d->outstanding >= 1 : g_queue_get_length(&b->held) >= reg->cfg.in_flight_max)
			break;
		if (outbox_queue_full(reg, b, 0))
			break;
		if (registry_store_blocked(reg)) {
			/*
			 * writes wait for another process's lock: reading would wait
			 * too, and what was sent may not be recorded yet; read once
			 * they are done
			 */
			d->pull_failed = 1;
			return;
		}
		rc = reg->store.outbox_next(reg->store.ctx, d->address, d->taken_after, &id, &payload, &len, &err);
		if (rc < 0) {
			if (rc == RELAY_STORE_BUSY)
				reg->counters.store_busy++;
			else
				reg->counters.store_errors++;
			if (!d->pull_failed)
				relay_log(RELAY_LOG_WARN, "device %s: database: reading its outbox (tried again later): %s",
					  d->address, err.message);
			d->pull_failed = 1;
			return;
		}
		d->pull_failed = 0;
		if (rc == 0)
			return;
		b64 = base64_encode_alloc(payload, len);
		free(payload);
		json = b64 ? bridge_command_device_json(b->address, d->address, id, b64) : NULL;
		free(b64);
		d->taken_after = id;
		if (!json || strlen(json) > RELAY_MAX_PAYLOAD_BASE64 + 4096) {
			/* a stored payload the relay cannot send: skip it, it expires in the database */
			relay_log(RELAY_LOG_ERROR, "device %s: message %u cannot be sent (payload of %zu bytes)", d->address,
				  id, len);
			free(json);
			continue;
		}
		c = g_new0(struct relay_command, 1);
		c->command_id = id;
		memcpy(c->device, d->address, DEVICE_ADDRESS_LEN + 1);
		c->json = json;
		c->len = strlen(json);
		c->from_outbox = 1;
		g_queue_push_tail(&b->held, c);
		b->held_bytes += c->len;
		d->outstanding++;
		reg->counters.outbox_taken++;
		relay_log(RELAY_LOG_INFO, "device %s: message %u taken from the outbox for bridge %s", d->address, id,
			  b->address);
	}
}

void outbox_device_pump(struct registry *reg, struct relay_device *d)
{
	if (!registry_device_session(d) || !d->ready)
		return;
	device_take(reg, d);
	outbox_bridge_pump(reg, d->bridge);
}

void outbox_device_offline(struct registry *reg, struct relay_device *d)
{
	struct relay_bridge *b = d->bridge;
	GList *l, *next;
	uint32_t oldest = 0;

	if (!b)
		return;
	for (l = b->held.head; l; l = next) {
		struct relay_command *c = l->data;

		next = l->next;
		/* a control "deliver" is not in the database: it stays, as it was asked for */
		if (!c->from_outbox || strcmp(c->device, d->address) != 0)
			continue;
		if (!oldest || c->command_id < oldest)
			oldest = c->command_id;
		command_release(reg, c);
		b->held_bytes -= c->len;
		g_queue_delete_link(&b->held, l);
		outbox_command_free(c);
	}
	/* commands not written are still queued in the database: read them again from the oldest */
	if (oldest && oldest - 1 < d->taken_after)
		d->taken_after = oldest - 1;
	bridge_arm(reg, b);
}

/*
 * An outbox command is finished without a final answer: a confirming bridge
 * gets it again while resends remain, else it fails; a bridge that never
 * confirmed just frees its slot (the message stays sent).
 */
static void slot_expired(struct registry *reg, struct relay_bridge *b, struct relay_command *c)
{
	if (b->confirms && c->from_outbox && c->attempts <= reg->cfg.resends) {
		reg->counters.commands_resent++;
		relay_log(RELAY_LOG_INFO, "device %s: bridge %s did not answer command %u in %g s: sending it again "
			  "(%u of %u)", c->device, b->address, c->command_id, reg->cfg.message_timeout, c->attempts,
			  reg->cfg.resends);
		c->not_before = 0;
		g_queue_push_head(&b->held, c);
		b->held_bytes += c->len;
		return;
	}
	reg->counters.commands_expired++;
	if (b->confirms && c->from_outbox) {
		reg->counters.commands_unanswered++;
		relay_log(RELAY_LOG_WARN, "device %s: bridge %s never answered command %u (%u attempts): failed",
			  c->device, b->address, c->command_id, c->attempts);
		registry_store_message(reg, PENDING_FAILED, c->device, b->address, c->command_id, 0);
	} else if (b->confirms) {
		relay_log(RELAY_LOG_INFO, "device %s: command %u unanswered for %g s (bridge %s): its slot is free",
			  c->device, c->command_id, reg->cfg.message_timeout, b->address);
	}
	command_release(reg, c);
	outbox_command_free(c);
}

/* The bridge's timer: commands whose slot time is up are resent or released; waiting ones go out. */
static void bridge_timer_fired(void *arg)
{
	struct relay_bridge *b = arg;
	struct registry *reg = b->reg;
	double t = registry_now(reg);
	GPtrArray *released = g_ptr_array_new();
	guint i = 0;

	while (b->in_flight && i < b->in_flight->len) {
		struct relay_command *c = g_ptr_array_index(b->in_flight, i);

		if (c->sent_at + slot_time(reg, b) > t + 0.001) {
			i++;
			continue;
		}
		g_ptr_array_remove_index(b->in_flight, i);
		g_ptr_array_add(released, g_strdup(c->device));
		slot_expired(reg, b, c);
	}
	/* devices whose slot is free may have more queued */
	for (i = 0; i < released->len; i++) {
		struct relay_device *d = g_hash_table_lookup(reg->devices, g_ptr_array_index(released, i));

		if (d && d->bridge == b)
			device_take(reg, d);
		g_free(g_ptr_array_index(released, i));
	}
	g_ptr_array_free(released, TRUE);
	outbox_bridge_pump(reg, b);
}

/* The bridge answered a DeviceCommand: from now on (and after restarts) it is one that confirms. */
static void bridge_confirmed(struct registry *reg, struct relay_bridge *b)
{
	if (b->confirms)
		return;
	b->confirms = 1;
	relay_log(RELAY_LOG_INFO, "bridge %s answers commands: one unanswered command per printer from now on",
		  b->address);
	registry_store_message(reg, PENDING_CONFIRMS, NULL, b->address, 0, 0);
}

void outbox_response(struct registry *reg, struct relay_bridge *b, const char *device, uint32_t command_id,
		     long code)
{
	struct relay_command *c = NULL;
	struct relay_device *d;
	int i;

	bridge_confirmed(reg, b);
	i = in_flight_find(b, command_id, device);
	if (i >= 0)
		c = g_ptr_array_remove_index(b->in_flight, (guint)i);
	if (c && (code == RETURN_QUEUE_FULL || code == RETURN_BUSY) && c->resends < reg->cfg.busy_retries) {
		double delay = reg->cfg.busy_backoff * ldexp(1.0, (int)c->resends);

		c->resends++;
		c->attempts--; /* a refused write is not an attempt the printer saw */
		c->not_before = registry_now(reg) + delay;
		g_queue_push_head(&b->held, c);
		b->held_bytes += c->len;
		reg->counters.commands_requeued++;
		relay_log(RELAY_LOG_INFO, "device %s: bridge %s cannot take command %u now (%s): sending it again in %g s "
			  "(resend %u of %u)", c->device, b->address, command_id, return_code_name(code), delay, c->resends,
			  reg->cfg.busy_retries);
		outbox_bridge_pump(reg, b);
		return;
	}
	if (c && (code == RETURN_QUEUE_FULL || code == RETURN_BUSY)) {
		reg->counters.commands_gave_up++;
		relay_log(RELAY_LOG_WARN, "device %s: bridge %s still cannot take command %u after %u resends: failed",
			  c->device, b->address, command_id, c->resends);
	}
	if (code == 0)
		reg->counters.responses_delivered++;
	else
		reg->counters.responses_failed++;
	registry_store_message(reg, PENDING_ANSWERED, device && device[0] ? device : (c ? c->device : NULL), b->address,
			       command_id, code);
	if (!c) {
		outbox_bridge_pump(reg, b);
		return;
	}
	d = command_device(reg, c);
	command_release(reg, c);
	outbox_command_free(c);
	if (d && d->bridge == b)
		device_take(reg, d);
	outbox_bridge_pump(reg, b);
}

void outbox_printed(struct registry *reg, struct relay_device *d, uint32_t print_id)
{
	struct relay_bridge *b = d->bridge;
	int i = b ? in_flight_find(b, print_id, d->address) : -1;

	registry_store_message(reg, PENDING_PRINTED, d->address, NULL, print_id, 0);
	if (i < 0)
		return;
	/* it printed: whatever the bridge answers or leaves out, its slot is free */
	{
		struct relay_command *c = g_ptr_array_remove_index(b->in_flight, (guint)i);

		command_release(reg, c);
		outbox_command_free(c);
	}
	device_take(reg, d);
	outbox_bridge_pump(reg, b);
}

void outbox_sweep(struct registry *reg)
{
	struct sirius_error err = { "" };
	int expired = 0, deleted = 0, rc;

	/*
	 * Skipped while writes wait for the database's lock: it would only wait
	 * for it too. The queued writes first: a message marked sent this turn
	 * must not expire as queued, a printer seen must not be forgotten.
	 */
	if (registry_store_blocked(reg) || registry_store_first(reg, &err) != 0)
		return;
	rc = reg->store.outbox_sweep(reg->store.ctx, registry_now(reg), reg->cfg.queue_lifetime, reg->cfg.keep_messages,
				     reg->cfg.keep_age, &expired, &deleted, &err);
	if (rc == RELAY_STORE_BUSY) {
		reg->counters.store_busy++;
		relay_log(RELAY_LOG_WARN, "database locked: outbox housekeeping later (%s)", err.message);
	} else if (rc < 0) {
		reg->counters.store_errors++;
		relay_log(RELAY_LOG_ERROR, "database: outbox housekeeping: %s", err.message);
	} else {
		int swept = 0;

		rc = reg->store.printers_sweep(reg->store.ctx, registry_now(reg), reg->cfg.unclaimed_lifetime, &swept, &err);
		if (rc < 0) {
			reg->counters.store_errors += rc != RELAY_STORE_BUSY;
			reg->counters.store_busy += rc == RELAY_STORE_BUSY;
			relay_log(RELAY_LOG_WARN, "database: forgetting never-claimed printers: %s", err.message);
		}
		reg->counters.printers_swept += (uint64_t)swept;
		if (swept > 0)
			relay_log(RELAY_LOG_INFO, "%d never-claimed printer(s) silent for long forgotten", swept);
		reg->counters.messages_expired += (uint64_t)expired;
		reg->counters.messages_deleted += (uint64_t)deleted;
		if (expired > 0)
			relay_log(RELAY_LOG_INFO, "%d queued message(s) expired", expired);
		if (deleted > 0)
			relay_log(RELAY_LOG_DEBUG, "%d old message(s) deleted", deleted);
	}
	outbox_retry_reads(reg);
}

void outbox_retry_reads(struct registry *reg)
{
	GHashTableIter it;
	gpointer value;

	g_hash_table_iter_init(&it, reg->devices);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		struct relay_device *d = value;

		if (d->pull_failed)
			outbox_device_pump(reg, d);
	}
}

int registry_wake(struct registry *reg, const char *device, uint32_t message_id, enum registry_wake *outcome,
		  struct sirius_error *err)
{
	struct relay_device *d;

	if (!device_address_valid(device))
		return error_set(err, "invalid device address");
	reg->counters.wakes++;
	d = g_hash_table_lookup(reg->devices, device);
	if (!registry_device_session(d)) {
		*outcome = REGISTRY_WAKE_OFFLINE;
		return 0;
	}
	outbox_device_pump(reg, d);
	*outcome = message_id && d->ready && message_id <= d->taken_after ? REGISTRY_WAKE_SENT : REGISTRY_WAKE_QUEUED;
	return 0;
}

const char *registry_wake_name(enum registry_wake outcome)
{
	switch (outcome) {
	case REGISTRY_WAKE_SENT:
		return "sent";
	case REGISTRY_WAKE_QUEUED:
		return "queued";
	case REGISTRY_WAKE_OFFLINE:
		return "offline";
	}
	return "unknown";
}

int registry_cancel(struct registry *reg, uint32_t message_id)
{
	GHashTableIter it;
	gpointer value;

	g_hash_table_iter_init(&it, reg->bridges);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		struct relay_bridge *b = value;
		GList *l;

		for (l = b->held.head; l; l = l->next) {
			struct relay_command *c = l->data;
			struct relay_device *d;

			if (c->command_id != message_id || !c->from_outbox || c->attempts > 0)
				continue;
			g_queue_delete_link(&b->held, l);
			b->held_bytes -= c->len;
			d = command_device(reg, c);
			command_release(reg, c);
			outbox_command_free(c);
			reg->counters.outbox_cancelled++;
			relay_log(RELAY_LOG_INFO, "message %u cancelled by its owner before it was sent", message_id);
			if (d && d->bridge == b)
				device_take(reg, d);
			outbox_bridge_pump(reg, b);
			return 1;
		}
	}
	return 0;
}

int registry_deliver(struct registry *reg, const char *device, uint32_t command_id, const char *payload,
		     enum registry_delivery *outcome, struct sirius_error *err)
{
	struct relay_device *d;
	struct relay_bridge *b;
	struct relay_command *c;
	char *json;
	size_t len, json_len;

	if (!device_address_valid(device))
		return error_set(err, "invalid device address");
	if (command_id == 0)
		return error_set(err, "command_id must not be 0");
	if (!payload || !(len = strnlen(payload, RELAY_MAX_PAYLOAD_BASE64 + 1)) || len > RELAY_MAX_PAYLOAD_BASE64)
		return error_set(err, "the payload must be 1 to %d characters of base64", RELAY_MAX_PAYLOAD_BASE64);
	d = g_hash_table_lookup(reg->devices, device);
	if (!registry_device_session(d)) {
		reg->counters.deliveries_offline++;
		relay_log(RELAY_LOG_INFO, "device %s: message %u not sent, the device is offline", device, command_id);
		*outcome = REGISTRY_OFFLINE;
		return 0;
	}
	b = d->bridge;
	json = bridge_command_device_json(b->address, device, command_id, payload);
	if (!json)
		return error_set(err, "the payload is not canonical base64");
	json_len = strlen(json);
	if (outbox_queue_full(reg, b, json_len)) {
		free(json);
		reg->counters.queue_full++;
		error_set(err, "the outgoing queue of bridge %s is full", b->address);
		relay_log(RELAY_LOG_WARN, "device %s: message %u not sent: %s", device, command_id, err ? err->message : "");
		return -1;
	}
	c = g_new0(struct relay_command, 1);
	c->command_id = command_id;
	memcpy(c->device, device, DEVICE_ADDRESS_LEN + 1);
	c->json = json;
	c->len = json_len;
	g_queue_push_tail(&b->held, c);
	b->held_bytes += json_len;
	reg->counters.deliveries_sent++;
	relay_log(RELAY_LOG_INFO, "device %s: message %u queued for bridge %s (%zu bytes of base64, %zu in flight)",
		  device, command_id, b->address, len, outbox_in_flight(b));
	outbox_bridge_pump(reg, b);
	*outcome = REGISTRY_SENT;
	return 0;
}
