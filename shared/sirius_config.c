/* sirius_config.c: the settings table, the strict reader of sirius.conf and .env, and checks of every value. */
#include "sirius_config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_checks.h"
#include "paths.h"

const struct config_setting config_settings[] = {
	{ "SIRIUS_CONF", CONFIG_PATH, NULL,
	  "<checkout>/sirius.conf in a checkout, else SYSCONFDIR/sirius/sirius.conf",
	  "the configuration file read at start (environment only; when set, the file must exist)" },
	{ "SIRIUS_VAR", CONFIG_PATH, NULL,
	  "<checkout>/var in a checkout, else LOCALSTATEDIR/lib/sirius",
	  "the state directory: database, relay socket, run.sh's pid file, logs and web server files" },
	{ "SIRIUS_DB", CONFIG_PATH, NULL, "$SIRIUS_VAR/sirius.db",
	  "the SQLite database (made from the built-in schema on first use)" },
	{ "SIRIUS_RELAY_SOCKET", CONFIG_PATH, NULL, "$SIRIUS_VAR/relay.sock",
	  "the relay's control socket, through which the web programs send prints" },
	{ "SIRIUS_LISTEN", CONFIG_ADDRESS, "127.0.0.1", "127.0.0.1",
	  "the address the web server binds; 0.0.0.0 (or ::) so that bridges on the network can connect; a "
	  "host name must resolve to an address of this machine, and the first such address is bound "
	  "(localhost: 127.0.0.1 or ::1, this machine only)" },
	{ "SIRIUS_HTTP_PORT", CONFIG_PORT, "8080", "8080",
	  "the web server's plain-http port: web UI, device-key API and the bridges' /api/v1/connection" },
	{ "SIRIUS_RELAY_PORT", CONFIG_PORT, "8081", "8081",
	  "the relay's own websocket port on 127.0.0.1, behind the web server's proxy" },
	{ "SIRIUS_RELAY_LISTEN", CONFIG_HOSTPORT, NULL, "127.0.0.1:$SIRIUS_RELAY_PORT",
	  "the relay's listen address as ADDR:PORT, when it must differ from 127.0.0.1" },
	{ "SIRIUS_BASE_URL", CONFIG_URL, NULL, "http://$SIRIUS_LISTEN:$SIRIUS_HTTP_PORT/",
	  "the public URL of the web UI, used in links and shown to users" },
	{ "DEVICE_KEY_DOMAIN", CONFIG_WORD, NULL, "the host of $SIRIUS_BASE_URL",
	  "the host name shown in device-key API addresses (what phone apps and scripts print to)" },
	{ "SIRIUS_TIMEZONE", CONFIG_TIMEZONE, NULL, "the system's time zone",
	  "the IANA time zone of the time in print headers, such as Europe/London (checked against the zone "
	  "database, /usr/share/zoneinfo or $TZDIR)" },
	{ "SIRIUS_HTML_RENDERER", CONFIG_TEXT, NULL, "none (the built-in renderer)",
	  "a command that reads HTML on stdin and writes a PNG, tried before the built-in renderer; it runs "
	  "with only PATH, HOME and LANG set and should have no network access (see Deployment)" },
	{ "SIRIUS_WWW", CONFIG_PATH, NULL, "<checkout>/www in a checkout, else DATADIR/sirius-c/www",
	  "the templates and static files of the web UI" },
	{ "SIRIUS_MAX_TEXT_BYTES", CONFIG_COUNT, "1048576", "1048576",
	  "the largest text or HTML message accepted, in bytes" },
	{ "SIRIUS_MAX_IMAGE_BYTES", CONFIG_COUNT, "10485760", "10485760",
	  "the largest image upload accepted, in bytes" },
	{ "SIRIUS_RENDER_SECONDS", CONFIG_SECONDS, "2", "2",
	  "the longest one message may take to render before it is refused, in seconds (1 to 3600); "
	  "raise it on a slow machine" },
	{ "SIRIUS_KEY_RATE", CONFIG_COUNT, "30", "30",
	  "requests per minute one device key may make to the API" },
	{ "SIRIUS_OFFLINE", CONFIG_OFFLINE, "queue", "queue",
	  "prints for an offline printer: queue (they print when it is back) or refuse (answered 504, stored failed)" },
	{ "SIRIUS_BRIDGE_MOVES", CONFIG_MOVES, "confirm", "confirm",
	  "a printer reported by another bridge while its own is silent: confirm (its owner confirms the move on "
	  "the printer page) or auto (it moves at once; for trusted networks only)" },
	{ "SIRIUS_QUEUE_DAYS", CONFIG_COUNT, "7", "7",
	  "days a message waits in the queue for its printer before it expires" },
	{ "SIRIUS_KEEP_MESSAGES", CONFIG_COUNT, "100", "100",
	  "messages kept in each printer's history; older settled ones are deleted" },
	{ "SIRIUS_KEEP_DAYS", CONFIG_COUNT, "365", "365",
	  "days settled messages are kept in the history at most" },
	{ "SIRIUS_RESENDS", CONFIG_NUMBER, "2", "2",
	  "times the relay sends a message again when a bridge that confirms never answers it, before it fails" },
	{ "SIRIUS_DEDUPE_SECONDS", CONFIG_NUMBER, "5", "5",
	  "the same body from the same device key within this many seconds prints once; 0 turns it off" },
	{ "SIRIUS_API_PROCESSES", CONFIG_PROCESSES, "5", "5",
	  "the most sirius-api processes run.sh's lighttpd runs (1 to 64; it starts four, or fewer, and "
	  "more while all are busy): each handles one request at a time, a print waits on the relay and the "
	  "database, and each costs about 4 MB" },
	{ "SIRIUS_LOG", CONFIG_PATH, NULL, "standard error",
	  "the relay's log file (reopened on SIGHUP)" },
	{ "SIRIUS_PASSWORD_COST", CONFIG_WORD, "interactive", "interactive",
	  "the cost of password hashes; minimum is for tests only" },
	{ "SIRIUS_FETCH_PRIVATE", CONFIG_TEXT, "0", "0",
	  "which private, loopback or reserved addresses the server may fetch from (publications, feeds, "
	  "images in messages): 0 none, 1 all (for tests), or a comma-separated list of addresses and CIDR "
	  "prefixes such as 192.168.1.0/24" },
	{ "SIRIUS_LIMIT_FACTOR", CONFIG_COUNT, "1", "1",
	  "multiplies the claim and sign-up rate limits; for test stacks whose requests all come from one address" },
};

