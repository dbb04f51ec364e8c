/* frame_guard.c: follows a bridge connection's incoming websocket frame headers and spots frames sent unmasked. */
#include "frame_guard.h"

#include <string.h>

/* The second header byte: the mask bit, and the length or the escape to an extended one. */
#define MASK_BIT 0x80
#define LENGTH_16 126
#define LENGTH_64 127
#define KEY_BYTES 4

void frame_guard_init(struct frame_guard *g)
{
	memset(g, 0, sizeof(*g));
	g->state = FRAME_GUARD_HTTP;
}

void frame_guard_upgraded(struct frame_guard *g)
{
	memset(g, 0, sizeof(*g));
	g->state = FRAME_GUARD_HEAD;
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

size_t frame_guard_feed(struct frame_guard *g, const uint8_t *buf, size_t len)
{
	size_t i = 0, take;
	uint8_t b;

	if (g->state == FRAME_GUARD_HTTP)
		return len;
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
			g->left = 0;
			if (b == LENGTH_16 || b == LENGTH_64) {
				g->need = b == LENGTH_16 ? 2 : 8;
				g->state = FRAME_GUARD_EXTENDED;
			} else {
				g->left = b;
				g->need = KEY_BYTES;
				g->state = FRAME_GUARD_KEY;
			}
			i++;
			break;
		case FRAME_GUARD_EXTENDED:
			/* network byte order; 8 bytes fill the 64 bits exactly */
			g->left = (g->left << 8) | buf[i++];
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
				g->state = g->left ? FRAME_GUARD_PAYLOAD : FRAME_GUARD_HEAD;
			break;
		case FRAME_GUARD_PAYLOAD:
			if (g->left > len - i) {
				g->left -= len - i;
				return len;
			}
			i += (size_t)g->left;
			g->left = 0;
			g->state = FRAME_GUARD_HEAD;
			break;
		default:
			return 0;
		}
	}
	return len;
}
