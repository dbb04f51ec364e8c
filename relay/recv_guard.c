/* recv_guard.c: the relay's recv(), which follows bridge sockets' frame headers on their way into libwebsockets. */
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

#include "frame_guard.h"

/* The table's first size; it doubles past the highest socket number registered. */
#define FIRST_SLOTS 1024

/* What is known of one socket number. */
struct guard_slot {
	struct frame_guard fg; /* where its stream is */
	void *conn;            /* notify's argument, from recv_guard_upgraded; NULL before */
	uint8_t watched;       /* 1 while the socket is followed */
};

typedef ssize_t (*recv_fn)(int fd, void *buf, size_t len, int flags);

static struct guard_slot *slots; /* indexed by socket number */
static size_t nslots;            /* entries in slots */
static void (*notify_fn)(void *conn);
static recv_fn next_recv;        /* the C library's recv (or a sanitizer's in front of it) */

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
	frame_guard_init(&slots[fd].fg);
	slots[fd].conn = NULL;
	slots[fd].watched = 1;
	return 0;
}

void recv_guard_upgraded(int fd, void *conn)
{
	struct guard_slot *s = slot_of(fd);

	if (!s)
		return;
	frame_guard_upgraded(&s->fg);
	s->conn = conn;
}

int recv_guard_unmasked(int fd)
{
	struct guard_slot *s = slot_of(fd);

	return s && frame_guard_unmasked(&s->fg);
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
		return next_recv(fd, buf, frame_guard_http_line(buf, (size_t)n), flags);
	}
	n = next_recv(fd, buf, len, flags);
	if (n <= 0)
		return n;
	if (frame_guard_unmasked(&s->fg)) {
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
