/* fake_emulate.c: "sirius-fake emulate": a BERG bridge with one Little Printer behind it, over a libwebsockets client. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <glib.h>
#include <libwebsockets.h>
#include <openssl/evp.h>

#include "base64.h"
#include "bitmap.h"
#include "bitmap_png.h"
#include "device_event.h"
#include "fake_button.h"
#include "fake_say.h"
#include "fake_cli.h"
#include "fake_printer_file.h"
#include "link_key.h"
#include "printer_payload.h"
#include "return_code.h"

/* The subprotocol a bridge offers. */
#define BRIDGE_SUBPROTOCOL "bergcloud-bridge-v1"

/* Defaults of the timers, in seconds, and the reconnection backoff's bounds. */
#define DEFAULT_KEY_INTERVAL 30
#define DEFAULT_HEARTBEAT 10
#define PONG_INTERVAL 5
#define BACKOFF_FIRST 1
#define BACKOFF_MAX 30

/* The largest text frame from the server we assemble; bigger messages are dropped. */
#define MAX_MESSAGE_BYTES (4 * 1024 * 1024)

/* Columns and most lines of the ASCII preview of a print. */
#define PREVIEW_COLUMNS 64
#define PREVIEW_MAX_LINES 48

/* The signal-safe flag the main loop checks: set by SIGINT and SIGTERM. */
static volatile sig_atomic_t interrupted;

/* The state of one emulated bridge and its printer, kept for the whole run across reconnections. */
struct emulator {
	struct fake_printer printer;            /* the printer of the .printer file */
	char bridge_address[DEVICE_ADDRESS_LEN + 1]; /* the bridge's address, derived from the printer's */
	char expected_key[LINK_KEY_BASE64_SIZE]; /* the link key of the printer's secret, base64 */
	char url_copy[1024];                    /* the URL, cut up in place by lws_parse_uri */
	const char *host;                       /* the server's host (in url_copy) */
	int port;                               /* the server's port */
	char path[1024];                        /* the request path with its leading / */
	int use_tls;                            /* 1 for wss:// */
	const char *out_dir;                    /* where PNGs are written */
	int key_interval;                       /* seconds between encryption_key_required events */
	int heartbeat_interval;                 /* seconds between heartbeats */
	int once;                               /* 1: stop after the first print is written */

	struct lws_context *context;            /* the libwebsockets context */
	struct lws *wsi;                        /* the connection; NULL while there is none */
	int connecting;                         /* 1 between a connect attempt and its outcome */
	int backoff;                            /* seconds before the next reconnection */
	GHashTable *files;                      /* command ids printed so far (the printer's files), a set */
	int reconnect_pending;                  /* 1 while sul_reconnect is scheduled */
	int key_accepted;                       /* 1 once the right key arrived */
	int powered_on;                         /* 1 once did_power_on was sent */
	int pong_due;                           /* 1 when an unsolicited pong should be sent */
	int finishing;                          /* 1 when --once is satisfied: close after the queue drains */
	int done;                               /* 1 when the main loop should end */
	unsigned long prints;                   /* commands whose images were written */
	struct fake_button button;              /* deliveries held for the button, quips (fake_button.h) */
	struct timespec started;                /* monotonic start, for uptime */

	GQueue *outgoing;                       /* char * JSON texts waiting for WRITEABLE (g_free'd) */
	GByteArray *incoming;                   /* the fragments of the message being received */
	int incoming_too_big;                   /* 1 when the current message is being dropped */

	lws_sorted_usec_list_t sul_reconnect;   /* next connection attempt */
	lws_sorted_usec_list_t sul_key;         /* next encryption_key_required */
	lws_sorted_usec_list_t sul_heartbeat;   /* next heartbeat */
	lws_sorted_usec_list_t sul_pong;        /* next unsolicited pong */
};

/* printf to stderr as one line prefixed "error: ". */
static void say_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Copies untrusted text into out (size bytes) for a log line: printable ASCII
 * is kept, everything else becomes \xNN, and long text is cut with "...".
 * Returns out.
 */
static const char *printable(const char *text, char *out, size_t size)
{
	size_t o = 0;

	if (!text)
		text = "(null)";
	for (; *text && o + 8 < size; text++) {
		unsigned char c = (unsigned char)*text;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
	}
	if (*text)
		o += (size_t)snprintf(out + o, size - o, "...");
	out[o] = '\0';
	return out;
}

/* Seconds since the emulator started. */
static uint32_t uptime_seconds(const struct emulator *em)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint32_t)(now.tv_sec - em->started.tv_sec);
}

