/* bridge_message.c: decoding the JSON messages a bridge sends (BridgeEvent, BridgeLog, DeviceEvent, responses). */
#include "bridge_message.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base64.h"
#include "return_code.h"

/* Longest piece of a sender's text (a type or a name) quoted in a reason. */
#define QUOTE_MAX 40
/* Longest numeric string accepted as a timestamp. */
#define NUMERIC_STRING_MAX 63

static const char *const kind_names[BRIDGE_MESSAGE_KIND_COUNT] = {
	[BRIDGE_MESSAGE_MALFORMED] = "malformed",
	[BRIDGE_MESSAGE_UNKNOWN] = "unknown",
	[BRIDGE_MESSAGE_POWER_ON] = "power_on",
	[BRIDGE_MESSAGE_DEVICE_CONNECT] = "device_connect",
	[BRIDGE_MESSAGE_DEVICE_DISCONNECT] = "device_disconnect",
	[BRIDGE_MESSAGE_ENCRYPTION_KEY_REQUIRED] = "encryption_key_required",
	[BRIDGE_MESSAGE_BRIDGE_LOG] = "bridge_log",
	[BRIDGE_MESSAGE_HEARTBEAT] = "heartbeat",
	[BRIDGE_MESSAGE_DID_PRINT] = "did_print",
	[BRIDGE_MESSAGE_DID_POWER_ON] = "did_power_on",
	[BRIDGE_MESSAGE_PRODUCT_ANNOUNCE] = "product_announce",
	[BRIDGE_MESSAGE_GENERIC_DEVICE_EVENT] = "generic_device_event",
	[BRIDGE_MESSAGE_BRIDGE_COMMAND_RESPONSE] = "bridge_command_response",
	[BRIDGE_MESSAGE_DEVICE_COMMAND_RESPONSE] = "device_command_response",
};

