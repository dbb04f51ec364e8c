/* device_event.h: decoding the binary payload of a DeviceEvent (PROTOCOL.md section 2). */
#ifndef SIRIUS_DEVICE_EVENT_H
#define SIRIUS_DEVICE_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The little-endian header every event payload starts with. */
#define DEVICE_EVENT_HEADER_SIZE 10

/* Event codes. */
#define DEVICE_EVENT_CODE_HEARTBEAT 0x0001
#define DEVICE_EVENT_CODE_DID_PRINT 0x0002
#define DEVICE_EVENT_CODE_DID_POWER_ON 0x0003
#define DEVICE_EVENT_CODE_PRODUCT_ANNOUNCE 0xA000
#define DEVICE_EVENT_CODE_GENERIC_BINARY 0xE000 /* 0xE0nn: nn is the event id */
#define DEVICE_EVENT_CODE_GENERIC_PACKED 0xE100 /* 0xE1nn: nn is the event id */

/* Payload lengths (after the header) of the fixed-size events. */
#define DEVICE_EVENT_HEARTBEAT_SIZE 4
#define DEVICE_EVENT_DID_PRINT_SIZE 5
#define DEVICE_EVENT_DID_POWER_ON_SIZE_LONG 74  /* with char[32] version strings */
#define DEVICE_EVENT_DID_POWER_ON_SIZE_SHORT 58 /* with char[24] version strings */
#define DEVICE_EVENT_PRODUCT_ANNOUNCE_SIZE 20

/* The longest version string of a did_power_on event. */
#define DEVICE_EVENT_VERSION_MAX 32

/* did_print print types. */
#define DEVICE_EVENT_PRINT_DELIVERY 0x01
#define DEVICE_EVENT_PRINT_NOTHING 0x10
#define DEVICE_EVENT_PRINT_QUIP 0x11

/* What a payload turned out to be. */
enum device_event_kind {
	DEVICE_EVENT_UNKNOWN,          /* a well-formed header with an event code we do not know */
	DEVICE_EVENT_HEARTBEAT,        /* 0x0001 */
	DEVICE_EVENT_DID_PRINT,        /* 0x0002 */
	DEVICE_EVENT_DID_POWER_ON,     /* 0x0003, either length */
	DEVICE_EVENT_PRODUCT_ANNOUNCE, /* 0xA000 */
	DEVICE_EVENT_GENERIC           /* 0xE0nn or 0xE1nn */
};

/* The header of an event payload. */
struct device_event_header {
	uint16_t event_code;     /* what the event is */
	uint32_t command_id;     /* the command it answers, usually 0 */
	uint32_t payload_length; /* bytes after the header */
};

/*
 * A decoded event. Only the member named by kind is meaningful; the others are
 * zero. generic.data points into the buffer that was decoded, so it lives as
 * long as that buffer does.
 */
struct device_event {
	enum device_event_kind kind;       /* which of the members below is filled */
	struct device_event_header header; /* always filled when decoding succeeded */
	struct {
		uint32_t uptime; /* seconds since the printer started */
	} heartbeat;                     /* DEVICE_EVENT_HEARTBEAT */
	struct {
		uint8_t print_type; /* DEVICE_EVENT_PRINT_*, or another value a printer sent */
		uint32_t print_id;  /* the command_id of what was printed */
	} did_print;                     /* DEVICE_EVENT_DID_PRINT */
	struct {
		uint32_t device_type;                                       /* 0 on real printers */
		char firmware_build_version[DEVICE_EVENT_VERSION_MAX + 1]; /* printable ASCII, NUL-terminated */
		char loader_build_version[DEVICE_EVENT_VERSION_MAX + 1];   /* printable ASCII, NUL-terminated */
		uint32_t protocol_version;                                  /* 4 on real printers */
		uint16_t reset_description;                                 /* high byte: the cause; low byte: detail */
		int long_form;                                              /* 1 for the 74-byte form, 0 for the 58-byte one */
	} did_power_on;                  /* DEVICE_EVENT_DID_POWER_ON */
	struct {
		char product_id[33];      /* the four id words as 32 lower-case hex digits */
		uint32_t product_version; /* big-endian on the wire */
	} product_announce;              /* DEVICE_EVENT_PRODUCT_ANNOUNCE */
	struct {
		int packed;          /* 0 for 0xE0nn (binary), 1 for 0xE1nn (packed) */
		uint8_t event_id;    /* nn */
		const uint8_t *data; /* the payload after the header (borrowed, see above) */
		size_t len;          /* its length, equal to header.payload_length */
	} generic;                       /* DEVICE_EVENT_GENERIC */
};

/*
 * Decodes an event payload of len bytes. Returns 0 with ev filled; 1 when the
 * header is well formed but the event code is unknown (ev->kind is
 * DEVICE_EVENT_UNKNOWN, ev->header filled, err names the code); -1 when the
 * payload is malformed (too short for the header, a length that differs from
 * the header's, a wrong length for its code, an invalid reset cause), with
 * the reason in err.
 */
int device_event_decode(const uint8_t *data, size_t len, struct device_event *ev,
			struct sirius_error *err);

/* The name of a kind as bridge messages use it: "heartbeat", "did_print", ... */
const char *device_event_kind_name(enum device_event_kind kind);

/*
 * The cause named by the high byte of a did_power_on reset_description, such
 * as "Power on" or "Watchdog"; NULL when the high byte is not a known cause.
 */
const char *device_event_reset_cause(uint16_t reset_description);

/* The name of a did_print print type: "delivery", "nothing_to_print", "quip" or "unknown". */
const char *device_event_print_type_name(uint8_t print_type);

#endif
