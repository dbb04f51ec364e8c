/* check_relay_state.c: unit tests of the relay's state machine (relay/registry.c) with a fake clock, timers and store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "base64.h"
#include "checkpointer.h"
#include "journal.h"
#include "registry.h"
#include "test_db.h"
#include "test_util.h"

#define BRIDGE "000d6f0001b0c1d2"
#define DEVICE "000d6f000273ce0a"
#define DEVICE2 "000d6f000273ce0b"
#define BRIDGE2 "000d6f0001b0c1d3"
#define KEY_B64 "AAECAwQFBgcICQoLDA0ODw=="

/* ---- the fake event loop ------------------------------------------------------ */

struct relay_timer {
	void (*fire)(void *arg); /* what expiry calls */
	void *arg;               /* its argument */
	int armed;               /* 1 while set */
	double deadline;         /* when it expires, on the fake clock */
};

static double fake_now;          /* the fake clock */
static GPtrArray *timers;        /* every live struct relay_timer * */
static GHashTable *write_wanted; /* transport -> number of want_write calls */

static double fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static void fake_want_write(void *ctx, void *transport)
{
	(void)ctx;
	g_hash_table_insert(write_wanted, transport,
			    GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(write_wanted, transport)) + 1));
}

static struct relay_timer *fake_timer_new(void *ctx, void (*fire)(void *arg), void *arg)
{
	struct relay_timer *t = g_new0(struct relay_timer, 1);

	(void)ctx;
	t->fire = fire;
	t->arg = arg;
	g_ptr_array_add(timers, t);
	return t;
}

static void fake_timer_arm(void *ctx, struct relay_timer *t, double delay)
{
	(void)ctx;
	t->armed = 1;
	t->deadline = fake_now + delay;
}

static void fake_timer_cancel(void *ctx, struct relay_timer *t)
{
	(void)ctx;
	t->armed = 0;
}

static void fake_timer_free(void *ctx, struct relay_timer *t)
{
	(void)ctx;
	if (!t)
		return;
	ck_assert(g_ptr_array_remove(timers, t));
	g_free(t);
}

/* Moves the clock forward by seconds, firing every timer that expires on the way, in order. */
static void advance(double seconds)
{
	double target = fake_now + seconds;

	for (;;) {
		struct relay_timer *next = NULL;
		guint i;

		for (i = 0; i < timers->len; i++) {
			struct relay_timer *t = g_ptr_array_index(timers, i);

			if (t->armed && t->deadline <= target && (!next || t->deadline < next->deadline))
				next = t;
		}
		if (!next)
			break;
		if (next->deadline > fake_now)
			fake_now = next->deadline;
		next->armed = 0;
		next->fire(next->arg);
	}
	fake_now = target;
}

/* ---- the fake store ------------------------------------------------------------- */

static struct registry *reg;  /* the registry under test (the fake store reads its counters) */

static GHashTable *seen;      /* device -> times printer_seen was called */
static GHashTable *touched;   /* device -> times printer_touch was called */
static GHashTable *keys;      /* device -> base64 key of claimed printers */
static GHashTable *settled;   /* command id -> return code + 1000 */
static GHashTable *settled_by; /* command id -> the device the response named, or "" (g_strdup'd) */
static GHashTable *printed;   /* command id set */
static GHashTable *sent;      /* command id -> times message_sent was called */
static GHashTable *failed;    /* command id set: failed without an answer */
static GHashTable *confirming; /* bridge address set: bridges the store knows confirm */
static GHashTable *bound;     /* device -> the bridge its printer is bound to (g_strdup'd) */
static GHashTable *moving;    /* device -> the bridge recorded as a move for its owner (g_strdup'd) */
static GPtrArray *outbox;     /* struct fake_message *, every queued message in id order */
static GString *writes;       /* every successful write, in order: "seen:D sent:N settled:N printed:N " */
static uint32_t last_id;      /* the command id sequence */
static int sweep_calls;       /* outbox_sweep calls */
static int store_fails;       /* 1: every store call fails */
static int store_locked;      /* 1: every store call meets a lock */
static int store_calls;       /* store calls made */
static int press_result;      /* what button_press returns before doing anything: 0 (it works), -1 or busy */
static int batch_begins;      /* batch_begin calls (the batching store's) */
static int batch_open;        /* 1 between batch_begin and the batch's end */
static size_t batch_mark;     /* the length of writes at batch_begin: what a rollback cuts back to */
static int begin_locked;      /* 1: batch_begin meets the lock */
static int begin_fails;       /* 1: batch_begin fails for another reason (nothing begun) */
static int commit_locked;     /* 1: batch_commit meets the lock (nothing of the batch is written) */
static int commit_fails;      /* 1: batch_commit fails (the batch's writes are lost) */
static GString *committed;    /* the writes of every committed batch, in order, each batch followed by "| " */
static guint64 pending_at_seen; /* writes queued when printer_seen was last called */
static guint64 pending_at_id;   /* writes queued when next_command_id was last called */
static guint64 pending_at_sweep; /* writes queued when outbox_sweep was last called */

/* A message in the fake outbox. */
struct fake_message {
	uint32_t id;         /* its command id */
	char device[17];     /* the printer's address */
	int queued;          /* 1 until message_sent */
};

/* What a fake store call returns before doing anything: 0 to go on, else its result. */
static int fake_gate(struct sirius_error *err)
{
	store_calls++;
	if (store_locked) {
		error_set(err, "database is locked");
		return RELAY_STORE_BUSY;
	}
	if (store_fails)
		return error_set(err, "disk I/O error");
	return 0;
}

static int fake_printer_seen(void *ctx, const char *device, double now, struct sirius_error *err)
{
	int rc = fake_gate(err);

	(void)ctx;
	(void)now;
	if (rc)
		return rc;
	pending_at_seen = registry_counters(reg)->store_pending;
	g_hash_table_insert(seen, g_strdup(device),
			    GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(seen, device)) + 1));
	g_string_append_printf(writes, "seen:%s ", device);
	return 0;
}

static int fake_printer_touch(void *ctx, const char *device, double now, struct sirius_error *err)
{
	int rc = fake_gate(err);

	(void)ctx;
	(void)now;
	if (rc)
		return rc;
	g_hash_table_insert(touched, g_strdup(device),
			    GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(touched, device)) + 1));
	return 0;
}

static int fake_printer_key(void *ctx, const char *device, char key[LINK_KEY_BASE64_SIZE], struct sirius_error *err)
{
	const char *k = g_hash_table_lookup(keys, device);
	int rc = fake_gate(err);

	(void)ctx;
	if (rc)
		return rc;
	if (!k)
		return 0;
	g_strlcpy(key, k, LINK_KEY_BASE64_SIZE);
	return 1;
}

static int fake_next_command_id(void *ctx, uint32_t *id, struct sirius_error *err)
{
	int rc = fake_gate(err);

	(void)ctx;
	if (rc)
		return rc;
	pending_at_id = registry_counters(reg)->store_pending;
	*id = ++last_id;
	return 0;
}

/* Queues a message for device in the fake outbox, as a web program would; returns its id. */
static uint32_t enqueue(const char *device)
{
	struct fake_message *m = g_new0(struct fake_message, 1);

	m->id = ++last_id;
	g_strlcpy(m->device, device, sizeof(m->device));
	m->queued = 1;
	g_ptr_array_add(outbox, m);
	return m->id;
}

static int fake_outbox_next(void *ctx, const char *device, uint32_t after_id, uint32_t *id, uint8_t **payload,
			    size_t *len, struct sirius_error *err)
{
	int rc = fake_gate(err);
	guint i;

	(void)ctx;
	if (rc)
		return rc;
	for (i = 0; i < outbox->len; i++) {
		struct fake_message *m = g_ptr_array_index(outbox, i);

		if (m->queued && m->id > after_id && strcmp(m->device, device) == 0) {
			/* a set_delivery_and_print header of 16 bytes, carrying the id, as the relay sends it */
			*payload = calloc(1, 16);
			(*payload)[0] = 1;
			(*payload)[2] = 1;
			memcpy(*payload + 4, &m->id, 4);
			*len = 16;
			*id = m->id;
			return 1;
		}
	}
	return 0;
}

static int fake_message_sent(void *ctx, uint32_t id, const char *bridge, double now, struct sirius_error *err)
{
	int rc = fake_gate(err);
	guint i;

	(void)ctx;
	(void)now;
	(void)bridge;
	if (rc)
		return rc;
	for (i = 0; i < outbox->len; i++) {
		struct fake_message *m = g_ptr_array_index(outbox, i);

		if (m->id == id)
			m->queued = 0;
	}
	g_hash_table_insert(sent, GUINT_TO_POINTER(id),
			    GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(sent, GUINT_TO_POINTER(id))) + 1));
	g_string_append_printf(writes, "sent:%u ", id);
	return 0;
}

static int fake_message_answered(void *ctx, uint32_t id, const char *bridge, const char *device, long code,
				 double now, struct sirius_error *err)
{
	int rc = fake_gate(err);

	(void)ctx;
	(void)now;
	(void)bridge;
	if (rc)
		return rc;
	g_hash_table_insert(settled, GUINT_TO_POINTER(id), GINT_TO_POINTER((int)code + 1000));
	g_hash_table_insert(settled_by, GUINT_TO_POINTER(id), g_strdup(device ? device : ""));
	g_string_append_printf(writes, "settled:%u ", id);
	return 0;
}

static int fake_message_failed(void *ctx, uint32_t id, double now, struct sirius_error *err)
{
	int rc = fake_gate(err);

	(void)ctx;
	(void)now;
	if (rc)
		return rc;
	g_hash_table_add(failed, GUINT_TO_POINTER(id));
	g_string_append_printf(writes, "failed:%u ", id);
	return 0;
}

static int fake_message_printed(void *ctx, const char *device, uint32_t id, double now, struct sirius_error *err)
{
	int rc = fake_gate(err);

	(void)ctx;
	(void)now;
	(void)device;
	if (rc)
		return rc;
	g_hash_table_add(printed, GUINT_TO_POINTER(id));
	g_string_append_printf(writes, "printed:%u ", id);
	return 0;
}

static int fake_outbox_sweep(void *ctx, double now, double lifetime, unsigned keep, double keep_age, int *expired,
			     int *deleted, struct sirius_error *err)
{
	int rc = fake_gate(err);

	(void)ctx;
	(void)now;
	(void)lifetime;
	(void)keep;
	(void)keep_age;
	*expired = 0;
	*deleted = 0;
	if (rc)
		return rc;
	pending_at_sweep = registry_counters(reg)->store_pending;
	sweep_calls++;
	return 0;
}

static int fake_bridge_confirms(void *ctx, const char *bridge, struct sirius_error *err)
{
	int rc = fake_gate(err);

	(void)ctx;
	if (rc)
		return rc;
	return g_hash_table_contains(confirming, bridge);
}

static int fake_bridge_set_confirms(void *ctx, const char *bridge, double now, struct sirius_error *err)
{
	int rc = fake_gate(err);

	(void)ctx;
	(void)now;
	if (rc)
		return rc;
	g_hash_table_add(confirming, g_strdup(bridge));
	g_string_append_printf(writes, "confirms:%s ", bridge);
	return 0;
}

static int fake_bridge_seen(void *ctx, const char *bridge, const char *ip, double now, struct sirius_error *err)
{
	int rc = fake_gate(err);

	(void)ctx;
	(void)now;
	(void)ip;
	if (rc)
		return rc;
	g_string_append_printf(writes, "bridge:%s ", bridge);
	return 0;
}

static int fake_printer_binding(void *ctx, const char *device, char bridge[17], int *claimed, struct sirius_error *err)
{
	int rc = fake_gate(err);
	const char *b = g_hash_table_lookup(bound, device);

	(void)ctx;
	bridge[0] = '\0';
	*claimed = 0;
	if (rc)
		return rc;
	if (b)
		g_strlcpy(bridge, b, 17);
	/* a claimed printer is one with a key */
	*claimed = g_hash_table_contains(keys, device);
	return 1;
}

static int fake_printer_bind(void *ctx, const char *device, const char *bridge, struct sirius_error *err)
{
	int rc = fake_gate(err);

	(void)ctx;
	if (rc)
		return rc;
	g_hash_table_insert(bound, g_strdup(device), g_strdup(bridge));
	g_hash_table_remove(moving, device);
	g_string_append_printf(writes, "bind:%s:%s ", device, bridge);
	return 0;
}

static int fake_printer_moving(void *ctx, const char *device, const char *bridge, struct sirius_error *err)
{
	int rc = fake_gate(err);

	(void)ctx;
	if (rc)
		return rc;
	g_hash_table_insert(moving, g_strdup(device), g_strdup(bridge));
	return 0;
}

static int fake_button_press(void *ctx, const char *device, int type, uint32_t id, double now,
			     struct sirius_error *err)
{
	int rc = fake_gate(err);

	(void)ctx;
	(void)now;
	if (rc)
		return rc;
	if (press_result) {
		error_set(err, press_result == RELAY_STORE_BUSY ? "database is locked" : "no presses today");
		return press_result;
	}
	g_string_append_printf(writes, "press:%s:%02x:%u ", device, type, id);
	return 0;
}

static int fake_printers_sweep(void *ctx, double now, double max_age, int *count, struct sirius_error *err)
{
	int rc = fake_gate(err);

	(void)ctx;
	(void)now;
	(void)max_age;
	*count = 0;
	return rc;
}

/* ---- fixture -------------------------------------------------------------------- */

static struct registry_config cfg;
static GHashTable *closed;    /* transports the registry asked to close */

