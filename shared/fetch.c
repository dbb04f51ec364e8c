/* fetch.c: http(s) requests with libcurl, refusing private addresses at connect time and bounding time and size. */
#include "config.h"

#include "fetch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <glib.h>

#include "sirius_config.h"

/* The longest SIRIUS_FETCH_PRIVATE value read. */
#define ALLOW_MAX 1024

/* The process's settings, read once by fetch_settings_load. */
static struct {
	int loaded;               /* fetch_settings_load ran */
	char allow[ALLOW_MAX + 1]; /* SIRIUS_FETCH_PRIVATE ("" when longer than ALLOW_MAX: nothing allowed) */
	char agent[640];          /* the User-Agent */
	char own[600];            /* SIRIUS_BASE_URL + "publications/": the server's own publications */
} settings;

/* What the callbacks of one hop share with fetch(). */
struct transfer {
	GString *body;          /* the body so far */
	size_t max_bytes;       /* the limit */
	int too_large;          /* the body went past the limit */
	const char *allow;      /* SIRIUS_FETCH_PRIVATE's syntax */
	int blocked;            /* a connection was refused by the address policy */
	char blocked_addr[64];  /* the address refused, for the message */
	int bad_policy;         /* allow is malformed */
	struct sirius_error policy_err; /* why */
	char content_type[128]; /* Content-Type header of the last answer */
	char etag[256];         /* ETag header of the last answer */
};

void fetch_request_init(struct fetch_request *req, const char *url)
{
	memset(req, 0, sizeof(*req));
	req->url = url;
	req->method = "GET";
	req->timeout_ms = FETCH_DEFAULT_TIMEOUT_MS;
	req->max_bytes = FETCH_DEFAULT_MAX_BYTES;
	req->max_redirects = FETCH_DEFAULT_MAX_REDIRECTS;
}

void fetch_result_clear(struct fetch_result *result)
{
	g_free(result->body);
	result->body = NULL;
	result->len = 0;
}

const char *fetch_status_name(enum fetch_status status)
{
	switch (status) {
	case FETCH_OK:
		return "ok";
	case FETCH_BAD_URL:
		return "bad-url";
	case FETCH_BLOCKED:
		return "blocked";
	case FETCH_TIMEOUT:
		return "timeout";
	case FETCH_TOO_LARGE:
		return "too-large";
	case FETCH_TOO_MANY_REDIRECTS:
		return "too-many-redirects";
	case FETCH_NETWORK:
		return "network";
	}
	return "unknown";
}

/* 1 when the IPv4 address (host order) is public unicast. */
static int ipv4_public(uint32_t a)
{
	static const struct {
		uint32_t net;
		int bits;
	} reserved[] = {
		{ 0x00000000, 8 },  /* "this network", 0.0.0.0 */
		{ 0x0a000000, 8 },  /* private */
		{ 0x64400000, 10 }, /* shared address space (CGNAT) */
		{ 0x7f000000, 8 },  /* loopback */
		{ 0xa9fe0000, 16 }, /* link-local */
		{ 0xac100000, 12 }, /* private */
		{ 0xc0000000, 24 }, /* IETF protocol assignments */
		{ 0xc0000200, 24 }, /* documentation */
		{ 0xc0586300, 24 }, /* 6to4 relay anycast */
		{ 0xc0a80000, 16 }, /* private */
		{ 0xc6120000, 15 }, /* benchmarking */
		{ 0xc6336400, 24 }, /* documentation */
		{ 0xcb007100, 24 }, /* documentation */
		{ 0xe0000000, 4 },  /* multicast */
		{ 0xf0000000, 4 },  /* reserved, broadcast */
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(reserved); i++) {
		uint32_t mask = 0xffffffffu << (32 - reserved[i].bits);

		if ((a & mask) == reserved[i].net)
			return 0;
	}
	return 1;
}