/* Sets msg's kind and reason from a format; returns -1. */
static int set_kind(struct bridge_message *msg, enum bridge_message_kind kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static int set_kind(struct bridge_message *msg, enum bridge_message_kind kind, const char *fmt, va_list ap)
{
	msg->kind = kind;
	vsnprintf(msg->reason.message, sizeof(msg->reason.message), fmt, ap);
	return -1;
}

/* Marks msg malformed with a reason; returns -1. */
static int malformed(struct bridge_message *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int malformed(struct bridge_message *msg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_kind(msg, BRIDGE_MESSAGE_MALFORMED, fmt, ap);
	va_end(ap);
	return -1;
}

/* Marks msg unknown with a reason; returns -1. */
static int unknown(struct bridge_message *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int unknown(struct bridge_message *msg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_kind(msg, BRIDGE_MESSAGE_UNKNOWN, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Copies text into out (size bytes, size >= 1), truncated to size - 1 bytes,
 * with control characters turned into spaces so it stays on one line. With
 * utf8 the result is valid UTF-8 (invalid sequences become U+FFFD and a cut
 * never splits a character); without it, every byte outside printable ASCII
 * becomes '?'.
 */
static void copy_text(char *out, size_t size, const char *text, int utf8)
{
	char *valid = NULL;
	const char *src = text;
	size_t n, i;

	if (utf8) {
		valid = g_utf8_make_valid(text, (gssize)strnlen(text, size + 8));
		src = valid;
	}
	n = strlen(src);
	if (n > size - 1) {
		n = size - 1;
		while (utf8 && n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c < 0x20 || c == 0x7f)
			out[i] = ' ';
		else if (!utf8 && c >= 0x80)
			out[i] = '?';
		else
			out[i] = (char)c;
	}
	out[n] = '\0';
	g_free(valid);
}

/* 1 when item or anything inside it is nested deeper than BRIDGE_MESSAGE_MAX_DEPTH. */
static int too_deep(const cJSON *item, int depth)
{
	const cJSON *child;

	if (depth > BRIDGE_MESSAGE_MAX_DEPTH)
		return 1;
	for (child = item->child; child; child = child->next)
		if (too_deep(child, depth + 1))
			return 1;
	return 0;
}

/* 1 when item is a JSON number holding an integer in [min, max]; the value goes to *out. */
static int integer_in(const cJSON *item, double min, double max, double *out)
{
	double v;

	if (!cJSON_IsNumber(item))
		return 0;
	v = item->valuedouble;
	if (!isfinite(v) || v != floor(v) || v < min || v > max)
		return 0;
	*out = v;
	return 1;
}

/*
 * Reads a required address field key of obj (named where in reasons) into out.
 * Returns 0, or -1 with msg malformed when it is missing, not a string or not
 * 16 lower-case hex digits.
 */
static int read_address(struct bridge_message *msg, const cJSON *obj, const char *key,
			const char *where, char out[DEVICE_ADDRESS_LEN + 1])
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!item)
		return malformed(msg, "%s is missing", where);
	if (!cJSON_IsString(item))
		return malformed(msg, "%s is not a string", where);
	if (!device_address_valid(item->valuestring))
		return malformed(msg, "%s is not 16 lower-case hex digits", where);
	memcpy(out, item->valuestring, DEVICE_ADDRESS_LEN);
	out[DEVICE_ADDRESS_LEN] = '\0';
	return 0;
}

/*
 * Reads a required integer field key of obj in [min, max] into *out.
 * Returns 0, or -1 with msg malformed when it is missing or not such an integer.
 */
static int read_integer(struct bridge_message *msg, const cJSON *obj, const char *key,
			double min, double max, double *out)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!item)
		return malformed(msg, "%s is missing", key);
	if (!integer_in(item, min, max, out))
		return malformed(msg, "%s is not an integer from %.0f to %.0f", key, min, max);
	return 0;
}

/*
 * Reads the optional timestamp: a number, or a string holding one (the way
 * the server itself writes "0"). Anything else is left out and counted in
 * msg->ignored: the server does not act on it.
 */
static void read_timestamp(struct bridge_message *msg, const cJSON *root)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "timestamp");
	const char *text, *end = NULL;
	cJSON *number;
	size_t len;

	if (!item)
		return;
	if (cJSON_IsNumber(item)) {
		if (!isfinite(item->valuedouble)) {
			msg->ignored++;
			return;
		}
		msg->timestamp = item->valuedouble;
		msg->has_timestamp = 1;
		return;
	}
	if (!cJSON_IsString(item)) {
		msg->ignored++;
		return;
	}
	text = item->valuestring;
	len = strnlen(text, NUMERIC_STRING_MAX + 1);
	if (len == 0 || len > NUMERIC_STRING_MAX || !(text[0] == '-' || (text[0] >= '0' && text[0] <= '9'))) {
		msg->ignored++;
		return;
	}
	/* cJSON's number grammar, locale-independent, is the one we accept. */
	number = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!number || !cJSON_IsNumber(number) || end != text + len || !isfinite(number->valuedouble)) {
		cJSON_Delete(number);
		msg->ignored++;
		return;
	}
	msg->timestamp = number->valuedouble;
	msg->has_timestamp = 1;
	cJSON_Delete(number);
}

/* Reads the optional rssi_stats: kept only when it is an array of three integers. */
static void read_rssi(struct bridge_message *msg, const cJSON *root)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "rssi_stats");
	const cJSON *item;
	int i = 0;
	double v;

	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != 3)
		return;
	cJSON_ArrayForEach(item, arr) {
		if (!integer_in(item, -1000, 1000, &v))
			return;
		msg->rssi_stats[i++] = (int)v;
	}
	msg->has_rssi = 1;
}

/* Copies the informational string key of payload into out when it is a string. */
static void read_info(const cJSON *payload, const char *key, char out[BRIDGE_INFO_MAX + 1])
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(payload, key);

	if (cJSON_IsString(item))
		copy_text(out, BRIDGE_INFO_MAX + 1, item->valuestring, 0);
}

