/* server.c: the relay's lws 4.1 server in a libuv loop: bridge websockets, the control socket, timers as lws_sul. */
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>
#include <libwebsockets.h>
#include <uv.h>

#include "control.h"
#include "log.h"
#include "recv_guard.h"

/* Replies a control client may leave unread before the relay stops parsing and reading its requests. */
#define CONTROL_OUT_HIGH (16 * 1024 * 1024)
/* Bytes a throttled client's backlog may hold (what lws read before reading stopped); more closes it. */
#define CONTROL_BACKLOG_MAX (2 * CONTROL_LINE_MAX)
/*
 * lws gives every websocket a receive buffer of this size for as long as it
 * is open; messages longer than one buffer arrive in pieces that rx_append
 * joins. Bridges mostly send messages of a few hundred bytes, and at 10,000
 * bridges each KiB here is 10 MB of the relay's memory.
 */
#define BRIDGE_RX_BUFFER 1024
/*
 * The most lws hands to one send() (with 0 it would be BRIDGE_RX_BUFFER and a
 * print would go out in many small writes): a whole DeviceCommand at once.
 */
#define BRIDGE_TX_PACKET (2 * 1024 * 1024)

/* slot of a timer that is not armed */
#define TIMER_IDLE ((size_t)-1)

/* A timer of the registry: its deadline, its place in the server's heap, and what to call. */
struct relay_timer {
	struct relay_server *srv;    /* owner */
	void (*fire)(void *arg);     /* called when it expires */
	void *arg;                   /* fire's argument */
	gint64 due;                  /* when it expires (g_get_monotonic_time microseconds) */
	size_t slot;                 /* its index in srv->timers while armed, else TIMER_IDLE */
};

struct relay_server {
	struct relay_server_config cfg; /* as given (strings borrowed) */
	struct lws_context *context;    /* lws; NULL once destroyed */
	uv_loop_t loop;                 /* the libuv (epoll) loop lws runs in, when loop_ready */
	int loop_ready;                 /* lws runs in loop; 0 when lws polls by itself */
	uv_prepare_t before_wait;       /* in loop: commits the writes queued, after the socket writes of their turn */
	int before_wait_ready;          /* before_wait is started (and must be closed) */
	uv_idle_t poll_now;             /* started while before_wait leaves writes for the next turn: the loop polls without waiting */
	int poll_now_ready;             /* poll_now is initialised (and must be closed) */
	struct registry *reg;           /* the state machine */
	char *socket_path;              /* the control socket file we made */
	/*
	 * The registry's armed timers, a binary min-heap by due. lws keeps its
	 * timers in one sorted list and inserts by walking it: with a timer per
	 * device in that list, arming one walked 10,000 entries, which was most
	 * of the relay's CPU per print at 10,000 bridges. lws gets one timer, sul,
	 * for the earliest due.
	 */
	struct relay_timer **timers;    /* the heap (malloc'd) */
	size_t ntimers;                 /* timers in it */
	size_t timers_cap;              /* slots allocated */
	lws_sorted_usec_list_t sul;     /* lws's timer for the heap's top */
	gint64 sul_due;                 /* when sul fires; 0 when it is not set */
};

/* Per-websocket data of a bridge connection (lws zeroes it). */
struct bridge_pss {
	struct relay_session *session; /* the registry's session; NULL before ESTABLISHED */
	char *rx;                      /* the message being assembled (malloc'd) */
	size_t rx_len;                 /* bytes in rx */
	size_t rx_cap;                 /* bytes allocated for rx */
	int rx_binary;                 /* the message came in binary frames */
	char peer[64];                 /* the peer's IP address, for the log */
	int guard_fd;                  /* the socket recv_guard follows, when guarded */
	int guarded;                   /* recv_guard knows this websocket (from ESTABLISHED) */
	int refused;                   /* bridge_refused logged it and started the close */
};

/* A reply waiting to be written on a control connection. */
struct control_out {
	size_t len;  /* bytes to write: a reply line, newline included, or what a direct send left of it */
	unsigned char buf[]; /* LWS_PRE bytes of headroom, then those bytes */
};

/* Per-connection data of a control client (lws zeroes it). */
struct control_pss {
	GString *in;       /* the partial request line */
	GString *backlog;  /* bytes received but not parsed yet because the client was throttled */
	GQueue out;        /* struct control_out *, in order */
	size_t out_bytes;  /* bytes queued */
	int close_after;   /* close once the queue is written (after a too-long line) */
	int throttled;     /* parsing and reading are paused until the queue drains */
};

/* ---- clock and timers for the registry ---------------------------------------- */