/* Transports are just distinct pointers here. */
static int transport_a, transport_b, transport_c;

/* The batching store's begin: every write until the batch's end belongs to it. */
static int fake_batch_begin(void *ctx, struct sirius_error *err)
{
	(void)ctx;
	ck_assert(!batch_open);
	batch_begins++;
	if (begin_locked) {
		error_set(err, "database is locked");
		return RELAY_STORE_BUSY;
	}
	if (begin_fails)
		return error_set(err, "disk I/O error");
	batch_open = 1;
	batch_mark = writes->len;
	return 0;
}

/* A batch undone: the fake takes back its record of the batch's writes (what the tests compare), not its tables. */
static void fake_batch_rollback(void *ctx)
{
	(void)ctx;
	ck_assert(batch_open);
	batch_open = 0;
	g_string_truncate(writes, batch_mark);
}

static int fake_batch_commit(void *ctx, struct sirius_error *err)
{
	(void)ctx;
	ck_assert(batch_open);
	if (commit_locked || commit_fails) {
		fake_batch_rollback(ctx);
		if (commit_fails)
			return error_set(err, "disk I/O error");
		error_set(err, "database is locked");
		return RELAY_STORE_BUSY;
	}
	batch_open = 0;
	g_string_append_printf(committed, "%s| ", writes->str + batch_mark);
	return 0;
}

static void fake_close(void *ctx, void *transport)
{
	(void)ctx;
	g_hash_table_add(closed, transport);
}

static const struct relay_env env = { NULL, fake_clock, fake_want_write, fake_timer_new, fake_timer_arm,
				      fake_timer_cancel, fake_timer_free, fake_close };
static const struct relay_store store = { NULL, fake_printer_seen, fake_printer_touch, fake_printer_key,
					  fake_next_command_id, fake_outbox_next, fake_message_sent,
					  fake_message_answered, fake_message_failed, fake_message_printed,
					  fake_outbox_sweep, fake_bridge_confirms, fake_bridge_set_confirms,
					  fake_bridge_seen, fake_printer_binding, fake_printer_bind, fake_printer_moving,
					  fake_button_press, fake_printers_sweep, NULL, NULL, NULL, NULL, NULL };
static struct relay_store batch_store; /* the same with batches (set up by setup) */
static uint64_t journal_marked;        /* the newest journal line a batch recorded as done (journal_mark) */

/* The batching store's record of the journal lines done: inside the batch, as the real one. */
static int fake_journal_mark(void *ctx, uint64_t seq, struct sirius_error *err)
{
	(void)ctx;
	(void)err;
	ck_assert(batch_open);
	journal_marked = seq;
	return 0;
}

/* A database that never had a journal. */
static int fake_journal_applied(void *ctx, uint64_t *seq, struct sirius_error *err)
{
	(void)ctx;
	(void)err;
	*seq = 0;
	return 0;
}

static void setup(void)
{
	fake_now = 1700000000.0;
	timers = g_ptr_array_new();
	write_wanted = g_hash_table_new(g_direct_hash, g_direct_equal);
	closed = g_hash_table_new(g_direct_hash, g_direct_equal);
	seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	touched = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	settled = g_hash_table_new(g_direct_hash, g_direct_equal);
	settled_by = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	printed = g_hash_table_new(g_direct_hash, g_direct_equal);
	sent = g_hash_table_new(g_direct_hash, g_direct_equal);
	failed = g_hash_table_new(g_direct_hash, g_direct_equal);
	confirming = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	bound = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	moving = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	outbox = g_ptr_array_new_with_free_func(g_free);
	writes = g_string_new("");
	last_id = 100;
	sweep_calls = 0;
	store_fails = 0;
	store_locked = 0;
	store_calls = 0;
	press_result = 0;
	batch_begins = batch_open = begin_locked = begin_fails = commit_locked = commit_fails = 0;
	committed = g_string_new("");
	batch_store = store;
	batch_store.batch_begin = fake_batch_begin;
	batch_store.batch_commit = fake_batch_commit;
	batch_store.batch_rollback = fake_batch_rollback;
	registry_config_default(&cfg);
	cfg.headroom = 16;
	cfg.queue_max_messages = 4;
	cfg.log_ring = 5;
	reg = registry_new(&cfg, &env, &store);
	ck_assert_ptr_nonnull(reg);
}

/* Replaces the fixture's registry with one made with the current cfg. */
static void renew(void)
{
	registry_free(reg);
	reg = registry_new(&cfg, &env, &store);
	ck_assert_ptr_nonnull(reg);
}

/* Replaces the fixture's registry with one made with the current cfg over the batching store. */
static void renew_batching(void)
{
	registry_free(reg);
	reg = registry_new(&cfg, &env, &batch_store);
	ck_assert_ptr_nonnull(reg);
}

static void teardown(void)
{
	registry_free(reg);
	ck_assert_uint_eq(timers->len, 0);
	g_ptr_array_free(timers, TRUE);
	g_hash_table_destroy(write_wanted);
	g_hash_table_destroy(closed);
	g_hash_table_destroy(seen);
	g_hash_table_destroy(touched);
	g_hash_table_destroy(keys);
	g_hash_table_destroy(settled);
	g_hash_table_destroy(settled_by);
	g_hash_table_destroy(printed);
	g_hash_table_destroy(sent);
	g_hash_table_destroy(failed);
	g_hash_table_destroy(confirming);
	g_hash_table_destroy(bound);
	g_hash_table_destroy(moving);
	g_ptr_array_free(outbox, TRUE);
	g_string_free(writes, TRUE);
	g_string_free(committed, TRUE);
}

/* ---- building bridge messages ------------------------------------------------------ */

/* Feeds a cJSON message (consumed) to a session; returns what registry_session_receive returned. */
static int feed(struct relay_session *s, cJSON *msg)
{
	char *text = cJSON_PrintUnformatted(msg);
	int rc;

	ck_assert_ptr_nonnull(text);
	rc = registry_session_receive(reg, s, text, strlen(text));
	free(text);
	cJSON_Delete(msg);
	return rc;
}

static cJSON *message(const char *type, const char *bridge)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "bridge_address", bridge);
	cJSON_AddNumberToObject(o, "timestamp", fake_now);
	return o;
}

static cJSON *bridge_event(const char *bridge, const char *name, const char *device)
{
	cJSON *o = message("BridgeEvent", bridge);
	cJSON *p = cJSON_AddObjectToObject(o, "json_payload");

	cJSON_AddStringToObject(p, "name", name);
	if (device)
		cJSON_AddStringToObject(p, "device_address", device);
	if (strcmp(name, "power_on") == 0) {
		cJSON_AddStringToObject(p, "model", "A");
		cJSON_AddStringToObject(p, "firmware_version", "v2.3.1-f3c7946");
		cJSON_AddStringToObject(p, "local_ip_address", "192.168.1.98");
	}
	return o;
}

/* A DeviceEvent with code, command id 0 and len payload bytes. */
static cJSON *device_event(const char *bridge, const char *device, uint16_t code, const uint8_t *payload, size_t len)
{
	uint8_t buf[128];
	char *b64;
	cJSON *o = message("DeviceEvent", bridge);
	int rssi[3] = { -60, -61, -62 };

	ck_assert_uint_le(len + 10, sizeof(buf));
	memset(buf, 0, 10);
	buf[0] = (uint8_t)(code & 0xff);
	buf[1] = (uint8_t)(code >> 8);
	buf[6] = (uint8_t)(len & 0xff);
	buf[7] = (uint8_t)(len >> 8);
	memcpy(buf + 10, payload, len);
	b64 = base64_encode_alloc(buf, len + 10);
	cJSON_AddStringToObject(o, "device_address", device);
	cJSON_AddStringToObject(o, "binary_payload", b64);
	cJSON_AddItemToObject(o, "rssi_stats", cJSON_CreateIntArray(rssi, 3));
	free(b64);
	return o;
}

static cJSON *heartbeat(const char *bridge, const char *device)
{
	static const uint8_t uptime[4] = { 10, 0, 0, 0 };

	return device_event(bridge, device, 0x0001, uptime, sizeof(uptime));
}

static cJSON *did_print(const char *bridge, const char *device, uint8_t type, uint32_t id)
{
	uint8_t p[5] = { type, (uint8_t)id, (uint8_t)(id >> 8), (uint8_t)(id >> 16), (uint8_t)(id >> 24) };

	return device_event(bridge, device, 0x0002, p, sizeof(p));
}

static cJSON *device_response(const char *bridge, const char *device, uint32_t id, int code)
{
	cJSON *o = message("DeviceCommandResponse", bridge);

	cJSON_AddStringToObject(o, "device_address", device);
	cJSON_AddNumberToObject(o, "command_id", id);
	cJSON_AddNumberToObject(o, "return_code", code);
	cJSON_AddNumberToObject(o, "transfer_time", 1.5);
	return o;
}

/* Takes the next queued message of a session, parsed (NULL when none); checks the headroom is there. */
static cJSON *take(struct relay_session *s)
{
	size_t len;
	const char *text = registry_session_peek(s, &len);
	cJSON *o;

	if (!text)
		return NULL;
	ck_assert_uint_eq(strlen(text), len);
	o = cJSON_ParseWithLength(text, len);
	ck_assert_ptr_nonnull(o);
	registry_session_pop(reg, s);
	return o;
}

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, name);

	ck_assert_msg(cJSON_IsString(item), "no string %s", name);
	return item->valuestring;
}

static double num(const cJSON *o, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, name);

	ck_assert_msg(cJSON_IsNumber(item), "no number %s", name);
	return item->valuedouble;
}

/* A bridge connected with power_on on a new session over transport. */
static struct relay_session *connect_bridge(void *transport, const char *bridge)
{
	struct relay_session *s = registry_session_open(reg, transport, "192.0.2.1");

	ck_assert_int_eq(feed(s, bridge_event(bridge, "power_on", NULL)), 0);
	return s;
}

/* ---- tests ---------------------------------------------------------------------- */

START_TEST(test_power_on_and_device_online)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);
	cJSON *st;

	ck_assert_str_eq(registry_session_address(s), BRIDGE);
	ck_assert_uint_eq(registry_counters(reg)->bridges_online, 1);
	ck_assert(!registry_device_online(reg, DEVICE));
	feed(s, bridge_event(BRIDGE, "device_connect", DEVICE));
	ck_assert(registry_device_online(reg, DEVICE));
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(seen, DEVICE)), 1);
	st = registry_device_json(reg, DEVICE);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(st, "online")));
	ck_assert_str_eq(str(st, "bridge"), BRIDGE);
	ck_assert(num(st, "last_seen") == fake_now);
	cJSON_Delete(st);
	/* an unknown device is offline and never seen */
	st = registry_device_json(reg, DEVICE2);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(st, "online")));
	ck_assert_str_eq(str(st, "bridge"), "");
	ck_assert(num(st, "last_seen") == 0);
	cJSON_Delete(st);
	/* heartbeats keep it online without recording it again */
	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(seen, DEVICE)), 1);
	registry_session_close(reg, s);
	ck_assert(!registry_device_online(reg, DEVICE));
	ck_assert_uint_eq(registry_counters(reg)->bridges_online, 0);
	ck_assert_uint_eq(registry_counters(reg)->devices_online, 0);
}
END_TEST

START_TEST(test_device_timeout)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);

	feed(s, heartbeat(BRIDGE, DEVICE));
	advance(50);
	ck_assert(registry_device_online(reg, DEVICE));
	feed(s, heartbeat(BRIDGE, DEVICE));
	advance(15); /* 65 s after the first, 15 after the last */
	ck_assert(registry_device_online(reg, DEVICE));
	advance(44);
	ck_assert(registry_device_online(reg, DEVICE));
	advance(1.5);
	ck_assert(!registry_device_online(reg, DEVICE));
	ck_assert_uint_eq(registry_counters(reg)->devices_timed_out, 1);
	/* it comes back with its next report and is recorded again (last_seen) */
	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert(registry_device_online(reg, DEVICE));
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(seen, DEVICE)), 2);
	registry_session_close(reg, s);
}
END_TEST

START_TEST(test_device_disconnect_and_two_devices)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);

	feed(s, bridge_event(BRIDGE, "device_connect", DEVICE));
	feed(s, heartbeat(BRIDGE, DEVICE2));
	ck_assert(registry_device_online(reg, DEVICE));
	ck_assert(registry_device_online(reg, DEVICE2));
	feed(s, bridge_event(BRIDGE, "device_disconnect", DEVICE));
	ck_assert(!registry_device_online(reg, DEVICE));
	ck_assert(registry_device_online(reg, DEVICE2));
	ck_assert_uint_eq(registry_counters(reg)->devices_online, 1);
	registry_session_close(reg, s);
	ck_assert(!registry_device_online(reg, DEVICE2));
}
END_TEST

