/* web.h: what the pages of the web UI share: raw replies, redirects, times and message states in words, printers, the relay. */
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

/*
 * Answers 303 See Other to the page of printer printer_id, at #fragment when
 * fragment is not NULL ("keys", "messages"). Returns 0.
 */
int reply_printer_redirect(struct ctx *ctx, int64_t printer_id, const char *fragment);

/* Writes t (seconds since 1970) as "2024-05-01 14:03 UTC" into out; "never" for 0. Returns out. */
const char *web_time(int64_t t, char out[WEB_TIME_SIZE]);

/* A new "data:image/png;base64,..." string of a PNG (g_free it). */
char *web_png_data_uri(const uint8_t *png, size_t len);

/*
 * Where a message is, in words for its sender: "queued: it prints when the
 * printer is online", "sent, not confirmed ...", "sent, waiting for the
 * button", "delivered at T", "printed at T", "failed: REASON" (the bridge's
 * return code in words, or why it failed without one), "expired at T ...",
 * "cancelled at T". Returns a new string (g_free it).
 */
char *web_message_state(const struct db_message *message);

/* Every step of a message's life with its time, in words ("queued ...; sent ...; printed ..."); g_free it. */
char *web_message_history(const struct db_message *message);

/* 1 when the request came from this machine (REMOTE_ADDR 127.0.0.1, ::1 or ::ffff:127.x.x.x), else 0. */
int web_from_loopback(const struct ctx *ctx);

/*
 * Adds a printer to list (a JSON array) as pages show it to the user
 * viewer_id: "id", "name", "address" only when viewer_id owns it (the
 * device address gives away the hardware xor of its claim codes, so friends
 * never see it) and, when owner is not NULL, "owner". Returns the new item.
 */
cJSON *web_printer_item(cJSON *list, const struct db_printer *printer, const char *owner, int64_t viewer_id);

/*
 * Adds the printers shared with the signed-in user (those of people who list
 * them as a friend) to list, as web_printer_item with their owners' names.
 * Returns 0, or -1 with a reason in err on a database error.
 */
int web_shared_printers(struct ctx *ctx, cJSON *list, struct sirius_error *err);

/*
 * Asks the relay one op on its control socket (with "bridge" when bridge is
 * not NULL), waiting at most timeout_ms (RELAY_CLIENT_STATUS_TIMEOUT_MS for
 * small answers a page needs at once, RELAY_CLIENT_LIST_TIMEOUT_MS for lists
 * of every bridge). Returns the reply's member field, taken out of it, or
 * the whole reply when field is NULL (cJSON_Delete either); NULL with a
 * reason in err when the relay cannot be asked, answers an error (its
 * reason) or lacks field.
 */
cJSON *web_relay_ask(struct ctx *ctx, const char *op, const char *bridge, const char *field, int timeout_ms,
		     struct sirius_error *err);

/*
 * Asks the relay about the printers of every list of lists (JSON arrays of
 * web_printer_item objects) in ONE status request and adds "online"
 * (true/false) and "last_seen" (a time in words) to each item, or
 * "status_unknown": true to every item when the relay cannot be asked
 * (logged). Returns 0 when the relay answered, -1 when it could not be asked.
 */
int web_printer_status(struct ctx *ctx, cJSON *const *lists, size_t n_lists);

#endif
