/* bridge_command.c: building the JSON of BridgeCommand and DeviceCommand messages with cJSON. */
#include "bridge_command.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base64.h"

/* Whether s is a usable address: 1..BRIDGE_COMMAND_MAX_ADDRESS bytes, no control characters. */
static int address_ok(const char *s)
{
	size_t i;

	if (!s)
		return 0;
	for (i = 0; s[i]; i++)
		if (i >= BRIDGE_COMMAND_MAX_ADDRESS || (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return i > 0;
}

/* The number of bytes text decodes to as canonical base64; -1 when it is not base64. */
static long base64_size(const char *text)
{
	size_t len;
	uint8_t *data;

	if (!text)
		return -1;
	data = base64_decode_alloc(text, strlen(text), &len);
	if (!data)
		return -1;
	free(data);
	return (long)len;
}

/*
 * Starts a command object of type with its bridge address (and device
 * address when not NULL), command id and timestamp. Returns NULL when memory
 * ran out.
 */
static cJSON *command_new(const char *type, const char *bridge_address, const char *device_address,
			  uint32_t command_id)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	if (!cJSON_AddStringToObject(o, "type", type) ||
	    !cJSON_AddStringToObject(o, "bridge_address", bridge_address) ||
	    (device_address && !cJSON_AddStringToObject(o, "device_address", device_address)) ||
	    !cJSON_AddNumberToObject(o, "command_id", (double)command_id) ||
	    !cJSON_AddStringToObject(o, "timestamp", "0")) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Prints o on one line and frees it; returns the text or NULL. */
static char *print_and_free(cJSON *o)
{
	char *text;

	if (!o)
		return NULL;
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

char *bridge_command_add_key_json(const char *bridge_address, const char *device_address, uint32_t command_id,
				  const char *key_base64)
{
	cJSON *o, *payload, *params;

	if (!address_ok(bridge_address) || !address_ok(device_address) || command_id == 0)
		return NULL;
	if (base64_size(key_base64) != BRIDGE_COMMAND_KEY_SIZE)
		return NULL;
	o = command_new("BridgeCommand", bridge_address, NULL, command_id);
	if (!o)
		return NULL;
	payload = cJSON_AddObjectToObject(o, "json_payload");
	if (!payload || !cJSON_AddStringToObject(payload, "name", "add_device_encryption_key"))
		goto fail;
	params = cJSON_AddObjectToObject(payload, "params");
	if (!params || !cJSON_AddStringToObject(params, "device_address", device_address) ||
	    !cJSON_AddStringToObject(params, "encryption_key", key_base64))
		goto fail;
	return print_and_free(o);
fail:
	cJSON_Delete(o);
	return NULL;
}

char *bridge_command_device_json(const char *bridge_address, const char *device_address, uint32_t command_id,
				 const char *payload_base64)
{
	cJSON *o;

	if (!address_ok(bridge_address) || !address_ok(device_address) || command_id == 0)
		return NULL;
	if (base64_size(payload_base64) <= 0)
		return NULL;
	o = command_new("DeviceCommand", bridge_address, device_address, command_id);
	if (!o)
		return NULL;
	if (!cJSON_AddStringToObject(o, "binary_payload", payload_base64)) {
		cJSON_Delete(o);
		return NULL;
	}
	return print_and_free(o);
}

char *bridge_command_device_json_bytes(const char *bridge_address, const char *device_address, uint32_t command_id,
				       const uint8_t *payload, size_t payload_len)
{
	char *text, *json;

	if (!payload || payload_len == 0)
		return NULL;
	text = base64_encode_alloc(payload, payload_len);
	if (!text)
		return NULL;
	json = bridge_command_device_json(bridge_address, device_address, command_id, text);
	free(text);
	return json;
}