START_TEST(test_newest_socket_wins)
{
	struct relay_session *a = connect_bridge(&transport_a, BRIDGE);
	struct relay_session *b;
	enum registry_delivery outcome;
	cJSON *cmd;

	feed(a, heartbeat(BRIDGE, DEVICE));
	/* the bridge reconnects; its first message on the new socket is not power_on */
	b = registry_session_open(reg, &transport_b, "192.0.2.1");
	feed(b, heartbeat(BRIDGE, DEVICE));
	ck_assert_str_eq(registry_session_address(b), BRIDGE);
	ck_assert_uint_eq(registry_counters(reg)->takeovers, 1);
	ck_assert_uint_eq(registry_counters(reg)->bridges_online, 1);
	/* the old socket closing harms nothing */
	registry_session_close(reg, a);
	ck_assert(registry_device_online(reg, DEVICE));
	ck_assert_uint_eq(registry_counters(reg)->bridges_online, 1);
	/* deliveries go to the new socket */
	ck_assert_int_eq(registry_deliver(reg, DEVICE, 7, "AQIDBA==", &outcome, NULL), 0);
	ck_assert_int_eq(outcome, REGISTRY_SENT);
	cmd = take(b);
	ck_assert_ptr_nonnull(cmd);
	ck_assert_str_eq(str(cmd, "type"), "DeviceCommand");
	cJSON_Delete(cmd);
	/* power_on on the new socket is acted on; a second one is a replay */
	feed(b, bridge_event(BRIDGE, "power_on", NULL));
	feed(b, bridge_event(BRIDGE, "power_on", NULL));
	ck_assert_uint_eq(registry_counters(reg)->power_on_replays, 1);
	registry_session_close(reg, b);
	ck_assert(!registry_device_online(reg, DEVICE));
	ck_assert_uint_eq(registry_counters(reg)->bridges_online, 0);
}
END_TEST

START_TEST(test_unsent_commands_move_to_the_new_socket)
{
	struct relay_session *a = connect_bridge(&transport_a, BRIDGE);
	struct relay_session *b;
	enum registry_delivery outcome;
	cJSON *cmd;

	feed(a, heartbeat(BRIDGE, DEVICE));
	ck_assert_int_eq(registry_deliver(reg, DEVICE, 9, "AQIDBA==", &outcome, NULL), 0);
	b = connect_bridge(&transport_b, BRIDGE);
	ck_assert_ptr_null(take(a));
	cmd = take(b);
	ck_assert_ptr_nonnull(cmd);
	ck_assert(num(cmd, "command_id") == 9);
	cJSON_Delete(cmd);
	ck_assert_int_gt(GPOINTER_TO_INT(g_hash_table_lookup(write_wanted, &transport_b)), 0);
	registry_session_close(reg, b);
	registry_session_close(reg, a);
}
END_TEST

START_TEST(test_key_for_claimed_printer)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);
	const cJSON *params;
	cJSON *cmd;

	g_hash_table_insert(keys, g_strdup(DEVICE), g_strdup(KEY_B64));
	feed(s, bridge_event(BRIDGE, "encryption_key_required", DEVICE));
	ck_assert(registry_device_online(reg, DEVICE));
	cmd = take(s);
	ck_assert_ptr_nonnull(cmd);
	ck_assert_str_eq(str(cmd, "type"), "BridgeCommand");
	ck_assert_str_eq(str(cmd, "bridge_address"), BRIDGE);
	ck_assert(num(cmd, "command_id") == 101);
	params = cJSON_GetObjectItem(cJSON_GetObjectItem(cmd, "json_payload"), "params");
	ck_assert_str_eq(str(cJSON_GetObjectItem(cmd, "json_payload"), "name"), "add_device_encryption_key");
	ck_assert_str_eq(str(params, "device_address"), DEVICE);
	ck_assert_str_eq(str(params, "encryption_key"), KEY_B64);
	cJSON_Delete(cmd);
	ck_assert_ptr_null(take(s));
	ck_assert_uint_eq(registry_counters(reg)->keys_sent, 1);
	registry_session_close(reg, s);
}
END_TEST

START_TEST(test_no_key_for_unclaimed_printer)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);
	enum registry_delivery outcome;

	feed(s, bridge_event(BRIDGE, "encryption_key_required", DEVICE));
	ck_assert_ptr_null(take(s));
	ck_assert_uint_eq(registry_counters(reg)->keys_unclaimed, 1);
	ck_assert_int_eq(registry_push_key(reg, DEVICE, &outcome, NULL), 0);
	ck_assert_int_eq(outcome, REGISTRY_UNCLAIMED);
	/* claimed now: push_key sends it */
	g_hash_table_insert(keys, g_strdup(DEVICE), g_strdup(KEY_B64));
	ck_assert_int_eq(registry_push_key(reg, DEVICE, &outcome, NULL), 0);
	ck_assert_int_eq(outcome, REGISTRY_SENT);
	cJSON_Delete(take(s));
	/* a claimed printer that is not online */
	g_hash_table_insert(keys, g_strdup(DEVICE2), g_strdup(KEY_B64));
	ck_assert_int_eq(registry_push_key(reg, DEVICE2, &outcome, NULL), 0);
	ck_assert_int_eq(outcome, REGISTRY_OFFLINE);
	registry_session_close(reg, s);
}
END_TEST

START_TEST(test_deliver_and_settle)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);
	struct sirius_error err = { "" };
	enum registry_delivery outcome;
	size_t len;
	const char *text;
	cJSON *cmd;

	ck_assert_int_eq(registry_deliver(reg, DEVICE, 5, "AQIDBA==", &outcome, &err), 0);
	ck_assert_int_eq(outcome, REGISTRY_OFFLINE);
	ck_assert_uint_eq(registry_counters(reg)->deliveries_offline, 1);
	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert_int_eq(registry_deliver(reg, DEVICE, 5, "AQIDBA==", &outcome, &err), 0);
	ck_assert_int_eq(outcome, REGISTRY_SENT);
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(write_wanted, &transport_a)), 1);
	text = registry_session_peek(s, &len);
	ck_assert_ptr_nonnull(text);
	/* marked sent once it is written to the socket, not before */
	ck_assert(!g_hash_table_contains(sent, GUINT_TO_POINTER(5)));
	cmd = take(s);
	ck_assert(g_hash_table_contains(sent, GUINT_TO_POINTER(5)));
	ck_assert_str_eq(str(cmd, "type"), "DeviceCommand");
	ck_assert_str_eq(str(cmd, "device_address"), DEVICE);
	ck_assert_str_eq(str(cmd, "binary_payload"), "AQIDBA==");
	ck_assert(num(cmd, "command_id") == 5);
	cJSON_Delete(cmd);
	/* the response settles it; a failure keeps its code */
	feed(s, device_response(BRIDGE, DEVICE, 5, 0));
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(settled, GUINT_TO_POINTER(5))), 1000);
	feed(s, device_response(BRIDGE, DEVICE, 6, 0xe0));
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(settled, GUINT_TO_POINTER(6))), 1000 + 0xe0);
	ck_assert_uint_eq(registry_counters(reg)->responses_failed, 1);
	/* did_print of a delivery marks it printed; a button press does not */
	feed(s, did_print(BRIDGE, DEVICE, 0x01, 5));
	feed(s, did_print(BRIDGE, DEVICE, 0x10, 77));
	ck_assert(g_hash_table_contains(printed, GUINT_TO_POINTER(5)));
	ck_assert(!g_hash_table_contains(printed, GUINT_TO_POINTER(77)));
	registry_session_close(reg, s);
}
END_TEST

START_TEST(test_deliver_refusals)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);
	struct sirius_error err = { "" };
	enum registry_delivery outcome;
	uint32_t id;

	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert_int_eq(registry_deliver(reg, "NOTANADDRESS", 1, "AQIDBA==", &outcome, &err), -1);
	ck_assert_int_eq(registry_deliver(reg, DEVICE, 0, "AQIDBA==", &outcome, &err), -1);
	ck_assert_int_eq(registry_deliver(reg, DEVICE, 1, "", &outcome, &err), -1);
	ck_assert_int_eq(registry_deliver(reg, DEVICE, 1, "not base64!", &outcome, &err), -1);
	ck_assert_ptr_null(registry_session_peek(s, &(size_t){ 0 }));
	/* the queue holds queue_max_messages, then refuses */
	for (id = 1; id <= cfg.queue_max_messages; id++)
		ck_assert_int_eq(registry_deliver(reg, DEVICE, id, "AQIDBA==", &outcome, &err), 0);
	ck_assert_int_eq(registry_deliver(reg, DEVICE, id, "AQIDBA==", &outcome, &err), -1);
	ck_assert(strstr(err.message, "full") != NULL);
	ck_assert_uint_eq(registry_counters(reg)->queue_full, 1);
	/* draining makes room again */
	cJSON_Delete(take(s));
	ck_assert_int_eq(registry_deliver(reg, DEVICE, id, "AQIDBA==", &outcome, &err), 0);
	registry_session_close(reg, s);
}
END_TEST

START_TEST(test_bad_traffic_is_counted_not_fatal)
{
	struct relay_session *s = registry_session_open(reg, &transport_a, "192.0.2.1");
	static const char *const junk[] = { "", "{", "[]", "null", "{\"type\":\"BridgeEvent\"}", "\xff\xfe", "{}}" };
	size_t i;
	cJSON *o;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		ck_assert_int_eq(registry_session_receive(reg, s, junk[i], strlen(junk[i])), 0);
	ck_assert_str_eq(registry_session_address(s), "");
	ck_assert_uint_eq(registry_counters(reg)->no_address, sizeof(junk) / sizeof(junk[0]));
	feed(s, bridge_event(BRIDGE, "power_on", NULL));
	ck_assert_str_eq(registry_session_address(s), BRIDGE);
	/* unknown type, unknown event name, malformed payload, another bridge's address */
	feed(s, message("SomethingNew", BRIDGE));
	feed(s, bridge_event(BRIDGE, "self_destruct", NULL));
	o = heartbeat(BRIDGE, DEVICE);
	cJSON_ReplaceItemInObject(o, "binary_payload", cJSON_CreateString("AAAA"));
	feed(s, o);
	feed(s, heartbeat("00000000000000ff", DEVICE));
	ck_assert_uint_eq(registry_counters(reg)->unknown, 2);
	ck_assert_uint_eq(registry_counters(reg)->malformed, sizeof(junk) / sizeof(junk[0]) + 1);
	ck_assert_uint_eq(registry_counters(reg)->foreign_address, 1);
	ck_assert(!registry_device_online(reg, DEVICE));
	registry_session_close(reg, s);
}
END_TEST

START_TEST(test_log_ring_is_bounded)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);
	struct sirius_error err = { "" };
	cJSON *msg, *records, *logs;
	int i;

	for (i = 0; i < 8; i++) {
		cJSON *r = cJSON_CreateObject();
		char text[32];

		msg = message("BridgeLog", BRIDGE);
		records = cJSON_AddArrayToObject(msg, "records");
		snprintf(text, sizeof(text), "record %d", i);
		cJSON_AddStringToObject(r, "name", "cloud.socket");
		cJSON_AddStringToObject(r, "levelname", "INFO");
		cJSON_AddNumberToObject(r, "levelno", 20);
		cJSON_AddNumberToObject(r, "created", fake_now);
		cJSON_AddStringToObject(r, "message", text);
		cJSON_AddItemToArray(records, r);
		feed(s, msg);
	}
	logs = registry_logs_json(reg, BRIDGE, &err);
	ck_assert_ptr_nonnull(logs);
	ck_assert_int_eq(cJSON_GetArraySize(logs), (int)cfg.log_ring);
	ck_assert_str_eq(str(cJSON_GetArrayItem(logs, 0), "message"), "record 3");
	ck_assert_str_eq(str(cJSON_GetArrayItem(logs, 4), "message"), "record 7");
	cJSON_Delete(logs);
	ck_assert_ptr_null(registry_logs_json(reg, DEVICE2, &err));
	registry_session_close(reg, s);
	/* the ring outlives the socket */
	logs = registry_logs_json(reg, BRIDGE, &err);
	ck_assert_ptr_nonnull(logs);
	cJSON_Delete(logs);
}
END_TEST

START_TEST(test_sweep_and_store_errors)
{
	struct relay_session *s;
	enum registry_delivery outcome;
	struct sirius_error err = { "" };

	advance(0);
	ck_assert_int_eq(sweep_calls, 1);
	advance(cfg.sweep_interval * 3);
	ck_assert_int_eq(sweep_calls, 4);
	/* a failing database is logged and counted, and the device still goes online */
	s = connect_bridge(&transport_a, BRIDGE);
	store_fails = 1;
	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert(registry_device_online(reg, DEVICE));
	ck_assert_uint_ge(registry_counters(reg)->store_errors, 1);
	ck_assert_int_eq(registry_push_key(reg, DEVICE, &outcome, &err), -1);
	store_fails = 0;
	/* recorded on its next report once the database is back */
	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(seen, DEVICE)), 1);
	registry_session_close(reg, s);
}
END_TEST

START_TEST(test_lists_and_counters)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);
	cJSON *bridges, *devices, *counters, *b;

	feed(s, heartbeat(BRIDGE, DEVICE2));
	feed(s, heartbeat(BRIDGE, DEVICE));
	bridges = registry_bridges_json(reg);
	ck_assert_int_eq(cJSON_GetArraySize(bridges), 1);
	b = cJSON_GetArrayItem(bridges, 0);
	ck_assert_str_eq(str(b, "address"), BRIDGE);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(b, "online")));
	ck_assert_str_eq(str(b, "firmware_version"), "v2.3.1-f3c7946");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(b, "devices")), 2);
	devices = registry_devices_json(reg);
	ck_assert_int_eq(cJSON_GetArraySize(devices), 2);
	ck_assert_str_eq(str(cJSON_GetArrayItem(devices, 0), "address"), DEVICE);
	counters = registry_counters_json(reg);
	ck_assert(num(counters, "devices_online") == 2);
	ck_assert(num(cJSON_GetObjectItem(counters, "by_kind"), "heartbeat") == 2);
	cJSON_Delete(bridges);
	cJSON_Delete(devices);
	cJSON_Delete(counters);
	registry_session_close(reg, s);
}
END_TEST

