/* recv_guard.c: the relay's recv() and SSL_read(), which follow bridge sockets' frame headers on their way into lws. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include "recv_guard.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "frame_guard.h"

/* The table's first size; it doubles past the highest socket number registered. */
#define FIRST_SLOTS 1024
/*
 * TLS reads a connection that sent an unmasked frame discards in one call
 * before giving up on waiting for its stream to run dry (the connection is
 * then dropped without a close frame, as a client flooding it has earned).
 */
#define TLS_DRAIN_MAX 64

/* What is known of one socket number. */
struct guard_slot {
	struct frame_guard fg; /* where its stream is */
	void *conn;            /* notify's argument, from recv_guard_upgraded; NULL before */
	uint8_t watched;       /* 1 while the socket is followed */
	uint8_t tls;           /* 1 once it was read through SSL_read (pieces cut only at the request's end) */
	uint8_t early;         /* 1 when bytes followed the request's blank line in its TLS piece */
};

typedef ssize_t (*recv_fn)(int fd, void *buf, size_t len, int flags);
typedef int (*ssl_io_fn)(SSL *ssl, void *buf, int num);
typedef int (*ssl_fd_fn)(const SSL *ssl);

static struct guard_slot *slots; /* indexed by socket number */
static size_t nslots;            /* entries in slots */
static void (*notify_fn)(void *conn);
static recv_fn next_recv;        /* the C library's recv (or a sanitizer's in front of it) */
static ssl_io_fn next_ssl_read;  /* OpenSSL's SSL_read */
static ssl_io_fn ssl_peek;       /* OpenSSL's SSL_peek */
static ssl_fd_fn ssl_get_fd;     /* OpenSSL's SSL_get_fd */

/* The followed slot of fd, or NULL. */
static struct guard_slot *slot_of(int fd)
{
	if (fd < 0 || (size_t)fd >= nslots || !slots[fd].watched)
		return NULL;
	return &slots[fd];
}

int recv_guard_watch(int fd)
{
	if (fd < 0)
		return -1;
	if ((size_t)fd >= nslots) {
		size_t n = nslots ? nslots : FIRST_SLOTS;
		struct guard_slot *p;

		while (n <= (size_t)fd)
			n *= 2;
		p = realloc(slots, n * sizeof(*p));
		if (!p)
			return -1;
		memset(p + nslots, 0, (n - nslots) * sizeof(*p));
		slots = p;
		nslots = n;
	}
	memset(&slots[fd], 0, sizeof(slots[fd]));
	frame_guard_init(&slots[fd].fg);
	slots[fd].watched = 1;
	return 0;
}

int recv_guard_upgraded(int fd, void *conn)
{
	struct guard_slot *s = slot_of(fd);

	if (!s)
		return 0;
	s->conn = conn;
	/* pieces cut at line ends need no check; a TLS request must prove it ended where its piece did */
	if (frame_guard_upgraded(&s->fg, s->tls) < 0)
		return -1;
	if (s->early) {
		/* what followed waits in OpenSSL, where libwebsockets will not look again: refused unread */
		s->fg.state = FRAME_GUARD_BAD_REQUEST;
		return -1;
	}
	return 0;
}

enum recv_guard_verdict recv_guard_verdict(int fd)
{
	struct guard_slot *s = slot_of(fd);

	if (!s || !frame_guard_refused(&s->fg))
		return RECV_GUARD_OK;
	return frame_guard_unmasked(&s->fg) ? RECV_GUARD_UNMASKED : RECV_GUARD_BAD_REQUEST;
}

void recv_guard_forget(int fd)
{
	struct guard_slot *s = slot_of(fd);

	if (s)
		memset(s, 0, sizeof(*s));
}

void recv_guard_set_notify(void (*notify)(void *conn))
{
	notify_fn = notify;
}

void recv_guard_clear(void)
{
	free(slots);
	slots = NULL;
	nslots = 0;
}

/* A followed socket's read: the HTTP phase line by line, then frames checked; see recv_guard.h. */
static ssize_t guarded_recv(struct guard_slot *s, int fd, void *buf, size_t len, int flags)
{
	ssize_t n;
	size_t ok;

	if (s->fg.state == FRAME_GUARD_HTTP) {
		/* look, then take one line: the rest stays in the socket for the next read */
		n = next_recv(fd, buf, len, flags | MSG_PEEK);
		if (n <= 0)
			return n;
		n = next_recv(fd, buf, frame_guard_http_line(buf, (size_t)n), flags);
		if (n > 0)
			frame_guard_feed(&s->fg, buf, (size_t)n);
		return n;
	}
	n = next_recv(fd, buf, len, flags);
	if (n <= 0)
		return n;
	if (frame_guard_refused(&s->fg)) {
		errno = EAGAIN;
		return -1;
	}
	ok = frame_guard_feed(&s->fg, buf, (size_t)n);
	if (ok == (size_t)n)
		return n;
	if (notify_fn && s->conn)
		notify_fn(s->conn);
	if (ok > 0)
		return (ssize_t)ok;
	errno = EAGAIN;
	return -1;
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct guard_slot *s;

	if (!next_recv) {
		/* POSIX's way to turn dlsym's object pointer into a function pointer */
		*(void **)&next_recv = dlsym(RTLD_NEXT, "recv");
		if (!next_recv) {
			errno = ENOSYS;
			return -1;
		}
	}
	s = slot_of(fd);
	if (!s || len == 0 || (flags & MSG_PEEK))
		return next_recv(fd, buf, len, flags);
	return guarded_recv(s, fd, buf, len, flags);
}