/* The wall clock as float seconds, the bridges' timestamp. */
static double timestamp_now(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/*
 * The bridge's address, derived from the printer's so that runs with the same
 * file are the same bridge: Ember's OUI 00:0d:6f followed by five bytes of
 * SHA-256("bridge of " + printer address). Returns 0, or -1 when libcrypto fails.
 */
static int derive_bridge_address(const char *printer_address, char out[DEVICE_ADDRESS_LEN + 1])
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	char input[64];

	snprintf(input, sizeof(input), "bridge of %s", printer_address);
	if (EVP_Digest(input, strlen(input), digest, &digest_len, EVP_sha256(), NULL) != 1 || digest_len < 5)
		return -1;
	snprintf(out, DEVICE_ADDRESS_LEN + 1, "000d6f%02x%02x%02x%02x%02x",
		 digest[0], digest[1], digest[2], digest[3], digest[4]);
	return 0;
}

/* Queues a JSON object (consumed) to be sent and asks for WRITEABLE. Drops it when not connected. */
static void send_json(struct emulator *em, cJSON *json)
{
	char *text;

	if (!json)
		return;
	if (!em->wsi) {
		cJSON_Delete(json);
		return;
	}
	text = cJSON_PrintUnformatted(json);
	cJSON_Delete(json);
	if (!text) {
		say_error("out of memory building a message");
		return;
	}
	g_queue_push_tail(em->outgoing, g_strdup(text));
	cJSON_free(text);
	lws_callback_on_writable(em->wsi);
}

/* A new message object with the fields every bridge message has; NULL when out of memory. */
static cJSON *new_message(const struct emulator *em, const char *type)
{
	cJSON *msg = cJSON_CreateObject();

	if (!msg)
		return NULL;
	if (!cJSON_AddStringToObject(msg, "type", type) ||
	    !cJSON_AddStringToObject(msg, "bridge_address", em->bridge_address) ||
	    !cJSON_AddNumberToObject(msg, "timestamp", timestamp_now())) {
		cJSON_Delete(msg);
		return NULL;
	}
	return msg;
}

/* A BridgeEvent named name, with the printer's device_address when with_device. NULL when out of memory. */
static cJSON *bridge_event(const struct emulator *em, const char *name, int with_device)
{
	cJSON *msg = new_message(em, "BridgeEvent");
	cJSON *payload = msg ? cJSON_AddObjectToObject(msg, "json_payload") : NULL;

	if (!payload || !cJSON_AddStringToObject(payload, "name", name) ||
	    (with_device && !cJSON_AddStringToObject(payload, "device_address", em->printer.address))) {
		cJSON_Delete(msg);
		return NULL;
	}
	return msg;
}

/* Adds a realistic rssi_stats array to msg. Returns 0, or -1 when out of memory. */
static int add_rssi(cJSON *msg)
{
	static const int rssi[3] = { -30, -31, -30 };
	cJSON *array = cJSON_CreateIntArray(rssi, 3);

	if (!array || !cJSON_AddItemToObject(msg, "rssi_stats", array)) {
		cJSON_Delete(array);
		return -1;
	}
	return 0;
}