/* The counters report the checkpointer's counts while one is set, and only then. */
START_TEST(test_counters_with_a_checkpointer)
{
	struct sirius_error err = { "" };
	struct checkpointer_counts n;
	struct checkpointer *cp;
	struct test_db tmp;
	sqlite3 *writer;
	gint64 until;
	cJSON *counters;

	counters = registry_counters_json(reg);
	ck_assert_ptr_null(cJSON_GetObjectItem(counters, "checkpoints"));
	cJSON_Delete(counters);
	test_db_open(&tmp, "sirius-state-ckpt");
	/* a few hundred log frames (another connection's, which never checkpoints), then a log of 10 restarts */
	ck_assert_int_eq(sqlite3_open(tmp.path, &writer), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(writer,
				      "PRAGMA wal_autocheckpoint = 0; CREATE TABLE filler (data BLOB); WITH RECURSIVE n(i) AS"
				      " (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) INSERT INTO filler"
				      " SELECT randomblob(3000) FROM n",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(writer);
	cp = checkpointer_start(tmp.path, 1, 10, &err);
	ck_assert_msg(cp != NULL, "%s", err.message);
	registry_set_checkpointer(reg, cp);
	/* nothing is written after: once the log has started over, the counts stay as they are */
	until = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;
	do {
		ck_assert_msg(g_get_monotonic_time() < until, "the checkpointer never restarted the log");
		g_usleep(1000);
		checkpointer_counts(cp, &n);
	} while (n.restarts == 0);
	counters = registry_counters_json(reg);
	ck_assert(num(counters, "checkpoints") == (double)n.checkpoints);
	ck_assert(num(counters, "checkpoint_frames") == (double)n.frames);
	ck_assert(num(counters, "checkpoint_restarts") == (double)n.restarts);
	ck_assert(num(counters, "checkpoint_failures") == (double)n.failures);
	/* figures that differ, so that the frames are not reported as the checkpoints or the other way round */
	ck_assert_uint_gt(n.frames, n.checkpoints);
	ck_assert_uint_eq(n.failures, 0);
	ck_assert(num(counters, "devices_online") == 0);
	cJSON_Delete(counters);
	registry_set_checkpointer(reg, NULL);
	checkpointer_stop(cp);
	counters = registry_counters_json(reg);
	ck_assert_ptr_null(cJSON_GetObjectItem(counters, "checkpoint_frames"));
	cJSON_Delete(counters);
	test_db_close(&tmp);
}
END_TEST

/* Takes every queued message of a session; returns how many, and their command ids in ids (when not NULL). */
static int drain(struct relay_session *s, GArray *ids)
{
	cJSON *cmd;
	int n = 0;

	while ((cmd = take(s))) {
		if (ids)
			g_array_append_val(ids, (guint){ (guint)num(cmd, "command_id") });
		cJSON_Delete(cmd);
		n++;
	}
	return n;
}

/*
 * Regression: any SQLite lock froze the relay (every write waited 5 s, one
 * after another). A write that meets the lock now waits in a bounded retry
 * queue; while it waits no other write touches the database, the sweep is
 * skipped, and the writes are done in their order once the lock is gone.
 */
START_TEST(test_db_lock_defers_writes_instead_of_freezing)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);
	enum registry_delivery outcome;
	int calls, i;
	char device[17];

	advance(0);
	store_locked = 1;
	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert(registry_device_online(reg, DEVICE));
	/* reading its printer's bridge met the lock, then recording it did */
	ck_assert_uint_eq(registry_counters(reg)->store_busy, 2);
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 1);
	calls = store_calls;
	/* with a write waiting, nothing else waits on the lock: no store call at all */
	feed(s, heartbeat(BRIDGE, DEVICE2));
	ck_assert_int_eq(registry_deliver(reg, DEVICE, 5, "AQIDBA==", &outcome, NULL), 0);
	ck_assert_int_eq(outcome, REGISTRY_SENT);
	cJSON_Delete(take(s));
	feed(s, device_response(BRIDGE, DEVICE, 5, 0));
	feed(s, did_print(BRIDGE, DEVICE, 0x01, 5));
	ck_assert_int_eq(store_calls, calls);
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 7);
	/*
	 * the retry timer tries the oldest write a few times quickly, then once
	 * a second, meets the lock, goes on waiting; no sweep meanwhile
	 */
	advance(cfg.sweep_interval);
	ck_assert_int_ge(store_calls, calls + (int)(cfg.sweep_interval / cfg.store_retry));
	ck_assert_int_le(store_calls, calls + (int)(cfg.sweep_interval / cfg.store_retry) + 10);
	ck_assert_int_eq(sweep_calls, 1);
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 7);
	/* the lock is gone: everything is written, in order, and nothing was lost */
	store_locked = 0;
	advance(cfg.store_retry);
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 0);
	ck_assert_uint_eq(registry_counters(reg)->store_retried, 7);
	ck_assert_str_eq(writes->str, "bridge:" BRIDGE " seen:" DEVICE " seen:" DEVICE2 " sent:5 confirms:" BRIDGE
			 " settled:5 press:" DEVICE ":01:5 printed:5 ");
	ck_assert_uint_eq(registry_counters(reg)->store_errors, 0);
	/* the queue is bounded: beyond store_pending_max the oldest writes are dropped and counted */
	registry_session_close(reg, s);
	cfg.store_pending_max = 3;
	renew();
	s = connect_bridge(&transport_a, BRIDGE);
	store_locked = 1;
	for (i = 0; i < 5; i++) {
		snprintf(device, sizeof(device), "000d6f00000000%02x", i);
		feed(s, heartbeat(BRIDGE, device));
	}
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 3);
	ck_assert_uint_eq(registry_counters(reg)->store_dropped, 2);
	/* a device reporting again while its write waits is merged into it */
	feed(s, heartbeat(BRIDGE, device));
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 3);
	store_locked = 0;
	advance(cfg.store_retry);
	ck_assert_uint_eq(g_hash_table_size(seen), 2 + 3);
	registry_session_close(reg, s);
}
END_TEST

/* Regression: bridges and devices were never forgotten; at the cap new ones were refused until a restart. */
START_TEST(test_offline_bridges_and_devices_are_forgotten_at_the_cap)
{
	static const char *const bridges[] = { "00000000000000b1", "00000000000000b2", "00000000000000b3",
					       "00000000000000b4" };
	static const char *const devices[] = { "00000000000000d1", "00000000000000d2", "00000000000000d3",
					       "00000000000000d4" };
	struct relay_session *s[4];
	struct sirius_error err = { "" };
	cJSON *logs;
	int i;

	cfg.max_bridges = 3;
	cfg.max_devices = 3;
	renew();
	for (i = 0; i < 3; i++) {
		s[i] = connect_bridge(&transport_a, bridges[i]);
		feed(s[i], heartbeat(bridges[i], devices[i]));
	}
	/* every bridge has a socket: a fourth is refused, its device not kept */
	s[3] = registry_session_open(reg, &transport_b, "192.0.2.1");
	ck_assert_int_eq(feed(s[3], bridge_event(bridges[3], "power_on", NULL)), -1);
	ck_assert_uint_eq(registry_counters(reg)->refused_bridges, 1);
	registry_session_close(reg, s[3]);
	feed(s[0], heartbeat(bridges[0], devices[3]));
	ck_assert(!registry_device_online(reg, devices[3]));
	ck_assert_uint_eq(registry_counters(reg)->ignored_devices, 1);
	/* two bridges go away, the first one first: it is the one forgotten */
	registry_session_close(reg, s[0]);
	advance(1);
	registry_session_close(reg, s[1]);
	s[3] = connect_bridge(&transport_b, bridges[3]);
	ck_assert_uint_eq(registry_counters(reg)->bridges_forgotten, 1);
	ck_assert_ptr_null(registry_logs_json(reg, bridges[0], &err));
	logs = registry_logs_json(reg, bridges[1], &err);
	ck_assert_ptr_nonnull(logs);
	cJSON_Delete(logs);
	/* its offline device makes room for a new one too, the least recently seen first */
	feed(s[3], heartbeat(bridges[3], devices[3]));
	ck_assert(registry_device_online(reg, devices[3]));
	ck_assert_uint_eq(registry_counters(reg)->devices_forgotten, 1);
	logs = registry_devices_json(reg);
	ck_assert_int_eq(cJSON_GetArraySize(logs), 3);
	ck_assert_str_eq(str(cJSON_GetArrayItem(logs, 0), "address"), devices[1]);
	cJSON_Delete(logs);
	/* a forgotten device comes back as new */
	feed(s[2], heartbeat(bridges[2], devices[0]));
	ck_assert(registry_device_online(reg, devices[0]));
	ck_assert_uint_eq(registry_counters(reg)->devices_forgotten, 2);
	registry_session_close(reg, s[2]);
	registry_session_close(reg, s[3]);
}
END_TEST

/* A BridgeLog of one record with text for a session's bridge. */
static void log_record(struct relay_session *s, const char *bridge, const char *text)
{
	cJSON *msg = message("BridgeLog", bridge);
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "name", "cloud.socket");
	cJSON_AddStringToObject(r, "levelname", "INFO");
	cJSON_AddStringToObject(r, "message", text);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(msg, "records"), r);
	feed(s, msg);
}

/* Regression: every bridge kept a 64 KiB log ring of its own, unbounded in total; now the total is capped. */
START_TEST(test_log_records_are_capped_over_all_bridges)
{
	struct relay_session *a, *b;
	struct sirius_error err = { "" };
	cJSON *counters, *logs, *list;
	char text[600];

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	cfg.log_total_bytes = 3000;
	renew();
	a = connect_bridge(&transport_a, BRIDGE);
	b = connect_bridge(&transport_b, "00000000000000b2");
	/* a bridge that never logged keeps no ring */
	list = registry_bridges_json(reg);
	ck_assert(num(cJSON_GetArrayItem(list, 0), "log_records") == 0);
	cJSON_Delete(list);
	log_record(a, BRIDGE, text);
	log_record(a, BRIDGE, text);
	log_record(a, BRIDGE, text);
	log_record(b, "00000000000000b2", text);
	log_record(b, "00000000000000b2", text);
	counters = registry_counters_json(reg);
	ck_assert(num(counters, "log_bytes") <= cfg.log_total_bytes);
	ck_assert(num(counters, "log_records_dropped") >= 1);
	cJSON_Delete(counters);
	/* the oldest records of all went first: the newer bridge keeps both of its own */
	logs = registry_logs_json(reg, "00000000000000b2", &err);
	ck_assert_int_eq(cJSON_GetArraySize(logs), 2);
	cJSON_Delete(logs);
	logs = registry_logs_json(reg, BRIDGE, &err);
	ck_assert_int_lt(cJSON_GetArraySize(logs), 3);
	cJSON_Delete(logs);
	registry_session_close(reg, a);
	registry_session_close(reg, b);
}
END_TEST

/*
 * Regression: the relay wrote up to 64 DeviceCommands at once although the
 * bridge holds 10, and took its "queue full" answer (0xe0) as final. Now at
 * most in_flight_max are unanswered, the rest wait in the relay, and 0xe0
 * sends the command again after a back-off, busy_retries times at most.
 */
START_TEST(test_bridge_gets_at_most_ten_commands_and_queue_full_is_retried)
{
	struct relay_session *s;
	enum registry_delivery outcome;
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint));
	uint32_t id;
	unsigned r;

	cfg.queue_max_messages = 64;
	cfg.message_timeout = 600; /* longer than all the back-offs below */
	cfg.device_timeout = 600;
	renew();
	g_hash_table_add(confirming, g_strdup(BRIDGE));
	s = connect_bridge(&transport_a, BRIDGE);
	feed(s, heartbeat(BRIDGE, DEVICE));
	for (id = 1; id <= 12; id++) {
		ck_assert_int_eq(registry_deliver(reg, DEVICE, id, "AQIDBA==", &outcome, NULL), 0);
		ck_assert_int_eq(outcome, REGISTRY_SENT);
	}
	ck_assert_int_eq(drain(s, ids), 10);
	ck_assert_uint_eq(g_array_index(ids, guint, 9), 10);
	ck_assert(!g_hash_table_contains(sent, GUINT_TO_POINTER(11)));
	/* a response frees a slot: the next waiting command goes out */
	feed(s, device_response(BRIDGE, DEVICE, 1, 0));
	g_array_set_size(ids, 0);
	ck_assert_int_eq(drain(s, ids), 1);
	ck_assert_uint_eq(g_array_index(ids, guint, 0), 11);
	ck_assert(g_hash_table_contains(sent, GUINT_TO_POINTER(11)));
	/* "queue full" for command 2: not settled, sent again after the back-off, before 12 */
	feed(s, device_response(BRIDGE, DEVICE, 2, 0xe0));
	ck_assert(!g_hash_table_contains(settled, GUINT_TO_POINTER(2)));
	ck_assert_uint_eq(registry_counters(reg)->commands_requeued, 1);
	ck_assert_int_eq(drain(s, NULL), 0);
	advance(cfg.busy_backoff - 0.1);
	ck_assert_int_eq(drain(s, NULL), 0);
	advance(0.2);
	g_array_set_size(ids, 0);
	ck_assert_int_eq(drain(s, ids), 1);
	ck_assert_uint_eq(g_array_index(ids, guint, 0), 2);
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(sent, GUINT_TO_POINTER(2))), 2);
	/* ... busy_retries times; then it fails with 0xe0 */
	for (r = 1; r < cfg.busy_retries; r++) {
		feed(s, device_response(BRIDGE, DEVICE, 2, 0xe0));
		advance(cfg.busy_backoff * (1 << r) + 0.1);
		ck_assert_int_eq(drain(s, NULL), 1);
	}
	feed(s, device_response(BRIDGE, DEVICE, 2, 0xe0));
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(settled, GUINT_TO_POINTER(2))), 1000 + 0xe0);
	ck_assert_uint_eq(registry_counters(reg)->commands_gave_up, 1);
	/* that freed a slot for 12; unanswered commands free theirs after message_timeout */
	ck_assert_int_eq(drain(s, NULL), 1);
	ck_assert_int_eq(registry_deliver(reg, DEVICE, 13, "AQIDBA==", &outcome, NULL), 0);
	ck_assert_int_eq(drain(s, NULL), 0);
	advance(cfg.message_timeout);
	ck_assert_uint_ge(registry_counters(reg)->commands_expired, 9);
	ck_assert_int_eq(drain(s, NULL), 1);
	g_array_free(ids, TRUE);
	registry_session_close(reg, s);
}
END_TEST

