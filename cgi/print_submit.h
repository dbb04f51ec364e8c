/* print_submit.h: rendering a message and sending it: the one path of web prints, previews, reprints and API prints. */
#ifndef SIRIUS_CGI_PRINT_SUBMIT_H
#define SIRIUS_CGI_PRINT_SUBMIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "db.h"
#include "error.h"
#include "print_job.h"
#include "render.h"

struct ctx;

/*
 * How to use it: a page or endpoint fills a struct print_request from what
 * it validated and calls print_submit (or print_render for a preview, which
 * is exactly what print_submit would print at that time); it then turns the
 * result into its own reply. Nothing here replies to the client or logs.
 * Rendering uses the server's template, SIRIUS_TIMEZONE, the body limits
 * (render_limits_default with SIRIUS_MAX_TEXT_BYTES / SIRIUS_MAX_IMAGE_BYTES)
 * and SIRIUS_HTML_RENDERER, as print_settings.h reads them. Sending goes
 * through print_job_queue (a command id, a message queued in the outbox,
 * the relay woken); SIRIUS_OFFLINE=refuse refuses prints for an offline
 * printer instead of queueing them. The relay keeps the history's size.
 */

/* A message to print. */
struct print_request {
	enum render_kind kind;       /* text, HTML or an image (format from its magic bytes) */
	const uint8_t *body;         /* the message's bytes (not necessarily NUL-terminated) */
	size_t len;                  /* bytes at body */
	const char *sender;          /* who it is from: 1..DB_SENDER_MAX bytes of UTF-8, shown in the header */
	int no_face;                 /* 1: the printer does not show its face with it (the *_no_face commands) */
	int for_button;              /* 1: set_delivery: the printer holds it and prints when its button is pressed */
	int64_t key_id;              /* the device key it came through (repeats, its use counted); 0 when none */
	int key_rate;                /* with key_id, > 0: the request is counted against this many a minute with
	                                the message it stores (print_job.h); 0: counted by the caller */
	const char *dedupe;          /* digest of the request (DB_DEDUPE_LEN hex digits), or NULL */
	int64_t dedupe_since;        /* with key_id and dedupe, > 0: a message of that key and digest created
	                                since then makes this print its repeat (print_job.h); nothing stored */
};

/* What became of a print. */
enum print_submit_status {
	PRINT_SUBMIT_SENT,           /* queued, and the relay took it for the printer's bridge at once */
	PRINT_SUBMIT_QUEUED,         /* queued: it prints when the printer is online (or its turn comes) */
	PRINT_SUBMIT_OFFLINE,        /* SIRIUS_OFFLINE=refuse and the printer is offline (stored, failed "offline") */
	PRINT_SUBMIT_REFUSED,        /* the renderer refused the input, or the print is too detailed to send
	                                (render RENDER_IMAGE_TOO_LARGE): see render and err; nothing stored */
	PRINT_SUBMIT_ERROR           /* a fault on the server (database, memory, bad arguments): see err */
};

/* The outcome of print_submit and print_resend. */
struct print_submit_result {
	enum print_submit_status status;   /* what became of it */
	enum render_status render;         /* RENDER_OK, or why the renderer refused (PRINT_SUBMIT_REFUSED) */
	uint32_t message_id;               /* the stored message, or the one repeated (repeat); 0 when neither */
	int key_counted;                   /* 1 when the request was counted against key_rate with the message */
	int repeat;                        /* 1: a repeat of message_id (dedupe_since): nothing stored, and
	                                      status is what that message's state says */
	int truncated;                     /* 1 when the print was cut at the longest print */
	int warning_count;                 /* sentences in warnings */
	char warnings[RENDER_WARNINGS_MAX][RENDER_WARNING_LEN]; /* images that could not be loaded */
};

/* What print_job_queue's outcome is as a submitted print's status. */
enum print_submit_status print_submit_status_of(enum print_job_outcome outcome);

/* A constant, lower-case name of a status ("sent", "queued", "offline", "refused", "error"). */
const char *print_submit_status_name(enum print_submit_status status);

/*
 * Renders exactly what print_submit would print at time when (the preview):
 * with the server's template, zone, limits and external renderer. Returns
 * RENDER_OK with out->bitmap set (free it with bitmap_free), or another
 * status with a reason for the sender in err (out->bitmap NULL).
 */
enum render_status print_render(const struct print_request *req, time_t when, struct render_result *out,
				struct sirius_error *err);

/*
 * Renders req at ctx->now and queues it for the printer printer_id (the
 * caller has checked that the person may print there) with the command its
 * mode and face say (print_submit_command). Returns 0 with out filled when
 * the message was stored (SENT, QUEUED, OFFLINE) or refused by the renderer
 * (REFUSED, a reason for the sender in err), or when it repeats a stored
 * one (out->repeat, req->dedupe_since); -1 with out->status
 * PRINT_SUBMIT_ERROR and a reason in err for the log on a fault (an unknown
 * printer, a bad sender, a database error).
 */
int print_submit(struct ctx *ctx, int64_t printer_id, const struct print_request *req,
		 struct print_submit_result *out, struct sirius_error *err);

/* The DeviceCommand of a print: set_delivery[_and_print][_no_face] as req's for_button and no_face say. */
uint16_t print_submit_command(const struct print_request *req);

/* 1 when SIRIUS_OFFLINE=refuse: a print for a printer the relay reports offline is refused, not queued. */
int print_submit_refuses_offline(void);

/*
 * Prints a stored message again (a reprint): its stored print
 * (message_print.h), command and sender, with a new command id, as a new
 * message. Returns as print_submit (never REFUSED; a stored print that
 * cannot be read is an ERROR).
 */
int print_resend(struct ctx *ctx, int64_t printer_id, const struct db_message *message,
		 struct print_submit_result *out, struct sirius_error *err);

#endif
