/* device_event.c: decoding the binary payload of a DeviceEvent: header, heartbeat, did_print, did_power_on, announce, generic events. */
#include "device_event.h"

#include <stdio.h>
#include <string.h>

/* Reset causes by the high byte of reset_description (PROTOCOL.md section 2). */
static const char *const reset_causes[] = {
	"Undeterminable cause", /* 0x00 */
	"FIB bootloader",       /* 0x01 */
	"Ember bootloader",     /* 0x02 */
	"External reset",       /* 0x03 */
	"Power on",             /* 0x04 */
	"Watchdog",             /* 0x05 */
	"Software triggered",   /* 0x06 */
	"Software crash",       /* 0x07 */
	"Flash failure",        /* 0x08 */
	"Fatal error",          /* 0x09 */
	"Access fault",         /* 0x0a */
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/*
 * Copies a fixed-size, NUL-padded string field of n bytes (n <= DEVICE_EVENT_VERSION_MAX)
 * into out, stopping at the first NUL and replacing anything but printable
 * ASCII with '?', so the text is safe to log, show or put into JSON.
 */
static void copy_fixed_string(char *out, const uint8_t *field, size_t n)
{
	size_t i;

	for (i = 0; i < n && field[i] != 0; i++)
		out[i] = (field[i] >= 0x20 && field[i] < 0x7f) ? (char)field[i] : '?';
	out[i] = '\0';
}

/*
 * Decodes the did_power_on payload p of length n (58 or 74 bytes).
 * Returns 0, or -1 with a reason when the length or the reset cause is invalid.
 */
static int decode_did_power_on(const uint8_t *p, uint32_t n, struct device_event *ev,
			       struct sirius_error *err)
{
	size_t strlen_each;

	if (n == DEVICE_EVENT_DID_POWER_ON_SIZE_LONG)
		strlen_each = 32;
	else if (n == DEVICE_EVENT_DID_POWER_ON_SIZE_SHORT)
		strlen_each = 24;
	else
		return error_set(err, "did_power_on payload is %lu bytes, expected %d or %d",
				 (unsigned long)n, DEVICE_EVENT_DID_POWER_ON_SIZE_LONG,
				 DEVICE_EVENT_DID_POWER_ON_SIZE_SHORT);

	ev->did_power_on.long_form = n == DEVICE_EVENT_DID_POWER_ON_SIZE_LONG;
	ev->did_power_on.device_type = le32(p);
	copy_fixed_string(ev->did_power_on.firmware_build_version, p + 4, strlen_each);
	copy_fixed_string(ev->did_power_on.loader_build_version, p + 4 + strlen_each, strlen_each);
	ev->did_power_on.protocol_version = le32(p + 4 + 2 * strlen_each);
	ev->did_power_on.reset_description = le16(p + 8 + 2 * strlen_each);
	if (!device_event_reset_cause(ev->did_power_on.reset_description))
		return error_set(err, "did_power_on reset_description 0x%04x has no known cause",
				 (unsigned)ev->did_power_on.reset_description);
	ev->kind = DEVICE_EVENT_DID_POWER_ON;
	return 0;
}

int device_event_decode(const uint8_t *data, size_t len, struct device_event *ev,
			struct sirius_error *err)
{
	const uint8_t *p;
	uint16_t code;
	uint32_t n;
	int i;

	memset(ev, 0, sizeof(*ev));
	ev->kind = DEVICE_EVENT_UNKNOWN;
	if (!data || len < DEVICE_EVENT_HEADER_SIZE)
		return error_set(err, "binary_payload is %zu bytes, shorter than the %d-byte event header",
				 data ? len : 0, DEVICE_EVENT_HEADER_SIZE);
	p = data + DEVICE_EVENT_HEADER_SIZE;
	ev->header.event_code = le16(data);
	ev->header.command_id = le32(data + 2);
	ev->header.payload_length = le32(data + 6);
	n = ev->header.payload_length;
	if ((uint64_t)len != (uint64_t)DEVICE_EVENT_HEADER_SIZE + n)
		return error_set(err, "binary_payload is %zu bytes, its header says %llu",
				 len, (unsigned long long)DEVICE_EVENT_HEADER_SIZE + n);
	code = ev->header.event_code;

	if ((code & 0xFF00) == DEVICE_EVENT_CODE_GENERIC_BINARY ||
	    (code & 0xFF00) == DEVICE_EVENT_CODE_GENERIC_PACKED) {
		ev->kind = DEVICE_EVENT_GENERIC;
		ev->generic.packed = (code & 0xFF00) == DEVICE_EVENT_CODE_GENERIC_PACKED;
		ev->generic.event_id = (uint8_t)(code & 0xFF);
		ev->generic.data = p;
		ev->generic.len = n;
		return 0;
	}

	switch (code) {
	case DEVICE_EVENT_CODE_HEARTBEAT:
		if (n != DEVICE_EVENT_HEARTBEAT_SIZE)
			return error_set(err, "heartbeat payload is %lu bytes, expected %d",
					 (unsigned long)n, DEVICE_EVENT_HEARTBEAT_SIZE);
		ev->heartbeat.uptime = le32(p);
		ev->kind = DEVICE_EVENT_HEARTBEAT;
		return 0;
	case DEVICE_EVENT_CODE_DID_PRINT:
		if (n != DEVICE_EVENT_DID_PRINT_SIZE)
			return error_set(err, "did_print payload is %lu bytes, expected %d",
					 (unsigned long)n, DEVICE_EVENT_DID_PRINT_SIZE);
		ev->did_print.print_type = p[0];
		ev->did_print.print_id = le32(p + 1);
		ev->kind = DEVICE_EVENT_DID_PRINT;
		return 0;
	case DEVICE_EVENT_CODE_DID_POWER_ON:
		return decode_did_power_on(p, n, ev, err);
	case DEVICE_EVENT_CODE_PRODUCT_ANNOUNCE:
		if (n != DEVICE_EVENT_PRODUCT_ANNOUNCE_SIZE)
			return error_set(err, "product announce payload is %lu bytes, expected %d",
					 (unsigned long)n, DEVICE_EVENT_PRODUCT_ANNOUNCE_SIZE);
		for (i = 0; i < 4; i++)
			snprintf(ev->product_announce.product_id + 8 * i, 9, "%08lx",
				 (unsigned long)be32(p + 4 * i));
		ev->product_announce.product_version = be32(p + 16);
		ev->kind = DEVICE_EVENT_PRODUCT_ANNOUNCE;
		return 0;
	default:
		error_set(err, "unknown device event code 0x%04x", (unsigned)code);
		return 1;
	}
}

const char *device_event_kind_name(enum device_event_kind kind)
{
	switch (kind) {
	case DEVICE_EVENT_HEARTBEAT:
		return "heartbeat";
	case DEVICE_EVENT_DID_PRINT:
		return "did_print";
	case DEVICE_EVENT_DID_POWER_ON:
		return "did_power_on";
	case DEVICE_EVENT_PRODUCT_ANNOUNCE:
		return "product_announce";
	case DEVICE_EVENT_GENERIC:
		return "generic_device_event";
	case DEVICE_EVENT_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *device_event_reset_cause(uint16_t reset_description)
{
	unsigned cause = reset_description >> 8;

	if (cause >= sizeof(reset_causes) / sizeof(reset_causes[0]))
		return NULL;
	return reset_causes[cause];
}

const char *device_event_print_type_name(uint8_t print_type)
{
	switch (print_type) {
	case DEVICE_EVENT_PRINT_DELIVERY:
		return "delivery";
	case DEVICE_EVENT_PRINT_NOTHING:
		return "nothing_to_print";
	case DEVICE_EVENT_PRINT_QUIP:
		return "quip";
	default:
		return "unknown";
	}
}