static double env_now(void *ctx)
{
	struct timeval tv;

	(void)ctx;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void env_want_write(void *ctx, void *transport)
{
	(void)ctx;
	lws_callback_on_writable(transport);
}

static void env_close(void *ctx, void *transport)
{
	(void)ctx;
	/* asynchronous: the CLOSED callback then closes the registry's session */
	lws_set_timeout(transport, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* ---- the timer heap ------------------------------------------------------------ */

static void heap_set(struct relay_server *srv, size_t i, struct relay_timer *t)
{
	srv->timers[i] = t;
	t->slot = i;
}

static void heap_up(struct relay_server *srv, size_t i)
{
	struct relay_timer *t = srv->timers[i];

	while (i > 0 && srv->timers[(i - 1) / 2]->due > t->due) {
		heap_set(srv, i, srv->timers[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(srv, i, t);
}

static void heap_down(struct relay_server *srv, size_t i)
{
	struct relay_timer *t = srv->timers[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= srv->ntimers)
			break;
		if (c + 1 < srv->ntimers && srv->timers[c + 1]->due < srv->timers[c]->due)
			c++;
		if (srv->timers[c]->due >= t->due)
			break;
		heap_set(srv, i, srv->timers[c]);
		i = c;
	}
	heap_set(srv, i, t);
}

/* Takes an armed timer out of the heap. */
static void heap_remove(struct relay_server *srv, struct relay_timer *t)
{
	size_t i = t->slot;
	struct relay_timer *last = srv->timers[--srv->ntimers];

	t->slot = TIMER_IDLE;
	if (last == t)
		return;
	heap_set(srv, i, last);
	heap_up(srv, i);
	heap_down(srv, last->slot);
}

static void timers_expired(lws_sorted_usec_list_t *sul);

/* Sets lws's timer for the heap's top when that is earlier than the one set (a later top finds it early and waits on). */
static void timers_schedule(struct relay_server *srv)
{
	gint64 now, due;

	if (!srv->context || srv->ntimers == 0)
		return;
	due = srv->timers[0]->due;
	if (srv->sul_due && srv->sul_due <= due)
		return;
	now = g_get_monotonic_time();
	srv->sul_due = due;
	lws_sul_schedule(srv->context, 0, &srv->sul, timers_expired, due > now ? (lws_usec_t)(due - now) : 0);
}

/* lws's timer: fires the timers that are due (as many as were armed: one that re-arms at once waits a turn). */
static void timers_expired(lws_sorted_usec_list_t *sul)
{
	struct relay_server *srv = lws_container_of(sul, struct relay_server, sul);
	gint64 now = g_get_monotonic_time();
	size_t budget = srv->ntimers;

	srv->sul_due = 0;
	while (budget-- > 0 && srv->ntimers > 0 && srv->timers[0]->due <= now) {
		struct relay_timer *t = srv->timers[0];

		heap_remove(srv, t);
		t->fire(t->arg);
	}
	timers_schedule(srv);
	/* lws fires timers before it waits for sockets: what they wrote must not hold the lock meanwhile (before_wait does it in libuv) */
	if (!srv->before_wait_ready)
		registry_turn_end(srv->reg);
}

/* poll_now's callback: its being started is what matters (libuv polls without a timeout then). */
static void poll_without_waiting(uv_idle_t *handle)
{
	(void)handle;
}

/*
 * libuv's prepare phase, just before the loop polls: the turn's database
 * writes are journaled here, or committed when there is no journal
 * (registry_turn_end). A turn that queued some usually asked for socket
 * writes too (a print's frame to its bridge; the answer to a wake when it
 * could not be sent at once), and those go first: a commit takes a tenth
 * of a millisecond or more, longer behind another process's lock, and
 * would hold the print and the sender meanwhile (a journal's write less).
 * So new writes wait one turn, in which the loop polls without waiting
 * (poll_now) and writes to the sockets.
 */
static void before_wait(uv_prepare_t *handle)
{
	struct relay_server *srv = handle->data;
	int postponed = srv->poll_now_ready && uv_is_active((uv_handle_t *)&srv->poll_now);

	if (!postponed && srv->poll_now_ready && registry_writes_waiting(srv->reg) &&
	    uv_idle_start(&srv->poll_now, poll_without_waiting) == 0)
		return;
	/* the postponed turn is over: its writes go now, whatever came since (no turn is postponed twice) */
	if (postponed)
		uv_idle_stop(&srv->poll_now);
	registry_turn_end(srv->reg);
}

static struct relay_timer *env_timer_new(void *ctx, void (*fire)(void *arg), void *arg)
{
	struct relay_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->srv = ctx;
	t->fire = fire;
	t->arg = arg;
	t->slot = TIMER_IDLE;
	return t;
}

static void env_timer_arm(void *ctx, struct relay_timer *t, double delay)
{
	struct relay_server *srv = ctx;

	if (!srv->context)
		return;
	if (delay < 0)
		delay = 0;
	if (t->slot == TIMER_IDLE) {
		if (srv->ntimers == srv->timers_cap) {
			size_t cap = srv->timers_cap ? srv->timers_cap * 2 : 256;
			struct relay_timer **p = realloc(srv->timers, cap * sizeof(*p));

			if (!p) {
				relay_log(RELAY_LOG_ERROR, "out of memory arming a timer");
				return;
			}
			srv->timers = p;
			srv->timers_cap = cap;
		}
		t->due = g_get_monotonic_time() + (gint64)(delay * 1e6);
		heap_set(srv, srv->ntimers++, t);
		heap_up(srv, t->slot);
	} else {
		t->due = g_get_monotonic_time() + (gint64)(delay * 1e6);
		heap_up(srv, t->slot);
		heap_down(srv, t->slot);
	}
	timers_schedule(srv);
}

static void env_timer_cancel(void *ctx, struct relay_timer *t)
{
	/* lws's timer may stay set: when it fires early it finds nothing due and waits on */
	if (t->slot != TIMER_IDLE)
		heap_remove(ctx, t);
}

static void env_timer_free(void *ctx, struct relay_timer *t)
{
	if (!t)
		return;
	env_timer_cancel(ctx, t);
	free(t);
}

/* ---- bridge websockets ----------------------------------------------------------- */

/* The server of a connection (the context's user pointer). */
static struct relay_server *server_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

/* Appends len bytes to the message being assembled; -1 when it would exceed the limit or memory ran out. */
static int rx_append(struct relay_server *srv, struct bridge_pss *pss, const void *in, size_t len)
{
	if (len > srv->cfg.max_message || pss->rx_len > srv->cfg.max_message - len)
		return -1;
	if (pss->rx_len + len + 1 > pss->rx_cap) {
		size_t cap = pss->rx_cap ? pss->rx_cap : 4096;
		char *p;

		while (cap < pss->rx_len + len + 1)
			cap *= 2;
		if (cap > srv->cfg.max_message + 1)
			cap = srv->cfg.max_message + 1;
		p = realloc(pss->rx, cap);
		if (!p)
			return -1;
		pss->rx = p;
		pss->rx_cap = cap;
	}
	memcpy(pss->rx + pss->rx_len, in, len);
	pss->rx_len += len;
	pss->rx[pss->rx_len] = '\0';
	return 0;
}

/* Counts and logs a bridge message over max_message and closes with 1009. Returns -1 (close the socket). */
static int close_oversize(struct relay_server *srv, struct lws *wsi, struct bridge_pss *pss)
{
	const char *address = registry_session_address(pss->session);

	registry_counters(srv->reg)->oversize++;
	relay_log(RELAY_LOG_WARN, "bridge %s (%s): message larger than %zu bytes, closing the connection",
		  address[0] ? address : "-", pss->peer, srv->cfg.max_message);
	lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)"too large", 9);
	return -1;
}

/* Hands one complete message of a bridge to the registry. Returns 0, or -1 to close the socket. */
static int bridge_message(struct relay_server *srv, struct lws *wsi, struct bridge_pss *pss, const char *text,
			  size_t len)
{
	if (len > srv->cfg.max_message)
		return close_oversize(srv, wsi, pss);
	if (pss->rx_binary) {
		struct registry_counters *c = registry_counters(srv->reg);

		c->messages++;
		c->malformed++;
		relay_log(RELAY_LOG_WARN, "bridge %s (%s): binary message ignored",
			  registry_session_address(pss->session), pss->peer);
		return 0;
	}
	return registry_session_receive(srv->reg, pss->session, text, len) < 0 ? -1 : 0;
}

/*
 * recv_guard refused the connection: the bridge sent a frame without a mask
 * (RFC 6455 5.1), which it kept from libwebsockets with everything after
 * it, or (TLS) bytes came with its request that it could not follow. Fails
 * the connection with 1002: lws writes the close frame at the next POLLOUT.
 * Called from TIMER only (see guard_notify), once: after it, lws is closing
 * the connection, and another -1 would make it hang up before the frame is
 * written. Returns -1 (close).
 */
static int bridge_refused(struct lws *wsi, struct bridge_pss *pss, enum recv_guard_verdict verdict)
{
	static const char unmasked[] = "frame not masked";
	static const char early[] = "data before the handshake's answer";
	const char *address = pss->session && registry_session_address(pss->session)[0] ?
				      registry_session_address(pss->session) : "-";

	pss->refused = 1;
	if (verdict == RECV_GUARD_UNMASKED) {
		relay_log(RELAY_LOG_WARN, "bridge %s (%s): unmasked frame, closing the connection (1002)", address,
			  pss->peer);
		lws_close_reason(wsi, LWS_CLOSE_STATUS_PROTOCOL_ERR, (unsigned char *)unmasked, sizeof(unmasked) - 1);
	} else {
		relay_log(RELAY_LOG_WARN,
			  "bridge %s (%s): bytes after its handshake the relay cannot check, closing the connection (1002)",
			  address, pss->peer);
		lws_close_reason(wsi, LWS_CLOSE_STATUS_PROTOCOL_ERR, (unsigned char *)early, sizeof(early) - 1);
	}
	return -1;
}

/*
 * recv_guard's notify: an unmasked frame arrived on the websocket conn. It
 * is closed from the TIMER callback, at once. Not from WRITEABLE: lws
 * queues the close frame for a later POLLOUT, and in the libuv loop a
 * callback that returns -1 from socket service is closed a second time at
 * once (a check in lws's debug builds, which Debian ships), which finds the
 * frame still waiting and hangs up without it. A TIMER's -1 closes once,
 * outside socket service, in either loop.
 */
static void guard_notify(void *conn)
{
	lws_set_timer_usecs(conn, 0);
}

/* Answers a plain HTTP request on the websocket port: 404, then close. */
static int http_not_found(struct lws *wsi)
{
	if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, "Bridges connect to " RELAY_WS_PATH))
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* 1 when a Sec-WebSocket-Protocol value (a comma-separated list) offers RELAY_WS_PROTOCOL. */
static int offers_our_protocol(const char *list)
{
	char **names = g_strsplit(list, ",", 64);
	int i, found = 0;

	for (i = 0; names[i] && !found; i++)
		found = strcmp(g_strstrip(names[i]), RELAY_WS_PROTOCOL) == 0;
	g_strfreev(names);
	return found;
}

/*
 * Before a websocket upgrade: a handshake that offers subprotocols, none of
 * them ours, is answered 400 with the reason (lws would only hang up, which a
 * web server in front turns into 500). No subprotocol at all is accepted, as
 * some bridges send none. Returns 0 to go on, 1 when the answer was sent, -1
 * to hang up.
 */
static int confirm_upgrade(struct lws *wsi)
{
	char offered[256] = "", peer[64] = "";
	int len = lws_hdr_total_length(wsi, WSI_TOKEN_PROTOCOL);

	if (len <= 0)
		return 0;
	if (len < (int)sizeof(offered) && lws_hdr_copy(wsi, offered, sizeof(offered), WSI_TOKEN_PROTOCOL) >= 0 &&
	    offers_our_protocol(offered))
		return 0;
	lws_get_peer_simple(wsi, peer, sizeof(peer));
	relay_log(RELAY_LOG_WARN, "websocket from %s refused: subprotocol \"%s\" offered, not %s", peer,
		  len < (int)sizeof(offered) ? offered : "(too long)", RELAY_WS_PROTOCOL);
	if (lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST,
				   "Bridges must offer the websocket subprotocol " RELAY_WS_PROTOCOL))
		return -1;
	return 1;
}

/* The lws callback of the bridge protocol (and of plain HTTP on the same port). */
/*
 * The address a bridge's socket comes from: the peer, or, when the peer is
 * this machine (the web server's proxy in front of the relay), the last
 * address the proxy put in X-Forwarded-For. A bridge reconnecting comes from
 * its own address; another socket naming it from elsewhere is refused.
 */
static void peer_address(struct lws *wsi, char *out, size_t size)
{
	char forwarded[256];
	const char *last;
	int n;

	out[0] = '\0';
	lws_get_peer_simple(wsi, out, size);
	if (strcmp(out, "127.0.0.1") != 0 && strcmp(out, "::1") != 0 && strncmp(out, "::ffff:127.", 11) != 0)
		return;
	n = lws_hdr_copy(wsi, forwarded, sizeof(forwarded), WSI_TOKEN_X_FORWARDED_FOR);
	if (n <= 0)
		return;
	last = strrchr(forwarded, ',');
	last = last ? last + 1 : forwarded;
	while (*last == ' ')
		last++;
	n = (int)strlen(last);
	if (n > 0 && (size_t)n < size && strspn(last, "0123456789abcdefABCDEF.:") == (size_t)n)
		memcpy(out, last, (size_t)n + 1);
}

static int callback_bridge(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct bridge_pss *pss = user;
	struct relay_server *srv;
	const char *text;
	size_t n;
	int rc;

	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		/* user is not a pss here; in is the accepted socket */
		if (recv_guard_watch((int)(lws_intptr_t)in) < 0) {
			relay_log(RELAY_LOG_ERROR, "out of memory accepting a connection");
			return 1;
		}
		break;

	case LWS_CALLBACK_HTTP:
		return http_not_found(wsi);

	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return confirm_upgrade(wsi);

	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
		char uri[128];
		char peer[64] = "";

		if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0 || strcmp(uri, RELAY_WS_PATH) != 0) {
			lws_get_peer_simple(wsi, peer, sizeof(peer));
			relay_log(RELAY_LOG_WARN, "websocket from %s refused: wrong path", peer);
			return 1;
		}
		return 0;
	}

	case LWS_CALLBACK_ESTABLISHED:
		srv = server_of(wsi);
		peer_address(wsi, pss->peer, sizeof(pss->peer));
		pss->session = registry_session_open(srv->reg, wsi, pss->peer);
		relay_log(RELAY_LOG_INFO, "websocket from %s accepted", pss->peer);
		pss->guard_fd = lws_get_socket_fd(wsi);
		pss->guarded = 1;
		if (recv_guard_upgraded(pss->guard_fd, wsi) < 0)
			guard_notify(wsi);
		break;

	case LWS_CALLBACK_RECEIVE:
		srv = server_of(wsi);
		if (!pss->session)
			return -1;
		/*
		 * Frames that came with a refused request reach here before TIMER
		 * closes the connection, and frames lws still parses while the close
		 * frame waits: none is read. The TIMER closes once; a second close
		 * while lws waits to write the close frame hangs up without it.
		 */
		if (pss->refused || (pss->guarded && recv_guard_verdict(pss->guard_fd) == RECV_GUARD_BAD_REQUEST))
			return 0;
		if (pss->rx_len == 0) {
			pss->rx_binary = lws_frame_is_binary(wsi);
			/* a whole message in one piece (the usual case) is handled where lws put it */
			if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi))
				return bridge_message(srv, wsi, pss, in, len);
		}
		if (rx_append(srv, pss, in, len) < 0)
			return close_oversize(srv, wsi, pss);
		if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
			break;
		rc = bridge_message(srv, wsi, pss, pss->rx, pss->rx_len);
		/* the joined message's buffer goes back: an idle bridge holds none */
		free(pss->rx);
		pss->rx = NULL;
		pss->rx_cap = pss->rx_len = 0;
		return rc;

	case LWS_CALLBACK_TIMER:
		/* guard_notify's: the only use of this connection's timer */
		if (!pss->refused && pss->guarded && recv_guard_verdict(pss->guard_fd) != RECV_GUARD_OK)
			return bridge_refused(wsi, pss, recv_guard_verdict(pss->guard_fd));
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		srv = server_of(wsi);
		/* nothing more goes to a refused bridge; TIMER closes it */
		if (pss->guarded && recv_guard_verdict(pss->guard_fd) != RECV_GUARD_OK)
			break;
		if (!pss->session)
			break;
		text = registry_session_peek(pss->session, &n);
		if (!text)
			break;
		if (lws_write(wsi, (unsigned char *)text, n, LWS_WRITE_TEXT) < (int)n) {
			relay_log(RELAY_LOG_WARN, "bridge %s (%s): write failed, closing the connection",
				  registry_session_address(pss->session), pss->peer);
			return -1;
		}
		if (registry_session_pop(srv->reg, pss->session))
			lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_RECEIVE_PONG:
		/* bridges send unsolicited pongs every 5 s: nothing to do */
		break;

	case LWS_CALLBACK_CLOSED:
		srv = server_of(wsi);
		if (pss->session) {
			relay_log(RELAY_LOG_INFO, "websocket from %s closed (bridge %s)", pss->peer,
				  registry_session_address(pss->session)[0] ? registry_session_address(pss->session) : "-");
			registry_session_close(srv->reg, pss->session);
			pss->session = NULL;
		}
		free(pss->rx);
		pss->rx = NULL;
		pss->rx_cap = pss->rx_len = 0;
		break;

	case LWS_CALLBACK_WSI_DESTROY:
		/* the socket is closed by now; until then recv_guard kept discarding after an unmasked frame */
		if (pss && pss->guarded)
			recv_guard_forget(pss->guard_fd);
		break;

	default:
		break;
	}
	return 0;
}

