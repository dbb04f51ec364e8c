/* admin_backup.c: "sirius-admin backup FILE": a consistent copy of the running database. */
#include <getopt.h>
#include <stdio.h>

#include <glib.h>

#include "admin_cli.h"
#include "db_backup.h"
#include "paths.h"

int admin_backup_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct sirius_error err = { "" };
	char db_path[PATHS_MAX];
	int c, force = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c != 'f')
			return admin_usage_error("backup", "unknown option %s", argv[optind - 1]);
		force = 1;
	}
	if (argc - optind != 1)
		return admin_usage_error("backup", "wants the name of the file to write");
	if (!force && g_file_test(argv[optind], G_FILE_TEST_EXISTS)) {
		admin_complain("%s exists; choose another name, or replace it with --force", argv[optind]);
		return ADMIN_EXIT_REFUSED;
	}
	if (admin_db_path(db_path, sizeof(db_path)) < 0)
		return ADMIN_EXIT_FAILURE;
	if (db_backup(db_path, argv[optind], force, &err) < 0) {
		admin_complain("%s", err.message);
		return ADMIN_EXIT_FAILURE;
	}
	printf("copied %s to %s\n", db_path, argv[optind]);
	return ADMIN_EXIT_OK;
}
