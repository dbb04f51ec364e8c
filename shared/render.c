/* render.c: a message (text, HTML, image) to the printer's bitmap: limits, the page template, dithering. */
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "dither.h"
#include "external_renderer.h"
#include "html_layout.h"
#include "image_decode.h"
#include "render_images.h"
#include "sirius_config.h"

_Static_assert(RENDER_MAX_SECONDS == CONFIG_SECONDS_MAX, "the render budget's cap is the setting's");

/* The original's page template, in pixels. */
#define TEMPLATE_TOP_ROWS 1        /* white above the header */
#define TEMPLATE_HEADER_PX 18.0    /* header font size (bold, upper case, centred) */
#define TEMPLATE_HEADER_GAP 18     /* white between the header and the content */
#define TEMPLATE_BOTTOM_ROWS 80    /* white below the content */

/* The longest sender name shown in the header, in characters. */
#define SENDER_MAX_CHARS 64

/* SIRIUS_RENDER_SECONDS in milliseconds (at most RENDER_MAX_SECONDS), or the default when unset or not a positive number. */
static int render_millis_setting(void)
{
	const char *value = getenv("SIRIUS_RENDER_SECONDS");
	char *end;
	long seconds;

	if (!value || !*value)
		return RENDER_DEFAULT_MILLIS;
	errno = 0;
	seconds = strtol(value, &end, 10);
	if (errno == ERANGE && seconds > 0)
		return RENDER_MAX_SECONDS * 1000;
	if (errno || *end || seconds < 1)
		return RENDER_DEFAULT_MILLIS;
	return (int)(seconds < RENDER_MAX_SECONDS ? seconds : RENDER_MAX_SECONDS) * 1000;
}

void render_limits_default(struct render_limits *limits)
{
	limits->max_body_bytes = (size_t)1024 * 1024;
	limits->max_image_bytes = (size_t)10 * 1024 * 1024;
	limits->max_image_pixels = (size_t)50 * 1000 * 1000;
	limits->max_depth = 64;
	limits->max_elements = 5000;
	limits->max_millis = render_millis_setting();
	limits->max_rows = PRINTER_MAX_ROWS;
}

const char *render_status_name(enum render_status status)
{
	switch (status) {
	case RENDER_OK:
		return "ok";
	case RENDER_BODY_TOO_LARGE:
		return "body-too-large";
	case RENDER_IMAGE_TOO_LARGE:
		return "image-too-large";
	case RENDER_TOO_DEEP:
		return "too-deep";
	case RENDER_TOO_MANY_ELEMENTS:
		return "too-many-elements";
	case RENDER_TIMEOUT:
		return "timeout";
	case RENDER_BAD_IMAGE:
		return "bad-image";
	case RENDER_BAD_INPUT:
		return "bad-input";
	case RENDER_NO_MEMORY:
		return "no-memory";
	}
	return "unknown";
}

int render_kind_from_mime(const char *content_type, enum render_kind *kind)
{
	const char *end, *slash;
	size_t n;

	if (!content_type)
		return -1;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	end = strchr(content_type, ';');
	n = end ? (size_t)(end - content_type) : strlen(content_type);
	while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
		n--;
	slash = memchr(content_type, '/', n);
	if (!slash || slash == content_type || slash == content_type + n - 1)
		return -1;
	if (n == 9 && !g_ascii_strncasecmp(content_type, "text/html", 9)) {
		*kind = RENDER_HTML;
	} else if (slash - content_type == 5 && !g_ascii_strncasecmp(content_type, "image", 5)) {
		*kind = RENDER_IMAGE;
	} else if (slash - content_type == 4 && !g_ascii_strncasecmp(content_type, "text", 4)) {
		*kind = RENDER_TEXT;
	} else {
		return -1;
	}
	return 0;
}