/* Stores v little-endian at p, in n bytes. */
static void put_le(uint8_t *p, uint32_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Queues a DeviceEvent with event code, header command id and len bytes of payload. */
static void send_device_event(struct emulator *em, uint16_t code, uint32_t command_id, const uint8_t *payload,
			      size_t len)
{
	uint8_t buf[DEVICE_EVENT_HEADER_SIZE + DEVICE_EVENT_DID_POWER_ON_SIZE_LONG];
	cJSON *msg;
	char *b64;

	if (len > sizeof(buf) - DEVICE_EVENT_HEADER_SIZE)
		return;
	put_le(buf, code, 2);
	put_le(buf + 2, command_id, 4);
	put_le(buf + 6, (uint32_t)len, 4);
	if (len)
		memcpy(buf + DEVICE_EVENT_HEADER_SIZE, payload, len);
	b64 = base64_encode_alloc(buf, DEVICE_EVENT_HEADER_SIZE + len);
	msg = new_message(em, "DeviceEvent");
	if (!b64 || !msg || !cJSON_AddStringToObject(msg, "device_address", em->printer.address) ||
	    !cJSON_AddStringToObject(msg, "binary_payload", b64) || add_rssi(msg) != 0) {
		free(b64);
		cJSON_Delete(msg);
		say_error("out of memory building a device event");
		return;
	}
	free(b64);
	send_json(em, msg);
}

/* Queues a heartbeat event carrying the uptime. */
static void send_heartbeat(struct emulator *em)
{
	uint8_t payload[DEVICE_EVENT_HEARTBEAT_SIZE];

	put_le(payload, uptime_seconds(em), 4);
	send_device_event(em, DEVICE_EVENT_CODE_HEARTBEAT, 0, payload, sizeof(payload));
}

/* Queues a did_power_on event in the long form, as a printer after power on sends it. */
static void send_did_power_on(struct emulator *em)
{
	uint8_t payload[DEVICE_EVENT_DID_POWER_ON_SIZE_LONG] = { 0 };

	put_le(payload, 0, 4);                               /* device_type */
	memcpy(payload + 4, "v0.5-12-g26e82f0", 16);         /* firmware_build_version, NUL-padded */
	memcpy(payload + 36, "v0.5-0-g14859cb", 15);         /* loader_build_version, NUL-padded */
	put_le(payload + 68, 4, 4);                          /* protocol_version */
	put_le(payload + 72, 0x0401, 2);                     /* reset_description: power on */
	send_device_event(em, DEVICE_EVENT_CODE_DID_POWER_ON, 0, payload, sizeof(payload));
	em->powered_on = 1;
}

/* Queues a did_print event of print_type (DEVICE_EVENT_PRINT_*) with print id print_id. */
static void send_did_print(struct emulator *em, uint8_t print_type, uint32_t print_id)
{
	uint8_t payload[DEVICE_EVENT_DID_PRINT_SIZE];

	payload[0] = print_type;
	put_le(payload + 1, print_id, 4);
	send_device_event(em, DEVICE_EVENT_CODE_DID_PRINT, 0, payload, sizeof(payload));
}

/* Queues the power_on BridgeEvent with the fields a real bridge sends. */
static void send_power_on(struct emulator *em)
{
	static const char uboot[] = "baudrate=115200\nbootdelay=1\nethact=macb0\n";
	cJSON *msg = bridge_event(em, "power_on", 0);
	cJSON *payload = msg ? cJSON_GetObjectItemCaseSensitive(msg, "json_payload") : NULL;
	cJSON *net;
	char mac[18], eui[24];
	char *env = base64_encode_alloc((const uint8_t *)uboot, strlen(uboot));
	const char *a = em->bridge_address;

	snprintf(mac, sizeof(mac), "40:d8:55:%.2s:%.2s:%.2s", a + 10, a + 12, a + 14);
	snprintf(eui, sizeof(eui), "0x%s", a);
	if (!payload || !env ||
	    !cJSON_AddStringToObject(payload, "model", "A") ||
	    !cJSON_AddStringToObject(payload, "firmware_version", "v2.3.1-f3c7946") ||
	    !cJSON_AddStringToObject(payload, "ncp_version", "0x46C5") ||
	    !cJSON_AddStringToObject(payload, "local_ip_address", "192.168.1.98") ||
	    !cJSON_AddStringToObject(payload, "mac_address", mac) ||
	    !cJSON_AddStringToObject(payload, "uptime", "45.71 23.94") ||
	    !cJSON_AddStringToObject(payload, "uboot_environment", env) ||
	    !(net = cJSON_AddObjectToObject(payload, "network_info")) ||
	    !cJSON_AddStringToObject(net, "extended_pan_id", "0x42455247fbbbbd7f") ||
	    !cJSON_AddStringToObject(net, "node_type", "EMBER_COORDINATOR") ||
	    !cJSON_AddStringToObject(net, "network_status", "EMBER_JOINED_NETWORK") ||
	    !cJSON_AddNumberToObject(net, "channel", 11) ||
	    !cJSON_AddNumberToObject(net, "power", 8) ||
	    !cJSON_AddStringToObject(net, "node_eui64", eui) ||
	    !cJSON_AddStringToObject(net, "pan_id", "0xDF3A") ||
	    !cJSON_AddStringToObject(net, "node_id", "0x0000")) {
		free(env);
		cJSON_Delete(msg);
		say_error("out of memory building power_on");
		return;
	}
	free(env);
	send_json(em, msg);
}

/* Queues a response to a BridgeCommand. */
static void send_bridge_command_response(struct emulator *em, uint32_t command_id, int return_code)
{
	cJSON *msg = new_message(em, "BridgeCommandResponse");

	if (!msg || !cJSON_AddNumberToObject(msg, "command_id", command_id) ||
	    !cJSON_AddNumberToObject(msg, "return_code", return_code)) {
		cJSON_Delete(msg);
		return;
	}
	send_json(em, msg);
}

/* Queues a response to a DeviceCommand for device_address. */
static void send_device_command_response(struct emulator *em, const char *device_address, uint32_t command_id,
					 int return_code, double transfer_time)
{
	cJSON *msg = new_message(em, "DeviceCommandResponse");

	if (!msg || !cJSON_AddStringToObject(msg, "device_address", device_address) ||
	    !cJSON_AddNumberToObject(msg, "command_id", command_id) ||
	    !cJSON_AddNumberToObject(msg, "return_code", return_code) ||
	    !cJSON_AddNumberToObject(msg, "transfer_time", round(transfer_time * 100) / 100) ||
	    add_rssi(msg) != 0) {
		cJSON_Delete(msg);
		return;
	}
	send_json(em, msg);
}

/* Timer: asks for the printer's key again while it has none. */
static void key_timer(lws_sorted_usec_list_t *sul)
{
	struct emulator *em = lws_container_of(sul, struct emulator, sul_key);

	if (!em->wsi || em->key_accepted)
		return;
	send_json(em, bridge_event(em, "encryption_key_required", 1));
	fake_say("key requested for %s", em->printer.address);
	lws_sul_schedule(em->context, 0, &em->sul_key, key_timer, (lws_usec_t)em->key_interval * LWS_US_PER_SEC);
}

/* Timer: the printer's heartbeat. */
static void heartbeat_timer(lws_sorted_usec_list_t *sul)
{
	struct emulator *em = lws_container_of(sul, struct emulator, sul_heartbeat);

	if (!em->wsi || !em->key_accepted)
		return;
	send_heartbeat(em);
	lws_sul_schedule(em->context, 0, &em->sul_heartbeat, heartbeat_timer,
			 (lws_usec_t)em->heartbeat_interval * LWS_US_PER_SEC);
}

/* Timer: the bridge's unsolicited pong every 5 s. */
static void pong_timer(lws_sorted_usec_list_t *sul)
{
	struct emulator *em = lws_container_of(sul, struct emulator, sul_pong);

	if (!em->wsi)
		return;
	em->pong_due = 1;
	lws_callback_on_writable(em->wsi);
	lws_sul_schedule(em->context, 0, &em->sul_pong, pong_timer, (lws_usec_t)PONG_INTERVAL * LWS_US_PER_SEC);
}

/* The printer is joined: it announces itself and starts its heartbeat. */
static void device_online(struct emulator *em)
{
	send_json(em, bridge_event(em, "device_connect", 1));
	if (!em->powered_on)
		send_did_power_on(em);
	send_heartbeat(em);
	lws_sul_schedule(em->context, 0, &em->sul_heartbeat, heartbeat_timer,
			 (lws_usec_t)em->heartbeat_interval * LWS_US_PER_SEC);
}

/* Handles add_device_encryption_key: checks the key against the printer's claim code. */
static void handle_add_key(struct emulator *em, uint32_t command_id, const cJSON *params)
{
	const cJSON *device = cJSON_GetObjectItemCaseSensitive(params, "device_address");
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(params, "encryption_key");
	char shown[128];

	if (!cJSON_IsString(device) || !cJSON_IsString(key)) {
		say_error("add_device_encryption_key without device_address and encryption_key strings");
		send_bridge_command_response(em, command_id, RETURN_CODE_BRIDGE_ERROR);
		return;
	}
	send_bridge_command_response(em, command_id, RETURN_CODE_SUCCESS);
	if (strcmp(device->valuestring, em->printer.address) != 0) {
		fake_say("key for another device %s ignored", printable(device->valuestring, shown, sizeof(shown)));
		return;
	}
	if (strcmp(key->valuestring, em->expected_key) != 0) {
		say_error("wrong key for %s: got \"%s\", expected \"%s\" (the link key of claim code %s)",
			  em->printer.address, printable(key->valuestring, shown, sizeof(shown)),
			  em->expected_key, em->printer.claim_code);
		return;
	}
	if (em->key_accepted) {
		fake_say("key accepted again");
		return;
	}
	em->key_accepted = 1;
	lws_sul_cancel(&em->sul_key);
	fake_say("key accepted");
	device_online(em);
}

/* Handles a BridgeCommand. */
static void handle_bridge_command(struct emulator *em, const cJSON *msg, uint32_t command_id)
{
	const cJSON *payload = cJSON_GetObjectItemCaseSensitive(msg, "json_payload");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(payload, "name");
	char shown[128];

	if (!cJSON_IsString(name)) {
		say_error("BridgeCommand %" PRIu32 " without json_payload.name", command_id);
		send_bridge_command_response(em, command_id, RETURN_CODE_BRIDGE_ERROR);
		return;
	}
	if (strcmp(name->valuestring, "add_device_encryption_key") == 0) {
		handle_add_key(em, command_id, cJSON_GetObjectItemCaseSensitive(payload, "params"));
		return;
	}
	fake_say("bridge command %s ignored", printable(name->valuestring, shown, sizeof(shown)));
	send_bridge_command_response(em, command_id, RETURN_CODE_SUCCESS);
}

/* Says how many blank preview lines were left out, when there were any. */
static void flush_blank(int *blank)
{
	char label[32];
	int len, left;

	if (*blank == 0)
		return;
	if (*blank == 1)
		label[0] = '\0';
	else
		snprintf(label, sizeof(label), "(%d blank lines)", *blank);
	len = (int)strlen(label);
	left = (PREVIEW_COLUMNS - len) / 2;
	fake_say("|%*s%s%*s|", left, "", label, PREVIEW_COLUMNS - len - left, "");
	*blank = 0;
}

/*
 * Prints an ASCII picture of bm, PREVIEW_COLUMNS wide; a cell is '#' when at
 * least half black, '*' from a fifth, '+' from a twentieth, '.' for any ink.
 * Runs of blank lines are shown as one; at most PREVIEW_MAX_LINES are printed.
 */
static void print_preview(const struct bitmap *bm)
{
	int cell_w = (bm->width + PREVIEW_COLUMNS - 1) / PREVIEW_COLUMNS;
	int cell_h = cell_w * 2;
	int rows = (bm->height + cell_h - 1) / cell_h;
	char line[PREVIEW_COLUMNS + 3];
	int r, c, x, y, printed = 0, blank = 0;

	for (r = 0; r < rows && printed < PREVIEW_MAX_LINES; r++) {
		int n = 0, ink = 0;

		line[n++] = '|';
		for (c = 0; c * cell_w < bm->width; c++) {
			int black = 0, total = 0;

			for (y = r * cell_h; y < (r + 1) * cell_h && y < bm->height; y++)
				for (x = c * cell_w; x < (c + 1) * cell_w && x < bm->width; x++) {
					black += bitmap_get(bm, x, y);
					total++;
				}
			ink += black;
			line[n++] = black * 2 >= total ? '#' : black * 5 >= total ? '*' : black * 20 >= total ? '+'
				    : black ? '.' : ' ';
		}
		line[n++] = '|';
		line[n] = '\0';
		if (!ink) {
			blank++;
			continue;
		}
		flush_blank(&blank);
		fake_say("%s", line);
		printed++;
	}
	flush_blank(&blank);
	if (r < rows)
		fake_say("| ... %d more lines", rows - r);
}

/*
 * Decodes and "prints" a DeviceCommand payload: every bitmap is written as
 * DIR/COMMANDID-N.png and previewed. Returns the return code to answer with.
 */
static int print_payload(struct emulator *em, uint32_t command_id, const char *payload_b64, int *did_print)
{
	struct printer_payload payload;
	struct sirius_error err = { "" };
	uint8_t *data;
	size_t len, i;
	const char *name;

	*did_print = 0;
	data = base64_decode_alloc(payload_b64, strlen(payload_b64), &len);
	if (!data) {
		say_error("command %" PRIu32 ": binary_payload is not base64", command_id);
		return RETURN_CODE_INVALID_SIZE;
	}
	if (len > 0 && data[0] != PRINTER_DEVICE_TYPE) {
		say_error("command %" PRIu32 ": device type %u is not a Little Printer", command_id, data[0]);
		free(data);
		return RETURN_CODE_INVALID_DEVICE_TYPE;
	}
	if (printer_payload_decode(data, len, PRINTER_WIDTH, &payload, &err) != 0) {
		say_error("command %" PRIu32 ": bad payload: %s", command_id, err.message);
		free(data);
		return RETURN_CODE_INVALID_SIZE;
	}
	free(data);
	if (payload.print_id != command_id)
		fake_say("command %" PRIu32 ": payload print id %" PRIu32 " differs", command_id, payload.print_id);
	name = printer_command_name(payload.command);
	fake_say("command %" PRIu32 ": %s with %zu image(s)", command_id, name ? name : "?", payload.block_count);
	for (i = 0; i < payload.block_count; i++) {
		const struct bitmap *bm = payload.blocks[i].bitmap;
		char *path = g_strdup_printf("%s/%" PRIu32 "-%zu.png", em->out_dir, command_id, i);

		if (png_write_bitmap_file(bm, path, &err) != 0) {
			say_error("command %" PRIu32 ": %s", command_id, err.message);
			g_free(path);
			printer_payload_clear(&payload);
			return RETURN_CODE_FILESYSTEM_WRITE_ERROR;
		}
		print_preview(bm);
		fake_say("printed %" PRIu32 " -> %s (%dx%d)", command_id, path, bm->width, bm->height);
		g_free(path);
	}
	*did_print = payload.command == PRINTER_SET_DELIVERY_AND_PRINT ||
		     payload.command == PRINTER_SET_DELIVERY_AND_PRINT_NO_FACE ||
		     payload.command == PRINTER_SET_PERSONALITY_WITH_MESSAGE;
	printer_payload_clear(&payload);
	return RETURN_CODE_SUCCESS;
}

/* Handles a DeviceCommand: prints it when it is for our printer and the printer has its key. */
static void handle_device_command(struct emulator *em, const cJSON *msg, uint32_t command_id)
{
	const cJSON *device = cJSON_GetObjectItemCaseSensitive(msg, "device_address");
	const cJSON *payload = cJSON_GetObjectItemCaseSensitive(msg, "binary_payload");
	struct timespec t0, t1;
	char shown[128];
	int code, did_print = 0;

	if (!cJSON_IsString(device) || !cJSON_IsString(payload)) {
		say_error("DeviceCommand %" PRIu32 " without device_address and binary_payload strings", command_id);
		return;
	}
	if (strcmp(device->valuestring, em->printer.address) != 0) {
		fake_say("command %" PRIu32 " for unknown device %s", command_id,
		    printable(device->valuestring, shown, sizeof(shown)));
		send_device_command_response(em, device->valuestring, command_id, RETURN_CODE_EUI64_NOT_FOUND, 0);
		return;
	}
	if (!em->key_accepted) {
		fake_say("command %" PRIu32 " refused: the printer has no key yet", command_id);
		send_device_command_response(em, em->printer.address, command_id, RETURN_CODE_EUI64_NOT_FOUND, 0);
		return;
	}
	/* The command id is the printer's file id: a file it has already is answered again, not printed again. */
	if (g_hash_table_contains(em->files, GUINT_TO_POINTER(command_id))) {
		fake_say("command %" PRIu32 " again: already printed", command_id);
		send_device_command_response(em, em->printer.address, command_id, RETURN_CODE_SUCCESS, 0.1);
		/* a delivery still held for the button has not printed yet: only its press reports it */
		if (!fake_button_holds(&em->button, command_id))
			send_did_print(em, DEVICE_EVENT_PRINT_DELIVERY, command_id);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	code = print_payload(em, command_id, payload->valuestring, &did_print);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	send_device_command_response(em, em->printer.address, command_id, code,
				     0.5 + (double)strlen(payload->valuestring) / 20000.0 +
				     (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (code != RETURN_CODE_SUCCESS)
		return;
	g_hash_table_add(em->files, GUINT_TO_POINTER(command_id));
	if (did_print)
		send_did_print(em, DEVICE_EVENT_PRINT_DELIVERY, command_id);
	else
		fake_say("command %" PRIu32 " stored (prints when the button is pressed)", command_id);
	fake_button_command(&em->button, command_id, payload->valuestring, em->out_dir);
	em->prints++;
	if (em->once) {
		em->finishing = 1;
		lws_callback_on_writable(em->wsi);
	}
}

/* Handles one complete text message from the server. */
static void handle_message(struct emulator *em, const char *text, size_t len)
{
	cJSON *msg = cJSON_ParseWithLength(text, len);
	const cJSON *type, *id;
	uint32_t command_id;
	char shown[128];

	if (!cJSON_IsObject(msg)) {
		say_error("the server sent something that is not a JSON object");
		cJSON_Delete(msg);
		return;
	}
	type = cJSON_GetObjectItemCaseSensitive(msg, "type");
	id = cJSON_GetObjectItemCaseSensitive(msg, "command_id");
	if (!cJSON_IsString(type)) {
		say_error("the server sent a message without a type");
		goto out;
	}
	if (!cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble > UINT32_MAX ||
	    id->valuedouble != floor(id->valuedouble)) {
		say_error("%s without a valid command_id", printable(type->valuestring, shown, sizeof(shown)));
		goto out;
	}
	command_id = (uint32_t)id->valuedouble;
	if (strcmp(type->valuestring, "BridgeCommand") == 0)
		handle_bridge_command(em, msg, command_id);
	else if (strcmp(type->valuestring, "DeviceCommand") == 0)
		handle_device_command(em, msg, command_id);
	else
		fake_say("message of unknown type %s ignored", printable(type->valuestring, shown, sizeof(shown)));
out:
	cJSON_Delete(msg);
}

static void connect_now(struct emulator *em);

/* Timer: the next connection attempt. */
static void reconnect_timer(lws_sorted_usec_list_t *sul)
{
	struct emulator *em = lws_container_of(sul, struct emulator, sul_reconnect);

	em->reconnect_pending = 0;
	connect_now(em);
}

/* The connection is gone (or never came): forget it and try again after the backoff. */
static void connection_lost(struct emulator *em, const char *why)
{
	em->wsi = NULL;
	em->connecting = 0;
	lws_sul_cancel(&em->sul_key);
	lws_sul_cancel(&em->sul_heartbeat);
	lws_sul_cancel(&em->sul_pong);
	g_queue_clear_full(em->outgoing, g_free);
	g_byte_array_set_size(em->incoming, 0);
	em->incoming_too_big = 0;
	em->pong_due = 0;
	if (em->finishing) {
		if (!em->done)
			fake_say("done after %lu print(s)", em->prints);
		em->done = 1;
		return;
	}
	if (em->done || em->reconnect_pending || interrupted)
		return;
	fake_say("disconnected (%s); reconnecting in %d s", why, em->backoff);
	em->reconnect_pending = 1;
	lws_sul_schedule(em->context, 0, &em->sul_reconnect, reconnect_timer, (lws_usec_t)em->backoff * LWS_US_PER_SEC);
	em->backoff = em->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : em->backoff * 2;
}

/* Starts a connection attempt; its outcome arrives as callbacks. */
static void connect_now(struct emulator *em)
{
	struct lws_client_connect_info info;

	memset(&info, 0, sizeof(info));
	info.context = em->context;
	info.address = em->host;
	info.port = em->port;
	info.path = em->path;
	info.host = em->host;
	info.origin = em->host;
	info.protocol = BRIDGE_SUBPROTOCOL;
	info.ssl_connection = em->use_tls ? LCCSCF_USE_SSL : 0;
	info.pwsi = &em->wsi;
	em->connecting = 1;
	fake_say("connecting to %s://%s:%d%s", em->use_tls ? "wss" : "ws", em->host, em->port, em->path);
	if (!lws_client_connect_via_info(&info) && em->connecting)
		connection_lost(em, "cannot start a connection");
}

/* Sends the head of the outgoing queue, or a due pong. Returns 0, or -1 to close the connection. */
static int write_next(struct emulator *em, struct lws *wsi)
{
	unsigned char pong[LWS_PRE + 4];
	char *text;
	unsigned char *buf;
	size_t len;
	int n;

	if (em->pong_due) {
		em->pong_due = 0;
		if (lws_write(wsi, pong + LWS_PRE, 0, LWS_WRITE_PONG) < 0)
			return -1;
		if (!g_queue_is_empty(em->outgoing) || em->finishing)
			lws_callback_on_writable(wsi);
		return 0;
	}
	text = g_queue_pop_head(em->outgoing);
	if (!text) {
		if (em->finishing) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
			return -1;
		}
		return 0;
	}
	len = strlen(text);
	buf = g_malloc(LWS_PRE + len);
	memcpy(buf + LWS_PRE, text, len);
	n = lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT);
	g_free(buf);
	g_free(text);
	if (n < (int)len)
		return -1;
	if (!g_queue_is_empty(em->outgoing) || em->finishing || em->pong_due)
		lws_callback_on_writable(wsi);
	return 0;
}

/* Appends a received fragment; handles the message when it is complete. */
static void receive(struct emulator *em, struct lws *wsi, const void *in, size_t len)
{
	int final = lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0;

	if (!em->incoming_too_big) {
		if (em->incoming->len + len > MAX_MESSAGE_BYTES) {
			em->incoming_too_big = 1;
			g_byte_array_set_size(em->incoming, 0);
		} else {
			g_byte_array_append(em->incoming, in, (guint)len);
		}
	}
	if (!final)
		return;
	if (em->incoming_too_big)
		say_error("dropped a message of more than %d bytes", MAX_MESSAGE_BYTES);
	else
		handle_message(em, (const char *)em->incoming->data, em->incoming->len);
	g_byte_array_set_size(em->incoming, 0);
	em->incoming_too_big = 0;
}

/* The protocol callback of the bridge's connection. Returns 0, or -1 to close it. */
static int bridge_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct emulator *em = lws_context_user(lws_get_context(wsi));
	char shown[256];

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		connection_lost(em, in ? printable(in, shown, sizeof(shown)) : "connection error");
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		em->wsi = wsi;
		em->connecting = 0;
		em->backoff = BACKOFF_FIRST;
		fake_say("connected as bridge %s", em->bridge_address);
		send_power_on(em);
		if (em->key_accepted) {
			device_online(em);
		} else {
			send_json(em, bridge_event(em, "encryption_key_required", 1));
			fake_say("key requested for %s", em->printer.address);
			lws_sul_schedule(em->context, 0, &em->sul_key, key_timer,
					 (lws_usec_t)em->key_interval * LWS_US_PER_SEC);
		}
		lws_sul_schedule(em->context, 0, &em->sul_pong, pong_timer, (lws_usec_t)PONG_INTERVAL * LWS_US_PER_SEC);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (lws_frame_is_binary(wsi)) {
			say_error("the server sent a binary frame; ignored");
			break;
		}
		receive(em, wsi, in, len);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (wsi != em->wsi)
			break;
		return write_next(em, wsi);
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (wsi == em->wsi || em->connecting)
			connection_lost(em, "closed");
		break;
	default:
		break;
	}
	return 0;
}