const size_t config_setting_count = sizeof(config_settings) / sizeof(config_settings[0]);

/* One variable read from a file, waiting to be set once the whole file is known to be good. */
struct config_entry {
	const struct config_setting *setting; /* which setting */
	char *value;                          /* its value, malloc'd, unquoted */
	unsigned line;                        /* where it was, for "given twice" */
};

/* What the last config_load_in looked for: .env and sirius.conf. */
static struct config_file_seen files_seen[2];
static size_t files_seen_count;

size_t config_files_seen(const struct config_file_seen **files)
{
	*files = files_seen;
	return files_seen_count;
}

const struct config_setting *config_find(const char *name)
{
	size_t i;

	for (i = 0; i < config_setting_count; i++)
		if (strcmp(config_settings[i].name, name) == 0)
			return &config_settings[i];
	return NULL;
}

/* 1 when text is a decimal number from lo to hi (no sign, no spaces), stored in *out; else 0. */
static int parse_number(const char *text, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)text[0]))
		return 0;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return 0;
	*out = v;
	return 1;
}

/* 1 when text has no whitespace or control characters; else 0. */
static int one_word(const char *text)
{
	for (; *text; text++)
		if (isspace((unsigned char)*text) || iscntrl((unsigned char)*text))
			return 0;
	return 1;
}

