/* bench_http.c: HTTP load for the device-key API: C keep-alive clients POSTing one body to many keys, latency and rate. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bench_util.h"

/* Most clients at once. */
#define MAX_CLIENTS 256
/* Largest response accepted. */
#define MAX_RESPONSE (1024 * 1024)

/* One keep-alive client connection. */
struct client {
	int fd;                 /* its socket; -1 when not connected */
	struct bench_buf out;   /* request bytes not written yet */
	struct bench_buf in;    /* response bytes not parsed yet */
	double started;         /* when the current request was sent; 0 when idle */
	int watching_out;       /* EPOLLOUT is in its events */
};

/* The run. */
struct load {
	char host[64];          /* server address (loopback) */
	int port;               /* its port */
	char prefix[128];       /* path before the key */
	char from[32];          /* sender prefix: each request sends ?from=FROM-N; empty: no query */
	char **keys;            /* device keys */
	int nkeys;              /* how many */
	char *body;             /* request body */
	size_t body_len;        /* its length */
	char type[128];         /* its Content-Type */
	int nclients;           /* concurrency */
	long requests;          /* requests to make */
	double max_seconds;     /* longest run */
	int epfd;               /* epoll */
	struct client clients[MAX_CLIENTS]; /* the connections */
	long issued;            /* requests sent */
	long done;              /* responses read */
	long status[6];         /* responses by status class (1xx..5xx), [0] for unreadable */
	long by_code[600];      /* responses by status code */
	double *latency;        /* ms per response */
	char first_error[200];  /* the first non-200 response */
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench_http: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static char *read_file(const char *path, size_t *len)
{
	struct bench_buf b = { 0 };
	char buf[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		die("%s: %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		bench_buf_append(&b, buf, n);
	fclose(f);
	bench_buf_append(&b, "", 1);
	*len = b.len - 1;
	return b.data;
}

static void client_watch(struct load *l, struct client *c, int out)
{
	struct epoll_event ev;

	if (c->watching_out == out)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (out ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(l->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	c->watching_out = out;
}

static void client_connect(struct load *l, struct client *c)
{
	struct sockaddr_in sa;
	struct epoll_event ev;
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die("socket: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)l->port);
	inet_pton(AF_INET, l->host, &sa.sin_addr);
	/* a blocking connect on loopback: the server answers at once or not at all */
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect %s:%d: %s", l->host, l->port, strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	c->watching_out = 0;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
}

static void client_close(struct load *l, struct client *c)
{
	if (c->fd >= 0) {
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->in.len = 0;
	c->out.len = 0;
}

static void client_flush(struct load *l, struct client *c)
{
	while (c->out.len) {
		ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			die("send: %s", strerror(errno));
		}
		bench_buf_consume(&c->out, (size_t)n);
	}
	client_watch(l, c, c->out.len != 0);
}

/* Sends the next request on c, when requests remain. */
static void client_next(struct load *l, struct client *c)
{
	char head[512], query[64] = "";
	const char *key;

	if (l->issued >= l->requests) {
		c->started = 0;
		return;
	}
	if (c->fd < 0)
		client_connect(l, c);
	key = l->keys[l->issued % l->nkeys];
	/* a sender of its own per request: the server answers the same body from the same sender as a repeat */
	if (l->from[0])
		snprintf(query, sizeof(query), "?from=%s-%ld", l->from, l->issued);
	snprintf(head, sizeof(head),
		 "POST %s%s%s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		 "Accept: application/json\r\n\r\n",
		 l->prefix, key, query, l->host, l->port, l->type, l->body_len);
	bench_buf_append(&c->out, head, strlen(head));
	bench_buf_append(&c->out, l->body, l->body_len);
	l->issued++;
	c->started = bench_now();
	client_flush(l, c);
}

/*
 * Length of the complete response at the start of c->in (headers and body),
 * 0 while incomplete; *status is its status code, *close whether the server
 * closes the connection after it.
 */
static size_t response_length(struct client *c, int *status, int *close_after)
{
	char *end = memmem(c->in.data, c->in.len, "\r\n\r\n", 4), *h;
	size_t head, body;

	if (!end)
		return 0;
	head = (size_t)(end - c->in.data) + 4;
	*end = '\0';
	*status = 0;
	sscanf(c->in.data, "HTTP/1.%*d %d", status);
	*close_after = strcasestr(c->in.data, "\r\nConnection: close") != NULL || strncmp(c->in.data, "HTTP/1.0", 8) == 0;
	if ((h = strcasestr(c->in.data, "\r\nContent-Length:"))) {
		body = strtoul(h + 17, NULL, 10);
		*end = '\r';
		return c->in.len >= head + body ? head + body : 0;
	}
	if (strcasestr(c->in.data, "\r\nTransfer-Encoding: chunked")) {
		size_t off = head;

		*end = '\r';
		for (;;) {
			char *crlf = memmem(c->in.data + off, c->in.len - off, "\r\n", 2);
			size_t n;

			if (!crlf)
				return 0;
			n = strtoul(c->in.data + off, NULL, 16);
			off = (size_t)(crlf - c->in.data) + 2;
			if (n == 0)
				return c->in.len >= off + 2 ? off + 2 : 0;
			if (c->in.len < off + n + 2)
				return 0;
			off += n + 2;
		}
	}
	*end = '\r';
	/* neither: the body ends with the connection */
	*close_after = 1;
	return 0;
}

static void record(struct load *l, struct client *c, int status)
{
	l->latency[l->done++] = (bench_now() - c->started) * 1000;
	l->status[status >= 100 && status < 600 ? status / 100 : 0]++;
	if (status > 0 && status < 600)
		l->by_code[status]++;
	if (status != 200 && !l->first_error[0]) {
		char *end = memmem(c->in.data, c->in.len, "\r\n\r\n", 4);

		snprintf(l->first_error, sizeof(l->first_error), "%d %.*s", status,
			 end ? (int)(c->in.len - (size_t)(end + 4 - c->in.data) < 150 ?
				     c->in.len - (size_t)(end + 4 - c->in.data) : 150) : 0,
			 end ? end + 4 : "");
	}
}

static void client_readable(struct load *l, struct client *c)
{
	char buf[65536];
	ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
	int status, close_after;
	size_t len;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* the server closed: a response without a length ends here */
		if (c->started > 0 && c->in.len) {
			status = 0;
			sscanf(c->in.data, "HTTP/1.%*d %d", &status);
			record(l, c, status);
		} else if (c->started > 0) {
			record(l, c, 0);
		}
		client_close(l, c);
		client_next(l, c);
		return;
	}
	bench_buf_append(&c->in, buf, (size_t)n);
	if (c->in.len > MAX_RESPONSE)
		die("response longer than %d bytes", MAX_RESPONSE);
	len = response_length(c, &status, &close_after);
	if (!len)
		return;
	record(l, c, status);
	bench_buf_consume(&c->in, len);
	if (close_after)
		client_close(l, c);
	client_next(l, c);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bench_http --connect HOST:PORT --keys FILE --body FILE [options]\n"
		"  --type TYPE         Content-Type of the body (default text/plain)\n"
		"  --prefix PATH       path before the key (default /printkey/)\n"
		"  --from NAME         send ?from=NAME-N (N the request's number), so that no request\n"
		"                      repeats another (letters, digits and '-' only)\n"
		"  --clients N         concurrent keep-alive connections (default 16)\n"
		"  --requests N        requests in all (default 2000)\n"
		"  --max-seconds S     longest run (default 30)\n"
		"  --json FILE         also write the results as JSON\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "connect", required_argument, NULL, 'c' }, { "keys", required_argument, NULL, 'k' },
		{ "body", required_argument, NULL, 'b' }, { "type", required_argument, NULL, 't' },
		{ "prefix", required_argument, NULL, 'p' }, { "clients", required_argument, NULL, 'n' },
		{ "requests", required_argument, NULL, 'r' }, { "max-seconds", required_argument, NULL, 'm' },
		{ "json", required_argument, NULL, 'j' }, { "from", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	static struct load load;
	struct load *l = &load;
	const char *keys_path = NULL, *body_path = NULL, *json_path = NULL;
	struct epoll_event evs[MAX_CLIENTS];
	double t0, elapsed, deadline, p50, p99, max, mean = 0;
	char *keys_text, *save = NULL, *tok;
	size_t keys_len;
	long i;
	int opt;

	snprintf(l->host, sizeof(l->host), "127.0.0.1");
	snprintf(l->prefix, sizeof(l->prefix), "/printkey/");
	snprintf(l->type, sizeof(l->type), "text/plain");
	l->nclients = 16;
	l->requests = 2000;
	l->max_seconds = 30;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'c': {
			const char *colon = strrchr(optarg, ':');

			if (!colon || (size_t)(colon - optarg) >= sizeof(l->host))
				die("--connect wants HOST:PORT");
			snprintf(l->host, sizeof(l->host), "%.*s", (int)(colon - optarg), optarg);
			l->port = atoi(colon + 1);
			break;
		}
		case 'k': keys_path = optarg; break;
		case 'b': body_path = optarg; break;
		case 't': snprintf(l->type, sizeof(l->type), "%s", optarg); break;
		case 'p': snprintf(l->prefix, sizeof(l->prefix), "%s", optarg); break;
		case 'n': l->nclients = atoi(optarg); break;
		case 'r': l->requests = atol(optarg); break;
		case 'm': l->max_seconds = strtod(optarg, NULL); break;
		case 'j': json_path = optarg; break;
		case 'f':
			if (strlen(optarg) >= sizeof(l->from) || strspn(optarg, "abcdefghijklmnopqrstuvwxyz"
							 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(optarg))
				die("--from wants up to %zu letters, digits or '-'", sizeof(l->from) - 1);
			snprintf(l->from, sizeof(l->from), "%s", optarg);
			break;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !keys_path || !body_path || l->port <= 0 || l->nclients < 1 ||
	    l->nclients > MAX_CLIENTS || l->requests < 1 || l->requests > 10000000 || l->max_seconds <= 0) {
		usage(stderr);
		return 2;
	}
	if (strncmp(l->host, "127.", 4) != 0)
		die("only loopback addresses (127.x.x.x) are measured");
	signal(SIGPIPE, SIG_IGN);
	l->body = read_file(body_path, &l->body_len);
	keys_text = read_file(keys_path, &keys_len);
	l->keys = calloc(keys_len / 2 + 1, sizeof(char *));
	for (tok = strtok_r(keys_text, " \r\n", &save); tok; tok = strtok_r(NULL, " \r\n", &save))
		l->keys[l->nkeys++] = tok;
	if (l->nkeys == 0)
		die("%s holds no keys", keys_path);
	l->latency = calloc((size_t)l->requests, sizeof(double));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!l->latency || l->epfd < 0)
		die("setup: %s", strerror(errno));

	t0 = bench_now();
	deadline = t0 + l->max_seconds;
	for (i = 0; i < l->nclients; i++) {
		l->clients[i].fd = -1;
		client_next(l, &l->clients[i]);
	}
	while (l->done < l->issued && bench_now() < deadline) {
		int n = epoll_wait(l->epfd, evs, MAX_CLIENTS, 100), k;

		for (k = 0; k < n; k++) {
			struct client *c = evs[k].data.ptr;

			if (c->fd < 0)
				continue;
			if (evs[k].events & EPOLLOUT)
				client_flush(l, c);
			if (c->fd >= 0 && (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				client_readable(l, c);
		}
	}
	elapsed = bench_now() - t0;
	for (i = 0; i < l->done; i++)
		mean += l->latency[i];
	mean = l->done ? mean / (double)l->done : 0;
	p50 = bench_quantile(l->latency, (size_t)l->done, 0.50);
	p99 = bench_quantile(l->latency, (size_t)l->done, 0.99);
	max = bench_quantile(l->latency, (size_t)l->done, 1.0);
	printf("%ld requests, %d clients, %.2f s: %.0f requests/s; 2xx %ld, 4xx %ld, 5xx %ld, unreadable %ld; "
	       "latency p50 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms\n",
	       l->done, l->nclients, elapsed, (double)l->done / elapsed, l->status[2], l->status[4], l->status[5],
	       l->status[0], p50, p99, max, mean);
	if (l->first_error[0])
		printf("first response other than 200: %s\n", l->first_error);
	if (json_path) {
		cJSON *j = cJSON_CreateObject();
		char *text;
		FILE *f;

		cJSON_AddNumberToObject(j, "requests", (double)l->done);
		cJSON_AddNumberToObject(j, "clients", l->nclients);
		cJSON_AddNumberToObject(j, "seconds", elapsed);
		cJSON_AddNumberToObject(j, "rate", (double)l->done / elapsed);
		cJSON_AddNumberToObject(j, "ok", (double)l->by_code[200]);
		cJSON_AddNumberToObject(j, "not_ok", (double)(l->done - l->by_code[200]));
		/* 202: stored, not sent at once (the printer busy with an earlier print, or the relay slow to answer) */
		cJSON_AddNumberToObject(j, "queued", (double)l->by_code[202]);
		cJSON_AddNumberToObject(j, "p50_ms", p50);
		cJSON_AddNumberToObject(j, "p99_ms", p99);
		cJSON_AddNumberToObject(j, "max_ms", max);
		cJSON_AddStringToObject(j, "first_error", l->first_error);
		text = cJSON_Print(j);
		f = fopen(json_path, "w");
		if (!f || fprintf(f, "%s\n", text) < 0 || fclose(f) != 0)
			die("cannot write %s", json_path);
		free(text);
		cJSON_Delete(j);
	}
	for (i = 0; i < l->nclients; i++)
		client_close(l, &l->clients[i]);
	return l->done == l->issued ? 0 : 1;
}
