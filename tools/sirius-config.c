/* sirius-config.c: prints the configuration in effect (for run.sh and people), checks it, and prints its documentation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_checks.h"
#include "sirius_config.h"
#include "paths.h"

/* Prints the usage text to out. */
static void usage(FILE *out)
{
	fputs("usage: sirius-config COMMAND\n"
	      "  env            the settings that are set (environment, .env, sirius.conf; not SIRIUS_CONF)\n"
	      "                 as NAME='value' lines for sh's eval\n"
	      "  env NAME...    the named settings in effect, defaults worked out, the same way\n"
	      "  get NAME       the value in effect of one setting\n"
	      "  check          read .env and sirius.conf and check every value, time zones against the\n"
	      "                 zone database and listen addresses by resolving them; says which files\n"
	      "                 were read and what the addresses resolve to\n"
	      "  bind NAME      the numeric address SIRIUS_LISTEN or SIRIUS_RELAY_LISTEN (then with its\n"
	      "                 port) resolves to, the one the server binds\n"
	      "  doc            the list of settings, their defaults and what they do (the README's)\n"
	      "  --help         this text\n"
	      "Settings come from the environment, then .env in the checkout, then sirius.conf\n"
	      "($SIRIUS_CONF, <checkout>/sirius.conf or " SIRIUS_SYSCONFDIR "/sirius/sirius.conf).\n",
	      out);
}

/* Writes value in single quotes for sh, a quote inside written as '\''. */
static void print_quoted(const char *value)
{
	putchar('\'');
	for (; *value; value++) {
		if (*value == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*value);
	}
	putchar('\'');
}

/* Prints NAME='value' for one setting; returns 0, or -1 after saying why on stderr. */
static int print_setting(const char *name)
{
	struct sirius_error err = { "" };
	char value[PATHS_MAX];

	if (config_resolved(name, value, sizeof(value), &err) < 0) {
		fprintf(stderr, "sirius-config: %s\n", err.message);
		return -1;
	}
	printf("%s=", name);
	print_quoted(value);
	putchar('\n');
	return 0;
}

/*
 * Resolves the listen setting name (SIRIUS_LISTEN, or SIRIUS_RELAY_LISTEN's
 * host) with config_resolve_listen: the address bound into bound (with the
 * relay's port, in brackets for IPv6), every address resolved into all, the
 * host as written into host. Returns 0, or -1 with a reason in err.
 */
static int resolve_setting(const char *name, char *host, size_t host_size, char *bound, size_t bound_size, char *all,
			   size_t all_size, struct sirius_error *err)
{
	char value[PATHS_MAX], numeric[64];
	struct sirius_error why = { "" };
	const char *port = NULL;
	char *colon;

	if (strcmp(name, "SIRIUS_LISTEN") != 0 && strcmp(name, "SIRIUS_RELAY_LISTEN") != 0)
		return error_set(err, "%s is not a listen address (SIRIUS_LISTEN or SIRIUS_RELAY_LISTEN)", name);
	if (config_resolved(name, value, sizeof(value), err) < 0)
		return -1;
	if (strcmp(name, "SIRIUS_RELAY_LISTEN") == 0) {
		/* ADDR:PORT or [IPV6]:PORT, as config_check_value made sure */
		colon = strrchr(value, ':');
		if (!colon)
			return error_set(err, "%s: \"%s\" is not ADDR:PORT", name, value);
		*colon = '\0';
		port = colon + 1;
		if (value[0] == '[' && colon > value + 1 && colon[-1] == ']') {
			colon[-1] = '\0';
			memmove(value, value + 1, strlen(value));
		}
	}
	snprintf(host, host_size, "%s", value);
	if (config_resolve_listen(value, numeric, sizeof(numeric), all, all_size, &why) < 0)
		return error_set(err, "%s: %s", name, why.message);
	if (!port)
		snprintf(bound, bound_size, "%s", numeric);
	else if (strchr(numeric, ':'))
		snprintf(bound, bound_size, "[%s]:%s", numeric, port);
	else
		snprintf(bound, bound_size, "%s:%s", numeric, port);
	return 0;
}

/*
 * sirius-config check, after config_load checked every value: says which
 * files were read, what the listen addresses resolve to and which zone file
 * SIRIUS_TIMEZONE names. Returns the exit status: 0, or 1 after saying why.
 */
static int check(void)
{
	static const char *const listens[] = { "SIRIUS_LISTEN", "SIRIUS_RELAY_LISTEN" };
	const struct config_file_seen *files;
	struct sirius_error err = { "" };
	char host[PATHS_MAX], bound[128], all[512], zone[PATHS_MAX];
	const char *tz;
	size_t i, n;

	n = config_files_seen(&files);
	for (i = 0; i < n; i++) {
		if (files[i].read)
			printf("read %s (%d setting%s taken from it)\n", files[i].path, files[i].set,
			       files[i].set == 1 ? "" : "s");
		else
			printf("not read: %s does not exist\n", files[i].path);
	}
	for (i = 0; i < sizeof(listens) / sizeof(listens[0]); i++) {
		if (resolve_setting(listens[i], host, sizeof(host), bound, sizeof(bound), all, sizeof(all), &err) < 0) {
			fprintf(stderr, "sirius-config: %s\n", err.message);
			return 1;
		}
		if (strcmp(host, all) == 0)
			printf("%s binds %s\n", listens[i], bound);
		else
			printf("%s binds %s (%s resolves to %s)\n", listens[i], bound, host, all);
	}
	tz = config_value("SIRIUS_TIMEZONE");
	if (tz && tz[0]) {
		if (config_check_timezone(tz, zone, sizeof(zone), &err) < 0) {
			fprintf(stderr, "sirius-config: SIRIUS_TIMEZONE: %s\n", err.message);
			return 1;
		}
		printf("SIRIUS_TIMEZONE %s is %s\n", tz, zone);
	}
	puts("configuration ok");
	return 0;
}

int main(int argc, char **argv)
{
	struct sirius_error err = { "" };
	char value[PATHS_MAX];
	int i, rc = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "doc") == 0 && argc == 2) {
		config_print_doc(stdout);
		return 0;
	}
	if (config_load(&err) < 0) {
		fprintf(stderr, "sirius-config: %s\n", err.message);
		return 1;
	}
	if (strcmp(argv[1], "check") == 0 && argc == 2)
		return check();
	if (strcmp(argv[1], "bind") == 0 && argc == 3) {
		char host[PATHS_MAX], all[512];

		if (resolve_setting(argv[2], host, sizeof(host), value, sizeof(value), all, sizeof(all), &err) < 0) {
			fprintf(stderr, "sirius-config: %s\n", err.message);
			return 1;
		}
		puts(value);
		return 0;
	}
	if (strcmp(argv[1], "get") == 0 && argc == 3) {
		if (config_resolved(argv[2], value, sizeof(value), &err) < 0) {
			fprintf(stderr, "sirius-config: %s\n", err.message);
			return 1;
		}
		puts(value);
		return 0;
	}
	if (strcmp(argv[1], "env") == 0) {
		if (argc == 2) {
			size_t k;

			/* what is set; SIRIUS_CONF left out: exported, it would make the file compulsory */
			for (k = 0; k < config_setting_count; k++) {
				const char *name = config_settings[k].name;
				const char *set = getenv(name);

				if (set && set[0] && strcmp(name, "SIRIUS_CONF") != 0 && print_setting(name) < 0)
					rc = 1;
			}
			return rc;
		}
		for (i = 2; i < argc; i++)
			if (print_setting(argv[i]) < 0)
				rc = 1;
		return rc;
	}
	usage(stderr);
	return 2;
}
