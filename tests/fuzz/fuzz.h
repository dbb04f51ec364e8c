/* fuzz.h: the entry point every harness defines, as libFuzzer and replay_main.c call it. */
#ifndef SIRIUS_FUZZ_H
#define SIRIUS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/*
 * Runs one input of size bytes through the parser the harness covers and
 * returns 0. A harness aborts (through an assertion or a sanitizer) only on
 * a bug: a crash, a leak, a broken invariant. Every other outcome, refusals
 * included, is normal.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Aborts with a message naming the harness and the failed condition when
 * cond is false: assert() that stays on in every build.
 */
#define FUZZ_CHECK(cond)                                                                               \
	do {                                                                                           \
		if (!(cond))                                                                           \
			fuzz_fail(__FILE__, __LINE__, #cond);                                           \
	} while (0)

void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

#endif
