/* control.h: the relay's control protocol: one JSON request per line in, one JSON reply per line out. */
#ifndef SIRIUS_RELAY_CONTROL_H
#define SIRIUS_RELAY_CONTROL_H

#include <stddef.h>

#include "registry.h"
#include "relay_client.h"

/* The longest request line accepted, newline excluded (room for the largest deliver payload). */
#define CONTROL_LINE_MAX (RELAY_MAX_PAYLOAD_BASE64 + 4096)

/* The most addresses one status request may ask about. */
#define CONTROL_STATUS_MAX 10000

/*
 * Answers one request line of len bytes (without its newline) and returns
 * the reply as a malloc'd NUL-terminated JSON object without a newline:
 * {"ok":true,...} or {"ok":false,"error":"..."}. A request's "id" (a finite
 * number, or a string of at most 64 bytes of valid UTF-8) is echoed in the
 * reply; any other "id" gets an error reply without it. Returns NULL only
 * when out of memory. Counts requests and errors in the registry's counters.
 */
char *control_handle(struct registry *reg, const char *line, size_t len);

/*
 * 1 when a request line of len bytes (without its newline) is blank: empty
 * or only spaces, tabs and carriage returns. Blank lines are ignored without
 * a reply (a client may end its lines with CR LF, or send an empty line to
 * keep a connection busy); every other line gets exactly one reply.
 */
int control_line_blank(const char *line, size_t len);

/* The reply to a line longer than CONTROL_LINE_MAX (malloc'd; NULL when out of memory). */
char *control_error_reply(const char *message);

#endif