/*
 * The zone named identifier (an IANA name; NULL or empty: local time; unknown:
 * NULL), to unref. The last one is kept: GLib reads the zone's file again for
 * every local zone asked for (a stat, a readlink and a parse per print), and a
 * process asks for the same zone every time.
 */
static GTimeZone *zone_named(const char *identifier)
{
	static GMutex lock;
	static GTimeZone *kept;
	static gchar *kept_identifier;
	static int have;
	GTimeZone *tz;

	if (identifier && !*identifier)
		identifier = NULL;
	g_mutex_lock(&lock);
	if (!have || g_strcmp0(kept_identifier, identifier) != 0) {
		if (kept)
			g_time_zone_unref(kept);
		g_free(kept_identifier);
		kept = identifier ? g_time_zone_new_identifier(identifier) : g_time_zone_new_local();
		kept_identifier = g_strdup(identifier);
		have = 1;
	}
	tz = kept ? g_time_zone_ref(kept) : NULL;
	g_mutex_unlock(&lock);
	return tz;
}

/*
 * The template's header line "HH:MM | DD-Mon-YYYY | sender" (g_free it), the
 * time in zone (an IANA name; NULL or unknown: local time, then UTC).
 */
static gchar *header_line(const struct render_options *options)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t when = options->when ? options->when : time(NULL);
	GTimeZone *tz = zone_named(options->timezone);
	GDateTime *utc = g_date_time_new_from_unix_utc((gint64)when);
	GDateTime *local;
	GString *line = g_string_new(NULL);

	if (!tz)
		tz = g_time_zone_new_utc();
	if (!utc)
		utc = g_date_time_new_from_unix_utc(0);
	local = g_date_time_to_timezone(utc, tz);
	if (!local)
		local = g_date_time_ref(utc);
	g_string_append_printf(line, "%02d:%02d | %02d-%s-%04d", g_date_time_get_hour(local),
			       g_date_time_get_minute(local), g_date_time_get_day_of_month(local),
			       months[(g_date_time_get_month(local) - 1) % 12], g_date_time_get_year(local));
	if (options->sender && *options->sender) {
		gchar *valid = g_utf8_make_valid(options->sender, -1);

		if (g_utf8_strlen(valid, -1) > SENDER_MAX_CHARS)
			*g_utf8_offset_to_pointer(valid, SENDER_MAX_CHARS) = '\0';
		g_string_append(line, " | ");
		g_string_append(line, valid);
		g_free(valid);
	}
	g_date_time_unref(local);
	g_date_time_unref(utc);
	g_time_zone_unref(tz);
	return g_string_free(line, FALSE);
}

/*
 * Lays out an HTML body: through the external renderer first when one is
 * configured (logging to stderr why it was not used), else natively.
 */
static enum render_status add_html(struct layout_page *page, const uint8_t *data, size_t len,
				   const struct render_options *options,
				   const struct render_limits *limits, int64_t deadline_us,
				   struct sirius_error *err)
{
	if (options->external_renderer && *options->external_renderer) {
		struct greymap *gm = NULL;
		struct sirius_error why = { "" };
		int64_t left_ms = (deadline_us - g_get_monotonic_time()) / 1000;
		enum image_decode_status st;

		st = external_render_html(options->external_renderer, (const char *)data, len,
					  PRINTER_WIDTH, left_ms > 1 ? (int)left_ms : 1,
					  limits->max_image_pixels, &gm, &why);
		if (st == IMAGE_OK) {
			enum render_status rs = layout_add_greymap(page, gm, err);

			greymap_free(gm);
			return rs;
		}
		fprintf(stderr, "render: external HTML renderer failed, using the native one: %s\n",
			why.message);
	}
	return layout_add_html(page, (const char *)data, len, err);
}

