/* registry.c: the relay's protocol state machine: who is connected, which devices are online, what to send. */
#include "registry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bridge_command.h"
#include "log.h"
#include "return_code.h"

/* Bytes of the informational power_on strings we keep. */
#define INFO_SIZE (BRIDGE_INFO_MAX + 1)
/* Bytes of log text a bridge's ring may hold, whatever its record count. */
#define LOG_RING_MAX_BYTES (64 * 1024)
/* Longest payload a deliver may carry (base64 characters). */
#define DELIVER_PAYLOAD_MAX (1024 * 1024)

/* A message waiting to be written to a socket. */
struct relay_out {
	size_t len;  /* bytes of text */
	char *text;  /* the text, inside buf after the headroom */
	char buf[];  /* headroom free bytes, then the text and a NUL */
};

/* One record of a bridge's log ring. */
struct log_entry {
	double received;    /* when the relay got it */
	int has_created;    /* 1 when created is known */
	double created;     /* the bridge's own time of the record */
	long levelno;       /* Python logging level; -1 when absent */
	char *name;         /* logger name (g_malloc'd) */
	char *levelname;    /* e.g. "ERROR" (g_malloc'd) */
	char *message;      /* the text (g_malloc'd) */
	size_t bytes;       /* what the strings take, for the ring's byte bound */
};

/* A bridge the relay has heard from. Kept until the registry is freed. */
struct relay_bridge {
	char address[DEVICE_ADDRESS_LEN + 1]; /* 16 lower-case hex digits */
	struct relay_session *session;        /* the newest socket speaking for it; NULL when disconnected */
	GHashTable *devices;                  /* address -> struct relay_device *, the devices last reported by it */
	double connected_at;                  /* when its current (or last) socket named it */
	double disconnected_at;               /* when its last socket closed; 0 while connected */
	uint64_t sockets;                     /* sockets that have spoken for it */
	uint64_t power_ons;                   /* power_on messages acted upon */
	char model[INFO_SIZE];                /* from power_on */
	char firmware_version[INFO_SIZE];     /* from power_on */
	char ncp_version[INFO_SIZE];          /* from power_on */
	char local_ip_address[INFO_SIZE];     /* from power_on */
	char mac_address[INFO_SIZE];          /* from power_on */
	GQueue logs;                          /* struct log_entry *, oldest first */
	size_t log_bytes;                     /* bytes the entries' strings take */
	uint64_t logs_dropped;                /* records pushed out of the ring */
};

/* A device (printer) some bridge has reported. Kept until the registry is freed. */
struct relay_device {
	struct registry *reg;                 /* back pointer, for the timer */
	char address[DEVICE_ADDRESS_LEN + 1]; /* 16 lower-case hex digits */
	struct relay_bridge *bridge;          /* the bridge that reported it last */
	int online;                           /* 1 while reported within device_timeout */
	double first_seen;                    /* first report since the relay started */
	double last_seen;                     /* last report */
	struct relay_timer *timer;            /* the silence timer */
	int timer_armed;                      /* 1 while the timer is set */
	int recorded;                         /* 1 once the database has it */
	uint64_t events;                      /* reports received */
};

struct relay_session {
	void *transport;                      /* the event loop's handle for the socket */
	char address[DEVICE_ADDRESS_LEN + 1]; /* the bridge it speaks for; "" until named */
	struct relay_bridge *bridge;          /* that bridge; NULL until named */
	int powered_on;                       /* 1 once a power_on came on this socket */
	GQueue out;                           /* struct relay_out *, to write in order */
	size_t out_bytes;                     /* bytes of text queued */
	double opened;                        /* when the socket was accepted */
	unsigned complaints;                  /* malformed or foreign messages logged so far */
};

struct registry {
	struct registry_config cfg;        /* limits and timeouts */
	struct relay_env env;              /* clock, timers, writeable requests */
	struct relay_store store;          /* the database */
	GHashTable *bridges;               /* address -> struct relay_bridge * (owned) */
	GHashTable *devices;               /* address -> struct relay_device * (owned) */
	GHashTable *sessions;              /* struct relay_session * set (owned) */
	struct relay_timer *sweep;         /* the message time-out sweep */
	struct registry_counters counters; /* what happened so far */
};

void registry_config_default(struct registry_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->device_timeout = 60;
	cfg->message_timeout = 60;
	cfg->sweep_interval = 5;
	cfg->headroom = 0;
	cfg->queue_max_messages = 64;
	cfg->queue_max_bytes = 4 * 1024 * 1024;
	cfg->log_ring = 256;
	cfg->max_bridges = 50000;
	cfg->max_devices = 200000;
	cfg->malformed_log_max = 10;
}

static double now(struct registry *reg)
{
	return reg->env.now(reg->env.ctx);
}

static void log_entry_free(struct log_entry *e)
{
	if (!e)
		return;
	g_free(e->name);
	g_free(e->levelname);
	g_free(e->message);
	g_free(e);
}

