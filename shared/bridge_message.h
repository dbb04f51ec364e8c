/* bridge_message.h: decoding every bridge -> server message (PROTOCOL.md section 2) into one struct. */
#ifndef SIRIUS_BRIDGE_MESSAGE_H
#define SIRIUS_BRIDGE_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "device_address.h"
#include "device_event.h"
#include "error.h"

/* The largest message we parse; a bigger one is malformed. */
#define BRIDGE_MESSAGE_MAX_BYTES (256 * 1024)
/* The deepest nesting of objects and arrays we accept (power_on's network_info is 2 deep). */
#define BRIDGE_MESSAGE_MAX_DEPTH 32
/* Longest informational power_on string we keep (longer ones are truncated). */
#define BRIDGE_INFO_MAX 64
/* Log records kept from one BridgeLog message (the rest are counted, not kept). */
#define BRIDGE_LOG_MAX_RECORDS 64
/* Longest strings kept from a log record, in bytes (longer ones are truncated). */
#define BRIDGE_LOG_NAME_MAX 64
#define BRIDGE_LOG_LEVELNAME_MAX 16
#define BRIDGE_LOG_MESSAGE_MAX 1024

/* What a message is. Order is not meaningful; names are in bridge_message_kind_name(). */
enum bridge_message_kind {
	BRIDGE_MESSAGE_MALFORMED,               /* not decodable: reason says why */
	BRIDGE_MESSAGE_UNKNOWN,                 /* well formed, but a type, name or event code we do not know */
	BRIDGE_MESSAGE_POWER_ON,                /* BridgeEvent power_on */
	BRIDGE_MESSAGE_DEVICE_CONNECT,          /* BridgeEvent device_connect */
	BRIDGE_MESSAGE_DEVICE_DISCONNECT,       /* BridgeEvent device_disconnect */
	BRIDGE_MESSAGE_ENCRYPTION_KEY_REQUIRED, /* BridgeEvent encryption_key_required */
	BRIDGE_MESSAGE_BRIDGE_LOG,              /* BridgeLog */
	BRIDGE_MESSAGE_HEARTBEAT,               /* DeviceEvent 0x0001 */
	BRIDGE_MESSAGE_DID_PRINT,               /* DeviceEvent 0x0002 */
	BRIDGE_MESSAGE_DID_POWER_ON,            /* DeviceEvent 0x0003 */
	BRIDGE_MESSAGE_PRODUCT_ANNOUNCE,        /* DeviceEvent 0xA000 */
	BRIDGE_MESSAGE_GENERIC_DEVICE_EVENT,    /* DeviceEvent 0xE0nn / 0xE1nn */
	BRIDGE_MESSAGE_BRIDGE_COMMAND_RESPONSE, /* BridgeCommandResponse */
	BRIDGE_MESSAGE_DEVICE_COMMAND_RESPONSE, /* DeviceCommandResponse */
	BRIDGE_MESSAGE_KIND_COUNT               /* the number of kinds, not a kind */
};

/* One record of a BridgeLog, every string bounded, valid UTF-8 and on one line. */
struct bridge_log_record {
	char name[BRIDGE_LOG_NAME_MAX + 1];           /* the logger, e.g. "cloud.socket"; "" when absent */
	int has_created;                              /* 1 when created was a number */
	double created;                               /* seconds since 1970, as the bridge's clock had it */
	int has_levelno;                              /* 1 when levelno was an integer */
	long levelno;                                 /* Python logging level, e.g. 40 for ERROR */
	char levelname[BRIDGE_LOG_LEVELNAME_MAX + 1]; /* e.g. "ERROR"; "" when absent */
	char message[BRIDGE_LOG_MESSAGE_MAX + 1];     /* the text; "" when absent */
};

/*
 * A decoded message. kind says which of the per-kind members is filled; the
 * others are zero. Strings are NUL-terminated and empty when absent.
 * Fill it with bridge_message_decode() and release it with bridge_message_clear().
 */