int config_check_value(const struct config_setting *setting, const char *value, struct sirius_error *err)
{
	const char *colon;
	long n;

	for (colon = value; *colon; colon++)
		if (iscntrl((unsigned char)*colon))
			return error_set(err, "control characters are not allowed");
	switch (setting->kind) {
	case CONFIG_TEXT:
		return 0;
	case CONFIG_PATH:
		if (value[0] != '/')
			return error_set(err, "\"%s\" is not an absolute path", value);
		if (strlen(value) >= PATHS_MAX)
			return error_set(err, "the path is longer than %d bytes", PATHS_MAX - 1);
		return 0;
	case CONFIG_PORT:
		if (!parse_number(value, 1, 65535, &n))
			return error_set(err, "\"%s\" is not a port (1 to 65535)", value);
		return 0;
	case CONFIG_COUNT:
		if (!parse_number(value, 1, INT_MAX, &n))
			return error_set(err, "\"%s\" is not a positive whole number", value);
		return 0;
	case CONFIG_ADDRESS:
		if (!value[0] || !one_word(value) || strchr(value, '/'))
			return error_set(err, "\"%s\" is not a host name or IP address", value);
		return 0;
	case CONFIG_HOSTPORT:
		colon = strrchr(value, ':');
		if (!colon || !one_word(value) || !parse_number(colon + 1, 1, 65535, &n) ||
		    (value[0] == '[' && (colon == value || colon[-1] != ']')))
			return error_set(err, "\"%s\" is not ADDR:PORT", value);
		return 0;
	case CONFIG_URL:
		if ((strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0) || !one_word(value) ||
		    strlen(value) <= strlen("https://"))
			return error_set(err, "\"%s\" is not an http:// or https:// URL", value);
		return 0;
	case CONFIG_WORD:
		if (!one_word(value))
			return error_set(err, "\"%s\" must be one word, without spaces", value);
		return 0;
	case CONFIG_SECONDS:
		if (!parse_number(value, 1, CONFIG_SECONDS_MAX, &n))
			return error_set(err, "\"%s\" is not a number of seconds from 1 to %d", value, CONFIG_SECONDS_MAX);
		return 0;
	case CONFIG_PROCESSES:
		if (!parse_number(value, 1, CONFIG_PROCESSES_MAX, &n))
			return error_set(err, "\"%s\" is not a number of processes from 1 to %d", value,
					 CONFIG_PROCESSES_MAX);
		return 0;
	case CONFIG_NUMBER:
		if (!parse_number(value, 0, INT_MAX, &n))
			return error_set(err, "\"%s\" is not a whole number from 0", value);
		return 0;
	case CONFIG_MOVES:
		if (strcmp(value, "confirm") != 0 && strcmp(value, "auto") != 0)
			return error_set(err, "\"%s\" is neither confirm nor auto", value);
		return 0;
	case CONFIG_OFFLINE:
		if (strcmp(value, "queue") != 0 && strcmp(value, "refuse") != 0)
			return error_set(err, "\"%s\" is neither queue nor refuse", value);
		return 0;
	case CONFIG_TIMEZONE:
		return config_check_timezone(value, NULL, 0, err);
	}
	return error_set(err, "unknown kind of setting");
}

const char *config_value(const char *name)
{
	const struct config_setting *setting = config_find(name);
	const char *value = getenv(name);

	if (value && value[0])
		return value;
	return setting ? setting->fixed_default : NULL;
}

int config_number(const char *name, long *out, struct sirius_error *err)
{
	const struct config_setting *setting = config_find(name);
	const char *value;

	if (!setting || (setting->kind != CONFIG_COUNT && setting->kind != CONFIG_PORT && setting->kind != CONFIG_NUMBER))
		return error_set(err, "%s is not a numeric setting", name);
	value = config_value(name);
	if (!value)
		return error_set(err, "%s has no value", name);
	if (!parse_number(value, setting->kind == CONFIG_NUMBER ? 0 : 1, setting->kind == CONFIG_PORT ? 65535 : INT_MAX,
			  out))
		return error_set(err, "%s: \"%s\" is not a number in range", name, value);
	return 0;
}

/* 1 when path is dir itself or lies below it (dir without a trailing slash), else 0. */
static int path_under(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	while (len > 1 && dir[len - 1] == '/')
		len--;
	return len > 0 && strncmp(path, dir, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

int config_checkout_dir(const char *exe, char *out, size_t size, struct sirius_error *err)
{
	char self[PATHS_MAX];
	char *source, *build;
	int rc = 0;
	ssize_t n;

	if (!exe) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0 || (size_t)n >= sizeof(self) - 1)
			return 0;
		self[n] = '\0';
		exe = self;
	}
	source = realpath(SIRIUS_SOURCE_DIR, NULL);
	build = realpath(SIRIUS_BUILD_DIR, NULL);
	if (source && (path_under(exe, source) || (build && path_under(exe, build)))) {
		if (strlen(source) >= size)
			rc = error_set(err, "the checkout's path is longer than %zu bytes", size - 1);
		else {
			memcpy(out, source, strlen(source) + 1);
			rc = 1;
		}
	}
	free(source);
	free(build);
	return rc;
}

/* Writes "<dir>/<name>" into out; 0, or -1 with a reason in err when it does not fit. */
static int join_path(char *out, size_t size, const char *dir, const char *name, struct sirius_error *err)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return error_set(err, "the path %s/%s is too long", dir, name);
	return 0;
}

