/* settings_send.h: queueing a command that changes a printer (set_personality, set_quip) in the outbox. */
#ifndef SIRIUS_CGI_SETTINGS_SEND_H
#define SIRIUS_CGI_SETTINGS_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "bitmap.h"
#include "error.h"
#include "print_job.h"

struct ctx;

/*
 * Queues command with count images for printer printer_id from the signed-in
 * user, through print_job_queue, and wakes the relay: it goes out now, or
 * when the printer is next online. With SIRIUS_OFFLINE=refuse an offline
 * printer gets nothing (PRINT_JOB_OFFLINE, stored failed). Returns as
 * print_job_queue does.
 */
int settings_send(struct ctx *ctx, int64_t printer_id, uint16_t command, const struct bitmap *const *images,
		  size_t count, struct print_job_result *result, struct sirius_error *err);

#endif