static void bridge_free(gpointer p)
{
	struct relay_bridge *b = p;
	struct log_entry *e;

	while ((e = g_queue_pop_head(&b->logs)))
		log_entry_free(e);
	g_hash_table_destroy(b->devices);
	g_free(b);
}

static void device_free_cb(gpointer p)
{
	struct relay_device *d = p;

	d->reg->env.timer_free(d->reg->env.ctx, d->timer);
	g_free(d);
}

static void session_free(gpointer p)
{
	struct relay_session *s = p;
	struct relay_out *o;

	while ((o = g_queue_pop_head(&s->out)))
		free(o);
	g_free(s);
}

/* The sweep: messages sent longer than message_timeout ago without a response become timed out. */
static void sweep_fired(void *arg)
{
	struct registry *reg = arg;
	struct sirius_error err = { "" };
	int count = 0;

	if (reg->store.messages_expire(reg->store.ctx, now(reg), reg->cfg.message_timeout, &count, &err) < 0) {
		reg->counters.store_errors++;
		relay_log(RELAY_LOG_ERROR, "database: timing out messages: %s", err.message);
	} else if (count > 0) {
		reg->counters.messages_timed_out += (uint64_t)count;
		relay_log(RELAY_LOG_INFO, "%d message(s) timed out without a response", count);
	}
	reg->env.timer_arm(reg->env.ctx, reg->sweep, reg->cfg.sweep_interval);
}

struct registry *registry_new(const struct registry_config *cfg, const struct relay_env *env,
			      const struct relay_store *store)
{
	struct registry *reg = g_new0(struct registry, 1);

	reg->cfg = *cfg;
	reg->env = *env;
	reg->store = *store;
	reg->bridges = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, bridge_free);
	reg->devices = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, device_free_cb);
	reg->sessions = g_hash_table_new_full(g_direct_hash, g_direct_equal, session_free, NULL);
	reg->sweep = reg->env.timer_new(reg->env.ctx, sweep_fired, reg);
	if (!reg->sweep) {
		registry_free(reg);
		return NULL;
	}
	reg->env.timer_arm(reg->env.ctx, reg->sweep, 0);
	return reg;
}

void registry_free(struct registry *reg)
{
	if (!reg)
		return;
	/* Devices first: their timers belong to the loop; then bridges and sessions. */
	g_hash_table_destroy(reg->devices);
	g_hash_table_destroy(reg->bridges);
	g_hash_table_destroy(reg->sessions);
	reg->env.timer_free(reg->env.ctx, reg->sweep);
	g_free(reg);
}

struct registry_counters *registry_counters(struct registry *reg)
{
	return &reg->counters;
}

struct relay_session *registry_session_open(struct registry *reg, void *transport)
{
	struct relay_session *s = g_new0(struct relay_session, 1);

	s->transport = transport;
	s->opened = now(reg);
	g_queue_init(&s->out);
	g_hash_table_add(reg->sessions, s);
	reg->counters.sessions_opened++;
	reg->counters.sessions_open++;
	return s;
}

const char *registry_session_address(const struct relay_session *s)
{
	return s->address;
}

/*
 * Queues text (len bytes) on a session. Returns 0, or -1 with a reason in err
 * when the queue is full (nothing queued).
 */
static int session_queue(struct registry *reg, struct relay_session *s, const char *text,
			 struct sirius_error *err)
{
	size_t len = strlen(text);
	struct relay_out *o;
	int was_empty = g_queue_is_empty(&s->out);

	if (g_queue_get_length(&s->out) >= reg->cfg.queue_max_messages ||
	    s->out_bytes + len > reg->cfg.queue_max_bytes) {
		reg->counters.queue_full++;
		return error_set(err, "the outgoing queue of bridge %s is full", s->address);
	}
	o = malloc(sizeof(*o) + reg->cfg.headroom + len + 1);
	if (!o)
		return error_set(err, "out of memory");
	o->len = len;
	o->text = o->buf + reg->cfg.headroom;
	memcpy(o->text, text, len + 1);
	g_queue_push_tail(&s->out, o);
	s->out_bytes += len;
	if (was_empty)
		reg->env.want_write(reg->env.ctx, s->transport);
	return 0;
}

const char *registry_session_peek(struct relay_session *s, size_t *len)
{
	struct relay_out *o = g_queue_peek_head(&s->out);

	if (!o)
		return NULL;
	*len = o->len;
	return o->text;
}

int registry_session_pop(struct registry *reg, struct relay_session *s)
{
	struct relay_out *o = g_queue_pop_head(&s->out);

	if (o) {
		s->out_bytes -= o->len;
		reg->counters.frames_written++;
		free(o);
	}
	return !g_queue_is_empty(&s->out);
}