/*
 * Decodes a BridgeEvent. Returns 0, or -1 with msg malformed (no json_payload
 * object, no name, a bad device address) or unknown (another name).
 */
static int decode_bridge_event(struct bridge_message *msg, const cJSON *root)
{
	const cJSON *payload = cJSON_GetObjectItemCaseSensitive(root, "json_payload");
	const cJSON *name;
	char quoted[QUOTE_MAX + 1];

	if (!payload)
		return malformed(msg, "json_payload is missing");
	if (!cJSON_IsObject(payload))
		return malformed(msg, "json_payload is not an object");
	name = cJSON_GetObjectItemCaseSensitive(payload, "name");
	if (!name)
		return malformed(msg, "json_payload.name is missing");
	if (!cJSON_IsString(name))
		return malformed(msg, "json_payload.name is not a string");

	if (strcmp(name->valuestring, "power_on") == 0) {
		read_info(payload, "model", msg->power_on.model);
		read_info(payload, "firmware_version", msg->power_on.firmware_version);
		read_info(payload, "ncp_version", msg->power_on.ncp_version);
		read_info(payload, "local_ip_address", msg->power_on.local_ip_address);
		read_info(payload, "mac_address", msg->power_on.mac_address);
		msg->kind = BRIDGE_MESSAGE_POWER_ON;
		return 0;
	}
	if (strcmp(name->valuestring, "device_connect") == 0)
		msg->kind = BRIDGE_MESSAGE_DEVICE_CONNECT;
	else if (strcmp(name->valuestring, "device_disconnect") == 0)
		msg->kind = BRIDGE_MESSAGE_DEVICE_DISCONNECT;
	else if (strcmp(name->valuestring, "encryption_key_required") == 0)
		msg->kind = BRIDGE_MESSAGE_ENCRYPTION_KEY_REQUIRED;
	else {
		copy_text(quoted, sizeof(quoted), name->valuestring, 0);
		return unknown(msg, "unknown BridgeEvent name \"%s\"", quoted);
	}

	if (read_address(msg, payload, "device_address", "json_payload.device_address",
			 msg->device_address) < 0)
		return -1;
	if (msg->kind == BRIDGE_MESSAGE_ENCRYPTION_KEY_REQUIRED &&
	    device_address_hardware_xor(msg->device_address, &msg->hardware_xor) < 0)
		return malformed(msg, "json_payload.device_address has no hardware xor");
	return 0;
}

/* Copies one log record object into rec, keeping only fields of the right type. */
static void read_log_record(const cJSON *obj, struct bridge_log_record *rec)
{
	const cJSON *item;
	double v;

	item = cJSON_GetObjectItemCaseSensitive(obj, "name");
	if (cJSON_IsString(item))
		copy_text(rec->name, sizeof(rec->name), item->valuestring, 1);
	item = cJSON_GetObjectItemCaseSensitive(obj, "levelname");
	if (cJSON_IsString(item))
		copy_text(rec->levelname, sizeof(rec->levelname), item->valuestring, 1);
	item = cJSON_GetObjectItemCaseSensitive(obj, "message");
	if (cJSON_IsString(item))
		copy_text(rec->message, sizeof(rec->message), item->valuestring, 1);
	item = cJSON_GetObjectItemCaseSensitive(obj, "created");
	if (cJSON_IsNumber(item) && isfinite(item->valuedouble)) {
		rec->created = item->valuedouble;
		rec->has_created = 1;
	}
	item = cJSON_GetObjectItemCaseSensitive(obj, "levelno");
	if (integer_in(item, -1e9, 1e9, &v)) {
		rec->levelno = (long)v;
		rec->has_levelno = 1;
	}
}

/*
 * Decodes a BridgeLog, keeping at most BRIDGE_LOG_MAX_RECORDS records; an
 * element that is not an object is skipped and counted. Returns 0, or -1
 * with msg malformed when records is not an array or memory ran out.
 */
