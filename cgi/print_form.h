/* print_form.h: the print form of the web UI (target, face, format, message), read into a print request and shown again. */
#ifndef SIRIUS_CGI_PRINT_FORM_H
#define SIRIUS_CGI_PRINT_FORM_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "print_submit.h"
#include "request.h"

struct ctx;

/*
 * The form's fields, a contract scripts and tests rely on:
 *   target_printer  the id of a printer I own or a friend shares with me
 *                   (absent: the printer of the path)
 *   face            "default" (the printer shows its face) or "none"
 *   format          "auto" (HTML when the message has markup), "text" or "html"
 *   message         the text or HTML to print
 * The routes that take it declare these inputs with PRINT_FORM_INPUTS.
 */
#define PRINT_FORM_INPUTS \
	{ "target_printer", INPUT_ID, 0, 0, 0, "printer" }, \
	{ "face", INPUT_LINE, 0, 0, 16, "face" }, \
	{ "mode", INPUT_LINE, 0, 0, 16, "mode" }, \
	{ "format", INPUT_LINE, 0, 0, 16, "format" }, \
	{ "message", INPUT_TEXT, INPUT_REQUIRED, 1, PRINT_FORM_MESSAGE_MAX, "message" }

/* The most bytes the message field may hold before the print settings' own limit is applied. */
#define PRINT_FORM_MESSAGE_MAX (16 * 1024 * 1024)

/* The body limit of the routes that take the form: an encoded message of the largest size allowed. */
#define PRINT_FORM_BODY_MAX (4 * 1024 * 1024)

/* What the form asked for, once read. */
struct print_form {
	int64_t target;               /* the printer to print to */
	const char *format;           /* "auto", "text" or "html" */
	int no_face;                  /* 1 for face "none" */
	int for_button;               /* 1 for mode "deliver": the printer holds it until its button is pressed */
	struct print_request request; /* the message as print_submit takes it (sender: the user) */
};

/*
 * 1 when text (len bytes) looks like HTML: it holds a tag, "<" followed by a
 * letter, "/" or "!" and a ">" later on; else 0.
 */
int print_looks_like_html(const char *text, size_t len);

/*
 * The render kind of a message for format ("auto" or NULL: HTML when
 * print_looks_like_html, "text", "html"). Returns 0 with *kind set, or -1 for
 * another format.
 */
int print_format_kind(const char *format, const char *text, size_t len, enum render_kind *kind);

/*
 * Reads the validated inputs of the form into *form (default_target when no
 * target_printer was sent). Returns 0; or an HTTP status with a sentence for
 * the person in why: 400 (an input error, a bad face or format, a target
 * they may not print to), 413 (a message over the text limit of the print
 * settings); or -1 with a reason in err on a database error.
 */
int print_form_read(struct ctx *ctx, int64_t default_target, struct print_form *form, char why[REQUEST_WHY_MAX],
		    struct sirius_error *err);

/* The HTTP status of a message the renderer refused: 413 for what is too large, 422 for the rest. */
int print_form_refused_status(enum render_status status);

/*
 * Renders the form's message at ctx->now exactly as print_submit would print
 * it (print_render) and writes the bitmap as a PNG into *png (free it) and
 * *len, and in *warnings a JSON array of sentences about images that could
 * not be loaded (NULL when none; the caller deletes it). Returns 0; the status of print_form_refused_status (413, 422) with a
 * reason for the person in err when the renderer refuses it; or -1 with a
 * reason in err when the PNG cannot be written.
 */
int print_form_preview(struct ctx *ctx, const struct print_form *form, uint8_t **png, size_t *len,
		       cJSON **warnings, struct sirius_error *err);

/*
 * Adds what the template print_form.html shows to data: "printer_id" (where
 * the form posts), "targets" (the printers I may print to, the selected one
 * marked), "face_none", "format_*" and "message" (from form when not NULL).
 * Returns 0, or -1 with a reason in err on a database error.
 */
int print_form_data(struct ctx *ctx, cJSON *data, int64_t printer_id, const struct print_form *form,
		    struct sirius_error *err);

#endif