/* config_file_path for a program whose checkout is checkout (NULL: an installed program). */
static int file_path_in(const char *checkout, char *out, size_t size, struct sirius_error *err)
{
	const char *conf = getenv("SIRIUS_CONF");

	if (conf && conf[0]) {
		if (strlen(conf) >= size)
			return error_set(err, "SIRIUS_CONF is longer than %zu bytes", size - 1);
		memcpy(out, conf, strlen(conf) + 1);
		return 0;
	}
	if (checkout)
		return join_path(out, size, checkout, "sirius.conf", err);
	return join_path(out, size, SIRIUS_SYSCONFDIR, "sirius/sirius.conf", err);
}

int config_file_path(char *out, size_t size, struct sirius_error *err)
{
	char checkout[PATHS_MAX];
	int in = config_checkout_dir(NULL, checkout, sizeof(checkout), err);

	if (in < 0)
		return -1;
	return file_path_in(in ? checkout : NULL, out, size, err);
}

/* Sets err to "path:line: " followed by the formatted reason; returns -1. */
static int __attribute__((format(printf, 4, 5)))
line_error(struct sirius_error *err, const char *path, unsigned line, const char *fmt, ...)
{
	char reason[SIRIUS_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return error_set(err, "%s:%u: %s", path, line, reason);
}

/*
 * Unquotes the value part of a line (text, NUL-terminated, nothing before
 * it trimmed) in place. Returns 0 with *value set, or -1 with the reason in
 * why (a static string).
 */
static int unquote(char *text, char **value, const char **why)
{
	char *end, *in, *out;

	if (text[0] == '"' || text[0] == '\'') {
		char quote = text[0];

		for (in = out = text + 1; *in && *in != quote; in++) {
			if (quote == '"' && *in == '\\') {
				if (in[1] != '"' && in[1] != '\\') {
					*why = "only \\\" and \\\\ may follow a backslash in double quotes";
					return -1;
				}
				in++;
			} else if (quote == '"' && *in == '$') {
				*why = "variables are not expanded: write the value out";
				return -1;
			}
			*out++ = *in;
		}
		if (*in != quote) {
			*why = "the closing quote is missing";
			return -1;
		}
		for (end = in + 1; *end; end++)
			if (!isspace((unsigned char)*end)) {
				*why = "text after the closing quote";
				return -1;
			}
		*out = '\0';
		*value = text + 1;
		return 0;
	}
	end = text + strlen(text);
	while (end > text && isspace((unsigned char)end[-1]))
		*--end = '\0';
	for (in = text; *in; in++) {
		if (*in == '"' || *in == '\'' || *in == '\\') {
			*why = "quotes and backslashes belong in a fully quoted value";
			return -1;
		}
		if (*in == '$') {
			*why = "variables are not expanded: write the value out";
			return -1;
		}
		if (*in == '#' && in > text && isspace((unsigned char)in[-1])) {
			*why = "a comment must be on a line of its own";
			return -1;
		}
	}
	*value = text;
	return 0;
}

/*
 * Parses one line of path (number line, newline removed) into entries
 * (count so far in *count, room for config_setting_count). Returns 0, or -1
 * with "path:line: why" in err.
 */
static int parse_line(const char *path, unsigned line, char *text, struct config_entry *entries, size_t *count,
		      struct sirius_error *err)
{
	const struct config_setting *setting;
	struct sirius_error why_value;
	const char *why = NULL;
	char *name, *value;
	size_t i;

	while (*text == ' ' || *text == '\t')
		text++;
	if (!*text || *text == '#' || *text == ';')
		return 0;
	name = text;
	if (!isalpha((unsigned char)*text) && *text != '_')
		return line_error(err, path, line, "expected NAME=value");
	while (isalnum((unsigned char)*text) || *text == '_')
		text++;
	if (*text != '=') {
		const char *after = text;

		while (*after == ' ' || *after == '\t')
			after++;
		if (after > text && (*after == '=' || (text - name == 6 && strncmp(name, "export", 6) == 0)))
			return line_error(err, path, line, "no spaces before '=': write NAME=value");
		return line_error(err, path, line, "expected NAME=value");
	}
	*text++ = '\0';
	setting = config_find(name);
	if (!setting)
		return line_error(err, path, line, "unknown setting %s", name);
	if (strcmp(name, "SIRIUS_CONF") == 0)
		return line_error(err, path, line, "SIRIUS_CONF names the file itself: set it in the environment");
	if (unquote(text, &value, &why) < 0)
		return line_error(err, path, line, "%s: %s", name, why);
	if (value[0] && config_check_value(setting, value, &why_value) < 0)
		return line_error(err, path, line, "%s: %s", name, why_value.message);
	for (i = 0; i < *count; i++)
		if (entries[i].setting == setting)
			return line_error(err, path, line, "%s is already set on line %u", name, entries[i].line);
	entries[*count].value = strdup(value);
	if (!entries[*count].value)
		return error_set(err, "out of memory");
	entries[*count].setting = setting;
	entries[*count].line = line;
	(*count)++;
	return 0;
}

/* Reads every line of f (named path) into entries; 0, or -1 with a reason in err. */
static int parse_file(FILE *f, const char *path, struct config_entry *entries, size_t *count,
		      struct sirius_error *err)
{
	char *buf = NULL;
	size_t cap = 0;
	unsigned line = 0;
	ssize_t got;
	size_t len;
	int rc = 0;

	while (rc == 0 && (got = getline(&buf, &cap, f)) >= 0) {
		line++;
		len = (size_t)got;
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (len > 0 && buf[len - 1] == '\r')
			buf[--len] = '\0';
		if (len >= CONFIG_LINE_MAX)
			rc = line_error(err, path, line, "line longer than %d bytes", CONFIG_LINE_MAX - 1);
		else if (memchr(buf, '\0', len) != NULL)
			rc = line_error(err, path, line, "a NUL byte");
		else
			rc = parse_line(path, line, buf, entries, count, err);
	}
	if (rc == 0 && ferror(f))
		rc = error_set(err, "%s: %s", path, strerror(errno));
	free(buf);
	return rc;
}

/* config_load_file, and *found set to 1 when the file was there, 0 when it does not exist. */
static int load_file(const char *path, int optional, int *found, struct sirius_error *err)
{
	struct config_entry *entries;
	size_t count = 0, i;
	int rc, set = 0;
	FILE *f;

	*found = 0;
	f = fopen(path, "r");
	if (!f) {
		if (optional && errno == ENOENT)
			return 0;
		return error_set(err, "cannot read %s: %s", path, strerror(errno));
	}
	*found = 1;
	entries = calloc(config_setting_count, sizeof(*entries));
	if (!entries) {
		fclose(f);
		return error_set(err, "out of memory");
	}
	rc = parse_file(f, path, entries, &count, err);
	fclose(f);
	for (i = 0; i < count; i++) {
		if (rc == 0 && !getenv(entries[i].setting->name)) {
			if (setenv(entries[i].setting->name, entries[i].value, 1) < 0)
				rc = error_set(err, "cannot set %s: %s", entries[i].setting->name, strerror(errno));
			else
				set++;
		}
		free(entries[i].value);
	}
	free(entries);
	return rc < 0 ? -1 : set;
}

int config_load_file(const char *path, int optional, struct sirius_error *err)
{
	int found;

	return load_file(path, optional, &found, err);
}

/* load_file, remembered in files_seen for config_files_seen. */
static int load_file_seen(const char *path, int optional, struct sirius_error *err)
{
	struct config_file_seen *seen = &files_seen[files_seen_count];
	int set = load_file(path, optional, &seen->read, err);

	if (set < 0)
		return -1;
	/* path fits: it was built in a buffer of PATHS_MAX bytes */
	snprintf(seen->path, sizeof(seen->path), "%s", path);
	seen->set = set;
	files_seen_count++;
	return set;
}

/* The variable name's value when set and not empty, else NULL. */
static const char *env_value(const char *name)
{
	const char *value = getenv(name);

	return value && value[0] ? value : NULL;
}

int config_load_in(const char *checkout, struct sirius_error *err)
{
	char path[PATHS_MAX];
	struct sirius_error why;
	const char *port, *value;
	size_t i;

	files_seen_count = 0;
	if (checkout) {
		if (join_path(path, sizeof(path), checkout, ".env", err) < 0 || load_file_seen(path, 1, err) < 0)
			return -1;
	}
	if (file_path_in(checkout, path, sizeof(path), err) < 0)
		return -1;
	if (load_file_seen(path, !env_value("SIRIUS_CONF"), err) < 0)
		return -1;

	port = env_value("SIRIUS_RELAY_PORT");
	if (port && !env_value("SIRIUS_RELAY_LISTEN")) {
		char listen[64];

		snprintf(listen, sizeof(listen), "127.0.0.1:%.16s", port);
		if (setenv("SIRIUS_RELAY_LISTEN", listen, 1) < 0)
			return error_set(err, "cannot set SIRIUS_RELAY_LISTEN: %s", strerror(errno));
	}
	for (i = 0; i < config_setting_count; i++) {
		value = env_value(config_settings[i].name);
		if (value && config_check_value(&config_settings[i], value, &why) < 0)
			return error_set(err, "%s: %s", config_settings[i].name, why.message);
	}
	return 0;
}

int config_load(struct sirius_error *err)
{
	char checkout[PATHS_MAX];
	int in = config_checkout_dir(NULL, checkout, sizeof(checkout), err);

	if (in < 0)
		return -1;
	return config_load_in(in ? checkout : NULL, err);
}

/* Writes the formatted text into out; 0, or -1 with a reason in err when it does not fit. */
static int __attribute__((format(printf, 4, 5)))
print_to(char *out, size_t size, struct sirius_error *err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return error_set(err, "a setting's value is longer than %zu bytes", size ? size - 1 : 0);
	return 0;
}

/* SIRIUS_BASE_URL's derived default into out; 0, or -1 with a reason in err. */
static int default_base_url(char *out, size_t size, struct sirius_error *err)
{
	const char *host = config_value("SIRIUS_LISTEN");
	const char *port = config_value("SIRIUS_HTTP_PORT");

	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "*") == 0 || strcmp(host, "::") == 0)
		host = "127.0.0.1";
	if (strchr(host, ':') && host[0] != '[')
		return print_to(out, size, err, "http://[%s]:%s/", host, port);
	return print_to(out, size, err, "http://%s:%s/", host, port);
}

