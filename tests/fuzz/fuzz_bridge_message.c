/* fuzz_bridge_message.c: libFuzzer harness of the bridge message decoder (JSON from a bridge's websocket). */
#include <stdlib.h>
#include <string.h>

#include "bridge_message.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bridge_message msg;
	cJSON *json;
	char *text;
	int rc;

	memset(&msg, 0, sizeof(msg));
	rc = bridge_message_decode((const char *)data, size, &msg);
	FUZZ_CHECK(rc == 0 || msg.kind == BRIDGE_MESSAGE_MALFORMED || msg.kind == BRIDGE_MESSAGE_UNKNOWN);
	FUZZ_CHECK(rc != 0 || (msg.kind != BRIDGE_MESSAGE_MALFORMED && msg.kind != BRIDGE_MESSAGE_UNKNOWN));
	FUZZ_CHECK(memchr(msg.reason.message, '\0', sizeof(msg.reason.message)) != NULL);
	FUZZ_CHECK(msg.bridge_address[0] == '\0' || device_address_valid(msg.bridge_address));
	FUZZ_CHECK(msg.log.count <= BRIDGE_LOG_MAX_RECORDS);
	/* the relay logs and stores what it decoded: describing it must work too */
	json = bridge_message_to_json(&msg);
	FUZZ_CHECK(json != NULL);
	text = cJSON_PrintUnformatted(json);
	FUZZ_CHECK(text != NULL);
	cJSON_free(text);
	cJSON_Delete(json);
	bridge_message_clear(&msg);
	FUZZ_CHECK(msg.binary == NULL && msg.log.records == NULL);
	return 0;
}
