/* sirius-config.c: prints the configuration in effect (for run.sh and people), checks it, and prints its documentation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	      "  check          read sirius.conf and .env and check every value; prints the file read\n"
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
	if (strcmp(argv[1], "check") == 0 && argc == 2) {
		if (config_file_path(value, sizeof(value), &err) < 0) {
			fprintf(stderr, "sirius-config: %s\n", err.message);
			return 1;
		}
		printf("configuration ok (file %s)\n", value);
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
