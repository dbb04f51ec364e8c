/* admin_users.c: "sirius-admin users", "admin", "unadmin", "disable", "enable" and "password": accounts from the shell. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <openssl/crypto.h>

#include "admin_cli.h"
#include "db.h"
#include "password.h"

/* Room for a time as format_time writes it. */
#define TIME_SIZE 32

/* Writes t as "2024-05-01 14:03 UTC" into out. Returns out. */
static const char *format_time(int64_t t, char out[TIME_SIZE])
{
	time_t when = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&when, &tm) || !strftime(out, TIME_SIZE, "%Y-%m-%d %H:%M UTC", &tm))
		g_strlcpy(out, "-", TIME_SIZE);
	return out;
}

int admin_users_main(int argc, char **argv)
{
	struct sirius_error err = { "" };
	struct db_user_summary *users = NULL;
	size_t n = 0, i;
	struct db *db;
	int rc;

	(void)argv;
	if (argc != 1)
		return admin_usage_error("users", "takes no arguments");
	db = admin_open_db();
	if (!db)
		return ADMIN_EXIT_FAILURE;
	rc = db_users_list(db, 0, -1, &users, &n, &err);
	db_close(db);
	if (rc < 0) {
		admin_complain("cannot list the accounts: %s", err.message);
		return ADMIN_EXIT_FAILURE;
	}
	printf("%-6s %-32s %-5s %-8s %-20s %s\n", "id", "name", "admin", "disabled", "made", "printers");
	for (i = 0; i < n; i++) {
		char when[TIME_SIZE];

		printf("%-6lld %-32s %-5s %-8s %-20s %lld\n", (long long)users[i].user.id, users[i].user.name,
		       users[i].user.is_admin ? "yes" : "no", users[i].user.disabled ? "yes" : "no",
		       format_time(users[i].user.created, when), (long long)users[i].printers);
	}
	if (n == 0)
		printf("(no accounts yet: sign up at /signup, or sirius-fake user NAME)\n");
	db_free(users);
	return ADMIN_EXIT_OK;
}

/*
 * Looks NAME up; returns 1 with *user filled, or an exit status after
 * complaining (ADMIN_EXIT_REFUSED for an unknown name, FAILURE for the database).
 */
static int find_user(struct db *db, const char *name, struct db_user *user)
{
	struct sirius_error err = { "" };
	int rc = db_user_by_name(db, name, user, &err);

	if (rc < 0) {
		admin_complain("cannot look %s up: %s", name, err.message);
		return -ADMIN_EXIT_FAILURE;
	}
	if (rc == 0) {
		admin_complain("there is no account named %s (sirius-admin users lists them)", name);
		return -ADMIN_EXIT_REFUSED;
	}
	return 1;
}

int admin_role_main(int argc, char **argv)
{
	static const struct {
		const char *name;              /* the subcommand */
		enum db_user_change_kind kind; /* what it changes */
		const char *done;              /* what is printed after NAME when done */
	} changes[] = {
		{ "admin", DB_USER_MAKE_ADMIN, "is an administrator" },
		{ "unadmin", DB_USER_UNMAKE_ADMIN, "is no longer an administrator" },
		{ "disable", DB_USER_DISABLE, "is disabled: it cannot sign in, its sessions ended, its API key "
					      "and its printers' device keys are refused" },
		{ "enable", DB_USER_ENABLE, "is enabled: it may sign in again" },
	};
	struct sirius_error err = { "" };
	struct db_user user;
	struct db *db;
	size_t i;
	int found, status;

	for (i = 0; i < G_N_ELEMENTS(changes) && strcmp(changes[i].name, argv[0]) != 0; i++)
		;
	if (i == G_N_ELEMENTS(changes))
		return admin_usage_error(argv[0], "is not a change to an account");
	if (argc != 2 || argv[1][0] == '-')
		return admin_usage_error(argv[0], "wants one account name");
	db = admin_open_db();
	if (!db)
		return ADMIN_EXIT_FAILURE;
	found = find_user(db, argv[1], &user);
	if (found < 0) {
		db_close(db);
		return -found;
	}
	switch (db_user_change(db, user.id, changes[i].kind, &err)) {
	case DB_USER_CHANGED:
		printf("%s %s\n", user.name, changes[i].done);
		status = ADMIN_EXIT_OK;
		break;
	case DB_USER_NO_SUCH:
		admin_complain("the account %s was deleted meanwhile", user.name);
		status = ADMIN_EXIT_REFUSED;
		break;
	case DB_USER_LAST_ADMIN:
		admin_complain("%s is the last enabled administrator; make another account an administrator first "
			       "(sirius-admin admin NAME)", user.name);
		status = ADMIN_EXIT_REFUSED;
		break;
	case DB_USER_CHANGE_ERROR:
	default:
		admin_complain("cannot change %s: %s", user.name, err.message);
		status = ADMIN_EXIT_FAILURE;
		break;
	}
	db_close(db);
	return status;
}

