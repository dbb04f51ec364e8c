/* sirius-admin.c: the administrator's command: accounts (list, administrators, passwords, disabling) and backups. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "admin_cli.h"
#include "db.h"
#include "paths.h"
#include "sirius_config.h"

/* One subcommand: its name, entry point, synopsis and what it does. */
struct subcommand {
	const char *name;                   /* as typed after sirius-admin */
	int (*main)(int argc, char **argv); /* its entry point, see admin_cli.h */
	const char *synopsis;               /* its arguments */
	const char *summary;                /* one line for the help text */
};

static const struct subcommand subcommands[] = {
	{ "users", admin_users_main, "users", "list the accounts: id, name, administrator, disabled, made, printers" },
	{ "admin", admin_role_main, "admin NAME", "make an account an administrator" },
	{ "unadmin", admin_role_main, "unadmin NAME",
	  "make an administrator an ordinary account (never the last enabled one)" },
	{ "password", admin_password_main, "password NAME [--password PASSWORD]",
	  "set a new password (asked on the terminal without echo, or one line of standard input); "
	  "ends the account's sessions" },
	{ "disable", admin_role_main, "disable NAME",
	  "stop an account: no sign-in, its sessions end, its API key and its printers' device keys are "
	  "refused (never the last enabled administrator)" },
	{ "enable", admin_role_main, "enable NAME", "let a disabled account sign in and print again" },
	{ "backup", admin_backup_main, "backup FILE [--force]",
	  "copy the database, while the server runs, into FILE (an existing FILE only with --force)" },
};

#define SUBCOMMAND_COUNT G_N_ELEMENTS(subcommands)

void admin_complain(const char *fmt, ...)
{
	va_list ap;

	fputs("sirius-admin: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int admin_usage_error(const char *subcommand, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	fputs("sirius-admin: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	for (i = 0; i < SUBCOMMAND_COUNT; i++)
		if (strcmp(subcommands[i].name, subcommand) == 0)
			fprintf(stderr, "usage: sirius-admin %s\n", subcommands[i].synopsis);
	return ADMIN_EXIT_USAGE;
}

int admin_db_path(char *out, size_t size)
{
	struct sirius_error err = { "" };

	if (paths_database(out, size, &err) != 0) {
		admin_complain("%s", err.message);
		return -1;
	}
	return 0;
}

struct db *admin_open_db(void)
{
	struct sirius_error err = { "" };
	char path[PATHS_MAX];
	struct db *db;

	if (admin_db_path(path, sizeof(path)) < 0)
		return NULL;
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
		admin_complain("there is no database at %s (start the server once, or set SIRIUS_DB)", path);
		return NULL;
	}
	db = db_open(path, &err);
	if (!db)
		admin_complain("cannot open the database %s: %s", path, err.message);
	return db;
}

/* Writes text to f as lines of at most 78 columns, each indented by 6 spaces. */
static void print_wrapped(FILE *f, const char *text)
{
	char **words = g_strsplit(text, " ", -1);
	size_t column = 0, i;

	for (i = 0; words[i]; i++) {
		size_t len = strlen(words[i]);

		if (column > 0 && column + 1 + len > 72) {
			fputc('\n', f);
			column = 0;
		}
		fprintf(f, "%s%s", column ? " " : "      ", words[i]);
		column += len + 1;
	}
	fputc('\n', f);
	g_strfreev(words);
}

/* Writes the help text to f. */
static void print_help(FILE *f)
{
	size_t i;

	fputs("usage: sirius-admin COMMAND [ARGUMENTS]\n\n"
	      "Looks after the accounts and the database of a sirius-c server, from its shell.\n"
	      "It uses the database the server uses (SIRIUS_DB, else sirius.db in SIRIUS_VAR;\n"
	      "see sirius-config get SIRIUS_DB), and may run while the server runs.\n\ncommands:\n", f);
	for (i = 0; i < SUBCOMMAND_COUNT; i++)
	{
		fprintf(f, "  sirius-admin %s\n", subcommands[i].synopsis);
		print_wrapped(f, subcommands[i].summary);
	}
	fputs("\nTo restore a backup: stop the relay and the web programs, copy FILE over the database\n"
	      "file (removing sirius.db-wal and sirius.db-shm beside it), and start them again.\n"
	      "\nexit status: 0 done, 1 refused (the reason is printed), 2 bad arguments, 3 failed.\n", f);
}

int main(int argc, char **argv)
{
	struct sirius_error err = { "" };
	size_t i;

	if (config_load(&err) < 0) {
		fprintf(stderr, "sirius-admin: %s\n", err.message);
		return ADMIN_EXIT_FAILURE;
	}
	if (argc < 2) {
		print_help(stderr);
		return ADMIN_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		print_help(stdout);
		return ADMIN_EXIT_OK;
	}
	for (i = 0; i < SUBCOMMAND_COUNT; i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].main(argc - 1, argv + 1);
	admin_complain("unknown command \"%s\" (try sirius-admin --help)", argv[1]);
	return ADMIN_EXIT_USAGE;
}
