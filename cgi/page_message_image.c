/* page_message_image.c: GET /printer/ID/message/MID/bitmap.png, the bitmap a message printed (owner only). */
#include <stdlib.h>

#include "access.h"
#include "message_print.h"
#include "page.h"
#include "web.h"

/*
 * Answers the message's print as a one-bit PNG (200, image/png); 404 for
 * anyone but the owner or a message without one; 500 on a database error or
 * a stored print that does not decode.
 */
int page_message_image(struct ctx *ctx)
{
	struct db_printer printer;
	struct db_message message;
	struct sirius_error err;
	uint8_t *png;
	size_t png_len;
	int rc;

	if (!printer_message_check(ctx, &printer, &message))
		return 0;
	rc = message_has_print(&message) ? db_message_load_print(ctx->db, &message, &err) : 0;
	if (rc < 0) {
		db_message_clear(&message);
		return reply_server_error(ctx, "reading a message's print", &err);
	}
	if (rc == 0 || !message_has_print(&message)) {
		db_message_clear(&message);
		return reply_error(ctx, 404, "This printer has no such message.");
	}
	rc = message_print_png(&message, &png, &png_len, &err);
	db_message_clear(&message);
	if (rc < 0)
		return reply_server_error(ctx, "drawing a message's print", &err);
	response_header(&ctx->res, "Cache-Control", "private, max-age=86400");
	reply_body(ctx, 200, "image/png", png, png_len);
	free(png);
	return 0;
}
