/* main.c: sirius-relay, the daemon Little Printer bridges connect to: options, signals, database, event loop. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "bridge_message.h"
#include "checkpointer.h"
#include "db.h"
#include "journal.h"
#include "log.h"
#include "paths.h"
#include "server.h"
#include "sirius_config.h"
#include "store_db.h"

/* The file descriptors the relay asks for (one per bridge, plus a few). */
#define RELAY_WANT_FDS 65536
/* Longest host part of a listen address. */
#define HOST_MAX 256
/*
 * How long a database call of the relay waits for another process's lock:
 * the event loop stops meanwhile, so briefly; writes that meet a lock are
 * retried from a timer (registry.c).
 */
#define RELAY_DB_BUSY_MS 50
/* How long the relay's last writes, at exit, wait for the lock: the loop has stopped, nothing waits on it. */
#define RELAY_DB_EXIT_BUSY_MS 5000

static volatile sig_atomic_t stop_requested;   /* SIGTERM or SIGINT came */
static volatile sig_atomic_t reopen_requested; /* SIGHUP came */
static struct relay_server *running;           /* for the signal handler's wake-up */

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reopen_requested = 1;
	else
		stop_requested = 1;
	relay_server_wake(running);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sirius-relay [options]\n"
		"  --listen ADDR:PORT        plain websocket listener (default $SIRIUS_RELAY_LISTEN or 127.0.0.1:8081;\n"
		"                            0.0.0.0 or * for every interface, [::1]:PORT for IPv6)\n"
		"  --tls-cert FILE           PEM certificate for a TLS listener (with --tls-key)\n"
		"  --tls-key FILE            PEM private key of the TLS listener\n"
		"  --tls-listen ADDR:PORT    the TLS listener (default 127.0.0.1:8444)\n"
		"  --socket PATH             control socket (default $SIRIUS_RELAY_SOCKET or <var>/relay.sock)\n"
		"  --db PATH                 database (default $SIRIUS_DB or <var>/sirius.db)\n"
		"  --device-timeout SECONDS  silence after which a device is offline (default 60)\n"
		"  --message-timeout SECONDS time a sent message may wait for its response (default 60)\n"
		"  --name-timeout SECONDS    time a websocket may stay without naming its bridge (default 30)\n"
		"  --new-printers N          printers new to the relay one bridge may name a minute (default 10)\n"
		"  --commit-delay SECONDS    how long its journaled records wait for their commit (default 0.01;\n"
		"                            0: at the end of each turn of the loop, without the journal)\n"
		"  --log FILE                append the log to FILE (reopened on SIGHUP; default stderr)\n"
		"  --verbose                 log every message, heartbeats included\n"
		"  --help                    this text\n");
}

/*
 * Splits "HOST:PORT" ("[V6]:PORT" for IPv6) into host (NULL for 0.0.0.0, *
 * or an empty host: every interface) and port. Returns 0, or -1 with a
 * reason in err.
 */
static int parse_listen(const char *text, char host[HOST_MAX], const char **host_out, int *port,
			struct sirius_error *err)
{
	const char *colon;
	size_t hlen;
	char *end;
	long p;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':')
			return error_set(err, "bad listen address \"%s\" (want [ADDR]:PORT)", text);
		hlen = (size_t)(close - text - 1);
		colon = close + 1;
		text++;
	} else {
		colon = strrchr(text, ':');
		if (!colon)
			return error_set(err, "bad listen address \"%s\" (want ADDR:PORT)", text);
		hlen = (size_t)(colon - text);
	}
	if (hlen >= HOST_MAX)
		return error_set(err, "listen address too long");
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || p < 1 || p > 65535)
		return error_set(err, "bad port in listen address \"%s\"", colon + 1);
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	*host_out = (hlen == 0 || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "*") == 0) ? NULL : host;
	*port = (int)p;
	return 0;
}

/* A positive number of seconds, at most a day; -1 when text is not one. */
static double parse_seconds(const char *text)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || *end || !(v > 0) || v > 86400)
		return -1;
	return v;
}

/*
 * Opens the journal beside the database (journal.h) and does through store
 * the writes a relay stopped before their commit left in it. Returns 0 with
 * *out set, or -1 (logged): the relay must not start before they are done.
 */
static int open_journal(const struct relay_store *store, const char *db_path, struct relay_journal **out)
{
	struct sirius_error err = { "" };
	char path[PATHS_MAX + 32];
	unsigned replayed, skipped;
	struct relay_journal *j;

	if (snprintf(path, sizeof(path), "%s-relay-journal", db_path) >= (int)sizeof(path)) {
		relay_log(RELAY_LOG_ERROR, "journal: the database's path is too long");
		return -1;
	}
	j = relay_journal_open(path, &err);
	if (!j || relay_journal_recover(j, store, &replayed, &skipped, &err) != 0) {
		relay_log(RELAY_LOG_ERROR, "%s", err.message);
		relay_journal_close(j);
		return -1;
	}
	if (replayed > 0)
		relay_log(RELAY_LOG_INFO, "journal: %u write(s) made before a stop and not committed: done now", replayed);
	if (skipped > 0)
		relay_log(RELAY_LOG_WARN, "journal %s: %u line(s) that are not writes (torn or edited) skipped", path,
			  skipped);
	*out = j;
	return 0;
}

