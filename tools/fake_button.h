/* fake_button.h: the emulated printer's button: deliveries held until a press, quips and personality kept as PNGs. */
#ifndef SIRIUS_FAKE_BUTTON_H
#define SIRIUS_FAKE_BUTTON_H

#include <signal.h>
#include <stdint.h>

#include <glib.h>
#include <libwebsockets.h>

#include "bitmap.h"

/*
 * A Little Printer holds a delivery sent with set_delivery or
 * set_delivery_no_face and prints it when its button is pressed, then
 * reports did_print 0x01 with the delivery's print id; a press with nothing
 * held reports 0x10, or prints one of its quips and reports 0x11. This
 * models that for "sirius-fake emulate":
 *
 *   - fake_button_command() is told of every command the printer took: it
 *     holds button deliveries (oldest first, at most FAKE_BUTTON_HELD_MAX)
 *     and writes set_personality's and set_quip's images to the output
 *     folder under fixed names (personality-face.png, ..., quip-1.png, ...);
 *   - the button is pressed by SIGUSR1, or --press-button-after SECONDS
 *     after each held delivery arrives; fake_button_due() says when a press
 *     is due and fake_button_press() says what the printer reports for it.
 *
 * Everything runs on the emulator's thread; the signal handler only sets a flag.
 */

#define FAKE_BUTTON_HELD_MAX 64  /* deliveries a printer holds; the oldest is dropped beyond */
#define FAKE_BUTTON_QUIPS 3      /* quips set_quip carries */

/* The button's state, part of the emulator's for the whole run. */
struct fake_button {
	GQueue *held;                                 /* print ids of held deliveries (GUINT_TO_POINTER), oldest
							 first; NULL until the first */
	struct bitmap *quips[FAKE_BUTTON_QUIPS];      /* the last quips set, NULL before any */
	unsigned next_quip;                           /* which quip the next quip press prints */
	int press_after;                              /* seconds from a held delivery to a press; 0: only SIGUSR1 */
	int quip_when_empty;                          /* 1: a press with nothing held prints a quip when there are some */
	int press_due;                                /* 1 when press_after's timer fired */
	struct lws_context *context;                  /* for the timer; NULL until fake_button_start */
	lws_sorted_usec_list_t sul_press;             /* the press_after timer */
};

/* Empties b (nothing held, no quips, no timer); allocates nothing, so an early return need not free it. */
void fake_button_init(struct fake_button *b);

/* Starts the timers on context and makes SIGUSR1 press the button. */
void fake_button_start(struct fake_button *b, struct lws_context *context);

/* Cancels the timer and frees what b holds. */
void fake_button_free(struct fake_button *b);

/*
 * The printer took command command_id with binary payload payload_b64:
 * holds it when it is a button delivery (and schedules a press when
 * press_after is set); keeps set_quip's and writes set_personality's and
 * set_quip's images into out_dir under fixed names. Says what it did on stdout.
 */
void fake_button_command(struct fake_button *b, uint32_t command_id, const char *payload_b64, const char *out_dir);

/* 1 when the delivery with print id print_id is held, waiting for a press; else 0. */
int fake_button_holds(const struct fake_button *b, uint32_t print_id);

/* 1 (once) when a press is due, by SIGUSR1 or the press_after timer; else 0. */
int fake_button_due(struct fake_button *b);

/*
 * Presses the button: the oldest held delivery is printed (*print_type 0x01,
 * *print_id its id); with nothing held a quip is printed when quip_when_empty
 * and quips were set (0x11, print id 0, the quip written to out_dir as
 * quip-printed.png), else 0x10 with print id 0. Says what it did on stdout.
 */
void fake_button_press(struct fake_button *b, const char *out_dir, uint8_t *print_type, uint32_t *print_id);

#endif
