/* paths.c: choosing the var directory, database and relay socket paths from the environment and the build. */
#include "paths.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

/* Writes the formatted path into out; 0, or -1 with a reason in err when it does not fit. */
static int __attribute__((format(printf, 4, 5)))
path_print(char *out, size_t size, struct sirius_error *err, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!out || size == 0)
		return error_set(err, "no buffer for a path");
	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		out[0] = '\0';
		return error_set(err, "a path is longer than %zu bytes", size - 1);
	}
	return 0;
}

/* The value of an environment variable, or NULL when it is unset or empty. */
static const char *env_path(const char *name)
{
	const char *value = getenv(name);

	return value && value[0] ? value : NULL;
}

/* 1 when path is dir itself or lies below it (dir without a trailing slash), else 0. */
static int path_under(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	while (len > 1 && dir[len - 1] == '/')
		len--;
	return len > 0 && strncmp(path, dir, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

/*
 * The canonical form of a directory named at build time (the build writes
 * such as "/src/build/.."), or the name itself when it no longer exists.
 * Returns a malloc'd string, NULL when out of memory.
 */
static char *canonical_dir(const char *dir)
{
	char *real = realpath(dir, NULL);

	return real ? real : strdup(dir);
}

int paths_default_var_dir(const char *exe, char *out, size_t size, struct sirius_error *err)
{
	char *source = canonical_dir(SIRIUS_SOURCE_DIR);
	char *build = canonical_dir(SIRIUS_BUILD_DIR);
	int rc;

	if (!source || !build)
		rc = error_set(err, "out of memory");
	else if (exe && (path_under(exe, build) || path_under(exe, source)))
		rc = path_print(out, size, err, "%s/var", source);
	else
		rc = path_print(out, size, err, "%s/lib/sirius", SIRIUS_LOCALSTATEDIR);
	free(source);
	free(build);
	return rc;
}

int paths_var_dir(char *out, size_t size, struct sirius_error *err)
{
	const char *var = env_path("SIRIUS_VAR");
	char exe[PATHS_MAX];
	ssize_t n;

	if (var)
		return path_print(out, size, err, "%s", var);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0 || (size_t)n >= sizeof(exe) - 1)
		return paths_default_var_dir(NULL, out, size, err);
	exe[n] = '\0';
	return paths_default_var_dir(exe, out, size, err);
}

int paths_database(char *out, size_t size, struct sirius_error *err)
{
	const char *db = env_path("SIRIUS_DB");
	char var[PATHS_MAX];

	if (db)
		return path_print(out, size, err, "%s", db);
	if (paths_var_dir(var, sizeof(var), err) < 0)
		return -1;
	return path_print(out, size, err, "%s/sirius.db", var);
}

int paths_relay_socket(char *out, size_t size, struct sirius_error *err)
{
	const char *sock = env_path("SIRIUS_RELAY_SOCKET");
	struct sockaddr_un addr;
	char var[PATHS_MAX];
	int rc;

	if (sock) {
		rc = path_print(out, size, err, "%s", sock);
	} else {
		if (paths_var_dir(var, sizeof(var), err) < 0)
			return -1;
		rc = path_print(out, size, err, "%s/relay.sock", var);
	}
	if (rc < 0)
		return -1;
	if (strlen(out) >= sizeof(addr.sun_path)) {
		error_set(err, "the relay socket path is longer than a Unix socket allows (%zu bytes): %s",
			  sizeof(addr.sun_path) - 1, out);
		out[0] = '\0';
		return -1;
	}
	return 0;
}

char *paths_database_alloc(struct sirius_error *err)
{
	char path[PATHS_MAX];
	char *copy;

	if (paths_database(path, sizeof(path), err) < 0)
		return NULL;
	copy = strdup(path);
	if (!copy)
		error_set(err, "out of memory");
	return copy;
}
