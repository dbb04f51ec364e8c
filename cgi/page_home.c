/* page_home.c: GET /, the landing page for visitors and a signed-in user's overview. */
#include "page.h"
#include "web.h"

/*
 * The overview of a signed-in user: their printers and the printers they may
 * print to (live status from the relay in one request), their friends, their
 * API key, a link to claim a printer. Returns 0 after replying (200; 500 on
 * a database error).
 */
static int overview(struct ctx *ctx)
{
	const struct db_user *me = &ctx->session.user;
	struct db_printer *printers = NULL;
	struct db_user *friends = NULL;
	size_t n_printers = 0, n_friends = 0, i;
	struct sirius_error err;
	cJSON *data, *lists[2], *friend_list;

	data = cJSON_CreateObject();
	lists[0] = cJSON_AddArrayToObject(data, "printers");
	lists[1] = cJSON_AddArrayToObject(data, "shared_printers");
	friend_list = cJSON_AddArrayToObject(data, "friends");
	if (db_printers_of_owner(ctx->db, me->id, &printers, &n_printers, &err) < 0) {
		cJSON_Delete(data);
		return reply_server_error(ctx, "listing your printers", &err);
	}
	for (i = 0; i < n_printers; i++)
		web_printer_item(lists[0], &printers[i], NULL, me->id);
	db_free(printers);
	if (web_shared_printers(ctx, lists[1], &err) < 0) {
		cJSON_Delete(data);
		return reply_server_error(ctx, "listing the printers shared with you", &err);
	}
	if (db_friends_of(ctx->db, me->id, &friends, &n_friends, &err) < 0) {
		cJSON_Delete(data);
		return reply_server_error(ctx, "listing your friends", &err);
	}
	for (i = 0; i < n_friends; i++)
		cJSON_AddItemToArray(friend_list, cJSON_CreateString(friends[i].name));
	db_free(friends);
	if (web_printer_status(ctx, lists, 2) < 0)
		cJSON_AddBoolToObject(data, "relay_down", 1);
	cJSON_AddBoolToObject(data, "has_printers", n_printers > 0);
	cJSON_AddBoolToObject(data, "has_shared", cJSON_GetArraySize(lists[1]) > 0);
	cJSON_AddBoolToObject(data, "has_friends", n_friends > 0);
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