/*
 * Regression: an older socket of a bridge could bring a device online through
 * a bridge that was offline (its newest socket closed, then the old one sent
 * a heartbeat). The old socket now takes the bridge back; while another
 * socket owns the bridge, the old one's device reports are ignored.
 */
START_TEST(test_old_socket_cannot_bring_devices_online_through_an_offline_bridge)
{
	struct relay_session *a = connect_bridge(&transport_a, BRIDGE);
	struct relay_session *b;
	enum registry_delivery outcome;
	cJSON *st;

	feed(a, heartbeat(BRIDGE, DEVICE));
	b = connect_bridge(&transport_b, BRIDGE);
	feed(b, heartbeat(BRIDGE, DEVICE));
	/* while b owns the bridge, a's reports change nothing */
	feed(a, heartbeat(BRIDGE, DEVICE2));
	ck_assert(!registry_device_online(reg, DEVICE2));
	feed(a, bridge_event(BRIDGE, "device_disconnect", DEVICE));
	ck_assert(registry_device_online(reg, DEVICE));
	ck_assert_uint_eq(registry_counters(reg)->stale_events, 2);
	/* the newest socket closes: the bridge is offline, and so is the device */
	registry_session_close(reg, b);
	ck_assert(!registry_device_online(reg, DEVICE));
	ck_assert_uint_eq(registry_counters(reg)->bridges_online, 0);
	/* the old socket speaks: it owns the bridge again, consistently */
	feed(a, heartbeat(BRIDGE, DEVICE));
	ck_assert_uint_eq(registry_counters(reg)->reclaims, 1);
	ck_assert_uint_eq(registry_counters(reg)->bridges_online, 1);
	ck_assert(registry_device_online(reg, DEVICE));
	st = registry_bridges_json(reg);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(st, 0), "online")));
	cJSON_Delete(st);
	ck_assert_int_eq(registry_deliver(reg, DEVICE, 7, "AQIDBA==", &outcome, NULL), 0);
	ck_assert_int_eq(outcome, REGISTRY_SENT);
	ck_assert_int_eq(drain(a, NULL), 1);
	registry_session_close(reg, a);
	ck_assert(!registry_device_online(reg, DEVICE));
	ck_assert_uint_eq(registry_counters(reg)->bridges_online, 0);
}
END_TEST

/*
 * Regression: any bridge socket could settle any message: the response and
 * did_print matched on the command id only. The store is now told which
 * device answered (it settles only a message sent to that device), and a
 * response naming another device frees no slot.
 */
START_TEST(test_response_of_another_device_settles_nothing)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);
	struct relay_session *other = connect_bridge(&transport_b, "00000000000000b2");
	enum registry_delivery outcome;
	uint32_t id;

	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert_int_eq(registry_deliver(reg, DEVICE, 5, "AQIDBA==", &outcome, NULL), 0);
	ck_assert_int_eq(drain(s, NULL), 1);
	feed(other, device_response("00000000000000b2", DEVICE2, 5, 0));
	ck_assert_str_eq(g_hash_table_lookup(settled_by, GUINT_TO_POINTER(5)), DEVICE2);
	feed(other, did_print("00000000000000b2", DEVICE2, 0x01, 5));
	ck_assert_str_eq(g_hash_table_lookup(settled_by, GUINT_TO_POINTER(5)), DEVICE2);
	/* the command is still in flight for DEVICE: its own response settles it */
	feed(s, device_response(BRIDGE, DEVICE, 5, 0));
	ck_assert_str_eq(g_hash_table_lookup(settled_by, GUINT_TO_POINTER(5)), DEVICE);
	/* a response from DEVICE2 through the right bridge frees no slot of DEVICE's commands */
	for (id = 20; id < 24; id++)
		ck_assert_int_eq(registry_deliver(reg, DEVICE, id, "AQIDBA==", &outcome, NULL), 0);
	feed(s, device_response(BRIDGE, DEVICE2, 20, 0));
	{
		cJSON *list = registry_bridges_json(reg);
		const cJSON *b = cJSON_GetArrayItem(list, 1);

		ck_assert_str_eq(str(b, "address"), BRIDGE);
		ck_assert(num(b, "in_flight") == 4);
		cJSON_Delete(list);
	}
	registry_session_close(reg, s);
	registry_session_close(reg, other);
}
END_TEST

/* Regression: websockets that never named a bridge were kept open for ever. */
START_TEST(test_socket_naming_no_bridge_is_closed_after_the_name_timeout)
{
	struct relay_session *quiet = registry_session_open(reg, &transport_a, "192.0.2.1");
	struct relay_session *named = registry_session_open(reg, &transport_b, "192.0.2.1");
	struct relay_session *junk = registry_session_open(reg, &transport_c, "192.0.2.1");

	ck_assert_int_eq(registry_session_receive(reg, junk, "{}", 2), 0);
	advance(cfg.name_timeout / 2);
	feed(named, heartbeat(BRIDGE, DEVICE));
	advance(cfg.name_timeout / 2 - 0.1);
	ck_assert_uint_eq(g_hash_table_size(closed), 0);
	advance(0.2);
	ck_assert(g_hash_table_contains(closed, &transport_a));
	ck_assert(g_hash_table_contains(closed, &transport_c));
	ck_assert(!g_hash_table_contains(closed, &transport_b));
	ck_assert_uint_eq(registry_counters(reg)->unnamed_closed, 2);
	/* the loop closes them later; their timers go with them */
	registry_session_close(reg, quiet);
	registry_session_close(reg, junk);
	advance(cfg.name_timeout * 2);
	ck_assert_uint_eq(registry_counters(reg)->unnamed_closed, 2);
	registry_session_close(reg, named);
}
END_TEST

/* Regression: printers.last_seen was written only when a device came online; traffic now refreshes it every few minutes. */
START_TEST(test_printer_last_seen_is_refreshed_every_few_minutes)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);
	int i;

	for (i = 0; i < 60; i++) {
		feed(s, heartbeat(BRIDGE, DEVICE));
		advance(10);
	}
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(seen, DEVICE)), 1);
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(touched, DEVICE)), (int)(590 / cfg.touch_interval));
	registry_session_close(reg, s);
}
END_TEST

/* Regression: a bridge's message with a timestamp that is not a number was dropped as malformed; now it counts. */
START_TEST(test_message_with_bad_timestamp_is_acted_on)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);
	cJSON *o = heartbeat(BRIDGE, DEVICE);

	cJSON_ReplaceItemInObject(o, "timestamp", cJSON_CreateString("soon"));
	feed(s, o);
	ck_assert(registry_device_online(reg, DEVICE));
	ck_assert_uint_eq(registry_counters(reg)->ignored_fields, 1);
	ck_assert_uint_eq(registry_counters(reg)->malformed, 0);
	registry_session_close(reg, s);
}
END_TEST


/* ---- the outbox ----------------------------------------------------------------- */

/* The command id of the next DeviceCommand written to s (taking it), or 0 when none is queued. */
static uint32_t next_command(struct relay_session *s)
{
	cJSON *cmd = take(s);
	uint32_t id;

	if (!cmd)
		return 0;
	ck_assert_str_eq(str(cmd, "type"), "DeviceCommand");
	id = (uint32_t)num(cmd, "command_id");
	cJSON_Delete(cmd);
	return id;
}

/* A DeviceCommandResponse as bridges that leave the device out send it. */
static cJSON *response_without_device(const char *bridge, uint32_t id, int code)
{
	cJSON *o = message("DeviceCommandResponse", bridge);

	cJSON_AddNumberToObject(o, "command_id", id);
	cJSON_AddNumberToObject(o, "return_code", code);
	return o;
}

static int times_sent(uint32_t id)
{
	return GPOINTER_TO_INT(g_hash_table_lookup(sent, GUINT_TO_POINTER(id)));
}

START_TEST(test_offline_queue_drains_in_order_one_at_a_time_through_a_confirming_bridge)
{
	struct relay_session *s;
	uint32_t a, b, c;

	g_hash_table_add(confirming, g_strdup(BRIDGE));
	a = enqueue(DEVICE);
	b = enqueue(DEVICE);
	c = enqueue(DEVICE);
	s = connect_bridge(&transport_a, BRIDGE);
	ck_assert_uint_eq(next_command(s), 0);
	/* the printer comes back: its oldest message goes, and only that one until it is answered */
	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert_uint_eq(next_command(s), a);
	ck_assert_int_eq(times_sent(a), 1);
	ck_assert_uint_eq(next_command(s), 0);
	feed(s, device_response(BRIDGE, DEVICE, a, 0));
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(settled, GUINT_TO_POINTER(a))), 1000);
	ck_assert_uint_eq(next_command(s), b);
	/* did_print frees the slot whatever the bridge answered or left out */
	feed(s, did_print(BRIDGE, DEVICE, 0x01, b));
	ck_assert(g_hash_table_contains(printed, GUINT_TO_POINTER(b)));
	ck_assert_uint_eq(next_command(s), c);
	ck_assert_uint_eq(next_command(s), 0);
	ck_assert_int_eq(times_sent(c), 1);
	ck_assert_uint_eq(registry_counters(reg)->outbox_taken, 3);
}
END_TEST

START_TEST(test_thousand_queued_messages_print_in_order)
{
	struct relay_session *s;
	uint32_t first = 0, id, expect;
	int i;

	g_hash_table_add(confirming, g_strdup(BRIDGE));
	for (i = 0; i < 1000; i++) {
		id = enqueue(DEVICE);
		if (!first)
			first = id;
	}
	s = connect_bridge(&transport_a, BRIDGE);
	feed(s, heartbeat(BRIDGE, DEVICE));
	for (expect = first; expect < first + 1000; expect++) {
		id = next_command(s);
		ck_assert_uint_eq(id, expect);
		ck_assert_uint_eq(next_command(s), 0);
		feed(s, device_response(BRIDGE, DEVICE, id, 0));
	}
	ck_assert_uint_eq(next_command(s), 0);
	ck_assert_uint_eq(g_hash_table_size(sent), 1000);
	ck_assert_uint_eq(g_hash_table_size(settled), 1000);
}
END_TEST

START_TEST(test_response_without_device_address_settles_and_frees_the_slot)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);
	uint32_t a, b;

	g_hash_table_add(confirming, g_strdup(BRIDGE));
	registry_session_close(reg, s);
	s = connect_bridge(&transport_b, BRIDGE);
	a = enqueue(DEVICE);
	b = enqueue(DEVICE);
	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert_uint_eq(next_command(s), a);
	feed(s, response_without_device(BRIDGE, a, 0));
	ck_assert_uint_eq(registry_counters(reg)->malformed, 0);
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(settled, GUINT_TO_POINTER(a))), 1000);
	ck_assert_str_eq(g_hash_table_lookup(settled_by, GUINT_TO_POINTER(a)), DEVICE);
	ck_assert_uint_eq(next_command(s), b);
	feed(s, response_without_device(BRIDGE, b, 0x80));
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(settled, GUINT_TO_POINTER(b))), 1000 + 0x80);
}
END_TEST

START_TEST(test_bridge_that_never_confirms_is_never_waited_for_nor_sent_twice)
{
	struct relay_session *s;
	uint32_t ids[25], id;
	int i, written = 0;

	cfg.queue_max_messages = 64;
	renew();
	s = connect_bridge(&transport_a, BRIDGE);
	for (i = 0; i < 25; i++)
		ids[i] = enqueue(DEVICE);
	feed(s, heartbeat(BRIDGE, DEVICE));
	/* the bridge's slots fill at once, in order */
	while ((id = next_command(s)) != 0)
		ck_assert_uint_eq(id, ids[written++]);
	ck_assert_int_eq(written, (int)cfg.in_flight_max);
	/* a moment later, not a minute, the slots are free again */
	advance(cfg.unconfirmed_hold);
	while ((id = next_command(s)) != 0)
		ck_assert_uint_eq(id, ids[written++]);
	ck_assert_int_eq(written, 2 * (int)cfg.in_flight_max);
	advance(cfg.unconfirmed_hold);
	while ((id = next_command(s)) != 0)
		ck_assert_uint_eq(id, ids[written++]);
	ck_assert_int_eq(written, 25);
	/* minutes later: nothing sent again, nothing failed, no answer expected */
	advance(cfg.message_timeout * 5);
	ck_assert_uint_eq(next_command(s), 0);
	for (i = 0; i < 25; i++)
		ck_assert_int_eq(times_sent(ids[i]), 1);
	ck_assert_uint_eq(g_hash_table_size(failed), 0);
	/* did_print still counts */
	feed(s, did_print(BRIDGE, DEVICE, 0x01, ids[3]));
	ck_assert(g_hash_table_contains(printed, GUINT_TO_POINTER(ids[3])));
}
END_TEST

