/* printer_extras.h: what the printer page shows its owner of the button, the personality and the quips. */
#ifndef SIRIUS_CGI_PRINTER_EXTRAS_H
#define SIRIUS_CGI_PRINTER_EXTRAS_H

#include <cjson/cJSON.h>

#include "db.h"
#include "db_button.h"
#include "error.h"

struct ctx;

/* Presses shown on the printer page, and deliveries waiting for the button. */
#define PRINTER_PRESSES_SHOWN 10
#define PRINTER_WAITING_SHOWN 20

/*
 * Adds the templates' data (www/templates/printer_button.html):
 * "presses" (each "what" in words and "time") with "has_presses", and
 * "waiting" (each "id", "sender", "created", "state", "has_image") with
 * "has_waiting". Returns 0, or -1 with a reason in err.
 */
int printer_button_data(struct ctx *ctx, cJSON *data, const struct db_printer *printer, struct sirius_error *err);

/*
 * For the history: when the owner settled message (a delivery for the button
 * still sent or delivered) from the page, replaces *state (g_free'd) with
 * what they did: cancelled, or printed now as another message. Returns 0,
 * or -1 with a reason in err.
 */
int printer_button_history_state(struct ctx *ctx, const struct db_message *message, char **state,
				 struct sirius_error *err);

/*
 * Adds the templates' data (www/templates/printer_personality.html): "faces"
 * (the shipped sets: "name", "images" as URLs, "checked" for chosen) and
 * "personality" (the one last sent: "name", "images" as URLs or data: URIs,
 * "sent", "state"), absent when none was. chosen may be NULL. Returns 0, or -1
 * with a reason in err.
 */
int printer_personality_data(struct ctx *ctx, cJSON *data, const struct db_printer *printer, const char *chosen,
			     struct sirius_error *err);

/*
 * Adds the templates' data (www/templates/printer_quips.html): "quips" (three
 * form fields: "name", "label", "value") filled from texts, or when texts is
 * NULL from the quips last sent, and "quips_sent" ("sent", "state") when
 * some were. Returns 0, or -1 with a reason in err.
 */
int printer_quips_data(struct ctx *ctx, cJSON *data, const struct db_printer *printer,
		       const char *const *texts, struct sirius_error *err);

#endif