/* The host part of an http(s) URL into out (brackets of an IPv6 address kept); 0 or -1 as print_to. */
static int url_host(const char *url, char *out, size_t size, struct sirius_error *err)
{
	const char *start = strstr(url, "://");
	size_t len;

	start = start ? start + 3 : url;
	if (*start == '[')
		len = strcspn(start, "]") + 1;
	else
		len = strcspn(start, ":/?#");
	if (len > strlen(start))
		len = strlen(start);
	return print_to(out, size, err, "%.*s", (int)len, start);
}

int config_resolved(const char *name, char *out, size_t size, struct sirius_error *err)
{
	const struct config_setting *setting = config_find(name);
	const char *value = config_value(name);
	char checkout[PATHS_MAX], url[PATHS_MAX];
	int in;

	if (!setting)
		return error_set(err, "%s is no setting of sirius", name);
	if (value)
		return print_to(out, size, err, "%s", value);
	if (strcmp(name, "SIRIUS_CONF") == 0)
		return config_file_path(out, size, err);
	if (strcmp(name, "SIRIUS_VAR") == 0)
		return paths_var_dir(out, size, err);
	if (strcmp(name, "SIRIUS_DB") == 0)
		return paths_database(out, size, err);
	if (strcmp(name, "SIRIUS_RELAY_SOCKET") == 0)
		return paths_relay_socket(out, size, err);
	if (strcmp(name, "SIRIUS_RELAY_LISTEN") == 0)
		return print_to(out, size, err, "127.0.0.1:%s", config_value("SIRIUS_RELAY_PORT"));
	if (strcmp(name, "SIRIUS_BASE_URL") == 0)
		return default_base_url(out, size, err);
	if (strcmp(name, "DEVICE_KEY_DOMAIN") == 0) {
		if (config_resolved("SIRIUS_BASE_URL", url, sizeof(url), err) < 0)
			return -1;
		return url_host(url, out, size, err);
	}
	if (strcmp(name, "SIRIUS_WWW") == 0) {
		in = config_checkout_dir(NULL, checkout, sizeof(checkout), err);
		if (in < 0)
			return -1;
		return in ? print_to(out, size, err, "%s/www", checkout) : print_to(out, size, err, "%s/www", SIRIUS_DATADIR);
	}
	return print_to(out, size, err, "%s", "");
}

void config_print_doc(FILE *out)
{
	size_t i;

	for (i = 0; i < config_setting_count; i++)
		fprintf(out, "- `%s` (default: %s):\n  %s.\n", config_settings[i].name, config_settings[i].default_doc,
			config_settings[i].description);
}
