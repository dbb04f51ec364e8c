/* http_server.h: a tiny HTTP/1.0 server on a loopback port, in a thread, answering canned routes (tests only). */
#ifndef SIRIUS_TEST_HTTP_SERVER_H
#define SIRIUS_TEST_HTTP_SERVER_H

#include <stddef.h>

/* How a route answers. */
enum http_route_mode {
	HTTP_ANSWER = 0, /* status, headers and body as given */
	HTTP_ENDLESS,    /* status 200 and a body that never ends (until the client hangs up) */
	HTTP_SILENT,     /* reads the request and never answers (until the client hangs up) */
};

/* One canned answer, for requests whose path (without the query) is path. */
struct http_route {
	const char *path;    /* "/edition/" */
	enum http_route_mode mode; /* how it answers */
	int status;          /* 200, 204, 302, 500 ... */
	const char *headers; /* extra header lines, each ending in \r\n; NULL none */
	const char *body;    /* the body; NULL empty */
	size_t body_len;     /* 0: strlen(body) */
};

#define HTTP_SERVER_ROUTES 16   /* routes per server, at most */
#define HTTP_SERVER_REQUEST_MAX 65536 /* bytes of a request kept */

struct http_server;

/* Starts a server on address (such as "127.0.0.1") and an ephemeral port; fails the test when it cannot. */
struct http_server *http_server_start(const char *address);

/* Adds (or replaces, by path) a route; call before the requests it answers. */
void http_server_route(struct http_server *server, const struct http_route *route);

/* The port it listens on. */
int http_server_port(const struct http_server *server);

/* Connections accepted so far. */
int http_server_connections(struct http_server *server);

/* A copy of the last request received (request line, headers, body), "" before any; g_free it. */
char *http_server_last_request(struct http_server *server);

/* Stops the thread and frees the server. */
void http_server_stop(struct http_server *server);

#endif
