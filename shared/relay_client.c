/* relay_client.c: one request, one reply over sirius-relay's Unix control socket, with a deadline. */
#include "relay_client.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "device_address.h"

/* Milliseconds on the monotonic clock. */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes. Returns 0, or -1 with a reason in err. */
static int wait_fd(int fd, short events, long long deadline, struct sirius_error *err)
{
	for (;;) {
		struct pollfd p = { fd, events, 0 };
		long long left = deadline - now_ms();
		int n;

		if (left <= 0)
			return error_set(err, "the relay did not answer in time");
		n = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return error_set(err, "poll: %s", strerror(errno));
	}
}

/* Connects to the socket before the deadline. Returns the descriptor, or -1 with a reason in err. */
static int connect_relay(const char *path, long long deadline, struct sirius_error *err)
{
	struct sockaddr_un sa;
	int fd;

	if (!path || !path[0])
		return error_set(err, "no relay socket path");
	if (strlen(path) >= sizeof(sa.sun_path))
		return error_set(err, "relay socket path too long");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return error_set(err, "socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		if (errno == EINPROGRESS) {
			int soerr = 0;
			socklen_t len = sizeof(soerr);

			if (wait_fd(fd, POLLOUT, deadline, err) < 0) {
				close(fd);
				return -1;
			}
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0)
				return fd;
			close(fd);
			return error_set(err, "cannot reach the relay at %s: %s", path, strerror(soerr));
		}
		if (errno != EAGAIN && errno != EINTR) {
			int e = errno;

			close(fd);
			return error_set(err, "cannot reach the relay at %s: %s", path, strerror(e));
		}
		/* the relay's backlog is full: try again shortly */
		close(fd);
		if (now_ms() + 10 >= deadline)
			return error_set(err, "the relay at %s is too busy to accept", path);
		poll(NULL, 0, 10);
	}
}

/*
 * One connection to the relay is kept per process between requests: a
 * FastCGI process asks for print after print, and a connection each cost a
 * connect, an accept, and the relay's setup and teardown of a socket in its
 * event loop. A kept connection is only reused while it is known to be at a
 * request's start: after a whole reply and nothing more. Any failure closes
 * it.
 */
static struct {
	int fd;                 /* -1 when none is kept */
	char path[108];         /* the socket it is connected to (sun_path's size) */
} kept = { -1, "" };

/* The kept connection to path, when there is one and the relay has not closed it; else -1. */
static int kept_take(const char *path)
{
	int fd = kept.fd;
	char byte;
	ssize_t n;

	if (fd < 0)
		return -1;
	kept.fd = -1;
	if (strcmp(kept.path, path) != 0) {
		close(fd);
		return -1;
	}
	/* a relay that restarted closed it; nothing else may be waiting on a connection between requests */
	n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return fd;
	close(fd);
	return -1;
}

static void kept_put(int fd, const char *path)
{
	if (kept.fd >= 0)
		close(kept.fd);
	kept.fd = -1;
	if (strlen(path) >= sizeof(kept.path)) {
		close(fd);
		return;
	}
	memcpy(kept.path, path, strlen(path) + 1);
	kept.fd = fd;
}

void relay_client_close(void)
{
	if (kept.fd >= 0)
		close(kept.fd);
	kept.fd = -1;
}

/* One reply line being read: the buffer grows by doubling up to RELAY_CLIENT_REPLY_MAX. */
struct reply_buffer {
	char *data;
	size_t used, cap;
};

/*
 * Writes the request line (len bytes, its newline included) on fd and reads
 * the reply line into in. Returns 0 with in holding the line and whatever
 * followed it, or -1 with a reason in err.
 */
