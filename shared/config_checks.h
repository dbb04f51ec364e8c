/* config_checks.h: checks of settings against the machine: time zones in the zone database, listen addresses resolved and bindable. */
#ifndef SIRIUS_CONFIG_CHECKS_H
#define SIRIUS_CONFIG_CHECKS_H

#include <stddef.h>

#include "error.h"

/* The longest time zone name accepted (the zone database's longest is about 30). */
#define CONFIG_TIMEZONE_MAX 128

/* The directory of the zone database: $TZDIR when set (as glibc and GLib read it), else /usr/share/zoneinfo. */
const char *config_zone_dir(void);

/*
 * Checks that name is a time zone of the zone database, such as
 * Europe/London or UTC: a relative name of letters, digits and "/_+-.",
 * without empty, "." or ".." parts, naming a file under config_zone_dir()
 * that starts with the zone file magic "TZif". The file found is written
 * into path when path is not NULL. Returns 0, or -1 with a reason in err
 * (a name that is no zone name, or no such zone in the database).
 */
int config_check_timezone(const char *name, char *path, size_t path_size, struct sirius_error *err);

/*
 * Resolves host, a numeric IPv4 or IPv6 address or a host name, the way a
 * web server told to listen on it does (getaddrinfo, passive, TCP), and
 * finds the first of its addresses that a socket on this machine can bind.
 * "*" stands for 0.0.0.0. Writes that address in numeric form into bound and
 * every address the host resolved to, in order and separated by ", ", into
 * all (shortened when it does not fit; both sizes are more than 0). Returns 0, or -1 with a reason in
 * err: the name does not resolve, or none of its addresses is one of this
 * machine's (such as a public name that resolves to a router or a cloud
 * address).
 */
int config_resolve_listen(const char *host, char *bound, size_t bound_size, char *all, size_t all_size,
			  struct sirius_error *err);

#endif
