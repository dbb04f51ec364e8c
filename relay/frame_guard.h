/* frame_guard.h: follows a bridge connection's incoming websocket frame headers and spots frames sent unmasked. */
#ifndef SIRIUS_RELAY_FRAME_GUARD_H
#define SIRIUS_RELAY_FRAME_GUARD_H

#include <stddef.h>
#include <stdint.h>

/*
 * RFC 6455 section 5.1: a client masks every frame it sends, and a server
 * fails the connection with status 1002 when one is not. libwebsockets 4.1
 * reads the mask bit on the server side but never checks it, and offers no
 * way to see it, so the relay follows each bridge's incoming bytes itself.
 *
 * A guard starts in the HTTP phase. There the follower must switch to
 * frames exactly where libwebsockets ends the request, which it cannot find
 * out; so either
 *
 * - the caller hands the request over one line at a time
 *   (frame_guard_http_line): libwebsockets always ends a request with a
 *   newline, so the request ends where a piece ends, and the websocket
 *   being established (frame_guard_upgraded) marks the switch exactly; or
 * - where pieces cannot be cut (TLS), the guard checks the request as it
 *   passes: the bytes handed on must end with its first blank line, with no
 *   newline that is not after a carriage return and no "%0a" (which
 *   libwebsockets decodes into a line end in a URI). Those are the only ways
 *   libwebsockets ends a request earlier; otherwise bytes after the request
 *   came in the same piece (a client must wait for the handshake's answer
 *   before sending frames) and the guard refuses the connection.
 *
 * From then on frame_guard_feed reads each frame's header byte by byte and
 * skips its payload by length without looking at it. The state is a few
 * bytes per connection and the cost per byte is nothing for payload.
 */

/* Where a guard is in the byte stream. */
enum frame_guard_state {
	FRAME_GUARD_HTTP,       /* the upgrade request: not checked */
	FRAME_GUARD_HEAD,       /* the first header byte: FIN, RSV, opcode */
	FRAME_GUARD_LENGTH,     /* the second: the mask bit and the 7-bit length */
	FRAME_GUARD_EXTENDED,   /* the 16- or 64-bit extended length */
	FRAME_GUARD_KEY,        /* the 4-byte masking key */
	FRAME_GUARD_PAYLOAD,    /* payload, skipped */
	FRAME_GUARD_UNMASKED,   /* a frame came unmasked: nothing after it is read */
	FRAME_GUARD_BAD_REQUEST /* the request was checked and bytes may follow it unseen: refused */
};

/* One connection's position in its frame stream. */
struct frame_guard {
	union {
		uint64_t left;        /* frames: payload bytes still to skip, or the extended length being read */
		struct {
			uint32_t seen; /* request bytes followed (stops at UINT32_MAX) */
			uint32_t end;  /* seen at the end of the first blank line; 0 before it */
		} http;               /* the HTTP phase */
	} u;
	uint8_t state;  /* an enum frame_guard_state */
	uint8_t need;   /* header bytes still to come in FRAME_GUARD_EXTENDED or FRAME_GUARD_KEY; in the
			 * HTTP phase, how much of "\r\n\r\n" was just seen */
	uint8_t http;   /* HTTP phase: FRAME_GUARD_HTTP_* bits */
};

/* Puts a guard at the start of a connection (the HTTP phase). */
void frame_guard_init(struct frame_guard *g);

/*
 * The websocket is established: the next byte is the first frame's header.
 * With check_request, the request must also have ended exactly with the
 * bytes followed (see above); otherwise the guard becomes
 * FRAME_GUARD_BAD_REQUEST. Returns 0, or -1 when it refused.
 */
int frame_guard_upgraded(struct frame_guard *g, int check_request);

/*
 * How many of the len bytes at buf to hand over in the HTTP phase: up to and
 * including the first newline, or all of them when there is none. The
 * request's end is always a newline, so the first frame never shares a
 * piece with the request.
 */
size_t frame_guard_http_line(const uint8_t *buf, size_t len);

/*
 * How many of the len bytes at buf, the next of the HTTP phase, to hand over
 * so that a piece ends with the request's first blank line: up to and
 * including it when it ends in buf, or all of them (and all of them once it
 * has passed). Bytes after it in the same piece came before the handshake's
 * answer.
 */
size_t frame_guard_http_request(const struct frame_guard *g, const uint8_t *buf, size_t len);

/*
 * Follows len more bytes of the stream. Returns len when every frame header
 * in them was masked (and always in the HTTP phase, where the request is
 * checked for frame_guard_upgraded); otherwise the guard
 * becomes FRAME_GUARD_UNMASKED and the return is how many bytes precede the
 * unmasked frame's header in buf (0 when its header began in an earlier
 * piece), which are the bytes that may still be processed. Once unmasked it
 * returns 0.
 */
size_t frame_guard_feed(struct frame_guard *g, const uint8_t *buf, size_t len);

/* Whether the guard has seen an unmasked frame. */
int frame_guard_unmasked(const struct frame_guard *g);

/* Whether the guard refused the connection (an unmasked frame, or a request it could not check). */
int frame_guard_refused(const struct frame_guard *g);

#endif
