/* page_friends.c: GET and POST /friends, listing, adding and removing the friends who may print to my printers. */
#include <string.h>

#include "page.h"

/* Shows the friends page with status and an error or notice (either may be NULL). */
static int friends_page(struct ctx *ctx, int status, const char *error, const char *notice)
{
	struct db_user *friends = NULL;
	size_t n = 0, i;
	struct sirius_error err;
	cJSON *data, *list;

	if (db_friends_of(ctx->db, ctx->session.user.id, &friends, &n, &err) < 0)
		return reply_server_error(ctx, "listing your friends", &err);
	data = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(data, "friends");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(list, cJSON_CreateString(friends[i].name));
	db_free(friends);
	cJSON_AddBoolToObject(data, "has_friends", n > 0);
	if (error)
		cJSON_AddStringToObject(data, "error", error);
	if (notice)
		cJSON_AddStringToObject(data, "notice", notice);
	return reply_page(ctx, status, "friends", "Friends", data);
}

/*
 * GET lists my friends. POST adds (action "add" or none) or removes (action
 * "remove") the friend called username: 303 back to /friends; the page again
 * with 400 (bad input, oneself), 404 (no such user, or not a friend to
 * remove); 500 on a database error.
 */
int page_friends(struct ctx *ctx)
{
	const char *name, *action;
	struct sirius_error err;
	struct db_user other;
	char *message;
	int rc, remove;

	if (ctx->req.method != METHOD_POST)
		return friends_page(ctx, 200, NULL, NULL);
	name = input_text(ctx, "username");
	action = input_text(ctx, "action");
	if (ctx->input_error[0])
		return friends_page(ctx, 400, ctx->input_error, NULL);
	if (action && strcmp(action, "add") != 0 && strcmp(action, "remove") != 0)
		return friends_page(ctx, 400, "The action must be add or remove.", NULL);
	remove = action && strcmp(action, "remove") == 0;
	rc = db_user_by_name(ctx->db, name, &other, &err);
	if (rc < 0)
		return reply_server_error(ctx, "looking a user up", &err);
	if (rc == 0) {
		message = g_strdup_printf("There is nobody called %s here.", name);
		rc = friends_page(ctx, 404, message, NULL);
		g_free(message);
		return rc;
	}
	if (other.id == ctx->session.user.id)
		return friends_page(ctx, 400, "You may always print to your own printers; add someone else.", NULL);
	rc = remove ? db_friend_remove(ctx->db, ctx->session.user.id, other.id, &err)
		    : db_friend_add(ctx->db, ctx->session.user.id, other.id, ctx->now, &err);
	if (rc < 0)
		return reply_server_error(ctx, remove ? "removing a friend" : "adding a friend", &err);
	if (rc == 0 && remove) {
		message = g_strdup_printf("%s is not one of your friends.", other.name);
		rc = friends_page(ctx, 404, message, NULL);
		g_free(message);
		return rc;
	}
	return reply_redirect(ctx, "/friends");
}
