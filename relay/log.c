/* log.c: the relay's line-oriented log, to a file that SIGHUP reopens or to stderr. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <glib.h>

#define LOG_LINE_MAX 2048

static FILE *log_file;                                 /* NULL: stderr */
static char *log_path;                                 /* the file's path, for reopening */
static enum relay_log_level log_threshold = RELAY_LOG_INFO; /* lines above it are dropped */
/* The checkpointer's thread logs too: a line is written whole, and never to a file being reopened. */
static GMutex log_lock;

int relay_log_open(const char *path)
{
	FILE *f;
	char *copy;

	if (!path) {
		relay_log_close();
		return 0;
	}
	f = fopen(path, "a");
	if (!f)
		return -1;
	copy = strdup(path);
	if (!copy) {
		fclose(f);
		return -1;
	}
	relay_log_close();
	g_mutex_lock(&log_lock);
	log_file = f;
	log_path = copy;
	g_mutex_unlock(&log_lock);
	return 0;
}

int relay_log_reopen(void)
{
	FILE *f;

	if (!log_path)
		return 0;
	f = fopen(log_path, "a");
	if (!f)
		return -1;
	g_mutex_lock(&log_lock);
	if (log_file)
		fclose(log_file);
	log_file = f;
	g_mutex_unlock(&log_lock);
	return 0;
}

void relay_log_close(void)
{
	g_mutex_lock(&log_lock);
	if (log_file)
		fclose(log_file);
	log_file = NULL;
	free(log_path);
	log_path = NULL;
	g_mutex_unlock(&log_lock);
}

void relay_log_set_level(enum relay_log_level level)
{
	log_threshold = level;
}

int relay_log_enabled(enum relay_log_level level)
{
	return level <= log_threshold;
}

const char *relay_log_level_name(enum relay_log_level level)
{
	switch (level) {
	case RELAY_LOG_ERROR:
		return "ERROR";
	case RELAY_LOG_WARN:
		return "WARN";
	case RELAY_LOG_INFO:
		return "INFO";
	case RELAY_LOG_DEBUG:
		return "DEBUG";
	}
	return "?";
}

void relay_log(enum relay_log_level level, const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	char stamp[32];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	size_t i;
	FILE *out;

	if (!relay_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (i = 0; text[i]; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			text[i] = '?';
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	g_mutex_lock(&log_lock);
	out = log_file ? log_file : stderr;
	fprintf(out, "%s.%03ldZ %s %s\n", stamp, (long)(tv.tv_usec / 1000), relay_log_level_name(level), text);
	fflush(out);
	g_mutex_unlock(&log_lock);
}