/* The IPv4 address at b (4 bytes, network order), in host order. */
static uint32_t ipv4_at(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* 1 when the IPv6 address (16 bytes) is public unicast. */
static int ipv6_public(const uint8_t *b)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t zeros[12] = { 0 };

	if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
		return ipv4_public(ipv4_at(b + 12));
	if (memcmp(b, zeros, 12) == 0) /* ::, ::1 and the old IPv4-compatible form */
		return 0;
	if (b[0] == 0x20 && b[1] == 0x02) /* 6to4 carries an IPv4 address */
		return ipv4_public(ipv4_at(b + 2));
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) /* Teredo: a tunnel to anywhere */
		return 0;
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) /* documentation */
		return 0;
	if (b[0] == 0x01 && b[1] == 0 && b[2] == 0 && b[3] == 0 && b[4] == 0 && b[5] == 0 && b[6] == 0 &&
	    b[7] == 0) /* 100::/64, discard */
		return 0;
	if ((b[0] & 0xfe) == 0xfc) /* unique local */
		return 0;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) /* link-local */
		return 0;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) /* site-local */
		return 0;
	if (b[0] == 0xff) /* multicast */
		return 0;
	return (b[0] & 0xe0) == 0x20; /* only 2000::/3 is global unicast */
}

int fetch_address_public(const struct sockaddr *addr)
{
	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)addr;

		return ipv4_public(ntohl(in->sin_addr.s_addr));
	}
	if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)addr;

		return ipv6_public(in6->sin6_addr.s6_addr);
	}
	return 0;
}

/* The address bytes of addr (4 or 16) into out; their count, 0 for another family. */
static int address_bytes(const struct sockaddr *addr, uint8_t out[16])
{
	if (addr->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)(const void *)addr)->sin_addr, 4);
		return 4;
	}
	if (addr->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)(const void *)addr)->sin6_addr, 16);
		return 16;
	}
	return 0;
}

/* 1 when the first bits bits of a and b are equal. */
static int prefix_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

int fetch_private_allowed(const char *allow, const struct sockaddr *addr, struct sirius_error *err)
{
	uint8_t have[16];
	int have_len = address_bytes(addr, have), allowed = 0;
	char **items;
	size_t i;

	if (!allow || !allow[0] || strcmp(allow, "0") == 0)
		return 0;
	if (strcmp(allow, "1") == 0)
		return 1;
	if (strlen(allow) > ALLOW_MAX)
		return error_set(err, "SIRIUS_FETCH_PRIVATE is longer than %d bytes", ALLOW_MAX);
	items = g_strsplit(allow, ",", 0);
	for (i = 0; items[i]; i++) {
		char *item = g_strstrip(items[i]), *slash = strchr(item, '/'), *end;
		uint8_t want[16];
		int want_len, bits;

		if (slash)
			*slash = '\0';
		if (inet_pton(AF_INET, item, want) == 1) {
			want_len = 4;
		} else if (inet_pton(AF_INET6, item, want) == 1) {
			want_len = 16;
		} else {
			error_set(err, "SIRIUS_FETCH_PRIVATE: \"%s\" is not an IP address", item);
			g_strfreev(items);
			return -1;
		}
		bits = want_len * 8;
		if (slash) {
			long b = strtol(slash + 1, &end, 10);

			if (!slash[1] || *end || b < 0 || b > want_len * 8) {
				error_set(err, "SIRIUS_FETCH_PRIVATE: \"%s\" has a bad prefix length", item);
				g_strfreev(items);
				return -1;
			}
			bits = (int)b;
		}
		if (want_len == have_len && prefix_equal(want, have, bits))
			allowed = 1;
	}
	g_strfreev(items);
	return allowed;
}

