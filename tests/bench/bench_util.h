/* bench_util.h: what the load generators share: a monotonic clock, quantiles, a process's memory and CPU from /proc. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Seconds on the monotonic clock. */
double bench_now(void);

/* Sorts n samples in place and returns the q-quantile (0..1, nearest rank); 0 when n is 0. */
double bench_quantile(double *samples, size_t n, double q);

/* Resident memory of process pid in KiB (VmRSS), or -1 when it cannot be read. */
long bench_rss_kib(pid_t pid);

/* Peak resident memory of process pid in KiB (VmHWM), or -1 when it cannot be read. */
long bench_hwm_kib(pid_t pid);

/* CPU seconds (user + system) process pid has used, or -1 when it cannot be read. */
double bench_cpu_seconds(pid_t pid);

/* Raises the soft limit of open files to want (bounded by the hard limit); returns the limit in effect. */
long bench_raise_nofile(long want);

/* A growable byte buffer. */
struct bench_buf {
	char *data;  /* malloc'd bytes; NULL when empty and never used */
	size_t len;  /* bytes held */
	size_t cap;  /* bytes allocated */
};

/* Appends len bytes; exits the program when memory runs out (a benchmark has nothing to save). */
void bench_buf_append(struct bench_buf *b, const void *p, size_t len);

/* Drops the first n bytes. */
void bench_buf_consume(struct bench_buf *b, size_t n);

/* Frees the buffer's memory and empties it. */
void bench_buf_free(struct bench_buf *b);

#endif
