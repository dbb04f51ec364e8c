/* fuzz_frame_guard.c: libFuzzer harness of the relay's websocket frame header follower (the bytes a bridge sends). */
#define _GNU_SOURCE /* memmem */
#include <string.h>

#include "frame_guard.h"
#include "fuzz.h"

/*
 * The input: one byte of options (bit 0: start in the HTTP phase, bit 1:
 * check the request at the upgrade; the rest seed the cuts), then the
 * stream. In the HTTP phase the request is the bytes up to the first blank
 * line, or all of them.
 */
#define OPT_HTTP 0x01
#define OPT_CHECK 0x02

/*
 * Where the first unmasked frame of buf begins, found by reading whole
 * headers at once (another way than frame_guard's byte by byte); len when
 * every complete header is masked.
 */
static size_t first_unmasked(const uint8_t *buf, size_t len)
{
	size_t at = 0, head, i;
	uint64_t payload;

	while (len - at >= 2) {
		if (!(buf[at + 1] & 0x80))
			return at;
		payload = buf[at + 1] & 0x7f;
		head = 2;
		if (payload == 126 || payload == 127) {
			size_t bytes = payload == 126 ? 2 : 8;

			if (len - at < 2 + bytes)
				return len;
			payload = 0;
			for (i = 0; i < bytes; i++)
				payload = (payload << 8) | buf[at + 2 + i];
			head += bytes;
		}
		head += 4;
		if (len - at < head || payload > len - at - head)
			return len;
		at += head + (size_t)payload;
	}
	return len;
}

/* Feeds buf to g in pieces of 1 to 64 bytes drawn from seed; returns the bytes handed on before a short answer. */
static size_t feed_cut(struct frame_guard *g, const uint8_t *buf, size_t len, uint32_t seed, size_t *short_at)
{
	size_t at = 0, n, ok;

	*short_at = 0;
	while (at < len) {
		seed = seed * 1103515245u + 12345u;
		n = 1 + (seed >> 16) % 64;
		if (n > len - at)
			n = len - at;
		ok = frame_guard_feed(g, buf + at, n);
		FUZZ_CHECK(ok <= n);
		if (ok < n) {
			*short_at = at;
			return at + ok;
		}
		at += n;
	}
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_guard whole, cut;
	size_t request = 0, ok, handed, piece_start, expect;
	const uint8_t *blank;
	uint8_t opts;
	int rw, rc;

	if (size < 1)
		return 0;
	opts = data[0];
	data++;
	size--;
	frame_guard_init(&whole);
	frame_guard_init(&cut);
	if (opts & OPT_HTTP) {
		/* the request: followed whole or cut, it gets the same verdict */
		blank = memmem(data, size, "\r\n\r\n", 4);
		request = blank ? (size_t)(blank - data) + 4 : size;
		FUZZ_CHECK(frame_guard_feed(&whole, data, request) == request);
		FUZZ_CHECK(feed_cut(&cut, data, request, opts, &piece_start) == request);
		FUZZ_CHECK(frame_guard_http_line(data, request) <= request);
		rw = frame_guard_upgraded(&whole, opts & OPT_CHECK);
		rc = frame_guard_upgraded(&cut, opts & OPT_CHECK);
		FUZZ_CHECK(rw == rc);
		FUZZ_CHECK(rw == 0 || (opts & OPT_CHECK));
		if (rw < 0) {
			FUZZ_CHECK(frame_guard_refused(&whole) && !frame_guard_unmasked(&whole));
			FUZZ_CHECK(frame_guard_feed(&whole, data + request, size - request) == 0 || request == size);
			return 0;
		}
		data += request;
		size -= request;
	} else {
		frame_guard_upgraded(&whole, 0);
		frame_guard_upgraded(&cut, 0);
	}
	/* frames: the follower agrees with the whole-header reading, however the bytes are cut */
	expect = first_unmasked(data, size);
	ok = frame_guard_feed(&whole, data, size);
	FUZZ_CHECK(ok == expect);
	FUZZ_CHECK(frame_guard_unmasked(&whole) == (expect < size));
	handed = feed_cut(&cut, data, size, (uint32_t)opts << 8 | (uint32_t)size, &piece_start);
	FUZZ_CHECK(frame_guard_unmasked(&cut) == frame_guard_unmasked(&whole));
	if (expect == size) {
		FUZZ_CHECK(handed == size);
		FUZZ_CHECK(cut.state == whole.state && cut.need == whole.need && cut.u.left == whole.u.left);
	} else {
		/* the unmasked header's first byte is handed on only when a piece ended right after it */
		FUZZ_CHECK(handed == expect || (handed == expect + 1 && piece_start == expect + 1));
		FUZZ_CHECK(frame_guard_feed(&cut, data, size) == 0);
	}
	return 0;
}
