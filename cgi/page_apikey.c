/* page_apikey.c: POST /apikey, making or replacing the signed-in user's API key. */
#include "page.h"

/* Gives the user a new API key (the old one stops working) and shows it on the home page: 303; 500 on a database error. */
int page_apikey(struct ctx *ctx)
{
	char key[DB_API_KEY_LEN + 1];
	struct sirius_error err;
	int rc = db_user_new_api_key(ctx->db, ctx->session.user.id, key, &err);

	if (rc < 0)
		return reply_server_error(ctx, "making an API key", &err);
	if (rc == 0)
		return reply_error(ctx, 404, "Your account no longer exists.");
	return reply_redirect(ctx, "/#api-key");
}
