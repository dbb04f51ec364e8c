/* fake_relay.c: a thread answering request lines on a Unix socket with a canned reply, for the unit tests. */
#include "fake_relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <cjson/cJSON.h>

#include "relay_client.h"

/*
 * Reads one line from fd into a malloc'd string (without the newline);
 * NULL at end of file, on a read error or when memory runs out. It runs on
 * the relay's thread, so it reports failure by its result, never by failing
 * the test.
 */
static char *read_line(int fd)
{
	size_t len = 0, size = 256;
	char *line = malloc(size);
	char c;

	if (line == NULL)
		return NULL;
	for (;;) {
		ssize_t n = read(fd, &c, 1);

		if (n <= 0) {
			free(line);
			return NULL;
		}
		if (c == '\n')
			break;
		if (len + 1 >= size) {
			char *bigger = realloc(line, size * 2);

			if (bigger == NULL) {
				free(line);
				return NULL;
			}
			line = bigger;
			size *= 2;
		}
		line[len++] = c;
	}
	line[len] = '\0';
	return line;
}

/* Copies a string member of req into out (size bytes), "" when missing or not a string. */
static void copy_member(const cJSON *req, const char *name, char *out, size_t size)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(req, name);

	snprintf(out, size, "%s", cJSON_IsString(item) ? item->valuestring : "");
}

/* Records the request in line (JSON or not) as the last one r answered. */
static void record(struct fake_relay *r, const char *line)
{
	cJSON *req = cJSON_Parse(line);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "command_id");
	const cJSON *message = cJSON_GetObjectItemCaseSensitive(req, "message");
	const cJSON *payload = cJSON_GetObjectItemCaseSensitive(req, "payload");

	copy_member(req, "op", r->op, sizeof(r->op));
	copy_member(req, "device", r->device, sizeof(r->device));
	r->command_id = cJSON_IsNumber(id) ? id->valuedouble : cJSON_IsNumber(message) ? message->valuedouble : -1;
	free(r->payload);
	r->payload = cJSON_IsString(payload) ? strdup(payload->valuestring) : NULL;
	r->requests++;
	cJSON_Delete(req);
}

/*
 * The relay's thread: answers every connection's request lines with r->reply
 * (only the first of each when r->once), one connection at a time, until the
 * listening socket is shut down; returns NULL.
 */
static void *serve(void *arg)
{
	struct fake_relay *r = arg;
	size_t reply_len = strlen(r->reply);

	for (;;) {
		int fd = accept(r->listen_fd, NULL, NULL);
		char *line;

		if (fd < 0)
			return NULL;
		r->connections++;
		while ((line = read_line(fd)) != NULL) {
			record(r, line);
			free(line);
			if (write(fd, r->reply, reply_len) != (ssize_t)reply_len || write(fd, "\n", 1) != 1)
				break;
			if (r->once)
				break;
		}
		close(fd);
	}
}

void fake_relay_start(struct fake_relay *r, const char *socket_path, const char *reply)
{
	struct sockaddr_un addr;
	size_t len = strlen(socket_path);

	memset(r, 0, sizeof(*r));
	ck_assert_uint_lt(len, sizeof(addr.sun_path));
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, socket_path, len + 1);
	memcpy(r->path, socket_path, len + 1);
	r->reply = reply;
	r->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(r->listen_fd, 0);
	ck_assert_msg(bind(r->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) == 0, "cannot bind %s",
		      socket_path);
	ck_assert_int_eq(listen(r->listen_fd, 4), 0);
	ck_assert_int_eq(pthread_create(&r->thread, NULL, serve, r), 0);
	r->running = 1;
}

void fake_relay_stop(struct fake_relay *r)
{
	if (!r->running)
		return;
	/* the connection the test's client kept: the thread may be reading from it */
	relay_client_close();
	/* wakes the thread from accept; it then returns */
	shutdown(r->listen_fd, SHUT_RDWR);
	pthread_join(r->thread, NULL);
	close(r->listen_fd);
	unlink(r->path);
	free(r->payload);
	memset(r, 0, sizeof(*r));
}
