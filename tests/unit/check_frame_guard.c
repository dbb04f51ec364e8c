/* check_frame_guard.c: unit tests of the relay's websocket frame header follower (unmasked frames). */
#include <string.h>

#include "frame_guard.h"
#include "test_util.h"

/* Room for every stream built here (the largest has a 70,000-byte payload). */
#define STREAM_MAX (80 * 1024)

static const char handshake[] = "GET /api/v1/connection HTTP/1.1\r\n"
				"Host: 127.0.0.1:8081\r\n"
				"Upgrade: websocket\r\n"
				"Connection: Upgrade\r\n"
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
				"Sec-WebSocket-Version: 13\r\n"
				"\r\n";

/* A byte stream being built. */
struct stream {
	uint8_t buf[STREAM_MAX]; /* the bytes */
	size_t len;              /* bytes in buf */
};

static void put(struct stream *s, const void *p, size_t n)
{
	ck_assert_uint_le(s->len + n, sizeof(s->buf));
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

/*
 * Appends one frame as a client sends it: the header with a 7-bit, 16-bit or
 * 64-bit length (the shortest that fits unless wide asks for 64 bits), a
 * masking key when masked, then a payload of n bytes. Returns the offset of
 * the frame's first byte.
 */
static size_t put_frame(struct stream *s, uint8_t opcode, size_t n, int masked, int wide)
{
	size_t at = s->len, i;
	uint8_t head[14];
	size_t h = 0;
	uint8_t mbit = masked ? 0x80 : 0;

	head[h++] = (uint8_t)(0x80 | opcode);
	if (n < 126 && !wide) {
		head[h++] = (uint8_t)(mbit | n);
	} else if (n < 65536 && !wide) {
		head[h++] = (uint8_t)(mbit | 126);
		head[h++] = (uint8_t)(n >> 8);
		head[h++] = (uint8_t)n;
	} else {
		head[h++] = (uint8_t)(mbit | 127);
		for (i = 0; i < 8; i++)
			head[h++] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
	}
	if (masked) {
		/* a key whose bytes look like headers, unmasked ones even */
		head[h++] = 0x81;
		head[h++] = 0x05;
		head[h++] = 0x00;
		head[h++] = 0x7f;
	}
	put(s, head, h);
	/* payload bytes that would read as unmasked frame headers if the guard looked at them */
	for (i = 0; i < n; i++)
		s->buf[s->len + i] = (uint8_t)(i % 2 ? 0x05 : 0x81);
	s->len += n;
	return at;
}

/* A stream of masked frames of every length form: 7-bit, 16-bit, 64-bit, control frames, empty payloads. */
static void put_masked_frames(struct stream *s)
{
	put_frame(s, 0x1, 5, 1, 0);     /* text */
	put_frame(s, 0xA, 0, 1, 0);     /* empty pong */
	put_frame(s, 0x9, 125, 1, 0);   /* ping, the longest control frame */
	put_frame(s, 0x2, 126, 1, 0);   /* 16-bit length, its smallest */
	put_frame(s, 0x1, 300, 1, 0);
	put_frame(s, 0x0, 65535, 1, 0); /* continuation, the largest 16-bit length */
	put_frame(s, 0x1, 3, 1, 1);     /* a 64-bit length for a short payload */
	put_frame(s, 0x1, 0, 1, 0);     /* empty text */
	put_frame(s, 0x8, 2, 1, 0);     /* close */
}

/*
 * A check inside the loops over every split (tens of thousands of passes):
 * Check's ck_assert records its place at every pass that holds, a write
 * each, which was most of this suite's time; this one costs nothing until
 * it fails, and then names the offset.
 */
#define EXPECT(cond, at)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			ck_abort_msg("%s does not hold at offset %zu", #cond, (size_t)(at));       \
	} while (0)

/*
 * Feeds a guard already upgraded with buf cut at the given offsets (sorted,
 * within len), as recv would see it. Returns the bytes handed on before
 * feed first returned less than its piece (all of them when it never did).
 */
