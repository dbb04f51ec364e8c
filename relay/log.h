/* log.h: the relay's log: one line per event, with a time, a level and the bridge or device it concerns. */
#ifndef SIRIUS_RELAY_LOG_H
#define SIRIUS_RELAY_LOG_H

/* Levels, most severe first; a line is written when its level is at most the threshold. */
enum relay_log_level {
	RELAY_LOG_ERROR, /* the relay cannot do something it should (database down, bind failed) */
	RELAY_LOG_WARN,  /* a peer misbehaved, or a request was refused */
	RELAY_LOG_INFO,  /* a state change: connections, devices online/offline, deliveries */
	RELAY_LOG_DEBUG  /* every message, heartbeats included */
};

/*
 * Sends the log to path (appending), or to stderr when path is NULL. The file
 * is opened at once; returns 0, or -1 when it cannot be opened (the log then
 * stays where it was). The path is kept for relay_log_reopen.
 */
int relay_log_open(const char *path);

/* Reopens the log file after rotation (SIGHUP); returns 0, or -1 when it cannot be opened. */
int relay_log_reopen(void);

/* Closes the log file (lines then go to stderr). */
void relay_log_close(void);

/* Lines above this level are dropped; the default is RELAY_LOG_INFO. */
void relay_log_set_level(enum relay_log_level level);

/* Whether a line of this level would be written. */
int relay_log_enabled(enum relay_log_level level);

/* The level's name in upper case: "ERROR", "WARN", "INFO", "DEBUG". */
const char *relay_log_level_name(enum relay_log_level level);

/*
 * Writes one line: an ISO-8601 UTC time, the level and the formatted text.
 * Control characters in the text are replaced, so a peer's data cannot forge
 * or split lines. Long lines are cut at 2 KiB.
 */
void relay_log(enum relay_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
