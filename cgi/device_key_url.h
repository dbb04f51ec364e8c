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

#endif
