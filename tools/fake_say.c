/* fake_say.c: sirius-fake emulate's output, one flushed line at a time. */
#include "fake_say.h"

#include <stdarg.h>
#include <stdio.h>

void fake_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}