/*
 * Reads one line of at most PASSWORD_MAX_LEN bytes from f into out (room for
 * PASSWORD_MAX_LEN + 2 bytes), without its line end. Returns 0, or -1 at the
 * end of input or for a longer line.
 */
static int read_line(FILE *f, char *out, size_t size)
{
	size_t len;

	if (!fgets(out, (int)size, f))
		return -1;
	len = strlen(out);
	if (len > 0 && out[len - 1] == '\n')
		out[--len] = '\0';
	else if (!feof(f))
		return -1; /* no line end within the room: too long */
	if (len > 0 && out[len - 1] == '\r')
		out[--len] = '\0';
	return 0;
}

/* Asks for a line on the terminal of stdin with echo off, the prompt on stderr. Returns 0 or -1. */
static int ask_hidden(const char *prompt, char *out, size_t size)
{
	struct termios saved, quiet;
	int rc;

	if (tcgetattr(STDIN_FILENO, &saved) != 0)
		return -1;
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	/* echo off before the prompt: nothing typed after it shows; TCSANOW keeps what was typed ahead */
	if (tcsetattr(STDIN_FILENO, TCSANOW, &quiet) != 0)
		return -1;
	fputs(prompt, stderr);
	fflush(stderr);
	rc = read_line(stdin, out, size);
	tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return rc;
}

/*
 * The new password: --password's, else asked twice on the terminal, else
 * the first line of standard input. Writes it into out. Returns 0, or an
 * exit status after complaining.
 */
static int new_password(const char *given, char *out, size_t size)
{
	char again[PASSWORD_MAX_LEN + 2];
	size_t len;

	if (given) {
		g_strlcpy(out, given, size);
	} else if (isatty(STDIN_FILENO)) {
		int same;

		if (ask_hidden("New password: ", out, size) < 0 || ask_hidden("The same again: ", again, sizeof(again)) < 0) {
			admin_complain("no password read");
			return ADMIN_EXIT_REFUSED;
		}
		same = strcmp(out, again) == 0;
		OPENSSL_cleanse(again, sizeof(again));
		if (!same) {
			admin_complain("the two passwords differ; nothing changed");
			return ADMIN_EXIT_REFUSED;
		}
	} else if (read_line(stdin, out, size) < 0) {
		admin_complain("no password on standard input (one line of at most %d bytes)", PASSWORD_MAX_LEN);
		return ADMIN_EXIT_REFUSED;
	}
	len = strlen(out);
	if (len < PASSWORD_MIN_LEN || len > PASSWORD_MAX_LEN) {
		admin_complain("a password is %d to %d bytes long", PASSWORD_MIN_LEN, PASSWORD_MAX_LEN);
		return ADMIN_EXIT_REFUSED;
	}
	return 0;
}

int admin_password_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "password", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct sirius_error err = { "" };
	char password[PASSWORD_MAX_LEN + 2];
	const char *given = NULL;
	struct db_user user;
	struct db *db;
	int c, found, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c != 'p')
			return admin_usage_error("password", "unknown or incomplete option %s", argv[optind - 1]);
		given = optarg;
	}
	if (argc - optind != 1)
		return admin_usage_error("password", "wants one account name");
	db = admin_open_db();
	if (!db)
		return ADMIN_EXIT_FAILURE;
	found = find_user(db, argv[optind], &user);
	if (found < 0) {
		db_close(db);
		return -found;
	}
	status = new_password(given, password, sizeof(password));
	if (status == 0) {
		/* A password reset is for a forgotten or stolen one: whoever is signed in with the old one is signed out. */
		if (db_user_set_password(db, user.id, password, &err) < 0 || db_sessions_delete_user(db, user.id, &err) < 0) {
			admin_complain("cannot set the password of %s: %s", user.name, err.message);
			status = ADMIN_EXIT_FAILURE;
		} else {
			printf("the password of %s is changed, and its sessions ended\n", user.name);
		}
	}
	OPENSSL_cleanse(password, sizeof(password));
	db_close(db);
	return status;
}
