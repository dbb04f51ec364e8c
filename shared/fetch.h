/* fetch.h: fetching remote content (publications, feeds, images) over http(s) with libcurl, within bounds. */
#ifndef SIRIUS_FETCH_H
#define SIRIUS_FETCH_H

#include <stddef.h>
#include <sys/socket.h>

#include "error.h"

/*
 * How to use it: fill a struct fetch_request (fetch_request_init gives the
 * defaults), call fetch(), read the struct fetch_result, fetch_result_clear.
 * Every request:
 *   - is http:// or https:// only, at every redirect hop too;
 *   - connects only to public addresses: loopback, link-local, private
 *     (RFC 1918, ULA), shared (CGNAT), unspecified, multicast, documentation
 *     and other reserved ranges are refused unless SIRIUS_FETCH_PRIVATE
 *     allows them, or the URL is one of the server's own publications
 *     (SIRIUS_BASE_URL + "publications/", wherever the server is). The check is made on the address a socket is about to
 *     connect to (after DNS), so a name that resolves differently the second
 *     time cannot slip through; proxies from the environment are ignored;
 *   - follows at most max_redirects redirects, itself, checking each hop;
 *   - ends after timeout_ms in all (all hops together), and as soon as the
 *     body grows past max_bytes;
 *   - says who it is: User-Agent "sirius-c/VERSION (+base URL)".
 */

/* Defaults of fetch_request_init. */
#define FETCH_DEFAULT_TIMEOUT_MS 15000        /* whole request, redirects included */
#define FETCH_DEFAULT_MAX_BYTES (1024 * 1024) /* largest body kept */
#define FETCH_DEFAULT_MAX_REDIRECTS 5         /* hops after the first request */
#define FETCH_URL_MAX 2048                    /* longest URL fetched or redirected to */

/* What came of a fetch. */
enum fetch_status {
	FETCH_OK = 0,            /* an HTTP answer arrived (of any status: look at result->http_status) */
	FETCH_BAD_URL,           /* not an http(s) URL, or a redirect to one that is not */
	FETCH_BLOCKED,           /* the host is a private, loopback or reserved address */
	FETCH_TIMEOUT,           /* no whole answer within timeout_ms */
	FETCH_TOO_LARGE,         /* the body is larger than max_bytes */
	FETCH_TOO_MANY_REDIRECTS, /* more than max_redirects redirects */
	FETCH_NETWORK,           /* DNS, connection, TLS or protocol failure */
};

/* One request. Strings are borrowed for the duration of fetch(). */
struct fetch_request {
	const char *url;           /* http:// or https:// */
	const char *method;        /* "GET" (NULL too) or "POST" */
	const char *content_type;  /* of body, for POST; NULL none */
	const void *body;          /* POST body; NULL empty */
	size_t body_len;           /* its length in bytes */
	const char *accept;        /* Accept header; NULL none */
	const char *if_none_match; /* an ETag for If-None-Match; NULL none */
	long timeout_ms;           /* total time allowed */
	size_t max_bytes;          /* largest body accepted */
	int max_redirects;         /* redirects followed, at most */
	const char *allow_private; /* NULL: $SIRIUS_FETCH_PRIVATE; else the same syntax (fetch_private_allowed) */
};

/* The answer. */
struct fetch_result {
	enum fetch_status status;      /* FETCH_OK when the fields below describe an answer */
	long http_status;              /* 200, 204, 304, 404, 500 ... (0 without an answer) */
	char *body;                    /* the body, NUL-terminated (never NULL after fetch); g_malloc'd */
	size_t len;                    /* its length, without the NUL */
	char content_type[128];        /* the Content-Type header, "" when none */
	char etag[256];                /* the ETag header, "" when none or longer */
	char final_url[FETCH_URL_MAX]; /* the URL that answered, after redirects */
	char error[SIRIUS_ERROR_MAX];  /* what went wrong, in words, when status is not FETCH_OK */
};

/*
 * Reads the process's settings (SIRIUS_FETCH_PRIVATE, SIRIUS_BASE_URL for
 * the User-Agent) from the environment and keeps them. fetch() calls it the
 * first time; a FastCGI program calls it before its first request, whose
 * environment replaces the process's.
 */
void fetch_settings_load(void);

/* Fills req with the defaults and url (GET, no body). */
void fetch_request_init(struct fetch_request *req, const char *url);

/*
 * Performs req. Returns the status (also in result->status); result->error
 * says what went wrong in a sentence that names the URL's problem (for the
 * owner of a subscription, the sender of a message). result is always filled
 * and must be cleared with fetch_result_clear.
 */
enum fetch_status fetch(const struct fetch_request *req, struct fetch_result *result);

/* Frees the body of result (which may then be reused); a zeroed result is fine. */
void fetch_result_clear(struct fetch_result *result);

/* A constant name for a status: "ok", "bad-url", "blocked", "timeout", "too-large", "too-many-redirects", "network". */
const char *fetch_status_name(enum fetch_status status);

/*
 * 1 when addr (an AF_INET or AF_INET6 socket address) is a public unicast
 * address that a fetch may connect to; 0 for loopback, unspecified,
 * link-local, private (10/8, 172.16/12, 192.168/16, fc00::/7), shared
 * address space (100.64/10), multicast, broadcast, documentation,
 * benchmarking and reserved ranges, and for IPv6 forms that embed such an
 * IPv4 address (mapped, NAT64, 6to4) or hide one (Teredo).
 */
int fetch_address_public(const struct sockaddr *addr);

/*
 * Whether a non-public addr is allowed by allow, the value of
 * SIRIUS_FETCH_PRIVATE: "1" allows every address; a comma-separated list of
 * addresses and CIDR prefixes ("127.0.0.1,10.0.0.0/8,::1") allows those
 * only; NULL, "" or "0" none. Returns 1 allowed, 0 not, -1 when allow is
 * malformed (with the reason in err).
 */
int fetch_private_allowed(const char *allow, const struct sockaddr *addr, struct sirius_error *err);

/* 1 when url is an absolute http:// or https:// URL with a host, at most FETCH_URL_MAX-1 bytes; else 0. */
int fetch_url_valid(const char *url);

#endif
