/* sirius_config.h: every setting of sirius in one table, and reading sirius.conf and .env into the environment (not config.h: autoconf owns that name). */
#ifndef SIRIUS_SIRIUS_CONFIG_H
#define SIRIUS_SIRIUS_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "paths.h"

/* A line of a configuration file is shorter than this, its newline not counted. */
#define CONFIG_LINE_MAX 4096

/* The longest time limit a CONFIG_SECONDS setting may give: an hour. */
#define CONFIG_SECONDS_MAX 3600

/* The most processes a CONFIG_PROCESSES setting may ask a web server to start. */
#define CONFIG_PROCESSES_MAX 64

/* What a setting's value must look like; config_check_value enforces it. */
enum config_kind {
	CONFIG_TEXT,     /* anything on one line */
	CONFIG_PATH,     /* an absolute path */
	CONFIG_PORT,     /* a TCP port, 1..65535 */
	CONFIG_COUNT,    /* a positive decimal integer of at most 2^31-1 */
	CONFIG_ADDRESS,  /* a host name or IP address to bind, no spaces, no port */
	CONFIG_HOSTPORT, /* ADDR:PORT or [IPV6]:PORT */
	CONFIG_URL,      /* an http:// or https:// URL */
	CONFIG_WORD,     /* one word, no spaces (a host name, a keyword) */
	CONFIG_NUMBER,   /* a decimal integer from 0 to 2^31-1 (0 turns the thing off) */
	CONFIG_OFFLINE,  /* what to do with prints for an offline printer: "queue" or "refuse" */
	CONFIG_MOVES,    /* how a printer moves to another bridge: "confirm" (by its owner) or "auto" */
	CONFIG_TIMEZONE, /* a time zone of the zone database (shared/config_checks.h) */
	CONFIG_SECONDS,  /* a time limit in whole seconds, 1 to CONFIG_SECONDS_MAX */
	CONFIG_PROCESSES, /* a number of processes, 1 to CONFIG_PROCESSES_MAX */
};

/* One setting: an environment variable every program reads the same way. */
struct config_setting {
	const char *name;          /* the environment variable, SIRIUS_* or DEVICE_KEY_DOMAIN */
	enum config_kind kind;     /* what its value must look like */
	const char *fixed_default; /* the value used when it is unset or empty; NULL when derived */
	const char *default_doc;   /* the default in words, for the documentation */
	const char *description;   /* one line: what it does */
};

/* The table, in documentation order; config_setting_count entries. */
extern const struct config_setting config_settings[];
extern const size_t config_setting_count;

/*
 * Loads the configuration of a program at its start, before it reads any
 * setting: an optional .env in the checkout root (only when the program runs
 * from the checkout it was built from), then sirius.conf ($SIRIUS_CONF when
 * set, which must then exist; else <checkout>/sirius.conf from a checkout;
 * else SIRIUS_SYSCONFDIR/sirius/sirius.conf), both optional. A variable is set
 * only when it is not already set in the environment, so the environment wins
 * over .env, which wins over sirius.conf. Then fills the derived default
 * SIRIUS_RELAY_LISTEN=127.0.0.1:$SIRIUS_RELAY_PORT when only the port is
 * given, and checks every known variable's value, wherever it came from.
 * Returns 0, or -1 with a reason in err naming the file and line (or the
 * variable) that is wrong.
 */
int config_load(struct sirius_error *err);

/*
 * config_load for a program whose checkout is checkout (NULL: an installed
 * program, which reads no .env). Returns 0 or -1 as config_load. Tests use
 * it with a directory of their own.
 */
int config_load_in(const char *checkout, struct sirius_error *err);

/*
 * Reads one configuration file and sets each of its variables that is not
 * already set in the environment. Lines are blank, comments (first non-blank
 * character # or ;) or NAME=value with a name from the table; a value may be
 * enclosed in double quotes (with \" and \\ escapes) or single quotes
 * (taken literally). A missing file is not an error when optional is
 * nonzero. Returns the number of variables set, or -1 with "FILE:LINE: why"
 * in err (unknown name, bad syntax, a name given twice, a bad value).
 */
int config_load_file(const char *path, int optional, struct sirius_error *err);

/* A configuration file config_load looked for. */
struct config_file_seen {
	char path[PATHS_MAX]; /* the file's path */
	int read;             /* 1 when it was there and read, 0 when it does not exist */
	int set;              /* how many variables it set (those the environment or an earlier file had not) */
};

/*
 * The files the last config_load (or config_load_in) looked for, in the
 * order it read them (.env first when it looked for one, then sirius.conf),
 * in *files; returns how many (0 before any config_load). What sirius-config
 * check reports.
 */
size_t config_files_seen(const struct config_file_seen **files);

/* The table's entry for name, or NULL when it is no setting of ours. */
const struct config_setting *config_find(const char *name);

/*
 * Checks value against setting's kind. Returns 0, or -1 with a reason in err
 * (without the setting's name: the caller says where the value came from).
 */
int config_check_value(const struct config_setting *setting, const char *value, struct sirius_error *err);

/*
 * The value in effect for name: the environment's when set and not empty,
 * else the table's fixed default (NULL when the default is derived, as for
 * paths, or when name is unknown).
 */
const char *config_value(const char *name);

/*
 * The value in effect for the CONFIG_COUNT or CONFIG_PORT setting name, in
 * *out. Returns 0, or -1 with a reason in err (an unknown name, no value, a
 * value that is not a number in range).
 */
int config_number(const char *name, long *out, struct sirius_error *err);

/*
 * The value in effect for name with derived defaults worked out: paths as
 * shared/paths.h chooses them, SIRIUS_CONF as config_file_path,
 * SIRIUS_RELAY_LISTEN from SIRIUS_RELAY_PORT, SIRIUS_BASE_URL from
 * SIRIUS_LISTEN and SIRIUS_HTTP_PORT (127.0.0.1 for a wildcard address),
 * DEVICE_KEY_DOMAIN as the host of SIRIUS_BASE_URL, SIRIUS_WWW as the
 * checkout's www/ or the installed one. Settings without a default
 * (SIRIUS_TIMEZONE, SIRIUS_HTML_RENDERER, SIRIUS_LOG) give "". Returns 0,
 * or -1 with a reason in err (an unknown name, a value too long for out).
 */
int config_resolved(const char *name, char *out, size_t size, struct sirius_error *err);

/*
 * The checkout directory the running program was built from (canonical
 * SIRIUS_SOURCE_DIR), when exe lies under that checkout or its build tree;
 * exe NULL means /proc/self/exe. Returns 1 and writes it into out, 0 when
 * the program is installed elsewhere, -1 with a reason in err when it does
 * not fit out.
 */
int config_checkout_dir(const char *exe, char *out, size_t size, struct sirius_error *err);

/*
 * The configuration file a program would read: $SIRIUS_CONF, the checkout's
 * sirius.conf or the installed one, as config_load chooses. Returns 0, or -1
 * with a reason in err when it does not fit out.
 */
int config_file_path(char *out, size_t size, struct sirius_error *err);

/* Writes the settings table as the README's Configuration list (plain text, one entry per setting). */
void config_print_doc(FILE *out);

#endif
