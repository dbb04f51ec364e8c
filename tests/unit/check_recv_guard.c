/* check_recv_guard.c: unit tests of the relay's recv(), which follows bridge sockets' frame headers (socket pairs). */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "recv_guard.h"
#include "test_util.h"

static const char request[] = "GET /api/v1/connection HTTP/1.1\r\n"
			      "Host: 127.0.0.1\r\n"
			      "Upgrade: websocket\r\n"
			      "\r\n";

/* A masked frame: FIN+text, mask bit and length 3, the key, 3 payload bytes. */
static const uint8_t masked[] = { 0x81, 0x83, 1, 2, 3, 4, 'a', 'b', 'c' };
/* The same unmasked. */
static const uint8_t unmasked[] = { 0x81, 0x03, 'x', 'y', 'z' };

static void *notified; /* the conn recv_guard last notified */

static void note(void *conn)
{
	notified = conn;
}

/* A connected pair: sv[0] is read through recv (watched), sv[1] is the client's end. */
static void pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	ck_assert_int_eq(recv_guard_watch(sv[0]), 0);
	recv_guard_set_notify(note);
	notified = NULL;
}

static void put(int fd, const void *p, size_t n)
{
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
}

/* Before the upgrade recv hands over one line per call, even when more is waiting. */
START_TEST(test_request_line_by_line)
{
	char buf[4096];
	int sv[2], lines = 0;
	size_t got = 0;
	ssize_t n;

	pair(sv);
	put(sv[1], request, strlen(request));
	put(sv[1], masked, sizeof(masked));
	while (got < strlen(request)) {
		n = recv(sv[0], buf, sizeof(buf), 0);
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(buf[n - 1], '\n');
		ck_assert(memchr(buf, '\n', (size_t)n - 1) == NULL);
		got += (size_t)n;
		lines++;
	}
	ck_assert_uint_eq(got, strlen(request));
	ck_assert_int_eq(lines, 4);
	/* the frame is still in the socket, for after the upgrade */
	ck_assert_int_eq(recv_guard_upgraded(sv[0], &lines), 0);
	ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), 0), (ssize_t)sizeof(masked));
	ck_assert_int_eq(recv_guard_verdict(sv[0]), RECV_GUARD_OK);
	ck_assert_ptr_null(notified);
	recv_guard_forget(sv[0]);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/*
 * After the upgrade, an unmasked frame behind a masked one: recv returns
 * the masked one only, notifies the connection, then discards what comes
 * (EAGAIN) and passes the end of the stream on.
 */
START_TEST(test_unmasked_cut_and_discarded)
{
	char buf[4096];
	int sv[2], conn;
	ssize_t n;

	pair(sv);
	recv_guard_upgraded(sv[0], &conn);
	put(sv[1], masked, sizeof(masked));
	put(sv[1], unmasked, sizeof(unmasked));
	put(sv[1], masked, sizeof(masked));
	n = recv(sv[0], buf, sizeof(buf), 0);
	ck_assert_int_eq(n, (ssize_t)sizeof(masked));
	ck_assert(memcmp(buf, masked, sizeof(masked)) == 0);
	ck_assert_ptr_eq(notified, &conn);
	ck_assert_int_eq(recv_guard_verdict(sv[0]), RECV_GUARD_UNMASKED);
	put(sv[1], masked, sizeof(masked));
	errno = 0;
	ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), 0), -1);
	ck_assert_int_eq(errno, EAGAIN);
	close(sv[1]);
	ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), 0), 0);
	recv_guard_forget(sv[0]);
	ck_assert_int_eq(recv_guard_verdict(sv[0]), RECV_GUARD_OK);
	close(sv[0]);
}
END_TEST

/* An unmasked frame first in a read: nothing is handed on (EAGAIN), and the connection is notified. */
START_TEST(test_unmasked_first)
{
	char buf[64];
	int sv[2], conn;

	pair(sv);
	recv_guard_upgraded(sv[0], &conn);
	put(sv[1], unmasked, sizeof(unmasked));
	errno = 0;
	ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), 0), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_ptr_eq(notified, &conn);
	recv_guard_forget(sv[0]);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* Sockets not watched, forgotten ones and MSG_PEEK reads get the C library's recv unchanged. */
START_TEST(test_pass_through)
{
	char buf[64];
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	put(sv[1], unmasked, sizeof(unmasked));
	put(sv[1], "\n\n", 2);
	ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), 0), (ssize_t)sizeof(unmasked) + 2);
	ck_assert_int_eq(recv_guard_watch(sv[0]), 0);
	recv_guard_upgraded(sv[0], NULL);
	put(sv[1], unmasked, sizeof(unmasked));
	ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), MSG_PEEK), (ssize_t)sizeof(unmasked));
	recv_guard_forget(sv[0]);
	ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), 0), (ssize_t)sizeof(unmasked));
	ck_assert_int_eq(recv_guard_verdict(sv[0]), RECV_GUARD_OK);
	/* watching again starts over in the HTTP phase */
	ck_assert_int_eq(recv_guard_watch(sv[0]), 0);
	put(sv[1], "a\nb\n", 4);
	ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), 0), 2);
	recv_guard_clear();
	ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), 0), 2);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A socket number far above the table's first size grows it; lower ones keep their state. */
START_TEST(test_high_socket_numbers)
{
	char buf[64];
	int sv[2], high, conn;
	struct rlimit lim;

	/* as far above the table's first 1024 entries as the file limit allows */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &lim), 0);
	if (lim.rlim_cur < 5001 && lim.rlim_max > lim.rlim_cur) {
		lim.rlim_cur = lim.rlim_max < 5001 ? lim.rlim_max : 5001;
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
	}
	pair(sv);
	recv_guard_upgraded(sv[0], &conn);
	high = dup2(sv[0], (int)(lim.rlim_cur < 5001 ? lim.rlim_cur - 1 : 5000));
	ck_assert_int_ge(high, 0);
	ck_assert_int_eq(recv_guard_watch(high), 0);
	recv_guard_upgraded(high, NULL);
	put(sv[1], unmasked, sizeof(unmasked));
	errno = 0;
	ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), 0), -1);
	ck_assert_ptr_eq(notified, &conn);
	ck_assert_int_eq(recv_guard_verdict(high), RECV_GUARD_OK);
	recv_guard_clear();
	close(high);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("recv_guard");
	TCase *tc = tcase_create("recv");

	tcase_add_test(tc, test_request_line_by_line);
	tcase_add_test(tc, test_unmasked_cut_and_discarded);
	tcase_add_test(tc, test_unmasked_first);
	tcase_add_test(tc, test_pass_through);
	tcase_add_test(tc, test_high_socket_numbers);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
