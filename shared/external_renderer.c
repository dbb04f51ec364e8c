/* external_renderer.c: runs an HTML-to-image program without a shell, bounded in time and output. */
#define _GNU_SOURCE
#include "external_renderer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "image_decode.h"
#include "image_scale.h"

/* How often the exchange loop looks whether the renderer has exited, in milliseconds. */
#define POLL_SLICE_MS 50

/* The most of the renderer's standard error kept for the error message. */
#define STDERR_KEEP 200

/*
 * The whole environment the renderer gets. Under FastCGI the process
 * environment is the request's (cookies, query string, no PATH), so none of
 * it is passed on.
 */
static char *const renderer_env[] = {
	"PATH=" EXTERNAL_RENDER_PATH,
	"HOME=/nonexistent",
	"LANG=C.UTF-8",
	NULL,
};

/* The running renderer and what it has written so far. */
struct renderer_run {
	pid_t pid;                     /* the child, leader of its own process group */
	int in_fd;                     /* our end of its standard input, -1 once closed */
	int out_fd;                    /* our end of its standard output, -1 once closed */
	int err_fd;                    /* our end of its standard error, -1 once closed */
	const char *html;              /* what to write to its standard input */
	size_t html_len;               /* its length */
	size_t html_sent;              /* bytes of it written so far */
	uint8_t *out;                  /* its standard output, malloc'd */
	size_t out_len;                /* bytes in out */
	size_t out_cap;                /* bytes allocated for out */
	char stderr_text[STDERR_KEEP]; /* the start of its standard error, NUL-terminated */
	size_t stderr_len;             /* bytes in stderr_text */
	int64_t deadline_ms;           /* CLOCK_MONOTONIC time at which it is killed */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Makes a pipe whose two ends are close-on-exec and numbered 3 or higher (so
 * the child's dup2 onto 0, 1 and 2 can never clobber one of them).
 * Returns 0, or -1 with errno set.
 */
static int make_pipe(int fds[2])
{
	int i;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		if (fds[i] < 3) {
			int high = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);

			if (high < 0) {
				int saved = errno;

				close(fds[0]);
				close(fds[1]);
				errno = saved;
				return -1;
			}
			close(fds[i]);
			fds[i] = high;
		}
	}
	return 0;
}

/*
 * Finds the program a command names: a name with a slash as it is, a bare
 * name in the directories of EXTERNAL_RENDER_PATH (never the caller's PATH),
 * the first where it is an executable regular file. Returns a malloc'd path,
 * or NULL with errno ENOENT (not found), EACCES (found but not executable) or
 * ENOMEM.
 */
static char *resolve_program(const char *name)
{
	const char *dirs = EXTERNAL_RENDER_PATH;
	int saw_eacces = 0;

	if (strchr(name, '/'))
		return strdup(name);
	if (*name == '\0') {
		errno = ENOENT;
		return NULL;
	}
	while (*dirs) {
		size_t dir_len = strcspn(dirs, ":");
		struct stat st;
		char *path;

		if (asprintf(&path, "%.*s/%s", (int)dir_len, dirs, name) < 0) {
			errno = ENOMEM;
			return NULL;
		}
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(path, X_OK) == 0)
				return path;
			saw_eacces = 1;
		}
		free(path);
		dirs += dir_len;
		if (*dirs == ':')
			dirs++;
	}
	errno = saw_eacces ? EACCES : ENOENT;
	return NULL;
}

/*
 * In the child after fork: wires the pipes to 0, 1 and 2, leaves every other
 * descriptor to be closed by exec, restores default signal handling and runs
 * program with argv and renderer_env. Only async-signal-safe calls. Never
 * returns: on failure it writes errno to status_fd and exits with 127.
 */
static void child_exec(const char *program, char **argv, int in_fd, int out_fd, int err_fd, int status_fd)
	__attribute__((noreturn));
