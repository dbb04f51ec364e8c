/* device_key_url.h: the address a device key is used at, as pages and the API show it. */
#ifndef SIRIUS_CGI_DEVICE_KEY_URL_H
#define SIRIUS_CGI_DEVICE_KEY_URL_H

struct ctx;

/*
 * The URL of a device key (secret: DB_DEVICE_KEY_LEN characters of [a-z0-9]):
 * "https://DEVICE_KEY_DOMAIN/SECRET" when DEVICE_KEY_DOMAIN is set; else
 * "BASE/printkey/SECRET", BASE being SIRIUS_BASE_URL when set, else the
 * request's own scheme and Host (a Host that is not a plain host name or
 * address with an optional port is not used: the URL is then the path
 * "/printkey/SECRET" alone). Returns a new string to g_free.
 */
char *device_key_url(const struct ctx *ctx, const char *secret);

/* The URL scheme the "Little Printers" iOS app registers (its Info.plist, CFBundleURLSchemes). */
#define DEVICE_KEY_APP_SCHEME "co.nordprojects.littleprinter"

/*
 * The link that opens a device key in the "Little Printers" iOS app, which
 * adds the printer: DEVICE_KEY_APP_SCHEME ":///printers?add=" and the key's
 * URL percent-encoded (the app takes the "add" parameter of the path
 * "/printers"). NULL when key_url is not an absolute http or https URL (the
 * app would take anything else for a key of its vendor's old server).
 * Returns a new string to g_free.
 */
char *device_key_app_url(const char *key_url);

#endif