enum render_status render_message(enum render_kind kind, const uint8_t *data, size_t len,
				  const struct render_options *options,
				  const struct render_limits *limits, struct render_result *result,
				  struct sirius_error *err)
{
	static const struct render_options no_options;
	struct render_limits defaults;
	struct layout_page *page;
	struct greymap *gm = NULL;
	enum render_status st = RENDER_OK;
	int64_t deadline_us;
	int bottom;
	char *loaded = NULL; /* the HTML with its remote images loaded, when it had any */
	size_t loaded_len = 0;

	result->bitmap = NULL;
	result->truncated = 0;
	result->warning_count = 0;
	if (!options)
		options = &no_options;
	if (!limits) {
		render_limits_default(&defaults);
		limits = &defaults;
	}
	if ((!data && len > 0) || limits->max_rows < 1 || limits->max_rows > BITMAP_MAX_SIDE ||
	    limits->max_millis < 1 || limits->max_depth < 1 || limits->max_elements < 1 ||
	    (kind != RENDER_TEXT && kind != RENDER_HTML && kind != RENDER_IMAGE)) {
		error_set(err, "invalid render arguments");
		return RENDER_BAD_INPUT;
	}
	if (kind == RENDER_IMAGE && len > limits->max_image_bytes) {
		error_set(err, "image body of %zu bytes exceeds the limit of %zu bytes", len,
			  limits->max_image_bytes);
		return RENDER_BODY_TOO_LARGE;
	}
	if (kind != RENDER_IMAGE && len > limits->max_body_bytes) {
		error_set(err, "body of %zu bytes exceeds the limit of %zu bytes", len,
			  limits->max_body_bytes);
		return RENDER_BODY_TOO_LARGE;
	}
	if (kind == RENDER_IMAGE && image_sniff(data, len) == IMAGE_FORMAT_UNKNOWN) {
		error_set(err, "not an image of a known format (PNG, JPEG, GIF)");
		return RENDER_BAD_IMAGE;
	}

	/* Remote images are fetched first: their time is not the layout's. */
	if (kind == RENDER_HTML && options->fetch_images &&
	    render_load_images((const char *)data, len, limits->max_image_bytes, result, &loaded, &loaded_len) == 1) {
		data = (const uint8_t *)loaded;
		len = loaded_len;
	}

	deadline_us = g_get_monotonic_time() + (int64_t)limits->max_millis * 1000;
	bottom = options->use_template ? TEMPLATE_BOTTOM_ROWS : 0;
	page = layout_page_new(PRINTER_WIDTH,
			       limits->max_rows > bottom ? limits->max_rows - bottom : 1, limits,
			       deadline_us);
	if (!page) {
		g_free(loaded);
		error_set(err, "out of memory for a page");
		return RENDER_NO_MEMORY;
	}
	if (options->use_template) {
		gchar *line = header_line(options);

		layout_add_space(page, TEMPLATE_TOP_ROWS);
		st = layout_add_header(page, line, TEMPLATE_HEADER_PX, err);
		layout_add_space(page, TEMPLATE_HEADER_GAP);
		layout_start_section(page);
		g_free(line);
	}
	if (st == RENDER_OK) {
		switch (kind) {
		case RENDER_TEXT:
			st = layout_add_text(page, (const char *)data, len, LAYOUT_BODY_FONT_PX, err);
			break;
		case RENDER_HTML:
			st = add_html(page, data, len, options, limits, deadline_us, err);
			break;
		case RENDER_IMAGE:
			st = layout_add_image_data(page, data, len, err);
			break;
		}
	}
	if (st == RENDER_OK)
		st = layout_page_draw(page, bottom, limits->max_rows, &gm, err);
	if (st == RENDER_OK) {
		result->bitmap = dither_floyd_steinberg(gm);
		result->truncated = layout_page_truncated(page);
		if (!result->bitmap) {
			error_set(err, "out of memory dithering the page");
			st = RENDER_NO_MEMORY;
		}
	}
	greymap_free(gm);
	layout_page_free(page);
	g_free(loaded);
	return st;
}

void render_release_fonts(void)
{
	layout_release_fonts();
}
