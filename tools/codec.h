/* codec.h: the subcommands of sirius-codec and the helpers they share. */
#ifndef SIRIUS_CODEC_H
#define SIRIUS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Each subcommand gets the arguments after its name and returns the exit status. */
int codec_claim_main(int argc, char **argv);
int codec_xor_main(int argc, char **argv);
int codec_payload_main(int argc, char **argv);
int codec_unpack_main(int argc, char **argv);
int codec_event_main(int argc, char **argv);
int codec_render_main(int argc, char **argv);

/* Exit statuses: 1 for input the codec refuses, 2 for a usage or system error. */
#define CODEC_EXIT_INVALID 1
#define CODEC_EXIT_USAGE 2

/*
 * Reads all of stdin (at most max bytes) into a malloc'd NUL-terminated buffer.
 * Returns NULL (with a message on stderr) when it cannot or the input is larger.
 */
char *codec_read_stdin(size_t max, size_t *len);

/* Prints json on one line to stdout and frees it; returns 0, or 2 when out of memory. */
int codec_print_json(cJSON *json);

/* Prints "sirius-codec: " and the message to stderr. */
void codec_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