static void child_exec(const char *program, char **argv, int in_fd, int out_fd, int err_fd, int status_fd)
{
	struct sigaction dfl;
	sigset_t none;
	int e, fd;

	setpgid(0, 0);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		goto failed;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &dfl, NULL);
	sigaction(SIGCHLD, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
		for (fd = 3; fd < 65536; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	execve(program, argv, renderer_env);
failed:
	e = errno;
	if (write(status_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* Kills the renderer and everything in its process group (before it is reaped). */
static void kill_renderer(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
}

/* Whether the child has exited, without reaping it (its pid and process group stay reserved). */
static int child_exited(pid_t pid)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
		return errno == ECHILD;
	return info.si_pid == pid;
}

/* Writes what the pipe takes of the rest of the HTML; closes stdin when done or refused. */
static void feed_stdin(struct renderer_run *run)
{
	while (run->html_sent < run->html_len) {
		size_t chunk = run->html_len - run->html_sent;
		ssize_t n;

		if (chunk > 65536)
			chunk = 65536;
		n = write(run->in_fd, run->html + run->html_sent, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break; /* EPIPE: the renderer does not want the rest */
		run->html_sent += (size_t)n;
	}
	close_fd(&run->in_fd);
}

/*
 * Reads what is waiting on standard output. Returns 0, or -1 when the output
 * passed EXTERNAL_RENDER_MAX_OUTPUT or memory ran out (*too_big says which).
 */
static int drain_stdout(struct renderer_run *run, int *too_big)
{
	for (;;) {
		ssize_t n;

		if (run->out_len == run->out_cap) {
			size_t cap = run->out_cap ? run->out_cap * 2 : 65536;
			uint8_t *grown;

			if (run->out_cap > EXTERNAL_RENDER_MAX_OUTPUT) {
				*too_big = 1;
				return -1;
			}
			grown = realloc(run->out, cap);
			if (!grown) {
				*too_big = 0;
				return -1;
			}
			run->out = grown;
			run->out_cap = cap;
		}
		n = read(run->out_fd, run->out + run->out_len, run->out_cap - run->out_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			close_fd(&run->out_fd);
			return 0;
		}
		run->out_len += (size_t)n;
		if (run->out_len > EXTERNAL_RENDER_MAX_OUTPUT) {
			*too_big = 1;
			return -1;
		}
	}
}

/* Reads what is waiting on standard error, keeping only its start. */
static void drain_stderr(struct renderer_run *run)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(run->err_fd, buf, sizeof(buf));
		size_t keep;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_fd(&run->err_fd);
			return;
		}
		keep = sizeof(run->stderr_text) - 1 - run->stderr_len;
		if (keep > (size_t)n)
			keep = (size_t)n;
		memcpy(run->stderr_text + run->stderr_len, buf, keep);
		run->stderr_len += keep;
		run->stderr_text[run->stderr_len] = '\0';
	}
}

/* The first line of the renderer's standard error, control characters made spaces. */
static const char *stderr_first_line(struct renderer_run *run)
{
	char *p;

	run->stderr_text[strcspn(run->stderr_text, "\r\n")] = '\0';
	for (p = run->stderr_text; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return run->stderr_len ? run->stderr_text : "(nothing on standard error)";
}

/*
 * Feeds the HTML and collects the output until the renderer has exited and
 * closed its pipes, or until the deadline. Returns IMAGE_OK with the child
 * reaped and its wait status in *wstatus, or IMAGE_CORRUPT (timeout, too much
 * output) / IMAGE_NO_MEMORY with the child killed and reaped and err set.
 */
static enum image_decode_status exchange(struct renderer_run *run, int timeout_ms, int *wstatus,
					 struct sirius_error *err)
{
	enum image_decode_status status = IMAGE_OK;
	int exited = 0;

	for (;;) {
		struct pollfd fds[3];
		int n = 0, i, too_big = 0;
		int64_t left = run->deadline_ms - now_ms();

		if (!exited && child_exited(run->pid)) {
			/* Whatever it left running would keep the pipes open: end it now. */
			exited = 1;
			kill(-run->pid, SIGKILL);
			close_fd(&run->in_fd);
		}
		if (run->out_fd < 0 && run->err_fd < 0 && exited)
			break;
		if (left <= 0) {
			error_set(err, "HTML renderer timed out after %d ms", timeout_ms);
			status = IMAGE_CORRUPT;
			break;
		}
		if (run->in_fd >= 0)
			fds[n++] = (struct pollfd){ .fd = run->in_fd, .events = POLLOUT };
		if (run->out_fd >= 0)
			fds[n++] = (struct pollfd){ .fd = run->out_fd, .events = POLLIN };
		if (run->err_fd >= 0)
			fds[n++] = (struct pollfd){ .fd = run->err_fd, .events = POLLIN };
		if (poll(fds, (nfds_t)n, (int)(left < POLL_SLICE_MS ? left : POLL_SLICE_MS)) < 0 && errno != EINTR) {
			error_set(err, "poll on the HTML renderer's pipes failed: %s", strerror(errno));
			status = IMAGE_NO_MEMORY;
			break;
		}
		for (i = 0; i < n; i++) {
			if (!fds[i].revents)
				continue;
			if (fds[i].fd == run->in_fd)
				feed_stdin(run);
			else if (fds[i].fd == run->out_fd && drain_stdout(run, &too_big) != 0)
				break;
			else if (fds[i].fd == run->err_fd)
				drain_stderr(run);
		}
		if (i < n) {
			if (too_big)
				error_set(err, "HTML renderer wrote more than %zu bytes", EXTERNAL_RENDER_MAX_OUTPUT);
			else
				error_set(err, "out of memory reading the HTML renderer's output");
			status = too_big ? IMAGE_CORRUPT : IMAGE_NO_MEMORY;
			break;
		}
	}
	if (status != IMAGE_OK)
		kill_renderer(run->pid);
	while (waitpid(run->pid, wstatus, 0) < 0 && errno == EINTR)
		;
	return status;
}

/*
 * Starts argv (argv[0] found by resolve_program, run with renderer_env only)
 * with pipes on its standard streams and exchanges data with it. Returns
 * IMAGE_OK with *wstatus set (the child reaped), IMAGE_UNSUPPORTED when it
 * could not be found or executed, IMAGE_NO_MEMORY, or the failure of exchange;
 * err says why.
 */
static enum image_decode_status spawn_and_run(char **argv, struct renderer_run *run, int timeout_ms,
					      int *wstatus, struct sirius_error *err)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 }, exec_status[2] = { -1, -1 };
	enum image_decode_status status;
	sigset_t pipe_set, old_mask, pending;
	int was_pending, exec_errno = 0;
	char *program;
	ssize_t got;

	program = resolve_program(argv[0]);
	if (!program) {
		error_set(err, "cannot run the HTML renderer \"%s\": %s", argv[0], strerror(errno));
		return errno == ENOMEM ? IMAGE_NO_MEMORY : IMAGE_UNSUPPORTED;
	}
	if (make_pipe(in) != 0 || make_pipe(out) != 0 || make_pipe(errp) != 0 ||
	    make_pipe(exec_status) != 0) {
		error_set(err, "cannot make pipes for the HTML renderer: %s", strerror(errno));
		status = IMAGE_NO_MEMORY;
		goto done;
	}
	run->pid = fork();
	if (run->pid < 0) {
		error_set(err, "cannot start the HTML renderer: fork: %s", strerror(errno));
		status = IMAGE_NO_MEMORY;
		goto done;
	}
	if (run->pid == 0)
		child_exec(program, argv, in[0], out[1], errp[1], exec_status[1]);
	setpgid(run->pid, run->pid); /* also here, so the group exists before any kill */
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&errp[1]);
	close_fd(&exec_status[1]);
	do
		got = read(exec_status[0], &exec_errno, sizeof(exec_errno));
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof(exec_errno)) {
		while (waitpid(run->pid, wstatus, 0) < 0 && errno == EINTR)
			;
		error_set(err, "cannot run the HTML renderer \"%s\": %s", argv[0], strerror(exec_errno));
		status = IMAGE_UNSUPPORTED;
		goto done;
	}
	run->in_fd = in[1];
	run->out_fd = out[0];
	run->err_fd = errp[0];
	in[1] = out[0] = errp[0] = -1;
	fcntl(run->in_fd, F_SETFL, fcntl(run->in_fd, F_GETFL) | O_NONBLOCK);
	fcntl(run->out_fd, F_SETFL, fcntl(run->out_fd, F_GETFL) | O_NONBLOCK);
	fcntl(run->err_fd, F_SETFL, fcntl(run->err_fd, F_GETFL) | O_NONBLOCK);
	if (run->html_len == 0)
		close_fd(&run->in_fd);

	/* A write to a renderer that has closed its stdin must give EPIPE, not kill us. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	status = exchange(run, timeout_ms, wstatus, err);
	sigpending(&pending);
	if (!was_pending && sigismember(&pending, SIGPIPE)) {
		struct timespec zero = { 0, 0 };

		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
done:
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&exec_status[0]);
	close_fd(&exec_status[1]);
	close_fd(&run->in_fd);
	close_fd(&run->out_fd);
	close_fd(&run->err_fd);
	free(program);
	return status;
}

enum image_decode_status external_render_html(const char *command, const char *html, size_t len,
					      int width, int timeout_ms, size_t max_pixels,
					      struct greymap **out, struct sirius_error *err)
{
	struct renderer_run run;
	enum image_decode_status status;
	GError *gerror = NULL;
	char **argv = NULL;
	int argc = 0, wstatus = 0;

	*out = NULL;
	if (!command || !g_shell_parse_argv(command, &argc, &argv, &gerror)) {
		error_set(err, "HTML renderer command cannot be split into words: %s",
			  gerror ? gerror->message : "no command");
		if (gerror)
			g_error_free(gerror);
		return IMAGE_UNSUPPORTED;
	}
	if (timeout_ms <= 0)
		timeout_ms = EXTERNAL_RENDER_DEFAULT_TIMEOUT_MS;
	memset(&run, 0, sizeof(run));
	run.in_fd = run.out_fd = run.err_fd = -1;
	run.html = html;
	run.html_len = html ? len : 0;
	run.deadline_ms = now_ms() + timeout_ms;

	status = spawn_and_run(argv, &run, timeout_ms, &wstatus, err);
	if (status != IMAGE_OK)
		goto done;
	if (WIFSIGNALED(wstatus)) {
		error_set(err, "HTML renderer was killed by signal %d: %s", WTERMSIG(wstatus),
			  stderr_first_line(&run));
		status = IMAGE_CORRUPT;
		goto done;
	}
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
		error_set(err, "HTML renderer exited with status %d: %s", WEXITSTATUS(wstatus),
			  stderr_first_line(&run));
		status = IMAGE_CORRUPT;
		goto done;
	}
	if (run.out_len == 0) {
		error_set(err, "HTML renderer wrote nothing: %s", stderr_first_line(&run));
		status = IMAGE_CORRUPT;
		goto done;
	}
	if (image_sniff(run.out, run.out_len) == IMAGE_FORMAT_UNKNOWN) {
		error_set(err, "HTML renderer wrote %zu bytes that are not an image", run.out_len);
		status = IMAGE_CORRUPT;
		goto done;
	}
	status = image_decode(run.out, run.out_len, max_pixels, out, err);
	if (status == IMAGE_UNSUPPORTED)
		status = IMAGE_CORRUPT;
	if (status == IMAGE_OK && width > 0 && (*out)->width != width) {
		struct greymap *scaled = greymap_fit_width(*out, width, PRINTER_MAX_ROWS);

		greymap_free(*out);
		*out = scaled;
		if (!scaled) {
			error_set(err, "out of memory scaling the rendered page to %d pixels", width);
			status = IMAGE_NO_MEMORY;
		}
	}
done:
	free(run.out);
	g_strfreev(argv);
	return status;
}
