/* frame_guard.c: follows a bridge connection's incoming websocket frame headers and spots frames sent unmasked. */
#include "frame_guard.h"

#include <string.h>

/* The second header byte: the mask bit, and the length or the escape to an extended one. */
#define MASK_BIT 0x80
#define LENGTH_16 126
#define LENGTH_64 127
#define KEY_BYTES 4

/* frame_guard.http bits: what the HTTP phase has seen */
#define HTTP_AFTER_CR 0x01    /* the last byte was a carriage return */
#define HTTP_BARE_LF 0x02     /* a newline came without a carriage return before it */
#define HTTP_PERCENT 0x04     /* the last byte was '%' */
#define HTTP_PERCENT_0 0x08   /* the last two were "%0" */
#define HTTP_ENCODED_LF 0x10  /* "%0a" or "%0A" came */

void frame_guard_init(struct frame_guard *g)
{
	memset(g, 0, sizeof(*g));
	g->state = FRAME_GUARD_HTTP;
}

int frame_guard_upgraded(struct frame_guard *g, int check_request)
{
	int clean = g->state == FRAME_GUARD_HTTP && g->u.http.end != 0 && g->u.http.end == g->u.http.seen &&
		    !(g->http & (HTTP_BARE_LF | HTTP_ENCODED_LF));

	memset(g, 0, sizeof(*g));
	g->state = check_request && !clean ? FRAME_GUARD_BAD_REQUEST : FRAME_GUARD_HEAD;
	return g->state == FRAME_GUARD_HEAD ? 0 : -1;
}

/* Follows request bytes for frame_guard_upgraded's check. */
static void http_follow(struct frame_guard *g, const uint8_t *buf, size_t len)
{
	static const char blank[] = "\r\n\r\n";
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t c = buf[i];
		uint8_t was = g->http;

		if (g->u.http.seen < UINT32_MAX)
			g->u.http.seen++;
		if (c == '\n' && !(was & HTTP_AFTER_CR))
			g->http |= HTTP_BARE_LF;
		if ((was & HTTP_PERCENT_0) && (c == 'a' || c == 'A'))
			g->http |= HTTP_ENCODED_LF;
		g->http &= (uint8_t)~(HTTP_AFTER_CR | HTTP_PERCENT | HTTP_PERCENT_0);
		if (c == '\r')
			g->http |= HTTP_AFTER_CR;
		else if (c == '%')
			g->http |= HTTP_PERCENT;
		else if (c == '0' && (was & HTTP_PERCENT))
			g->http |= HTTP_PERCENT_0;
		g->need = c == (uint8_t)blank[g->need] ? (uint8_t)(g->need + 1) : c == '\r' ? 1 : 0;
		if (g->need == 4) {
			if (!g->u.http.end)
				g->u.http.end = g->u.http.seen;
			g->need = 0;
		}
	}
}

size_t frame_guard_http_request(const struct frame_guard *g, const uint8_t *buf, size_t len)
{
	struct frame_guard probe = *g;
	size_t i;

	if (g->state != FRAME_GUARD_HTTP || g->u.http.end)
		return len;
	for (i = 0; i < len; i++) {
		http_follow(&probe, buf + i, 1);
		if (probe.u.http.end)
			return i + 1;
	}
	return len;
}

size_t frame_guard_http_line(const uint8_t *buf, size_t len)
{
	const uint8_t *nl = memchr(buf, '\n', len);

	return nl ? (size_t)(nl - buf) + 1 : len;
}

int frame_guard_unmasked(const struct frame_guard *g)
{
	return g->state == FRAME_GUARD_UNMASKED;
}

int frame_guard_refused(const struct frame_guard *g)
{
	return g->state == FRAME_GUARD_UNMASKED || g->state == FRAME_GUARD_BAD_REQUEST;
}

size_t frame_guard_feed(struct frame_guard *g, const uint8_t *buf, size_t len)
{
	size_t i = 0, take;
	uint8_t b;

	if (g->state == FRAME_GUARD_HTTP) {
		http_follow(g, buf, len);
		return len;
	}
	while (i < len) {
		switch (g->state) {
		case FRAME_GUARD_HEAD:
			/* opcode and flags are libwebsockets' to check */
			g->state = FRAME_GUARD_LENGTH;
			i++;
			break;
		case FRAME_GUARD_LENGTH:
			b = buf[i];
			if (!(b & MASK_BIT)) {
				g->state = FRAME_GUARD_UNMASKED;
				/* the header's first byte is just before, unless an earlier piece carried it */
				return i > 0 ? i - 1 : 0;
			}
			b &= (uint8_t)~MASK_BIT;
			g->u.left = 0;
			if (b == LENGTH_16 || b == LENGTH_64) {
				g->need = b == LENGTH_16 ? 2 : 8;
				g->state = FRAME_GUARD_EXTENDED;
			} else {
				g->u.left = b;
				g->need = KEY_BYTES;
				g->state = FRAME_GUARD_KEY;
			}
			i++;
			break;
		case FRAME_GUARD_EXTENDED:
			/* network byte order; 8 bytes fill the 64 bits exactly */
			g->u.left = (g->u.left << 8) | buf[i++];
			if (--g->need == 0) {
				g->need = KEY_BYTES;
				g->state = FRAME_GUARD_KEY;
			}
			break;
		case FRAME_GUARD_KEY:
			take = len - i < g->need ? len - i : g->need;
			i += take;
			g->need = (uint8_t)(g->need - take);
			if (g->need == 0)
				g->state = g->u.left ? FRAME_GUARD_PAYLOAD : FRAME_GUARD_HEAD;
			break;
		case FRAME_GUARD_PAYLOAD:
			if (g->u.left > len - i) {
				g->u.left -= len - i;
				return len;
			}
			i += (size_t)g->u.left;
			g->u.left = 0;
			g->state = FRAME_GUARD_HEAD;
			break;
		default:
			return 0;
		}
	}
	return len;
}
