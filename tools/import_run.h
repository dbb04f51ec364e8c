/* import_run.h: bringing the original sirius server's users, printers, claim codes, device keys and friendships into the database. */
#ifndef SIRIUS_IMPORT_RUN_H
#define SIRIUS_IMPORT_RUN_H

#include <stdint.h>
#include <stdio.h>

#include <glib.h>

#include "db.h"
#include "error.h"
#include "import_source.h"

struct import_options {
	int dry_run;         /* do everything, report it, then roll it all back */
	int adopt_existing;  /* a local account with an original user's name is that user (else a conflict) */
	int64_t now;         /* the time stamped on what has no time of its own */
};

/* What is counted, in the order of the report. */
enum import_kind {
	IMPORT_USERS = 0,
	IMPORT_CLAIM_CODES,
	IMPORT_PRINTERS,
	IMPORT_DEVICE_KEYS,
	IMPORT_FRIENDSHIPS,
	IMPORT_KINDS
};

struct import_count {
	long added;      /* new here */
	long present;    /* here already (imported before, or the same thing): left as it is */
	long conflicts;  /* here already as something else: left out */
	long skipped;    /* unreadable, invalid, or depending on something left out */
};

struct import_report {
	struct import_count counts[IMPORT_KINDS];  /* by enum import_kind */
	GPtrArray *notes;                          /* char *: one sentence per row left out or changed on the way */
	GPtrArray *no_password;                    /* char *: names of the accounts added, which have no password yet */
	GPtrArray *claimed;                        /* char *: addresses of the printers given an owner (and key) */
};

/*
 * Brings everything of src into db in one transaction, matching what is
 * there already so that a second run adds nothing:
 *
 * - users by their original id (imported_users), else by name: a local
 *   account of that name is a conflict (or, with adopt_existing, that user).
 *   New accounts have no password (the original signed people in with
 *   Twitter only) and are not administrators; the original's API key comes
 *   along when no account here has it.
 * - claim codes by code, printers by device address (keeping the original's
 *   printer id when it is free here), device keys by key, friendships by
 *   pair. A printer's owner, name and claim code come along for the newest
 *   address of its hardware xor; older addresses (the printer before a
 *   reset) come unclaimed, as db.h's claiming rules keep them. A printer
 *   that called this server before the import and is unclaimed here gets
 *   its original owner; one claimed here by someone else is a conflict.
 * - friendships from the pickled Twitter friend lists: a user who follows
 *   another on Twitter lists them as a friend here (they may print to the
 *   user's printers, as in the original).
 *
 * Anything that depends on a row left out is left out too, so that a later
 * run, after the conflict is resolved, brings it all. Returns 0 (the report
 * filled; with dry_run nothing is written), or -1 with a reason in err on a
 * database error (nothing is written).
 */
int import_run(struct db *db, const struct import_source *src, const struct import_options *opt,
	       struct import_report *report, struct sirius_error *err);

/* Writes the report: counts per table, the notes, the accounts to give a password. */
void import_report_print(FILE *out, const struct import_report *report, int dry_run);

/* The number of rows left out (conflicts and skipped) over all tables. */
long import_report_left_out(const struct import_report *report);

/* Frees what a report holds. */
void import_report_free(struct import_report *report);

#endif
