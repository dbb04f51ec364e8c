/* print_answer.c: turning the outcome of a print into the JSON answer of print_answer.h. */
#include "print_answer.h"

#include "page.h"

/* Adds "repeat" to a repeat's answer and "warnings" (images that could not be loaded) when there are any; returns data. */
static cJSON *with_extras(cJSON *data, const struct print_submit_result *res)
{
	cJSON *list;
	int i;

	if (res->repeat)
		cJSON_AddBoolToObject(data, "repeat", 1);
	if (res->warning_count > 0) {
		list = cJSON_AddArrayToObject(data, "warnings");
		for (i = 0; i < res->warning_count; i++)
			cJSON_AddItemToArray(list, cJSON_CreateString(res->warnings[i]));
	}
	return data;
}

int print_answer_json(struct ctx *ctx, const char *what, int rc, const struct print_submit_result *res,
		      const struct sirius_error *err)
{
	cJSON *data;

	if (rc < 0)
		return reply_server_error(ctx, what, err);
	switch (res->status) {
	case PRINT_SUBMIT_SENT:
	case PRINT_SUBMIT_QUEUED:
		data = cJSON_CreateObject();
		cJSON_AddStringToObject(data, "status", res->status == PRINT_SUBMIT_SENT ? "sent" : "queued");
		cJSON_AddNumberToObject(data, "id", (double)res->message_id);
		return reply_json(ctx, res->status == PRINT_SUBMIT_SENT ? 200 : 202, with_extras(data, res));
	case PRINT_SUBMIT_OFFLINE:
		data = cJSON_CreateObject();
		cJSON_AddStringToObject(data, "status", "failed-offline");
		cJSON_AddNumberToObject(data, "id", (double)res->message_id);
		return reply_json(ctx, 504, with_extras(data, res));
	case PRINT_SUBMIT_REFUSED:
		if (res->render == RENDER_BODY_TOO_LARGE)
			return reply_error(ctx, 413, "The message is too large: %s.", err->message);
		return reply_error(ctx, 422, "The message cannot be printed (%s): %s.", render_status_name(res->render),
				   err->message);
	case PRINT_SUBMIT_ERROR:
		break;
	}
	return reply_server_error(ctx, what, err);
}
