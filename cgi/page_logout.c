/* page_logout.c: POST /logout, ending the session. */
#include "page.h"

/* Ends the session (if any) and sends the browser home: 303; 500 on a database error. */
int page_logout(struct ctx *ctx)
{
	struct sirius_error err;

	if (session_end(ctx, &err) < 0)
		return reply_server_error(ctx, "signing out", &err);
	return reply_redirect(ctx, "/");
}