/* Logs a complaint about a socket's traffic, going quiet after malformed_log_max of them. */
static void complain(struct registry *reg, struct relay_session *s, const char *what, const char *why)
{
	s->complaints++;
	if (s->complaints > reg->cfg.malformed_log_max)
		return;
	relay_log(RELAY_LOG_WARN, "bridge %s: %s message ignored: %s%s", s->address[0] ? s->address : "(unnamed)",
		  what, why, s->complaints == reg->cfg.malformed_log_max ? " (further complaints about this socket not logged)" : "");
}

/* ---- devices ---------------------------------------------------------------- */

static void device_offline(struct registry *reg, struct relay_device *d, const char *why)
{
	if (!d->online)
		return;
	d->online = 0;
	reg->counters.devices_online--;
	if (d->timer_armed)
		reg->env.timer_cancel(reg->env.ctx, d->timer);
	d->timer_armed = 0;
	relay_log(RELAY_LOG_INFO, "device %s offline (bridge %s): %s", d->address, d->bridge ? d->bridge->address : "-", why);
}

/* The silence timer: offline when nothing came for device_timeout, else wait for the rest of it. */
static void device_timer_fired(void *arg)
{
	struct relay_device *d = arg;
	struct registry *reg = d->reg;
	double silent = now(reg) - d->last_seen;

	d->timer_armed = 0;
	if (!d->online)
		return;
	if (silent >= reg->cfg.device_timeout - 0.001) {
		reg->counters.devices_timed_out++;
		device_offline(reg, d, "silent for too long");
		return;
	}
	reg->env.timer_arm(reg->env.ctx, d->timer, reg->cfg.device_timeout - silent);
	d->timer_armed = 1;
}

/* Has the database record the printer; failures are logged and retried on its next sign of life. */
static void device_record(struct registry *reg, struct relay_device *d)
{
	struct sirius_error err = { "" };

	if (reg->store.printer_seen(reg->store.ctx, d->address, now(reg), &err) < 0) {
		reg->counters.store_errors++;
		relay_log(RELAY_LOG_ERROR, "device %s: database: recording the printer: %s", d->address, err.message);
		return;
	}
	if (!d->recorded)
		relay_log(RELAY_LOG_DEBUG, "device %s recorded", d->address);
	d->recorded = 1;
}

/*
 * A bridge reported a device (why names the report): it is online through
 * that bridge from now on. Returns the device, or NULL when it is new and
 * max_devices is reached.
 */
static struct relay_device *device_touch(struct registry *reg, struct relay_bridge *b, const char *address,
					 const char *why)
{
	struct relay_device *d = g_hash_table_lookup(reg->devices, address);
	double t = now(reg);

	if (!d) {
		if (g_hash_table_size(reg->devices) >= reg->cfg.max_devices) {
			reg->counters.ignored_devices++;
			if (reg->counters.ignored_devices == 1 || reg->counters.ignored_devices % 1000 == 0)
				relay_log(RELAY_LOG_WARN, "device %s (bridge %s) ignored: %zu devices known already",
					  address, b->address, reg->cfg.max_devices);
			return NULL;
		}
		d = g_new0(struct relay_device, 1);
		d->reg = reg;
		memcpy(d->address, address, DEVICE_ADDRESS_LEN + 1);
		d->timer = reg->env.timer_new(reg->env.ctx, device_timer_fired, d);
		if (!d->timer) {
			g_free(d);
			return NULL;
		}
		d->first_seen = t;
		g_hash_table_insert(reg->devices, d->address, d);
	}
	if (d->bridge != b) {
		if (d->bridge) {
			g_hash_table_remove(d->bridge->devices, d->address);
			if (d->online)
				relay_log(RELAY_LOG_INFO, "device %s moved from bridge %s to bridge %s", d->address,
					  d->bridge->address, b->address);
		}
		d->bridge = b;
		g_hash_table_insert(b->devices, d->address, d);
	}
	d->last_seen = t;
	d->events++;
	if (!d->online) {
		d->online = 1;
		reg->counters.devices_online++;
		relay_log(RELAY_LOG_INFO, "device %s online (bridge %s, %s)", d->address, b->address, why);
		device_record(reg, d);
	} else if (!d->recorded) {
		device_record(reg, d);
	}
	if (!d->timer_armed) {
		reg->env.timer_arm(reg->env.ctx, d->timer, reg->cfg.device_timeout);
		d->timer_armed = 1;
	}
	return d;
}

/* The session a device's commands go to: its bridge's newest socket; NULL when offline. */
static struct relay_session *device_session(struct relay_device *d)
{
	if (!d || !d->online || !d->bridge)
		return NULL;
	return d->bridge->session;
}

/*
 * Sends a device its link key when its printer is claimed. Returns 0 with
 * *outcome set, or -1 with a reason in err (database error, full queue).
 */
