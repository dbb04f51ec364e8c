/* sirius-codec.c: a debugging CLI for the Little Printer protocol: claim codes, payloads, events. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "render.h"
#include "sirius_config.h"

static const struct {
	const char *name;                   /* the subcommand's name */
	int (*run)(int argc, char **argv);  /* its entry point */
	const char *usage;                  /* its arguments, for the usage text */
} subcommands[] = {
	{ "claim", codec_claim_main, "claim decode CODE | claim encode XOR SECRET" },
	{ "xor", codec_xor_main, "xor DEVICE_ADDRESS" },
	{ "payload", codec_payload_main, "payload COMMAND PRINT_ID IMAGE.png..." },
	{ "unpack", codec_unpack_main, "unpack BASE64|- [--out DIR] [--width N]" },
	{ "event", codec_event_main, "event < MESSAGE.json" },
	{ "render", codec_render_main,
	  "render [--type MIME] [--from NAME] [--date ISO8601] [--zone TZ] [--no-template] FILE|- -o OUT.png" },
};

#define SUBCOMMAND_COUNT (sizeof(subcommands) / sizeof(subcommands[0]))

void codec_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("sirius-codec: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

char *codec_read_stdin(size_t max, size_t *len)
{
	size_t used = 0, size = 4096;
	char *buf = malloc(size + 1);

	while (buf) {
		size_t n;

		if (used == size) {
			char *bigger;

			if (size >= max) {
				codec_fail("standard input is larger than %zu bytes", max);
				free(buf);
				return NULL;
			}
			size = size * 2 > max ? max : size * 2;
			bigger = realloc(buf, size + 1);
			if (!bigger)
				break;
			buf = bigger;
		}
		n = fread(buf + used, 1, size - used, stdin);
		used += n;
		if (n == 0) {
			if (ferror(stdin)) {
				codec_fail("cannot read standard input");
				free(buf);
				return NULL;
			}
			buf[used] = '\0';
			*len = used;
			return buf;
		}
	}
	free(buf);
	codec_fail("out of memory");
	return NULL;
}

int codec_print_json(cJSON *json)
{
	char *text = json ? cJSON_PrintUnformatted(json) : NULL;

	cJSON_Delete(json);
	if (!text) {
		codec_fail("out of memory");
		return CODEC_EXIT_USAGE;
	}
	puts(text);
	free(text);
	return 0;
}

static void usage(FILE *out)
{
	size_t i;

	fputs("usage:\n", out);
	for (i = 0; i < SUBCOMMAND_COUNT; i++)
		fprintf(out, "  sirius-codec %s\n", subcommands[i].usage);
}

int main(int argc, char **argv)
{
	struct sirius_error err = { "" };
	size_t i;

	/* render takes its time zone and limits from the same settings as the server. */
	if (config_load(&err) < 0) {
		codec_fail("%s", err.message);
		return CODEC_EXIT_USAGE;
	}
	if (argc < 2) {
		usage(stderr);
		return CODEC_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < SUBCOMMAND_COUNT; i++)
		if (!strcmp(argv[1], subcommands[i].name)) {
			int rc = subcommands[i].run(argc - 2, argv + 2);

			render_release_fonts();
			return rc;
		}
	codec_fail("unknown subcommand '%s'", argv[1]);
	usage(stderr);
	return CODEC_EXIT_USAGE;
}
