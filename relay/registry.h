/* registry.h: the relay's protocol state machine (bridges, their sockets, devices, replies), free of the event loop. */
#ifndef SIRIUS_RELAY_REGISTRY_H
#define SIRIUS_RELAY_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <glib.h>

#include "bridge_message.h"
#include "device_address.h"
#include "error.h"
#include "store.h"

/*
 * How to use it: the event loop creates one registry with an environment (a
 * clock, timers, a way to ask for a writeable callback or a close) and a
 * store (the database). For every accepted websocket it opens a session,
 * feeds it every complete text message, drains its outgoing queue when the
 * socket is writeable and closes the session when the socket is gone. The
 * control socket calls the registry_deliver / registry_push_key / *_json
 * functions. Everything runs on the event loop's one thread.
 *
 * Invariants: a bridge is owned by at most one session (its "newest" socket;
 * an older one takes it back only when it has no owner), and only the owner
 * changes the state of devices. A bridge holds at most in_flight_max
 * unanswered DeviceCommands; the rest wait in its queue. Memory is bounded:
 * bridges and devices beyond their caps replace the least recently seen
 * offline ones, log records are capped per bridge and in total, and database
 * writes that met a lock wait in a bounded queue retried from a timer.
 */

struct relay_timer; /* a one-shot timer of the event loop, opaque here */

/* The event loop as the registry sees it; the unit tests put a fake clock behind it. */
struct relay_env {
	void *ctx; /* passed back to every function */
	/* Wall-clock time in seconds since 1970. */
	double (*now)(void *ctx);
	/* A session's outgoing queue is no longer empty: call back when its socket can be written. */
	void (*want_write)(void *ctx, void *transport);
	/* A new timer that calls fire(arg) when it expires; NULL when out of memory. Not armed. */
	struct relay_timer *(*timer_new)(void *ctx, void (*fire)(void *arg), void *arg);
	/* (Re)arms a timer to expire delay seconds from now. */
	void (*timer_arm)(void *ctx, struct relay_timer *timer, double delay);
	/* Disarms a timer (nothing when it is not armed). */
	void (*timer_cancel)(void *ctx, struct relay_timer *timer);
	/* Disarms and frees a timer; NULL is allowed. */
	void (*timer_free)(void *ctx, struct relay_timer *timer);
	/* Closes a session's socket soon (not from within this call); registry_session_close follows. */
	void (*close)(void *ctx, void *transport);
};

/* Limits and timeouts; registry_config_default fills the production values. */
struct registry_config {
	double device_timeout;     /* seconds of silence after which a device is offline (60) */
	double message_timeout;    /* seconds a confirming bridge may take to answer a command before it is sent again (60) */
	double unconfirmed_hold;   /* seconds a command written to a bridge that never confirmed holds its slot (1) */
	unsigned resends;          /* times an unanswered command to a confirming bridge is sent again before it fails (2) */
	double queue_lifetime;     /* seconds a message may wait in the outbox before it expires (7 days) */
	unsigned keep_messages;    /* messages kept per printer (100); older ones are deleted when settled */
	double keep_age;           /* seconds settled messages are kept at most (365 days) */
	double sweep_interval;     /* seconds between two runs of the outbox's housekeeping (60) */
	double name_timeout;       /* seconds a socket may stay without naming a bridge before it is closed (30) */
	double touch_interval;     /* least seconds between two last_seen updates of a printer in the database (180) */
	double store_retry;        /* seconds between two tries of database writes that met a lock (1) */
	double store_gather;       /* seconds journaled writes wait for their commit (0.01; journal.h); 0: each turn's at its end */
	double busy_backoff;       /* seconds before resending a command refused as "queue full" or "busy" (2, doubling) */
	unsigned busy_retries;     /* resends of such a command before it fails with that code (5) */
	size_t in_flight_max;      /* DeviceCommands a bridge may hold unanswered (10, PROTOCOL.md 3) */
	size_t headroom;           /* bytes kept free before every outgoing message (LWS_PRE) */
	size_t queue_max_messages; /* messages a bridge's outgoing queue may hold (waiting and unwritten) */
	size_t queue_max_bytes;    /* bytes a bridge's outgoing queue may hold */
	size_t log_ring;           /* bridge log records kept per bridge */
	size_t log_total_bytes;    /* bytes of log records kept over all bridges; the oldest go first */
	size_t max_bridges;        /* bridges kept in memory; beyond, the least recently seen offline one is forgotten */
	size_t max_devices;        /* devices kept in memory; beyond, the least recently seen offline one is forgotten */
	size_t store_pending_max;  /* database writes queued at most (the turn's, and those waiting for the lock) */
	unsigned malformed_log_max; /* malformed messages logged per socket before going quiet */
	int bridge_moves_auto;     /* 1: a printer reported by another bridge while its own is silent moves at once */
	unsigned new_devices_per_minute; /* device addresses new to the relay a bridge may name per minute (10) */
	double unclaimed_lifetime; /* seconds a never-claimed printer stays in the database unseen (30 days) */
};

