/* page_home.c: GET /, the landing page for visitors and a signed-in user's overview. */
#include "page.h"
#include "web.h"

/*
 * Adds the printers shared with the user (those of people who list them as
 * a friend) to list with their owners' names. Returns 0, or -1 with a reason in err.
 */
static int shared_printers(struct ctx *ctx, cJSON *list, struct sirius_error *err)
{
	struct db_printer *printers = NULL;
	size_t n = 0, i;
	struct db_user owner = { 0 };

	if (db_printers_shared_with(ctx->db, ctx->session.user.id, &printers, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (owner.id != printers[i].owner_id &&
		    db_user_by_id(ctx->db, printers[i].owner_id, &owner, err) < 0) {
			db_free(printers);
			return -1;
		}
		owner.id = printers[i].owner_id;
		web_printer_item(list, &printers[i], owner.name);
	}
	db_free(printers);
	return 0;
}

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
		web_printer_item(lists[0], &printers[i], NULL);
	db_free(printers);
	if (shared_printers(ctx, lists[1], &err) < 0) {
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
