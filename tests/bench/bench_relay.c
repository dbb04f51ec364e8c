/* bench_relay.c: load generator for sirius-relay: N websocket bridges with heartbeats, print latency, relay memory and CPU. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bench_util.h"

/* Connections allowed to be between connect() and the 101 answer at once (the listen backlog is finite). */
#define MAX_PENDING_CONNECTS 256
/* Largest rates list. */
#define MAX_RATES 8
/* The websocket handshake's GUID (RFC 6455 section 1.3). */
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/* Largest message a bridge accepts from the relay. */
#define MAX_MESSAGE (4 * 1024 * 1024)

enum bridge_state { B_IDLE, B_CONNECTING, B_HANDSHAKE, B_OPEN, B_CLOSED };

/* One emulated bridge with one printer. */
struct bridge {
	int fd;                    /* its socket; -1 before connecting and after closing */
	enum bridge_state state;   /* where it is */
	char address[17];          /* the bridge's address */
	char device[17];           /* its printer's address */
	char key[32];              /* Sec-WebSocket-Key sent */
	struct bench_buf in;       /* bytes received, not parsed yet */
	struct bench_buf out;      /* bytes to send (EPOLLOUT while not empty) */
	struct bench_buf msg;      /* a fragmented message being assembled */
	uint32_t rng;              /* xorshift state for frame masks */
	int watching_out;          /* EPOLLOUT is in its epoll events */
};

/* The control socket connection prints are sent on. */
struct control {
	int fd;                  /* the Unix socket */
	struct bench_buf in;     /* partial reply line */
	struct bench_buf out;    /* requests not written yet */
	int watching_out;        /* EPOLLOUT is in its epoll events */
};

/* Everything measured for one print rate. */
struct rate_result {
	double rate;          /* prints per second asked */
	long prints;          /* deliver requests sent */
	long sent;            /* answered "sent" */
	long refused;         /* answered otherwise */
	long received;        /* DeviceCommands that reached their bridge */
	double seconds;       /* from the first request to the last frame (or the deadline) */
	double p50, p99, max; /* latency from request to frame, ms */
	double ack_p50, ack_p99; /* latency from request to the relay's reply, ms */
	double relay_cpu;     /* relay CPU seconds in this phase */
	long heartbeats;      /* heartbeats sent in this phase */
	char first_error[160]; /* the first refusal's reply */
};

/* The whole run. */
struct bench {
	/* options */
	const char *relay_bin;   /* --relay: start this relay */
	char host[64];           /* websocket host (IPv4 loopback address) */
	int port;                /* websocket port */
	char path[128];          /* websocket path */
	char socket_path[256];   /* the relay's control socket */
	pid_t relay_pid;         /* the relay's pid (started or --pid), 0 when unknown */
	int nbridges;            /* --bridges */
	double heartbeat;        /* --heartbeat: seconds between one bridge's heartbeats */
	double idle_seconds;     /* --idle-seconds: heartbeat-only phase */
	double rates[MAX_RATES]; /* --rates */
	int nrates;              /* how many */
	long prints;             /* --prints per rate */
	double max_seconds;      /* --max-seconds per rate */
	int payload_bytes;       /* --payload-bytes */
	double hold;             /* --hold: keep bridges up this long (no prints), for an outside load */
	const char *devices_file; /* --devices: printer addresses, one a line */
	const char *json_path;   /* --json: results file */
	int respond;             /* answer DeviceCommands (1), as bridges do */
	/* state */
	char var[128];           /* temporary var directory of a started relay ("" otherwise) */
	int epfd;                /* epoll */
	int tfd;                 /* timerfd for the next heartbeat or print */
	struct bridge *bridges;  /* nbridges */
	struct control ctl;      /* the control connection */
	int pending_connects;    /* bridges between connect and 101 */
	int open_bridges;        /* bridges with a websocket */
	int failed_bridges;      /* bridges that failed to connect or were closed */
	char first_failure[200]; /* why the first failed */
	/* heartbeats */
	double hb_start;         /* when heartbeat 0 was due */
	long hb_due;             /* heartbeats sent or skipped so far */
	long hb_sent;            /* heartbeats written */
	/* prints of the current rate */
	double *sent_at;         /* send time per print index */
	char *settled;           /* per print index: its frame came, or the relay refused it */
	double *latency;         /* received latencies, ms */
	double *ack_latency;     /* reply latencies, ms */
	long n_latency, n_ack;   /* how many of each */
	long print_next;         /* index of the next print to send */
	long print_acked;        /* replies read */
	long print_total;        /* prints in this rate */
	double print_start;      /* when print 0 is due */
	double print_rate;       /* prints per second */
	uint32_t command_base;   /* command_id of print 0 */
	char *payload_b64;       /* the deliver payload */
	struct rate_result *cur; /* the rate being measured */
	long commands_received;  /* DeviceCommands received in all */
	long unknown_commands;   /* DeviceCommands that were no print of ours */
	volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM */
};

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static struct bench *the_bench; /* for die(): stop a relay we started */

static void stop_relay(struct bench *b);

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench_relay: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (the_bench)
		stop_relay(the_bench);
	exit(1);
}

