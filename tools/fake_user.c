/* fake_user.c: "sirius-fake user": an account that can log in to the web UI. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "db.h"
#include "fake_cli.h"
#include "random_token.h"

/* Characters of a generated password (over [a-z0-9]: about 98 bits). */
#define GENERATED_PASSWORD_LEN 19

int fake_user_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "password", required_argument, NULL, 'p' },
		{ "admin", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct sirius_error err = { "" };
	char generated[GENERATED_PASSWORD_LEN + 1] = "";
	const char *password = NULL, *name;
	int is_admin = 0, c, created, status;
	int64_t id = 0;
	struct db_user user;
	struct db *db;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			password = optarg;
			break;
		case 'a':
			is_admin = 1;
			break;
		default:
			return fake_usage_error("user", "unknown or incomplete option %s", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return fake_usage_error("user", "wants one user name");
	name = argv[optind];
	if (!db_user_name_valid(name)) {
		fake_complain("a user name is 1 to %d characters of A-Z, a-z, 0-9, _, . and -", DB_USER_NAME_MAX);
		return FAKE_EXIT_REFUSED;
	}
	if (password && password[0] == '\0') {
		fake_complain("the password must not be empty");
		return FAKE_EXIT_REFUSED;
	}
	if (!password) {
		if (random_token_alnum(generated, GENERATED_PASSWORD_LEN, &err) != 0) {
			fake_complain("%s", err.message);
			return FAKE_EXIT_FAILURE;
		}
		password = generated;
	}

	db = fake_open_db();
	if (!db)
		return FAKE_EXIT_FAILURE;
	created = db_user_create(db, name, password, is_admin, (int64_t)time(NULL), &id, &err);
	/* The first account is an administrator whatever --admin says: read back what it became. */
	if (created == 1 && db_user_by_id(db, id, &user, &err) == 1)
		is_admin = user.is_admin;
	db_close(db);
	if (created < 0) {
		fake_complain("cannot create user %s: %s", name, err.message);
		status = FAKE_EXIT_FAILURE;
	} else if (created == 0) {
		fake_complain("a user named %s already exists", name);
		status = FAKE_EXIT_REFUSED;
	} else {
		printf("created %s %s with id %lld\n", is_admin ? "administrator" : "user", name, (long long)id);
		if (generated[0])
			printf("password: %s\n", generated);
		status = FAKE_EXIT_OK;
	}
	OPENSSL_cleanse(generated, sizeof(generated));
	return status;
}
