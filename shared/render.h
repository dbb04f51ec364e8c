/* render.h: turning a message (plain text, HTML or an image) into the one-bit bitmap a printer prints. */
#ifndef SIRIUS_RENDER_H
#define SIRIUS_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bitmap.h"
#include "error.h"

/* What a message is; taken from its Content-Type, never from an image's own name. */
enum render_kind {
	RENDER_TEXT,  /* plain text: line breaks and spaces kept, long words broken */
	RENDER_HTML,  /* an HTML fragment or document, laid out natively */
	RENDER_IMAGE, /* a PNG, JPEG or GIF, its format found by its magic bytes */
};

/*
 * Maps a Content-Type to a kind: text/html -> RENDER_HTML, image/<any> ->
 * RENDER_IMAGE, any other text/<any> -> RENDER_TEXT. Parameters (";charset=...")
 * and letter case are ignored. Returns 0, or -1 for anything else (NULL, empty,
 * application/..., a type without a slash).
 */
int render_kind_from_mime(const char *content_type, enum render_kind *kind);

/* The deepest HTML nesting ever laid out, whatever max_depth says: the layout recurses. */
#define RENDER_DEPTH_CAP 1000

/* The bounds a message must stay within; every one is checked against hostile input. */
struct render_limits {
	size_t max_body_bytes;   /* largest text or HTML body, in bytes */
	size_t max_image_bytes;  /* largest image body (RENDER_IMAGE), in bytes */
	size_t max_image_pixels; /* decoded pixels of all images of one message together */
	int max_depth;           /* deepest nesting of HTML elements (at most RENDER_DEPTH_CAP) */
	int max_elements;        /* most HTML elements in one message */
	int max_millis;          /* wall-clock budget of one render, in milliseconds */
	int max_rows;            /* tallest print, in rows; longer content is cut */
};

/* The render time budget without SIRIUS_RENDER_SECONDS, and the most that setting may give. */
#define RENDER_DEFAULT_MILLIS 2000
#define RENDER_MAX_SECONDS 3600

/*
 * Fills limits with the defaults: 1 MiB text/HTML body, 10 MiB image body,
 * 50 million decoded image pixels, depth 64, 5000 elements, 2000 ms
 * (SIRIUS_RENDER_SECONDS sets another budget, at most RENDER_MAX_SECONDS:
 * a slow machine may need more) and PRINTER_MAX_ROWS rows.
 */
void render_limits_default(struct render_limits *limits);

/* How a message is presented. A zeroed struct is valid (no template, native HTML). */
struct render_options {
	const char *sender;            /* who sent it, for the header; NULL or "" leaves it out */
	time_t when;                   /* when it was sent, for the header; 0 means now */
	const char *timezone;          /* IANA zone of the header's time ("Europe/London"); NULL local */
	int use_template;              /* nonzero: header line above, white margins as the original */
	const char *external_renderer; /* command run for HTML first (SIRIUS_HTML_RENDERER); NULL none */
	int fetch_images;              /* nonzero: HTML images at http(s) URLs are fetched (render_images.h) */
};

/* Why a render failed; each limit has its own status. */
enum render_status {
	RENDER_OK = 0,            /* result->bitmap is set */
	RENDER_BODY_TOO_LARGE,    /* the body is larger than max_body_bytes / max_image_bytes */
	RENDER_IMAGE_TOO_LARGE,   /* decoded images would exceed max_image_pixels */
	RENDER_TOO_DEEP,          /* HTML nested deeper than max_depth */
	RENDER_TOO_MANY_ELEMENTS, /* HTML with more than max_elements elements */
	RENDER_TIMEOUT,           /* rendering took longer than max_millis */
	RENDER_BAD_IMAGE,         /* an image body that is not a supported, intact image */
	RENDER_BAD_INPUT,         /* arguments out of range or an unusable body */
	RENDER_NO_MEMORY,         /* memory or a drawing surface could not be had */
};

/* A constant, lower-case name for a status ("ok", "body-too-large", ...); "unknown" otherwise. */
const char *render_status_name(enum render_status status);

/* Warnings one render keeps, and the length of each (a sentence for the sender). */
#define RENDER_WARNINGS_MAX 8
#define RENDER_WARNING_LEN 256

/* What render_message produces. */
struct render_result {
	struct bitmap *bitmap; /* PRINTER_WIDTH wide, 1..max_rows rows; the caller frees it */
	int truncated;         /* nonzero when rows were cut at max_rows */
	int warning_count;     /* sentences in warnings (images that could not be loaded) */
	char warnings[RENDER_WARNINGS_MAX][RENDER_WARNING_LEN]; /* each NUL-terminated; nothing to free */
};

/*
 * Renders a message of the given kind into result->bitmap: exactly
 * PRINTER_WIDTH dots wide, at most limits->max_rows rows, with the page
 * template when options->use_template is set. options and limits may be NULL
 * (a zeroed options struct, render_limits_default). Returns RENDER_OK, or
 * another status with err naming the limit or the fault; result->bitmap is
 * then NULL.
 */
enum render_status render_message(enum render_kind kind, const uint8_t *data, size_t len,
				  const struct render_options *options,
				  const struct render_limits *limits, struct render_result *result,
				  struct sirius_error *err);

/*
 * Releases the fonts and font caches rendering keeps for the life of the
 * process; a program that rendered calls it once before it exits, when
 * nothing renders any more. Exiting without it is correct too, but leaves
 * thousands of fontconfig's blocks allocated: the sanitizer build's leak
 * check then looks each one up (a third of a second at every exit).
 */
void render_release_fonts(void);

#endif
