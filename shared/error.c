/* error.c: filling a struct sirius_error. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int error_set(struct sirius_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}
