/* print_form.c: reading the print form of print_form.h and filling its template's data. */
#include "print_form.h"

#include <stdio.h>
#include <string.h>

#include "access.h"
#include "bitmap_png.h"
#include "page.h"
#include "print_settings.h"
#include "web.h"

int print_looks_like_html(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		char next = text[i + 1];

		if (text[i] == '<' && (g_ascii_isalpha(next) || next == '/' || next == '!') &&
		    memchr(text + i + 2, '>', len - i - 2))
			return 1;
	}
	return 0;
}

int print_format_kind(const char *format, const char *text, size_t len, enum render_kind *kind)
{
	if (!format || strcmp(format, "auto") == 0)
		*kind = print_looks_like_html(text, len) ? RENDER_HTML : RENDER_TEXT;
	else if (strcmp(format, "text") == 0)
		*kind = RENDER_TEXT;
	else if (strcmp(format, "html") == 0)
		*kind = RENDER_HTML;
	else
		return -1;
	return 0;
}

int print_form_read(struct ctx *ctx, int64_t default_target, struct print_form *form, char why[REQUEST_WHY_MAX],
		    struct sirius_error *err)
{
	const char *face = input_text(ctx, "face"), *mode = input_text(ctx, "mode");
	const char *message = input_text(ctx, "message");
	size_t limit = print_settings()->limits.max_body_bytes;
	enum printer_access access;

	memset(form, 0, sizeof(*form));
	form->target = input_int(ctx, "target_printer") ? input_int(ctx, "target_printer") : default_target;
	form->format = input_text(ctx, "format") ? input_text(ctx, "format") : "auto";
	form->no_face = face && strcmp(face, "none") == 0;
	form->request.sender = ctx->session.user.name;
	form->request.no_face = form->no_face;
	form->for_button = mode && strcmp(mode, "deliver") == 0;
	form->request.for_button = form->for_button;
	if (message) {
		form->request.body = (const uint8_t *)message;
		form->request.len = strlen(message);
	}
	if (ctx->input_error[0]) {
		g_strlcpy(why, ctx->input_error, REQUEST_WHY_MAX);
		return 400;
	}
	if (face && strcmp(face, "default") != 0 && strcmp(face, "none") != 0) {
		g_strlcpy(why, "The face must be default or none.", REQUEST_WHY_MAX);
		return 400;
	}
	if (mode && strcmp(mode, "print") != 0 && strcmp(mode, "deliver") != 0) {
		g_strlcpy(why, "Choose to print now or when the button is pressed.", REQUEST_WHY_MAX);
		return 400;
	}
	if (print_format_kind(form->format, message, form->request.len, &form->request.kind) < 0) {
		g_strlcpy(why, "The format must be auto, text or html.", REQUEST_WHY_MAX);
		return 400;
	}
	if (form->request.len > limit) {
		snprintf(why, REQUEST_WHY_MAX, "The message is %zu bytes long; the most this server prints is %zu.",
			 form->request.len, limit);
		return 413;
	}
	access = printer_access(ctx, form->target, NULL, err);
	if (access == PRINTER_ACCESS_ERROR)
		return -1;
	if (access == PRINTER_ACCESS_NONE) {
		g_strlcpy(why, "You may print only to your own printers and those your friends share with you.",
			  REQUEST_WHY_MAX);
		return 400;
	}
	return 0;
}

int print_form_refused_status(enum render_status status)
{
	return status == RENDER_BODY_TOO_LARGE || status == RENDER_IMAGE_TOO_LARGE ? 413 : 422;
}

int print_form_preview(struct ctx *ctx, const struct print_form *form, uint8_t **png, size_t *len,
		       cJSON **warnings, struct sirius_error *err)
{
	struct render_result result;
	enum render_status status = print_render(&form->request, (time_t)ctx->now, &result, err);
	int rc, i;

	*png = NULL;
	*len = 0;
	*warnings = NULL;
	if (status != RENDER_OK)
		return print_form_refused_status(status);
	if (result.warning_count > 0) {
		*warnings = cJSON_CreateArray();
		for (i = 0; i < result.warning_count; i++)
			cJSON_AddItemToArray(*warnings, cJSON_CreateString(result.warnings[i]));
	}
	rc = png_write_bitmap(result.bitmap, png, len, err);
	bitmap_free(result.bitmap);
	return rc < 0 ? -1 : 0;
}

int print_form_data(struct ctx *ctx, cJSON *data, int64_t printer_id, const struct print_form *form,
		    struct sirius_error *err)
{
	struct db_printer *printers = NULL;
	size_t n = 0, i;
	cJSON *targets = cJSON_AddArrayToObject(data, "targets"), *item;
	int64_t selected = form ? form->target : printer_id;
	const char *format = form ? form->format : "auto";

	cJSON_AddNumberToObject(data, "printer_id", (double)printer_id);
	if (db_printers_of_owner(ctx->db, ctx->session.user.id, &printers, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++)
		web_printer_item(targets, &printers[i], NULL, ctx->session.user.id);
	db_free(printers);
	if (web_shared_printers(ctx, targets, err) < 0)
		return -1;
	cJSON_ArrayForEach(item, targets)
		cJSON_AddBoolToObject(item, "selected",
				      cJSON_GetObjectItemCaseSensitive(item, "id")->valuedouble == (double)selected);
	cJSON_AddBoolToObject(data, "face_none", form && form->no_face);
	cJSON_AddBoolToObject(data, "for_button", form && form->for_button);
	cJSON_AddBoolToObject(data, "format_auto", strcmp(format, "text") != 0 && strcmp(format, "html") != 0);
	cJSON_AddBoolToObject(data, "format_text", strcmp(format, "text") == 0);
	cJSON_AddBoolToObject(data, "format_html", strcmp(format, "html") == 0);
	if (form && form->request.body)
		cJSON_AddStringToObject(data, "message", (const char *)form->request.body);
	return 0;
}
