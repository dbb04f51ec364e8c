/* control.c: the control protocol's requests (status, deliver, push_key, wake, cancel, bridges, devices, counters, logs), one table of ops. */
#include "control.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "device_address.h"
#include "log.h"

/* Longest string id echoed back. */
#define CONTROL_ID_MAX 64

/*
 * An op adds its results to reply (which already holds "ok": true). Returns
 * 0, or -1 with the reason in err (the reply then becomes an error reply).
 */
typedef int (*control_op_fn)(struct registry *reg, const cJSON *req, cJSON *reply, struct sirius_error *err);

/* One entry of the op table. */
struct control_op {
	const char *name; /* the request's "op" */
	control_op_fn fn; /* what answers it */
};

/* A string member of at most max bytes; NULL with a reason in err when missing, not a string or too long. */
static const char *string_field(const cJSON *req, const char *name, size_t max, struct sirius_error *err)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(req, name);

	if (!item) {
		error_set(err, "missing field \"%s\"", name);
		return NULL;
	}
	if (!cJSON_IsString(item) || !item->valuestring) {
		error_set(err, "field \"%s\" must be a string", name);
		return NULL;
	}
	if (strlen(item->valuestring) > max) {
		error_set(err, "field \"%s\" is too long", name);
		return NULL;
	}
	return item->valuestring;
}

/* A device or bridge address member; NULL with a reason in err when missing or invalid. */
static const char *address_field(const cJSON *req, const char *name, struct sirius_error *err)
{
	const char *s = string_field(req, name, DEVICE_ADDRESS_LEN, err);

	if (s && !device_address_valid(s)) {
		error_set(err, "field \"%s\" is not an address (16 lower-case hex digits)", name);
		return NULL;
	}
	return s;
}

static int op_ping(struct registry *reg, const cJSON *req, cJSON *reply, struct sirius_error *err)
{
	(void)reg;
	(void)req;
	(void)reply;
	(void)err;
	return 0;
}

/* status: "device" (one address) or "devices" (an array of them); answers "devices": [status...]. */
static int op_status(struct registry *reg, const cJSON *req, cJSON *reply, struct sirius_error *err)
{
	const cJSON *one = cJSON_GetObjectItemCaseSensitive(req, "device");
	const cJSON *many = cJSON_GetObjectItemCaseSensitive(req, "devices");
	const cJSON *item;
	cJSON *list;
	int n = 0;

	if (!one && !many)
		return error_set(err, "missing field \"device\" or \"devices\"");
	if (one && many)
		return error_set(err, "give \"device\" or \"devices\", not both");
	if (many) {
		if (!cJSON_IsArray(many))
			return error_set(err, "field \"devices\" must be an array of addresses");
		if (cJSON_GetArraySize(many) > CONTROL_STATUS_MAX)
			return error_set(err, "at most %d devices per request", CONTROL_STATUS_MAX);
		cJSON_ArrayForEach(item, many) {
			n++;
			if (!cJSON_IsString(item) || !device_address_valid(item->valuestring))
				return error_set(err, "devices[%d] is not an address (16 lower-case hex digits)", n - 1);
		}
	} else if (!cJSON_IsString(one) || !device_address_valid(one->valuestring)) {
		return error_set(err, "field \"device\" is not an address (16 lower-case hex digits)");
	}
	list = cJSON_AddArrayToObject(reply, "devices");
	if (!list)
		return error_set(err, "out of memory");
	if (one) {
		cJSON *o = registry_device_json(reg, one->valuestring);

		if (!o || !cJSON_AddItemToArray(list, o)) {
			cJSON_Delete(o);
			return error_set(err, "out of memory");
		}
		return 0;
	}
	cJSON_ArrayForEach(item, many) {
		cJSON *o = registry_device_json(reg, item->valuestring);

		if (!o || !cJSON_AddItemToArray(list, o)) {
			cJSON_Delete(o);
			return error_set(err, "out of memory");
		}
	}
	return 0;
}

/*
 * A message or command id field: an integer from 1 to 2^32-1. Returns 1 with
 * *id set, 0 when it is absent and optional, or -1 with a reason in err.
 */
static int id_field(const cJSON *req, const char *name, int required, uint32_t *id, struct sirius_error *err)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(req, name);

	if (!item) {
		if (required)
			return error_set(err, "missing field \"%s\"", name);
		return 0;
	}
	if (!cJSON_IsNumber(item) || item->valuedouble != floor(item->valuedouble) || item->valuedouble < 1 ||
	    item->valuedouble > 4294967295.0)
		return error_set(err, "field \"%s\" must be an integer from 1 to 4294967295", name);
	*id = (uint32_t)item->valuedouble;
	return 1;
}

