/* codec_render.c: `sirius-codec render`, a message rendered exactly as the server would print it, to a PNG. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "bitmap_png.h"
#include "codec.h"
#include "image_decode.h"
#include "render.h"

/* The most read from standard input: anything larger is refused by every limit anyway. */
#define STDIN_MAX_BYTES ((size_t)64 * 1024 * 1024)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sirius-codec render [--type MIME] [--from NAME] [--date ISO8601]\n"
		"                           [--zone TZ] [--no-template] FILE|- -o OUT.png\n"
		"Renders a message (plain text, HTML or an image) as the server prints it and\n"
		"writes the one-bit PNG. The type defaults from the content: an image by its\n"
		"magic bytes, else text/html when it starts with a tag, else text/plain.\n"
		"--zone is the IANA time zone of the header (default: local time).\n"
		"SIRIUS_HTML_RENDERER, when set, is the external HTML renderer tried first.\n");
}

/* The Content-Type a body most likely has: image by magic bytes, HTML when it starts with a tag. */
static const char *guess_type(const uint8_t *data, size_t len)
{
	size_t i = 0;

	if (image_sniff(data, len) != IMAGE_FORMAT_UNKNOWN)
		return "image/*";
	if (len >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf)
		i = 3;
	while (i < len && g_ascii_isspace(data[i]))
		i++;
	if (i + 1 < len && data[i] == '<' &&
	    (g_ascii_isalpha(data[i + 1]) || data[i + 1] == '!' || data[i + 1] == '/'))
		return "text/html";
	return "text/plain";
}

/*
 * The render subcommand; argv holds the arguments after "render". Returns the
 * exit status: 0 written, CODEC_EXIT_INVALID for a message the renderer
 * refuses (a limit, a bad image), CODEC_EXIT_USAGE for bad usage or a file
 * that cannot be read or written.
 */
int codec_render_main(int argc, char **argv)
{
	const char *type = NULL, *from = NULL, *date = NULL, *zone = NULL, *in = NULL, *out = NULL;
	struct render_options options;
	struct render_limits limits;
	struct render_result result;
	struct sirius_error err = { "" };
	enum render_kind kind;
	enum render_status st;
	uint8_t *data = NULL;
	size_t len = 0;
	int template = 1, i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--no-template")) {
			template = 0;
		} else if (i + 1 < argc && !strcmp(a, "--type")) {
			type = argv[++i];
		} else if (i + 1 < argc && !strcmp(a, "--from")) {
			from = argv[++i];
		} else if (i + 1 < argc && !strcmp(a, "--date")) {
			date = argv[++i];
		} else if (i + 1 < argc && !strcmp(a, "--zone")) {
			zone = argv[++i];
		} else if (i + 1 < argc && !strcmp(a, "-o")) {
			out = argv[++i];
		} else if (a[0] == '-' && a[1] != '\0') {
			codec_fail("render: unknown option %s", a);
			usage(stderr);
			return CODEC_EXIT_USAGE;
		} else if (!in) {
			in = a;
		} else {
			usage(stderr);
			return CODEC_EXIT_USAGE;
		}
	}
	if (!in || !out) {
		usage(stderr);
		return CODEC_EXIT_USAGE;
	}

	memset(&options, 0, sizeof(options));
	options.use_template = template;
	options.sender = from;
	options.timezone = zone;
	options.external_renderer = getenv("SIRIUS_HTML_RENDERER");
	if (date) {
		GTimeZone *utc = g_time_zone_new_utc();
		GDateTime *dt = g_date_time_new_from_iso8601(date, utc);

		g_time_zone_unref(utc);
		if (!dt) {
			codec_fail("render: --date %s is not an ISO 8601 date and time", date);
			return CODEC_EXIT_USAGE;
		}
		options.when = (time_t)g_date_time_to_unix(dt);
		g_date_time_unref(dt);
	}

	if (!strcmp(in, "-")) {
		data = (uint8_t *)codec_read_stdin(STDIN_MAX_BYTES, &len);
		if (!data)
			return CODEC_EXIT_USAGE;
	} else if (png_read_file(in, &data, &len, &err) != 0) {
		codec_fail("render: %s", err.message);
		return CODEC_EXIT_USAGE;
	}
	if (!type)
		type = guess_type(data, len);
	if (render_kind_from_mime(type, &kind) != 0) {
		codec_fail("render: cannot print a body of type %s", type);
		free(data);
		return CODEC_EXIT_USAGE;
	}
	render_limits_default(&limits);
	st = render_message(kind, data, len, &options, &limits, &result, &err);
	free(data);
	if (st != RENDER_OK) {
		codec_fail("render: %s: %s", render_status_name(st), err.message);
		return CODEC_EXIT_INVALID;
	}
	if (result.truncated)
		codec_fail("render: content cut at %d rows", limits.max_rows);
	if (png_write_bitmap_file(result.bitmap, out, &err) != 0) {
		codec_fail("render: %s", err.message);
		bitmap_free(result.bitmap);
		return CODEC_EXIT_USAGE;
	}
	bitmap_free(result.bitmap);
	return 0;
}
