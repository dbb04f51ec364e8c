/* registry_internal.h: the relay state machine's types, shared by registry.c and outbox.c only. */
#ifndef SIRIUS_RELAY_REGISTRY_INTERNAL_H
#define SIRIUS_RELAY_REGISTRY_INTERNAL_H

#include <glib.h>

#include "pending_write.h"
#include "registry.h"

/* Bytes of the informational power_on strings we keep. */
#define INFO_SIZE (BRIDGE_INFO_MAX + 1)

/* A message waiting to be written to a socket. */
struct relay_out {
	uint32_t command_id; /* the DeviceCommand it carries; 0 for any other message */
	size_t len;  /* bytes of text */
	char *text;  /* the text, inside buf after the headroom */
	char buf[];  /* headroom free bytes, then the text and a NUL */
};

/* A DeviceCommand the relay holds for a bridge: waiting for a free slot, or in flight. */
struct relay_command {
	uint32_t command_id;                 /* its id (the printer's file id) */
	char device[DEVICE_ADDRESS_LEN + 1]; /* the device it is for */
	char *json;                          /* the whole message (malloc'd) */
	size_t len;                          /* its length */
	double sent_at;                      /* when it was last written; 0 before */
	double not_before;                   /* not to be written before this time (back-off after "queue full") */
	int from_outbox;                     /* 1: a stored message taken from the outbox; 0: a control "deliver" */
	unsigned attempts;                   /* times it was written, resends after no answer included */
	unsigned resends;                    /* times it was sent again after "queue full" */
};

/* A bridge the relay has heard from. Kept until forgotten to make room, or until the registry is freed. */
struct relay_bridge {
	struct registry *reg;                 /* back pointer, for the timer and the lists */
	char address[DEVICE_ADDRESS_LEN + 1]; /* 16 lower-case hex digits */
	struct relay_session *session;        /* the socket that owns it (the newest); NULL while offline */
	unsigned live_sessions;               /* open sockets that named it; it may be forgotten only at 0 */
	int idle;                             /* 1 while in reg->idle_bridges */
	GList idle_link;                      /* its link there (data points here) */
	GHashTable *devices;                  /* address -> struct relay_device *, the devices last reported by it */
	double connected_at;                  /* when its current (or last) socket named it */
	double disconnected_at;               /* when its last socket closed; 0 while connected */
	double last_seen;                     /* when one of its sockets last sent a message */
	uint64_t sockets;                     /* sockets that have spoken for it */
	uint64_t power_ons;                   /* power_on messages acted upon */
	char model[INFO_SIZE];                /* from power_on */
	char firmware_version[INFO_SIZE];     /* from power_on */
	char ncp_version[INFO_SIZE];          /* from power_on */
	char local_ip_address[INFO_SIZE];     /* from power_on */
	char mac_address[INFO_SIZE];          /* from power_on */
	GQueue *logs;                         /* struct log_entry * by ring_link, oldest first; NULL while empty */
	size_t log_bytes;                     /* bytes its entries take */
	uint64_t logs_dropped;                /* records pushed out of the ring */
	GQueue held;                          /* struct relay_command *, waiting for a free slot, in order */
	size_t held_bytes;                    /* bytes of their messages */
	GPtrArray *in_flight;                 /* struct relay_command *, written and unanswered; NULL until needed */
	struct relay_timer *timer;            /* in-flight deadlines and resend back-off; NULL until needed */
	int confirms;                         /* 1 once it answered a DeviceCommand (now or before, as stored) */
	double minute_start;                  /* start of the minute new device addresses are counted in */
	unsigned minute_new_devices;          /* new device addresses it named in that minute */
};

/* A device (printer) some bridge has reported. Kept until forgotten to make room, or until the registry is freed. */
struct relay_device {
	struct registry *reg;                 /* back pointer, for the timer and the lists */
	char address[DEVICE_ADDRESS_LEN + 1]; /* 16 lower-case hex digits */
	struct relay_bridge *bridge;          /* the bridge that reported it last; NULL once that one is forgotten */
	int online;                           /* 1 while reported within device_timeout */
	int idle;                             /* 1 while in reg->idle_devices (offline) */
	GList idle_link;                      /* its link there (data points here) */
	double first_seen;                    /* first report since the relay started */
	double last_seen;                     /* last report */
	double touched_at;                    /* when the database's last_seen was last updated */
	struct relay_timer *timer;            /* the silence timer */
	int timer_armed;                      /* 1 while the timer is set */
	int recorded;                         /* 1 once the database has it */
	uint64_t events;                      /* reports received */
	int ready;                            /* 1 while it may be sent prints: online and not waiting for its key */
	uint32_t key_command;                 /* the add_device_encryption_key command last sent for it; 0 when none */
	uint32_t taken_after;                 /* the newest outbox message taken for it (held or in flight): the
	                                         next is read from the database above this id */
	unsigned outstanding;                 /* outbox messages of it held or in flight */
	int pull_failed;                      /* 1 when reading its outbox failed: the sweep tries again */
	int binding_known;                    /* 1 once bound and claimed are read from the database */
	char bound[DEVICE_ADDRESS_LEN + 1];   /* the bridge its printer is bound to; "" when none */
	int claimed;                          /* 1 when its printer has an owner */
	char moving_to[DEVICE_ADDRESS_LEN + 1]; /* the bridge last recorded as a move for its owner; "" when none */
};