/* ---- websocket framing -------------------------------------------------------- */

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static void watch(struct bench *b, int fd, void *ptr, int out, int *watching)
{
	struct epoll_event ev;

	if (*watching == out)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (out ? EPOLLOUT : 0);
	ev.data.ptr = ptr;
	if (epoll_ctl(b->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	*watching = out;
}

static void bridge_fail(struct bench *b, struct bridge *br, const char *why);

/* Writes what the bridge has queued; watches EPOLLOUT while some remains. */
static void bridge_flush(struct bench *b, struct bridge *br)
{
	while (br->out.len) {
		ssize_t n = send(br->fd, br->out.data, br->out.len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			bridge_fail(b, br, strerror(errno));
			return;
		}
		bench_buf_consume(&br->out, (size_t)n);
	}
	watch(b, br->fd, br, br->out.len != 0, &br->watching_out);
}

/* Queues one masked frame (client frames are always masked, RFC 6455 5.3) and writes it. */
static void bridge_frame(struct bench *b, struct bridge *br, int opcode, const void *data, size_t len)
{
	unsigned char head[14];
	size_t h = 0, i, start;
	uint32_t m = xorshift(&br->rng);
	unsigned char mask[4] = { (unsigned char)m, (unsigned char)(m >> 8), (unsigned char)(m >> 16),
				  (unsigned char)(m >> 24) };

	if (br->state != B_OPEN)
		return;
	head[h++] = (unsigned char)(0x80 | opcode);
	if (len < 126) {
		head[h++] = (unsigned char)(0x80 | len);
	} else if (len < 65536) {
		head[h++] = 0x80 | 126;
		head[h++] = (unsigned char)(len >> 8);
		head[h++] = (unsigned char)len;
	} else {
		head[h++] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			head[h++] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	}
	memcpy(head + h, mask, 4);
	h += 4;
	bench_buf_append(&br->out, head, h);
	start = br->out.len;
	bench_buf_append(&br->out, data, len);
	for (i = 0; i < len; i++)
		br->out.data[start + i] ^= (char)mask[i & 3];
	bridge_flush(b, br);
}

static void bridge_text(struct bench *b, struct bridge *br, const char *text)
{
	bridge_frame(b, br, 0x1, text, strlen(text));
}

/* Seconds since 1970, for message timestamps. */
static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The bridge's first messages: power_on, then its printer connects and beats once. */
static void bridge_hello(struct bench *b, struct bridge *br);
static void bridge_heartbeat(struct bench *b, struct bridge *br);

/* Answers one complete message from the relay. */
static void bridge_message(struct bench *b, struct bridge *br, const char *text, size_t len, double at)
{
	cJSON *m, *id;
	char reply[512];
	long idx;

	if (!memmem(text, len, "\"DeviceCommand\"", 15))
		return;
	m = cJSON_ParseWithLength(text, len);
	id = m ? cJSON_GetObjectItemCaseSensitive(m, "command_id") : NULL;
	if (!cJSON_IsNumber(id)) {
		cJSON_Delete(m);
		return;
	}
	b->commands_received++;
	idx = (long)((uint32_t)id->valuedouble - b->command_base);
	if (b->cur && idx >= 0 && idx < b->print_next && !b->settled[idx]) {
		b->latency[b->n_latency++] = (at - b->sent_at[idx]) * 1000;
		b->settled[idx] = 1;
		b->cur->received++;
	} else {
		b->unknown_commands++;
	}
	if (b->respond) {
		snprintf(reply, sizeof(reply),
			 "{\"type\":\"DeviceCommandResponse\",\"bridge_address\":\"%s\",\"device_address\":\"%s\","
			 "\"command_id\":%.0f,\"return_code\":0,\"transfer_time\":0.5,\"rssi_stats\":[-60,-61,-62],"
			 "\"timestamp\":%.3f}",
			 br->address, br->device, id->valuedouble, wall_now());
		bridge_text(b, br, reply);
	}
	cJSON_Delete(m);
}

/* Parses the frames in the bridge's input; returns -1 when it closed. */
static int bridge_frames(struct bench *b, struct bridge *br, double at)
{
	for (;;) {
		unsigned char *p = (unsigned char *)br->in.data;
		size_t have = br->in.len, off = 2;
		uint64_t n;
		int fin, opcode, masked;

		if (have < 2)
			return 0;
		fin = p[0] & 0x80;
		opcode = p[0] & 0x0f;
		masked = p[1] & 0x80;
		n = p[1] & 0x7f;
		if (n == 126) {
			if (have < 4)
				return 0;
			n = (uint64_t)p[2] << 8 | p[3];
			off = 4;
		} else if (n == 127) {
			int i;

			if (have < 10)
				return 0;
			for (n = 0, i = 0; i < 8; i++)
				n = n << 8 | p[2 + i];
			off = 10;
		}
		if (n > MAX_MESSAGE) {
			bridge_fail(b, br, "frame too large");
			return -1;
		}
		if (masked)
			off += 4;
		if (have < off + n)
			return 0;
		if (masked) {
			size_t i;

			for (i = 0; i < n; i++)
				p[off + i] ^= p[off - 4 + (i & 3)];
		}
		switch (opcode) {
		case 0x0:
		case 0x1:
		case 0x2:
			if (fin && br->msg.len == 0) {
				if (opcode == 0x1)
					bridge_message(b, br, (char *)p + off, (size_t)n, at);
			} else {
				bench_buf_append(&br->msg, p + off, (size_t)n);
				if (br->msg.len > MAX_MESSAGE) {
					bridge_fail(b, br, "message too large");
					return -1;
				}
				if (fin) {
					bridge_message(b, br, br->msg.data, br->msg.len, at);
					br->msg.len = 0;
				}
			}
			break;
		case 0x8:
			bridge_fail(b, br, "the relay closed the websocket");
			return -1;
		case 0x9:
			bridge_frame(b, br, 0xA, p + off, (size_t)n);
			break;
		default:
			break;
		}
		if (br->state != B_OPEN)
			return -1;
		bench_buf_consume(&br->in, off + (size_t)n);
	}
}

/* The Sec-WebSocket-Accept a server must answer key with. */
static void accept_for(const char *key, char out[64])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char buf[128];

	snprintf(buf, sizeof(buf), "%s%s", key, WS_GUID);
	if (!EVP_Digest(buf, strlen(buf), md, &mdlen, EVP_sha1(), NULL))
		die("SHA-1 failed");
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
}

/* Checks the handshake answer once it is complete; returns 1 when open, 0 to wait, -1 when refused. */
static int bridge_handshake_done(struct bench *b, struct bridge *br)
{
	char *end, *h, want[64];
	size_t head_len;

	end = memmem(br->in.data, br->in.len, "\r\n\r\n", 4);
	if (!end) {
		if (br->in.len > 16384) {
			bridge_fail(b, br, "handshake answer too long");
			return -1;
		}
		return 0;
	}
	head_len = (size_t)(end - br->in.data) + 4;
	*end = '\0';
	accept_for(br->key, want);
	if (strncmp(br->in.data, "HTTP/1.1 101", 12) != 0) {
		char why[120];

		snprintf(why, sizeof(why), "handshake refused: %.80s", br->in.data);
		bridge_fail(b, br, why);
		return -1;
	}
	h = strcasestr(br->in.data, "\r\nSec-WebSocket-Accept:");
	if (!h) {
		bridge_fail(b, br, "no Sec-WebSocket-Accept in the answer");
		return -1;
	}
	h += strlen("\r\nSec-WebSocket-Accept:");
	while (*h == ' ')
		h++;
	if (strncmp(h, want, strlen(want)) != 0) {
		bridge_fail(b, br, "wrong Sec-WebSocket-Accept");
		return -1;
	}
	bench_buf_consume(&br->in, head_len);
	br->state = B_OPEN;
	b->pending_connects--;
	b->open_bridges++;
	bridge_hello(b, br);
	return 1;
}

static void bridge_readable(struct bench *b, struct bridge *br)
{
	char buf[65536];
	double at;

	for (;;) {
		ssize_t n = recv(br->fd, buf, sizeof(buf), 0);

		if (n == 0) {
			bridge_fail(b, br, "the relay closed the connection");
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				bridge_fail(b, br, strerror(errno));
			return;
		}
		at = bench_now();
		bench_buf_append(&br->in, buf, (size_t)n);
		if (br->state == B_HANDSHAKE && bridge_handshake_done(b, br) <= 0)
			return;
		if (br->state == B_OPEN && bridge_frames(b, br, at) < 0)
			return;
		if ((size_t)n < sizeof(buf))
			return;
	}
}

static void bridge_fail(struct bench *b, struct bridge *br, const char *why)
{
	if (br->state == B_CLOSED)
		return;
	if (!b->first_failure[0])
		snprintf(b->first_failure, sizeof(b->first_failure), "bridge %s: %s", br->address, why);
	if (br->state == B_CONNECTING || br->state == B_HANDSHAKE)
		b->pending_connects--;
	else if (br->state == B_OPEN)
		b->open_bridges--;
	b->failed_bridges++;
	br->state = B_CLOSED;
	if (br->fd >= 0) {
		epoll_ctl(b->epfd, EPOLL_CTL_DEL, br->fd, NULL);
		close(br->fd);
		br->fd = -1;
	}
	bench_buf_free(&br->in);
	bench_buf_free(&br->out);
	bench_buf_free(&br->msg);
}

/* Starts a non-blocking connection. */
static void bridge_connect(struct bench *b, struct bridge *br)
{
	struct sockaddr_in sa;
	struct epoll_event ev;

	br->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (br->fd < 0)
		die("socket: %s (raise the open file limit)", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)b->port);
	inet_pton(AF_INET, b->host, &sa.sin_addr);
	br->state = B_CONNECTING;
	b->pending_connects++;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = br;
	br->watching_out = 1;
	if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, br->fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	if (connect(br->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		bridge_fail(b, br, strerror(errno));
}

/* The connection is up: sends the upgrade request. */
static void bridge_connected(struct bench *b, struct bridge *br)
{
	unsigned char raw[16];
	char req[512];
	int err = 0;
	socklen_t elen = sizeof(err);
	int one = 1;

	if (getsockopt(br->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err) {
		bridge_fail(b, br, strerror(err ? err : errno));
		return;
	}
	setsockopt(br->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (RAND_bytes(raw, sizeof(raw)) != 1 || RAND_bytes((unsigned char *)&br->rng, sizeof(br->rng)) != 1)
		die("RAND_bytes failed");
	br->rng |= 1;
	EVP_EncodeBlock((unsigned char *)br->key, raw, sizeof(raw));
	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: bergcloud-bridge-v1\r\n\r\n",
		 b->path, b->host, b->port, br->key);
	br->state = B_HANDSHAKE;
	bench_buf_append(&br->out, req, strlen(req));
	/* bridge_flush needs B_OPEN-independent writes: the request goes out as plain bytes */
	bridge_flush(b, br);
}

static void bridge_hello(struct bench *b, struct bridge *br)
{
	char m[768];

	snprintf(m, sizeof(m),
		 "{\"type\":\"BridgeEvent\",\"bridge_address\":\"%s\",\"timestamp\":%.3f,\"json_payload\":"
		 "{\"name\":\"power_on\",\"model\":\"A\",\"firmware_version\":\"v2.3.1-f3c7946\",\"ncp_version\":\"0x46C5\","
		 "\"local_ip_address\":\"192.168.1.98\",\"mac_address\":\"40:d8:55:01:c1:b3\",\"uptime\":\"50.1 50.2\","
		 "\"uboot_environment\":\"\",\"network_info\":{\"extended_pan_id\":\"0xdcb8c8c8d6e6b9b8\"}}}",
		 br->address, wall_now());
	bridge_text(b, br, m);
	snprintf(m, sizeof(m),
		 "{\"type\":\"BridgeEvent\",\"bridge_address\":\"%s\",\"timestamp\":%.3f,\"json_payload\":"
		 "{\"name\":\"device_connect\",\"device_address\":\"%s\"}}",
		 br->address, wall_now(), br->device);
	bridge_text(b, br, m);
	bridge_heartbeat(b, br);
}

/* A heartbeat DeviceEvent: event 0x0001, command id 0, 4 bytes of uptime. */
static void bridge_heartbeat(struct bench *b, struct bridge *br)
{
	unsigned char raw[14] = { 0x01, 0x00, 0, 0, 0, 0, 4, 0, 0, 0, 100, 0, 0, 0 };
	char b64[32], m[512];

	EVP_EncodeBlock((unsigned char *)b64, raw, sizeof(raw));
	snprintf(m, sizeof(m),
		 "{\"type\":\"DeviceEvent\",\"bridge_address\":\"%s\",\"timestamp\":%.3f,\"device_address\":\"%s\","
		 "\"binary_payload\":\"%s\",\"rssi_stats\":[-60,-61,-62]}",
		 br->address, wall_now(), br->device, b64);
	bridge_text(b, br, m);
	b->hb_sent++;
}

/* ---- the control socket ---------------------------------------------------------- */

/* Connects to the control socket (blocking). Returns the fd, or -1. */
static int control_open(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		close(fd);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request on a new connection; returns the parsed reply (or NULL after 5 s or on an error). */
static cJSON *control_query(struct bench *b, const char *request)
{
	struct timeval tv = { 5, 0 };
	struct bench_buf in = { 0 };
	char buf[65536], *nl = NULL;
	cJSON *reply = NULL;
	int fd = control_open(b->socket_path);

	if (fd < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, request, strlen(request)) == (ssize_t)strlen(request) && write(fd, "\n", 1) == 1) {
		while (!nl) {
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n <= 0)
				break;
			bench_buf_append(&in, buf, (size_t)n);
			nl = memchr(in.data, '\n', in.len);
		}
		if (nl)
			reply = cJSON_ParseWithLength(in.data, (size_t)(nl - in.data));
	}
	bench_buf_free(&in);
	close(fd);
	return reply;
}

/* A relay counter (-1 when unreadable). */
static long relay_counter(struct bench *b, const char *name)
{
	cJSON *r = control_query(b, "{\"op\":\"counters\"}");
	cJSON *c = r ? cJSON_GetObjectItemCaseSensitive(r, "counters") : NULL;
	cJSON *v = c ? cJSON_GetObjectItemCaseSensitive(c, name) : NULL;
	long n = cJSON_IsNumber(v) ? (long)v->valuedouble : -1;

	cJSON_Delete(r);
	return n;
}

static void control_flush(struct bench *b)
{
	while (b->ctl.out.len) {
		ssize_t n = write(b->ctl.fd, b->ctl.out.data, b->ctl.out.len);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			die("control socket: %s", strerror(errno));
		}
		bench_buf_consume(&b->ctl.out, (size_t)n);
	}
	watch(b, b->ctl.fd, &b->ctl, b->ctl.out.len != 0, &b->ctl.watching_out);
}

/* Sends print number i (a deliver request to its bridge's printer). */
static void send_print(struct bench *b, long i)
{
	struct bridge *br = &b->bridges[(size_t)((i * 7919) % b->nbridges)];
	char head[256];

	snprintf(head, sizeof(head), "{\"op\":\"deliver\",\"device\":\"%s\",\"command_id\":%lu,\"payload\":\"",
		 br->device, (unsigned long)(b->command_base + (uint32_t)i));
	b->sent_at[i] = bench_now();
	bench_buf_append(&b->ctl.out, head, strlen(head));
	bench_buf_append(&b->ctl.out, b->payload_b64, strlen(b->payload_b64));
	bench_buf_append(&b->ctl.out, "\"}\n", 3);
	b->cur->prints++;
	control_flush(b);
}

/* Reads deliver replies (in order of the requests). */
static void control_readable(struct bench *b)
{
	char buf[65536];
	ssize_t n = read(b->ctl.fd, buf, sizeof(buf));
	double at = bench_now();
	char *nl;

	if (n == 0)
		die("the relay closed the control connection");
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		die("control socket: %s", strerror(errno));
	}
	bench_buf_append(&b->ctl.in, buf, (size_t)n);
	while ((nl = memchr(b->ctl.in.data, '\n', b->ctl.in.len))) {
		size_t len = (size_t)(nl - b->ctl.in.data);
		cJSON *r = cJSON_ParseWithLength(b->ctl.in.data, len);
		cJSON *res = r ? cJSON_GetObjectItemCaseSensitive(r, "result") : NULL;
		long i = b->print_acked++;

		if (cJSON_IsString(res) && strcmp(res->valuestring, "sent") == 0) {
			b->cur->sent++;
		} else {
			b->cur->refused++;
			if (!b->cur->first_error[0])
				snprintf(b->cur->first_error, sizeof(b->cur->first_error), "%.*s",
					 (int)(len < 150 ? len : 150), b->ctl.in.data);
			if (i < b->print_next)
				b->settled[i] = 1;  /* never arrives: not waited for */
		}
		if (i < b->print_next)
			b->ack_latency[b->n_ack++] = (at - b->sent_at[i]) * 1000;
		cJSON_Delete(r);
		bench_buf_consume(&b->ctl.in, len + 1);
	}
}

