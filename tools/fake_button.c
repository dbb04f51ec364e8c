/* fake_button.c: the emulated printer's button: deliveries held until a press, quips and personality kept as PNGs. */
#include "fake_button.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "fake_say.h"
#include "bitmap_png.h"
#include "device_event.h"
#include "printer_payload.h"

/* Set by SIGUSR1; read and cleared by fake_button_due on the emulator's thread. */
static volatile sig_atomic_t pressed_by_signal;

/* The names the personality's images are written under, in command order. */
static const char *const personality_files[4] = { "personality-face.png", "personality-nothing.png",
						  "personality-no-bridge.png", "personality-no-internet.png" };

static void on_usr1(int signo)
{
	(void)signo;
	pressed_by_signal = 1;
}

void fake_button_init(struct fake_button *b)
{
	memset(b, 0, sizeof(*b));
}

/* Timer: press_after seconds have passed since a delivery was held. */
static void press_timer(lws_sorted_usec_list_t *sul)
{
	struct fake_button *b = lws_container_of(sul, struct fake_button, sul_press);

	b->press_due = 1;
}

void fake_button_start(struct fake_button *b, struct lws_context *context)
{
	struct sigaction sa;

	b->context = context;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: the signal wakes the event loop's poll, so the press is handled at once */
	sigaction(SIGUSR1, &sa, NULL);
}

void fake_button_free(struct fake_button *b)
{
	int i;

	if (b->context)
		lws_sul_cancel(&b->sul_press);
	if (b->held)
		g_queue_free(b->held);
	for (i = 0; i < FAKE_BUTTON_QUIPS; i++)
		bitmap_free(b->quips[i]);
	memset(b, 0, sizeof(*b));
}

/* Schedules a press press_after seconds from now, when that is asked for and something is held. */
static void schedule_press(struct fake_button *b)
{
	if (b->press_after > 0 && b->context && b->held && !g_queue_is_empty(b->held))
		lws_sul_schedule(b->context, 0, &b->sul_press, press_timer, (lws_usec_t)b->press_after * LWS_US_PER_SEC);
}

/* Writes bm to out_dir/name; says where, or why not. */
static void write_named(const struct bitmap *bm, const char *out_dir, const char *name, uint32_t command_id)
{
	struct sirius_error err = { "" };
	char *path = g_strdup_printf("%s/%s", out_dir, name);

	if (png_write_bitmap_file(bm, path, &err) != 0)
		fake_say("command %" PRIu32 ": cannot write %s: %s", command_id, path, err.message);
	else
		fake_say("command %" PRIu32 ": saved %s", command_id, path);
	g_free(path);
}

void fake_button_command(struct fake_button *b, uint32_t command_id, const char *payload_b64, const char *out_dir)
{
	struct printer_payload payload;
	struct sirius_error err = { "" };
	uint8_t *data;
	size_t len, i;

	data = base64_decode_alloc(payload_b64, strlen(payload_b64), &len);
	if (!data)
		return;
	if (printer_payload_decode(data, len, PRINTER_WIDTH, &payload, &err) != 0) {
		free(data);
		return;
	}
	free(data);
	switch (payload.command) {
	case PRINTER_SET_DELIVERY:
	case PRINTER_SET_DELIVERY_NO_FACE:
		if (!b->held)
			b->held = g_queue_new();
		if (g_queue_get_length(b->held) >= FAKE_BUTTON_HELD_MAX)
			fake_say("button: dropped held delivery %u to hold %" PRIu32,
				   GPOINTER_TO_UINT(g_queue_pop_head(b->held)), command_id);
		g_queue_push_tail(b->held, GUINT_TO_POINTER(command_id));
		fake_say("button: holding delivery %" PRIu32 " (%u held)", command_id, g_queue_get_length(b->held));
		schedule_press(b);
		break;
	case PRINTER_SET_PERSONALITY:
	case PRINTER_SET_PERSONALITY_WITH_MESSAGE:
		for (i = 0; i < 4 && i < payload.block_count; i++)
			write_named(payload.blocks[i].bitmap, out_dir, personality_files[i], command_id);
		break;
	case PRINTER_SET_QUIP:
		for (i = 0; i < FAKE_BUTTON_QUIPS && i < payload.block_count; i++) {
			char name[32];

			snprintf(name, sizeof(name), "quip-%zu.png", i + 1);
			write_named(payload.blocks[i].bitmap, out_dir, name, command_id);
			bitmap_free(b->quips[i]);
			b->quips[i] = payload.blocks[i].bitmap;
			payload.blocks[i].bitmap = NULL; /* kept for the presses that print a quip */
		}
		b->next_quip = 0;
		break;
	default:
		break;
	}
	printer_payload_clear(&payload);
}

int fake_button_holds(const struct fake_button *b, uint32_t print_id)
{
	return b->held && g_queue_find(b->held, GUINT_TO_POINTER(print_id)) != NULL;
}

int fake_button_due(struct fake_button *b)
{
	if (pressed_by_signal) {
		pressed_by_signal = 0;
		return 1;
	}
	if (b->press_due) {
		b->press_due = 0;
		return 1;
	}
	return 0;
}

void fake_button_press(struct fake_button *b, const char *out_dir, uint8_t *print_type, uint32_t *print_id)
{
	*print_id = 0;
	if (b->held && !g_queue_is_empty(b->held)) {
		*print_type = DEVICE_EVENT_PRINT_DELIVERY;
		*print_id = GPOINTER_TO_UINT(g_queue_pop_head(b->held));
		fake_say("button pressed: printed held delivery %" PRIu32 " (%u still held)", *print_id,
			   g_queue_get_length(b->held));
		schedule_press(b);
		return;
	}
	if (b->quip_when_empty && b->quips[0]) {
		unsigned n = b->next_quip;

		b->next_quip = (n + 1) % FAKE_BUTTON_QUIPS;
		*print_type = DEVICE_EVENT_PRINT_QUIP;
		write_named(b->quips[n], out_dir, "quip-printed.png", 0);
		fake_say("button pressed: printed quip %u", n + 1);
		return;
	}
	*print_type = DEVICE_EVENT_PRINT_NOTHING;
	fake_say("button pressed: nothing to print");
}