static int device_send_key(struct registry *reg, const char *address, enum registry_delivery *outcome,
			   struct sirius_error *err)
{
	struct relay_device *d = g_hash_table_lookup(reg->devices, address);
	struct relay_session *s;
	char key[LINK_KEY_BASE64_SIZE];
	uint32_t id;
	char *json;
	int rc;

	rc = reg->store.printer_key(reg->store.ctx, address, key, err);
	if (rc < 0) {
		reg->counters.store_errors++;
		relay_log(RELAY_LOG_ERROR, "device %s: database: reading its key: %s", address, err ? err->message : "");
		return -1;
	}
	if (rc == 0) {
		reg->counters.keys_unclaimed++;
		relay_log(RELAY_LOG_INFO, "device %s: no key to send, the printer is not claimed", address);
		*outcome = REGISTRY_UNCLAIMED;
		return 0;
	}
	s = device_session(d);
	if (!s) {
		*outcome = REGISTRY_OFFLINE;
		return 0;
	}
	if (reg->store.next_command_id(reg->store.ctx, &id, err) < 0) {
		reg->counters.store_errors++;
		relay_log(RELAY_LOG_ERROR, "device %s: database: allocating a command id: %s", address, err ? err->message : "");
		return -1;
	}
	json = bridge_command_add_key_json(d->bridge->address, address, id, key);
	if (!json)
		return error_set(err, "cannot build the key command for %s", address);
	rc = session_queue(reg, s, json, err);
	free(json);
	if (rc < 0) {
		relay_log(RELAY_LOG_WARN, "device %s: key command %u not sent: %s", address, id, err ? err->message : "");
		return -1;
	}
	reg->counters.keys_sent++;
	relay_log(RELAY_LOG_INFO, "device %s: key sent through bridge %s (command %u)", address, d->bridge->address, id);
	*outcome = REGISTRY_SENT;
	return 0;
}

/* ---- bridges ---------------------------------------------------------------- */

/* The bridge's socket is gone: it and every device it reported go offline. */
static void bridge_offline(struct registry *reg, struct relay_bridge *b, const char *why)
{
	GHashTableIter it;
	gpointer value;

	g_hash_table_iter_init(&it, b->devices);
	while (g_hash_table_iter_next(&it, NULL, &value))
		device_offline(reg, value, "its bridge disconnected");
	b->session = NULL;
	b->disconnected_at = now(reg);
	reg->counters.bridges_online--;
	relay_log(RELAY_LOG_INFO, "bridge %s offline: %s", b->address, why);
}

/*
 * The first message naming a bridge on a socket: the session speaks for that
 * bridge from now on and, as the newest socket, owns it. Returns 0, or -1
 * when the bridge is new and max_bridges is reached.
 */
static int session_bind(struct registry *reg, struct relay_session *s, const char *address)
{
	struct relay_bridge *b = g_hash_table_lookup(reg->bridges, address);
	struct relay_session *old;
	struct relay_out *o;

	if (!b) {
		if (g_hash_table_size(reg->bridges) >= reg->cfg.max_bridges) {
			reg->counters.refused_bridges++;
			relay_log(RELAY_LOG_WARN, "bridge %s refused: %zu bridges known already", address, reg->cfg.max_bridges);
			return -1;
		}
		b = g_new0(struct relay_bridge, 1);
		memcpy(b->address, address, DEVICE_ADDRESS_LEN + 1);
		b->devices = g_hash_table_new(g_str_hash, g_str_equal);
		g_queue_init(&b->logs);
		g_hash_table_insert(reg->bridges, b->address, b);
	}
	memcpy(s->address, address, DEVICE_ADDRESS_LEN + 1);
	s->bridge = b;
	b->sockets++;
	old = b->session;
	b->session = s;
	b->connected_at = now(reg);
	b->disconnected_at = 0;
	if (old) {
		/* The old socket is stale: what it has not written yet goes out on the new one. */
		reg->counters.takeovers++;
		while ((o = g_queue_pop_head(&old->out))) {
			old->out_bytes -= o->len;
			g_queue_push_tail(&s->out, o);
			s->out_bytes += o->len;
		}
		if (!g_queue_is_empty(&s->out))
			reg->env.want_write(reg->env.ctx, s->transport);
		relay_log(RELAY_LOG_INFO, "bridge %s connected again: the new socket takes over from the old one", address);
	} else {
		reg->counters.bridges_online++;
		relay_log(RELAY_LOG_INFO, "bridge %s connected", address);
	}
	return 0;
}

