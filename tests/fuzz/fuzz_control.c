/* fuzz_control.c: libFuzzer harness of the relay's control protocol: request lines in, JSON replies out. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "control.h"
#include "db.h"
#include "fuzz.h"
#include "log.h"
#include "registry.h"
#include "store_db.h"

/* A bridge and a printer that are online while the requests run, so that deliver and push_key reach them. */
#define FUZZ_BRIDGE "000d6f0002ff7a91"
#define FUZZ_DEVICE "000d6f000273ce0b"

/* Timers that never fire: requests are answered without time passing. */
struct relay_timer {
	int unused; /* nothing to keep */
};

static double fixed_clock(void *ctx)
{
	(void)ctx;
	return 1700000000.0;
}

static void no_write(void *ctx, void *transport)
{
	(void)ctx;
	(void)transport;
}

static struct relay_timer *timer_new(void *ctx, void (*fire)(void *arg), void *arg)
{
	(void)ctx;
	(void)fire;
	(void)arg;
	return g_new0(struct relay_timer, 1);
}

static void timer_arm(void *ctx, struct relay_timer *t, double delay)
{
	(void)ctx;
	(void)t;
	(void)delay;
}

static void timer_cancel(void *ctx, struct relay_timer *t)
{
	(void)ctx;
	(void)t;
}

static void timer_free(void *ctx, struct relay_timer *t)
{
	(void)ctx;
	g_free(t);
}

static void no_close(void *ctx, void *transport)
{
	(void)ctx;
	(void)transport;
}

/* The database behind every run's registry: opened once, in memory. */
static struct db *fuzz_db(void)
{
	static struct db *db;
	struct sirius_error err = { "" };

	if (!db) {
		relay_log_set_level(RELAY_LOG_ERROR);
		db = db_open(":memory:", &err);
		FUZZ_CHECK(db != NULL);
	}
	return db;
}

/* Tells the registry, as a bridge would, that FUZZ_DEVICE is online behind FUZZ_BRIDGE. */
static void bring_online(struct registry *reg, struct relay_session *s)
{
	static const char *const messages[] = {
		"{\"type\": \"BridgeEvent\", \"bridge_address\": \"" FUZZ_BRIDGE "\", \"json_payload\": "
		"{\"name\": \"power_on\", \"model\": \"A\", \"firmware_version\": \"v2.3.1-f3c7946\"}}",
		"{\"type\": \"BridgeEvent\", \"bridge_address\": \"" FUZZ_BRIDGE "\", \"json_payload\": "
		"{\"name\": \"device_connect\", \"device_address\": \"" FUZZ_DEVICE "\"}}",
		"{\"type\": \"DeviceEvent\", \"bridge_address\": \"" FUZZ_BRIDGE "\", \"device_address\": \"" FUZZ_DEVICE
		"\", \"binary_payload\": \"AQAAAAAABAAAABQAAAA=\", \"rssi_stats\": [-31, -32, -30]}",
	};
	size_t i;

	for (i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
		FUZZ_CHECK(registry_session_receive(reg, s, messages[i], strlen(messages[i])) == 0);
}

/* Answers one line and checks the reply is one line of valid UTF-8 holding a JSON object with "ok". */
static void ask(struct registry *reg, const char *line, size_t len)
{
	char *reply = control_handle(reg, line, len);
	cJSON *json, *ok;

	FUZZ_CHECK(reply != NULL);
	FUZZ_CHECK(strchr(reply, '\n') == NULL);
	FUZZ_CHECK(g_utf8_validate(reply, -1, NULL));
	json = cJSON_Parse(reply);
	FUZZ_CHECK(cJSON_IsObject(json));
	ok = cJSON_GetObjectItemCaseSensitive(json, "ok");
	FUZZ_CHECK(cJSON_IsBool(ok));
	FUZZ_CHECK(cJSON_IsTrue(ok) || cJSON_IsString(cJSON_GetObjectItemCaseSensitive(json, "error")));
	cJSON_Delete(json);
	free(reply);
}

/*
 * The input is what a client writes on the control socket: it is cut into
 * lines as the relay cuts them (blank lines ignored, a trailing CR dropped)
 * and every line is answered by a fresh registry.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relay_env env = { NULL, fixed_clock, no_write, timer_new, timer_arm, timer_cancel, timer_free, no_close };
	struct relay_store store;
	struct registry_config cfg;
	struct registry *reg;
	struct relay_session *s;
	const char *line = (const char *)data, *end = line + size;

	store_db_init(&store, fuzz_db());
	registry_config_default(&cfg);
	reg = registry_new(&cfg, &env, &store);
	FUZZ_CHECK(reg != NULL);
	s = registry_session_open(reg, (void *)&env, "192.0.2.1");
	FUZZ_CHECK(s != NULL);
	bring_online(reg, s);
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = (size_t)((nl ? nl : end) - line);

		if (!control_line_blank(line, len)) {
			if (line[len - 1] == '\r')
				len--;
			ask(reg, line, len);
		}
		line = nl ? nl + 1 : end;
	}
	registry_free(reg);
	return 0;
}
