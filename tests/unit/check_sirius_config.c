/* check_sirius_config.c: unit tests of the settings table and of reading sirius.conf and .env. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_checks.h"
#include "sirius_config.h"
#include "paths.h"
#include "test_util.h"

/* A temporary directory of one test (its path in dir), removed by cleanup_dir. */
static char dir[PATHS_MAX];

/* Unsets every known setting, so that the tests see only what they set. */
static void clear_env(void)
{
	size_t i;

	for (i = 0; i < config_setting_count; i++)
		unsetenv(config_settings[i].name);
}

/* Makes a fresh temporary directory in dir and clears the environment. */
static void setup_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	clear_env();
	/* mkdtemp's template ends in six capital X */
	snprintf(dir, sizeof(dir), "%s/check_config.%s", tmp && tmp[0] ? tmp : "/tmp", "XX" "XX" "XX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* Removes the files the tests write (the zone files of test_timezone too) and the directory. */
static void cleanup_dir(void)
{
	static const char *const names[] = { "sirius.conf", ".env", "other.conf", "Europe/London", "Notes" };
	char path[PATHS_MAX + 32];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/Europe", dir);
	rmdir(path);
	rmdir(dir);
	unsetenv("TZDIR");
}

/* Writes len bytes of data into dir/name; returns the file's path in a static buffer. */
static const char *write_bytes(const char *name, const char *data, size_t len)
{
	static char path[PATHS_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* Writes text into dir/name; returns the file's path in a static buffer. */
static const char *write_file(const char *name, const char *text)
{
	return write_bytes(name, text, strlen(text));
}

/* Asserts that reading text as a file fails with a reason containing "FILE:LINE: " and want. */
static void expect_bad(const char *text, unsigned line, const char *want)
{
	struct sirius_error err = { "" };
	char where[PATHS_MAX + 64];
	const char *path = write_file("sirius.conf", text);

	ck_assert_int_eq(config_load_file(path, 0, &err), -1);
	snprintf(where, sizeof(where), "%s:%u: ", path, line);
	ck_assert_msg(strstr(err.message, where) == err.message, "\"%s\" does not start with \"%s\"", err.message,
		      where);
	ck_assert_msg(strstr(err.message, want) != NULL, "\"%s\" does not say \"%s\"", err.message, want);
}

START_TEST(test_table)
{
	size_t i, j;

	ck_assert_uint_ge(config_setting_count, 17);
	for (i = 0; i < config_setting_count; i++) {
		const struct config_setting *s = &config_settings[i];
		struct sirius_error err = { "" };

		ck_assert_msg(strncmp(s->name, "SIRIUS_", 7) == 0 || strcmp(s->name, "DEVICE_KEY_DOMAIN") == 0,
			      "%s is not a name of ours", s->name);
		ck_assert_ptr_eq(config_find(s->name), s);
		ck_assert_ptr_nonnull(s->default_doc);
		ck_assert_ptr_nonnull(s->description);
		ck_assert_uint_gt(strlen(s->description), 10);
		if (s->fixed_default)
			ck_assert_msg(config_check_value(s, s->fixed_default, &err) == 0, "%s's default: %s", s->name,
				      err.message);
		for (j = i + 1; j < config_setting_count; j++)
			ck_assert_str_ne(s->name, config_settings[j].name);
	}
	/* every setting the issue names is there */
	{
		static const char *const wanted[] = {
			"SIRIUS_VAR", "SIRIUS_DB", "SIRIUS_RELAY_SOCKET", "SIRIUS_RELAY_LISTEN", "SIRIUS_HTTP_PORT",
			"SIRIUS_RELAY_PORT", "SIRIUS_LISTEN", "SIRIUS_BASE_URL", "DEVICE_KEY_DOMAIN", "SIRIUS_TIMEZONE",
			"SIRIUS_HTML_RENDERER", "SIRIUS_WWW", "SIRIUS_MAX_TEXT_BYTES", "SIRIUS_MAX_IMAGE_BYTES",
			"SIRIUS_KEY_RATE", "SIRIUS_LOG",
		};

		for (i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
			ck_assert_msg(config_find(wanted[i]) != NULL, "%s is missing", wanted[i]);
	}
	ck_assert_ptr_null(config_find("SIRIUS_NOTHING"));
	ck_assert_ptr_null(config_find("PATH"));
}
END_TEST

START_TEST(test_values)
{
	struct sirius_error err = { "" };
	long n;

	clear_env();
	ck_assert_str_eq(config_value("SIRIUS_HTTP_PORT"), "8080");
	ck_assert_str_eq(config_value("SIRIUS_RELAY_PORT"), "8081");
	ck_assert_str_eq(config_value("SIRIUS_LISTEN"), "127.0.0.1");
	ck_assert_ptr_null(config_value("SIRIUS_VAR"));
	ck_assert_ptr_null(config_value("SOMETHING_ELSE"));
	ck_assert_int_eq(config_number("SIRIUS_KEY_RATE", &n, &err), 0);
	ck_assert_int_eq(n, 30);
	setenv("SIRIUS_KEY_RATE", "5", 1);
	ck_assert_int_eq(config_number("SIRIUS_KEY_RATE", &n, &err), 0);
	ck_assert_int_eq(n, 5);
	setenv("SIRIUS_KEY_RATE", "", 1);
	ck_assert_int_eq(config_number("SIRIUS_KEY_RATE", &n, &err), 0);
	ck_assert_int_eq(n, 30);
	setenv("SIRIUS_HTTP_PORT", "70000", 1);
	ck_assert_int_eq(config_number("SIRIUS_HTTP_PORT", &n, &err), -1);
	ck_assert_int_eq(config_number("SIRIUS_VAR", &n, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "not a numeric setting"));
}
END_TEST

/* config_check_value of the named setting: 0 or -1. */
static int check(const char *name, const char *value)
{
	struct sirius_error err = { "" };

	return config_check_value(config_find(name), value, &err);
}

START_TEST(test_checks)
{
	ck_assert_int_eq(check("SIRIUS_VAR", "/srv/sirius"), 0);
	ck_assert_int_eq(check("SIRIUS_VAR", "var"), -1);
	ck_assert_int_eq(check("SIRIUS_HTTP_PORT", "80"), 0);
	ck_assert_int_eq(check("SIRIUS_HTTP_PORT", "0"), -1);
	ck_assert_int_eq(check("SIRIUS_HTTP_PORT", "65536"), -1);
	ck_assert_int_eq(check("SIRIUS_HTTP_PORT", "+80"), -1);
	ck_assert_int_eq(check("SIRIUS_HTTP_PORT", "80x"), -1);
	ck_assert_int_eq(check("SIRIUS_KEY_RATE", "1"), 0);
	ck_assert_int_eq(check("SIRIUS_KEY_RATE", "-1"), -1);
	ck_assert_int_eq(check("SIRIUS_KEY_RATE", "99999999999999999999"), -1);
	ck_assert_int_eq(check("SIRIUS_RENDER_SECONDS", "1"), 0);
	ck_assert_int_eq(check("SIRIUS_RENDER_SECONDS", "3600"), 0);
	ck_assert_int_eq(check("SIRIUS_RENDER_SECONDS", "3601"), -1);
	ck_assert_int_eq(check("SIRIUS_RENDER_SECONDS", "0"), -1);
	ck_assert_int_eq(check("SIRIUS_RENDER_SECONDS", "2s"), -1);
	ck_assert_int_eq(check("SIRIUS_API_PROCESSES", "1"), 0);
	ck_assert_int_eq(check("SIRIUS_API_PROCESSES", "64"), 0);
	ck_assert_int_eq(check("SIRIUS_API_PROCESSES", "65"), -1);
	ck_assert_int_eq(check("SIRIUS_API_PROCESSES", "0"), -1);
	ck_assert_int_eq(check("SIRIUS_LISTEN", "0.0.0.0"), 0);
	ck_assert_int_eq(check("SIRIUS_LISTEN", "::"), 0);
	ck_assert_int_eq(check("SIRIUS_LISTEN", "a b"), -1);
	ck_assert_int_eq(check("SIRIUS_RELAY_LISTEN", "127.0.0.1:9000"), 0);
	ck_assert_int_eq(check("SIRIUS_RELAY_LISTEN", "[::1]:9000"), 0);
	ck_assert_int_eq(check("SIRIUS_RELAY_LISTEN", "127.0.0.1"), -1);
	ck_assert_int_eq(check("SIRIUS_RELAY_LISTEN", "::1:9000x"), -1);
	ck_assert_int_eq(check("SIRIUS_BASE_URL", "https://printer.example.org/"), 0);
	ck_assert_int_eq(check("SIRIUS_BASE_URL", "ftp://x/"), -1);
	ck_assert_int_eq(check("SIRIUS_BASE_URL", "http://"), -1);
	ck_assert_int_eq(check("SIRIUS_TIMEZONE", "Europe/London"), 0);
	ck_assert_int_eq(check("SIRIUS_TIMEZONE", "Europe London"), -1);
	ck_assert_int_eq(check("SIRIUS_HTML_RENDERER", "wkhtmltoimage --width 384 - -"), 0);
	ck_assert_int_eq(check("SIRIUS_HTML_RENDERER", "a\tb"), -1);
}
END_TEST

START_TEST(test_file_syntax)
{
	struct sirius_error err = { "" };
	const char *path;

	path = write_file("sirius.conf",
			  "# a comment\n"
			  "\n"
			  "   ; another comment\n"
			  "SIRIUS_HTTP_PORT=9090\n"
			  "SIRIUS_TIMEZONE=\"Europe/London\"\n"
			  "SIRIUS_HTML_RENDERER='my-renderer --width 384 \"$X\" -'\n"
			  "SIRIUS_BASE_URL=\"http://example.org/a\\\"b\"\r\n"
			  "  SIRIUS_LISTEN=0.0.0.0   \n"
			  "SIRIUS_LOG=\n"
			  "DEVICE_KEY_DOMAIN=printer.example.org");
	ck_assert_int_eq(config_load_file(path, 0, &err), 7);
	ck_assert_str_eq(getenv("SIRIUS_HTTP_PORT"), "9090");
	ck_assert_str_eq(getenv("SIRIUS_TIMEZONE"), "Europe/London");
	ck_assert_str_eq(getenv("SIRIUS_HTML_RENDERER"), "my-renderer --width 384 \"$X\" -");
	ck_assert_str_eq(getenv("SIRIUS_BASE_URL"), "http://example.org/a\"b");
	ck_assert_str_eq(getenv("SIRIUS_LISTEN"), "0.0.0.0");
	ck_assert_str_eq(getenv("SIRIUS_LOG"), "");
	ck_assert_str_eq(getenv("DEVICE_KEY_DOMAIN"), "printer.example.org");
}
END_TEST

START_TEST(test_file_errors)
{
	struct sirius_error err = { "" };
	char path[PATHS_MAX + 32];
	char *longline;

	expect_bad("SIRIUS_HTTP_PORT=1\nPATH=/bin\n", 2, "unknown setting PATH");
	expect_bad("SIRIUS_NOPE=1\n", 1, "unknown setting SIRIUS_NOPE");
	expect_bad("\n\njust words\n", 3, "expected NAME=value");
	expect_bad("SIRIUS_HTTP_PORT = 1\n", 1, "no spaces before '='");
	expect_bad("export SIRIUS_HTTP_PORT=1\n", 1, "no spaces before '='");
	expect_bad("SIRIUS_HTTP_PORT=http\n", 1, "SIRIUS_HTTP_PORT: \"http\" is not a port");
	expect_bad("SIRIUS_VAR=var\n", 1, "not an absolute path");
	expect_bad("SIRIUS_TIMEZONE=\"Europe/London\n", 1, "closing quote is missing");
	expect_bad("SIRIUS_TIMEZONE='UTC' x\n", 1, "text after the closing quote");
	expect_bad("SIRIUS_TIMEZONE=\"a\\nb\"\n", 1, "backslash");
	expect_bad("SIRIUS_TIMEZONE=U\"TC\n", 1, "fully quoted value");
	expect_bad("SIRIUS_DB=$SIRIUS_VAR/x.db\n", 1, "not expanded");
	expect_bad("SIRIUS_TIMEZONE=UTC # the zone\n", 1, "comment must be on a line of its own");
	expect_bad("SIRIUS_HTTP_PORT=1\n#\nSIRIUS_HTTP_PORT=2\n", 3, "already set on line 1");
	expect_bad("SIRIUS_CONF=/etc/x\n", 1, "set it in the environment");
	{
		static const char nul[] = "SIRIUS_TIMEZONE=UTC\nSIRIUS_LISTEN=a\0b\n";
		char where[PATHS_MAX + 64];
		const char *path_nul = write_bytes("sirius.conf", nul, sizeof(nul) - 1);

		ck_assert_int_eq(config_load_file(path_nul, 0, &err), -1);
		snprintf(where, sizeof(where), "%s:2: a NUL byte", path_nul);
		ck_assert_str_eq(err.message, where);
	}

	longline = malloc(CONFIG_LINE_MAX + 32);
	ck_assert_ptr_nonnull(longline);
	memset(longline, 'a', CONFIG_LINE_MAX + 20);
	memcpy(longline, "SIRIUS_HTML_RENDERER=", 21);
	strcpy(longline + CONFIG_LINE_MAX + 20, "\n");
	expect_bad(longline, 1, "longer than");
	free(longline);

	/* a bad file sets nothing, not even the good lines before the bad one */
	expect_bad("SIRIUS_KEY_RATE=5\nSIRIUS_KEY_RATE=x\n", 2, "not a positive whole number");
	ck_assert_ptr_null(getenv("SIRIUS_KEY_RATE"));

	/* a missing file: fine when optional, an error naming it when not */
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	ck_assert_int_eq(config_load_file(path, 1, &err), 0);
	ck_assert_int_eq(config_load_file(path, 0, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, path));
}
END_TEST

START_TEST(test_precedence)
{
	struct sirius_error err = { "" };

	write_file(".env", "SIRIUS_HTTP_PORT=7001\nSIRIUS_TIMEZONE=Asia/Tokyo\n");
	write_file("sirius.conf", "SIRIUS_HTTP_PORT=7002\nSIRIUS_RELAY_PORT=7003\n"
				  "SIRIUS_TIMEZONE=Europe/Paris\nSIRIUS_LISTEN=0.0.0.0\n");
	setenv("SIRIUS_LISTEN", "127.0.0.2", 1);
	ck_assert_int_eq(config_load_in(dir, &err), 0);
	/* the environment wins, then .env, then sirius.conf */
	ck_assert_str_eq(getenv("SIRIUS_LISTEN"), "127.0.0.2");
	ck_assert_str_eq(getenv("SIRIUS_HTTP_PORT"), "7001");
	ck_assert_str_eq(getenv("SIRIUS_TIMEZONE"), "Asia/Tokyo");
	ck_assert_str_eq(getenv("SIRIUS_RELAY_PORT"), "7003");
	/* the relay's listen address follows its port */
	ck_assert_str_eq(getenv("SIRIUS_RELAY_LISTEN"), "127.0.0.1:7003");
}
END_TEST

START_TEST(test_relay_listen_kept)
{
	struct sirius_error err = { "" };

	write_file("sirius.conf", "SIRIUS_RELAY_PORT=7003\nSIRIUS_RELAY_LISTEN=0.0.0.0:7004\n");
	ck_assert_int_eq(config_load_in(dir, &err), 0);
	ck_assert_str_eq(getenv("SIRIUS_RELAY_LISTEN"), "0.0.0.0:7004");
}
END_TEST

START_TEST(test_sirius_conf_variable)
{
	struct sirius_error err = { "" };
	char path[PATHS_MAX + 32];

	write_file("sirius.conf", "SIRIUS_HTTP_PORT=7002\n");
	setenv("SIRIUS_CONF", write_file("other.conf", "SIRIUS_HTTP_PORT=7005\n"), 1);
	ck_assert_int_eq(config_load_in(dir, &err), 0);
	ck_assert_str_eq(getenv("SIRIUS_HTTP_PORT"), "7005");
	ck_assert_int_eq(config_file_path(path, sizeof(path), &err), 0);
	ck_assert_str_eq(path, getenv("SIRIUS_CONF"));

	/* a named file must exist */
	unsetenv("SIRIUS_HTTP_PORT");
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	setenv("SIRIUS_CONF", path, 1);
	ck_assert_int_eq(config_load_in(dir, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "missing.conf"));
}
END_TEST

START_TEST(test_bad_environment)
{
	struct sirius_error err = { "" };

	setenv("SIRIUS_HTTP_PORT", "eighty", 1);
	ck_assert_int_eq(config_load_in(dir, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "SIRIUS_HTTP_PORT"));
	ck_assert_ptr_nonnull(strstr(err.message, "eighty"));
	/* an empty variable means the default */
	setenv("SIRIUS_HTTP_PORT", "", 1);
	ck_assert_int_eq(config_load_in(dir, &err), 0);
}
END_TEST

START_TEST(test_bad_file_named)
{
	struct sirius_error err = { "" };
	char where[PATHS_MAX + 64];

	write_file(".env", "SIRIUS_HTTP_PORT=1\nSIRIUS_TYPO=2\n");
	ck_assert_int_eq(config_load_in(dir, &err), -1);
	snprintf(where, sizeof(where), "%s/.env:2: unknown setting SIRIUS_TYPO", dir);
	ck_assert_str_eq(err.message, where);
}
END_TEST

START_TEST(test_installed_reads_no_env_file)
{
	struct sirius_error err = { "" };
	char out[PATHS_MAX];

	write_file(".env", "SIRIUS_HTTP_PORT=7001\n");
	/* an installed program reads SYSCONFDIR/sirius/sirius.conf, and no .env */
	ck_assert_int_eq(config_load_in(NULL, &err), 0);
	if (access(SIRIUS_SYSCONFDIR "/sirius/sirius.conf", F_OK) != 0)
		ck_assert_ptr_null(getenv("SIRIUS_HTTP_PORT"));
	ck_assert_int_eq(config_checkout_dir("/usr/bin/sirius-relay", out, sizeof(out), &err), 0);
}
END_TEST

START_TEST(test_checkout_dir)
{
	struct sirius_error err = { "" };
	char out[PATHS_MAX], expect[PATHS_MAX], small[4];
	char *source = realpath(SIRIUS_SOURCE_DIR, NULL);

	ck_assert_ptr_nonnull(source);
	/* this test program lives in the build tree of the checkout */
	ck_assert_int_eq(config_checkout_dir(NULL, out, sizeof(out), &err), 1);
	ck_assert_str_eq(out, source);
	snprintf(expect, sizeof(expect), "%s/tools/sirius-fake", source);
	ck_assert_int_eq(config_checkout_dir(expect, out, sizeof(out), &err), 1);
	snprintf(expect, sizeof(expect), "%s-other/sirius-fake", source);
	ck_assert_int_eq(config_checkout_dir(expect, out, sizeof(out), &err), 0);
	ck_assert_int_eq(config_checkout_dir(NULL, small, sizeof(small), &err), -1);
	ck_assert_int_eq(config_file_path(out, sizeof(out), &err), 0);
	snprintf(expect, sizeof(expect), "%s/sirius.conf", source);
	ck_assert_str_eq(out, expect);
	free(source);
}
END_TEST

START_TEST(test_resolved)
{
	struct sirius_error err = { "" };
	char out[PATHS_MAX], small[8];

	ck_assert_int_eq(config_resolved("SIRIUS_HTTP_PORT", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "8080");
	ck_assert_int_eq(config_resolved("SIRIUS_RELAY_LISTEN", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "127.0.0.1:8081");
	ck_assert_int_eq(config_resolved("SIRIUS_BASE_URL", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "http://127.0.0.1:8080/");
	ck_assert_int_eq(config_resolved("DEVICE_KEY_DOMAIN", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "127.0.0.1");
	ck_assert_int_eq(config_resolved("SIRIUS_TIMEZONE", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "");

	setenv("SIRIUS_VAR", "/srv/s", 1);
	ck_assert_int_eq(config_resolved("SIRIUS_DB", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "/srv/s/sirius.db");
	ck_assert_int_eq(config_resolved("SIRIUS_RELAY_SOCKET", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "/srv/s/relay.sock");

	setenv("SIRIUS_LISTEN", "::1", 1);
	setenv("SIRIUS_HTTP_PORT", "81", 1);
	ck_assert_int_eq(config_resolved("SIRIUS_BASE_URL", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "http://[::1]:81/");
	ck_assert_int_eq(config_resolved("DEVICE_KEY_DOMAIN", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "[::1]");
	setenv("SIRIUS_LISTEN", "0.0.0.0", 1);
	ck_assert_int_eq(config_resolved("SIRIUS_BASE_URL", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "http://127.0.0.1:81/");
	setenv("SIRIUS_BASE_URL", "https://printer.example.org:8443/sirius/", 1);
	ck_assert_int_eq(config_resolved("DEVICE_KEY_DOMAIN", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "printer.example.org");
	setenv("DEVICE_KEY_DOMAIN", "keys.example.org", 1);
	ck_assert_int_eq(config_resolved("DEVICE_KEY_DOMAIN", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "keys.example.org");

	ck_assert_int_eq(config_resolved("SIRIUS_WWW", out, sizeof(out), &err), 0);
	ck_assert_ptr_nonnull(strstr(out, "/www"));
	ck_assert_int_eq(config_resolved("SIRIUS_BASE_URL", small, sizeof(small), &err), -1);
	ck_assert_int_eq(config_resolved("HOME", out, sizeof(out), &err), -1);
}
END_TEST

/* config_check_timezone of name: 0 or -1, with the reason in err. */
static int zone(const char *name, struct sirius_error *err)
{
	return config_check_timezone(name, NULL, 0, err);
}

START_TEST(test_timezone)
{
	struct sirius_error err = { "" };
	char path[PATHS_MAX + 32], found[PATHS_MAX];

	/* a zone database of its own: Europe/London a zone file, Notes a text file, Europe a directory */
	snprintf(path, sizeof(path), "%s/Europe", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	write_bytes("Europe/London", "TZif2\0\0\0", 8);
	write_file("Notes", "not a zone\n");
	setenv("TZDIR", dir, 1);
	ck_assert_str_eq(config_zone_dir(), dir);

	ck_assert_int_eq(config_check_timezone("Europe/London", found, sizeof(found), &err), 0);
	snprintf(path, sizeof(path), "%s/Europe/London", dir);
	ck_assert_str_eq(found, path);
	ck_assert_int_eq(check("SIRIUS_TIMEZONE", "Europe/London"), 0);

	/* a name of the right form that names no zone */
	ck_assert_int_eq(zone("Mars/Olympus", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "Mars/Olympus is not a time zone of the zone database"));
	ck_assert_int_eq(check("SIRIUS_TIMEZONE", "Mars/Olympus"), -1);
	/* a directory and a file that is no zone file */
	ck_assert_int_eq(zone("Europe", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "is no zone file"));
	ck_assert_int_eq(zone("Notes", &err), -1);
	/* names that would leave the database, or are no names */
	ck_assert_int_eq(zone("../Europe/London", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "is not a time zone name"));
	ck_assert_int_eq(zone("Europe/../Europe/London", &err), -1);
	ck_assert_int_eq(zone("./Europe/London", &err), -1);
	ck_assert_int_eq(zone(path, &err), -1);
	ck_assert_int_eq(zone("Europe//London", &err), -1);
	ck_assert_int_eq(zone("Europe/London/", &err), -1);
	ck_assert_int_eq(zone("", &err), -1);
	ck_assert_int_eq(zone("Europe/Lon don", &err), -1);
	ck_assert_int_eq(zone("Europe/London\"; rm", &err), -1);
	/* too small a buffer for the path found */
	ck_assert_int_eq(config_check_timezone("Europe/London", found, 4, &err), -1);

	/* the system's database: UTC is in every tzdata */
	unsetenv("TZDIR");
	ck_assert_str_eq(config_zone_dir(), "/usr/share/zoneinfo");
	if (access("/usr/share/zoneinfo/UTC", R_OK) == 0) {
		ck_assert_int_eq(zone("UTC", &err), 0);
		ck_assert_int_eq(zone("Mars/Olympus", &err), -1);
	}
}
END_TEST

START_TEST(test_resolve_listen)
{
	struct sirius_error err = { "" };
	char bound[64], all[256];

	ck_assert_int_eq(config_resolve_listen("127.0.0.1", bound, sizeof(bound), all, sizeof(all), &err), 0);
	ck_assert_str_eq(bound, "127.0.0.1");
	ck_assert_str_eq(all, "127.0.0.1");
	ck_assert_int_eq(config_resolve_listen("0.0.0.0", bound, sizeof(bound), all, sizeof(all), &err), 0);
	ck_assert_str_eq(bound, "0.0.0.0");
	ck_assert_int_eq(config_resolve_listen("*", bound, sizeof(bound), all, sizeof(all), &err), 0);
	ck_assert_str_eq(bound, "0.0.0.0");

	/* localhost is resolved, and one of its loopback addresses bound */
	ck_assert_msg(config_resolve_listen("localhost", bound, sizeof(bound), all, sizeof(all), &err) == 0, "%s",
		      err.message);
	ck_assert_msg(strcmp(bound, "127.0.0.1") == 0 || strcmp(bound, "::1") == 0, "localhost bound as %s", bound);
	ck_assert_ptr_nonnull(strstr(all, bound));

	/* an address of another machine (TEST-NET-1, never assigned) resolves but cannot be bound */
	ck_assert_int_eq(config_resolve_listen("192.0.2.1", bound, sizeof(bound), all, sizeof(all), &err), -1);
	ck_assert_str_eq(err.message, "192.0.2.1 resolves to 192.0.2.1, which is not an address of this machine");
	ck_assert_str_eq(bound, "");
	/* a name that resolves nowhere (.invalid is reserved for that) */
	ck_assert_int_eq(config_resolve_listen("nowhere.invalid", bound, sizeof(bound), all, sizeof(all), &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "nowhere.invalid does not resolve: "));
	ck_assert_int_eq(config_resolve_listen("", bound, sizeof(bound), all, sizeof(all), &err), -1);
}
END_TEST

START_TEST(test_files_seen)
{
	const struct config_file_seen *files;
	struct sirius_error err = { "" };
	char env[PATHS_MAX + 32], conf[PATHS_MAX + 32];

	snprintf(env, sizeof(env), "%s/.env", dir);
	snprintf(conf, sizeof(conf), "%s/sirius.conf", dir);
	write_file(".env", "SIRIUS_HTTP_PORT=7002\nSIRIUS_KEY_RATE=3\n");
	ck_assert_int_eq(config_load_in(dir, &err), 0);
	ck_assert_uint_eq(config_files_seen(&files), 2);
	ck_assert_str_eq(files[0].path, env);
	ck_assert_int_eq(files[0].read, 1);
	ck_assert_int_eq(files[0].set, 2);
	/* a file that is not there is named as not read */
	ck_assert_str_eq(files[1].path, conf);
	ck_assert_int_eq(files[1].read, 0);
	ck_assert_int_eq(files[1].set, 0);

	/* sirius.conf's value for a name .env set already is not taken: it counts for nothing */
	write_file("sirius.conf", "SIRIUS_HTTP_PORT=7003\nSIRIUS_LISTEN=0.0.0.0\n");
	clear_env();
	ck_assert_int_eq(config_load_in(dir, &err), 0);
	ck_assert_uint_eq(config_files_seen(&files), 2);
	ck_assert_int_eq(files[1].read, 1);
	ck_assert_int_eq(files[1].set, 1);
	ck_assert_str_eq(getenv("SIRIUS_HTTP_PORT"), "7002");

	/* an installed program looks for sirius.conf only */
	clear_env();
	setenv("SIRIUS_CONF", conf, 1);
	ck_assert_int_eq(config_load_in(NULL, &err), 0);
	ck_assert_uint_eq(config_files_seen(&files), 1);
	ck_assert_str_eq(files[0].path, conf);
	ck_assert_int_eq(files[0].set, 2);
}
END_TEST

START_TEST(test_doc)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	config_print_doc(f);
	ck_assert_int_eq(fclose(f), 0);
	for (i = 0; i < config_setting_count; i++) {
		char name[64];

		snprintf(name, sizeof(name), "- `%s` (default: ", config_settings[i].name);
		ck_assert_msg(strstr(text, name) != NULL, "%s is not documented", config_settings[i].name);
		ck_assert_ptr_nonnull(strstr(text, config_settings[i].description));
	}
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sirius_config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup_dir, cleanup_dir);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_checks);
	tcase_add_test(tc, test_file_syntax);
	tcase_add_test(tc, test_file_errors);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_relay_listen_kept);
	tcase_add_test(tc, test_sirius_conf_variable);
	tcase_add_test(tc, test_bad_environment);
	tcase_add_test(tc, test_bad_file_named);
	tcase_add_test(tc, test_installed_reads_no_env_file);
	tcase_add_test(tc, test_checkout_dir);
	tcase_add_test(tc, test_resolved);
	tcase_add_test(tc, test_timezone);
	tcase_add_test(tc, test_resolve_listen);
	tcase_add_test(tc, test_files_seen);
	tcase_add_test(tc, test_doc);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
