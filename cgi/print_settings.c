/* print_settings.c: reading the print and device-key settings from the environment before the first request. */
#include "print_settings.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* The process's settings; only print_settings_reload writes them (never during a request). */
static struct print_settings settings;
static int settings_read;

/*
 * The positive integer in the variable name, at most max; fallback when it is
 * unset or empty, and (logged) when it is not such a number.
 */
static long long env_count(const char *name, long long fallback, long long max)
{
	const char *value = getenv(name);
	guint64 n;

	if (!value || !value[0])
		return fallback;
	if (!g_ascii_string_to_unsigned(value, 10, 1, (guint64)max, &n, NULL)) {
		fprintf(stderr, "%s is not a whole number from 1 to %lld; using %lld\n", name, max, fallback);
		return fallback;
	}
	return (long long)n;
}

/*
 * Copies the variable name into out (size bytes) when it is set, fits and is
 * made of letters, digits and the characters of extra only; otherwise (logged)
 * leaves out empty.
 */
static void env_word(const char *name, const char *extra, char *out, size_t size)
{
	const char *value = getenv(name);
	size_t i;

	out[0] = '\0';
	if (!value || !value[0])
		return;
	for (i = 0; value[i]; i++)
		if (!g_ascii_isalnum(value[i]) && !strchr(extra, value[i])) {
			fprintf(stderr, "%s may hold only letters, digits and \"%s\"; ignored\n", name, extra);
			return;
		}
	if (g_strlcpy(out, value, size) >= size) {
		fprintf(stderr, "%s is too long; ignored\n", name);
		out[0] = '\0';
	}
}

void print_settings_reload(void)
{
	const char *renderer = getenv("SIRIUS_HTML_RENDERER");

	render_limits_default(&settings.limits);
	settings.limits.max_body_bytes =
		(size_t)env_count("SIRIUS_MAX_TEXT_BYTES", (long long)settings.limits.max_body_bytes, INT_MAX);
	settings.limits.max_image_bytes =
		(size_t)env_count("SIRIUS_MAX_IMAGE_BYTES", (long long)settings.limits.max_image_bytes, INT_MAX);
	settings.key_rate = (int)env_count("SIRIUS_KEY_RATE", PRINT_KEY_RATE_DEFAULT, 1000000);
	env_word("SIRIUS_TIMEZONE", "/_+-", settings.timezone, sizeof(settings.timezone));
	env_word("DEVICE_KEY_DOMAIN", ".-:[]", settings.device_key_domain, sizeof(settings.device_key_domain));
	g_free(settings.html_renderer);
	settings.html_renderer = renderer && renderer[0] ? g_strdup(renderer) : NULL;
	settings_read = 1;
}

const struct print_settings *print_settings(void)
{
	if (!settings_read)
		print_settings_reload();
	return &settings;
}