START_TEST(test_unanswered_command_is_sent_again_then_fails)
{
	struct relay_session *s;
	uint32_t a, b;

	g_hash_table_add(confirming, g_strdup(BRIDGE));
	a = enqueue(DEVICE);
	b = enqueue(DEVICE);
	s = connect_bridge(&transport_a, BRIDGE);
	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert_uint_eq(next_command(s), a);
	/* keep the device online while the bridge stays silent about the command */
	feed(s, heartbeat(BRIDGE, DEVICE));
	advance(cfg.message_timeout / 2);
	feed(s, heartbeat(BRIDGE, DEVICE));
	advance(cfg.message_timeout / 2);
	ck_assert_uint_eq(next_command(s), a);
	ck_assert_int_eq(times_sent(a), 2);
	ck_assert_uint_eq(registry_counters(reg)->commands_resent, 1);
	feed(s, heartbeat(BRIDGE, DEVICE));
	advance(cfg.message_timeout / 2);
	feed(s, heartbeat(BRIDGE, DEVICE));
	advance(cfg.message_timeout / 2);
	ck_assert_uint_eq(next_command(s), a);
	ck_assert_int_eq(times_sent(a), 1 + (int)cfg.resends);
	feed(s, heartbeat(BRIDGE, DEVICE));
	advance(cfg.message_timeout / 2);
	feed(s, heartbeat(BRIDGE, DEVICE));
	advance(cfg.message_timeout / 2);
	/* every resend used: it failed, and the next one goes */
	ck_assert(g_hash_table_contains(failed, GUINT_TO_POINTER(a)));
	ck_assert_uint_eq(next_command(s), b);
	/* a late answer to the failed one is still passed on (the database decides) */
	feed(s, device_response(BRIDGE, DEVICE, a, 0));
	ck_assert_uint_eq(next_command(s), 0);
}
END_TEST

START_TEST(test_busy_printer_is_retried_with_backoff)
{
	struct relay_session *s;
	uint32_t a;

	g_hash_table_add(confirming, g_strdup(BRIDGE));
	a = enqueue(DEVICE);
	s = connect_bridge(&transport_a, BRIDGE);
	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert_uint_eq(next_command(s), a);
	feed(s, device_response(BRIDGE, DEVICE, a, 0x30));
	ck_assert_uint_eq(next_command(s), 0);
	ck_assert(!g_hash_table_contains(settled, GUINT_TO_POINTER(a)));
	advance(cfg.busy_backoff);
	ck_assert_uint_eq(next_command(s), a);
	feed(s, device_response(BRIDGE, DEVICE, a, 0));
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(settled, GUINT_TO_POINTER(a))), 1000);
}
END_TEST

START_TEST(test_wake_says_sent_queued_or_offline)
{
	struct sirius_error err = { "" };
	enum registry_wake outcome;
	struct relay_session *s;
	uint32_t a, b;

	g_hash_table_add(confirming, g_strdup(BRIDGE));
	a = enqueue(DEVICE);
	ck_assert_int_eq(registry_wake(reg, DEVICE, a, &outcome, &err), 0);
	ck_assert_int_eq(outcome, REGISTRY_WAKE_OFFLINE);
	ck_assert_int_eq(registry_wake(reg, "nothex", a, &outcome, &err), -1);
	s = connect_bridge(&transport_a, BRIDGE);
	feed(s, heartbeat(BRIDGE, DEVICE));
	/* it went out when the printer came online */
	ck_assert_int_eq(registry_wake(reg, DEVICE, a, &outcome, &err), 0);
	ck_assert_int_eq(outcome, REGISTRY_WAKE_SENT);
	b = enqueue(DEVICE);
	ck_assert_int_eq(registry_wake(reg, DEVICE, b, &outcome, &err), 0);
	ck_assert_int_eq(outcome, REGISTRY_WAKE_QUEUED);
	ck_assert_uint_eq(next_command(s), a);
	feed(s, device_response(BRIDGE, DEVICE, a, 0));
	ck_assert_int_eq(registry_wake(reg, DEVICE, b, &outcome, &err), 0);
	ck_assert_int_eq(outcome, REGISTRY_WAKE_SENT);
	ck_assert_uint_eq(next_command(s), b);
}
END_TEST

START_TEST(test_queue_waits_for_the_key_to_be_accepted)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);
	cJSON *key, *answer;
	uint32_t a, key_id;

	g_hash_table_insert(keys, g_strdup(DEVICE), g_strdup(KEY_B64));
	a = enqueue(DEVICE);
	feed(s, bridge_event(BRIDGE, "encryption_key_required", DEVICE));
	key = take(s);
	ck_assert_ptr_nonnull(key);
	ck_assert_str_eq(str(key, "type"), "BridgeCommand");
	key_id = (uint32_t)num(key, "command_id");
	cJSON_Delete(key);
	/* it cannot print before it has its key */
	ck_assert_uint_eq(next_command(s), 0);
	answer = message("BridgeCommandResponse", BRIDGE);
	cJSON_AddNumberToObject(answer, "command_id", key_id);
	cJSON_AddNumberToObject(answer, "return_code", 0);
	feed(s, answer);
	ck_assert_uint_eq(next_command(s), a);
}
END_TEST

START_TEST(test_cancelled_message_is_dropped_before_it_is_written)
{
	struct relay_session *s;
	uint32_t a, b;
	guint i;

	/* one slot: DEVICE2's message waits for it, taken and held, when its owner cancels it */
	cfg.in_flight_max = 1;
	renew();
	g_hash_table_add(confirming, g_strdup(BRIDGE));
	a = enqueue(DEVICE);
	b = enqueue(DEVICE2);
	s = connect_bridge(&transport_a, BRIDGE);
	feed(s, heartbeat(BRIDGE, DEVICE));
	feed(s, heartbeat(BRIDGE, DEVICE2));
	ck_assert_uint_eq(next_command(s), a);
	ck_assert_uint_eq(next_command(s), 0);
	/* a written one cannot be taken back; the held one is dropped (the database marked it cancelled) */
	ck_assert_int_eq(registry_cancel(reg, a), 0);
	for (i = 0; i < outbox->len; i++)
		if (((struct fake_message *)g_ptr_array_index(outbox, i))->id == b)
			((struct fake_message *)g_ptr_array_index(outbox, i))->queued = 0;
	ck_assert_int_eq(registry_cancel(reg, b), 1);
	ck_assert_uint_eq(registry_counters(reg)->outbox_cancelled, 1);
	feed(s, device_response(BRIDGE, DEVICE, a, 0));
	ck_assert_uint_eq(next_command(s), 0);
	ck_assert_int_eq(times_sent(b), 0);
}
END_TEST

START_TEST(test_bridge_gone_before_writing_leaves_messages_queued)
{
	struct relay_session *s;
	uint32_t a, b;

	cfg.in_flight_max = 1;
	renew();
	a = enqueue(DEVICE);
	b = enqueue(DEVICE);
	s = connect_bridge(&transport_a, BRIDGE);
	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert_uint_eq(next_command(s), a);
	/* b is held, not written, when the socket goes: it stays queued and goes first on the new one */
	registry_session_close(reg, s);
	ck_assert_int_eq(times_sent(b), 0);
	s = connect_bridge(&transport_b, BRIDGE);
	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert_uint_eq(next_command(s), b);
	ck_assert_int_eq(times_sent(a), 1);
	ck_assert_int_eq(times_sent(b), 1);
}
END_TEST

START_TEST(test_first_answer_teaches_that_a_bridge_confirms)
{
	struct relay_session *s = connect_bridge(&transport_a, BRIDGE);
	uint32_t a = enqueue(DEVICE), b = enqueue(DEVICE);

	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert_uint_eq(next_command(s), a);
	ck_assert_uint_eq(next_command(s), b);
	feed(s, device_response(BRIDGE, DEVICE, a, 0));
	ck_assert(g_hash_table_contains(confirming, BRIDGE));
	ck_assert_ptr_nonnull(strstr(writes->str, "confirms:" BRIDGE));
}
END_TEST


/* ---- hostile bridges -------------------------------------------------------------- */

#define IMPOSTOR "000d6f0000bad000"

/* Regression: any socket could report a claimed printer and take it over, its prints and its key. */
START_TEST(test_printer_hijack_from_another_bridge_is_refused)
{
	struct relay_session *home, *thief;
	enum registry_delivery outcome;
	uint32_t a;
	cJSON *cmd;

	g_hash_table_insert(keys, g_strdup(DEVICE), g_strdup(KEY_B64));
	home = connect_bridge(&transport_a, BRIDGE);
	feed(home, heartbeat(BRIDGE, DEVICE));
	/* claimed and unbound: bound to the bridge it reports through (trust on first use) */
	ck_assert_str_eq(g_hash_table_lookup(bound, DEVICE), BRIDGE);
	thief = registry_session_open(reg, &transport_b, "198.51.100.7");
	ck_assert_int_eq(feed(thief, bridge_event(IMPOSTOR, "power_on", NULL)), 0);
	feed(thief, heartbeat(IMPOSTOR, DEVICE));
	feed(thief, bridge_event(IMPOSTOR, "encryption_key_required", DEVICE));
	ck_assert_uint_ge(registry_counters(reg)->foreign_printer_reports, 2);
	/* the printer stays with its bridge: no key for the impostor, prints go home */
	ck_assert_ptr_null(take(thief));
	a = enqueue(DEVICE);
	ck_assert_int_eq(registry_push_key(reg, DEVICE, &outcome, NULL), 0);
	ck_assert_int_eq(outcome, REGISTRY_SENT);
	cmd = take(home);
	ck_assert_str_eq(str(cmd, "type"), "BridgeCommand");
	cJSON_Delete(cmd);
	{
		enum registry_wake woken;

		ck_assert_int_eq(registry_wake(reg, DEVICE, a, &woken, NULL), 0);
		ck_assert_int_eq(woken, REGISTRY_WAKE_SENT);
	}
	ck_assert_uint_eq(next_command(home), a);
	ck_assert_ptr_null(take(thief));
	/* the impostor cannot mark it printed, nor press the button */
	feed(thief, did_print(IMPOSTOR, DEVICE, 0x01, a));
	ck_assert(!g_hash_table_contains(printed, GUINT_TO_POINTER(a)));
	ck_assert_ptr_null(strstr(writes->str, "press:"));
	feed(home, did_print(BRIDGE, DEVICE, 0x10, 0));
	ck_assert_ptr_nonnull(strstr(writes->str, "press:" DEVICE ":10:0 "));
	registry_session_close(reg, thief);
	registry_session_close(reg, home);
}
END_TEST

START_TEST(test_move_while_the_bridge_is_silent_waits_for_the_owner)
{
	struct relay_session *home, *newer;

	g_hash_table_insert(keys, g_strdup(DEVICE), g_strdup(KEY_B64));
	home = connect_bridge(&transport_a, BRIDGE);
	feed(home, heartbeat(BRIDGE, DEVICE));
	registry_session_close(reg, home);
	/* the owner moved the printer to a new bridge: recorded, not taken, until confirmed */
	newer = registry_session_open(reg, &transport_b, "192.0.2.9");
	feed(newer, bridge_event(BRIDGE2, "power_on", NULL));
	feed(newer, heartbeat(BRIDGE2, DEVICE));
	ck_assert(!registry_device_online(reg, DEVICE));
	ck_assert_str_eq(g_hash_table_lookup(moving, DEVICE), BRIDGE2);
	ck_assert_uint_eq(registry_counters(reg)->moves_waiting, 1);
	/* the owner confirms on the printer page; the web program tells the relay */
	g_hash_table_insert(bound, g_strdup(DEVICE), g_strdup(BRIDGE2));
	registry_rebind(reg, DEVICE);
	feed(newer, heartbeat(BRIDGE2, DEVICE));
	ck_assert(registry_device_online(reg, DEVICE));
	registry_session_close(reg, newer);
}
END_TEST

START_TEST(test_moves_are_automatic_when_configured)
{
	struct relay_session *home, *newer;

	cfg.bridge_moves_auto = 1;
	renew();
	g_hash_table_insert(keys, g_strdup(DEVICE), g_strdup(KEY_B64));
	home = connect_bridge(&transport_a, BRIDGE);
	feed(home, heartbeat(BRIDGE, DEVICE));
	registry_session_close(reg, home);
	newer = registry_session_open(reg, &transport_b, "192.0.2.9");
	feed(newer, bridge_event(BRIDGE2, "power_on", NULL));
	feed(newer, heartbeat(BRIDGE2, DEVICE));
	ck_assert(registry_device_online(reg, DEVICE));
	ck_assert_str_eq(g_hash_table_lookup(bound, DEVICE), BRIDGE2);
	registry_session_close(reg, newer);
}
END_TEST

/* Regression: a connection naming a bridge that was online elsewhere took it over. */
START_TEST(test_bridge_takeover_from_another_address_is_refused)
{
	struct relay_session *home = connect_bridge(&transport_a, BRIDGE), *thief, *again;

	feed(home, heartbeat(BRIDGE, DEVICE));
	thief = registry_session_open(reg, &transport_b, "198.51.100.7");
	ck_assert_int_eq(feed(thief, heartbeat(BRIDGE, DEVICE)), -1);
	ck_assert_uint_eq(registry_counters(reg)->refused_takeovers, 1);
	ck_assert_uint_eq(registry_counters(reg)->takeovers, 0);
	registry_session_close(reg, thief);
	/* the bridge itself reconnecting from its own address still takes over its old socket */
	again = registry_session_open(reg, &transport_c, "192.0.2.1");
	ck_assert_int_eq(feed(again, heartbeat(BRIDGE, DEVICE)), 0);
	ck_assert_uint_eq(registry_counters(reg)->takeovers, 1);
	registry_session_close(reg, home);
	registry_session_close(reg, again);
}
END_TEST