/* Keeps a BridgeLog's records in the bridge's ring, dropping the oldest beyond its bounds. */
static void bridge_keep_logs(struct registry *reg, struct relay_bridge *b, const struct bridge_message *msg)
{
	size_t i;
	double t = now(reg);

	reg->counters.log_records += msg->log.total;
	for (i = 0; i < msg->log.count; i++) {
		const struct bridge_log_record *r = &msg->log.records[i];
		struct log_entry *e = g_new0(struct log_entry, 1);

		e->received = t;
		e->has_created = r->has_created;
		e->created = r->created;
		e->levelno = r->has_levelno ? r->levelno : -1;
		e->name = g_strdup(r->name);
		e->levelname = g_strdup(r->levelname);
		e->message = g_strdup(r->message);
		e->bytes = strlen(r->name) + strlen(r->levelname) + strlen(r->message) + sizeof(*e);
		g_queue_push_tail(&b->logs, e);
		b->log_bytes += e->bytes;
		while (g_queue_get_length(&b->logs) > reg->cfg.log_ring || b->log_bytes > LOG_RING_MAX_BYTES) {
			struct log_entry *old = g_queue_pop_head(&b->logs);

			b->log_bytes -= old->bytes;
			b->logs_dropped++;
			log_entry_free(old);
		}
		relay_log(RELAY_LOG_DEBUG, "bridge %s log: %s %s: %s", b->address, r->levelname, r->name, r->message);
	}
	b->logs_dropped += msg->log.total - msg->log.count;
}

/* ---- messages from a bridge ------------------------------------------------- */

/* Acts on one decoded message of a session that speaks for a bridge. */
static void dispatch(struct registry *reg, struct relay_session *s, const struct bridge_message *msg)
{
	struct relay_bridge *b = s->bridge;
	struct relay_device *d;
	struct sirius_error err = { "" };
	enum registry_delivery outcome;

	switch (msg->kind) {
	case BRIDGE_MESSAGE_MALFORMED:
		reg->counters.malformed++;
		complain(reg, s, "malformed", msg->reason.message);
		break;
	case BRIDGE_MESSAGE_UNKNOWN:
		reg->counters.unknown++;
		complain(reg, s, "unknown", msg->reason.message);
		break;
	case BRIDGE_MESSAGE_POWER_ON:
		if (s->powered_on) {
			reg->counters.power_on_replays++;
			relay_log(RELAY_LOG_DEBUG, "bridge %s: power_on replayed on the same socket, ignored", b->address);
			break;
		}
		s->powered_on = 1;
		b->power_ons++;
		memcpy(b->model, msg->power_on.model, INFO_SIZE);
		memcpy(b->firmware_version, msg->power_on.firmware_version, INFO_SIZE);
		memcpy(b->ncp_version, msg->power_on.ncp_version, INFO_SIZE);
		memcpy(b->local_ip_address, msg->power_on.local_ip_address, INFO_SIZE);
		memcpy(b->mac_address, msg->power_on.mac_address, INFO_SIZE);
		relay_log(RELAY_LOG_INFO, "bridge %s power_on: model %s, firmware %s, ncp %s, ip %s", b->address,
			  b->model, b->firmware_version, b->ncp_version, b->local_ip_address);
		break;
	case BRIDGE_MESSAGE_DEVICE_CONNECT:
		device_touch(reg, b, msg->device_address, "device_connect");
		break;
	case BRIDGE_MESSAGE_DEVICE_DISCONNECT:
		d = g_hash_table_lookup(reg->devices, msg->device_address);
		if (d && d->bridge == b)
			device_offline(reg, d, "device_disconnect");
		break;
	case BRIDGE_MESSAGE_ENCRYPTION_KEY_REQUIRED:
		if (!device_touch(reg, b, msg->device_address, "encryption_key_required"))
			break;
		relay_log(RELAY_LOG_INFO, "device %s (bridge %s) asks for its key", msg->device_address, b->address);
		if (device_send_key(reg, msg->device_address, &outcome, &err) < 0)
			relay_log(RELAY_LOG_WARN, "device %s: key not sent: %s", msg->device_address, err.message);
		break;
	case BRIDGE_MESSAGE_BRIDGE_LOG:
		bridge_keep_logs(reg, b, msg);
		break;
	case BRIDGE_MESSAGE_HEARTBEAT:
		device_touch(reg, b, msg->device_address, "heartbeat");
		relay_log(RELAY_LOG_DEBUG, "device %s (bridge %s) heartbeat, uptime %u s", msg->device_address, b->address,
			  msg->event.heartbeat.uptime);
		break;
	case BRIDGE_MESSAGE_DID_POWER_ON: {
		const char *cause = device_event_reset_cause(msg->event.did_power_on.reset_description);

		device_touch(reg, b, msg->device_address, "did_power_on");
		relay_log(RELAY_LOG_INFO, "device %s (bridge %s) powered on: firmware %s, reset cause %s",
			  msg->device_address, b->address, msg->event.did_power_on.firmware_build_version,
			  cause ? cause : "unknown");
		break;
	}
	case BRIDGE_MESSAGE_DID_PRINT:
		device_touch(reg, b, msg->device_address, "did_print");
		relay_log(RELAY_LOG_INFO, "device %s (bridge %s) did_print %s, print id %u", msg->device_address, b->address,
			  device_event_print_type_name(msg->event.did_print.print_type), msg->event.did_print.print_id);
		if (msg->event.did_print.print_type == DEVICE_EVENT_PRINT_DELIVERY) {
			reg->counters.printed++;
			if (reg->store.message_printed(reg->store.ctx, msg->event.did_print.print_id, now(reg), &err) < 0) {
				reg->counters.store_errors++;
				relay_log(RELAY_LOG_ERROR, "device %s: database: marking message %u printed: %s",
					  msg->device_address, msg->event.did_print.print_id, err.message);
			}
		}
		break;
	case BRIDGE_MESSAGE_PRODUCT_ANNOUNCE:
	case BRIDGE_MESSAGE_GENERIC_DEVICE_EVENT:
		device_touch(reg, b, msg->device_address, bridge_message_kind_name(msg->kind));
		relay_log(RELAY_LOG_DEBUG, "device %s (bridge %s) %s", msg->device_address, b->address,
			  bridge_message_kind_name(msg->kind));
		break;
	case BRIDGE_MESSAGE_BRIDGE_COMMAND_RESPONSE:
		relay_log(msg->response.return_code == 0 ? RELAY_LOG_INFO : RELAY_LOG_WARN,
			  "bridge %s answered command %u: %s (%ld)", b->address, msg->response.command_id,
			  return_code_name(msg->response.return_code), msg->response.return_code);
		break;
	case BRIDGE_MESSAGE_DEVICE_COMMAND_RESPONSE:
		if (msg->response.return_code == 0)
			reg->counters.responses_delivered++;
		else
			reg->counters.responses_failed++;
		relay_log(msg->response.return_code == 0 ? RELAY_LOG_INFO : RELAY_LOG_WARN,
			  "device %s (bridge %s) answered command %u: %s (%ld)", msg->device_address, b->address,
			  msg->response.command_id, return_code_name(msg->response.return_code), msg->response.return_code);
		if (reg->store.message_settled(reg->store.ctx, msg->response.command_id, msg->response.return_code,
					       now(reg), &err) < 0) {
			reg->counters.store_errors++;
			relay_log(RELAY_LOG_ERROR, "device %s: database: settling message %u: %s", msg->device_address,
				  msg->response.command_id, err.message);
		}
		break;
	case BRIDGE_MESSAGE_KIND_COUNT:
		break;
	}
}