/* What a deliver or push_key did. */
enum registry_delivery {
	REGISTRY_SENT,     /* queued on the bridge's socket */
	REGISTRY_OFFLINE,  /* the device is not online, nothing sent */
	REGISTRY_UNCLAIMED /* push_key only: the printer has no owner, nothing sent */
};

/* Counters over the relay's life, all monotonic except the *_open / *_online gauges. */
struct registry_counters {
	uint64_t sessions_opened;          /* websockets accepted */
	uint64_t sessions_open;            /* websockets open now */
	uint64_t bridges_online;           /* bridges with a socket now */
	uint64_t devices_online;           /* devices online now */
	uint64_t messages;                 /* messages received, all kinds */
	uint64_t by_kind[BRIDGE_MESSAGE_KIND_COUNT]; /* messages received, per kind */
	uint64_t malformed;                /* messages that did not decode */
	uint64_t unknown;                  /* well-formed messages of an unknown type, name or code */
	uint64_t no_address;               /* first messages without a bridge address (ignored) */
	uint64_t foreign_address;          /* messages naming another bridge than their socket's */
	uint64_t power_on_replays;         /* later power_on on the same socket (ignored) */
	uint64_t takeovers;                /* bridges that connected again while their old socket lived */
	uint64_t refused_bridges;          /* sockets refused: max_bridges reached and every bridge has a socket */
	uint64_t ignored_devices;          /* device events ignored: max_devices reached and every device online */
	uint64_t bridges_forgotten;        /* offline bridges forgotten to make room for new ones */
	uint64_t devices_forgotten;        /* offline devices forgotten to make room for new ones */
	uint64_t reclaims;                 /* older sockets that took their ownerless bridge back */
	uint64_t stale_events;             /* device reports of a socket whose bridge another socket owns (ignored) */
	uint64_t unnamed_closed;           /* sockets closed for naming no bridge within name_timeout */
	uint64_t ignored_fields;           /* fields and log records of the wrong type left out of messages */
	uint64_t devices_timed_out;        /* devices gone offline after device_timeout of silence */
	uint64_t keys_sent;                /* add_device_encryption_key commands queued */
	uint64_t keys_unclaimed;           /* key requests of unclaimed printers (nothing sent) */
	uint64_t deliveries_sent;          /* DeviceCommands queued */
	uint64_t deliveries_offline;       /* deliveries refused because the device was offline */
	uint64_t queue_full;               /* commands refused because a bridge's queue was full */
	uint64_t commands_requeued;        /* DeviceCommands sent again after the bridge answered "queue full" */
	uint64_t commands_gave_up;         /* DeviceCommands failed after busy_retries "queue full" answers */
	uint64_t commands_expired;         /* DeviceCommands whose slot was freed without a response */
	uint64_t commands_resent;          /* DeviceCommands sent again after a confirming bridge did not answer */
	uint64_t commands_unanswered;      /* messages failed because a confirming bridge never answered */
	uint64_t outbox_taken;             /* messages taken from the outbox to send */
	uint64_t outbox_cancelled;         /* messages dropped because their owner cancelled them */
	uint64_t wakes;                    /* wake requests (a new message in an outbox) */
	uint64_t commands_dropped;         /* DeviceCommands waiting or in flight when their bridge went offline */
	uint64_t frames_written;           /* messages taken from the queues to be written */
	uint64_t responses_delivered;      /* DeviceCommandResponses with code 0 */
	uint64_t responses_failed;         /* DeviceCommandResponses with another code */
	uint64_t printed;                  /* did_print events of deliveries */
	uint64_t messages_expired;         /* queued messages the sweep expired */
	uint64_t messages_deleted;         /* settled messages the sweep deleted (retention) */
	uint64_t log_records;              /* bridge log records received */
	uint64_t store_errors;             /* database calls that failed (not counting locks) */
	uint64_t store_busy;               /* database calls that met another process's lock */
	uint64_t store_retried;            /* database writes done after they met the lock */
	uint64_t store_dropped;            /* database writes dropped because the write queue was full */
	uint64_t store_pending;            /* database writes queued now (for the lock, or the turn's end) */
	uint64_t log_bytes;                /* bytes of log records kept now, all bridges */
	uint64_t log_records_dropped;      /* log records pushed out by the total bound */
	uint64_t oversize;                 /* sockets closed for a too-large message (counted by the loop) */
	uint64_t control_requests;         /* control requests answered */
	uint64_t control_errors;           /* control requests answered with an error */
	uint64_t refused_takeovers;        /* sockets refused: they named a bridge online from another address */
	uint64_t foreign_printer_reports;  /* reports of a printer from a bridge it is not bound to (ignored) */
	uint64_t moves_waiting;            /* printers reported by another bridge while theirs was silent (owner asked) */
	uint64_t moves_auto;               /* printers moved to another bridge at once (bridge_moves_auto) */
	uint64_t keys_refused;             /* key requests of a printer from a bridge it is not bound to */
	uint64_t new_devices_refused;      /* reports of new device addresses beyond new_devices_per_minute */
	uint64_t printers_swept;           /* never-claimed silent printers forgotten by the database */
};

