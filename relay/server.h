/* server.h: the relay's libwebsockets event loop: the bridges' websocket vhosts and the control socket vhost. */
#ifndef SIRIUS_RELAY_SERVER_H
#define SIRIUS_RELAY_SERVER_H

#include <signal.h>
#include <stddef.h>

#include "error.h"
#include "registry.h"
#include "store.h"

/* The websocket path bridges connect to, and the subprotocol they offer. */
#define RELAY_WS_PATH "/api/v1/connection"
#define RELAY_WS_PROTOCOL "bergcloud-bridge-v1"

/* What the server listens on and its limits. */
struct relay_server_config {
	const char *listen_host;     /* address to bind the plain ws listener to; NULL for every interface */
	int listen_port;             /* its TCP port */
	const char *tls_host;        /* address of the TLS listener; NULL for every interface */
	int tls_port;                /* its port; 0 when there is no TLS listener */
	const char *tls_cert;        /* PEM certificate chain of the TLS listener */
	const char *tls_key;         /* PEM private key of the TLS listener */
	const char *socket_path;     /* the control socket */
	size_t max_message;          /* largest bridge message; a socket sending more is closed */
	struct registry_config registry; /* the state machine's limits and timeouts */
};

struct relay_server;
struct checkpointer;
struct relay_journal;

/*
 * Creates the lws context, the vhosts and the registry. A stale control
 * socket file is removed first; when another relay answers on it, creation
 * fails. Returns the server, or NULL with a reason in err (a listener cannot
 * bind, TLS files unusable, the socket path in use, out of memory).
 */
struct relay_server *relay_server_new(const struct relay_server_config *cfg, const struct relay_store *store,
				      struct sirius_error *err);

/*
 * Runs the event loop until *stop becomes nonzero; whenever *reopen is
 * nonzero it is cleared and the log file reopened. A signal handler sets
 * them and calls relay_server_wake. Returns 0 when stopped, -1 when the
 * event loop failed.
 */
int relay_server_run(struct relay_server *srv, volatile sig_atomic_t *stop, volatile sig_atomic_t *reopen);

/*
 * The checkpointer (checkpointer.h) whose counts the control socket's
 * counters report; NULL for none, as before stopping it.
 */
void relay_server_set_checkpointer(struct relay_server *srv, struct checkpointer *cp);

/* The journal its writes wait in before their commit (registry_set_journal); NULL for none. Borrowed. */
void relay_server_set_journal(struct relay_server *srv, struct relay_journal *journal);

/* Makes relay_server_run look at its flags now; safe in a signal handler. */
void relay_server_wake(struct relay_server *srv);

/* Closes every connection, removes the control socket file and frees everything. NULL is ignored. */
void relay_server_free(struct relay_server *srv);

#endif