static int exchange(int fd, const char *line, size_t len, long long deadline, struct reply_buffer *in, char **nl,
		    struct sirius_error *err)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);

		if (n > 0) {
			off += (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLOUT, deadline, err) < 0)
				return -1;
		} else {
			return error_set(err, "writing to the relay: %s", strerror(errno));
		}
	}
	*nl = NULL;
	while (!*nl) {
		ssize_t n;

		if (in->used + 4096 + 1 > in->cap) {
			size_t ncap = in->cap ? in->cap * 2 : 8192;
			char *p;

			if (ncap > RELAY_CLIENT_REPLY_MAX + 4096 + 1)
				ncap = RELAY_CLIENT_REPLY_MAX + 4096 + 1;
			if (in->used >= RELAY_CLIENT_REPLY_MAX)
				return error_set(err, "the relay's reply is too long");
			p = realloc(in->data, ncap);
			if (!p)
				return error_set(err, "out of memory");
			in->data = p;
			in->cap = ncap;
		}
		n = recv(fd, in->data + in->used, in->cap - in->used - 1, 0);
		if (n > 0) {
			*nl = memchr(in->data + in->used, '\n', (size_t)n);
			in->used += (size_t)n;
		} else if (n == 0) {
			return error_set(err, "the relay closed the connection without answering");
		} else if (errno == EAGAIN || errno == EINTR) {
			if (wait_fd(fd, POLLIN, deadline, err) < 0)
				return -1;
		} else {
			return error_set(err, "reading from the relay: %s", strerror(errno));
		}
	}
	return 0;
}

int relay_request(const char *socket_path, const cJSON *request, int timeout_ms, cJSON **reply,
		  struct sirius_error *err)
{
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : RELAY_CLIENT_TIMEOUT_MS);
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(request, "op");
	struct reply_buffer in = { NULL, 0, 0 };
	char *text = NULL, *nl = NULL;
	size_t len;
	int fd, reused, rc = -1, may_repeat;

	*reply = NULL;
	if (!request || !cJSON_IsObject(request))
		return error_set(err, "a relay request must be a JSON object");
	if (!socket_path || !socket_path[0])
		return error_set(err, "no relay socket path");
	text = cJSON_PrintUnformatted(request);
	if (!text)
		return error_set(err, "out of memory");
	len = strlen(text);
	text[len] = '\n'; /* replaces the NUL: the line is len + 1 bytes, not a C string any more */
	/* a deliver writes a command each time it is asked: never sent twice */
	may_repeat = !(cJSON_IsString(op) && strcmp(op->valuestring, "deliver") == 0);
	fd = kept_take(socket_path);
	reused = fd >= 0;
	if (!reused)
		fd = connect_relay(socket_path, deadline, err);
	if (fd < 0)
		goto out;
	if (exchange(fd, text, len + 1, deadline, &in, &nl, err) < 0) {
		close(fd);
		fd = -1;
		/*
		 * A kept connection the relay closed just as this request went
		 * out (it restarted, or a stand-in that answers once per
		 * connection): nothing was answered, so ask once more on a new
		 * one. A relay that read the request and then stopped would see
		 * it twice: harmless for every op but deliver.
		 */
		if (!reused || !may_repeat || in.used > 0 || now_ms() >= deadline)
			goto out;
		fd = connect_relay(socket_path, deadline, err);
		if (fd < 0 || exchange(fd, text, len + 1, deadline, &in, &nl, err) < 0)
			goto out;
	}
	*nl = '\0';
	*reply = cJSON_ParseWithLengthOpts(in.data, (size_t)(nl - in.data) + 1, NULL, 1);
	if (!*reply || !cJSON_IsObject(*reply)) {
		cJSON_Delete(*reply);
		*reply = NULL;
		error_set(err, "the relay answered something that is not a JSON object");
		goto out;
	}
	rc = 0;
	/* kept only at a request's start: a whole reply and nothing after it */
	if ((size_t)(nl - in.data) + 1 == in.used) {
		kept_put(fd, socket_path);
		fd = -1;
	}
out:
	if (fd >= 0)
		close(fd);
	free(text);
	free(in.data);
	return rc;
}

/*
 * Sends request, waiting at most timeout_ms, and checks the reply says ok. Returns 0 with *reply (to
 * delete), or -1 with a reason in err (the error reply's text for a refusal).
 */
static int request_ok(const char *socket_path, cJSON *request, int timeout_ms, cJSON **reply,
		      struct sirius_error *err)
{
	const cJSON *ok, *error;

