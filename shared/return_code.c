/* return_code.c: the table of DeviceCommandResponse return codes with their names and sentences. */
#include "return_code.h"

#include <stddef.h>

/* One known return code. */
struct return_code_entry {
	long code;               /* the value on the wire */
	const char *name;        /* lower case with underscores */
	const char *description; /* a sentence for people */
};

static const struct return_code_entry return_codes[] = {
	{ RETURN_CODE_SUCCESS, "success", "The printer received the message." },
	{ RETURN_CODE_EUI64_NOT_FOUND, "eui64_not_found",
	  "The bridge does not know this printer: it may be switched off, out of range or reset." },
	{ RETURN_CODE_FAILED_NETWORK, "failed_network",
	  "The bridge could not reach the printer over its radio network." },
	{ RETURN_CODE_INVALID_SEQUENCE, "invalid_sequence",
	  "The parts of the message reached the printer out of order." },
	{ RETURN_CODE_BUSY, "busy", "The printer was busy; try again in a moment." },
	{ RETURN_CODE_INVALID_SIZE, "invalid_size", "The printer refused the message because of its size." },
	{ RETURN_CODE_INVALID_DEVICE_TYPE, "invalid_device_type",
	  "The message was made for a different kind of device." },
	{ RETURN_CODE_FILESYSTEM_ERROR, "filesystem_error",
	  "The printer could not store the message (a file system error)." },
	{ RETURN_CODE_FILESYSTEM_INVALID_ID, "filesystem_invalid_id",
	  "The printer refused the message's file id." },
	{ RETURN_CODE_NO_FREE_FILE_HANDLES, "no_free_file_handles",
	  "The printer has no room for another message right now; try again later." },
	{ RETURN_CODE_FILESYSTEM_WRITE_ERROR, "filesystem_write_error",
	  "The printer could not write the message into its memory." },
	{ RETURN_CODE_BRIDGE_QUEUE_FULL, "bridge_queue_full",
	  "The bridge's queue of messages was full; send again later." },
	{ RETURN_CODE_BRIDGE_ERROR, "bridge_error", "The bridge reported an error." },
};

/* The table entry for code; NULL when the code is unknown. */
static const struct return_code_entry *find(long code)
{
	size_t i;

	for (i = 0; i < sizeof(return_codes) / sizeof(return_codes[0]); i++)
		if (return_codes[i].code == code)
			return &return_codes[i];
	return NULL;
}

int return_code_known(long code)
{
	return find(code) != NULL;
}

const char *return_code_name(long code)
{
	const struct return_code_entry *e = find(code);

	return e ? e->name : "unknown";
}

const char *return_code_description(long code)
{
	const struct return_code_entry *e = find(code);

	return e ? e->description : "The printer or its bridge answered with a code this server does not know.";
}