static int decode_bridge_log(struct bridge_message *msg, const cJSON *root)
{
	const cJSON *records = cJSON_GetObjectItemCaseSensitive(root, "records");
	const cJSON *item;
	size_t total, objects = 0, index = 0;

	if (!records)
		return malformed(msg, "records is missing");
	if (!cJSON_IsArray(records))
		return malformed(msg, "records is not an array");
	total = (size_t)cJSON_GetArraySize(records);
	cJSON_ArrayForEach(item, records) {
		if (cJSON_IsObject(item))
			objects++;
	}
	msg->log.total = total;
	msg->log.skipped = total - objects;
	msg->ignored += (unsigned)msg->log.skipped;
	msg->log.count = objects < BRIDGE_LOG_MAX_RECORDS ? objects : BRIDGE_LOG_MAX_RECORDS;
	if (msg->log.count > 0) {
		msg->log.records = calloc(msg->log.count, sizeof(*msg->log.records));
		if (!msg->log.records) {
			msg->log.count = 0;
			return malformed(msg, "out of memory for %zu log records", total);
		}
	}
	cJSON_ArrayForEach(item, records) {
		if (index == msg->log.count)
			break;
		if (cJSON_IsObject(item))
			read_log_record(item, &msg->log.records[index++]);
	}
	msg->kind = BRIDGE_MESSAGE_BRIDGE_LOG;
	return 0;
}

/*
 * Decodes a DeviceEvent and its binary payload. Returns 0, or -1 with msg
 * malformed (bad device address, missing or invalid base64, a payload that
 * device_event_decode refuses) or unknown (an unknown event code).
 */
static int decode_device_event(struct bridge_message *msg, const cJSON *root)
{
	const cJSON *payload;
	struct sirius_error err = { "" };
	int rc;

	if (read_address(msg, root, "device_address", "device_address", msg->device_address) < 0)
		return -1;
	payload = cJSON_GetObjectItemCaseSensitive(root, "binary_payload");
	if (!payload)
		return malformed(msg, "binary_payload is missing");
	if (!cJSON_IsString(payload))
		return malformed(msg, "binary_payload is not a string");
	msg->binary = base64_decode_alloc(payload->valuestring, strlen(payload->valuestring),
					  &msg->binary_len);
	if (!msg->binary) {
		msg->binary_len = 0;
		return malformed(msg, "binary_payload is not valid base64");
	}
	read_rssi(msg, root);

	rc = device_event_decode(msg->binary, msg->binary_len, &msg->event, &err);
	if (rc < 0)
		return malformed(msg, "%s", err.message);
	if (rc > 0)
		return unknown(msg, "%s", err.message);
	switch (msg->event.kind) {
	case DEVICE_EVENT_HEARTBEAT:
		msg->kind = BRIDGE_MESSAGE_HEARTBEAT;
		break;
	case DEVICE_EVENT_DID_PRINT:
		msg->kind = BRIDGE_MESSAGE_DID_PRINT;
		break;
	case DEVICE_EVENT_DID_POWER_ON:
		msg->kind = BRIDGE_MESSAGE_DID_POWER_ON;
		break;
	case DEVICE_EVENT_PRODUCT_ANNOUNCE:
		msg->kind = BRIDGE_MESSAGE_PRODUCT_ANNOUNCE;
		break;
	case DEVICE_EVENT_GENERIC:
		msg->kind = BRIDGE_MESSAGE_GENERIC_DEVICE_EVENT;
		break;
	case DEVICE_EVENT_UNKNOWN:
		return unknown(msg, "unknown device event code 0x%04x", (unsigned)msg->event.header.event_code);
	}
	return 0;
}

/*
 * Decodes a BridgeCommandResponse or (device != 0) a DeviceCommandResponse.
 * A DeviceCommandResponse may leave device_address out (some bridges do: the
 * command id says which command it answers), leaving msg->device_address "".
 * Returns 0, or -1 with msg malformed when command_id or return_code is
 * missing or invalid, or a device_address given is invalid.
 */