/* The protocols this client speaks: the bridge protocol only. */
static const struct lws_protocols protocols[] = {
	{ BRIDGE_SUBPROTOCOL, bridge_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* The button was pressed (fake_button.h): the printer reports what it printed, if it can reach its bridge. */
static void press_button(struct emulator *em)
{
	uint8_t print_type;
	uint32_t print_id;

	if (!em->wsi || !em->key_accepted) {
		fake_say("button pressed while the printer is not connected: nothing sent");
		return;
	}
	fake_button_press(&em->button, em->out_dir, &print_type, &print_id);
	send_did_print(em, print_type, print_id);
}

/* Records SIGINT or SIGTERM for the main loop (poll is interrupted, so lws_service returns). */
static void on_signal(int signo)
{
	(void)signo;
	interrupted = 1;
}

/*
 * Splits url (ws:// or wss://) into em's host, port and path. Returns 0, or
 * -1 after complaining.
 */
static int parse_url(struct emulator *em, const char *url)
{
	const char *scheme, *host, *path;
	int port;

	if (strlen(url) >= sizeof(em->url_copy)) {
		fake_complain("the URL is too long");
		return -1;
	}
	strcpy(em->url_copy, url);
	if (lws_parse_uri(em->url_copy, &scheme, &host, &port, &path) != 0 || !*host) {
		fake_complain("cannot read the URL \"%s\"", url);
		return -1;
	}
	if (strcmp(scheme, "ws") == 0) {
		em->use_tls = 0;
	} else if (strcmp(scheme, "wss") == 0) {
		em->use_tls = 1;
	} else {
		fake_complain("the URL must start with ws:// or wss://, not %s://", scheme);
		return -1;
	}
	if (port < 1 || port > 65535) {
		fake_complain("bad port in \"%s\"", url);
		return -1;
	}
	em->host = host;
	em->port = port;
	/* lws_parse_uri drops the path's leading slash, and gives "/" for no path */
	snprintf(em->path, sizeof(em->path), "%s%s", path[0] == '/' ? "" : "/", path);
	return 0;
}

/* Installs on_signal for SIGINT and SIGTERM, without SA_RESTART. */
static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Parses the options of emulate into em. Returns 0, or FAKE_EXIT_USAGE after complaining. */
static int parse_options(int argc, char **argv, struct emulator *em, const char **file, const char **url)
{
	static const struct option options[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "key-interval", required_argument, NULL, 'k' },
		{ "heartbeat", required_argument, NULL, 'b' },
		{ "once", no_argument, NULL, '1' },
		{ "press-button-after", required_argument, NULL, 'p' },
		{ "quip-when-empty", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	long long value;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			em->out_dir = optarg;
			break;
		case 'k':
		case 'b':
			if (fake_parse_long(optarg, 1, 3600, &value) != 0)
				return fake_usage_error("emulate", "--%s wants seconds from 1 to 3600",
							c == 'k' ? "key-interval" : "heartbeat");
			if (c == 'k')
				em->key_interval = (int)value;
			else
				em->heartbeat_interval = (int)value;
			break;
		case '1':
			em->once = 1;
			break;
		case 'p':
			if (fake_parse_long(optarg, 1, 3600, &value) != 0)
				return fake_usage_error("emulate", "--press-button-after wants seconds from 1 to 3600");
			em->button.press_after = (int)value;
			break;
		case 'q':
			em->button.quip_when_empty = 1;
			break;
		default:
			return fake_usage_error("emulate", "unknown or incomplete option %s", argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return fake_usage_error("emulate", "wants a printer file and a websocket URL");
	*file = argv[optind];
	*url = argv[optind + 1];
	return 0;
}

int fake_emulate_main(int argc, char **argv)
{
	static struct emulator em; /* static: the timers and callbacks refer to it for the whole run */
	struct lws_context_creation_info info;
	struct sirius_error err = { "" };
	const char *file = NULL, *url = NULL;
	struct stat st;
	int rc;

	memset(&em, 0, sizeof(em));
	em.out_dir = ".";
	em.files = g_hash_table_new(g_direct_hash, g_direct_equal);
	em.key_interval = DEFAULT_KEY_INTERVAL;
	em.heartbeat_interval = DEFAULT_HEARTBEAT;
	em.backoff = BACKOFF_FIRST;
	fake_button_init(&em.button);
	rc = parse_options(argc, argv, &em, &file, &url);
	if (rc != 0)
		return rc;
	if (fake_printer_load(file, &em.printer, &err) != 0) {
		fake_complain("%s", err.message);
		return FAKE_EXIT_FAILURE;
	}
	/* --out prints/ makes the folder when it is not there yet. */
	if (mkdir(em.out_dir, 0777) != 0 && errno != EEXIST) {
		fake_complain("cannot create %s: %s", em.out_dir, strerror(errno));
		return FAKE_EXIT_FAILURE;
	}
	if (stat(em.out_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fake_complain("%s is not a directory", em.out_dir);
		return FAKE_EXIT_FAILURE;
	}
	if (parse_url(&em, url) != 0)
		return FAKE_EXIT_USAGE;
	if (derive_bridge_address(em.printer.address, em.bridge_address) != 0 ||
	    link_key_base64(em.printer.secret, em.expected_key) != 0) {
		fake_complain("libcrypto failed");
		return FAKE_EXIT_FAILURE;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	install_signals();
	clock_gettime(CLOCK_MONOTONIC, &em.started);
	em.outgoing = g_queue_new();
	em.incoming = g_byte_array_new();
	lws_set_log_level(LLL_ERR, NULL);

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = &em;
	info.gid = -1;
	info.uid = -1;
	if (em.use_tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	em.context = lws_create_context(&info);
	if (!em.context) {
		fake_complain("cannot create the libwebsockets context");
		g_queue_free(em.outgoing);
		g_byte_array_unref(em.incoming);
		return FAKE_EXIT_FAILURE;
	}
	fake_say("printer %s (claim code %s) behind bridge %s", em.printer.address, em.printer.claim_code,
	    em.bridge_address);
	fake_button_start(&em.button, em.context);
	connect_now(&em);
	while (!em.done && !interrupted) {
		if (lws_service(em.context, 0) < 0)
			break;
		if (fake_button_due(&em.button))
			press_button(&em);
	}
	if (interrupted)
		fake_say("interrupted after %lu print(s)", em.prints);
	lws_sul_cancel(&em.sul_reconnect);
	lws_sul_cancel(&em.sul_key);
	lws_sul_cancel(&em.sul_heartbeat);
	lws_sul_cancel(&em.sul_pong);
	fake_button_free(&em.button);
	em.done = 1;
	lws_context_destroy(em.context);
	g_hash_table_destroy(em.files);
	g_queue_free_full(em.outgoing, g_free);
	g_byte_array_unref(em.incoming);
	return FAKE_EXIT_OK;
}
