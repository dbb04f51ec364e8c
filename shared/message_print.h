/* message_print.h: the print a stored message holds, as a bitmap or a PNG (the web UI's image, reprints). */
#ifndef SIRIUS_MESSAGE_PRINT_H
#define SIRIUS_MESSAGE_PRINT_H

#include <stddef.h>
#include <stdint.h>

#include "bitmap.h"
#include "db_messages.h"
#include "error.h"

/*
 * A message keeps its print as the DeviceCommand payload it is sent as
 * (schema.sql, messages): the payload's run-length code gives back the
 * rendered bitmap bit for bit, so no second copy is made while a sender
 * waits. Messages settled before payloads were kept (the payload was dropped
 * then) have a one-bit PNG of the print instead.
 */

/* 1 when the message keeps a print to show or reprint (a payload or a PNG), else 0. */
int message_has_print(const struct db_message *message);

/*
 * The functions below draw from the print as db_message_load_print read it.
 *
 * The message's print as one bitmap, PRINTER_WIDTH wide: the payload's images
 * stacked top to bottom, or the stored PNG. Returns a new bitmap, or NULL with
 * a reason in err (no print kept, a payload or PNG that does not decode, out
 * of memory).
 */
struct bitmap *message_print_bitmap(const struct db_message *message, struct sirius_error *err);

/*
 * The message's print as a one-bit PNG: a stored PNG as it is, else the
 * payload's images drawn into one. Returns 0 with *png malloc'd (*png_len
 * bytes), or -1 with a reason in err as message_print_bitmap.
 */
int message_print_png(const struct db_message *message, uint8_t **png, size_t *png_len, struct sirius_error *err);

#endif
