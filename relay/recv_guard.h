/* recv_guard.h: the relay's recv() and SSL_read(), which follow bridge sockets' frame headers on their way into lws. */
#ifndef SIRIUS_RELAY_RECV_GUARD_H
#define SIRIUS_RELAY_RECV_GUARD_H

/*
 * libwebsockets 4.1 reads every plain socket with recv(), and every TLS
 * one with OpenSSL's SSL_read(). The relay's executable defines both
 * (calling the next definition through dlsym RTLD_NEXT), so the bytes of
 * the sockets registered here pass through a struct frame_guard first:
 *
 * - from accept to the websocket upgrade, recv hands over one line at a
 *   time, so libwebsockets ends the request exactly where a piece ends;
 *   SSL_read cannot cut its pieces at line ends (see guarded_ssl_read), so
 *   the request is checked instead (frame_guard.h) and one that does not
 *   end exactly where a piece ends refuses the connection
 *   (RECV_GUARD_BAD_REQUEST); it cuts a piece only after the request's
 *   blank line, so bytes sent with the request never reach libwebsockets
 *   (which would parse them before the refusal) and refuse it too;
 * - once established, each piece is followed frame header by frame header;
 *   when a frame comes unmasked, recv returns only the bytes before its
 *   header (or EAGAIN when there are none), calls the notify function with
 *   the connection, and from then on discards what arrives (end of stream
 *   and errors still pass). The caller then closes with status 1002.
 *   SSL_read looks first (SSL_peek) and takes only the bytes it hands on.
 *
 * A refused connection's notify may come from inside recv; the caller
 * closes it later from outside its socket service (the relay: a TIMER
 * callback), and drops whatever libwebsockets still hands it.
 *
 * Sockets not registered, and MSG_PEEK reads, pass straight through. All
 * calls come from the event loop's thread.
 */

/*
 * Starts following the socket fd from its first byte (a bridge connection
 * just accepted); whatever was known of an earlier socket with that number
 * is forgotten. Returns 0, or -1 when out of memory.
 */
int recv_guard_watch(int fd);

/* What the guard thinks of a connection. */
enum recv_guard_verdict {
	RECV_GUARD_OK,          /* nothing wrong so far (or not followed) */
	RECV_GUARD_UNMASKED,    /* it sent an unmasked frame */
	RECV_GUARD_BAD_REQUEST  /* its TLS request did not end where its piece did: what follows was not seen */
};

/*
 * The websocket on fd is established; conn is what notify is called with.
 * Returns 0, or -1 when the connection is refused (RECV_GUARD_BAD_REQUEST).
 */
int recv_guard_upgraded(int fd, void *conn);

/* The guard's verdict on the connection on fd. */
enum recv_guard_verdict recv_guard_verdict(int fd);

/* Stops following fd (its connection is gone, or the number now belongs to another socket). */
void recv_guard_forget(int fd);

/* Sets the function called, from inside recv, when a followed connection sends an unmasked frame. */
void recv_guard_set_notify(void (*notify)(void *conn));

/* Forgets every socket and frees the table. */
void recv_guard_clear(void);

/*
 * Whether libwebsockets calls this file's recv and SSL_read: only when the
 * executable exports them (a linker may leave them out of its dynamic
 * symbol table, and then nothing is followed). Returns 0, or -1 with the
 * name of the one libraries do not reach in *missing.
 */
int recv_guard_in_effect(const char **missing);

#endif