int registry_session_receive(struct registry *reg, struct relay_session *s, const char *text, size_t len)
{
	struct bridge_message msg;
	int rc = 0;

	memset(&msg, 0, sizeof(msg));
	bridge_message_decode(text, len, &msg);
	reg->counters.messages++;
	if ((unsigned)msg.kind < BRIDGE_MESSAGE_KIND_COUNT)
		reg->counters.by_kind[msg.kind]++;
	if (!s->bridge) {
		if (!msg.bridge_address[0]) {
			reg->counters.no_address++;
			if (msg.kind == BRIDGE_MESSAGE_MALFORMED)
				reg->counters.malformed++;
			complain(reg, s, "first", msg.kind == BRIDGE_MESSAGE_MALFORMED ? msg.reason.message
				 : "it names no bridge");
			goto out;
		}
		if (session_bind(reg, s, msg.bridge_address) < 0) {
			rc = -1;
			goto out;
		}
	} else if (msg.bridge_address[0] && strcmp(msg.bridge_address, s->address) != 0) {
		reg->counters.foreign_address++;
		complain(reg, s, "foreign", "it names another bridge");
		goto out;
	}
	dispatch(reg, s, &msg);
out:
	bridge_message_clear(&msg);
	return rc;
}

void registry_session_close(struct registry *reg, struct relay_session *s)
{
	if (s->bridge && s->bridge->session == s)
		bridge_offline(reg, s->bridge, "its socket closed");
	else if (s->bridge)
		relay_log(RELAY_LOG_INFO, "bridge %s: an old socket closed (a newer one is connected)", s->address);
	reg->counters.sessions_open--;
	g_hash_table_remove(reg->sessions, s);
}

/* ---- control requests ------------------------------------------------------- */

const char *registry_delivery_name(enum registry_delivery outcome)
{
	switch (outcome) {
	case REGISTRY_SENT:
		return "sent";
	case REGISTRY_OFFLINE:
		return "offline";
	case REGISTRY_UNCLAIMED:
		return "unclaimed";
	}
	return "unknown";
}

int registry_deliver(struct registry *reg, const char *device, uint32_t command_id, const char *payload,
		     enum registry_delivery *outcome, struct sirius_error *err)
{
	struct relay_device *d;
	struct relay_session *s;
	char *json;
	size_t len;