static size_t feed_pieces(struct frame_guard *g, const uint8_t *buf, size_t len, const size_t *cuts, size_t ncuts)
{
	size_t start = 0, total = 0, k, end, ok;

	for (k = 0; k <= ncuts; k++) {
		end = k < ncuts ? cuts[k] : len;
		ok = frame_guard_feed(g, buf + start, end - start);
		EXPECT(ok <= end - start, start);
		total += ok;
		if (ok < end - start)
			return total;
		start = end;
	}
	return total;
}

/* What feed_pieces hands on when the frame at bad is unmasked and one cut is at split. */
static size_t expected_before(size_t bad, size_t split)
{
	/* the header's first byte is handed on when a piece ends right after it */
	return split == bad + 1 ? bad + 1 : bad;
}

/* Masked frames, whole or cut anywhere in two, are all handed on and leave the guard at a frame boundary. */
START_TEST(test_masked_stream_every_split)
{
	static struct stream s;
	struct frame_guard g;
	size_t split;

	s.len = 0;
	put_masked_frames(&s);
	for (split = 0; split <= s.len; split++) {
		frame_guard_upgraded(&g, 0);
		EXPECT(feed_pieces(&g, s.buf, s.len, &split, 1) == s.len, split);
		EXPECT(!frame_guard_unmasked(&g), split);
		EXPECT(g.state == FRAME_GUARD_HEAD, split);
	}
}
END_TEST

/* One byte at a time: the same. */
START_TEST(test_masked_stream_byte_by_byte)
{
	static struct stream s;
	struct frame_guard g;
	size_t i;

	s.len = 0;
	put_masked_frames(&s);
	frame_guard_upgraded(&g, 0);
	for (i = 0; i < s.len; i++)
		EXPECT(frame_guard_feed(&g, s.buf + i, 1) == 1, i);
	ck_assert_int_eq(g.state, FRAME_GUARD_HEAD);
}
END_TEST

/* An unmasked frame after masked ones, cut anywhere in two: only the bytes before its header are handed on. */
START_TEST(test_unmasked_frame_every_split)
{
	static const uint8_t opcodes[] = { 0x1, 0x2, 0x0, 0x8, 0x9, 0xA };
	static struct stream s;
	struct frame_guard g;
	size_t split, bad, o;

	for (o = 0; o < sizeof(opcodes); o++) {
		s.len = 0;
		put_masked_frames(&s);
		bad = put_frame(&s, opcodes[o], opcodes[o] & 8 ? 4 : 200, 0, 0);
		put_frame(&s, 0x1, 10, 1, 0); /* too late: never handed on */
		for (split = 0; split <= s.len; split++) {
			frame_guard_upgraded(&g, 0);
			EXPECT(feed_pieces(&g, s.buf, s.len, &split, 1) == expected_before(bad, split), split);
			EXPECT(frame_guard_unmasked(&g), split);
			/* and nothing after */
			EXPECT(frame_guard_feed(&g, s.buf, s.len) == 0, split);
		}
	}
}
END_TEST

/* Unmasked frames with 16- and 64-bit lengths, and as the very first frame, byte by byte too. */
START_TEST(test_unmasked_extended_lengths)
{
	static struct stream s;
	struct frame_guard g;
	size_t bad, i, sent;
	int wide;

	for (wide = 0; wide <= 1; wide++) {
		s.len = 0;
		put_frame(&s, 0x1, 1, 1, 0);
		bad = put_frame(&s, 0x1, 1000, 0, wide);
		frame_guard_upgraded(&g, 0);
		ck_assert_uint_eq(frame_guard_feed(&g, s.buf, s.len), bad);
		frame_guard_upgraded(&g, 0);
		for (i = 0, sent = 0; i < s.len && !frame_guard_unmasked(&g); i++)
			sent += frame_guard_feed(&g, s.buf + i, 1);
		ck_assert(frame_guard_unmasked(&g));
		ck_assert_uint_eq(sent, bad + 1); /* the first header byte went alone, before the guard saw the second */
	}
	s.len = 0;
	put_frame(&s, 0xA, 0, 0, 0);
	frame_guard_upgraded(&g, 0);
	ck_assert_uint_eq(frame_guard_feed(&g, s.buf, s.len), 0);
	ck_assert(frame_guard_unmasked(&g));
}
END_TEST

