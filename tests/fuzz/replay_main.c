/* replay_main.c: feeds every file of a harness's corpus to it, so that make check replays the corpora without libFuzzer. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* The largest corpus file replayed; the corpora keep far smaller ones. */
#define REPLAY_MAX_BYTES (4 * 1024 * 1024)

/* Reads the regular file at path and runs it. Returns 0, or -1 (with a message) when it cannot be read. */
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;
	size_t got;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > REPLAY_MAX_BYTES ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "%s: cannot be read whole, or larger than %d bytes\n", path, REPLAY_MAX_BYTES);
		fclose(f);
		return -1;
	}
	/* an exact-size copy, so that ASan sees any read past the input's end */
	buf = malloc(size ? (size_t)size : 1);
	if (!buf) {
		fclose(f);
		fprintf(stderr, "%s: out of memory\n", path);
		return -1;
	}
	got = fread(buf, 1, (size_t)size, f);
	fclose(f);
	if (got != (size_t)size) {
		fprintf(stderr, "%s: short read\n", path);
		free(buf);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file of dir in name order. Returns the number run, or -1 when dir cannot be read. */
static int replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t count = 0, cap = 0, i;
	int run = 0;

	if (!d) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (count == cap) {
			char **more = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (!more)
				abort();
			names = more;
		}
		names[count] = malloc(strlen(dir) + strlen(e->d_name) + 2);
		if (!names[count])
			abort();
		sprintf(names[count], "%s/%s", dir, e->d_name);
		count++;
	}
	closedir(d);
	qsort(names, count, sizeof(*names), by_name);
	for (i = 0; i < count; i++) {
		struct stat st;

		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(names[i]) < 0)
				run = -1;
			else if (run >= 0)
				run++;
		}
		free(names[i]);
	}
	free(names);
	return run;
}

/*
 * With no arguments, replays the corpus directory the program was built for
 * (FUZZ_CORPUS_DIR); otherwise every file and directory named. Exits 0 when
 * every input ran (a bug aborts before that), 1 when an input could not be
 * read or the corpus is empty.
 */
int main(int argc, char **argv)
{
	int i, total = 0, status = 0;

	if (argc < 2) {
		total = replay_dir(FUZZ_CORPUS_DIR);
		if (total <= 0) {
			fprintf(stderr, "%s: no corpus replayed\n", FUZZ_CORPUS_DIR);
			return 1;
		}
	}
	for (i = 1; i < argc; i++) {
		struct stat st;
		int n;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			n = replay_dir(argv[i]);
		else
			n = replay_file(argv[i]) < 0 ? -1 : 1;
		if (n < 0)
			status = 1;
		else
			total += n;
	}
	printf("%s: %d inputs replayed\n", argv[0], total);
	return status;
}