/* ---- the event loop ------------------------------------------------------------------- */

/* When the next heartbeat is due (a huge value when there are no open bridges). */
static double next_heartbeat(const struct bench *b)
{
	return b->hb_start + (double)b->hb_due * b->heartbeat / b->nbridges;
}

static double next_print(const struct bench *b)
{
	if (b->print_next >= b->print_total)
		return 1e18;
	return b->print_start + (double)b->print_next / b->print_rate;
}

/* Sends whatever heartbeats and prints are due. */
static void run_timers(struct bench *b)
{
	double now = bench_now();
	long guard = 0;

	while (b->hb_start > 0 && next_heartbeat(b) <= now && guard++ < 100000) {
		struct bridge *br = &b->bridges[b->hb_due % b->nbridges];

		if (br->state == B_OPEN)
			bridge_heartbeat(b, br);
		b->hb_due++;
	}
	while (next_print(b) <= now)
		send_print(b, b->print_next++);
}

/* Arms the timerfd for the next due event. */
static void arm_timer(struct bench *b)
{
	double next = next_print(b), hb = b->hb_start > 0 ? next_heartbeat(b) : 1e18;
	struct itimerspec its;

	if (hb < next)
		next = hb;
	if (next > bench_now() + 0.1)
		next = bench_now() + 0.1;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)next;
	its.it_value.tv_nsec = (long)((next - (double)(time_t)next) * 1e9);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	timerfd_settime(b->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Services sockets and timers until deadline (monotonic seconds) or until done(b) says so. */
static void loop(struct bench *b, double deadline, int (*done)(struct bench *b))
{
	struct epoll_event evs[256];

	while (bench_now() < deadline && !stop_flag && !(done && done(b))) {
		int n, i;

		run_timers(b);
		arm_timer(b);
		n = epoll_wait(b->epfd, evs, 256, 100);
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &b->tfd) {
				uint64_t ticks;

				if (read(b->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					die("timerfd: %s", strerror(errno));
			} else if (p == &b->ctl) {
				if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
					control_readable(b);
				if (evs[i].events & EPOLLOUT)
					control_flush(b);
			} else {
				struct bridge *br = p;

				if (br->state == B_CONNECTING) {
					if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
						bridge_connected(b, br);
					continue;
				}
				if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
					bridge_readable(b, br);
				if (br->state != B_CLOSED && (evs[i].events & EPOLLOUT))
					bridge_flush(b, br);
			}
		}
	}
}

static int connects_settled(struct bench *b)
{
	return b->pending_connects == 0;
}

static int prints_done(struct bench *b)
{
	return b->print_next >= b->print_total && b->print_acked >= b->print_total &&
	       b->cur->received + b->cur->refused >= b->print_total;
}

/* Opens every bridge, at most MAX_PENDING_CONNECTS at a time. */
static void connect_all(struct bench *b)
{
	double deadline = bench_now() + 120;
	int next = 0;

	while (next < b->nbridges && bench_now() < deadline && !stop_flag) {
		while (next < b->nbridges && b->pending_connects < MAX_PENDING_CONNECTS)
			bridge_connect(b, &b->bridges[next++]);
		loop(b, bench_now() + 0.005, NULL);
	}
	loop(b, deadline, connects_settled);
}

/* ---- a relay of our own ---------------------------------------------------------------- */

static int free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		die("cannot find a free port: %s", strerror(errno));
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* Starts --relay in a temporary var directory and waits until its control socket answers. */
static void start_relay(struct bench *b)
{
	char listen[64], log[192], db[192];
	double deadline;
	size_t n;
	pid_t pid;

	/* mkdtemp's template: a prefix, then the six X it replaces */
	n = (size_t)snprintf(b->var, sizeof(b->var), "/tmp/bench-relay-");
	memset(b->var + n, 'X', 6);
	b->var[n + 6] = '\0';
	if (!mkdtemp(b->var))
		die("mkdtemp: %s", strerror(errno));
	snprintf(b->socket_path, sizeof(b->socket_path), "%s/relay.sock", b->var);
	snprintf(log, sizeof(log), "%s/relay.log", b->var);
	snprintf(db, sizeof(db), "%s/sirius.db", b->var);
	b->port = free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", b->port);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		setenv("SIRIUS_VAR", b->var, 1);
		setenv("SIRIUS_RELAY_SOCKET", b->socket_path, 1);
		setenv("SIRIUS_DB", db, 1);
		execl(b->relay_bin, b->relay_bin, "--listen", listen, "--log", log, (char *)NULL);
		fprintf(stderr, "bench_relay: cannot run %s: %s\n", b->relay_bin, strerror(errno));
		_exit(127);
	}
	b->relay_pid = pid;
	deadline = bench_now() + 20;
	for (;;) {
		cJSON *r = control_query(b, "{\"op\":\"ping\"}");

		if (r) {
			cJSON_Delete(r);
			break;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			b->relay_pid = 0;
			die("the relay exited at start (log: %s)", log);
		}
		if (bench_now() > deadline)
			die("the relay did not answer on %s", b->socket_path);
		usleep(20000);
	}
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void stop_relay(struct bench *b)
{
	if (b->var[0] && b->relay_pid > 0) {
		int i;

		kill(b->relay_pid, SIGTERM);
		for (i = 0; i < 200 && waitpid(b->relay_pid, NULL, WNOHANG) == 0; i++)
			usleep(50000);
		if (i == 200) {
			kill(b->relay_pid, SIGKILL);
			waitpid(b->relay_pid, NULL, 0);
		}
		b->relay_pid = 0;
	}
	if (b->var[0]) {
		nftw(b->var, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		b->var[0] = '\0';
	}
}

/* ---- options and report ------------------------------------------------------------------ */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bench_relay --relay PATH [options]     start PATH (sirius-relay) in a temporary directory\n"
		"       bench_relay --connect HOST:PORT --socket PATH [--pid PID] [options]   use a running relay\n"
		"  --bridges N           bridges, one printer each (default 1000)\n"
		"  --heartbeat S         seconds between a bridge's heartbeats (default 5)\n"
		"  --idle-seconds S      heartbeats only, to measure their CPU cost (default 5)\n"
		"  --rates R1,R2,...     print rates to measure, prints/s (default 100,1000)\n"
		"  --prints N            prints per rate (default 1000)\n"
		"  --max-seconds S       longest a rate may run (default 30)\n"
		"  --payload-bytes N     bytes of each print's payload (default 3000)\n"
		"  --path PATH           websocket path (default /api/v1/connection)\n"
		"  --devices FILE        printer addresses to use, one a line (default: made up)\n"
		"  --hold S              no prints: keep the bridges up S seconds (or until SIGTERM), answering commands\n"
		"  --json FILE           also write the results as JSON\n");
}

