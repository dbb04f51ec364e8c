/* bench_util.c: clock, quantiles, /proc readings and a byte buffer for the load generators. */
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_quantile(double *samples, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(samples, n, sizeof(*samples), compare_double);
	i = (size_t)(q * (double)n);
	return samples[i < n ? i : n - 1];
}

/* The value in KiB of a "Name:  N kB" line of /proc/PID/status, or -1. */
static long status_kib(pid_t pid, const char *name)
{
	char path[64], line[256];
	size_t nlen = strlen(name);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, nlen) == 0 && line[nlen] == ':') {
			v = strtol(line + nlen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

long bench_rss_kib(pid_t pid)
{
	return status_kib(pid, "VmRSS");
}

long bench_hwm_kib(pid_t pid)
{
	return status_kib(pid, "VmHWM");
}

double bench_cpu_seconds(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long utime, stime;
	const char *p;
	size_t n;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: fields start after the last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* a space precedes each field from 3 (state) on; utime and stime are fields 14 and 15 */
	for (field = 3; field <= 14 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %lu %lu", &utime, &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

long bench_raise_nofile(long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	if (rl.rlim_cur < (rlim_t)want) {
		rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)want ? rl.rlim_max : (rlim_t)want;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return (long)rl.rlim_cur;
}

void bench_buf_append(struct bench_buf *b, const void *p, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 512;
		char *d;

		while (cap < b->len + len)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
}

void bench_buf_consume(struct bench_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void bench_buf_free(struct bench_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
