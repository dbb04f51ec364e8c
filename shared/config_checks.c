/* config_checks.c: checks of settings against the machine: time zones in the zone database, listen addresses resolved and bindable. */
#include "config_checks.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

const char *config_zone_dir(void)
{
	const char *dir = getenv("TZDIR");

	return dir && dir[0] ? dir : "/usr/share/zoneinfo";
}

/* 1 when name is a relative zone name: allowed characters, no empty, "." or ".." part; else 0. */
static int zone_name_ok(const char *name)
{
	const char *part = name, *p;
	size_t len;

	if (!name[0] || strlen(name) > CONFIG_TIMEZONE_MAX)
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("/_+-.", *p)))
			return 0;
	/* each part between slashes: not empty (no leading, trailing or double slash), not . or .. */
	for (;;) {
		len = strcspn(part, "/");
		if (len == 0 || (len == 1 && part[0] == '.') || (len == 2 && part[0] == '.' && part[1] == '.'))
			return 0;
		if (!part[len])
			return 1;
		part += len + 1;
	}
}

int config_check_timezone(const char *name, char *path, size_t path_size, struct sirius_error *err)
{
	char file[PATHS_MAX];
	char magic[4];
	struct stat st;
	ssize_t n;
	int fd, len;

	if (!zone_name_ok(name))
		return error_set(err, "\"%.*s\" is not a time zone name such as Europe/London (letters, digits and "
				      "/_+-. in parts without . or ..)", 64, name);
	len = snprintf(file, sizeof(file), "%s/%s", config_zone_dir(), name);
	if (len < 0 || (size_t)len >= sizeof(file))
		return error_set(err, "the path of time zone %s is too long", name);
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return error_set(err, "%s is not a time zone of the zone database (%s)", name,
					 config_zone_dir());
		return error_set(err, "cannot read %s: %s", file, strerror(errno));
	}
	n = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n != (ssize_t)sizeof(magic) || memcmp(magic, "TZif", sizeof(magic)) != 0)
		return error_set(err, "%s is not a time zone of the zone database (%s is no zone file)", name, file);
	if (path) {
		if ((size_t)len >= path_size)
			return error_set(err, "the path of time zone %s is too long", name);
		memcpy(path, file, (size_t)len + 1);
	}
	return 0;
}

/* Appends text to out (of size bytes, NUL-terminated), ", " first when out is not empty; drops what does not fit. */
static void append_address(char *out, size_t size, const char *text)
{
	size_t used = strlen(out);

	if (size == 0)
		return;
	snprintf(out + used, size - used, "%s%s", used ? ", " : "", text);
}

/* 1 when the ", "-separated list holds address as one of its items, else 0. */
static int listed(const char *list, const char *address)
{
	size_t len = strlen(address);
	const char *p = list;

	while ((p = strstr(p, address)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[len] == ',' || p[len] == '\0'))
			return 1;
		p += len;
	}
	return 0;
}

/* 1 when a TCP socket can bind addr (port 0: any free one), else 0. */
static int bindable(const struct addrinfo *addr)
{
	int fd = socket(addr->ai_family, addr->ai_socktype | SOCK_CLOEXEC, addr->ai_protocol);
	int ok;

	if (fd < 0)
		return 0;
	ok = bind(fd, addr->ai_addr, addr->ai_addrlen) == 0;
	close(fd);
	return ok;
}

int config_resolve_listen(const char *host, char *bound, size_t bound_size, char *all, size_t all_size,
			  struct sirius_error *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	char numeric[NI_MAXHOST];
	int rc, found = 0;

	if (strcmp(host, "*") == 0)
		host = "0.0.0.0";
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (all_size)
		all[0] = '\0';
	if (bound_size)
		bound[0] = '\0';
	rc = getaddrinfo(host, "0", &hints, &res);
	if (rc != 0)
		return error_set(err, "%.64s does not resolve: %s", host,
				 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, numeric, sizeof(numeric), NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		/* /etc/hosts may name an address twice: list it once */
		if (!listed(all, numeric))
			append_address(all, all_size, numeric);
		if (!found && bindable(ai)) {
			found = 1;
			if (strlen(numeric) >= bound_size) {
				freeaddrinfo(res);
				return error_set(err, "the address %s is too long", numeric);
			}
			memcpy(bound, numeric, strlen(numeric) + 1);
		}
	}
	freeaddrinfo(res);
	if (!found)
		return error_set(err, "%.64s resolves to %.120s, which is not an address of this machine", host,
				 all[0] ? all : "nothing usable");
	return 0;
}