struct registry;
struct relay_session;
struct checkpointer;

/*
 * Production limits: 60 s timeouts, 10 commands in flight per bridge, queues
 * of 64 messages / 4 MiB, 256 log records per bridge and 16 MiB in all.
 */
void registry_config_default(struct registry_config *cfg);

/*
 * A new registry. env and store are copied. Starts the message time-out
 * sweep (its first run is right away). Returns NULL when out of memory.
 */
struct registry *registry_new(const struct registry_config *cfg, const struct relay_env *env,
			      const struct relay_store *store);

/*
 * Does the writes still queued (once more, whatever the lock), then closes
 * every session (without calling the event loop), frees every timer and
 * the registry. While the store's database is still open.
 */
void registry_free(struct registry *reg);

/*
 * The event loop finished a turn (the server's loop: the turn after, once
 * the sockets are written) and is about to wait: the registry does the
 * writes queued, in one batch when the store has them (store.h); with a
 * journal (registry_set_journal) it appends the new ones there, and a
 * timer armed by the first write queued commits them all store_gather
 * after it. Writes
 * that met the lock stay queued and are tried again after 10 ms, doubling
 * up to store_retry (counted in store_busy), and the outbox is not read
 * meanwhile; a commit that fails is logged and counted as a store error.
 * Also before the loop waits for sockets, after what ran first (timers).
 * reg may be NULL.
 */
void registry_turn_end(struct registry *reg);

/*
 * 1 when writes wait for registry_turn_end to do them (queued by a batching
 * store, and not held back by a lock's retry; with a journal, not in it
 * yet), else 0: the loop writes to
 * its sockets first (server.c, before_wait).
 */
int registry_writes_waiting(struct registry *reg);

/* The counters, to read (and for the event loop to count oversize sockets and control requests). */
struct registry_counters *registry_counters(struct registry *reg);

/*
 * A new session for an accepted websocket; transport is the loop's handle
 * for it, peer the address it comes from (the browser-facing proxy's
 * X-Forwarded-For when it came through one); a socket naming a bridge that
 * is online from another address is refused. When it names no bridge within name_timeout, the registry asks the
 * loop to close it (env.close). NULL when out of memory.
 */
struct relay_session *registry_session_open(struct registry *reg, void *transport, const char *peer);

/*
 * The owner confirmed a printer's move to another bridge (or claimed it):
 * the relay reads its binding from the database again at its next report.
 */
void registry_rebind(struct registry *reg, const char *device);

/*
 * Handles one complete text message of len bytes from the session's socket.
 * A session whose bridge has no owner (its newer socket closed) takes the
 * bridge back; one whose bridge another session owns may still answer
 * commands and send logs, but its device reports are ignored (stale_events).
 * Returns 0, or -1 when the socket should be closed (the bridge address it
 * names cannot be admitted). Malformed or unknown traffic returns 0.
 */
int registry_session_receive(struct registry *reg, struct relay_session *s, const char *text, size_t len);

/*
 * The next queued message of the session, or NULL when the queue is empty.
 * *text points at the message (with cfg.headroom writable bytes before it)
 * and *len is its length; the caller writes it and then calls
 * registry_session_pop with the same session.
 */
const char *registry_session_peek(struct relay_session *s, size_t *len);

