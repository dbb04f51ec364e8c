/* device_key_url.c: building a device key's URL from DEVICE_KEY_DOMAIN, SIRIUS_BASE_URL or the request's host. */
#include "device_key_url.h"

#include <string.h>

#include <glib.h>

#include "context.h"
#include "print_settings.h"

/* The longest Host header used in a URL. */
#define HOST_MAX 255

/* 1 when host is a host name, IPv4 or bracketed IPv6 address with an optional ":port", else 0. */
static int host_ok(const char *host)
{
	size_t i, len = host ? strlen(host) : 0;

	if (len == 0 || len > HOST_MAX || host[0] == '.' || host[0] == ':' || host[0] == '-')
		return 0;
	for (i = 0; i < len; i++)
		if (!g_ascii_isalnum(host[i]) && !strchr(".-:[]", host[i]))
			return 0;
	return 1;
}

char *device_key_url(const struct ctx *ctx, const char *secret)
{
	const char *domain = print_settings()->device_key_domain;

	if (domain[0])
		return g_strdup_printf("https://%s/%s", domain, secret);
	if (ctx->app->base_url[0])
		return g_strdup_printf("%s/printkey/%s", ctx->app->base_url, secret);
	if (host_ok(ctx->req.host))
		return g_strdup_printf("%s://%s/printkey/%s", ctx->req.https ? "https" : "http", ctx->req.host,
				       secret);
	return g_strdup_printf("/printkey/%s", secret);
}

char *device_key_app_url(const char *key_url)
{
	char *escaped, *url;

	if (!key_url || !(g_str_has_prefix(key_url, "http://") || g_str_has_prefix(key_url, "https://")))
		return NULL;
	escaped = g_uri_escape_string(key_url, NULL, FALSE);
	url = g_strdup_printf("%s:///printers?add=%s", DEVICE_KEY_APP_SCHEME, escaped);
	g_free(escaped);
	return url;
}
