/* check_relay_client.c: unit tests of the control socket's client: one connection kept between requests. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "fake_relay.h"
#include "relay_client.h"
#include "test_util.h"

#define ADDRESS "000d6f0001020304"

static char *dir;
static char *socket_path;
static struct fake_relay relay;

static void setup(void)
{
	dir = g_dir_make_tmp("sirius-relay-client-XXXXXX", NULL);
	ck_assert_ptr_nonnull(dir);
	socket_path = g_build_filename(dir, "relay.sock", NULL);
	fake_relay_start(&relay, socket_path, "{\"ok\": true, \"result\": \"sent\"}");
}

static void teardown(void)
{
	fake_relay_stop(&relay);
	g_rmdir(dir);
	g_free(socket_path);
	g_free(dir);
}

/* Wakes the printer and expects the relay's "sent". */
static void wake(void)
{
	struct sirius_error err = { "" };
	enum relay_wake_result result;

	ck_assert_msg(relay_wake(socket_path, ADDRESS, 7, 5000, &result, &err) == 0, "%s", err.message);
	ck_assert_int_eq(result, RELAY_WAKE_SENT);
}

/* Requests one after another go over one connection. */
START_TEST(test_requests_share_one_connection)
{
	wake();
	wake();
	wake();
	ck_assert_int_eq(relay.requests, 3);
	ck_assert_int_eq(relay.connections, 1);
	/* closing it makes the next request open another */
	relay_client_close();
	wake();
	ck_assert_int_eq(relay.connections, 2);
}
END_TEST

/*
 * A relay that closes the connection after answering (one that restarted, or
 * a stand-in that answers once per connection) is met with a new connection,
 * whether the client sees the close before writing or only when no answer comes.
 */
START_TEST(test_connection_closed_by_the_relay_is_replaced)
{
	int i;

	relay.once = 1;
	for (i = 0; i < 20; i++)
		wake();
	ck_assert_int_eq(relay.requests, 20);
	ck_assert_int_eq(relay.connections, 20);
}
END_TEST

/* A relay that is gone is an error, also when a connection to it was kept. */
START_TEST(test_relay_gone)
{
	struct sirius_error err = { "" };
	enum relay_wake_result result;

	wake();
	fake_relay_stop(&relay);
	ck_assert_int_eq(relay_wake(socket_path, ADDRESS, 7, 1000, &result, &err), -1);
	ck_assert_msg(strstr(err.message, "cannot reach the relay") != NULL, "%s", err.message);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("relay_client");
	TCase *tc = tcase_create("connection");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_requests_share_one_connection);
	tcase_add_test(tc, test_connection_closed_by_the_relay_is_replaced);
	tcase_add_test(tc, test_relay_gone);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
