/* check_paths.c: unit tests of the var directory, database and relay socket paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "test_util.h"

/* A directory named at build time in canonical form, with suffix appended, in a static buffer. */
static const char *canonical(const char *dir, const char *suffix)
{
	static char buf[PATHS_MAX];
	char *real = realpath(dir, NULL);

	ck_assert_ptr_nonnull(real);
	snprintf(buf, sizeof(buf), "%s%s", real, suffix);
	free(real);
	return buf;
}

START_TEST(test_default_in_checkout)
{
	char out[PATHS_MAX], expect[PATHS_MAX];
	struct sirius_error err = { "" };

	unsetenv("SIRIUS_VAR");
	snprintf(expect, sizeof(expect), "%s", canonical(SIRIUS_SOURCE_DIR, "/var"));
	/* This test program lives in the build tree of the checkout. */
	ck_assert_int_eq(paths_var_dir(out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, expect);
	ck_assert_int_eq(paths_default_var_dir(canonical(SIRIUS_BUILD_DIR, "/relay/sirius-relay"), out,
					       sizeof(out), &err), 0);
	ck_assert_str_eq(out, expect);
	ck_assert_int_eq(paths_default_var_dir(canonical(SIRIUS_SOURCE_DIR, "/tools/sirius-fake"), out,
					       sizeof(out), &err), 0);
	ck_assert_str_eq(out, expect);
}
END_TEST

START_TEST(test_default_installed)
{
	char out[PATHS_MAX];
	struct sirius_error err = { "" };

	ck_assert_int_eq(paths_default_var_dir("/usr/bin/sirius-relay", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, SIRIUS_LOCALSTATEDIR "/lib/sirius");
	ck_assert_int_eq(paths_default_var_dir(NULL, out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, SIRIUS_LOCALSTATEDIR "/lib/sirius");
	/* A sibling whose name merely starts like the checkout is not inside it. */
	ck_assert_int_eq(paths_default_var_dir(canonical(SIRIUS_SOURCE_DIR, "-other/x"), out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, SIRIUS_LOCALSTATEDIR "/lib/sirius");
}
END_TEST

START_TEST(test_from_environment)
{
	char out[PATHS_MAX];
	struct sirius_error err = { "" };
	char *db;

	setenv("SIRIUS_VAR", "/srv/sirius-state", 1);
	unsetenv("SIRIUS_DB");
	unsetenv("SIRIUS_RELAY_SOCKET");
	ck_assert_int_eq(paths_var_dir(out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "/srv/sirius-state");
	ck_assert_int_eq(paths_database(out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "/srv/sirius-state/sirius.db");
	ck_assert_int_eq(paths_relay_socket(out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "/srv/sirius-state/relay.sock");

	setenv("SIRIUS_DB", "/tmp/other.db", 1);
	setenv("SIRIUS_RELAY_SOCKET", "/run/sirius/relay.sock", 1);
	ck_assert_int_eq(paths_database(out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "/tmp/other.db");
	db = paths_database_alloc(&err);
	ck_assert_str_eq(db, "/tmp/other.db");
	free(db);
	ck_assert_int_eq(paths_relay_socket(out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "/run/sirius/relay.sock");

	/* Empty means unset. */
	setenv("SIRIUS_DB", "", 1);
	ck_assert_int_eq(paths_database(out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "/srv/sirius-state/sirius.db");
}
END_TEST

START_TEST(test_bounds)
{
	char small[12], out[PATHS_MAX], longer[200];
	struct sirius_error err = { "" };

	setenv("SIRIUS_VAR", "/srv/sirius-state", 1);
	unsetenv("SIRIUS_DB");
	unsetenv("SIRIUS_RELAY_SOCKET");
	ck_assert_int_eq(paths_database(small, sizeof(small), &err), -1);
	ck_assert_str_eq(small, "");
	ck_assert_ptr_nonnull(strstr(err.message, "longer"));
	memset(longer, 'd', sizeof(longer) - 1);
	longer[0] = '/';
	longer[sizeof(longer) - 1] = '\0';
	setenv("SIRIUS_VAR", longer, 1);
	ck_assert_int_eq(paths_database(out, sizeof(out), &err), 0);
	ck_assert_int_eq(paths_relay_socket(out, sizeof(out), &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "Unix socket"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("paths");
	TCase *tc = tcase_create("paths");

	tcase_add_test(tc, test_default_in_checkout);
	tcase_add_test(tc, test_default_installed);
	tcase_add_test(tc, test_from_environment);
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