int fetch_url_valid(const char *url)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL;
	int ok;

	if (!url || strlen(url) >= FETCH_URL_MAX)
		return 0;
	if (g_ascii_strncasecmp(url, "http://", 7) != 0 && g_ascii_strncasecmp(url, "https://", 8) != 0)
		return 0;
	u = curl_url();
	if (!u)
		return 0;
	ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	     curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	     curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host[0] &&
	     (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/* CURLOPT_OPENSOCKETFUNCTION: opens the socket only for an address the policy allows. */
static curl_socket_t open_socket(void *data, curlsocktype purpose, struct curl_sockaddr *address)
{
	struct transfer *t = data;
	const struct sockaddr *sa = &address->addr;
	int rc;

	(void)purpose;
	if (!fetch_address_public(sa)) {
		rc = fetch_private_allowed(t->allow, sa, &t->policy_err);
		if (rc < 0)
			t->bad_policy = 1;
		if (rc != 1) {
			uint8_t b[16];

			t->blocked = 1;
			if (address_bytes(sa, b) == 4)
				inet_ntop(AF_INET, b, t->blocked_addr, sizeof(t->blocked_addr));
			else if (address_bytes(sa, b) == 16)
				inet_ntop(AF_INET6, b, t->blocked_addr, sizeof(t->blocked_addr));
			return CURL_SOCKET_BAD;
		}
	}
	return socket(address->family, address->socktype, address->protocol);
}

/* CURLOPT_WRITEFUNCTION: keeps the body, stopping the transfer past the limit. */
static size_t write_body(char *ptr, size_t size, size_t nmemb, void *data)
{
	struct transfer *t = data;
	size_t n = size * nmemb;

	if (t->body->len + n > t->max_bytes) {
		t->too_large = 1;
		return 0;
	}
	g_string_append_len(t->body, ptr, (gssize)n);
	return n;
}

/* Copies header value (len bytes, trimmed) into out when it fits; else leaves out empty. */
static void header_value(const char *value, size_t len, char *out, size_t size)
{
	while (len > 0 && (*value == ' ' || *value == '\t')) {
		value++;
		len--;
	}
	while (len > 0 && (value[len - 1] == '\r' || value[len - 1] == '\n' || value[len - 1] == ' '))
		len--;
	out[0] = '\0';
	if (len < size) {
		memcpy(out, value, len);
		out[len] = '\0';
	}
}

/* CURLOPT_HEADERFUNCTION: picks Content-Type and ETag of the answer. */
static size_t read_header(char *buffer, size_t size, size_t nitems, void *data)
{
	struct transfer *t = data;
	size_t n = size * nitems;

	if (n > 13 && g_ascii_strncasecmp(buffer, "content-type:", 13) == 0)
		header_value(buffer + 13, n - 13, t->content_type, sizeof(t->content_type));
	else if (n > 5 && g_ascii_strncasecmp(buffer, "etag:", 5) == 0)
		header_value(buffer + 5, n - 5, t->etag, sizeof(t->etag));
	return n;
}

void fetch_settings_load(void)
{
	const char *allow = config_value("SIRIUS_FETCH_PRIVATE");
	char base[512];

	if (!allow || g_strlcpy(settings.allow, allow, sizeof(settings.allow)) >= sizeof(settings.allow))
		settings.allow[0] = '\0';
	/* The User-Agent says what the server is and where it answers. */
	settings.own[0] = '\0';
	if (config_resolved("SIRIUS_BASE_URL", base, sizeof(base), NULL) == 0 && base[0]) {
		snprintf(settings.agent, sizeof(settings.agent), "sirius-c/%s (+%s)", PACKAGE_VERSION, base);
		snprintf(settings.own, sizeof(settings.own), "%s%spublications/", base,
			 base[strlen(base) - 1] == '/' ? "" : "/");
	} else {
		snprintf(settings.agent, sizeof(settings.agent), "sirius-c/%s", PACKAGE_VERSION);
	}
	settings.loaded = 1;
}

/* Fills result with status and a formatted reason; returns status. */
static enum fetch_status fail(struct fetch_result *result, enum fetch_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum fetch_status fail(struct fetch_result *result, enum fetch_status status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(result->error, sizeof(result->error), fmt, ap);
	va_end(ap);
	result->status = status;
	return status;
}

/*
 * One hop: performs method on url with at most remaining_ms. Returns
 * FETCH_OK with the answer in t and *code, *location (a redirect target,
 * g_malloc'd, or NULL), or another status with result->error set.
 */
static enum fetch_status one_hop(const struct fetch_request *req, const char *url, const char *method,
				 int send_body, long remaining_ms, struct transfer *t, long *code, char **location,
				 struct fetch_result *result)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *headers = NULL;
	char line[400];
	CURLcode rc;
	char *redirect = NULL;

	*location = NULL;
	*code = 0;
	if (!curl)
		return fail(result, FETCH_NETWORK, "out of memory starting a request");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_PROXY, "");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, remaining_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, remaining_ms);
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_bytes);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, settings.agent);
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, t);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, read_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, t);
	if (req->accept) {
		snprintf(line, sizeof(line), "Accept: %s", req->accept);
		headers = curl_slist_append(headers, line);
	}
	if (req->if_none_match && req->if_none_match[0] && strlen(req->if_none_match) < 300) {
		snprintf(line, sizeof(line), "If-None-Match: %s", req->if_none_match);
		headers = curl_slist_append(headers, line);
	}
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(curl, CURLOPT_POST, 1L);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(send_body ? req->body_len : 0));
		curl_easy_setopt(curl, CURLOPT_COPYPOSTFIELDS, send_body && req->body ? (const char *)req->body : "");
		if (send_body && req->content_type) {
			snprintf(line, sizeof(line), "Content-Type: %s", req->content_type);
			headers = curl_slist_append(headers, line);
		}
		headers = curl_slist_append(headers, "Expect:");
	}
	if (headers)
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	t->content_type[0] = t->etag[0] = '\0';
	g_string_truncate(t->body, 0);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, code);
		if (curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &redirect) == CURLE_OK && redirect)
			*location = g_strdup(redirect);
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	if (rc == CURLE_OK)
		return FETCH_OK;
	if (t->bad_policy)
		return fail(result, FETCH_BLOCKED, "%s", t->policy_err.message);
	if (t->blocked)
		return fail(result, FETCH_BLOCKED, "%s is a private or reserved address (not fetched)",
			    t->blocked_addr);
	if (t->too_large || rc == CURLE_FILESIZE_EXCEEDED)
		return fail(result, FETCH_TOO_LARGE, "the answer is larger than %zu bytes", req->max_bytes);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return fail(result, FETCH_TIMEOUT, "no answer within %ld seconds", (req->timeout_ms + 999) / 1000);
	if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT)
		return fail(result, FETCH_BAD_URL, "not an http or https URL");
	return fail(result, FETCH_NETWORK, "%s", curl_easy_strerror(rc));
}