static int decode_response(struct bridge_message *msg, const cJSON *root, int device)
{
	const cJSON *item;
	double v;

	if (device && cJSON_GetObjectItemCaseSensitive(root, "device_address") &&
	    read_address(msg, root, "device_address", "device_address", msg->device_address) < 0)
		return -1;
	if (read_integer(msg, root, "command_id", 0, 4294967295.0, &v) < 0)
		return -1;
	msg->response.command_id = (uint32_t)v;
	if (read_integer(msg, root, "return_code", device ? 0 : -2147483648.0,
			 device ? 255 : 2147483647.0, &v) < 0)
		return -1;
	msg->response.return_code = (long)v;
	item = cJSON_GetObjectItemCaseSensitive(root, "transfer_time");
	if (cJSON_IsNumber(item) && isfinite(item->valuedouble)) {
		msg->response.transfer_time = item->valuedouble;
		msg->response.has_transfer_time = 1;
	}
	if (device)
		read_rssi(msg, root);
	msg->kind = device ? BRIDGE_MESSAGE_DEVICE_COMMAND_RESPONSE : BRIDGE_MESSAGE_BRIDGE_COMMAND_RESPONSE;
	return 0;
}

/* Decodes a parsed message: the checks common to all types, then the type's own. */
static int decode_object(struct bridge_message *msg, const cJSON *root)
{
	const cJSON *type;
	char quoted[QUOTE_MAX + 1];

	if (too_deep(root, 1))
		return malformed(msg, "message is nested deeper than %d levels", BRIDGE_MESSAGE_MAX_DEPTH);
	if (!cJSON_IsObject(root))
		return malformed(msg, "message is not a JSON object");
	type = cJSON_GetObjectItemCaseSensitive(root, "type");
	if (!type)
		return malformed(msg, "type is missing");
	if (!cJSON_IsString(type))
		return malformed(msg, "type is not a string");
	if (read_address(msg, root, "bridge_address", "bridge_address", msg->bridge_address) < 0)
		return -1;
	read_timestamp(msg, root);

	if (strcmp(type->valuestring, "BridgeEvent") == 0)
		return decode_bridge_event(msg, root);
	if (strcmp(type->valuestring, "BridgeLog") == 0)
		return decode_bridge_log(msg, root);
	if (strcmp(type->valuestring, "DeviceEvent") == 0)
		return decode_device_event(msg, root);
	if (strcmp(type->valuestring, "BridgeCommandResponse") == 0)
		return decode_response(msg, root, 0);
	if (strcmp(type->valuestring, "DeviceCommandResponse") == 0)
		return decode_response(msg, root, 1);
	copy_text(quoted, sizeof(quoted), type->valuestring, 0);
	return unknown(msg, "unknown type \"%s\"", quoted);
}