/* The outbox's settings from the configuration: lifetime, retention, resends. Returns 0, or -1 with a reason in err. */
static int outbox_settings(struct registry_config *cfg, struct sirius_error *err)
{
	long days, keep, keep_days, resends;

	if (config_number("SIRIUS_QUEUE_DAYS", &days, err) < 0 || config_number("SIRIUS_KEEP_MESSAGES", &keep, err) < 0 ||
	    config_number("SIRIUS_KEEP_DAYS", &keep_days, err) < 0 || config_number("SIRIUS_RESENDS", &resends, err) < 0)
		return -1;
	cfg->queue_lifetime = (double)days * 86400;
	cfg->keep_messages = (unsigned)keep;
	cfg->keep_age = (double)keep_days * 86400;
	cfg->resends = (unsigned)resends;
	cfg->bridge_moves_auto = strcmp(config_value("SIRIUS_BRIDGE_MOVES"), "auto") == 0;
	return 0;
}

/* Raises the soft limit of open files towards RELAY_WANT_FDS (bounded by the hard limit). */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur >= RELAY_WANT_FDS)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > RELAY_WANT_FDS ? RELAY_WANT_FDS : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		relay_log(RELAY_LOG_WARN, "cannot raise the open file limit: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "tls-listen", required_argument, NULL, 't' },
		{ "socket", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "device-timeout", required_argument, NULL, 'D' },
		{ "message-timeout", required_argument, NULL, 'M' },
		{ "name-timeout", required_argument, NULL, 'N' },
		{ "new-printers", required_argument, NULL, 'P' },
		{ "commit-delay", required_argument, NULL, 'C' },
		{ "log", required_argument, NULL, 'L' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *listen;
	const char *tls_listen = "127.0.0.1:8444";
	const char *socket_opt = NULL, *db_opt = NULL, *log_opt = NULL;
	char host[HOST_MAX], tls_host[HOST_MAX];
	char socket_path[PATHS_MAX], db_path[PATHS_MAX];
	struct relay_server_config cfg;
	struct sirius_error err = { "" };
	struct relay_store store;
	struct sigaction sa;
	struct checkpointer *checkpointer;
	struct relay_journal *journal = NULL;
	struct db *db;
	int opt, rc, requeued;

	/* sirius.conf and .env fill what the environment leaves unset. */
	if (config_load(&err) < 0) {
		fprintf(stderr, "sirius-relay: %s\n", err.message);
		return 1;
	}
	listen = getenv("SIRIUS_RELAY_LISTEN");
	log_opt = config_value("SIRIUS_LOG");
	if (log_opt && !log_opt[0])
		log_opt = NULL;

	memset(&cfg, 0, sizeof(cfg));
	registry_config_default(&cfg.registry);
	cfg.max_message = BRIDGE_MESSAGE_MAX_BYTES;
	if (!listen || !listen[0])
		listen = "127.0.0.1:8081";

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'l':
			listen = optarg;
			break;
		case 'c':
			cfg.tls_cert = optarg;
			break;
		case 'k':
			cfg.tls_key = optarg;
			break;
		case 't':
			tls_listen = optarg;
			break;
		case 's':
			socket_opt = optarg;
			break;
		case 'd':
			db_opt = optarg;
			break;
		case 'D':
			cfg.registry.device_timeout = parse_seconds(optarg);
			if (cfg.registry.device_timeout < 0) {
				fprintf(stderr, "sirius-relay: --device-timeout wants seconds (0 < s <= 86400)\n");
				return 2;
			}
			break;
		case 'M':
			cfg.registry.message_timeout = parse_seconds(optarg);
			if (cfg.registry.message_timeout < 0) {
				fprintf(stderr, "sirius-relay: --message-timeout wants seconds (0 < s <= 86400)\n");
				return 2;
			}
			break;
		case 'N':
			cfg.registry.name_timeout = parse_seconds(optarg);
			if (cfg.registry.name_timeout < 0) {
				fprintf(stderr, "sirius-relay: --name-timeout wants seconds (0 < s <= 86400)\n");
				return 2;
			}
			break;
		case 'P': {
			char *end;
			unsigned long n;

			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || n < 1 || n > 1000000) {
				fprintf(stderr, "sirius-relay: --new-printers wants a number from 1 to 1000000\n");
				return 2;
			}
			cfg.registry.new_devices_per_minute = (unsigned)n;
			break;
		}
		case 'C': {
			char *end;

			/* 0 is allowed here: commits at the end of every turn, without the journal */
			errno = 0;
			cfg.registry.store_gather = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(cfg.registry.store_gather >= 0) ||
			    cfg.registry.store_gather > 3600) {
				fprintf(stderr, "sirius-relay: --commit-delay wants seconds (0 <= s <= 3600)\n");
				return 2;
			}
			break;
		}
		case 'L':
			log_opt = optarg;
			break;
		case 'v':
			relay_log_set_level(RELAY_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (parse_listen(listen, host, &cfg.listen_host, &cfg.listen_port, &err) < 0) {
		fprintf(stderr, "sirius-relay: %s\n", err.message);
		return 2;
	}
	if (!cfg.tls_cert != !cfg.tls_key) {
		fprintf(stderr, "sirius-relay: --tls-cert and --tls-key go together\n");
		return 2;
	}
	if (cfg.tls_cert && parse_listen(tls_listen, tls_host, &cfg.tls_host, &cfg.tls_port, &err) < 0) {
		fprintf(stderr, "sirius-relay: --tls-listen: %s\n", err.message);
		return 2;
	}
	if (outbox_settings(&cfg.registry, &err) < 0) {
		fprintf(stderr, "sirius-relay: %s\n", err.message);
		return 2;
	}

	if (log_opt && relay_log_open(log_opt) < 0) {
		fprintf(stderr, "sirius-relay: cannot open the log file %s: %s\n", log_opt, strerror(errno));
		return 1;
	}
	if (socket_opt) {
		if (snprintf(socket_path, sizeof(socket_path), "%s", socket_opt) >= (int)sizeof(socket_path)) {
			relay_log(RELAY_LOG_ERROR, "--socket: path too long");
			return 1;
		}
	} else if (paths_relay_socket(socket_path, sizeof(socket_path), &err) < 0) {
		relay_log(RELAY_LOG_ERROR, "control socket path: %s", err.message);
		return 1;
	}
	cfg.socket_path = socket_path;
	if (db_opt) {
		if (snprintf(db_path, sizeof(db_path), "%s", db_opt) >= (int)sizeof(db_path)) {
			relay_log(RELAY_LOG_ERROR, "--db: path too long");
			return 1;
		}
	} else if (paths_database(db_path, sizeof(db_path), &err) < 0) {
		relay_log(RELAY_LOG_ERROR, "database path: %s", err.message);
		return 1;
	}

	raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	db = db_open(db_path, &err);
	if (!db) {
		relay_log(RELAY_LOG_ERROR, "database %s: %s", db_path, err.message);
		return 1;
	}
	store_db_init(&store, db);
	/* the journal's writes first: a message answered before a crash is not queued again below */
	if (open_journal(&store, db_path, &journal) < 0) {
		db_close(db);
		return 1;
	}
	/* recovered either way (a previous run may have used it); kept only when writes wait in it */
	if (cfg.registry.store_gather == 0) {
		relay_journal_close(journal);
		journal = NULL;
	}
	requeued = db_outbox_requeue_unanswered(db, &err);
	if (requeued < 0) {
		relay_log(RELAY_LOG_ERROR, "database %s: %s", db_path, err.message);
		relay_journal_close(journal);
		db_close(db);
		return 1;
	}
	if (requeued > 0)
		relay_log(RELAY_LOG_INFO, "%d message(s) sent before a restart and never answered: queued again", requeued);
	db_set_busy_timeout(db, RELAY_DB_BUSY_MS);
	checkpointer = checkpointer_start(db_path, CHECKPOINT_INTERVAL_MS, CHECKPOINT_RESTART_FRAMES, &err);
	if (!checkpointer) {
		relay_log(RELAY_LOG_ERROR, "database %s: %s", db_path, err.message);
		relay_journal_close(journal);
		db_close(db);
		return 1;
	}
	running = relay_server_new(&cfg, &store, &err);
	if (!running) {
		relay_log(RELAY_LOG_ERROR, "%s", err.message);
		checkpointer_stop(checkpointer);
		relay_journal_close(journal);
		db_close(db);
		return 1;
	}

	relay_server_set_checkpointer(running, checkpointer);
	relay_server_set_journal(running, journal);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	relay_log(RELAY_LOG_INFO, "sirius-relay started (database %s, device timeout %g s, message timeout %g s)",
		  db_path, cfg.registry.device_timeout, cfg.registry.message_timeout);
	rc = relay_server_run(running, &stop_requested, &reopen_requested);
	relay_log(RELAY_LOG_INFO, "sirius-relay stopping");

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	/* the registry's last writes (done as it is freed): checkpoints stopped, the usual patience, nothing else waits */
	relay_server_set_checkpointer(running, NULL);
	checkpointer_stop(checkpointer);
	db_set_busy_timeout(db, RELAY_DB_EXIT_BUSY_MS);
	{
		struct relay_server *srv = running;

		running = NULL;
		relay_server_free(srv);
	}
	relay_journal_close(journal);
	db_close(db);
	relay_log(RELAY_LOG_INFO, "sirius-relay stopped");
	relay_log_close();
	return rc < 0 ? 1 : 0;
}
