/* access.c: the owner / friend / nobody rules of access.h, checked against the database. */
#include "access.h"

#include "page.h"

enum printer_access printer_access_of(struct db *db, int64_t user_id, int64_t printer_id,
				      struct db_printer *printer, struct sirius_error *err)
{
	struct db_printer found;
	int rc;

	if (user_id <= 0 || printer_id <= 0)
		return PRINTER_ACCESS_NONE;
	rc = db_printer_by_id(db, printer_id, &found, err);
	if (rc < 0)
		return PRINTER_ACCESS_ERROR;
	if (rc == 0 || found.owner_id == 0)
		return PRINTER_ACCESS_NONE;
	if (found.owner_id == user_id) {
		if (printer)
			*printer = found;
		return PRINTER_ACCESS_OWNER;
	}
	rc = db_friend_is(db, found.owner_id, user_id, err);
	if (rc < 0)
		return PRINTER_ACCESS_ERROR;
	if (rc == 0)
		return PRINTER_ACCESS_NONE;
	if (printer)
		*printer = found;
	return PRINTER_ACCESS_FRIEND;
}

enum printer_access printer_access(struct ctx *ctx, int64_t printer_id, struct db_printer *printer,
				   struct sirius_error *err)
{
	if (!ctx->session.signed_in)
		return PRINTER_ACCESS_NONE;
	return printer_access_of(ctx->db, ctx->session.user.id, printer_id, printer, err);
}

int printer_access_check(struct ctx *ctx, enum printer_access need, struct db_printer *printer,
			 enum printer_access *have)
{
	struct sirius_error err;
	enum printer_access access = printer_access(ctx, input_int(ctx, "id"), printer, &err);

	if (have)
		*have = access;
	if (access == PRINTER_ACCESS_ERROR) {
		reply_server_error(ctx, "checking access to a printer", &err);
		return 0;
	}
	if (access < need) {
		reply_error(ctx, 404, "There is no page at this address. Check it, or start again from the home page.");
		return 0;
	}
	return 1;
}

int printer_message_check(struct ctx *ctx, struct db_printer *printer, struct db_message *message)
{
	struct sirius_error err;
	int64_t mid = input_int(ctx, "mid");
	int rc;

	if (!printer_access_check(ctx, PRINTER_ACCESS_OWNER, printer, NULL))
		return 0;
	if (mid > UINT32_MAX) {
		reply_error(ctx, 404, "This printer has no such message.");
		return 0;
	}
	rc = db_message_get(ctx->db, (uint32_t)mid, message, &err);
	if (rc < 0) {
		reply_server_error(ctx, "reading a message", &err);
		return 0;
	}
	if (rc == 0 || message->printer_id != printer->id) {
		if (rc)
			db_message_clear(message);
		reply_error(ctx, 404, "This printer has no such message.");
		return 0;
	}
	return 1;
}
