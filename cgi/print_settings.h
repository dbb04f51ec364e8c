/* print_settings.h: the settings of printing and of the device-key API, read from the process's environment once. */
#ifndef SIRIUS_CGI_PRINT_SETTINGS_H
#define SIRIUS_CGI_PRINT_SETTINGS_H

#include "render.h"

/* Requests per minute one device key may make unless SIRIUS_KEY_RATE says otherwise. */
#define PRINT_KEY_RATE_DEFAULT 30 /* as sirius_config.c documents it */

/*
 * Under FastCGI the environment a program sees during a request is the
 * request's (FCGI_Accept points environ at it), not the process's: these
 * settings are therefore read before the first request (the FastCGI main
 * calls print_settings_reload once its configuration is in the environment)
 * and kept for the process's life. They hold no request's data.
 */
struct print_settings {
	struct render_limits limits;       /* render_limits_default, body limits from SIRIUS_MAX_TEXT_BYTES / SIRIUS_MAX_IMAGE_BYTES */
	char timezone[128];                /* SIRIUS_TIMEZONE: the zone of a print's header; "" for local time */
	char *html_renderer;               /* SIRIUS_HTML_RENDERER: the external HTML renderer; NULL for none */
	int key_rate;                      /* SIRIUS_KEY_RATE: requests per minute and device key */
	char device_key_domain[256];       /* DEVICE_KEY_DOMAIN: the host of device-key URLs; "" when unset */
};

/* The settings in effect (read from the environment at the first call when not yet read). */
const struct print_settings *print_settings(void);

/*
 * Reads the settings again from the current environment; a value that is not
 * valid is logged (to stderr) and its default kept. Call it only outside a
 * request (at start, or in tests).
 */
void print_settings_reload(void);

#endif
