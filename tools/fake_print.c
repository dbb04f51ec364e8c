/* fake_print.c: "sirius-fake print": sending a PNG as it is to a printer through shared/print_job. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bitmap.h"
#include "bitmap_png.h"
#include "db.h"
#include "device_address.h"
#include "fake_cli.h"
#include "paths.h"
#include "print_job.h"
#include "printer_payload.h"

/* Who a print is from when --from is not given. */
#define DEFAULT_SENDER "sirius-fake"

/*
 * Finds the printer named by an address or a decimal id. Returns 1 with *out
 * filled, 0 after complaining that there is none, -1 after complaining about
 * a database error.
 */
static int find_printer(struct db *db, const char *which, struct db_printer *out)
{
	struct sirius_error err = { "" };
	long long id;
	int found;

	if (device_address_valid(which))
		found = db_printer_by_address(db, which, out, &err);
	else if (fake_parse_long(which, 1, INT64_MAX, &id) == 0)
		found = db_printer_by_id(db, (int64_t)id, out, &err);
	else {
		fake_complain("\"%s\" is neither a device address nor a printer id", which);
		return 0;
	}
	if (found < 0)
		fake_complain("%s", err.message);
	else if (found == 0)
		fake_complain("there is no printer %s", which);
	return found;
}

/* Reads a PNG file as a one-bit bitmap. Returns it, or NULL after complaining. */
static struct bitmap *read_image(const char *path)
{
	struct sirius_error err = { "" };
	struct bitmap *bm;
	uint8_t *data;
	size_t len;

	if (png_read_file(path, &data, &len, &err) != 0) {
		fake_complain("%s", err.message);
		return NULL;
	}
	bm = png_read_bitmap(data, len, (size_t)PRINTER_WIDTH * PRINTER_MAX_ROWS, &err);
	free(data);
	if (!bm)
		fake_complain("%s: %s", path, err.message);
	return bm;
}

int fake_print_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "mode", required_argument, NULL, 'm' },
		{ "face", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	struct sirius_error err = { "" };
	struct print_job_result result;
	struct db_printer printer;
	const struct bitmap *images[1];
	const char *sender = DEFAULT_SENDER;
	char socket_path[PATHS_MAX];
	struct bitmap *bm;
	struct db *db;
	int c, found, rc, for_button = 0, no_face = 0;
	uint16_t command;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c == 'f') {
			sender = optarg;
		} else if (c == 'm' && (strcmp(optarg, "print") == 0 || strcmp(optarg, "deliver") == 0)) {
			for_button = strcmp(optarg, "deliver") == 0;
		} else if (c == 'F' && (strcmp(optarg, "default") == 0 || strcmp(optarg, "none") == 0)) {
			no_face = strcmp(optarg, "none") == 0;
		} else if (c == 'm' || c == 'F') {
			return fake_usage_error("print", "--%s wants %s", c == 'm' ? "mode" : "face",
						c == 'm' ? "print or deliver" : "default or none");
		} else {
			return fake_usage_error("print", "unknown or incomplete option %s", argv[optind - 1]);
		}
	}
	/* print now or hold for the button (set_delivery), with the face or without */
	command = for_button ? (no_face ? PRINTER_SET_DELIVERY_NO_FACE : PRINTER_SET_DELIVERY)
			     : (no_face ? PRINTER_SET_DELIVERY_AND_PRINT_NO_FACE : PRINTER_SET_DELIVERY_AND_PRINT);
	if (argc - optind != 2)
		return fake_usage_error("print", "wants a printer (address or id) and a PNG file");
	if (paths_relay_socket(socket_path, sizeof(socket_path), &err) != 0) {
		fake_complain("%s", err.message);
		return FAKE_EXIT_FAILURE;
	}
	bm = read_image(argv[optind + 1]);
	if (!bm)
		return FAKE_EXIT_FAILURE;
	db = fake_open_db();
	if (!db) {
		bitmap_free(bm);
		return FAKE_EXIT_FAILURE;
	}
	found = find_printer(db, argv[optind], &printer);
	if (found <= 0) {
		db_close(db);
		bitmap_free(bm);
		return found < 0 ? FAKE_EXIT_FAILURE : FAKE_EXIT_REFUSED;
	}

	images[0] = bm;
	rc = print_job_send(db, socket_path, printer.id, command, images, 1, sender,
			    (int64_t)time(NULL), &result, &err);
	db_close(db);
	bitmap_free(bm);
	if (rc != 0) {
		if (result.message_id)
			fake_complain("message %u to %s failed: %s", result.message_id, printer.address,
				      err.message);
		else
			fake_complain("cannot print: %s", err.message);
		return result.message_id ? FAKE_EXIT_FAILURE : FAKE_EXIT_REFUSED;
	}
	if (result.outcome == PRINT_JOB_SENT)
		printf("message %u sent to %s\n", result.message_id, printer.address);
	else if (result.outcome == PRINT_JOB_QUEUED)
		printf("message %u queued for %s: it prints when the printer is online\n", result.message_id,
		       printer.address);
	else
		printf("message %u failed: printer %s is offline\n", result.message_id, printer.address);
	return FAKE_EXIT_OK;
}
