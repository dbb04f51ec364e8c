/* bridge_command.h: the JSON text of the server's commands to a bridge (PROTOCOL.md section 3), built with cJSON. */
#ifndef SIRIUS_BRIDGE_COMMAND_H
#define SIRIUS_BRIDGE_COMMAND_H

#include <stddef.h>
#include <stdint.h>

/* Longest address (bridge or device) a command may name; real ones are 16 hex digits. */
#define BRIDGE_COMMAND_MAX_ADDRESS 64

/* Bytes of the link key an add_device_encryption_key command carries. */
#define BRIDGE_COMMAND_KEY_SIZE 16

/*
 * The BridgeCommand add_device_encryption_key for device_address behind
 * bridge_address, as one line of JSON (malloc'd, NUL-terminated). key_base64
 * must be the canonical base64 of the 16-byte link key, with no newline.
 * Returns NULL when an argument is missing, an address is empty, longer than
 * BRIDGE_COMMAND_MAX_ADDRESS or holds a control character, command_id is 0,
 * the key is not the base64 of 16 bytes, or memory ran out.
 */
char *bridge_command_add_key_json(const char *bridge_address, const char *device_address, uint32_t command_id,
				  const char *key_base64);

/*
 * The DeviceCommand carrying a printer payload (already base64) to
 * device_address behind bridge_address, as one line of JSON (malloc'd).
 * Returns NULL when an argument is missing, an address is invalid (as above),
 * command_id is 0, the payload is empty or not canonical base64, or memory ran out.
 */
char *bridge_command_device_json(const char *bridge_address, const char *device_address, uint32_t command_id,
				 const char *payload_base64);

/*
 * The same DeviceCommand from the payload's bytes, which it encodes in base64.
 * Returns NULL as bridge_command_device_json() does.
 */
char *bridge_command_device_json_bytes(const char *bridge_address, const char *device_address, uint32_t command_id,
				       const uint8_t *payload, size_t payload_len);

#endif
