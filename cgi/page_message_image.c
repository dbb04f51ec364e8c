/* page_message_image.c: GET /printer/ID/message/MID/bitmap.png, the bitmap a message printed (owner only). */
#include "access.h"
#include "page.h"
#include "web.h"

/* Answers the message's stored one-bit PNG (200, image/png); 404 for anyone but the owner or a message without one; 500 on a database error. */
int page_message_image(struct ctx *ctx)
{
	struct db_printer printer;
	struct db_message message;

	if (!printer_message_check(ctx, &printer, &message))
		return 0;
	if (!message.png) {
		db_message_clear(&message);
		return reply_error(ctx, 404, "This printer has no such message.");
	}
	response_header(&ctx->res, "Cache-Control", "private, max-age=86400");
	reply_body(ctx, 200, "image/png", message.png, message.png_len);
	db_message_clear(&message);
	return 0;
}
