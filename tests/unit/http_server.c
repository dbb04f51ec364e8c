/* http_server.c: the loopback HTTP server of the unit tests: one thread, one connection at a time. */
#define _GNU_SOURCE
#include "http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <glib.h>

struct http_server {
	int fd;                                      /* the listening socket */
	int port;                                    /* its port */
	int stop_pipe[2];                            /* written to stop the thread */
	pthread_t thread;                            /* the serving thread */
	pthread_mutex_t lock;                        /* guards everything below */
	struct http_route routes[HTTP_SERVER_ROUTES]; /* the canned answers */
	size_t n_routes;                             /* how many */
	int connections;                             /* accepted so far */
	GString *last;                               /* the last request */
};

/* 1 when the stop pipe is readable or the peer hung up / sent more within ms milliseconds. */
static int wait_stop(struct http_server *s, int client, int ms)
{
	struct pollfd p[2] = { { s->stop_pipe[0], POLLIN, 0 }, { client, POLLIN, 0 } };

	if (poll(p, 2, ms) <= 0)
		return 0;
	if (p[0].revents)
		return 1;
	if (p[1].revents) {
		char buf[256];

		return recv(client, buf, sizeof(buf), MSG_DONTWAIT) <= 0;
	}
	return 0;
}

/* Writes all of data; 0, or -1 when the peer is gone. */
static int send_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads one request (headers and a Content-Length body) into req; 0, or -1. */
static int read_request(struct http_server *s, int client, GString *req)
{
	char buf[4096];
	char *end;
	size_t want = 0;

	for (;;) {
		struct pollfd p[2] = { { s->stop_pipe[0], POLLIN, 0 }, { client, POLLIN, 0 } };
		ssize_t n;

		if (poll(p, 2, 30000) <= 0 || p[0].revents)
			return -1;
		n = recv(client, buf, sizeof(buf), 0);
		if (n <= 0)
			return -1;
		g_string_append_len(req, buf, n);
		if (req->len > HTTP_SERVER_REQUEST_MAX)
			return -1;
		end = strstr(req->str, "\r\n\r\n");
		if (end) {
			char *cl = strcasestr(req->str, "\r\ncontent-length:");

			if (cl && cl < end)
				want = (size_t)strtoul(cl + 17, NULL, 10);
			if (req->len >= (size_t)(end + 4 - req->str) + want)
				return 0;
		}
	}
}

/* Answers one connection. */
static void serve(struct http_server *s, int client)
{
	GString *req = g_string_new(NULL);
	struct http_route route;
	char path[1024] = "", head[2048];
	size_t i, len;
	int found = 0;

	if (read_request(s, client, req) < 0)
		goto done;
	sscanf(req->str, "%*s %1023s", path);
	path[strcspn(path, "?")] = '\0';
	pthread_mutex_lock(&s->lock);
	g_string_assign(s->last, req->str);
	for (i = 0; i < s->n_routes; i++)
		if (strcmp(s->routes[i].path, path) == 0) {
			route = s->routes[i];
			found = 1;
		}
	pthread_mutex_unlock(&s->lock);
	if (!found) {
		memset(&route, 0, sizeof(route));
		route.status = 404;
		route.body = "no such route";
	}
	if (route.mode == HTTP_SILENT) {
		while (!wait_stop(s, client, 1000))
			;
		goto done;
	}
	if (route.mode == HTTP_ENDLESS) {
		static char chunk[16384];

		memset(chunk, 'x', sizeof(chunk));
		snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n");
		if (send_all(client, head, strlen(head)) < 0)
			goto done;
		while (!wait_stop(s, client, 0) && send_all(client, chunk, sizeof(chunk)) == 0)
			;
		goto done;
	}
	len = route.body ? (route.body_len ? route.body_len : strlen(route.body)) : 0;
	snprintf(head, sizeof(head), "HTTP/1.0 %d Canned\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
		 route.status, len, route.headers ? route.headers : "");
	if (send_all(client, head, strlen(head)) == 0 && len)
		send_all(client, route.body, len);
done:
	g_string_free(req, TRUE);
	close(client);
}

/* The thread: accepts and serves until stopped. */
static void *run(void *data)
{
	struct http_server *s = data;

	for (;;) {
		struct pollfd p[2] = { { s->stop_pipe[0], POLLIN, 0 }, { s->fd, POLLIN, 0 } };
		int client;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (!p[1].revents)
			continue;
		client = accept(s->fd, NULL, NULL);
		if (client < 0)
			continue;
		pthread_mutex_lock(&s->lock);
		s->connections++;
		pthread_mutex_unlock(&s->lock);
		serve(s, client);
	}
	return NULL;
}

struct http_server *http_server_start(const char *address)
{
	struct http_server *s = g_new0(struct http_server, 1);
	struct sockaddr_in in;
	socklen_t alen = sizeof(in);

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, address, &in.sin_addr), 1);
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s->fd, 0);
	ck_assert_int_eq(bind(s->fd, (struct sockaddr *)&in, sizeof(in)), 0);
	ck_assert_int_eq(listen(s->fd, 16), 0);
	ck_assert_int_eq(getsockname(s->fd, (struct sockaddr *)&in, &alen), 0);
	s->port = ntohs(in.sin_port);
	ck_assert_int_eq(pipe(s->stop_pipe), 0);
	pthread_mutex_init(&s->lock, NULL);
	s->last = g_string_new(NULL);
	ck_assert_int_eq(pthread_create(&s->thread, NULL, run, s), 0);
	return s;
}

void http_server_route(struct http_server *s, const struct http_route *route)
{
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->n_routes; i++)
		if (strcmp(s->routes[i].path, route->path) == 0)
			break;
	ck_assert_uint_lt(i, HTTP_SERVER_ROUTES);
	s->routes[i] = *route;
	if (i == s->n_routes)
		s->n_routes++;
	pthread_mutex_unlock(&s->lock);
}

int http_server_port(const struct http_server *s)
{
	return s->port;
}

int http_server_connections(struct http_server *s)
{
	int n;

	pthread_mutex_lock(&s->lock);
	n = s->connections;
	pthread_mutex_unlock(&s->lock);
	return n;
}

char *http_server_last_request(struct http_server *s)
{
	char *copy;

	pthread_mutex_lock(&s->lock);
	copy = g_strdup(s->last->str);
	pthread_mutex_unlock(&s->lock);
	return copy;
}

void http_server_stop(struct http_server *s)
{
	ck_assert_int_eq(write(s->stop_pipe[1], "x", 1), 1);
	pthread_join(s->thread, NULL);
	close(s->fd);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	pthread_mutex_destroy(&s->lock);
	g_string_free(s->last, TRUE);
	g_free(s);
}