/* deliver: "device", "command_id" (1..2^32-1), "payload" (base64); answers "result": "sent" | "offline". */
static int op_deliver(struct registry *reg, const cJSON *req, cJSON *reply, struct sirius_error *err)
{
	const char *device = address_field(req, "device", err);
	const char *payload;
	enum registry_delivery outcome;
	uint32_t id = 0;

	if (!device)
		return -1;
	if (id_field(req, "command_id", 1, &id, err) < 0)
		return -1;
	payload = string_field(req, "payload", CONTROL_LINE_MAX, err);
	if (!payload)
		return -1;
	if (registry_deliver(reg, device, id, payload, &outcome, err) < 0)
		return -1;
	if (!cJSON_AddStringToObject(reply, "result", registry_delivery_name(outcome)))
		return error_set(err, "out of memory");
	return 0;
}

/* push_key: "device"; answers "result": "sent" | "offline" | "unclaimed". */
static int op_push_key(struct registry *reg, const cJSON *req, cJSON *reply, struct sirius_error *err)
{
	const char *device = address_field(req, "device", err);
	enum registry_delivery outcome;

	if (!device)
		return -1;
	if (registry_push_key(reg, device, &outcome, err) < 0)
		return -1;
	if (!cJSON_AddStringToObject(reply, "result", registry_delivery_name(outcome)))
		return error_set(err, "out of memory");
	return 0;
}

/*
 * wake: "device", optional "message" (an id); reads the printer's outbox and
 * sends what it may. Answers "result": "sent" (that message is on its way),
 * "queued" (the printer is online; it waits its turn) | "offline".
 */
static int op_wake(struct registry *reg, const cJSON *req, cJSON *reply, struct sirius_error *err)
{
	const char *device = address_field(req, "device", err);
	enum registry_wake outcome;
	uint32_t id = 0;

	if (!device || id_field(req, "message", 0, &id, err) < 0)
		return -1;
	if (registry_wake(reg, device, id, &outcome, err) < 0)
		return -1;
	if (!cJSON_AddStringToObject(reply, "result", registry_wake_name(outcome)))
		return error_set(err, "out of memory");
	return 0;
}

/* cancel: "message"; drops a cancelled message the relay holds unwritten. Answers "dropped": true | false. */
static int op_cancel(struct registry *reg, const cJSON *req, cJSON *reply, struct sirius_error *err)
{
	uint32_t id = 0;

	if (id_field(req, "message", 1, &id, err) < 0)
		return -1;
	if (!cJSON_AddBoolToObject(reply, "dropped", registry_cancel(reg, id)))
		return error_set(err, "out of memory");
	return 0;
}

/* rebind: "device"; its printer's bridge changed in the database (a move confirmed, a claim): read it again. */
static int op_rebind(struct registry *reg, const cJSON *req, cJSON *reply, struct sirius_error *err)
{
	const char *device = address_field(req, "device", err);

	(void)reply;
	if (!device)
		return -1;
	registry_rebind(reg, device);
	return 0;
}

/* bridges: answers "bridges": [...]. */
static int op_bridges(struct registry *reg, const cJSON *req, cJSON *reply, struct sirius_error *err)
{
	cJSON *list = registry_bridges_json(reg);

	(void)req;
	if (!list || !cJSON_AddItemToObject(reply, "bridges", list)) {
		cJSON_Delete(list);
		return error_set(err, "out of memory");
	}
	return 0;
}

/* devices: answers "devices": [status...] of every known device. */
static int op_devices(struct registry *reg, const cJSON *req, cJSON *reply, struct sirius_error *err)
{
	cJSON *list = registry_devices_json(reg);

	(void)req;
	if (!list || !cJSON_AddItemToObject(reply, "devices", list)) {
		cJSON_Delete(list);
		return error_set(err, "out of memory");
	}
	return 0;
}

/* counters: answers "counters": {...}. */
static int op_counters(struct registry *reg, const cJSON *req, cJSON *reply, struct sirius_error *err)
{
	cJSON *o;

	(void)req;
	/* this request is counted before the snapshot, so it sees itself */
	registry_counters(reg)->control_requests++;
	o = registry_counters_json(reg);
	registry_counters(reg)->control_requests--;
	if (!o || !cJSON_AddItemToObject(reply, "counters", o)) {
		cJSON_Delete(o);
		return error_set(err, "out of memory");
	}
	return 0;
}

/* logs: "bridge"; answers "records": [...] of its log ring, oldest first. */
static int op_logs(struct registry *reg, const cJSON *req, cJSON *reply, struct sirius_error *err)
{
	const char *bridge = address_field(req, "bridge", err);
	cJSON *list;

	if (!bridge)
		return -1;
	list = registry_logs_json(reg, bridge, err);
	if (!list)
		return -1;
	if (!cJSON_AddItemToObject(reply, "records", list)) {
		cJSON_Delete(list);
		return error_set(err, "out of memory");
	}
	return 0;
}

static const struct control_op control_ops[] = {
	{ "ping", op_ping },
	{ "status", op_status },
	{ "deliver", op_deliver },
	{ "push_key", op_push_key },
	{ "wake", op_wake },
	{ "cancel", op_cancel },
	{ "rebind", op_rebind },
	{ "bridges", op_bridges },
	{ "devices", op_devices },
	{ "counters", op_counters },
	{ "logs", op_logs },
};

