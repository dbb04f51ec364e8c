/* page_home.c: GET /, the landing page for visitors and a signed-in user's overview. */
#include <stdio.h>
#include <time.h>

#include "page.h"
#include "relay_client.h"

/* Adds one printer to list (a JSON array) as the home template shows it. */
static cJSON *printer_item(cJSON *list, const struct db_printer *p, const char *owner)
{
	cJSON *item = cJSON_CreateObject();

	cJSON_AddNumberToObject(item, "id", (double)p->id);
	cJSON_AddStringToObject(item, "name", p->name[0] ? p->name : p->address);
	cJSON_AddStringToObject(item, "address", p->address);
	if (owner)
		cJSON_AddStringToObject(item, "owner", owner);
	cJSON_AddItemToArray(list, item);
	return item;
}

/*
 * Asks the relay whether the printers of the two lists (JSON arrays) are
 * online, in one request, and adds "online" (true/false) and "last_seen" to
 * each, or "status_unknown": true to all when the relay cannot be asked
 * (logged; the page still shows).
 */
static void add_status(struct ctx *ctx, cJSON *first, cJSON *second)
{
	cJSON *lists[2] = { first, second };
	size_t count = (size_t)cJSON_GetArraySize(first) + (size_t)cJSON_GetArraySize(second), n = 0, l;
	const char **addresses;
	struct relay_device_status *status;
	struct sirius_error err;
	cJSON *item;
	int rc = -1;

	if (count == 0)
		return;
	addresses = g_new0(const char *, count);
	status = g_new0(struct relay_device_status, count);
	for (l = 0; l < 2; l++)
		cJSON_ArrayForEach(item, lists[l])
			addresses[n++] = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "address"));
	if (ctx->app->relay_socket[0])
		rc = relay_status(ctx->app->relay_socket, addresses, count, status, &err);
	else
		error_set(&err, "no relay socket");
	if (rc < 0)
		cgi_log("printer status from the relay: %s", err.message);
	n = 0;
	for (l = 0; l < 2; l++) {
		cJSON_ArrayForEach(item, lists[l]) {
			const struct relay_device_status *st = &status[n++];
			char when[64];
			time_t t = (time_t)st->last_seen;
			struct tm tm;

			if (rc < 0) {
				cJSON_AddBoolToObject(item, "status_unknown", 1);
				continue;
			}
			cJSON_AddBoolToObject(item, "online", st->online);
			if (st->last_seen > 0 && gmtime_r(&t, &tm) &&
			    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm))
				cJSON_AddStringToObject(item, "last_seen", when);
		}
	}
	g_free(addresses);
	g_free(status);
}

/*
 * The overview of a signed-in user: their printers, their friends and the
 * friends' printers (with live status from the relay), their API key.
 * Returns 0 after replying (200; 500 on a database error).
 */
static int overview(struct ctx *ctx)
{
	const struct db_user *me = &ctx->session.user;
	struct db_printer *printers = NULL;
	struct db_user *friends = NULL;
	size_t n_printers = 0, n_friends = 0, i, j;
	struct sirius_error err;
	cJSON *data, *mine, *theirs, *friend_list;

	if (db_printers_of_owner(ctx->db, me->id, &printers, &n_printers, &err) < 0)
		return reply_server_error(ctx, "listing your printers", &err);
	if (db_friends_of(ctx->db, me->id, &friends, &n_friends, &err) < 0) {
		db_free(printers);
		return reply_server_error(ctx, "listing your friends", &err);
	}
	data = cJSON_CreateObject();
	mine = cJSON_AddArrayToObject(data, "printers");
	theirs = cJSON_AddArrayToObject(data, "friend_printers");
	friend_list = cJSON_AddArrayToObject(data, "friends");
	for (i = 0; i < n_printers; i++)
		printer_item(mine, &printers[i], NULL);
	for (i = 0; i < n_friends; i++) {
		struct db_printer *fp = NULL;
		size_t n_fp = 0;
		cJSON *f = cJSON_CreateObject();

		cJSON_AddNumberToObject(f, "id", (double)friends[i].id);
		cJSON_AddStringToObject(f, "name", friends[i].name);
		cJSON_AddItemToArray(friend_list, f);
		if (db_printers_of_owner(ctx->db, friends[i].id, &fp, &n_fp, &err) < 0) {
			db_free(printers);
			db_free(friends);
			cJSON_Delete(data);
			return reply_server_error(ctx, "listing your friends' printers", &err);
		}
		for (j = 0; j < n_fp; j++)
			printer_item(theirs, &fp[j], friends[i].name);
		db_free(fp);
	}
	db_free(printers);
	db_free(friends);
	add_status(ctx, mine, theirs);
	if (me->api_key[0])
		cJSON_AddStringToObject(data, "api_key", me->api_key);
	return reply_page(ctx, 200, "home", "Your printers", data);
}

/* The home page: the landing page for visitors, the overview when signed in (200; 500 on a database error). */
int page_home(struct ctx *ctx)
{
	if (!ctx->session.signed_in)
		return reply_page(ctx, 200, "landing", "Sirius", NULL);
	return overview(ctx);
}