static void parse_rates(struct bench *b, const char *text)
{
	char *copy = strdup(text), *save = NULL, *tok;

	b->nrates = 0;
	for (tok = strtok_r(copy, ",", &save); tok && b->nrates < MAX_RATES; tok = strtok_r(NULL, ",", &save)) {
		double r = strtod(tok, NULL);

		if (r <= 0 || r > 100000)
			die("bad rate %s", tok);
		b->rates[b->nrates++] = r;
	}
	free(copy);
}

static void load_devices(struct bench *b)
{
	FILE *f = fopen(b->devices_file, "r");
	char line[128];
	int i = 0;

	if (!f)
		die("%s: %s", b->devices_file, strerror(errno));
	while (i < b->nbridges && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strlen(line) != 16)
			continue;
		memcpy(b->bridges[i++].device, line, 17);
	}
	fclose(f);
	if (i < b->nbridges)
		die("%s has %d addresses, fewer than --bridges %d", b->devices_file, i, b->nbridges);
}

static void setup(struct bench *b)
{
	struct epoll_event ev;
	int i;

	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	b->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (b->epfd < 0 || b->tfd < 0)
		die("epoll/timerfd: %s", strerror(errno));
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &b->tfd;
	epoll_ctl(b->epfd, EPOLL_CTL_ADD, b->tfd, &ev);
	b->bridges = calloc((size_t)b->nbridges, sizeof(*b->bridges));
	if (!b->bridges)
		die("out of memory");
	for (i = 0; i < b->nbridges; i++) {
		b->bridges[i].fd = -1;
		snprintf(b->bridges[i].address, sizeof(b->bridges[i].address), "00b0%012x", (unsigned)i);
		snprintf(b->bridges[i].device, sizeof(b->bridges[i].device), "00d0%012x", (unsigned)i);
	}
	if (b->devices_file)
		load_devices(b);
}

