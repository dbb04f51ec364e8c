/* test_util.c: reading test vectors and running Check suites. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "render.h"

const char *vector_path(const char *relative)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", TEST_VECTORS_DIR, relative);
	return path;
}

uint8_t *vector_read(const char *relative, size_t *len)
{
	const char *path = vector_path(relative);
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long size;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(data);
	ck_assert_msg(fread(data, 1, (size_t)size, f) == (size_t)size, "short read of %s", path);
	fclose(f);
	data[size] = '\0';
	*len = (size_t)size;
	return data;
}

cJSON *vector_json(const char *relative)
{
	size_t len;
	uint8_t *text = vector_read(relative, &len);
	cJSON *json = cJSON_ParseWithLength((const char *)text, len);

	ck_assert_msg(json != NULL, "%s is not valid JSON", relative);
	free(text);
	return json;
}

uint32_t test_random(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

int run_suite(Suite *suite)
{
	SRunner *runner = srunner_create(suite);
	int failed;

	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	/* the suites that render leave nothing of the font libraries for the leak check to look up */
	render_release_fonts();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
