/* pending_write.c: a relay database write: doing it, describing it, and its journal line. */
#include "pending_write.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

int pending_write_apply(const struct relay_store *store, const struct pending_write *w, struct sirius_error *err)
{
	void *ctx = store->ctx;

	switch (w->kind) {
	case PENDING_SEEN:
		return store->printer_seen(ctx, w->device, w->at, err);
	case PENDING_TOUCH:
		return store->printer_touch(ctx, w->device, w->at, err);
	case PENDING_SENT:
		return store->message_sent(ctx, w->command_id, w->bridge, w->at, err);
	case PENDING_ANSWERED:
		return store->message_answered(ctx, w->command_id, w->bridge, w->device, w->code, w->at, err);
	case PENDING_FAILED:
		return store->message_failed(ctx, w->command_id, w->at, err);
	case PENDING_PRINTED:
		return store->message_printed(ctx, w->device, w->command_id, w->at, err);
	case PENDING_CONFIRMS:
		return store->bridge_set_confirms(ctx, w->bridge, w->at, err);
	case PENDING_BRIDGE:
		return store->bridge_seen(ctx, w->bridge, w->ip, w->at, err);
	case PENDING_BIND:
		return store->printer_bind(ctx, w->device, w->bridge, err);
	case PENDING_MOVING:
		return store->printer_moving(ctx, w->device, w->bridge, err);
	case PENDING_PRESS:
		return store->button_press(ctx, w->device, (int)w->code, w->command_id, w->at, err);
	}
	return error_set(err, "unknown database write");
}

const char *pending_write_describe(const struct pending_write *w, char *buf, size_t size)
{
	switch (w->kind) {
	case PENDING_SEEN:
		snprintf(buf, size, "recording printer %s", w->device);
		break;
	case PENDING_TOUCH:
		snprintf(buf, size, "updating last_seen of printer %s", w->device);
		break;
	case PENDING_SENT:
		snprintf(buf, size, "marking message %u sent through %s", w->command_id, w->bridge);
		break;
	case PENDING_ANSWERED:
		snprintf(buf, size, "settling message %u of %s (code %ld)", w->command_id,
			 w->device[0] ? w->device : w->bridge, w->code);
		break;
	case PENDING_FAILED:
		snprintf(buf, size, "failing message %u (no answer)", w->command_id);
		break;
	case PENDING_PRINTED:
		snprintf(buf, size, "marking message %u of %s printed", w->command_id, w->device);
		break;
	case PENDING_CONFIRMS:
		snprintf(buf, size, "recording that bridge %s confirms commands", w->bridge);
		break;
	case PENDING_BRIDGE:
		snprintf(buf, size, "recording bridge %s at %s", w->bridge, w->ip);
		break;
	case PENDING_BIND:
		snprintf(buf, size, "binding printer %s to bridge %s", w->device, w->bridge);
		break;
	case PENDING_MOVING:
		snprintf(buf, size, "recording printer %s seen at bridge %s", w->device, w->bridge);
		break;
	case PENDING_PRESS:
		snprintf(buf, size, "recording did_print 0x%02lx %u of printer %s", w->code, w->command_id, w->device);
		break;
	}
	return buf;
}

/* ---- the journal's line ---------------------------------------------------------- */

/* The kinds by name, in enum order: a line names its kind, so that a reordered enum cannot misread a journal. */
static const char *const kind_names[] = { "seen",    "touch",    "sent",   "answered", "failed", "printed",
					  "confirms", "bridge", "bind", "moving", "press" };

#define KIND_COUNT (sizeof(kind_names) / sizeof(kind_names[0]))
G_STATIC_ASSERT(KIND_COUNT == PENDING_PRESS + 1);

/* Whether c may stand in the ip field as it is (it holds no space, newline or "-" alone). */
static int ip_char_plain(char c)
{
	return g_ascii_isalnum(c) || c == '.' || c == ':' || c == '%' || c == '_' || c == '[' || c == ']';
}

