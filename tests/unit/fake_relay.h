/* fake_relay.h: a stand-in for the relay's control socket that answers every request with one canned reply. */
#ifndef SIRIUS_FAKE_RELAY_H
#define SIRIUS_FAKE_RELAY_H

#include <pthread.h>
#include <sys/un.h>

/*
 * A thread accepting connections on a Unix socket and answering each request
 * line with reply, recording what the last request asked for.
 *
 * A zeroed struct is a relay that is not running: fake_relay_stop does nothing
 * to it, so a test's teardown may stop a relay its test never started.
 *
 * The thread updates the recorded fields before it writes the reply, and the
 * client under test reads the reply before returning; so once the call that
 * talked to the relay has returned, the test may read them directly.
 */
struct fake_relay {
	int running;                            /* 1 between fake_relay_start and fake_relay_stop */
	int listen_fd;                          /* the listening socket */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* where it listens; removed on stop */
	const char *reply;                      /* the reply line it sends (without newline) */
	int once;                               /* 1: closes each connection after one answer */
	int connections;                        /* connections accepted */
	int requests;                           /* request lines answered */
	char op[32];                            /* the last request's "op"; "" when missing */
	char device[32];                        /* its "device"; "" when missing */
	double command_id;                      /* its "command_id" (or "message" of a wake); -1 when missing */
	char *payload;                          /* its "payload" (malloc'd); NULL when missing */
	pthread_t thread;                       /* the thread serving it */
};

/*
 * Clears r, which must not be running, and starts it listening at
 * socket_path, answering every request line with reply (which must outlive
 * the relay); fails the running test when the socket or the thread cannot be
 * made.
 */
void fake_relay_start(struct fake_relay *r, const char *socket_path, const char *reply);

/*
 * Shuts r down: stops accepting, joins its thread, closes and removes the
 * socket, frees what it recorded and leaves r zeroed. Does nothing to a relay
 * that is not running.
 */
void fake_relay_stop(struct fake_relay *r);

#endif
