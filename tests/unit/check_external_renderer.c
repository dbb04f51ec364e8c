/* check_external_renderer.c: unit tests of running an external HTML renderer, with shell scripts as renderers. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bitmap.h"
#include "bitmap_png.h"
#include "external_renderer.h"
#include "test_util.h"

/* The temporary directory of the running test, holding the scripts and their files. */
static char dir[256];

static void make_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	size_t n;

	snprintf(dir, sizeof(dir), "%s/sirius-renderer-", tmp && *tmp ? tmp : "/tmp");
	/* mkdtemp's template ends in six capital X characters, which it replaces. */
	n = strlen(dir);
	memset(dir + n, 'X', 6);
	dir[n + 6] = '\0';
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char command[400];

	snprintf(command, sizeof(command), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(command), 0);
}

static const char *path_in_dir(const char *name)
{
	static char path[400];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static void write_file(const char *name, const void *data, size_t len, mode_t mode)
{
	const char *path = path_in_dir(name);
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* Writes a /bin/sh script named name whose body may use $DIR; returns the path. */
static const char *write_script(const char *name, const char *body)
{
	char text[2048];

	snprintf(text, sizeof(text), "#!/bin/sh\nDIR='%s'\n%s\n", dir, body);
	write_file(name, text, strlen(text), 0755);
	return path_in_dir(name);
}

static uint8_t *read_file(const char *name, size_t *len)
{
	FILE *f = fopen(path_in_dir(name), "rb");
	uint8_t *data = malloc(1 << 22);

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(data);
	*len = fread(data, 1, 1 << 22, f);
	fclose(f);
	return data;
}

/* Writes page.png: w x h, left half black, right half white. */
static void write_page_png(int w, int h)
{
	struct greymap *gm = greymap_new(w, h);
	struct sirius_error err;
	uint8_t *png;
	size_t len;
	int x, y;

	ck_assert_ptr_nonnull(gm);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			gm->pixels[y * w + x] = x < w / 2 ? 0 : 255;
	ck_assert_int_eq(png_write_greymap(gm, &png, &len, &err), 0);
	write_file("page.png", png, len, 0644);
	free(png);
	greymap_free(gm);
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static enum image_decode_status render(const char *command, const char *html, int width, int timeout_ms,
				       struct greymap **out, struct sirius_error *err)
{
	enum image_decode_status status;

	memset(err, 0, sizeof(*err));
	*out = (struct greymap *)1;
	status = external_render_html(command, html, html ? strlen(html) : 0, width, timeout_ms, 0, out, err);
	if (status == IMAGE_OK)
		ck_assert_ptr_nonnull(*out);
	else {
		ck_assert_ptr_null(*out);
		ck_assert_msg(err->message[0] != '\0', "status %d without a reason", status);
	}
	return status;
}

START_TEST(test_renderer_output_is_decoded)
{
	static const char html[] = "<html><body><p>Hello, printer</p></body></html>";
	struct greymap *out;
	struct sirius_error err;
	char command[600];
	uint8_t *got;
	size_t len;

	make_dir();
	write_page_png(384, 50);
	/* Records its arguments and standard input, then prints the page. */
	write_script("render.sh",
		     "printf '%s\\n' \"$#\" \"$3\" \"$4\" > \"$DIR/args\"\n"
		     "cat > \"$DIR/stdin.html\"\n"
		     "cat \"$DIR/page.png\"");
	snprintf(command, sizeof(command), "'%s' --width 384 \"two words\" '$HOME;ls'", path_in_dir("render.sh"));
	ck_assert_int_eq(render(command, html, 384, 5000, &out, &err), IMAGE_OK);
	ck_assert_int_eq(out->width, 384);
	ck_assert_int_eq(out->height, 50);
	ck_assert_int_eq(out->pixels[10], 0);
	ck_assert_int_eq(out->pixels[300], 255);
	greymap_free(out);
	got = read_file("stdin.html", &len);
	ck_assert_uint_eq(len, strlen(html));
	ck_assert(memcmp(got, html, len) == 0);
	free(got);
	/* Words split the shell's way, but no shell ran: $HOME and ; arrive as they were. */
	got = read_file("args", &len);
	got[len] = '\0';
	ck_assert_str_eq((char *)got, "4\ntwo words\n$HOME;ls\n");
	free(got);
	remove_dir();
}
END_TEST

START_TEST(test_wider_output_is_scaled_to_width)
{
	struct greymap *out;
	struct sirius_error err;

	make_dir();
	write_page_png(768, 100);
	ck_assert_int_eq(render(write_script("wide.sh", "cat >/dev/null\ncat \"$DIR/page.png\""), "<p>x</p>",
				384, 5000, &out, &err), IMAGE_OK);
	ck_assert_int_eq(out->width, 384);
	ck_assert_int_eq(out->height, 50);
	greymap_free(out);
	remove_dir();
}
END_TEST

START_TEST(test_renderer_ignoring_large_input)
{
	/* The renderer never reads its input and exits: the write must fail quietly, no SIGPIPE. */
	size_t big = (size_t)4 * 1024 * 1024;
	char *html = malloc(big + 1);
	struct greymap *out;
	struct sirius_error err;

	ck_assert_ptr_nonnull(html);
	memset(html, 'a', big);
	html[big] = '\0';
	make_dir();
	write_page_png(384, 10);
	ck_assert_int_eq(render(write_script("deaf.sh", "cat \"$DIR/page.png\""), html, 384, 5000, &out, &err),
			 IMAGE_OK);
	ck_assert_int_eq(out->height, 10);
	greymap_free(out);
	free(html);
	remove_dir();
}
END_TEST

START_TEST(test_timeout_kills_renderer)
{
	struct greymap *out;
	struct sirius_error err;
	struct timespec t0;
	double ms;

	make_dir();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(render(write_script("slow.sh", "sleep 30"), "<p>x</p>", 384, 300, &out, &err),
			 IMAGE_CORRUPT);
	ms = elapsed_ms(&t0);
	ck_assert_msg(strstr(err.message, "timed out") != NULL, "%s", err.message);
	ck_assert_msg(ms >= 290 && ms < 3000, "took %.0f ms", ms);
	remove_dir();
}
END_TEST

START_TEST(test_leftover_background_process_is_ended)
{
	/* A renderer that leaves a child holding its stdout must not make us wait for that child. */
	struct greymap *out;
	struct sirius_error err;
	struct timespec t0;
	double ms;

	make_dir();
	write_page_png(384, 20);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(render(write_script("forks.sh", "sleep 30 &\ncat \"$DIR/page.png\""), "<p>x</p>", 384,
				10000, &out, &err), IMAGE_OK);
	ms = elapsed_ms(&t0);
	ck_assert_msg(ms < 3000, "took %.0f ms", ms);
	greymap_free(out);
	remove_dir();
}
END_TEST

START_TEST(test_non_zero_exit)
{
	struct greymap *out;
	struct sirius_error err;

	make_dir();
	write_page_png(384, 20);
	ck_assert_int_eq(render(write_script("fails.sh", "echo 'renderer broke: no fonts' >&2\n"
							"echo second line >&2\ncat \"$DIR/page.png\"\nexit 3"),
				"<p>x</p>", 384, 5000, &out, &err), IMAGE_CORRUPT);
	ck_assert_msg(strstr(err.message, "status 3") != NULL, "%s", err.message);
	ck_assert_msg(strstr(err.message, "renderer broke: no fonts") != NULL, "%s", err.message);
	ck_assert_msg(strstr(err.message, "second line") == NULL, "%s", err.message);
	ck_assert_int_eq(render(write_script("killed.sh", "kill -TERM $$"), "<p>x</p>", 384, 5000, &out, &err),
			 IMAGE_CORRUPT);
	ck_assert_msg(strstr(err.message, "signal 15") != NULL, "%s", err.message);
	remove_dir();
}
END_TEST

START_TEST(test_garbage_and_empty_output)
{
	struct greymap *out;
	struct sirius_error err;

	make_dir();
	ck_assert_int_eq(render(write_script("garbage.sh", "cat >/dev/null\necho '<html>not an image</html>'"),
				"<p>x</p>", 384, 5000, &out, &err), IMAGE_CORRUPT);
	ck_assert_msg(strstr(err.message, "not an image") != NULL, "%s", err.message);
	ck_assert_int_eq(render(write_script("silent.sh", "cat >/dev/null"), "<p>x</p>", 384, 5000, &out, &err),
			 IMAGE_CORRUPT);
	ck_assert_msg(strstr(err.message, "nothing") != NULL, "%s", err.message);
	/* A PNG signature followed by junk: it looks like an image but does not decode. */
	ck_assert_int_eq(render(write_script("broken.sh", "printf '\\211PNG\\r\\n\\032\\nthis is no PNG at all'"),
				"<p>x</p>", 384, 5000, &out, &err), IMAGE_CORRUPT);
	remove_dir();
}
END_TEST

START_TEST(test_too_much_output)
{
	struct greymap *out;
	struct sirius_error err;

	make_dir();
	ck_assert_int_eq(render(write_script("flood.sh", "exec cat /dev/zero"), "<p>x</p>", 384, 20000, &out, &err),
			 IMAGE_CORRUPT);
	ck_assert_msg(strstr(err.message, "more than") != NULL, "%s", err.message);
	remove_dir();
}
END_TEST

START_TEST(test_missing_and_bad_commands)
{
	struct greymap *out;
	struct sirius_error err;

	ck_assert_int_eq(render("/nonexistent/dir/wkhtmltoimage --format png - -", "<p>x</p>", 384, 5000, &out, &err),
			 IMAGE_UNSUPPORTED);
	ck_assert_msg(strstr(err.message, "No such file") != NULL, "%s", err.message);
	ck_assert_int_eq(render("sirius-no-such-renderer-anywhere -", "<p>x</p>", 384, 5000, &out, &err),
			 IMAGE_UNSUPPORTED);
	ck_assert_int_eq(render("", "<p>x</p>", 384, 5000, &out, &err), IMAGE_UNSUPPORTED);
	ck_assert_int_eq(render("   ", "<p>x</p>", 384, 5000, &out, &err), IMAGE_UNSUPPORTED);
	ck_assert_int_eq(render("'unterminated quote", "<p>x</p>", 384, 5000, &out, &err), IMAGE_UNSUPPORTED);
	ck_assert_int_eq(render(NULL, "<p>x</p>", 384, 5000, &out, &err), IMAGE_UNSUPPORTED);
	/* A file that is not executable. */
	make_dir();
	write_file("plain.txt", "hello", 5, 0644);
	ck_assert_int_eq(render(path_in_dir("plain.txt"), "<p>x</p>", 384, 5000, &out, &err), IMAGE_UNSUPPORTED);
	ck_assert_msg(strstr(err.message, "Permission denied") != NULL, "%s", err.message);
	remove_dir();
}
END_TEST

START_TEST(test_caller_sigpipe_disposition_kept)
{
	/* After a renderer refused our input, SIGPIPE is neither pending nor left blocked. */
	struct greymap *out;
	struct sirius_error err;
	size_t big = (size_t)1024 * 1024;
	char *html = malloc(big + 1);
	sigset_t pending, mask;

	ck_assert_ptr_nonnull(html);
	memset(html, 'b', big);
	html[big] = '\0';
	make_dir();
	write_page_png(384, 10);
	ck_assert_int_eq(render(write_script("deaf2.sh", "exec 0<&-\ncat \"$DIR/page.png\""), html, 384, 5000, &out,
				&err), IMAGE_OK);
	greymap_free(out);
	sigpending(&pending);
	ck_assert(!sigismember(&pending, SIGPIPE));
	sigprocmask(SIG_BLOCK, NULL, &mask);
	ck_assert(!sigismember(&mask, SIGPIPE));
	free(html);
	remove_dir();
}
END_TEST

/*
 * Regression: the renderer inherited the caller's environment, which under
 * FastCGI is the request's (HTTP_COOKIE with the session token, QUERY_STRING,
 * no PATH). It must see exactly PATH, HOME and LANG, whatever the caller holds.
 */
START_TEST(test_renderer_env_leaked_request_environment)
{
	static const char expected[] = "HOME=/nonexistent\nLANG=C.UTF-8\nPATH=/usr/local/bin:/usr/bin:/bin\n";
	struct greymap *out;
	struct sirius_error err;
	const char *old_path = getenv("PATH");
	char *saved_path = old_path ? strdup(old_path) : NULL;
	uint8_t *got;
	size_t len;

	make_dir();
	write_page_png(384, 10);
	ck_assert_int_eq(setenv("HTTP_COOKIE", "sirius_session=secret-session-token", 1), 0);
	ck_assert_int_eq(setenv("QUERY_STRING", "api_key=secret", 1), 0);
	ck_assert_int_eq(setenv("PATH", dir, 1), 0);
	/* The environment the kernel gave the script, before the shell added anything. */
	ck_assert_int_eq(render(write_script("env.sh", "tr '\\000' '\\n' < /proc/$$/environ | sort > \"$DIR/env\"\n"
							"cat >/dev/null\ncat \"$DIR/page.png\""),
				"<p>x</p>", 384, 5000, &out, &err), IMAGE_OK);
	greymap_free(out);
	unsetenv("HTTP_COOKIE");
	unsetenv("QUERY_STRING");
	if (saved_path)
		setenv("PATH", saved_path, 1);
	else
		unsetenv("PATH");
	free(saved_path);
	got = read_file("env", &len);
	got[len] = '\0';
	ck_assert_str_eq((char *)got, expected);
	free(got);
	remove_dir();
}
END_TEST

/*
 * Regression of the same bug: a bare command name is looked up in the fixed
 * PATH of the renderer's environment, not in the caller's PATH (which here
 * points at a directory with a "cat" that fails).
 */
START_TEST(test_renderer_env_bare_name_on_fixed_path)
{
	struct greymap *out;
	struct sirius_error err;
	const char *old_path = getenv("PATH");
	char *saved_path = old_path ? strdup(old_path) : NULL;
	enum image_decode_status status;
	uint8_t *png;
	size_t len;

	make_dir();
	write_page_png(384, 12);
	png = read_file("page.png", &len);
	write_script("cat", "echo 'the PATH of the caller was searched' >&2\nexit 9");
	ck_assert_int_eq(setenv("PATH", dir, 1), 0);
	/* "cat" copies the PNG given as the "HTML" to its output: /usr/bin/cat or /bin/cat ran. */
	memset(&err, 0, sizeof(err));
	status = external_render_html("cat", (const char *)png, len, 384, 5000, 0, &out, &err);
	if (saved_path)
		setenv("PATH", saved_path, 1);
	else
		unsetenv("PATH");
	free(saved_path);
	ck_assert_msg(status == IMAGE_OK, "status %d: %s", status, err.message);
	ck_assert_int_eq(out->width, 384);
	ck_assert_int_eq(out->height, 12);
	greymap_free(out);
	free(png);
	remove_dir();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("external_renderer");
	TCase *tc = tcase_create("external_renderer");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_renderer_output_is_decoded);
	tcase_add_test(tc, test_wider_output_is_scaled_to_width);
	tcase_add_test(tc, test_renderer_ignoring_large_input);
	tcase_add_test(tc, test_timeout_kills_renderer);
	tcase_add_test(tc, test_leftover_background_process_is_ended);
	tcase_add_test(tc, test_non_zero_exit);
	tcase_add_test(tc, test_garbage_and_empty_output);
	tcase_add_test(tc, test_too_much_output);
	tcase_add_test(tc, test_missing_and_bad_commands);
	tcase_add_test(tc, test_caller_sigpipe_disposition_kept);
	tcase_add_test(tc, test_renderer_env_leaked_request_environment);
	tcase_add_test(tc, test_renderer_env_bare_name_on_fixed_path);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
