/* page_admin_users.c: POST /admin/user/ID: an administrator makes or unmakes an administrator, disables or enables an account. */
#include <string.h>

#include "page.h"

/* The actions of the users section of /admin, as its forms send them. */
static const struct {
	const char *action;            /* the form's "action" */
	enum db_user_change_kind kind; /* what it changes */
	const char *done;              /* the notice after it, after the account's name */
} user_actions[] = {
	{ "make_admin", DB_USER_MAKE_ADMIN, " is now an administrator." },
	{ "unmake_admin", DB_USER_UNMAKE_ADMIN, " is no longer an administrator." },
	{ "disable", DB_USER_DISABLE, " is disabled: it cannot sign in, its sessions ended, and its API key and "
				      "its printers' device keys are refused." },
	{ "enable", DB_USER_ENABLE, " is enabled again." },
};

/*
 * Changes the account ID as "action" says (make_admin, unmake_admin,
 * disable, enable): 303 to /admin#users with a notice saying what was done,
 * or why not (the last enabled administrator is neither unmade nor
 * disabled); an administrator who disables their own account is signed out
 * (303 to /login). 400 for another action, 404 for no such account, 500 on
 * a database error. Others get 403 before this runs.
 */
int page_admin_user(struct ctx *ctx)
{
	const char *action = input_text(ctx, "action");
	struct sirius_error err = { "" };
	struct db_user user;
	char *notice;
	size_t i;
	int rc;

	for (i = 0; i < G_N_ELEMENTS(user_actions) && (!action || strcmp(action, user_actions[i].action) != 0); i++)
		;
	if (i == G_N_ELEMENTS(user_actions))
		return reply_error(ctx, 400, "The action must be make_admin, unmake_admin, disable or enable.");
	rc = db_user_by_id(ctx->db, input_int(ctx, "id"), &user, &err);
	if (rc < 0)
		return reply_server_error(ctx, "looking an account up", &err);
	if (rc == 0)
		return reply_error(ctx, 404, "There is no account with this id.");
	switch (db_user_change(ctx->db, user.id, user_actions[i].kind, &err)) {
	case DB_USER_CHANGED:
		break;
	case DB_USER_LAST_ADMIN:
		notice = g_strdup_printf("%s is the last enabled administrator, so nothing changed: make another "
					 "account an administrator first.", user.name);
		goto tell;
	case DB_USER_NO_SUCH:
		return reply_error(ctx, 404, "There is no account with this id.");
	case DB_USER_CHANGE_ERROR:
	default:
		return reply_server_error(ctx, "changing an account", &err);
	}
	if (user.id == ctx->session.user.id && user_actions[i].kind == DB_USER_DISABLE) {
		/* the change ended this session too */
		memset(&ctx->session, 0, sizeof(ctx->session));
		return reply_redirect(ctx, "/login");
	}
	notice = g_strconcat(user.name, user_actions[i].done, NULL);
tell:
	if (session_notice(ctx, notice, &err) < 0)
		cgi_log("a notice after changing an account: %s", err.message);
	g_free(notice);
	return reply_redirect(ctx, "/admin#users");
}