	if (!request)
		return error_set(err, "out of memory");
	if (relay_request(socket_path, request, timeout_ms, reply, err) < 0)
		return -1;
	ok = cJSON_GetObjectItemCaseSensitive(*reply, "ok");
	if (cJSON_IsTrue(ok))
		return 0;
	error = cJSON_GetObjectItemCaseSensitive(*reply, "error");
	error_set(err, "the relay refused: %s", cJSON_IsString(error) ? error->valuestring : "(no reason given)");
	cJSON_Delete(*reply);
	*reply = NULL;
	return -1;
}

/* Reads the "result" of a deliver or push_key reply. Returns 0, or -1 with a reason in err. */
static int read_outcome(const cJSON *reply, int allow_unclaimed, enum relay_delivery *outcome,
			struct sirius_error *err)
{
	const cJSON *result = cJSON_GetObjectItemCaseSensitive(reply, "result");

	if (!cJSON_IsString(result))
		return error_set(err, "the relay's reply has no result");
	if (strcmp(result->valuestring, "sent") == 0)
		*outcome = RELAY_SENT;
	else if (strcmp(result->valuestring, "offline") == 0)
		*outcome = RELAY_OFFLINE;
	else if (allow_unclaimed && strcmp(result->valuestring, "unclaimed") == 0)
		*outcome = RELAY_UNCLAIMED;
	else
		return error_set(err, "the relay answered an unknown result");
	return 0;
}

int relay_deliver(const char *socket_path, const char *device_address, uint32_t command_id,
		  const char *payload_base64, enum relay_delivery *outcome, struct sirius_error *err)
{
	cJSON *req, *reply = NULL;
	int rc;

	if (!device_address_valid(device_address))
		return error_set(err, "invalid device address");
	if (command_id == 0)
		return error_set(err, "command_id must not be 0");
	if (!payload_base64)
		return error_set(err, "no payload");
	req = cJSON_CreateObject();
	if (req && (!cJSON_AddStringToObject(req, "op", "deliver") ||
		    !cJSON_AddStringToObject(req, "device", device_address) ||
		    !cJSON_AddNumberToObject(req, "command_id", (double)command_id) ||
		    !cJSON_AddStringToObject(req, "payload", payload_base64))) {
		cJSON_Delete(req);
		req = NULL;
	}
	rc = request_ok(socket_path, req, RELAY_CLIENT_TIMEOUT_MS, &reply, err);
	cJSON_Delete(req);
	if (rc == 0)
		rc = read_outcome(reply, 0, outcome, err);
	cJSON_Delete(reply);
	return rc;
}

int relay_push_key(const char *socket_path, const char *device_address, enum relay_delivery *outcome,
		   struct sirius_error *err)
{
	cJSON *req, *reply = NULL;
	int rc;

	if (!device_address_valid(device_address))
		return error_set(err, "invalid device address");
	req = cJSON_CreateObject();
	if (req && (!cJSON_AddStringToObject(req, "op", "push_key") ||
		    !cJSON_AddStringToObject(req, "device", device_address))) {
		cJSON_Delete(req);
		req = NULL;
	}
	rc = request_ok(socket_path, req, RELAY_CLIENT_TIMEOUT_MS, &reply, err);
	cJSON_Delete(req);
	if (rc == 0)
		rc = read_outcome(reply, 1, outcome, err);
	cJSON_Delete(reply);
	return rc;
}

int relay_status(const char *socket_path, const char *const *addresses, size_t count,
		 struct relay_device_status *out, struct sirius_error *err)
{
	cJSON *req, *list, *reply = NULL;
	const cJSON *devices, *item;
	size_t i;
	int rc;

