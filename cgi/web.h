/* web.h: what the pages of the web UI share: raw replies, times and message states in words, printer status. */
#ifndef SIRIUS_CGI_WEB_H
#define SIRIUS_CGI_WEB_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "db.h"

struct ctx;

/* Room for a time as web_time writes it. */
#define WEB_TIME_SIZE 32

/*
 * Answers status with len bytes of data as content_type (a PNG, plain text):
 * the reply of the request, as the reply_* functions of response.h make it.
 * Returns 0.
 */
int reply_body(struct ctx *ctx, int status, const char *content_type, const void *data, size_t len);

/* Writes t (seconds since 1970) as "2024-05-01 14:03 UTC" into out; "never" for 0. Returns out. */
const char *web_time(int64_t t, char out[WEB_TIME_SIZE]);

/* A new "data:image/png;base64,..." string of a PNG (g_free it). */
char *web_png_data_uri(const uint8_t *png, size_t len);

/*
 * Where a message is, in words for its sender: "queued", "sending",
 * "delivered at T", "printed at T", "failed: REASON" (the bridge's return code
 * in words, or why it never reached a bridge), "timed out: ...". Returns a new
 * string (g_free it).
 */
char *web_message_state(const struct db_message *message);

/* 1 when the request came from this machine (REMOTE_ADDR 127.0.0.1, ::1 or ::ffff:127.x.x.x), else 0. */
int web_from_loopback(const struct ctx *ctx);

/*
 * Adds a printer to list (a JSON array) as pages show it: "id", "name",
 * "address" and, when owner is not NULL, "owner". Returns the new item.
 */
cJSON *web_printer_item(cJSON *list, const struct db_printer *printer, const char *owner);

/*
 * Asks the relay about the printers of every list of lists (JSON arrays of
 * web_printer_item objects) in ONE status request and adds "online"
 * (true/false) and "last_seen" (a time in words) to each item, or
 * "status_unknown": true to every item when the relay cannot be asked
 * (logged). Returns 0 when the relay answered, -1 when it could not be asked.
 */
int web_printer_status(struct ctx *ctx, cJSON *const *lists, size_t n_lists);

#endif