	if (!device_address_valid(device))
		return error_set(err, "invalid device address");
	if (command_id == 0)
		return error_set(err, "command_id must not be 0");
	if (!payload || !(len = strnlen(payload, DELIVER_PAYLOAD_MAX + 1)) || len > DELIVER_PAYLOAD_MAX)
		return error_set(err, "the payload must be 1 to %d characters of base64", DELIVER_PAYLOAD_MAX);
	d = g_hash_table_lookup(reg->devices, device);
	s = device_session(d);
	if (!s) {
		reg->counters.deliveries_offline++;
		relay_log(RELAY_LOG_INFO, "device %s: message %u not sent, the device is offline", device, command_id);
		*outcome = REGISTRY_OFFLINE;
		return 0;
	}
	json = bridge_command_device_json(d->bridge->address, device, command_id, payload);
	if (!json)
		return error_set(err, "the payload is not canonical base64");
	if (session_queue(reg, s, json, err) < 0) {
		free(json);
		relay_log(RELAY_LOG_WARN, "device %s: message %u not sent: %s", device, command_id, err ? err->message : "");
		return -1;
	}
	free(json);
	reg->counters.deliveries_sent++;
	relay_log(RELAY_LOG_INFO, "device %s: message %u sent through bridge %s (%zu bytes of base64)", device,
		  command_id, d->bridge->address, len);
	{
		struct sirius_error e = { "" };

		if (reg->store.message_sent(reg->store.ctx, command_id, now(reg), &e) < 0) {
			reg->counters.store_errors++;
			relay_log(RELAY_LOG_ERROR, "device %s: database: marking message %u sending: %s", device, command_id,
				  e.message);
		}
	}
	*outcome = REGISTRY_SENT;
	return 0;
}

int registry_push_key(struct registry *reg, const char *device, enum registry_delivery *outcome,
		      struct sirius_error *err)
{
	if (!device_address_valid(device))
		return error_set(err, "invalid device address");
	return device_send_key(reg, device, outcome, err);
}

int registry_device_online(struct registry *reg, const char *device)
{
	struct relay_device *d = g_hash_table_lookup(reg->devices, device);

	return d && d->online;
}

