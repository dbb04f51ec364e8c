/* return_code.h: the return codes of a DeviceCommandResponse, as names and as sentences for people. */
#ifndef SIRIUS_RETURN_CODE_H
#define SIRIUS_RETURN_CODE_H

/* Codes a printer or its bridge answers a DeviceCommand with (PROTOCOL.md section 3). */
#define RETURN_CODE_SUCCESS 0x00
#define RETURN_CODE_EUI64_NOT_FOUND 0x01
#define RETURN_CODE_FAILED_NETWORK 0x02
#define RETURN_CODE_INVALID_SEQUENCE 0x20
#define RETURN_CODE_BUSY 0x30
#define RETURN_CODE_INVALID_SIZE 0x80
#define RETURN_CODE_INVALID_DEVICE_TYPE 0x81
#define RETURN_CODE_FILESYSTEM_ERROR 0x82
#define RETURN_CODE_FILESYSTEM_INVALID_ID 0x90
#define RETURN_CODE_NO_FREE_FILE_HANDLES 0x91
#define RETURN_CODE_FILESYSTEM_WRITE_ERROR 0x92
#define RETURN_CODE_BRIDGE_QUEUE_FULL 0xe0
#define RETURN_CODE_BRIDGE_ERROR 0xff

/* 1 when code is one of the codes above, else 0. */
int return_code_known(long code);

/*
 * The code's name in lower case with underscores ("success", "busy",
 * "bridge_queue_full", ...); "unknown" for any other value.
 */
const char *return_code_name(long code);

/*
 * One sentence for the web UI saying what the code means for the person who
 * sent the message; a general sentence for an unknown code. Never NULL.
 */
const char *return_code_description(long code);

#endif
