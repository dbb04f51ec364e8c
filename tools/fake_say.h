/* fake_say.h: sirius-fake emulate's output, one flushed line at a time (people and tests read it line by line). */
#ifndef SIRIUS_FAKE_SAY_H
#define SIRIUS_FAKE_SAY_H

/* printf to stdout as one line, flushed. */
void fake_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