/* The status object of a device (d may be NULL for an unknown one). */
static cJSON *device_status_json(const char *address, const struct relay_device *d)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	if (!cJSON_AddStringToObject(o, "address", address) ||
	    !cJSON_AddBoolToObject(o, "online", d && d->online) ||
	    !cJSON_AddStringToObject(o, "bridge", d && d->bridge ? d->bridge->address : "") ||
	    !cJSON_AddNumberToObject(o, "last_seen", d ? d->last_seen : 0)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *registry_device_json(struct registry *reg, const char *device)
{
	return device_status_json(device, g_hash_table_lookup(reg->devices, device));
}

/* Orders strings for sorted lists. */
static gint compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of a table as a sorted GPtrArray (borrowed strings). */
static GPtrArray *sorted_keys(GHashTable *table)
{
	GPtrArray *keys = g_ptr_array_sized_new(g_hash_table_size(table));
	GHashTableIter it;
	gpointer key;

	g_hash_table_iter_init(&it, table);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(keys, key);
	g_ptr_array_sort(keys, compare_strings);
	return keys;
}

cJSON *registry_devices_json(struct registry *reg)
{
	cJSON *list = cJSON_CreateArray();
	GPtrArray *keys = sorted_keys(reg->devices);
	guint i;

	for (i = 0; list && i < keys->len; i++) {
		const char *address = g_ptr_array_index(keys, i);
		cJSON *o = device_status_json(address, g_hash_table_lookup(reg->devices, address));

		if (!o || !cJSON_AddItemToArray(list, o)) {
			cJSON_Delete(o);
			cJSON_Delete(list);
			list = NULL;
		}
	}
	g_ptr_array_free(keys, TRUE);
	return list;
}

/* A bridge's object for the bridges list; NULL when out of memory. */
static cJSON *bridge_json(const struct relay_bridge *b)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *devices = cJSON_CreateArray();
	GPtrArray *keys = sorted_keys(b->devices);
	guint i;
	int ok = o && devices;

	for (i = 0; ok && i < keys->len; i++) {
		cJSON *s = cJSON_CreateString(g_ptr_array_index(keys, i));

		ok = s && cJSON_AddItemToArray(devices, s);
		if (!ok)
			cJSON_Delete(s);
	}
	g_ptr_array_free(keys, TRUE);
	ok = ok && cJSON_AddStringToObject(o, "address", b->address) &&
	     cJSON_AddBoolToObject(o, "online", b->session != NULL) &&
	     cJSON_AddNumberToObject(o, "connected_at", b->connected_at) &&
	     cJSON_AddNumberToObject(o, "disconnected_at", b->disconnected_at) &&
	     cJSON_AddNumberToObject(o, "sockets", (double)b->sockets) &&
	     cJSON_AddNumberToObject(o, "power_ons", (double)b->power_ons) &&
	     cJSON_AddStringToObject(o, "model", b->model) &&
	     cJSON_AddStringToObject(o, "firmware_version", b->firmware_version) &&
	     cJSON_AddStringToObject(o, "ncp_version", b->ncp_version) &&
	     cJSON_AddStringToObject(o, "local_ip_address", b->local_ip_address) &&
	     cJSON_AddStringToObject(o, "mac_address", b->mac_address) &&
	     cJSON_AddNumberToObject(o, "log_records", (double)g_queue_get_length((GQueue *)&b->logs)) &&
	     cJSON_AddNumberToObject(o, "queued", b->session ? (double)g_queue_get_length(&b->session->out) : 0);
	if (ok) {
		ok = cJSON_AddItemToObject(o, "devices", devices);
		devices = ok ? NULL : devices;
	}
	cJSON_Delete(devices);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *registry_bridges_json(struct registry *reg)
{
	cJSON *list = cJSON_CreateArray();
	GPtrArray *keys = sorted_keys(reg->bridges);
	guint i;

	for (i = 0; list && i < keys->len; i++) {
		cJSON *o = bridge_json(g_hash_table_lookup(reg->bridges, g_ptr_array_index(keys, i)));

		if (!o || !cJSON_AddItemToArray(list, o)) {
			cJSON_Delete(o);
			cJSON_Delete(list);
			list = NULL;
		}
	}
	g_ptr_array_free(keys, TRUE);
	return list;
}

cJSON *registry_logs_json(struct registry *reg, const char *bridge, struct sirius_error *err)
{
	struct relay_bridge *b;
	cJSON *list;
	GList *l;

	if (!device_address_valid(bridge)) {
		error_set(err, "invalid bridge address");
		return NULL;
	}
	b = g_hash_table_lookup(reg->bridges, bridge);
	if (!b) {
		error_set(err, "unknown bridge");
		return NULL;
	}
	list = cJSON_CreateArray();
	for (l = b->logs.head; list && l; l = l->next) {
		const struct log_entry *e = l->data;
		cJSON *o = cJSON_CreateObject();
		int ok = o && cJSON_AddNumberToObject(o, "received", e->received) &&
			 (!e->has_created || cJSON_AddNumberToObject(o, "created", e->created)) &&
			 (e->levelno < 0 || cJSON_AddNumberToObject(o, "levelno", (double)e->levelno)) &&
			 cJSON_AddStringToObject(o, "levelname", e->levelname) &&
			 cJSON_AddStringToObject(o, "name", e->name) &&
			 cJSON_AddStringToObject(o, "message", e->message);

		if (!ok || !cJSON_AddItemToArray(list, o)) {
			cJSON_Delete(o);
			cJSON_Delete(list);
			list = NULL;
		}
	}
	if (!list)
		error_set(err, "out of memory");
	return list;
}

cJSON *registry_counters_json(struct registry *reg)
{
	const struct registry_counters *c = &reg->counters;
	cJSON *o = cJSON_CreateObject();
	cJSON *kinds = cJSON_CreateObject();
	int ok = o && kinds;
	int k;

#define COUNTER(name) ok = ok && cJSON_AddNumberToObject(o, #name, (double)c->name)
	COUNTER(sessions_opened);
	COUNTER(sessions_open);
	COUNTER(bridges_online);
	COUNTER(devices_online);
	COUNTER(messages);
	COUNTER(malformed);
	COUNTER(unknown);
	COUNTER(no_address);
	COUNTER(foreign_address);
	COUNTER(power_on_replays);
	COUNTER(takeovers);
	COUNTER(refused_bridges);
	COUNTER(ignored_devices);
	COUNTER(devices_timed_out);
	COUNTER(keys_sent);
	COUNTER(keys_unclaimed);
	COUNTER(deliveries_sent);
	COUNTER(deliveries_offline);
	COUNTER(queue_full);
	COUNTER(frames_written);
	COUNTER(responses_delivered);
	COUNTER(responses_failed);
	COUNTER(printed);
	COUNTER(messages_timed_out);
	COUNTER(log_records);
	COUNTER(store_errors);
	COUNTER(oversize);
	COUNTER(control_requests);
	COUNTER(control_errors);
#undef COUNTER
	ok = ok && cJSON_AddNumberToObject(o, "bridges_known", g_hash_table_size(reg->bridges)) &&
	     cJSON_AddNumberToObject(o, "devices_known", g_hash_table_size(reg->devices));
	for (k = 0; ok && k < BRIDGE_MESSAGE_KIND_COUNT; k++)
		ok = cJSON_AddNumberToObject(kinds, bridge_message_kind_name((enum bridge_message_kind)k),
					     (double)c->by_kind[k]) != NULL;
	if (ok) {
		ok = cJSON_AddItemToObject(o, "by_kind", kinds);
		kinds = ok ? NULL : kinds;
	}
	cJSON_Delete(kinds);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}
