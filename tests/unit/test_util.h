/* test_util.h: helpers shared by the unit tests: vector files and suite running. */
#ifndef SIRIUS_TEST_UTIL_H
#define SIRIUS_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>
#include <cjson/cJSON.h>

/* The absolute path of a file under tests/vectors, in a static buffer (tests only). */
const char *vector_path(const char *relative);

/* Reads a whole file under tests/vectors; fails the running test when it cannot. */
uint8_t *vector_read(const char *relative, size_t *len);

/* Parses a JSON file under tests/vectors; fails the running test when it cannot. */
cJSON *vector_json(const char *relative);

/* The next number of a deterministic pseudo-random sequence (xorshift32); state must not be 0. */
uint32_t test_random(uint32_t *state);

/* Runs one suite with Check's normal output; returns the process exit status. */
int run_suite(Suite *suite);

#endif