/* Regression: one connection could add 20,000 printers to the database in seconds. */
START_TEST(test_new_device_addresses_per_bridge_are_bounded)
{
	struct relay_session *s;
	char device[17];
	int i;

	cfg.max_devices = 100000;
	renew();
	s = connect_bridge(&transport_a, BRIDGE);
	for (i = 0; i < 2000; i++) {
		snprintf(device, sizeof(device), "000d6f00%08x", i);
		feed(s, heartbeat(BRIDGE, device));
	}
	ck_assert_uint_eq(g_hash_table_size(seen), cfg.new_devices_per_minute);
	ck_assert_uint_eq(registry_counters(reg)->new_devices_refused, 2000 - cfg.new_devices_per_minute);
	/* a minute later a few more are welcome; known ones always are */
	advance(60);
	snprintf(device, sizeof(device), "000d6f00%08x", 5000);
	feed(s, heartbeat(BRIDGE, device));
	ck_assert(registry_device_online(reg, device));
	snprintf(device, sizeof(device), "000d6f00%08x", 0);
	feed(s, heartbeat(BRIDGE, device));
	ck_assert(registry_device_online(reg, device));
	registry_session_close(reg, s);
}
END_TEST

/* A registry over the batching store (with the current cfg), a bridge connected and DEVICE online through it. */
static struct relay_session *batching_with_device(void)
{
	struct relay_session *s;

	renew_batching();
	s = connect_bridge(&transport_a, BRIDGE);
	feed(s, heartbeat(BRIDGE, DEVICE));
	return s;
}

/*
 * With a batching store every write waits for the end of the turn, and the
 * turn's writes are done there in their order, in one batch.
 */
START_TEST(test_batch_does_the_turns_writes_in_order)
{
	enum registry_delivery outcome;
	struct relay_session *s = batching_with_device();
	/* a printer's first record is done at once (its key is read next), after what waited */
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | ");
	ck_assert_str_eq(writes->str, "bridge:" BRIDGE " seen:" DEVICE " ");
	ck_assert_uint_eq(pending_at_seen, 0);
	ck_assert_int_eq(registry_deliver(reg, DEVICE, 5, "AQIDBA==", &outcome, NULL), 0);
	ck_assert_int_eq(outcome, REGISTRY_SENT);
	cJSON_Delete(take(s));
	feed(s, device_response(BRIDGE, DEVICE, 5, 0));
	feed(s, did_print(BRIDGE, DEVICE, 0x01, 5));
	/* nothing written yet */
	ck_assert_str_eq(writes->str, "bridge:" BRIDGE " seen:" DEVICE " ");
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 5);
	/* the loop sees that they wait (it writes its sockets first, then ends the turn) */
	ck_assert(registry_writes_waiting(reg));
	ck_assert_int_eq(batch_begins, 1);
	registry_turn_end(reg);
	ck_assert_int_eq(batch_begins, 2);
	ck_assert(!registry_writes_waiting(reg));
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | sent:5 confirms:" BRIDGE " settled:5 press:" DEVICE
			 ":01:5 printed:5 | ");
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 0);
	/* a turn that wrote nothing begins no batch */
	registry_turn_end(reg);
	ck_assert_int_eq(batch_begins, 2);
	ck_assert_uint_eq(registry_counters(reg)->store_errors, 0);
	ck_assert_uint_eq(registry_counters(reg)->store_retried, 0);
	registry_session_close(reg, s);
}
END_TEST

/* A printer's last_seen updates waiting together are merged into one, per device. */
START_TEST(test_batch_merges_touches)
{
	struct relay_session *s;

	cfg.touch_interval = 5;
	s = batching_with_device();
	feed(s, heartbeat(BRIDGE, DEVICE2));
	advance(5);
	feed(s, heartbeat(BRIDGE, DEVICE));
	advance(5);
	feed(s, heartbeat(BRIDGE, DEVICE));
	feed(s, heartbeat(BRIDGE, DEVICE2));
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 2);
	registry_turn_end(reg);
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(touched, DEVICE)), 1);
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(touched, DEVICE2)), 1);
	registry_session_close(reg, s);
}
END_TEST

/*
 * A did_print's write in a turn whose batch cannot begin while *refusal
 * is set (begin_locked, begin_fails): it stays queued, and the next turn
 * does not try again (only the retry timer does). Clears *refusal.
 */
static void press_kept_by_a_refused_batch(struct relay_session *s, int *refusal)
{
	feed(s, did_print(BRIDGE, DEVICE, 0x02, 7));
	*refusal = 1;
	registry_turn_end(reg);
	ck_assert_int_eq(batch_begins, 2);
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 1);
	/* held back for the retry timer: nothing for the loop to wait a turn for */
	ck_assert(!registry_writes_waiting(reg));
	registry_turn_end(reg);
	ck_assert_int_eq(batch_begins, 2);
	*refusal = 0;
}

/*
 * A batch that meets the lock (at its begin or its commit) keeps every
 * write; they are tried again from the retry timer, not every turn, and
 * done in order once the lock is gone. A commit that fails loses its
 * writes (counted).
 */
START_TEST(test_batch_that_meets_the_lock_is_done_later)
{
	struct relay_session *s = batching_with_device();

	/* the loop does not wait on the lock every turn */
	press_kept_by_a_refused_batch(s, &begin_locked);
	ck_assert_uint_eq(registry_counters(reg)->store_busy, 1);
	feed(s, did_print(BRIDGE, DEVICE, 0x02, 8));
	registry_turn_end(reg);
	ck_assert_int_eq(batch_begins, 2);
	/* the retry timer meets it at the commit now: nothing is written, everything kept */
	commit_locked = 1;
	advance(cfg.store_retry);
	ck_assert_int_ge(batch_begins, 3);
	ck_assert_uint_ge(registry_counters(reg)->store_busy, 2);
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 2);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | ");
	commit_locked = 0;
	advance(cfg.store_retry);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | press:" DEVICE ":02:7 press:" DEVICE ":02:8 | ");
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 0);
	ck_assert_uint_eq(registry_counters(reg)->store_retried, 2);
	ck_assert_uint_eq(registry_counters(reg)->store_errors, 0);
	/* a commit that fails loses the batch's writes: logged and counted, not retried */
	feed(s, did_print(BRIDGE, DEVICE, 0x02, 9));
	commit_fails = 1;
	registry_turn_end(reg);
	commit_fails = 0;
	ck_assert_uint_eq(registry_counters(reg)->store_errors, 1);
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 0);
	registry_turn_end(reg);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | press:" DEVICE ":02:7 press:" DEVICE ":02:8 | ");
	registry_session_close(reg, s);
}
END_TEST

/*
 * A batch that cannot begin for another reason than the lock keeps its
 * writes, and waits like one that met the lock: the database is not tried
 * again at every turn, only by the retry timer.
 */
START_TEST(test_batch_that_cannot_begin_waits)
{
	struct relay_session *s = batching_with_device();

	press_kept_by_a_refused_batch(s, &begin_fails);
	ck_assert_uint_eq(registry_counters(reg)->store_errors, 1);
	advance(cfg.store_retry);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | press:" DEVICE ":02:7 | ");
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 0);
	ck_assert_uint_eq(registry_counters(reg)->store_errors, 1);
	registry_session_close(reg, s);
}
END_TEST

/* What must be done at once (a command id, the sweeps) does the queued writes first; on the lock, it waits. */
START_TEST(test_batch_is_done_before_what_goes_at_once)
{
	struct relay_session *s;
	cJSON *cmd;

	g_hash_table_insert(keys, g_strdup(DEVICE), g_strdup(KEY_B64));
	renew_batching();
	s = connect_bridge(&transport_a, BRIDGE);
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 1);
	/* the sweep runs first thing */
	advance(0);
	ck_assert_int_eq(sweep_calls, 1);
	ck_assert_uint_eq(pending_at_sweep, 0);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | ");
	/* asking for its key binds the claimed printer (queued), then takes a command id after that write */
	feed(s, bridge_event(BRIDGE, "encryption_key_required", DEVICE));
	cmd = take(s);
	ck_assert_ptr_nonnull(cmd);
	ck_assert(num(cmd, "command_id") == 101);
	cJSON_Delete(cmd);
	ck_assert_uint_eq(pending_at_id, 0);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | bind:" DEVICE ":" BRIDGE " | ");
	/* the queue meets the lock before the sweep: no sweep, the writes wait */
	feed(s, did_print(BRIDGE, DEVICE, 0x02, 7));
	begin_locked = 1;
	advance(cfg.sweep_interval);
	ck_assert_int_eq(sweep_calls, 1);
	ck_assert_uint_ge(registry_counters(reg)->store_busy, 1);
	begin_locked = 0;
	advance(cfg.store_retry);
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 0);
	advance(cfg.sweep_interval);
	ck_assert_int_eq(sweep_calls, 2);
	registry_session_close(reg, s);
}
END_TEST

/*
 * A write that fails inside the batch is left out (logged and counted) and
 * the others are done; one that meets the lock there rolls the batch back
 * and keeps every write, as a lock at the commit does.
 */
START_TEST(test_batch_leaves_out_a_failed_write)
{
	struct relay_session *s = batching_with_device();
	feed(s, did_print(BRIDGE, DEVICE, 0x01, 5));
	press_result = -1;
	registry_turn_end(reg);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | printed:5 | ");
	ck_assert_uint_eq(registry_counters(reg)->store_errors, 1);
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 0);
	feed(s, did_print(BRIDGE, DEVICE, 0x01, 6));
	press_result = RELAY_STORE_BUSY;
	registry_turn_end(reg);
	ck_assert(!batch_open);
	ck_assert_uint_eq(registry_counters(reg)->store_busy, 1);
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 2);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | printed:5 | ");
	press_result = 0;
	advance(cfg.store_retry);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | printed:5 | press:" DEVICE ":01:6 printed:6 | ");
	ck_assert_uint_eq(registry_counters(reg)->store_errors, 1);
	registry_session_close(reg, s);
}
END_TEST

/*
 * Writes queued for the end of the turn do not hold the outbox back (its
 * reads do not depend on them). While writes wait for the lock, the outbox
 * is not read: what was sent may not be recorded yet, and would be read
 * (and sent) again. Once they are done the reads that waited are made.
 */
START_TEST(test_outbox_waits_for_locked_writes_only)
{
	struct sirius_error err = { "" };
	enum registry_wake outcome;
	struct relay_session *s;
	uint32_t a, b, c;
	int calls;

	g_hash_table_add(confirming, g_strdup(BRIDGE));
	s = batching_with_device();
	a = enqueue(DEVICE);
	b = enqueue(DEVICE);
	ck_assert_int_eq(registry_wake(reg, DEVICE, a, &outcome, &err), 0);
	ck_assert_int_eq(outcome, REGISTRY_WAKE_SENT);
	ck_assert_uint_eq(next_command(s), a);
	feed(s, device_response(BRIDGE, DEVICE, a, 0));
	/* a's states are still queued, and b was read and sent all the same */
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 2);
	ck_assert_uint_eq(next_command(s), b);
	feed(s, device_response(BRIDGE, DEVICE, b, 0));
	begin_locked = 1;
	registry_turn_end(reg);
	begin_locked = 0;
	c = enqueue(DEVICE);
	calls = store_calls;
	ck_assert_int_eq(registry_wake(reg, DEVICE, c, &outcome, &err), 0);
	ck_assert_int_eq(outcome, REGISTRY_WAKE_QUEUED);
	ck_assert_int_eq(store_calls, calls);
	/* the writes are done at the retry, then the outbox is read */
	advance(cfg.store_retry);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | sent:101 settled:101 sent:102 settled:102 | ");
	ck_assert_uint_eq(next_command(s), c);
	registry_session_close(reg, s);
}
END_TEST

/* The queue's bound drops the printers' last_seen updates first, then the oldest writes. */
START_TEST(test_batch_bound_drops_touches_first)
{
	struct relay_session *s;

	cfg.touch_interval = 1;
	cfg.store_pending_max = 4;
	s = batching_with_device();
	feed(s, heartbeat(BRIDGE, DEVICE2));
	advance(1);
	feed(s, heartbeat(BRIDGE, DEVICE));
	feed(s, heartbeat(BRIDGE, DEVICE2));
	feed(s, did_print(BRIDGE, DEVICE, 0x02, 1));
	feed(s, did_print(BRIDGE, DEVICE, 0x02, 2));
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 4);
	feed(s, did_print(BRIDGE, DEVICE, 0x02, 3));
	ck_assert_uint_eq(registry_counters(reg)->store_dropped, 2);
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 3);
	feed(s, did_print(BRIDGE, DEVICE, 0x02, 4));
	/* no last_seen left: the oldest goes */
	feed(s, did_print(BRIDGE, DEVICE, 0x02, 5));
	ck_assert_uint_eq(registry_counters(reg)->store_dropped, 3);
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 4);
	registry_turn_end(reg);
	ck_assert_ptr_null(g_hash_table_lookup(touched, DEVICE));
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | press:" DEVICE ":02:2 press:" DEVICE ":02:3 press:" DEVICE
			 ":02:4 press:" DEVICE ":02:5 | ");
	registry_session_close(reg, s);
}
END_TEST

/* A journal in a directory of its own, recovered, for a registry over the batching store (journal_mark). */
struct test_journal {
	char *dir;
	char *path;
	struct relay_journal *j;
};

