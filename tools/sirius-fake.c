/* sirius-fake.c: the admin tool that fakes printers, users, claims, prints and a whole bridge, without hardware. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fake_cli.h"
#include "paths.h"
#include "sirius_config.h"

/* One subcommand: its name, entry point, synopsis and what it does. */
struct subcommand {
	const char *name;                  /* as typed after sirius-fake */
	int (*main)(int argc, char **argv); /* its entry point, see fake_cli.h */
	const char *synopsis;              /* its arguments */
	const char *summary;               /* one line for the help text */
};

static const struct subcommand subcommands[] = {
	{ "printer", fake_printer_main, "printer",
	  "create an unclaimed printer, print its claim code, write ADDRESS.printer" },
	{ "user", fake_user_main, "user NAME [--password PASSWORD] [--admin]",
	  "create an account for the web UI (a random password is printed when none is given)" },
	{ "claim", fake_claim_main, "claim ADDRESS OWNER CLAIM-CODE NAME",
	  "claim a printer for OWNER with the rules of the web UI" },
	{ "print", fake_print_main, "print ADDRESS|ID IMAGE.png [--from NAME] [--mode print|deliver] [--face default|none]",
	  "send a 384-pixel-wide one-bit PNG to a printer through the relay" },
	{ "emulate", fake_emulate_main,
	  "emulate FILE.printer WS_URL [--out DIR] [--key-interval S] [--heartbeat S] [--once]\n"
	  "        [--press-button-after S] [--quip-when-empty]",
	  "be a bridge and the printer of FILE.printer connected to WS_URL (SIGUSR1 presses its button)" },
};

#define SUBCOMMAND_COUNT (sizeof(subcommands) / sizeof(subcommands[0]))

void fake_complain(const char *fmt, ...)
{
	va_list ap;

	fputs("sirius-fake: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *fake_synopsis(const char *subcommand)
{
	size_t i;

	for (i = 0; i < SUBCOMMAND_COUNT; i++)
		if (strcmp(subcommands[i].name, subcommand) == 0)
			return subcommands[i].synopsis;
	return NULL;
}

int fake_usage_error(const char *subcommand, const char *fmt, ...)
{
	const char *synopsis = fake_synopsis(subcommand);
	va_list ap;

	fputs("sirius-fake: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (synopsis)
		fprintf(stderr, "usage: sirius-fake %s\n", synopsis);
	return FAKE_EXIT_USAGE;
}

int fake_parse_long(const char *text, long long min, long long max, long long *out)
{
	char *end;
	long long value;

	if (!text || *text == '\0' || *text == ' ' || *text == '+')
		return -1;
	errno = 0;
	value = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0' || value < min || value > max)
		return -1;
	*out = value;
	return 0;
}

struct db *fake_open_db(void)
{
	struct sirius_error err = { "" };
	char path[PATHS_MAX];
	struct db *db;

	if (paths_database(path, sizeof(path), &err) != 0) {
		fake_complain("%s", err.message);
		return NULL;
	}
	db = db_open(path, &err);
	if (!db)
		fake_complain("cannot open the database %s: %s", path, err.message);
	return db;
}

/* Writes the help text to f. */
static void print_help(FILE *f)
{
	size_t i;

	fputs("usage: sirius-fake COMMAND [ARGUMENTS]\n\n"
	      "Fakes Little Printers and their bridges against this checkout's database\n"
	      "and relay, for trying sirius-c without hardware.\n\ncommands:\n", f);
	for (i = 0; i < SUBCOMMAND_COUNT; i++)
		fprintf(f, "  sirius-fake %s\n      %s\n", subcommands[i].synopsis, subcommands[i].summary);
}

int main(int argc, char **argv)
{
	struct sirius_error err = { "" };
	size_t i;

	if (config_load(&err) < 0) {
		fprintf(stderr, "sirius-fake: %s\n", err.message);
		return FAKE_EXIT_FAILURE;
	}
	if (argc < 2) {
		print_help(stderr);
		return FAKE_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		print_help(stdout);
		return FAKE_EXIT_OK;
	}
	for (i = 0; i < SUBCOMMAND_COUNT; i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].main(argc - 1, argv + 1);
	fake_complain("unknown command \"%s\" (try sirius-fake --help)", argv[1]);
	return FAKE_EXIT_USAGE;
}
