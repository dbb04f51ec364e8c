/* print_submit.c: render a message with the server's settings and queue it through print_job_queue. */
#include "print_submit.h"

#include <string.h>

#include "context.h"
#include "message_print.h"
#include "print_settings.h"
#include "printer_payload.h"
#include "sirius_config.h"

const char *print_submit_status_name(enum print_submit_status status)
{
	switch (status) {
	case PRINT_SUBMIT_SENT:
		return "sent";
	case PRINT_SUBMIT_QUEUED:
		return "queued";
	case PRINT_SUBMIT_OFFLINE:
		return "offline";
	case PRINT_SUBMIT_REFUSED:
		return "refused";
	case PRINT_SUBMIT_ERROR:
		return "error";
	}
	return "unknown";
}

enum print_submit_status print_submit_status_of(enum print_job_outcome outcome)
{
	switch (outcome) {
	case PRINT_JOB_SENT:
		return PRINT_SUBMIT_SENT;
	case PRINT_JOB_OFFLINE:
		return PRINT_SUBMIT_OFFLINE;
	case PRINT_JOB_QUEUED:
	case PRINT_JOB_TOO_DETAILED:
		break;
	}
	return PRINT_SUBMIT_QUEUED;
}

enum render_status print_render(const struct print_request *req, time_t when, struct render_result *out,
				struct sirius_error *err)
{
	const struct print_settings *settings = print_settings();
	struct render_options options;

	memset(out, 0, sizeof(*out));
	memset(&options, 0, sizeof(options));
	options.sender = req->sender;
	options.when = when;
	options.timezone = settings->timezone[0] ? settings->timezone : NULL;
	options.use_template = 1;
	options.external_renderer = settings->html_renderer;
	options.fetch_images = 1;
	return render_message(req->kind, req->body, req->len, &options, &settings->limits, out, err);
}

int print_submit_refuses_offline(void)
{
	const char *offline = config_value("SIRIUS_OFFLINE");

	return offline && strcmp(offline, "refuse") == 0;
}

uint16_t print_submit_command(const struct print_request *req)
{
	if (req->for_button)
		return req->no_face ? PRINTER_SET_DELIVERY_NO_FACE : PRINTER_SET_DELIVERY;
	return req->no_face ? PRINTER_SET_DELIVERY_AND_PRINT_NO_FACE : PRINTER_SET_DELIVERY_AND_PRINT;
}

/*
 * Queues one bitmap with command through print_job_queue, with the key,
 * rate and digest of req (NULL: none, a reprint). Returns 0 with
 * out's status SENT, QUEUED or OFFLINE (the message stored), or REFUSED with
 * render RENDER_IMAGE_TOO_LARGE and a reason for the sender in err when the
 * print is too detailed for the relay (nothing stored); -1 with
 * PRINT_SUBMIT_ERROR and a reason in err.
 */
static int send_bitmap(struct ctx *ctx, int64_t printer_id, uint16_t command, const struct bitmap *bm,
		       const char *sender, const struct print_request *req, struct print_submit_result *out,
		       struct sirius_error *err)
{
	const struct bitmap *images[1] = { bm };
	struct print_job_result result;
	struct print_job job;
	int rc;

	memset(&job, 0, sizeof(job));
	job.printer_id = printer_id;
	job.command = command;
	job.images = images;
	job.count = 1;
	job.sender = sender;
	if (req) {
		job.key_id = req->key_id;
		job.key_rate = req->key_rate;
		job.dedupe = req->dedupe;
		job.dedupe_since = req->dedupe_since;
	}
	job.refuse_offline = print_submit_refuses_offline();
	rc = print_job_queue(ctx->db, ctx->app->relay_socket, &job, ctx->now, &result, err);
	if (result.key_use.message[0])
		cgi_log("recording a use of device key %lld: %s", (long long)job.key_id, result.key_use.message);
	out->message_id = result.message_id;
	out->key_counted = result.key_counted;
	out->repeat = result.repeat;
	if (rc != 0 && result.message_id == 0 && result.outcome == PRINT_JOB_TOO_DETAILED) {
		out->status = PRINT_SUBMIT_REFUSED;
		out->render = RENDER_IMAGE_TOO_LARGE;
		return 0;
	}
	if (rc != 0) {
		out->status = PRINT_SUBMIT_ERROR;
		return -1;
	}
	out->status = print_submit_status_of(result.outcome);
	return 0;
}

int print_submit(struct ctx *ctx, int64_t printer_id, const struct print_request *req,
		 struct print_submit_result *out, struct sirius_error *err)
{
	struct render_result rendered;
	int rc;

	memset(out, 0, sizeof(*out));
	out->status = PRINT_SUBMIT_ERROR;
	if (!req->sender || !req->sender[0] || strlen(req->sender) > DB_SENDER_MAX ||
	    !g_utf8_validate(req->sender, -1, NULL))
		return error_set(err, "the sender must be 1 to %d bytes of UTF-8", DB_SENDER_MAX);
	out->render = print_render(req, (time_t)ctx->now, &rendered, err);
	if (out->render != RENDER_OK) {
		out->status = out->render == RENDER_NO_MEMORY ? PRINT_SUBMIT_ERROR : PRINT_SUBMIT_REFUSED;
		return out->status == PRINT_SUBMIT_ERROR ? -1 : 0;
	}
	out->truncated = rendered.truncated != 0;
	out->warning_count = rendered.warning_count;
	memcpy(out->warnings, rendered.warnings, sizeof(out->warnings));
	rc = send_bitmap(ctx, printer_id, print_submit_command(req), rendered.bitmap, req->sender, req, out, err);
	bitmap_free(rendered.bitmap);
	return rc;
}

int print_resend(struct ctx *ctx, int64_t printer_id, const struct db_message *message,
		 struct print_submit_result *out, struct sirius_error *err)
{
	struct db_message record;
	struct bitmap *bm;
	uint16_t command;
	int rc;

	memset(out, 0, sizeof(*out));
	out->status = PRINT_SUBMIT_ERROR;
	/* the print alone, read into a record of its own: message stays the caller's */
	memset(&record, 0, sizeof(record));
	record.id = message->id;
	rc = db_message_load_print(ctx->db, &record, err);
	if (rc == 0)
		error_set(err, "message %u is gone", message->id);
	bm = rc > 0 ? message_print_bitmap(&record, err) : NULL;
	db_message_clear(&record);
	if (!bm)
		return -1;
	/* a reprint prints now, with or without the face as the first time */
	command = message->command == PRINTER_SET_DELIVERY_AND_PRINT_NO_FACE || message->command == PRINTER_SET_DELIVERY_NO_FACE
			  ? PRINTER_SET_DELIVERY_AND_PRINT_NO_FACE
			  : PRINTER_SET_DELIVERY_AND_PRINT;
	rc = send_bitmap(ctx, printer_id, command, bm, message->sender, NULL, out, err);
	bitmap_free(bm);
	return rc;
}
