/* publication.h: the client of BERG's publication API: meta.json, /edition/, /sample/ and /validate_config/. */
#ifndef SIRIUS_PUBLICATION_H
#define SIRIUS_PUBLICATION_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "fetch.h"

/*
 * A publication is a base URL (ending in '/') under which a publisher serves:
 *   meta.json          {"name", "description", "delivered_on",
 *                       "send_timezone_info", "send_delivery_count",
 *                       "config": {"fields": [{"type", "name", "label",
 *                       "options"}...]}, "icon"...}
 *   edition/           today's edition (HTML, or an image), given
 *                      local_delivery_time, delivery_count and the
 *                      subscription's config values as query parameters;
 *                      204, 304 or an empty body when there is nothing
 *                      today; an ETag so the same edition is not delivered twice
 *   sample/            what an edition looks like
 *   validate_config/   POST config=<JSON object>: {"valid": bool, "errors": [...]}
 * Surviving publications differ: some serve edition and sample without the
 * trailing slash (tried when the slashed path is 404), booleans may be
 * strings, fields may lack labels, options may be strings or [label, value]
 * pairs, validate_config may be missing (then every config is valid).
 */

#define PUBLICATION_NAME_MAX 128        /* bytes of a name kept */
#define PUBLICATION_TEXT_MAX 1024       /* bytes of a description kept */
#define PUBLICATION_FIELDS_MAX 16       /* config fields, at most */
#define PUBLICATION_FIELD_NAME_MAX 64   /* bytes of a field's name */
#define PUBLICATION_OPTIONS_MAX 32      /* options of a select field, at most */
#define PUBLICATION_VALUE_MAX 256       /* bytes of a config value or option */
#define PUBLICATION_META_MAX (256 * 1024)    /* largest meta.json read */
#define PUBLICATION_EDITION_MAX (4 * 1024 * 1024) /* largest edition read */
#define PUBLICATION_ICON_MAX (256 * 1024)    /* largest icon read */
#define PUBLICATION_ERRORS_MAX 8        /* validation errors kept */

/* One option of a select field. */
struct publication_option {
	char label[PUBLICATION_VALUE_MAX]; /* shown */
	char value[PUBLICATION_VALUE_MAX]; /* sent */
};

/* One per-subscription setting the publication asks for. */
struct publication_field {
	char name[PUBLICATION_FIELD_NAME_MAX];       /* [A-Za-z0-9_-], the query parameter */
	char label[PUBLICATION_VALUE_MAX];           /* shown; the name when the publication gives none */
	char type[16];                               /* "text" or "select" (others are read as text) */
	struct publication_option options[PUBLICATION_OPTIONS_MAX]; /* of a select */
	int option_count;                            /* how many */
};

/* What meta.json says. */
struct publication_meta {
	char name[PUBLICATION_NAME_MAX];              /* required */
	char description[PUBLICATION_TEXT_MAX];       /* "" when none */
	char delivered_on[PUBLICATION_NAME_MAX];      /* "every day", "on demand", "" */
	int send_timezone_info;                       /* local_delivery_time carries the offset */
	int send_delivery_count;                      /* delivery_count is sent */
	struct publication_field fields[PUBLICATION_FIELDS_MAX]; /* config.fields */
	int field_count;                              /* how many */
	char icon_url[FETCH_URL_MAX];                 /* absolute; base + "icon.png" when not given */
};

/*
 * The base URL of a publication from what an owner typed: an http(s) URL
 * of the publication or of its meta.json; query and fragment dropped, a
 * trailing '/' added. Returns a g_malloc'd string, or NULL with a sentence
 * in err.
 */
char *publication_base_url(const char *url, struct sirius_error *err);

/*
 * Parses meta.json (len bytes) of the publication at base. Returns 0, or
 * -1 with a sentence in err (not JSON, not an object, no name).
 */
int publication_meta_parse(const char *json, size_t len, const char *base, struct publication_meta *out,
			   struct sirius_error *err);

/* Fetches and parses base + "meta.json". Returns 0, or -1 with a sentence in err. */
int publication_meta_fetch(const char *base, struct publication_meta *out, struct sirius_error *err);

/*
 * Fetches the icon (a PNG, GIF or JPEG of at most PUBLICATION_ICON_MAX
 * bytes) as a data: URI (g_malloc'd); NULL when there is none that works.
 */
char *publication_icon_data_uri(const struct publication_meta *meta);

/* What an edition request came to. */
enum edition_status {
	EDITION_READY = 0, /* body holds an edition to deliver */
	EDITION_NOTHING,   /* nothing today: 204, 304, an empty body, or the ETag already delivered */
	EDITION_FAILED,    /* the fetch failed or the publication answered an error: see the message */
};

/* An edition request. */
struct edition_request {
	const char *base;             /* the publication's base URL */
	const char *local_delivery_time; /* "2024-05-01T08:00:00+01:00" (the offset sent only with timezone info) */
	int64_t delivery_count;       /* editions delivered so far */
	int send_timezone_info;       /* from meta */
	int send_delivery_count;      /* from meta */
	const cJSON *config;          /* the subscription's config values (an object of strings); NULL none */
	const char *last_etag;        /* the ETag last delivered; NULL or "" none */
	int sample;                   /* nonzero: fetch sample/ instead (no parameters) */
	long timeout_ms;              /* 0: FETCH_DEFAULT_TIMEOUT_MS */
};

/* An edition. */
struct edition {
	enum edition_status status;        /* what came of it */
	char *body;                        /* the edition (g_malloc'd), NULL unless EDITION_READY */
	size_t len;                        /* its length */
	char content_type[128];            /* as the publication said, "text/html" when it said nothing */
	char etag[256];                    /* its ETag, "" when none */
	enum fetch_status fetch_status;    /* the fetch's status (FETCH_OK when it answered) */
	long http_status;                  /* the publication's status, 0 when none */
	char message[SIRIUS_ERROR_MAX];    /* why it failed, or why there is nothing, in words */
};

/* Fetches an edition (or the sample). Always fills out; free it with edition_clear. */
enum edition_status publication_edition(const struct edition_request *req, struct edition *out);

/* Frees out's body. */
void edition_clear(struct edition *out);

/*
 * Asks base + "validate_config/" about config (an object). Returns 1 valid,
 * 0 invalid with the publication's errors (at most PUBLICATION_ERRORS_MAX,
 * each a string; *errors g_malloc'd, free with g_strfreev), -1 when it could
 * not be asked (a sentence in err). A publication without the endpoint (404,
 * 405) accepts everything.
 */
int publication_validate(const char *base, const cJSON *config, char ***errors, struct sirius_error *err);

#endif
