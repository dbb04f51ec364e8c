/* error.h: the one way functions of libsirius report what went wrong, in words. */
#ifndef SIRIUS_ERROR_H
#define SIRIUS_ERROR_H

#define SIRIUS_ERROR_MAX 256

/*
 * A human-readable reason, filled by a failing function for its caller to log
 * or show. Callers may pass NULL when they do not want the reason.
 */
struct sirius_error {
	char message[SIRIUS_ERROR_MAX]; /* NUL-terminated, one line, no trailing period */
};

/* Sets err's message (when err is not NULL); returns -1 so callers can `return error_set(...)`. */
int error_set(struct sirius_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