struct relay_session {
	struct registry *reg;                 /* back pointer, for the name timer */
	void *transport;                      /* the event loop's handle for the socket */
	char address[DEVICE_ADDRESS_LEN + 1]; /* the bridge it speaks for; "" until named */
	char peer[64];                        /* the address the socket comes from */
	struct relay_bridge *bridge;          /* that bridge; NULL until named */
	int powered_on;                       /* 1 once a power_on came on this socket */
	GQueue out;                           /* struct relay_out *, to write in order */
	size_t out_bytes;                     /* bytes of text queued */
	double opened;                        /* when the socket was accepted */
	unsigned complaints;                  /* malformed or foreign messages logged so far */
	struct relay_timer *name_timer;       /* closes the socket when it names no bridge in time; NULL once named */
};

struct registry {
	struct registry_config cfg;        /* limits and timeouts */
	struct relay_env env;              /* clock, timers, writeable requests */
	struct relay_store store;          /* the database */
	struct checkpointer *checkpointer; /* whose counts the counters report; NULL for none (borrowed) */
	GHashTable *bridges;               /* address -> struct relay_bridge * (owned) */
	GHashTable *devices;               /* address -> struct relay_device * (owned) */
	GHashTable *sessions;              /* struct relay_session * set (freed by registry_free) */
	GQueue idle_bridges;               /* bridges without a socket, by idle_link, least recently seen first */
	GQueue idle_devices;               /* offline devices, by idle_link, least recently seen first */
	GQueue logs;                       /* every bridge's log entries, by all_link, oldest first */
	size_t log_bytes;                  /* bytes they take */
	GQueue pending;                    /* struct pending_write *, the writes not done yet, oldest first */
	GHashTable *pending_devices;       /* device -> its pending printer write (seen or touch), to merge them */
	struct relay_timer *sweep;         /* the outbox's housekeeping: expiry, retention, reads to retry */
	struct relay_timer *retry;         /* does the pending writes again after they met the lock */
	struct relay_journal *journal;     /* where pending writes wait for their commit (journal.h); NULL: none */
	guint unjournaled;                 /* pending writes not in the journal yet (seq 0) */
	int journal_failing;               /* the journal's last append failed (logged): writes are committed at their
	                                      turn's end until one succeeds */
	struct relay_timer *gather;        /* commits the journaled writes store_gather after the first */
	int gathering;                     /* gather is armed */
	int store_waiting;                 /* the pending writes met the lock (retry is armed) */
	double retry_delay;                /* seconds until retry tries again: doubles up to store_retry */
	struct registry_counters counters; /* what happened so far */
};

/* ---- registry.c, for outbox.c ---- */

/* The registry's clock. */
double registry_now(struct registry *reg);

/* Appends len bytes of text (a DeviceCommand when command_id is not 0) to a session's outgoing queue. 0, or -1. */
int registry_session_push(struct registry *reg, struct relay_session *s, const char *text, size_t len,
			  uint32_t command_id);

/*
 * 1 while database writes wait for another process's lock: reads would wait
 * too, and the outbox must not be read before what was sent is recorded (it
 * would be sent again). Writes queued for the end of the turn block nothing.
 */
int registry_store_blocked(struct registry *reg);

/*
 * Does the queued writes before something that must be done at once (a
 * command id, a sweep): 0, RELAY_STORE_BUSY (they wait for the lock,
 * counted) or -1, with a reason in err (may be NULL).
 */
int registry_store_first(struct registry *reg, struct sirius_error *err);

/* A message write of kind (device and bridge may be NULL), queued for the end of the turn or done now. */
void registry_store_message(struct registry *reg, enum pending_kind kind, const char *device, const char *bridge,
			    uint32_t command_id, long code);

/* The session a device's commands go to: its bridge's owning socket; NULL when offline. */
struct relay_session *registry_device_session(struct relay_device *d);

/* ---- outbox.c, for registry.c ---- */

/* Frees a command. */
void outbox_command_free(struct relay_command *c);

/* Frees every command a bridge holds or has in flight, touching nothing else (the bridge is being freed); returns how many. */
size_t outbox_bridge_free_commands(struct relay_bridge *b);

/* Drops every command a bridge holds or has in flight (its socket is gone); returns how many. */
size_t outbox_bridge_drop(struct relay_bridge *b);

/* Writes the bridge's waiting commands while it has free slots. */
void outbox_bridge_pump(struct registry *reg, struct relay_bridge *b);

/* The device may be sent prints now (it came online, or its key was accepted): sends its queue. */
void outbox_device_pump(struct registry *reg, struct relay_device *d);

/* The device went offline while its bridge stays: its commands not written yet go back to the queue. */
void outbox_device_offline(struct registry *reg, struct relay_device *d);

/* A frame carrying command_id was written to the bridge's socket. */
void outbox_written(struct registry *reg, struct relay_session *s, uint32_t command_id);

/* A DeviceCommandResponse through bridge b for command_id (device "" when the bridge left it out). */
void outbox_response(struct registry *reg, struct relay_bridge *b, const char *device, uint32_t command_id,
		     long code);

/* did_print of a delivery from device d with print_id (its command id). */
void outbox_printed(struct registry *reg, struct relay_device *d, uint32_t print_id);

/* The housekeeping sweep: expiry, retention, and outbox reads that failed before. */
void outbox_sweep(struct registry *reg);

/* Whether a bridge's queue (held commands and unwritten messages) has no room for len bytes more. */
int outbox_queue_full(struct registry *reg, struct relay_bridge *b, size_t len);

/* Reads again the outboxes whose reading failed or was put off (the database was locked). */
void outbox_retry_reads(struct registry *reg);

/* Commands of a bridge written and not answered yet. */
size_t outbox_in_flight(const struct relay_bridge *b);

#endif