size_t pending_write_format(const struct pending_write *w, char line[PENDING_LINE_MAX])
{
	char ip[PENDING_IP_SIZE], at[G_ASCII_DTOSTR_BUF_SIZE];
	size_t i;
	int n;

	/* an address the socket reported is written as it is; anything else in it (it never should) becomes '_' */
	for (i = 0; w->ip[i] && i + 1 < sizeof(ip); i++)
		ip[i] = ip_char_plain(w->ip[i]) ? w->ip[i] : '_';
	ip[i] = '\0';
	g_ascii_formatd(at, sizeof(at), "%.6f", w->at);
	n = snprintf(line, PENDING_LINE_MAX, "%" PRIu64 " %s %s %s %s %" PRIu32 " %ld %s\n", w->seq,
		     (size_t)w->kind < KIND_COUNT ? kind_names[w->kind] : "?", w->device[0] ? w->device : "-",
		     w->bridge[0] ? w->bridge : "-", ip[0] ? ip : "-", w->command_id, w->code, at);
	/* the fields are bounded: the longest line is far below PENDING_LINE_MAX */
	return n < 0 ? 0 : (size_t)n;
}

/* An address field: "-" for "", else 16 hex digits. 0, or -1. */
static int parse_address(const char *field, char out[DEVICE_ADDRESS_LEN + 1])
{
	if (strcmp(field, "-") == 0) {
		out[0] = '\0';
		return 0;
	}
	if (!device_address_valid(field))
		return -1;
	g_strlcpy(out, field, DEVICE_ADDRESS_LEN + 1);
	return 0;
}

/* An unsigned decimal field no larger than max: 0 with *out, or -1. */
static int parse_unsigned(const char *field, uint64_t max, uint64_t *out)
{
	char *end;
	guint64 v;

	if (!g_ascii_isdigit(field[0]))
		return -1;
	errno = 0;
	v = g_ascii_strtoull(field, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

int pending_write_parse(const char *line, struct pending_write *w)
{
	gchar **f = NULL;
	uint64_t seq, id;
	char *end;
	size_t i, len = strlen(line);
	int rc = -1;

	memset(w, 0, sizeof(*w));
	if (len == 0 || len >= PENDING_LINE_MAX)
		return -1;
	f = g_strsplit(line, " ", -1);
	if (g_strv_length(f) != 8)
		goto out;
	if (parse_unsigned(f[0], PENDING_SEQ_MAX, &seq) < 0 || seq == 0)
		goto out;
	for (i = 0; i < KIND_COUNT && strcmp(f[1], kind_names[i]) != 0; i++)
		;
	if (i == KIND_COUNT)
		goto out;
	w->kind = (enum pending_kind)i;
	if (parse_address(f[2], w->device) < 0 || parse_address(f[3], w->bridge) < 0)
		goto out;
	if (strcmp(f[4], "-") != 0) {
		if (strlen(f[4]) >= sizeof(w->ip))
			goto out;
		for (i = 0; f[4][i]; i++)
			if (!ip_char_plain(f[4][i]))
				goto out;
		g_strlcpy(w->ip, f[4], sizeof(w->ip));
	}
	if (parse_unsigned(f[5], UINT32_MAX, &id) < 0)
		goto out;
	w->command_id = (uint32_t)id;
	errno = 0;
	w->code = strtol(f[6], &end, 10);
	/* a return code or print type: the store keeps it as an int */
	if (errno != 0 || end == f[6] || *end != '\0' || w->code < INT_MIN || w->code > INT_MAX)
		goto out;
	w->at = g_ascii_strtod(f[7], &end);
	if (end == f[7] || *end != '\0' || !isfinite(w->at) || w->at < 0 || w->at > PENDING_AT_MAX)
		goto out;
	w->seq = seq;
	rc = 0;
out:
	g_strfreev(f);
	if (rc < 0)
		memset(w, 0, sizeof(*w));
	return rc;
}
