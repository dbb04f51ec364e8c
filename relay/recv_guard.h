/* recv_guard.h: the relay's recv(), which follows bridge sockets' frame headers on their way into libwebsockets. */
#ifndef SIRIUS_RELAY_RECV_GUARD_H
#define SIRIUS_RELAY_RECV_GUARD_H

/*
 * libwebsockets 4.1 reads every plain socket with recv(). The relay's
 * executable defines recv (calling the C library's through dlsym
 * RTLD_NEXT), so the bytes of the sockets registered here pass through a
 * struct frame_guard first:
 *
 * - from accept to the websocket upgrade, recv hands over one line at a
 *   time, so libwebsockets ends the request exactly where a piece ends;
 * - once established, each piece is followed frame header by frame header;
 *   when a frame comes unmasked, recv returns only the bytes before its
 *   header (or EAGAIN when there are none), calls the notify function with
 *   the connection, and from then on discards what arrives (end of stream
 *   and errors still pass). The caller then closes with status 1002.
 *
 * Sockets not registered, and MSG_PEEK reads, pass straight through. All
 * calls come from the event loop's thread. TLS listeners are not followed:
 * their bytes reach libwebsockets through OpenSSL, not recv.
 */

/*
 * Starts following the socket fd from its first byte (a bridge connection
 * just accepted); whatever was known of an earlier socket with that number
 * is forgotten. Returns 0, or -1 when out of memory.
 */
int recv_guard_watch(int fd);

/* The websocket on fd is established; conn is what notify is called with. */
void recv_guard_upgraded(int fd, void *conn);

/* Whether the connection on fd sent an unmasked frame. */
int recv_guard_unmasked(int fd);

/* Stops following fd (its connection is gone, or the number now belongs to another socket). */
void recv_guard_forget(int fd);

/* Sets the function called, from inside recv, when a followed connection sends an unmasked frame. */
void recv_guard_set_notify(void (*notify)(void *conn));

/* Forgets every socket and frees the table. */
void recv_guard_clear(void);

#endif
