/* sirius-import.c: brings users, printers, claim codes, device keys and friendships over from an original sirius server's database. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "import_dump.h"
#include "import_pg.h"
#include "import_run.h"
#include "import_source.h"
#include "paths.h"
#include "relay_client.h"
#include "sirius_config.h"

/* Exit statuses. */
enum {
	EXIT_DONE = 0,      /* everything is here (added now or before) */
	EXIT_FAILED = 1,    /* nothing was written: the source or the database could not be used */
	EXIT_USAGE = 2,     /* the command line is wrong */
	EXIT_LEFT_OUT = 3   /* done, but some rows were left out (conflicts or unreadable): see the notes */
};

static void usage(FILE *f)
{
	fputs("usage: sirius-import [--dry-run] [--adopt-existing] [--db PATH] [--database-url URL | --dump FILE]\n"
	      "\n"
	      "Brings the users, printers (addresses, hardware xors, claim codes and so their\n"
	      "keys), device keys and Twitter friendships of an original sirius server into\n"
	      "this server's database, so that its printers keep printing and device-key URLs\n"
	      "saved in apps keep working. Rows already here are matched, not added again:\n"
	      "running it twice changes nothing the second time.\n"
	      "\n"
	      "The source is the original's PostgreSQL database, or a plain SQL pg_dump of it:\n"
	      "  --database-url URL  a postgresql:// or postgres:// URL (default: $DATABASE_URL)\n"
	      "  --dump FILE         a file written by pg_dump (plain format, its default)\n"
	      "\n"
	      "options:\n"
	      "  --dry-run         report what an import would do, and write nothing\n"
	      "  --adopt-existing  take a local account with an original user's name to be\n"
	      "                    that person (else it is a conflict, and that user, their\n"
	      "                    printers, keys and friendships are left out)\n"
	      "  --db PATH         the database to import into (default: $SIRIUS_DB, else\n"
	      "                    sirius.db in the var directory)\n"
	      "  --help            this text\n"
	      "\n"
	      "Imported accounts have no password (the original signed people in with\n"
	      "Twitter): give each one with `sirius-admin password NAME`.\n"
	      "Exit status: 0 everything is here, 3 some rows were left out (see the notes),\n"
	      "1 nothing was written (an error), 2 a wrong command line.\n", f);
}

/*
 * Asks the relay to send the printers given an owner their link keys, so that
 * those online print at once (the others get them when they next ask).
 */
static void push_keys(const GPtrArray *addresses)
{
	struct sirius_error err = { "" };
	char socket_path[PATHS_MAX];
	enum relay_delivery outcome;
	guint i, sent = 0;

	if (addresses->len == 0)
		return;
	if (paths_relay_socket(socket_path, sizeof(socket_path), &err) < 0) {
		printf("link keys: %s; printers get theirs when they next ask\n", err.message);
		return;
	}
	for (i = 0; i < addresses->len; i++) {
		if (relay_push_key(socket_path, g_ptr_array_index(addresses, i), &outcome, &err) < 0) {
			printf("link keys: the relay did not take them (%s); printers get theirs when they next ask\n",
			       err.message);
			return;
		}
		sent += outcome == RELAY_SENT;
	}
	printf("link keys: sent to the %u printer%s online of %u given an owner; the others get theirs when they "
	       "next ask\n", sent, sent == 1 ? "" : "s", addresses->len);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "database-url", required_argument, NULL, 'u' },
		{ "dump", required_argument, NULL, 'f' },
		{ "db", required_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "adopt-existing", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct sirius_error err = { "" };
	struct import_options opt = { 0, 0, (int64_t)time(NULL) };
	const char *url = NULL, *dump = NULL, *db_path = NULL;
	char default_path[PATHS_MAX];
	struct import_source src;
	struct import_report report;
	struct db *db;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'u': url = optarg; break;
		case 'f': dump = optarg; break;
		case 'd': db_path = optarg; break;
		case 'n': opt.dry_run = 1; break;
		case 'a': opt.adopt_existing = 1; break;
		case 'h':
			usage(stdout);
			return EXIT_DONE;
		default:
			fprintf(stderr, "sirius-import: unknown or incomplete option %s\n", argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sirius-import: unexpected argument %s\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (url && dump) {
		fprintf(stderr, "sirius-import: give --database-url or --dump, not both\n");
		return EXIT_USAGE;
	}
	if (!dump && !url)
		url = getenv("DATABASE_URL");
	if (!dump && (!url || !url[0])) {
		fprintf(stderr, "sirius-import: no source: give --dump FILE, or --database-url URL (or set DATABASE_URL)\n");
		return EXIT_USAGE;
	}
	if (url && !import_pg_url_valid(url)) {
		fprintf(stderr, "sirius-import: the database URL must start with postgresql:// or postgres://\n");
		return EXIT_USAGE;
	}
	if (config_load(&err) < 0) {
		fprintf(stderr, "sirius-import: %s\n", err.message);
		return EXIT_FAILED;
	}
	if (!db_path) {
		if (paths_database(default_path, sizeof(default_path), &err) < 0) {
			fprintf(stderr, "sirius-import: %s\n", err.message);
			return EXIT_FAILED;
		}
		db_path = default_path;
	}

	import_source_init(&src);
	if ((dump ? import_dump_read(dump, &src, &err) : import_pg_read(url, &src, &err)) < 0) {
		fprintf(stderr, "sirius-import: %s\n", err.message);
		import_source_free(&src);
		return EXIT_FAILED;
	}
	printf("read %zu users, %zu Twitter accounts, %zu printers, %zu claim codes and %zu device keys from %s\n",
	       import_rows(&src, IMPORT_USER), import_rows(&src, IMPORT_TWITTER), import_rows(&src, IMPORT_PRINTER),
	       import_rows(&src, IMPORT_CLAIM_CODE), import_rows(&src, IMPORT_PRINT_KEY), src.description);

	db = db_open(db_path, &err);
	if (!db) {
		fprintf(stderr, "sirius-import: cannot open the database %s: %s\n", db_path, err.message);
		import_source_free(&src);
		return EXIT_FAILED;
	}
	if (import_run(db, &src, &opt, &report, &err) < 0) {
		fprintf(stderr, "sirius-import: %s (nothing was written)\n", err.message);
		status = EXIT_FAILED;
	} else {
		import_report_print(stdout, &report, opt.dry_run);
		if (!opt.dry_run) {
			printf("into %s\n", db_path);
			push_keys(report.claimed);
		}
		status = import_report_left_out(&report) > 0 ? EXIT_LEFT_OUT : EXIT_DONE;
	}
	import_report_free(&report);
	db_close(db);
	import_source_free(&src);
	return status;
}