int control_line_blank(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return 0;
	return 1;
}

char *control_error_reply(const char *message)
{
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;

	if (o && cJSON_AddFalseToObject(o, "ok") && cJSON_AddStringToObject(o, "error", message))
		text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/*
 * 1 when a request's "id" can be echoed as it came: a finite number, or a
 * string of at most CONTROL_ID_MAX bytes of valid UTF-8. A number too big
 * for a double would be printed as null, and invalid UTF-8 would make the
 * reply invalid JSON.
 */
static int id_valid(const cJSON *id)
{
	if (cJSON_IsNumber(id))
		return isfinite(id->valuedouble);
	if (!cJSON_IsString(id) || !id->valuestring)
		return 0;
	return strlen(id->valuestring) <= CONTROL_ID_MAX && g_utf8_validate(id->valuestring, -1, NULL);
}

/* Copies a valid request id into the reply; returns 0, or -1 with a reason in err for a bad id. */
static int echo_id(const cJSON *req, cJSON *reply, struct sirius_error *err)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "id");
	cJSON *copy;

	if (!id)
		return 0;
	if (!id_valid(id))
		return error_set(err, "field \"id\" must be a finite number or a string of at most %d bytes of UTF-8",
				 CONTROL_ID_MAX);
	copy = cJSON_Duplicate(id, 0);
	if (!copy || !cJSON_AddItemToObject(reply, "id", copy)) {
		cJSON_Delete(copy);
		return error_set(err, "out of memory");
	}
	return 0;
}

/*
 * Makes an error message valid UTF-8. A message may quote the request (an
 * unknown op's name), whose strings cJSON passes through byte for byte, and
 * error_set may cut a character in two: invalid sequences become U+FFFD and
 * a character cut at the end is dropped, so that every reply is valid JSON
 * for strict clients and every log line valid text.
 */
static void message_make_valid(struct sirius_error *err)
{
	const char *end;
	char *valid;

	if (g_utf8_validate(err->message, -1, NULL))
		return;
	valid = g_utf8_make_valid(err->message, -1);
	snprintf(err->message, sizeof(err->message), "%s", valid);
	g_free(valid);
	if (!g_utf8_validate(err->message, -1, &end))
		err->message[end - err->message] = '\0';
}

char *control_handle(struct registry *reg, const char *line, size_t len)
{
	struct registry_counters *counters = registry_counters(reg);
	struct sirius_error err = { "" };
	cJSON *req = NULL, *reply = NULL;
	const char *end = NULL;
	const char *op;
	char *text = NULL;
	size_t i;
	int rc = -1;

	if (len > CONTROL_LINE_MAX) {
		error_set(&err, "request line too long (at most %d bytes)", CONTROL_LINE_MAX);
		goto done;
	}
	req = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	while (req && end < line + len && (*end == ' ' || *end == '\t' || *end == '\r'))
		end++;
	if (!req || end != line + len) {
		error_set(&err, "the request is not valid JSON");
		goto done;
	}
	if (!cJSON_IsObject(req)) {
		error_set(&err, "the request must be a JSON object");
		goto done;
	}
	reply = cJSON_CreateObject();
	if (!reply || !cJSON_AddTrueToObject(reply, "ok")) {
		error_set(&err, "out of memory");
		goto done;
	}
	if (echo_id(req, reply, &err) < 0)
		goto done;
	op = string_field(req, "op", 32, &err);
	if (!op)
		goto done;
	for (i = 0; i < sizeof(control_ops) / sizeof(control_ops[0]); i++)
		if (strcmp(op, control_ops[i].name) == 0)
			break;
	if (i == sizeof(control_ops) / sizeof(control_ops[0])) {
		error_set(&err, "unknown op \"%s\"", op);
		goto done;
	}
	rc = control_ops[i].fn(reg, req, reply, &err);
	if (rc == 0)
		text = cJSON_PrintUnformatted(reply);
done:
	counters->control_requests++;
	if (rc < 0 || !text) {
		cJSON *id = req && cJSON_IsObject(req) ? cJSON_GetObjectItemCaseSensitive(req, "id") : NULL;
		cJSON *e = cJSON_CreateObject();

		counters->control_errors++;
		if (!err.message[0])
			error_set(&err, "out of memory");
		message_make_valid(&err);
		relay_log(RELAY_LOG_WARN, "control: request refused: %s", err.message);
		if (e && cJSON_AddFalseToObject(e, "ok") && cJSON_AddStringToObject(e, "error", err.message)) {
			if (id && id_valid(id))
				cJSON_AddItemToObject(e, "id", cJSON_Duplicate(id, 0));
			free(text);
			text = cJSON_PrintUnformatted(e);
		}
		cJSON_Delete(e);
	}
	cJSON_Delete(reply);
	cJSON_Delete(req);
	return text;
}