static void test_journal_open(struct test_journal *t)
{
	struct sirius_error err = { "" };
	unsigned replayed, skipped;

	t->dir = g_dir_make_tmp("sirius-journal-XXXXXX", NULL);
	ck_assert_ptr_nonnull(t->dir);
	t->path = g_build_filename(t->dir, "journal", NULL);
	t->j = relay_journal_open(t->path, &err);
	ck_assert_msg(t->j != NULL, "%s", err.message);
	batch_store.journal_mark = fake_journal_mark;
	batch_store.journal_applied = fake_journal_applied;
	ck_assert_int_eq(relay_journal_recover(t->j, &batch_store, &replayed, &skipped, &err), 0);
	journal_marked = 0;
}

/* Frees the fixture's registry (the journal must outlive it), then the journal and its directory. */
static void test_journal_close(struct test_journal *t)
{
	registry_free(reg);
	reg = NULL;
	relay_journal_close(t->j);
	ck_assert_int_eq(g_unlink(t->path), 0);
	ck_assert_int_eq(g_rmdir(t->dir), 0);
	g_free(t->path);
	g_free(t->dir);
}

/* A registry over the batching store with the journal t, a bridge connected and DEVICE online through it. */
static struct relay_session *journaled_with_device(struct test_journal *t)
{
	struct relay_session *s;

	test_journal_open(t);
	cfg.store_gather = 0.01;
	renew_batching();
	registry_set_journal(reg, t->j);
	advance(0); /* the first housekeeping, due at once, out of the way: it would commit what waits */
	s = connect_bridge(&transport_a, BRIDGE);
	feed(s, heartbeat(BRIDGE, DEVICE));
	/* a printer's first record is done at once, after what waited: that commit empties the journal */
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | ");
	ck_assert_uint_eq(journal_marked, 1);
	ck_assert_uint_eq(relay_journal_size(t->j), 0);
	return s;
}

/* A message delivered through s, answered and printed: five writes. */
static void deliver_answer_print(struct relay_session *s, uint32_t id)
{
	enum registry_delivery outcome;

	ck_assert_int_eq(registry_deliver(reg, DEVICE, id, "AQIDBA==", &outcome, NULL), 0);
	ck_assert_int_eq(outcome, REGISTRY_SENT);
	cJSON_Delete(take(s));
	feed(s, device_response(BRIDGE, DEVICE, id, 0));
	feed(s, did_print(BRIDGE, DEVICE, 0x01, id));
}

/*
 * With a journal, the end of a turn appends its writes to the file, and
 * the gather timer commits them store_gather later with the writes of the
 * turns in between, recording the newest line the commit covers; then the
 * file starts again.
 */
START_TEST(test_journal_holds_the_writes_until_their_commit)
{
	struct test_journal t;
	struct relay_session *s = journaled_with_device(&t);
	enum registry_delivery outcome;

	deliver_answer_print(s, 5);
	ck_assert(registry_writes_waiting(reg));
	registry_turn_end(reg);
	/* in the journal, not in the database; nothing more for the loop to wait a turn for */
	ck_assert(!registry_writes_waiting(reg));
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | ");
	ck_assert_uint_eq(relay_journal_last(t.j), 6);
	ck_assert_uint_gt(relay_journal_size(t.j), 0);
	/* a later turn's write joins them */
	advance(0.005);
	ck_assert_int_eq(registry_deliver(reg, DEVICE, 6, "AQIDBA==", &outcome, NULL), 0);
	cJSON_Delete(take(s));
	registry_turn_end(reg);
	ck_assert_uint_eq(relay_journal_last(t.j), 7);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | ");
	advance(0.005);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | sent:5 confirms:" BRIDGE " settled:5 press:" DEVICE
			 ":01:5 printed:5 sent:6 | ");
	ck_assert_uint_eq(journal_marked, 7);
	ck_assert_uint_eq(relay_journal_size(t.j), 0);
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 0);
	registry_session_close(reg, s);
	test_journal_close(&t);
}
END_TEST

/* What must be done at once (a printer's first record) commits what waits in the journal first, in order. */
START_TEST(test_journaled_writes_go_before_what_goes_at_once)
{
	struct test_journal t;
	struct relay_session *s = journaled_with_device(&t);

	deliver_answer_print(s, 5);
	registry_turn_end(reg);
	feed(s, heartbeat(BRIDGE, DEVICE2));
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | sent:5 confirms:" BRIDGE " settled:5 press:" DEVICE
			 ":01:5 printed:5 | ");
	ck_assert_str_eq(writes->str, "bridge:" BRIDGE " seen:" DEVICE " sent:5 confirms:" BRIDGE " settled:5 press:" DEVICE
			 ":01:5 printed:5 seen:" DEVICE2 " ");
	ck_assert_uint_eq(journal_marked, 6);
	/* the gather timer was disarmed with that commit: a write 5 ms later waits its own 10 ms */
	advance(0.005);
	feed(s, did_print(BRIDGE, DEVICE, 0x02, 9));
	registry_turn_end(reg);
	advance(0.006);
	ck_assert_int_eq(batch_begins, 2);
	advance(0.004);
	ck_assert_int_eq(batch_begins, 3);
	ck_assert_ptr_nonnull(strstr(committed->str, "press:" DEVICE ":02:9 | "));
	registry_session_close(reg, s);
	test_journal_close(&t);
}
END_TEST

/* A journal that cannot be written (the disk full) does not hold writes back: they are committed at the turn's end. */
START_TEST(test_journal_that_fails_commits_at_the_turns_end)
{
	struct test_journal t;
	struct relay_session *s = journaled_with_device(&t);
	struct rlimit limit, old;

	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	limit = old;
	limit.rlim_cur = 0;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &limit), 0);
	deliver_answer_print(s, 5);
	registry_turn_end(reg);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | sent:5 confirms:" BRIDGE " settled:5 press:" DEVICE
			 ":01:5 printed:5 | ");
	ck_assert_uint_eq(relay_journal_size(t.j), 0);
	/* once it can be written again, writes wait in it again */
	deliver_answer_print(s, 6);
	registry_turn_end(reg);
	ck_assert_uint_gt(relay_journal_size(t.j), 0);
	advance(0.01);
	ck_assert_uint_eq(relay_journal_size(t.j), 0);
	ck_assert_ptr_nonnull(strstr(committed->str, "printed:6 | "));
	registry_session_close(reg, s);
	test_journal_close(&t);
}
END_TEST

/* A printer's last_seen update changed after it was journaled (a later time merged in) is journaled again. */
START_TEST(test_merged_touch_is_journaled_again)
{
	struct test_journal t;
	struct relay_session *s;
	uint64_t last;

	cfg.touch_interval = 0.001;
	s = journaled_with_device(&t);
	advance(0.002);
	feed(s, heartbeat(BRIDGE, DEVICE));
	registry_turn_end(reg);
	last = relay_journal_last(t.j);
	ck_assert(!registry_writes_waiting(reg));
	advance(0.002);
	feed(s, heartbeat(BRIDGE, DEVICE));
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 1);
	ck_assert(registry_writes_waiting(reg));
	registry_turn_end(reg);
	ck_assert_uint_eq(relay_journal_last(t.j), last + 1);
	advance(0.01);
	ck_assert_int_eq(GPOINTER_TO_INT(g_hash_table_lookup(touched, DEVICE)), 1);
	ck_assert_uint_eq(journal_marked, last + 1);
	registry_session_close(reg, s);
	test_journal_close(&t);
}
END_TEST

/*
 * While the database's lock holds the commit off, new writes still go to
 * the journal at their turn's end; the retry commits them all and marks
 * the newest line.
 */
START_TEST(test_writes_are_journaled_while_the_lock_holds)
{
	struct test_journal t;
	struct relay_session *s = journaled_with_device(&t);

	begin_locked = 1;
	deliver_answer_print(s, 5);
	registry_turn_end(reg);
	ck_assert_uint_eq(relay_journal_last(t.j), 6);
	advance(0.01);
	ck_assert_uint_eq(registry_counters(reg)->store_busy, 1);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | ");
	feed(s, did_print(BRIDGE, DEVICE, 0x02, 9));
	ck_assert(registry_writes_waiting(reg));
	registry_turn_end(reg);
	ck_assert_uint_eq(relay_journal_last(t.j), 7);
	begin_locked = 0;
	advance(cfg.store_retry);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | sent:5 confirms:" BRIDGE " settled:5 press:" DEVICE
			 ":01:5 printed:5 press:" DEVICE ":02:9 | ");
	ck_assert_uint_eq(journal_marked, 7);
	ck_assert_uint_eq(relay_journal_size(t.j), 0);
	registry_session_close(reg, s);
	test_journal_close(&t);
}
END_TEST

/* Writes queued before the journal was given wait in it too, and are committed by the timer. */
START_TEST(test_writes_queued_before_the_journal_are_committed)
{
	struct test_journal t;
	struct relay_session *s;

	test_journal_open(&t);
	cfg.store_gather = 0.01;
	renew_batching();
	advance(0);
	s = connect_bridge(&transport_a, BRIDGE);
	ck_assert_uint_eq(registry_counters(reg)->store_pending, 1);
	registry_set_journal(reg, t.j);
	registry_turn_end(reg);
	ck_assert_uint_eq(relay_journal_last(t.j), 1);
	ck_assert_str_eq(committed->str, "");
	advance(0.01);
	ck_assert_str_eq(committed->str, "bridge:" BRIDGE " | ");
	registry_session_close(reg, s);
	test_journal_close(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("relay_state");
	TCase *tc = tcase_create("registry");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_power_on_and_device_online);
	tcase_add_test(tc, test_device_timeout);
	tcase_add_test(tc, test_device_disconnect_and_two_devices);
	tcase_add_test(tc, test_newest_socket_wins);
	tcase_add_test(tc, test_unsent_commands_move_to_the_new_socket);
	tcase_add_test(tc, test_key_for_claimed_printer);
	tcase_add_test(tc, test_no_key_for_unclaimed_printer);
	tcase_add_test(tc, test_deliver_and_settle);
	tcase_add_test(tc, test_deliver_refusals);
	tcase_add_test(tc, test_bad_traffic_is_counted_not_fatal);
	tcase_add_test(tc, test_log_ring_is_bounded);
	tcase_add_test(tc, test_sweep_and_store_errors);
	tcase_add_test(tc, test_lists_and_counters);
	tcase_add_test(tc, test_counters_with_a_checkpointer);
	tcase_add_test(tc, test_db_lock_defers_writes_instead_of_freezing);
	tcase_add_test(tc, test_offline_bridges_and_devices_are_forgotten_at_the_cap);
	tcase_add_test(tc, test_log_records_are_capped_over_all_bridges);
	tcase_add_test(tc, test_bridge_gets_at_most_ten_commands_and_queue_full_is_retried);
	tcase_add_test(tc, test_old_socket_cannot_bring_devices_online_through_an_offline_bridge);
	tcase_add_test(tc, test_response_of_another_device_settles_nothing);
	tcase_add_test(tc, test_socket_naming_no_bridge_is_closed_after_the_name_timeout);
	tcase_add_test(tc, test_printer_last_seen_is_refreshed_every_few_minutes);
	tcase_add_test(tc, test_message_with_bad_timestamp_is_acted_on);
	tcase_add_test(tc, test_printer_hijack_from_another_bridge_is_refused);
	tcase_add_test(tc, test_move_while_the_bridge_is_silent_waits_for_the_owner);
	tcase_add_test(tc, test_moves_are_automatic_when_configured);
	tcase_add_test(tc, test_bridge_takeover_from_another_address_is_refused);
	tcase_add_test(tc, test_new_device_addresses_per_bridge_are_bounded);
	tcase_add_test(tc, test_offline_queue_drains_in_order_one_at_a_time_through_a_confirming_bridge);
	tcase_add_test(tc, test_thousand_queued_messages_print_in_order);
	tcase_add_test(tc, test_response_without_device_address_settles_and_frees_the_slot);
	tcase_add_test(tc, test_bridge_that_never_confirms_is_never_waited_for_nor_sent_twice);
	tcase_add_test(tc, test_unanswered_command_is_sent_again_then_fails);
	tcase_add_test(tc, test_busy_printer_is_retried_with_backoff);
	tcase_add_test(tc, test_wake_says_sent_queued_or_offline);
	tcase_add_test(tc, test_queue_waits_for_the_key_to_be_accepted);
	tcase_add_test(tc, test_cancelled_message_is_dropped_before_it_is_written);
	tcase_add_test(tc, test_bridge_gone_before_writing_leaves_messages_queued);
	tcase_add_test(tc, test_first_answer_teaches_that_a_bridge_confirms);
	tcase_add_test(tc, test_batch_does_the_turns_writes_in_order);
	tcase_add_test(tc, test_batch_merges_touches);
	tcase_add_test(tc, test_batch_that_meets_the_lock_is_done_later);
	tcase_add_test(tc, test_batch_that_cannot_begin_waits);
	tcase_add_test(tc, test_batch_leaves_out_a_failed_write);
	tcase_add_test(tc, test_batch_is_done_before_what_goes_at_once);
	tcase_add_test(tc, test_outbox_waits_for_locked_writes_only);
	tcase_add_test(tc, test_batch_bound_drops_touches_first);
	tcase_add_test(tc, test_journal_holds_the_writes_until_their_commit);
	tcase_add_test(tc, test_journaled_writes_go_before_what_goes_at_once);
	tcase_add_test(tc, test_journal_that_fails_commits_at_the_turns_end);
	tcase_add_test(tc, test_merged_touch_is_journaled_again);
	tcase_add_test(tc, test_writes_are_journaled_while_the_lock_holds);
	tcase_add_test(tc, test_writes_queued_before_the_journal_are_committed);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
