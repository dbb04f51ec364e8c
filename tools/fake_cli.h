/* fake_cli.h: the subcommands of sirius-fake and the helpers they share. */
#ifndef SIRIUS_FAKE_CLI_H
#define SIRIUS_FAKE_CLI_H

#include <stdint.h>

/* Exit statuses of every subcommand. */
#define FAKE_EXIT_OK 0        /* done */
#define FAKE_EXIT_REFUSED 1   /* refused for a reason the user can act on (claim rules, unknown names) */
#define FAKE_EXIT_USAGE 2     /* bad arguments */
#define FAKE_EXIT_FAILURE 3   /* could not do it: database, files, relay unreachable */

/*
 * Each subcommand's entry point: argv[0] is the subcommand's name, options
 * and operands follow. Returns one of the FAKE_EXIT_ statuses.
 */
int fake_printer_main(int argc, char **argv);
int fake_user_main(int argc, char **argv);
int fake_claim_main(int argc, char **argv);
int fake_print_main(int argc, char **argv);
int fake_emulate_main(int argc, char **argv);

struct db;

/*
 * Opens the database the other programs use (SIRIUS_DB, else the var
 * directory's sirius.db; see shared/paths.h), creating it when missing.
 * Returns it, or NULL after complaining.
 */
struct db *fake_open_db(void);

/* Writes "sirius-fake: MESSAGE\n" to stderr. */
void fake_complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Complains about bad usage of subcommand with the reason, followed by the
 * subcommand's synopsis. Returns FAKE_EXIT_USAGE.
 */
int fake_usage_error(const char *subcommand, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The synopsis line of subcommand ("printer", "user", ...), or NULL for an unknown one. */
const char *fake_synopsis(const char *subcommand);

/*
 * Parses a decimal integer in [min, max] that is the whole text. Returns 0
 * with *out set, or -1 when it is not one.
 */
int fake_parse_long(const char *text, long long min, long long max, long long *out);

#endif