/* Runs one print rate; fills r. */
static void measure_rate(struct bench *b, struct rate_result *r, double rate)
{
	long total = b->prints;
	double cpu0, t_end, deadline;
	long hb0 = b->hb_sent;

	if (total > (long)(rate * b->max_seconds))
		total = (long)(rate * b->max_seconds);
	if (total < 1)
		total = 1;
	memset(r, 0, sizeof(*r));
	r->rate = rate;
	b->cur = r;
	free(b->sent_at);
	free(b->settled);
	free(b->latency);
	free(b->ack_latency);
	b->sent_at = calloc((size_t)total, sizeof(double));
	b->settled = calloc((size_t)total, 1);
	b->latency = calloc((size_t)total, sizeof(double));
	b->ack_latency = calloc((size_t)total, sizeof(double));
	if (!b->sent_at || !b->settled || !b->latency || !b->ack_latency)
		die("out of memory");
	b->n_latency = b->n_ack = 0;
	b->print_next = b->print_acked = 0;
	b->print_total = total;
	b->print_rate = rate;
	b->command_base += 1000000;
	cpu0 = bench_cpu_seconds(b->relay_pid);
	b->print_start = bench_now();
	/* every print due, then up to 5 s for the last frames */
	deadline = b->print_start + (double)total / rate + 5;
	loop(b, deadline, prints_done);
	t_end = bench_now();
	r->seconds = t_end - b->print_start;
	r->relay_cpu = b->relay_pid ? bench_cpu_seconds(b->relay_pid) - cpu0 : -1;
	r->heartbeats = b->hb_sent - hb0;
	r->p50 = bench_quantile(b->latency, (size_t)b->n_latency, 0.50);
	r->p99 = bench_quantile(b->latency, (size_t)b->n_latency, 0.99);
	r->max = bench_quantile(b->latency, (size_t)b->n_latency, 1.0);
	r->ack_p50 = bench_quantile(b->ack_latency, (size_t)b->n_ack, 0.50);
	r->ack_p99 = bench_quantile(b->ack_latency, (size_t)b->n_ack, 0.99);
	/* prints whose frame never came are not waited for by the next rate */
	b->print_total = b->print_next;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "relay", required_argument, NULL, 'r' }, { "connect", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' }, { "pid", required_argument, NULL, 'P' },
		{ "bridges", required_argument, NULL, 'n' }, { "heartbeat", required_argument, NULL, 'h' },
		{ "idle-seconds", required_argument, NULL, 'i' }, { "rates", required_argument, NULL, 'R' },
		{ "prints", required_argument, NULL, 'p' }, { "max-seconds", required_argument, NULL, 'm' },
		{ "payload-bytes", required_argument, NULL, 'b' }, { "path", required_argument, NULL, 'u' },
		{ "devices", required_argument, NULL, 'd' }, { "hold", required_argument, NULL, 'H' },
		{ "json", required_argument, NULL, 'j' }, { "help", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 }
	};
	static struct bench bench;
	struct bench *b = &bench;
	struct rate_result results[MAX_RATES];
	long rss_idle, rss_connected, rss_end, hwm, online = -1, nofile, hb0;
	double t0, t_connect, cpu0, idle_cpu = -1, idle_elapsed;
	unsigned char *raw;
	struct sigaction sa;
	int opt, i, have_connect = 0;

	b->nbridges = 1000;
	b->heartbeat = 5;
	b->idle_seconds = 5;
	b->prints = 1000;
	b->max_seconds = 30;
	b->payload_bytes = 3000;
	b->respond = 1;
	snprintf(b->host, sizeof(b->host), "127.0.0.1");
	snprintf(b->path, sizeof(b->path), "/api/v1/connection");
	parse_rates(b, "100,1000");
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'r': b->relay_bin = optarg; break;
		case 'c': {
			const char *colon = strrchr(optarg, ':');

			if (!colon || (size_t)(colon - optarg) >= sizeof(b->host))
				die("--connect wants HOST:PORT");
			snprintf(b->host, sizeof(b->host), "%.*s", (int)(colon - optarg), optarg);
			b->port = atoi(colon + 1);
			have_connect = 1;
			break;
		}
		case 's': snprintf(b->socket_path, sizeof(b->socket_path), "%s", optarg); break;
		case 'P': b->relay_pid = (pid_t)atol(optarg); break;
		case 'n': b->nbridges = atoi(optarg); break;
		case 'h': b->heartbeat = strtod(optarg, NULL); break;
		case 'i': b->idle_seconds = strtod(optarg, NULL); break;
		case 'R': parse_rates(b, optarg); break;
		case 'p': b->prints = atol(optarg); break;
		case 'm': b->max_seconds = strtod(optarg, NULL); break;
		case 'b': b->payload_bytes = atoi(optarg); break;
		case 'u': snprintf(b->path, sizeof(b->path), "%s", optarg); break;
		case 'd': b->devices_file = optarg; break;
		case 'H': b->hold = strtod(optarg, NULL); break;
		case 'j': b->json_path = optarg; break;
		case 'x': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (!b->relay_bin == !have_connect) || b->nbridges < 1 || b->nbridges > 100000 ||
	    b->heartbeat <= 0 || b->idle_seconds < 0 || b->prints < 0 || b->max_seconds <= 0 ||
	    b->payload_bytes < 1 || b->payload_bytes > 700000 || b->hold < 0 || b->hold > 3600) {
		usage(stderr);
		return 2;
	}
	if (have_connect && !b->socket_path[0] && !b->hold)
		die("--connect needs --socket (prints go through the control socket)");
	if (strcmp(b->host, "127.0.0.1") != 0 && strncmp(b->host, "127.", 4) != 0)
		die("only loopback addresses (127.x.x.x) are measured");
	the_bench = b;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	nofile = bench_raise_nofile(b->nbridges + 64L);
	if (nofile < b->nbridges + 16L)
		die("the open file limit is %ld, too low for %d bridges (ulimit -Hn)", nofile, b->nbridges);
	setup(b);
	if (b->relay_bin)
		start_relay(b);
	raw = malloc((size_t)b->payload_bytes);
	b->payload_b64 = malloc((size_t)b->payload_bytes * 4 / 3 + 8);
	if (!raw || !b->payload_b64 || RAND_bytes(raw, b->payload_bytes) != 1)
		die("cannot make the payload");
	EVP_EncodeBlock((unsigned char *)b->payload_b64, raw, b->payload_bytes);
	free(raw);
	rss_idle = b->relay_pid ? bench_rss_kib(b->relay_pid) : -1;

	t0 = bench_now();
	connect_all(b);
	t_connect = bench_now() - t0;
	printf("bridges: %d open, %d failed in %.2f s%s%s\n", b->open_bridges, b->failed_bridges, t_connect,
	       b->first_failure[0] ? "; first failure: " : "", b->first_failure);
	if (b->open_bridges == 0)
		die("no bridge connected");
	/* heartbeats from now on, bridge by bridge, evenly spread over the period */
	b->hb_start = bench_now() + b->heartbeat / b->nbridges;
	if (b->socket_path[0]) {
		double until = bench_now() + 30;

		while (bench_now() < until && !stop_flag) {
			online = relay_counter(b, "devices_online");
			if (online >= b->open_bridges)
				break;
			loop(b, bench_now() + 0.2, NULL);
		}
		printf("devices online at the relay: %ld\n", online);
	}
	rss_connected = b->relay_pid ? bench_rss_kib(b->relay_pid) : -1;
	fflush(stdout);

	if (b->hold > 0) {
		printf("ready: holding %d bridges for at most %.0f s\n", b->open_bridges, b->hold);
		fflush(stdout);
		hb0 = b->hb_sent;
		loop(b, bench_now() + b->hold, NULL);
		printf("held: %ld DeviceCommands received and answered, %ld heartbeats, %d bridges open, %d failed%s%s\n",
		       b->commands_received, b->hb_sent - hb0, b->open_bridges, b->failed_bridges,
		       b->first_failure[0] ? "; first failure: " : "", b->first_failure);
		stop_relay(b);
		return 0;
	}

	/* heartbeats only: the relay's CPU per 1,000 of them */
	cpu0 = b->relay_pid ? bench_cpu_seconds(b->relay_pid) : -1;
	hb0 = b->hb_sent;
	t0 = bench_now();
	loop(b, t0 + b->idle_seconds, NULL);
	idle_elapsed = bench_now() - t0;
	if (b->relay_pid && b->hb_sent > hb0)
		idle_cpu = (bench_cpu_seconds(b->relay_pid) - cpu0) / (double)(b->hb_sent - hb0) * 1000;
	printf("heartbeats: %ld in %.1f s (%.0f/s); relay CPU per 1,000 heartbeats: %.1f ms\n", b->hb_sent - hb0,
	       idle_elapsed, (double)(b->hb_sent - hb0) / idle_elapsed, idle_cpu * 1000);

	b->ctl.fd = control_open(b->socket_path);
	if (b->ctl.fd < 0)
		die("cannot connect to the control socket %s", b->socket_path);
	fcntl(b->ctl.fd, F_SETFL, fcntl(b->ctl.fd, F_GETFL) | O_NONBLOCK);
	{
		struct epoll_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = &b->ctl;
		epoll_ctl(b->epfd, EPOLL_CTL_ADD, b->ctl.fd, &ev);
	}
	b->command_base = 1000000;
	for (i = 0; i < b->nrates && !stop_flag; i++) {
		struct rate_result *r = &results[i];

		measure_rate(b, r, b->rates[i]);
		printf("%.0f prints/s: %ld sent, %ld refused, %ld received in %.2f s; latency p50 %.2f ms, p99 %.2f ms, "
		       "max %.2f ms; control reply p50 %.2f ms, p99 %.2f ms; relay CPU %.2f s, %ld heartbeats meanwhile\n",
		       r->rate, r->sent, r->refused, r->received, r->seconds, r->p50, r->p99, r->max, r->ack_p50,
		       r->ack_p99, r->relay_cpu, r->heartbeats);
		if (r->first_error[0])
			printf("  first refusal: %s\n", r->first_error);
		fflush(stdout);
	}
	rss_end = b->relay_pid ? bench_rss_kib(b->relay_pid) : -1;
	hwm = b->relay_pid ? bench_hwm_kib(b->relay_pid) : -1;
	printf("relay RSS: %ld KiB idle, %ld KiB with %d bridges (%.2f KiB per bridge), %ld KiB at the end, peak %ld KiB\n",
	       rss_idle, rss_connected, b->open_bridges,
	       (double)(rss_connected - rss_idle) / (b->open_bridges ? b->open_bridges : 1), rss_end, hwm);
	if (b->unknown_commands)
		printf("DeviceCommands that were no print of this run: %ld\n", b->unknown_commands);

	if (b->json_path) {
		cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "rates");
		char *text;
		FILE *f;

		cJSON_AddNumberToObject(j, "bridges", b->nbridges);
		cJSON_AddNumberToObject(j, "bridges_open", b->open_bridges);
		cJSON_AddNumberToObject(j, "bridges_failed", b->failed_bridges);
		cJSON_AddNumberToObject(j, "connect_seconds", t_connect);
		cJSON_AddNumberToObject(j, "devices_online", (double)online);
		cJSON_AddNumberToObject(j, "rss_idle_kib", (double)rss_idle);
		cJSON_AddNumberToObject(j, "rss_connected_kib", (double)rss_connected);
		cJSON_AddNumberToObject(j, "rss_end_kib", (double)rss_end);
		cJSON_AddNumberToObject(j, "rss_peak_kib", (double)hwm);
		cJSON_AddNumberToObject(j, "heartbeat_seconds", b->heartbeat);
		cJSON_AddNumberToObject(j, "cpu_ms_per_1000_heartbeats", idle_cpu * 1000);
		for (i = 0; i < b->nrates; i++) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddNumberToObject(o, "rate", results[i].rate);
			cJSON_AddNumberToObject(o, "prints", (double)results[i].prints);
			cJSON_AddNumberToObject(o, "sent", (double)results[i].sent);
			cJSON_AddNumberToObject(o, "refused", (double)results[i].refused);
			cJSON_AddNumberToObject(o, "received", (double)results[i].received);
			cJSON_AddNumberToObject(o, "p50_ms", results[i].p50);
			cJSON_AddNumberToObject(o, "p99_ms", results[i].p99);
			cJSON_AddNumberToObject(o, "max_ms", results[i].max);
			cJSON_AddNumberToObject(o, "relay_cpu_s", results[i].relay_cpu);
			cJSON_AddNumberToObject(o, "heartbeats", (double)results[i].heartbeats);
			cJSON_AddNumberToObject(o, "seconds", results[i].seconds);
			cJSON_AddItemToArray(arr, o);
		}
		text = cJSON_Print(j);
		f = fopen(b->json_path, "w");
		if (!f || fprintf(f, "%s\n", text) < 0 || fclose(f) != 0)
			die("cannot write %s", b->json_path);
		free(text);
		cJSON_Delete(j);
	}
	for (i = 0; i < b->nbridges; i++)
		if (b->bridges[i].state != B_CLOSED && b->bridges[i].fd >= 0)
			close(b->bridges[i].fd);
	stop_relay(b);
	return 0;
}