int bridge_message_decode(const char *json, size_t len, struct bridge_message *msg)
{
	const char *end = NULL;
	cJSON *root;
	int rc;

	memset(msg, 0, sizeof(*msg));
	msg->kind = BRIDGE_MESSAGE_MALFORMED;
	if (!json || len == 0)
		return malformed(msg, "message is empty");
	if (len > BRIDGE_MESSAGE_MAX_BYTES)
		return malformed(msg, "message is %zu bytes, more than %d", len, BRIDGE_MESSAGE_MAX_BYTES);
	root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (!root) {
		if (end >= json && end <= json + len)
			return malformed(msg, "message is not valid JSON (at byte %zu)", (size_t)(end - json));
		return malformed(msg, "message is not valid JSON");
	}
	while (end < json + len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
		end++;
	if (end != json + len) {
		cJSON_Delete(root);
		return malformed(msg, "message has text after the JSON value (at byte %zu)", (size_t)(end - json));
	}
	rc = decode_object(msg, root);
	cJSON_Delete(root);
	return rc;
}

void bridge_message_clear(struct bridge_message *msg)
{
	if (!msg)
		return;
	free(msg->log.records);
	free(msg->binary);
	memset(msg, 0, sizeof(*msg));
	msg->kind = BRIDGE_MESSAGE_MALFORMED;
}

const char *bridge_message_kind_name(enum bridge_message_kind kind)
{
	if ((int)kind < 0 || kind >= BRIDGE_MESSAGE_KIND_COUNT)
		return "invalid";
	return kind_names[kind];
}

/* Adds a string member; clears *ok when out of memory. */
static void add_string(cJSON *obj, const char *key, const char *value, int *ok)
{
	if (!cJSON_AddStringToObject(obj, key, value))
		*ok = 0;
}

/* Adds a string member only when value is not empty. */
static void add_nonempty(cJSON *obj, const char *key, const char *value, int *ok)
{
	if (value[0])
		add_string(obj, key, value, ok);
}

/* Adds a number member; clears *ok when out of memory. */
static void add_number(cJSON *obj, const char *key, double value, int *ok)
{
	if (!cJSON_AddNumberToObject(obj, key, value))
		*ok = 0;
}

/* Adds the kept log records as an array "log". */
static void add_log(cJSON *obj, const struct bridge_message *msg, int *ok)
{
	cJSON *arr = cJSON_AddArrayToObject(obj, "log");
	size_t i;

	if (!arr) {
		*ok = 0;
		return;
	}
	for (i = 0; i < msg->log.count; i++) {
		const struct bridge_log_record *rec = &msg->log.records[i];
		cJSON *r = cJSON_CreateObject();

		if (!r || !cJSON_AddItemToArray(arr, r)) {
			cJSON_Delete(r);
			*ok = 0;
			return;
		}
		add_string(r, "name", rec->name, ok);
		if (rec->has_created)
			add_number(r, "created", rec->created, ok);
		if (rec->has_levelno)
			add_number(r, "levelno", (double)rec->levelno, ok);
		add_string(r, "levelname", rec->levelname, ok);
		add_string(r, "message", rec->message, ok);
	}
}

/* Adds rssi_stats when the message had them. */
static void add_rssi(cJSON *obj, const struct bridge_message *msg, int *ok)
{
	cJSON *arr;

	if (!msg->has_rssi)
		return;
	arr = cJSON_CreateIntArray(msg->rssi_stats, 3);
	if (!arr || !cJSON_AddItemToObject(obj, "rssi_stats", arr)) {
		cJSON_Delete(arr);
		*ok = 0;
	}
}

/* Adds the fields of a decoded device event. */
static void add_event(cJSON *obj, const struct bridge_message *msg, int *ok)
{
	const struct device_event *ev = &msg->event;
	char *data;

	add_number(obj, "event_code", ev->header.event_code, ok);
	add_number(obj, "command_id", ev->header.command_id, ok);
	switch (ev->kind) {
	case DEVICE_EVENT_HEARTBEAT:
		add_number(obj, "uptime", ev->heartbeat.uptime, ok);
		break;
	case DEVICE_EVENT_DID_PRINT:
		add_number(obj, "print_type", ev->did_print.print_type, ok);
		add_string(obj, "print_type_name", device_event_print_type_name(ev->did_print.print_type), ok);
		add_number(obj, "print_id", ev->did_print.print_id, ok);
		break;
	case DEVICE_EVENT_DID_POWER_ON:
		add_number(obj, "device_type", ev->did_power_on.device_type, ok);
		add_string(obj, "firmware_build_version", ev->did_power_on.firmware_build_version, ok);
		add_string(obj, "loader_build_version", ev->did_power_on.loader_build_version, ok);
		add_number(obj, "protocol_version", ev->did_power_on.protocol_version, ok);
		add_number(obj, "reset_description", ev->did_power_on.reset_description, ok);
		add_string(obj, "reset_cause", device_event_reset_cause(ev->did_power_on.reset_description), ok);
		break;
	case DEVICE_EVENT_PRODUCT_ANNOUNCE:
		add_string(obj, "product_id", ev->product_announce.product_id, ok);
		add_number(obj, "product_version", ev->product_announce.product_version, ok);
		break;
	case DEVICE_EVENT_GENERIC:
		add_number(obj, "event_id", ev->generic.event_id, ok);
		add_string(obj, "format", ev->generic.packed ? "packed" : "binary", ok);
		data = base64_encode_alloc(ev->generic.data, ev->generic.len);
		if (!data) {
			*ok = 0;
			break;
		}
		add_string(obj, "data", data, ok);
		free(data);
		break;
	case DEVICE_EVENT_UNKNOWN:
		break;
	}
}

cJSON *bridge_message_to_json(const struct bridge_message *msg)
{
	cJSON *obj = cJSON_CreateObject();
	int ok = 1;

	if (!obj)
		return NULL;
	add_string(obj, "kind", bridge_message_kind_name(msg->kind), &ok);
	add_nonempty(obj, "bridge_address", msg->bridge_address, &ok);
	add_nonempty(obj, "device_address", msg->device_address, &ok);
	if (msg->has_timestamp)
		add_number(obj, "timestamp", msg->timestamp, &ok);
	if (msg->ignored)
		add_number(obj, "ignored", msg->ignored, &ok);

	switch (msg->kind) {
	case BRIDGE_MESSAGE_MALFORMED:
	case BRIDGE_MESSAGE_UNKNOWN:
	case BRIDGE_MESSAGE_KIND_COUNT:
		add_string(obj, "reason", msg->reason.message, &ok);
		break;
	case BRIDGE_MESSAGE_POWER_ON:
		add_nonempty(obj, "model", msg->power_on.model, &ok);
		add_nonempty(obj, "firmware_version", msg->power_on.firmware_version, &ok);
		add_nonempty(obj, "ncp_version", msg->power_on.ncp_version, &ok);
		add_nonempty(obj, "local_ip_address", msg->power_on.local_ip_address, &ok);
		add_nonempty(obj, "mac_address", msg->power_on.mac_address, &ok);
		break;
	case BRIDGE_MESSAGE_DEVICE_CONNECT:
	case BRIDGE_MESSAGE_DEVICE_DISCONNECT:
		break;
	case BRIDGE_MESSAGE_ENCRYPTION_KEY_REQUIRED:
		add_number(obj, "hardware_xor", msg->hardware_xor, &ok);
		break;
	case BRIDGE_MESSAGE_BRIDGE_LOG:
		add_number(obj, "records", (double)msg->log.count, &ok);
		if (msg->log.total > msg->log.count + msg->log.skipped)
			add_number(obj, "records_dropped",
				   (double)(msg->log.total - msg->log.count - msg->log.skipped), &ok);
		if (msg->log.skipped)
			add_number(obj, "records_skipped", (double)msg->log.skipped, &ok);
		add_log(obj, msg, &ok);
		break;
	case BRIDGE_MESSAGE_HEARTBEAT:
	case BRIDGE_MESSAGE_DID_PRINT:
	case BRIDGE_MESSAGE_DID_POWER_ON:
	case BRIDGE_MESSAGE_PRODUCT_ANNOUNCE:
	case BRIDGE_MESSAGE_GENERIC_DEVICE_EVENT:
		add_event(obj, msg, &ok);
		add_rssi(obj, msg, &ok);
		break;
	case BRIDGE_MESSAGE_BRIDGE_COMMAND_RESPONSE:
		add_number(obj, "command_id", msg->response.command_id, &ok);
		add_number(obj, "return_code", (double)msg->response.return_code, &ok);
		break;
	case BRIDGE_MESSAGE_DEVICE_COMMAND_RESPONSE:
		add_number(obj, "command_id", msg->response.command_id, &ok);
		add_number(obj, "return_code", (double)msg->response.return_code, &ok);
		add_string(obj, "meaning", return_code_name(msg->response.return_code), &ok);
		add_string(obj, "description", return_code_description(msg->response.return_code), &ok);
		if (msg->response.has_transfer_time)
			add_number(obj, "transfer_time", msg->response.transfer_time, &ok);
		add_rssi(obj, msg, &ok);
		break;
	}
	if (!ok) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}
