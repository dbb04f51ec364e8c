/* relay_client.h: talking to sirius-relay over its control socket (web UI, API, sirius-fake). */
#ifndef SIRIUS_RELAY_CLIENT_H
#define SIRIUS_RELAY_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"

/*
 * The control protocol (README, "Relay control protocol"): the client writes
 * one JSON object on one line, the relay answers one JSON object on one line,
 * {"ok": true, ...} or {"ok": false, "error": "..."}. A process keeps one
 * connection open between calls and uses it again for the next (a relay that
 * closed it meanwhile is met with a new one), so they may be used from any
 * process at any time, but from one thread of it at a time.
 */

/* Closes the connection kept for the next call, if any (the next call opens a new one). */
void relay_client_close(void);

/* How long deliveries and keys (relay_deliver, relay_push_key) wait for the relay. */
#define RELAY_CLIENT_TIMEOUT_MS 5000

/*
 * How long a status question (relay_status) waits: pages ask it while a
 * person waits, and a relay that does not answer this fast (stopped, stuck)
 * is shown as "unknown" rather than holding every page for seconds.
 */
#define RELAY_CLIENT_STATUS_TIMEOUT_MS 300

/*
 * How long the administrators' lists (bridges, logs: tens of thousands of
 * entries, megabytes of JSON) wait, asked only after a quick question showed
 * the relay answers.
 */
#define RELAY_CLIENT_LIST_TIMEOUT_MS 5000

/* The longest reply read (a devices list of many printers fits). */
#define RELAY_CLIENT_REPLY_MAX (64 * 1024 * 1024)

/*
 * The longest "payload" of a deliver request, in characters of base64 (1 MiB;
 * README, "Relay control protocol"): the relay refuses longer ones, so senders
 * check before numbering and storing a message (print_job.h).
 */
#define RELAY_MAX_PAYLOAD_BASE64 (1024 * 1024)

/*
 * Sends request to the relay listening on socket_path and waits at most
 * timeout_ms for the whole reply. Returns 0 with *reply the parsed reply
 * (which may be an error reply; cJSON_Delete it), or -1 with a reason in err
 * when the relay cannot be reached, times out, closes early or answers
 * something that is not a JSON object.
 */
int relay_request(const char *socket_path, const cJSON *request, int timeout_ms, cJSON **reply,
		  struct sirius_error *err);

/* What the relay did with a delivery or a key. */
enum relay_delivery {
	RELAY_SENT,     /* handed to the printer's bridge */
	RELAY_OFFLINE,  /* the printer is not online: nothing sent */
	RELAY_UNCLAIMED /* push_key only: the printer has no owner, so no key */
};

/*
 * Asks the relay to send a DeviceCommand with command_id and payload_base64
 * to a printer. Returns 0 with *outcome RELAY_SENT or RELAY_OFFLINE, or -1
 * with a reason in err when the relay is unreachable or answers an error
 * (invalid arguments, the bridge's queue full).
 */
int relay_deliver(const char *socket_path, const char *device_address, uint32_t command_id,
		  const char *payload_base64, enum relay_delivery *outcome, struct sirius_error *err);

/*
 * Asks the relay to send a just-claimed printer its link key. Returns 0 with
 * *outcome RELAY_SENT, RELAY_OFFLINE or RELAY_UNCLAIMED, or -1 as relay_deliver.
 */
int relay_push_key(const char *socket_path, const char *device_address, enum relay_delivery *outcome,
		   struct sirius_error *err);

/* How long a program waits for the relay to take a queued message: the message is stored either way. */
#define RELAY_WAKE_TIMEOUT_MS 1000

/* What the relay did when woken for a printer's queue. */
enum relay_wake_result {
	RELAY_WAKE_SENT,   /* the message asked about is on its way to the printer's bridge */
	RELAY_WAKE_QUEUED, /* the printer is online; the message waits behind others, or for a free slot */
	RELAY_WAKE_OFFLINE /* the printer is offline: the queue waits for it */
};

/*
 * Tells the relay that a printer's outbox has a new message (message_id, or 0
 * for none in particular): the relay reads the queue from the database and
 * sends what it may. Waits at most timeout_ms. Returns 0 with *result set, or
 * -1 with a reason in err when the relay is unreachable, slow or refuses (the
 * message then simply stays queued: the relay reads it when it starts, or
 * when the printer next comes online).
 */
int relay_wake(const char *socket_path, const char *device_address, uint32_t message_id, int timeout_ms,
	       enum relay_wake_result *result, struct sirius_error *err);

/*
 * Tells the relay that a queued message was cancelled, so that it drops it if
 * it has taken it and not written it yet. Returns 0, or -1 with a reason in err.
 */
int relay_cancel(const char *socket_path, uint32_t message_id, struct sirius_error *err);

/* A printer as the relay sees it. */
struct relay_device_status {
	char address[17];  /* the device address asked about */
	int online;        /* 1 while its bridge reports it */
	char bridge[17];   /* the bridge that reported it last; "" when never seen */
	double last_seen;  /* seconds since 1970 of its last report; 0 when never seen */
};

/*
 * The status of count printers in one request, waiting at most
 * RELAY_CLIENT_STATUS_TIMEOUT_MS; out[i] answers addresses[i].
 * Returns 0, or -1 with a reason in err (unreachable, error reply, an
 * invalid address, a reply that does not match the request).
 */
int relay_status(const char *socket_path, const char *const *addresses, size_t count,
		 struct relay_device_status *out, struct sirius_error *err);

#endif
