/* admin_cli.h: the subcommands of sirius-admin and the helpers they share. */
#ifndef SIRIUS_ADMIN_CLI_H
#define SIRIUS_ADMIN_CLI_H

/* Exit statuses of every subcommand (as sirius-fake's). */
#define ADMIN_EXIT_OK 0        /* done */
#define ADMIN_EXIT_REFUSED 1   /* refused for a reason the user can act on (unknown name, last administrator) */
#define ADMIN_EXIT_USAGE 2     /* bad arguments */
#define ADMIN_EXIT_FAILURE 3   /* could not do it: database, files */

/*
 * Each subcommand's entry point: argv[0] is the subcommand's name, options
 * and operands follow. Returns one of the ADMIN_EXIT_ statuses.
 */
int admin_users_main(int argc, char **argv);     /* admin_users.c: users */
int admin_role_main(int argc, char **argv);      /* admin_users.c: admin, unadmin, disable, enable */
int admin_password_main(int argc, char **argv);  /* admin_users.c: password */
int admin_backup_main(int argc, char **argv);    /* admin_backup.c: backup */

struct db;

/*
 * The path of the database the other programs use (SIRIUS_DB, else the var
 * directory's sirius.db) into out (size bytes). Returns 0, or -1 after
 * complaining.
 */
int admin_db_path(char *out, size_t size);

/*
 * Opens that database, which must exist (an administrator's command never
 * makes an empty one; an older one is migrated as every program does).
 * Returns it, or NULL after complaining.
 */
struct db *admin_open_db(void);

/* Writes "sirius-admin: MESSAGE\n" to stderr. */
void admin_complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Complains about bad usage of subcommand with the reason, followed by the
 * subcommand's synopsis. Returns ADMIN_EXIT_USAGE.
 */
int admin_usage_error(const char *subcommand, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
