/* page_key_delete.c: GET and POST /printer/ID/printkey/KID/delete, deleting a device key after a confirmation (owner only). */
#include "access.h"
#include "device_key_url.h"
#include "page.h"
#include "web.h"

/* The key kid of the printer: 1 with *key filled, 0 when the printer has no such key, -1 on a database error. */
static int find_key(struct ctx *ctx, const struct db_printer *printer, int64_t kid, struct db_device_key *key,
		    struct sirius_error *err)
{
	struct db_device_key *keys = NULL;
	size_t n = 0, i;
	int found = 0;

	if (db_device_keys_of_printer(ctx->db, printer->id, &keys, &n, err) < 0)
		return -1;
	for (i = 0; i < n && !found; i++) {
		if (keys[i].id == kid) {
			*key = keys[i];
			found = 1;
		}
	}
	db_free(keys);
	return found;
}

/* The confirmation page for deleting key with status and an error (may be NULL). */
static int confirm_page(struct ctx *ctx, const struct db_printer *printer, const struct db_device_key *key,
			int status, const char *error)
{
	cJSON *data = cJSON_CreateObject();
	char when[WEB_TIME_SIZE], *url = device_key_url(ctx, key->secret);

	cJSON_AddNumberToObject(data, "printer_id", (double)printer->id);
	cJSON_AddStringToObject(data, "printer_name", printer->name);
	cJSON_AddNumberToObject(data, "key_id", (double)key->id);
	cJSON_AddStringToObject(data, "url", url);
	cJSON_AddStringToObject(data, "created", web_time(key->created, when));
	cJSON_AddNumberToObject(data, "uses", (double)key->uses);
	if (error)
		cJSON_AddStringToObject(data, "error", error);
	g_free(url);
	return reply_page(ctx, status, "key_delete", "Delete a device key", data);
}

/*
 * GET asks to confirm deleting the key. POST with the confirm box ticked
 * deletes it: 303 back to the printer's keys; without it, the confirmation
 * again (400). 404 for anyone but the owner and for a key that is not this
 * printer's; 500 on a database error.
 */
int page_key_delete(struct ctx *ctx)
{
	struct db_printer printer;
	struct db_device_key key;
	struct sirius_error err;
	int rc;

	if (!printer_access_check(ctx, PRINTER_ACCESS_OWNER, &printer, NULL))
		return 0;
	rc = find_key(ctx, &printer, input_int(ctx, "kid"), &key, &err);
	if (rc < 0)
		return reply_server_error(ctx, "reading a device key", &err);
	if (rc == 0)
		return reply_error(ctx, 404, "This printer has no such key; it may have been deleted already.");
	if (ctx->req.method != METHOD_POST)
		return confirm_page(ctx, &printer, &key, 200, NULL);
	if (!input_int(ctx, "confirm"))
		return confirm_page(ctx, &printer, &key, 400, "Tick the box to confirm that the key should stop working.");
	if (db_device_key_delete(ctx->db, key.id, printer.id, &err) < 0)
		return reply_server_error(ctx, "deleting a device key", &err);
	return reply_printer_redirect(ctx, printer.id, "keys");
}