/*
 * 1 when url is one of the server's own publications (under
 * SIRIUS_BASE_URL/publications/), which may be on a private address: the
 * URL as curl will ask for it (dot segments resolved) must start with that
 * prefix and hold no '%' escape that the web server could decode into
 * another path.
 */
static int own_publication(const char *url)
{
	CURLU *u;
	char *normal = NULL;
	int own = 0;

	if (!settings.own[0] || strchr(url, '%'))
		return 0;
	u = curl_url();
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &normal, 0) == CURLUE_OK)
		own = g_str_has_prefix(normal, settings.own);
	curl_free(normal);
	curl_url_cleanup(u);
	return own;
}

/* Milliseconds of the monotonic clock. */
static long now_ms(void)
{
	return (long)(g_get_monotonic_time() / 1000);
}

enum fetch_status fetch(const struct fetch_request *req, struct fetch_result *result)
{
	struct transfer t;
	const char *method = req->method ? req->method : "GET";
	char *url = g_strdup(req->url ? req->url : ""), *location = NULL;
	long deadline = now_ms() + req->timeout_ms, code;
	int hops, send_body = 1;
	enum fetch_status st;

	memset(result, 0, sizeof(*result));
	memset(&t, 0, sizeof(t));
	t.body = g_string_new(NULL);
	t.max_bytes = req->max_bytes;
	if (!settings.loaded)
		fetch_settings_load();
	for (hops = 0;; hops++) {
		long remaining = deadline - now_ms();

		if (!fetch_url_valid(url)) {
			st = fail(result, FETCH_BAD_URL, hops ? "a redirect to a URL that is not http or https"
							      : "not an http or https URL");
			break;
		}
		if (remaining <= 0) {
			st = fail(result, FETCH_TIMEOUT, "no answer within %ld seconds", (req->timeout_ms + 999) / 1000);
			break;
		}
		t.allow = req->allow_private ? req->allow_private : own_publication(url) ? "1" : settings.allow;
		st = one_hop(req, url, method, send_body, remaining, &t, &code, &location, result);
		if (st != FETCH_OK)
			break;
		if (!(code == 301 || code == 302 || code == 303 || code == 307 || code == 308) || !location) {
			g_free(location);
			location = NULL;
			break;
		}
		if (hops >= req->max_redirects) {
			st = fail(result, FETCH_TOO_MANY_REDIRECTS, "more than %d redirects", req->max_redirects);
			break;
		}
		/* As browsers do: 303, and 301/302 after a POST, go on with a GET. */
		if (code == 303 || ((code == 301 || code == 302) && strcmp(method, "POST") == 0)) {
			method = "GET";
			send_body = 0;
		}
		g_free(url);
		url = location;
		location = NULL;
	}
	g_free(location);
	result->status = st;
	if (st == FETCH_OK) {
		result->http_status = code;
		memcpy(result->content_type, t.content_type, sizeof(result->content_type));
		memcpy(result->etag, t.etag, sizeof(result->etag));
		g_strlcpy(result->final_url, url, sizeof(result->final_url));
		result->len = t.body->len;
		result->body = g_string_free(t.body, FALSE);
	} else {
		g_string_free(t.body, TRUE);
		result->body = g_strdup("");
	}
	g_free(url);
	return st;
}