/* ---- control socket ------------------------------------------------------------ */

/*
 * Writes the start of a reply line at once when nothing waits before it, on
 * lws's side or ours: the client, often a print request waiting for its
 * answer, then wakes before the relay writes the frame the request sent,
 * not after (tests/bench/notes.md). A reply to close after goes through the
 * queue, whose writable callback closes. Returns the bytes written (0 when
 * the socket is full or lws holds bytes of its own).
 */
static size_t control_write_now(struct lws *wsi, struct control_pss *pss, const unsigned char *line, size_t len)
{
	ssize_t n;

	if (pss->close_after || !g_queue_is_empty(&pss->out) || lws_partial_buffered(wsi))
		return 0;
	do
		n = send(lws_get_socket_fd(wsi), line, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	/* a failed send leaves the line to lws, which then sees the error and closes */
	return n > 0 ? (size_t)n : 0;
}

/* Writes or queues one reply line (reply is consumed: freed here). Returns 0, or -1 when out of memory. */
static int control_queue(struct lws *wsi, struct control_pss *pss, char *reply)
{
	size_t len = strlen(reply), done;
	struct control_out *o;

	reply[len] = '\n'; /* over the NUL: the line is written by length */
	done = control_write_now(wsi, pss, (const unsigned char *)reply, len + 1);
	if (done == len + 1) {
		free(reply);
		return 0;
	}
	o = malloc(sizeof(*o) + LWS_PRE + len + 1 - done);
	if (!o) {
		free(reply);
		return -1;
	}
	o->len = len + 1 - done;
	memcpy(o->buf + LWS_PRE, reply + done, o->len);
	free(reply);
	if (g_queue_is_empty(&pss->out))
		lws_callback_on_writable(wsi);
	g_queue_push_tail(&pss->out, o);
	pss->out_bytes += o->len;
	if (pss->out_bytes > CONTROL_OUT_HIGH && !pss->throttled) {
		pss->throttled = 1;
		lws_rx_flow_control(wsi, 0);
	}
	return 0;
}

/* Answers one complete request line (its newline removed). Returns 0, or -1 to close the connection. */
static int control_line(struct relay_server *srv, struct lws *wsi, struct control_pss *pss, const char *line,
			size_t len)
{
	char *reply;

	if (control_line_blank(line, len))
		return 0;
	if (len && line[len - 1] == '\r')
		len--;
	reply = control_handle(srv->reg, line, len);
	if (!reply)
		reply = control_error_reply("out of memory");
	if (!reply)
		return -1;
	return control_queue(wsi, pss, reply);
}

/* A request line grew past the limit: answer an error, then close once it is written. */
static int control_too_long(struct relay_server *srv, struct lws *wsi, struct control_pss *pss)
{
	char *reply = control_error_reply("request line too long");
	struct registry_counters *c = registry_counters(srv->reg);

	c->control_requests++;
	c->control_errors++;
	relay_log(RELAY_LOG_WARN, "control: request line longer than %d bytes, closing the connection", CONTROL_LINE_MAX);
	g_string_truncate(pss->in, 0);
	pss->close_after = 1;
	lws_rx_flow_control(wsi, 0);
	if (!reply || control_queue(wsi, pss, reply) < 0)
		return -1;
	return 0;
}

/*
 * Splits received bytes into lines and answers each. Once the replies waiting
 * to be written pass CONTROL_OUT_HIGH the client is throttled: parsing stops
 * and the rest of the bytes wait in the backlog until the replies are
 * written (reading stops too), so a chunk full of requests cannot grow the
 * reply queue without bound. Returns 0, or -1 to close the connection.
 */
static int control_rx(struct relay_server *srv, struct lws *wsi, struct control_pss *pss, const char *in, size_t len)
{
	const char *nl;

	if (pss->close_after)
		return 0;
	if (pss->throttled) {
		/* lws may still hand over what it had read before reading stopped */
		if (pss->backlog->len + len > CONTROL_BACKLOG_MAX)
			return -1;
		g_string_append_len(pss->backlog, in, (gssize)len);
		return 0;
	}
	while (len && (nl = memchr(in, '\n', len))) {
		size_t seg = (size_t)(nl - in);

		if (pss->in->len + seg > CONTROL_LINE_MAX)
			return control_too_long(srv, wsi, pss);
		if (pss->in->len) {
			g_string_append_len(pss->in, in, (gssize)seg);
			if (control_line(srv, wsi, pss, pss->in->str, pss->in->len) < 0)
				return -1;
			g_string_truncate(pss->in, 0);
		} else if (control_line(srv, wsi, pss, in, seg) < 0) {
			return -1;
		}
		in = nl + 1;
		len -= seg + 1;
		if (pss->throttled) {
			g_string_append_len(pss->backlog, in, (gssize)len);
			return 0;
		}
	}
	if (pss->in->len + len > CONTROL_LINE_MAX)
		return control_too_long(srv, wsi, pss);
	g_string_append_len(pss->in, in, (gssize)len);
	return 0;
}

/*
 * The replies of a throttled client are all written: parses its backlog (which
 * may throttle it again) and, when that is done, reads from it again.
 * Returns 0, or -1 to close the connection.
 */
static int control_resume(struct relay_server *srv, struct lws *wsi, struct control_pss *pss)
{
	GString *backlog = pss->backlog;
	int rc;

	pss->throttled = 0;
	if (backlog->len) {
		pss->backlog = g_string_sized_new(256);
		rc = control_rx(srv, wsi, pss, backlog->str, backlog->len);
		g_string_free(backlog, TRUE);
		if (rc < 0)
			return -1;
	}
	if (!pss->throttled && !pss->close_after)
		lws_rx_flow_control(wsi, 1);
	return 0;
}

/* The lws callback of control connections (raw sockets on the Unix socket vhost). */
static int callback_control(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct control_pss *pss = user;
	struct control_out *o;

	switch (reason) {
	case LWS_CALLBACK_RAW_ADOPT:
		/* the number may have been a bridge socket's that closed before its websocket was established */
		recv_guard_forget(lws_get_socket_fd(wsi));
		pss->in = g_string_sized_new(256);
		pss->backlog = g_string_sized_new(256);
		g_queue_init(&pss->out);
		relay_log(RELAY_LOG_DEBUG, "control: client connected");
		break;

	case LWS_CALLBACK_RAW_RX:
		if (!pss->in)
			return -1;
		return control_rx(server_of(wsi), wsi, pss, in, len);

	case LWS_CALLBACK_RAW_WRITEABLE:
		o = g_queue_pop_head(&pss->out);
		if (o) {
			int m = lws_write(wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_RAW);

			pss->out_bytes -= o->len;
			free(o);
			if (m < 0)
				return -1;
		}
		if (!g_queue_is_empty(&pss->out)) {
			lws_callback_on_writable(wsi);
		} else if (pss->close_after) {
			return -1;
		} else if (pss->throttled) {
			return control_resume(server_of(wsi), wsi, pss);
		}
		break;

	case LWS_CALLBACK_RAW_CLOSE:
		while ((o = g_queue_pop_head(&pss->out)))
			free(o);
		if (pss->in)
			g_string_free(pss->in, TRUE);
		pss->in = NULL;
		if (pss->backlog)
			g_string_free(pss->backlog, TRUE);
		pss->backlog = NULL;
		relay_log(RELAY_LOG_DEBUG, "control: client disconnected");
		break;

	default:
		break;
	}
	return 0;
}

static const struct lws_protocols bridge_protocols[] = {
	{ RELAY_WS_PROTOCOL, callback_bridge, sizeof(struct bridge_pss), BRIDGE_RX_BUFFER, 0, NULL, BRIDGE_TX_PACKET },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_protocols control_protocols[] = {
	{ "sirius-control", callback_control, sizeof(struct control_pss), 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* ---- setup --------------------------------------------------------------------- */

/* lws's own error and warning lines, into our log. */
static void lws_log_line(int level, const char *line)
{
	char text[512];
	size_t n;

	snprintf(text, sizeof(text), "%s", line);
	n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	relay_log(level == LLL_ERR ? RELAY_LOG_ERROR : RELAY_LOG_WARN, "lws: %s", text);
}

/*
 * Makes the control socket path free: fails when a relay answers on it,
 * removes a stale socket file, refuses to remove anything but a socket.
 * Returns 0, or -1 with a reason in err.
 */
static int control_socket_prepare(const char *path, struct sirius_error *err)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return error_set(err, "control socket path too long: %s", path);
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : error_set(err, "control socket %s: %s", path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return error_set(err, "%s exists and is not a socket", path);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set(err, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return error_set(err, "another relay is listening on %s", path);
	}
	close(fd);
	if (unlink(path) < 0 && errno != ENOENT)
		return error_set(err, "removing the stale socket %s: %s", path, strerror(errno));
	relay_log(RELAY_LOG_INFO, "removed the stale control socket %s", path);
	return 0;
}

/* Creates a websocket listener vhost; tls selects the certificate. Returns 0, or -1 with a reason in err. */
static int ws_vhost(struct relay_server *srv, const char *name, const char *host, int port, int tls,
		    struct sirius_error *err)
{
	struct lws_context_creation_info info;
	struct lws_vhost *vh;

	memset(&info, 0, sizeof(info));
	info.vhost_name = name;
	info.iface = host;
	info.port = port;
	info.protocols = bridge_protocols;
	info.options = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	if (host && !strchr(host, ':'))
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	if (tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = srv->cfg.tls_cert;
		info.ssl_private_key_filepath = srv->cfg.tls_key;
	}
	vh = lws_create_vhost(srv->context, &info);
	if (!vh)
		return error_set(err, "cannot listen on %s:%d%s", host ? host : "*", port, tls ? " (TLS)" : "");
	relay_log(RELAY_LOG_INFO, "listening for bridges on %s://%s:%d%s", tls ? "wss" : "ws", host ? host : "*",
		  lws_get_vhost_listen_port(vh), RELAY_WS_PATH);
	return 0;
}

/* Creates the control socket vhost. Returns 0, or -1 with a reason in err. */
static int control_vhost(struct relay_server *srv, struct sirius_error *err)
{
	struct lws_context_creation_info info;

	if (control_socket_prepare(srv->cfg.socket_path, err) < 0)
		return -1;
	memset(&info, 0, sizeof(info));
	info.vhost_name = "control";
	info.iface = srv->cfg.socket_path;
	info.port = 0; /* lws binds a Unix socket only with port 0 */
	info.protocols = control_protocols;
	info.options = LWS_SERVER_OPTION_UNIX_SOCK | LWS_SERVER_OPTION_ADOPT_APPLY_LISTEN_ACCEPT_CONFIG |
		       LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	info.listen_accept_role = "raw-skt";
	info.listen_accept_protocol = "sirius-control";
	if (!lws_create_vhost(srv->context, &info))
		return error_set(err, "cannot listen on the control socket %s", srv->cfg.socket_path);
	srv->socket_path = strdup(srv->cfg.socket_path);
	if (chmod(srv->cfg.socket_path, 0660) < 0)
		relay_log(RELAY_LOG_WARN, "chmod 0660 %s: %s", srv->cfg.socket_path, strerror(errno));
	relay_log(RELAY_LOG_INFO, "control socket %s", srv->cfg.socket_path);
	return 0;
}

struct relay_server *relay_server_new(const struct relay_server_config *cfg, const struct relay_store *store,
				      struct sirius_error *err)
{
	struct relay_server *srv = calloc(1, sizeof(*srv));
	struct lws_context_creation_info info;
	struct relay_env env;
	struct registry_config rc;
	const char *missing;

	if (!srv) {
		error_set(err, "out of memory");
		return NULL;
	}
	if (recv_guard_in_effect(&missing) < 0) {
		error_set(err, "sirius-relay was linked without %s in its dynamic symbol table, so bridges' frames would "
			  "go unchecked: link it with -Wl,--export-dynamic-symbol=%s", missing, missing);
		free(srv);
		return NULL;
	}
	srv->cfg = *cfg;
	recv_guard_set_notify(guard_notify);
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_line);

	memset(&info, 0, sizeof(info));
	/*
	 * Text frames that are not UTF-8 fail the connection with 1007 (RFC 6455
	 * 8.1). lws 4.1 reads this option from the context, not the vhost.
	 */
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (cfg->tls_port)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.user = srv;
	info.ka_time = 60;
	info.ka_probes = 5;
	info.ka_interval = 10;
	info.gid = -1;
	info.uid = -1;
	/*
	 * A libuv loop of ours (epoll): lws's own loop poll()s every open socket
	 * at every wake-up, which at 10,000 heartbeating bridges is most of the
	 * relay's CPU. The loop is ours ("foreign" to lws) so that
	 * relay_server_run can turn it once at a time and see the signal flags,
	 * and the signals stay ours. Not libev: lws 4.1's libev plugin re-arms
	 * its one timer with ev_timer_set and ev_timer_start, which do nothing
	 * while that timer is running, so an lws_sul due earlier than the one
	 * armed waited for it (the registry's timers fired up to 30 s late, at
	 * lws's own housekeeping); its libuv plugin restarts the timer with each
	 * new earliest sul.
	 */
	if (uv_loop_init(&srv->loop) == 0) {
		void *loops[1] = { &srv->loop };

		srv->loop_ready = 1;
		info.options |= LWS_SERVER_OPTION_LIBUV;
		info.foreign_loops = loops;
		srv->context = lws_create_context(&info);
		info.foreign_loops = NULL;
		info.options &= ~(uint64_t)LWS_SERVER_OPTION_LIBUV;
		if (!srv->context) {
			uv_loop_close(&srv->loop);
			srv->loop_ready = 0;
		}
	}
	if (!srv->context) {
		relay_log(RELAY_LOG_WARN, "libwebsockets' libuv event loop is not available (Debian package "
			  "libwebsockets-evlib-uv): using poll(), which costs CPU for every open socket at every event");
		srv->context = lws_create_context(&info);
	}
	if (!srv->context) {
		error_set(err, "cannot create the libwebsockets context");
		free(srv);
		return NULL;
	}
	relay_log(RELAY_LOG_INFO, "event loop: %s", srv->loop_ready ? "libuv (epoll)" : "lws poll()");

	env.ctx = srv;
	env.now = env_now;
	env.want_write = env_want_write;
	env.timer_new = env_timer_new;
	env.timer_arm = env_timer_arm;
	env.timer_cancel = env_timer_cancel;
	env.timer_free = env_timer_free;
	env.close = env_close;
	rc = cfg->registry;
	rc.headroom = LWS_PRE;
	srv->reg = registry_new(&rc, &env, store);
	if (!srv->reg) {
		error_set(err, "out of memory");
		relay_server_free(srv);
		return NULL;
	}
	if (srv->loop_ready && uv_prepare_init(&srv->loop, &srv->before_wait) == 0) {
		srv->before_wait.data = srv;
		uv_prepare_start(&srv->before_wait, before_wait);
		srv->before_wait_ready = 1;
		srv->poll_now_ready = uv_idle_init(&srv->loop, &srv->poll_now) == 0;
	}
	if (ws_vhost(srv, "default", cfg->listen_host, cfg->listen_port, 0, err) < 0 ||
	    (cfg->tls_port && ws_vhost(srv, "tls", cfg->tls_host, cfg->tls_port, 1, err) < 0) ||
	    control_vhost(srv, err) < 0) {
		relay_server_free(srv);
		return NULL;
	}
	return srv;
}

int relay_server_run(struct relay_server *srv, volatile sig_atomic_t *stop, volatile sig_atomic_t *reopen)
{
	while (!*stop) {
		if (*reopen) {
			*reopen = 0;
			if (relay_log_reopen() < 0)
				relay_log(RELAY_LOG_ERROR, "cannot reopen the log file: %s", strerror(errno));
			else
				relay_log(RELAY_LOG_INFO, "log file reopened");
		}
		if (srv->loop_ready) {
			/* one turn: lws_cancel_service (signals, relay_server_wake) ends a wait */
			uv_run(&srv->loop, UV_RUN_ONCE);
		} else if (lws_service(srv->context, 0) < 0) {
			relay_log(RELAY_LOG_ERROR, "the event loop failed");
			registry_turn_end(srv->reg);
			return -1;
		}
		/* in libuv, before_wait does the writes, after the sockets' */
		if (!srv->before_wait_ready)
			registry_turn_end(srv->reg);
	}
	return 0;
}

void relay_server_wake(struct relay_server *srv)
{
	if (srv && srv->context)
		lws_cancel_service(srv->context);
}

void relay_server_set_checkpointer(struct relay_server *srv, struct checkpointer *cp)
{
	registry_set_checkpointer(srv->reg, cp);
}

void relay_server_set_journal(struct relay_server *srv, struct relay_journal *journal)
{
	registry_set_journal(srv->reg, journal);
}

void relay_server_free(struct relay_server *srv)
{
	if (!srv)
		return;
	if (srv->before_wait_ready) {
		uv_prepare_stop(&srv->before_wait);
		uv_close((uv_handle_t *)&srv->before_wait, NULL);
		srv->before_wait_ready = 0;
	}
	if (srv->poll_now_ready) {
		uv_idle_stop(&srv->poll_now);
		uv_close((uv_handle_t *)&srv->poll_now, NULL);
		srv->poll_now_ready = 0;
	}
	/* closing the sockets calls back into the registry, so it goes after */
	if (srv->context) {
		lws_context_destroy(srv->context);
		if (srv->loop_ready) {
			/*
			 * libuv closes lws's handles asynchronously: the loop runs
			 * until they are all closed (no handles of ours are left in
			 * it), then lws can free the context.
			 */
			uv_run(&srv->loop, UV_RUN_DEFAULT);
			lws_context_destroy(srv->context);
		}
	}
	srv->context = NULL;
	recv_guard_clear();
	if (srv->loop_ready && uv_loop_close(&srv->loop) != 0)
		relay_log(RELAY_LOG_WARN, "the event loop still had open handles at exit");
	srv->loop_ready = 0;
	/* after the sockets: what closing them wrote is done with the registry's last writes */
	registry_free(srv->reg);
	free(srv->timers);
	if (srv->socket_path) {
		unlink(srv->socket_path);
		free(srv->socket_path);
	}
	free(srv);
}
