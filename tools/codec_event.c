/* codec_event.c: `sirius-codec event`: decodes one bridge message from stdin and prints it as JSON. */
#include <stdlib.h>

#include "bridge_message.h"
#include "codec.h"

int codec_event_main(int argc, char **argv)
{
	struct bridge_message msg = { 0 };
	size_t len;
	char *text;
	int status;

	(void)argv;
	if (argc != 0) {
		codec_fail("usage: sirius-codec event < MESSAGE.json");
		return CODEC_EXIT_USAGE;
	}
	/* Read one byte more than a message may have, so a too-large one is reported as such. */
	text = codec_read_stdin(BRIDGE_MESSAGE_MAX_BYTES + 1, &len);
	if (!text)
		return CODEC_EXIT_USAGE;
	bridge_message_decode(text, len, &msg);
	free(text);
	status = codec_print_json(bridge_message_to_json(&msg));
	/* A message the server would not act on is still decoded, but the exit status says so. */
	if (status == 0 && msg.kind == BRIDGE_MESSAGE_MALFORMED)
		status = CODEC_EXIT_INVALID;
	bridge_message_clear(&msg);
	return status;
}