/* Drops the message registry_session_peek returned; returns 1 when more are queued, else 0. */
int registry_session_pop(struct registry *reg, struct relay_session *s);

/* The bridge address a session speaks for; "" until its first message named one. */
const char *registry_session_address(const struct relay_session *s);

/*
 * The socket is gone: when the session still owns its bridge, the bridge goes
 * offline with all its devices (commands waiting for it are dropped); a stale
 * session (its bridge connected again since) changes nothing else. Frees the
 * session and its timer.
 */
void registry_session_close(struct registry *reg, struct relay_session *s);

/*
 * Queues a DeviceCommand with command_id and the base64 payload (at most
 * RELAY_MAX_PAYLOAD_BASE64 characters) for device; it is written once the
 * bridge has fewer than in_flight_max commands unanswered. Returns 0 with
 * *outcome REGISTRY_SENT or REGISTRY_OFFLINE; -1 with a reason in err when an
 * argument is invalid, the bridge's queue is full or memory ran out (nothing
 * sent).
 */
int registry_deliver(struct registry *reg, const char *device, uint32_t command_id, const char *payload,
		     enum registry_delivery *outcome, struct sirius_error *err);

/*
 * Sends a just-claimed printer its link key. Returns 0 with *outcome
 * REGISTRY_SENT, REGISTRY_OFFLINE or REGISTRY_UNCLAIMED; -1 with a reason in
 * err for an invalid address, a database error or a full queue.
 */
int registry_push_key(struct registry *reg, const char *device, enum registry_delivery *outcome,
		      struct sirius_error *err);

/* What a wake found (registry_wake). */
enum registry_wake {
	REGISTRY_WAKE_SENT,    /* the message asked about was taken for the printer's bridge */
	REGISTRY_WAKE_QUEUED,  /* the printer is online: the message waits its turn (or for the printer's key) */
	REGISTRY_WAKE_OFFLINE  /* the printer is offline: its outbox waits for it */
};

/*
 * A printer's outbox has a new message (message_id, or 0): when the printer
 * is online and ready, the outbox is read from the database and sent as the
 * bridge allows. Sets *outcome. Returns 0, or -1 with a reason in err for an
 * invalid address.
 */
int registry_wake(struct registry *reg, const char *device, uint32_t message_id, enum registry_wake *outcome,
		  struct sirius_error *err);

/* The name of a wake outcome: "sent", "queued", "offline". */
const char *registry_wake_name(enum registry_wake outcome);

/*
 * The owner cancelled message_id while it was queued: when the relay holds it
 * and has not written it yet, it is dropped. Returns 1 when it was dropped, 0
 * when the relay did not hold it.
 */
int registry_cancel(struct registry *reg, uint32_t message_id);

/* The name of an outcome: "sent", "offline", "unclaimed". */
const char *registry_delivery_name(enum registry_delivery outcome);

/*
 * A device's status as a JSON object {address, online, bridge, last_seen};
 * an unknown device is offline with bridge "" and last_seen 0. NULL when out
 * of memory.
 */
cJSON *registry_device_json(struct registry *reg, const char *device);

/* Every known device's status as a JSON array; NULL when out of memory. */
cJSON *registry_devices_json(struct registry *reg);

/* Every known bridge as a JSON array of objects (address, online, power_on facts, devices); NULL when out of memory. */
cJSON *registry_bridges_json(struct registry *reg);

/*
 * The log ring of a bridge as a JSON array of records, oldest first. Returns
 * NULL with a reason in err for an unknown bridge or when out of memory.
 */
cJSON *registry_logs_json(struct registry *reg, const char *bridge, struct sirius_error *err);

/*
 * The checkpointer whose counts the counters report with the registry's
 * own (checkpoints, checkpoint_frames, checkpoint_restarts, checkpoint_failures);
 * NULL for none. Borrowed: set it back to NULL before stopping it.
 */
void registry_set_checkpointer(struct registry *reg, struct checkpointer *cp);

struct relay_journal;

/*
 * The journal (journal.h, recovered already) the queued writes wait in for
 * store_gather before their commit; NULL (the default) for none: each
 * turn's writes are committed at its end. Borrowed: it must outlive the
 * registry.
 */
void registry_set_journal(struct registry *reg, struct relay_journal *journal);

/* The counters as a JSON object; NULL when out of memory. */
cJSON *registry_counters_json(struct registry *reg);

/* Whether a device is online now (for tests and the loop's logging). */
int registry_device_online(struct registry *reg, const char *device);

#endif
