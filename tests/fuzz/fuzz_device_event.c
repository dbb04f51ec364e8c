/* fuzz_device_event.c: libFuzzer harness of the DeviceEvent binary payload decoder. */
#include <string.h>

#include "device_event.h"
#include "fuzz.h"

/* 1 when s is NUL-terminated within size bytes and printable ASCII. */
static int printable(const char *s, size_t size)
{
	size_t i;

	for (i = 0; i < size && s[i]; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return i < size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct device_event ev;
	struct sirius_error err = { "" };
	int rc;

	memset(&ev, 0xa5, sizeof(ev));
	rc = device_event_decode(data, size, &ev, &err);
	FUZZ_CHECK(rc == 0 || rc == 1 || rc == -1);
	if (rc < 0)
		return 0;
	FUZZ_CHECK(size >= DEVICE_EVENT_HEADER_SIZE);
	FUZZ_CHECK(ev.header.payload_length == size - DEVICE_EVENT_HEADER_SIZE);
	FUZZ_CHECK(device_event_kind_name(ev.kind) != NULL);
	switch (ev.kind) {
	case DEVICE_EVENT_DID_POWER_ON:
		FUZZ_CHECK(printable(ev.did_power_on.firmware_build_version,
				     sizeof(ev.did_power_on.firmware_build_version)));
		FUZZ_CHECK(printable(ev.did_power_on.loader_build_version,
				     sizeof(ev.did_power_on.loader_build_version)));
		FUZZ_CHECK(device_event_reset_cause(ev.did_power_on.reset_description) != NULL);
		break;
	case DEVICE_EVENT_PRODUCT_ANNOUNCE:
		FUZZ_CHECK(strlen(ev.product_announce.product_id) == 32);
		break;
	case DEVICE_EVENT_DID_PRINT:
		FUZZ_CHECK(device_event_print_type_name(ev.did_print.print_type) != NULL);
		break;
	case DEVICE_EVENT_GENERIC:
		/* the data is borrowed from the input: it must lie inside it */
		FUZZ_CHECK(ev.generic.len == ev.header.payload_length);
		FUZZ_CHECK(ev.generic.data == data + DEVICE_EVENT_HEADER_SIZE);
		break;
	default:
		break;
	}
	return 0;
}