/* A 64-bit length far beyond one read is skipped piece by piece, without looking at the payload. */
START_TEST(test_long_payload_skipped)
{
	static uint8_t chunk[4096];
	uint8_t head[] = { 0x82, 0x80 | 127, 0, 0, 0x01, 0, 0, 0, 0, 0, 1, 2, 3, 4 }; /* 2^40 bytes */
	struct frame_guard g;
	int i;

	memset(chunk, 0x01, sizeof(chunk)); /* would be unmasked headers if read as such */
	frame_guard_upgraded(&g, 0);
	ck_assert_uint_eq(frame_guard_feed(&g, head, sizeof(head)), sizeof(head));
	ck_assert_int_eq(g.state, FRAME_GUARD_PAYLOAD);
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(frame_guard_feed(&g, chunk, sizeof(chunk)), sizeof(chunk));
	ck_assert(g.u.left == (UINT64_C(1) << 40) - 100 * sizeof(chunk));
	ck_assert(!frame_guard_unmasked(&g));
}
END_TEST

/*
 * The handshake and frames in one buffer, as recv_guard reads them: line
 * by line until the request ends, then frames. The request ends with a
 * piece of its own, the frames that follow are followed from their first
 * byte, and an unmasked one among them is caught.
 */
START_TEST(test_handshake_then_frames_in_one_read)
{
	static struct stream s;
	struct frame_guard g;
	size_t hs = strlen(handshake), at = 0, n, lines = 0, bad;

	s.len = 0;
	put(&s, handshake, hs);
	put_frame(&s, 0x1, 20, 1, 0);
	bad = put_frame(&s, 0x1, 20, 0, 0);
	frame_guard_init(&g);
	/* the HTTP phase hands everything on unchecked */
	ck_assert_uint_eq(frame_guard_feed(&g, s.buf, s.len), s.len);
	while (at < hs) {
		n = frame_guard_http_line(s.buf + at, s.len - at);
		ck_assert_uint_gt(n, 0);
		ck_assert_uint_eq(s.buf[at + n - 1], '\n');
		at += n;
		lines++;
	}
	ck_assert_uint_eq(at, hs); /* the last piece ended exactly with the request */
	ck_assert_uint_eq(lines, 7);
	frame_guard_upgraded(&g, 0);
	ck_assert_uint_eq(frame_guard_feed(&g, s.buf + at, s.len - at), bad - hs);
	ck_assert(frame_guard_unmasked(&g));
}
END_TEST

/* Feeds text to a new guard in two pieces cut at split and reports what frame_guard_upgraded(check) says. */
static int checked_request(const char *text, size_t split, int check)
{
	struct frame_guard g;
	size_t len = strlen(text);

	frame_guard_init(&g);
	ck_assert_uint_eq(frame_guard_feed(&g, (const uint8_t *)text, split), split);
	ck_assert_uint_eq(frame_guard_feed(&g, (const uint8_t *)text + split, len - split), len - split);
	return frame_guard_upgraded(&g, check);
}

/* A request that ends exactly where the bytes handed on end passes the check, however it was cut. */
START_TEST(test_request_check_clean)
{
	size_t split;

	for (split = 0; split <= strlen(handshake); split++)
		ck_assert_int_eq(checked_request(handshake, split, 1), 0);
	ck_assert_int_eq(checked_request("GET /a%00a%0 HTTP/1.1\r\nHost: x\r\n\r\n", 0, 1), 0);
	ck_assert_int_eq(checked_request("GET / HTTP/1.1\r\nX: \r\r\n\r\n", 0, 1), 0);
}
END_TEST

/*
 * Refused: bytes after the blank line (a frame sent before the answer), no
 * blank line yet, a newline without a carriage return, "%0a" in any case;
 * unless the caller cut the pieces at line ends and asks for no check.
 */