	if (count == 0)
		return 0;
	for (i = 0; i < count; i++)
		if (!device_address_valid(addresses[i]))
			return error_set(err, "invalid device address at %zu", i);
	req = cJSON_CreateObject();
	list = req ? cJSON_AddArrayToObject(req, "devices") : NULL;
	if (!list || !cJSON_AddStringToObject(req, "op", "status")) {
		cJSON_Delete(req);
		req = NULL;
	}
	for (i = 0; req && i < count; i++) {
		cJSON *s = cJSON_CreateString(addresses[i]);

		if (!s || !cJSON_AddItemToArray(list, s)) {
			cJSON_Delete(s);
			cJSON_Delete(req);
			req = NULL;
		}
	}
	rc = request_ok(socket_path, req, RELAY_CLIENT_STATUS_TIMEOUT_MS, &reply, err);
	cJSON_Delete(req);
	if (rc < 0)
		return -1;
	devices = cJSON_GetObjectItemCaseSensitive(reply, "devices");
	if (!cJSON_IsArray(devices) || (size_t)cJSON_GetArraySize(devices) != count) {
		cJSON_Delete(reply);
		return error_set(err, "the relay's status reply does not match the request");
	}
	i = 0;
	cJSON_ArrayForEach(item, devices) {
		const cJSON *address = cJSON_GetObjectItemCaseSensitive(item, "address");
		const cJSON *online = cJSON_GetObjectItemCaseSensitive(item, "online");
		const cJSON *bridge = cJSON_GetObjectItemCaseSensitive(item, "bridge");
		const cJSON *last_seen = cJSON_GetObjectItemCaseSensitive(item, "last_seen");

		if (!cJSON_IsString(address) || strcmp(address->valuestring, addresses[i]) != 0 ||
		    !cJSON_IsBool(online) || !cJSON_IsString(bridge) || !cJSON_IsNumber(last_seen) ||
		    (bridge->valuestring[0] && !device_address_valid(bridge->valuestring))) {
			cJSON_Delete(reply);
			return error_set(err, "the relay's status of %s is malformed", addresses[i]);
		}
		memset(&out[i], 0, sizeof(out[i]));
		memcpy(out[i].address, addresses[i], DEVICE_ADDRESS_LEN + 1);
		out[i].online = cJSON_IsTrue(online);
		memcpy(out[i].bridge, bridge->valuestring, strlen(bridge->valuestring) + 1);
		out[i].last_seen = last_seen->valuedouble;
		i++;
	}
	cJSON_Delete(reply);
	return 0;
}

int relay_wake(const char *socket_path, const char *device_address, uint32_t message_id, int timeout_ms,
	       enum relay_wake_result *result, struct sirius_error *err)
{
	cJSON *req, *reply = NULL;
	const cJSON *answer;
	int rc;

	if (!device_address_valid(device_address))
		return error_set(err, "invalid device address");
	req = cJSON_CreateObject();
	if (req && (!cJSON_AddStringToObject(req, "op", "wake") ||
		    !cJSON_AddStringToObject(req, "device", device_address) ||
		    (message_id && !cJSON_AddNumberToObject(req, "message", (double)message_id)))) {
		cJSON_Delete(req);
		req = NULL;
	}
	rc = request_ok(socket_path, req, timeout_ms, &reply, err);
	cJSON_Delete(req);
	if (rc == 0) {
		answer = cJSON_GetObjectItemCaseSensitive(reply, "result");
		if (!cJSON_IsString(answer))
			rc = error_set(err, "the relay's reply has no result");
		else if (strcmp(answer->valuestring, "sent") == 0)
			*result = RELAY_WAKE_SENT;
		else if (strcmp(answer->valuestring, "queued") == 0)
			*result = RELAY_WAKE_QUEUED;
		else if (strcmp(answer->valuestring, "offline") == 0)
			*result = RELAY_WAKE_OFFLINE;
		else
			rc = error_set(err, "the relay answered an unknown result");
	}
	cJSON_Delete(reply);
	return rc;
}

int relay_cancel(const char *socket_path, uint32_t message_id, struct sirius_error *err)
{
	cJSON *req, *reply = NULL;
	int rc;

	if (message_id == 0)
		return error_set(err, "no message to cancel");
	req = cJSON_CreateObject();
	if (req && (!cJSON_AddStringToObject(req, "op", "cancel") ||
		    !cJSON_AddNumberToObject(req, "message", (double)message_id))) {
		cJSON_Delete(req);
		req = NULL;
	}
	rc = request_ok(socket_path, req, RELAY_WAKE_TIMEOUT_MS, &reply, err);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	return rc;
}