/* Resolves OpenSSL's functions (loaded with libwebsockets). Returns 0, or -1 when one is missing. */
static int ssl_functions(void)
{
	if (next_ssl_read && ssl_peek && ssl_get_fd)
		return 0;
	*(void **)&next_ssl_read = dlsym(RTLD_NEXT, "SSL_read");
	*(void **)&ssl_peek = dlsym(RTLD_DEFAULT, "SSL_peek");
	*(void **)&ssl_get_fd = dlsym(RTLD_DEFAULT, "SSL_get_fd");
	return next_ssl_read && ssl_peek && ssl_get_fd ? 0 : -1;
}

/*
 * Reads and throws away what a connection that sent an unmasked frame has
 * decrypted, until OpenSSL says it would block: libwebsockets then waits
 * for more (SSL_ERROR_WANT_READ) instead of taking an empty read for an
 * error, and closes with 1002 from its TIMER. Returns SSL_read's last answer.
 */
static int ssl_discard(SSL *ssl, void *buf, int num)
{
	int n = 0, i;

	for (i = 0; i < TLS_DRAIN_MAX; i++) {
		n = next_ssl_read(ssl, buf, num);
		if (n <= 0)
			return n;
	}
	return -1;
}

/*
 * A followed TLS connection's read: the HTTP phase in whole pieces, checked
 * when the websocket is established; then as guarded_recv, but it looks
 * first (SSL_peek) and takes only what may be handed on, since unlike recv
 * an empty answer cannot simply mean "nothing yet".
 */
static int guarded_ssl_read(struct guard_slot *s, SSL *ssl, void *buf, int num)
{
	struct frame_guard probe;
	size_t ok, take;
	int n;

	s->tls = 1;
	if (frame_guard_refused(&s->fg))
		return ssl_discard(ssl, buf, num);
	if (s->fg.state == FRAME_GUARD_HTTP) {
		/*
		 * Whole pieces, but for bytes after the request's blank line:
		 * libwebsockets looks for more decrypted bytes only after a read
		 * that filled its buffer, so the rest of a line cut short would
		 * wait for the client's next record; a request cut at its end needs
		 * nothing more. What follows it (frames sent before the answer)
		 * never reaches libwebsockets, which would parse it with the
		 * request, and the connection is refused once established.
		 */
		n = ssl_peek(ssl, buf, num);
		if (n <= 0)
			return n;
		take = frame_guard_http_request(&s->fg, buf, (size_t)n);
		if (take < (size_t)n)
			s->early = 1;
		n = next_ssl_read(ssl, buf, (int)take);
		if (n > 0)
			frame_guard_feed(&s->fg, buf, (size_t)n);
		return n;
	}
	n = ssl_peek(ssl, buf, num);
	if (n <= 0)
		return n;
	probe = s->fg;
	ok = frame_guard_feed(&probe, buf, (size_t)n);
	if (ok == 0) {
		s->fg = probe;
		if (notify_fn && s->conn)
			notify_fn(s->conn);
		return ssl_discard(ssl, buf, num);
	}
	n = next_ssl_read(ssl, buf, (int)ok);
	if (n <= 0)
		return n;
	if ((size_t)n < ok) {
		/* less than was peeked (not expected): follow what was taken; the rest is looked at again */
		frame_guard_feed(&s->fg, buf, (size_t)n);
		return n;
	}
	s->fg = probe;
	if (frame_guard_unmasked(&s->fg) && notify_fn && s->conn)
		notify_fn(s->conn);
	return n;
}

int recv_guard_in_effect(const char **missing)
{
	recv_fn found_recv;
	ssl_io_fn found_ssl_read;

	/* what a library's call finds: the first definition in the global scope, the executable's when exported */
	*(void **)&found_recv = dlsym(RTLD_DEFAULT, "recv");
	*(void **)&found_ssl_read = dlsym(RTLD_DEFAULT, "SSL_read");
	if (found_recv != recv) {
		*missing = "recv";
		return -1;
	}
	if (found_ssl_read != SSL_read) {
		*missing = "SSL_read";
		return -1;
	}
	return 0;
}

int SSL_read(SSL *ssl, void *buf, int num)
{
	struct guard_slot *s;

	if (ssl_functions() < 0)
		return -1;
	s = slot_of(ssl_get_fd(ssl));
	if (!s || num <= 0)
		return next_ssl_read(ssl, buf, num);
	return guarded_ssl_read(s, ssl, buf, num);
}