START_TEST(test_request_check_refused)
{
	static const char *const bad[] = {
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x81\x85",
		"GET / HTTP/1.1\r\nHost: x\r\n",
		"GET / HTTP/1.1\r\nHost: x\n\r\n\x81\x05\r\n\r\n",
		"GET / HTTP/1.1\nHost: x\r\n\r\n",
		"GET /a%0A\r\n\x81\x05hello\r\n\r\n",
		"GET /a%0a HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n\r\n",
	};
	struct frame_guard g;
	size_t i, split;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (split = 0; split <= strlen(bad[i]); split++) {
			ck_assert_int_eq(checked_request(bad[i], split, 1), -1);
			ck_assert_int_eq(checked_request(bad[i], split, 0), 0);
		}
	}
	frame_guard_init(&g);
	frame_guard_feed(&g, (const uint8_t *)bad[0], strlen(bad[0]));
	ck_assert_int_eq(frame_guard_upgraded(&g, 1), -1);
	ck_assert_int_eq(g.state, FRAME_GUARD_BAD_REQUEST);
	ck_assert(frame_guard_refused(&g));
	ck_assert(!frame_guard_unmasked(&g));
	ck_assert_uint_eq(frame_guard_feed(&g, (const uint8_t *)"\x81\x85", 2), 0);
}
END_TEST

/* A piece without a newline is handed on whole; the newline is the last byte handed on. */
START_TEST(test_http_line)
{
	ck_assert_uint_eq(frame_guard_http_line((const uint8_t *)"GET / HTTP/1.1", 14), 14);
	ck_assert_uint_eq(frame_guard_http_line((const uint8_t *)"\n\r\n", 3), 1);
	ck_assert_uint_eq(frame_guard_http_line((const uint8_t *)"ab\ncd\n", 6), 3);
	ck_assert_uint_eq(frame_guard_http_line((const uint8_t *)"\r\n\x81\x85", 4), 2);
}
END_TEST

/* A TLS piece is cut after the request's first blank line, wherever the earlier pieces ended. */
START_TEST(test_http_request_end)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	const size_t end = sizeof(req) - 1;
	char piece[sizeof(req) + 2];
	struct frame_guard g;
	size_t split, len;

	memcpy(piece, req, end);
	memcpy(piece + end, "\x81\x85", 2);
	len = end + 2;
	for (split = 0; split < end; split++) {
		frame_guard_init(&g);
		/* the first piece is the request's start; the second carries its end and a frame */
		ck_assert_uint_eq(frame_guard_http_request(&g, (const uint8_t *)piece, split), split);
		frame_guard_feed(&g, (const uint8_t *)piece, split);
		ck_assert_uint_eq(frame_guard_http_request(&g, (const uint8_t *)piece + split, len - split), end - split);
		frame_guard_feed(&g, (const uint8_t *)piece + split, end - split);
		ck_assert_int_eq(frame_guard_upgraded(&g, 1), 0);
	}
	/* no blank line yet: all of it; once it has passed: all of it */
	frame_guard_init(&g);
	ck_assert_uint_eq(frame_guard_http_request(&g, (const uint8_t *)"GET / HTTP/1.1\r\n", 16), 16);
	frame_guard_feed(&g, (const uint8_t *)req, end);
	ck_assert_uint_eq(frame_guard_http_request(&g, (const uint8_t *)"\r\n\r\nab", 6), 6);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("frame_guard");
	TCase *tc = tcase_create("frames");

	tcase_add_test(tc, test_masked_stream_every_split);
	tcase_add_test(tc, test_masked_stream_byte_by_byte);
	tcase_add_test(tc, test_unmasked_frame_every_split);
	tcase_add_test(tc, test_unmasked_extended_lengths);
	tcase_add_test(tc, test_long_payload_skipped);
	tcase_add_test(tc, test_handshake_then_frames_in_one_read);
	tcase_add_test(tc, test_http_line);
	tcase_add_test(tc, test_http_request_end);
	tcase_add_test(tc, test_request_check_clean);
	tcase_add_test(tc, test_request_check_refused);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