struct bridge_message {
	enum bridge_message_kind kind;                 /* what the message is */
	struct sirius_error reason;                    /* for MALFORMED and UNKNOWN: why, naming the field */
	char bridge_address[DEVICE_ADDRESS_LEN + 1];   /* the sender; "" when missing or invalid */
	char device_address[DEVICE_ADDRESS_LEN + 1];   /* the printer, for kinds that name one; else "" */
	int has_timestamp;                             /* 1 when a usable timestamp was given */
	double timestamp;                              /* seconds since 1970 (float, integer or numeric string) */
	unsigned ignored;                              /* fields and log records of the wrong type left out */

	struct {
		char model[BRIDGE_INFO_MAX + 1];            /* e.g. "A"; "" when absent or not a string */
		char firmware_version[BRIDGE_INFO_MAX + 1]; /* e.g. "v2.3.1-f3c7946" */
		char ncp_version[BRIDGE_INFO_MAX + 1];      /* e.g. "0x46C5" */
		char local_ip_address[BRIDGE_INFO_MAX + 1]; /* e.g. "192.168.1.98" */
		char mac_address[BRIDGE_INFO_MAX + 1];      /* e.g. "40:d8:55:01:c1:b3" */
	} power_on;                                    /* BRIDGE_MESSAGE_POWER_ON */

	uint32_t hardware_xor;                         /* ENCRYPTION_KEY_REQUIRED: the device address's xor */

	struct {
		struct bridge_log_record *records; /* count records (malloc'd; NULL when count is 0) */
		size_t count;                      /* records kept, at most BRIDGE_LOG_MAX_RECORDS */
		size_t total;                      /* elements of the message's records array */
		size_t skipped;                    /* elements that were not objects (left out, also in ignored) */
	} log;                                         /* BRIDGE_MESSAGE_BRIDGE_LOG */

	struct device_event event;                     /* the DeviceEvent kinds: the decoded payload */
	uint8_t *binary;                               /* DeviceEvent: the decoded binary_payload (malloc'd) */
	size_t binary_len;                             /* its length */
	int has_rssi;                                  /* 1 when rssi_stats was an array of 3 integers */
	int rssi_stats[3];                             /* DeviceEvent, DeviceCommandResponse: signal levels */

	struct {
		uint32_t command_id;   /* the command answered */
		long return_code;      /* 0..255 for a DeviceCommandResponse; see return_code.h */
		int has_transfer_time; /* 1 when transfer_time was a number */
		double transfer_time;  /* seconds the transfer took */
	} response;                                    /* the two CommandResponse kinds */
};

/*
 * Decodes len bytes of json (one websocket text frame; it need not be
 * NUL-terminated) into msg, overwriting all of msg: clear a message before
 * decoding into it again. Returns 0 for a known, well-formed message; -1 when
 * msg->kind is BRIDGE_MESSAGE_MALFORMED (bad JSON, too big or too deep, a
 * missing or mistyped field the server acts on, an invalid address, bad
 * base64, a binary payload of the wrong length, out of memory) or
 * BRIDGE_MESSAGE_UNKNOWN (an unknown type, BridgeEvent name or event code),
 * with msg->reason saying why. bridge_address is filled whenever the message
 * carried a valid one. Informational fields of the wrong type (a timestamp
 * that is not a number, a log record that is not an object) are left out and
 * counted in msg->ignored, never making the message malformed (PROTOCOL.md 1).
 */
int bridge_message_decode(const char *json, size_t len, struct bridge_message *msg);

/* Frees what bridge_message_decode allocated and zeroes msg (kind MALFORMED). */
void bridge_message_clear(struct bridge_message *msg);

/* The kind's name: "power_on", "heartbeat", "device_command_response", ...; "invalid" out of range. */
const char *bridge_message_kind_name(enum bridge_message_kind kind);

/*
 * A new JSON object describing msg: "kind", "bridge_address", "device_address"
 * and "timestamp" when present, the fields of the kind, and "reason" for a
 * malformed or unknown message. Returns NULL when out of memory.
 */
cJSON *bridge_message_to_json(const struct bridge_message *msg);

#endif
