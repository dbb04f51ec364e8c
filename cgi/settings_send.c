/* settings_send.c: queueing a command that changes a printer (set_personality, set_quip) in the outbox. */
#include "settings_send.h"

#include <string.h>

#include "context.h"
#include "print_submit.h"

int settings_send(struct ctx *ctx, int64_t printer_id, uint16_t command, const struct bitmap *const *images,
		  size_t count, struct print_job_result *result, struct sirius_error *err)
{
	struct print_job job;

	memset(&job, 0, sizeof(job));
	job.printer_id = printer_id;
	job.command = command;
	job.images = images;
	job.count = count;
	job.sender = ctx->session.user.name;
	job.refuse_offline = print_submit_refuses_offline();
	return print_job_queue(ctx->db, ctx->app->relay_socket, &job, ctx->now, result, err);
}
