// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Triggers: children with a deadline.  A child gets its own process group
 * so a timeout kills everything it started (sh -c "a | b", adb's helpers),
 * not just the shell.  The parent never blocks on the child: it polls the
 * child's output pipe and waitpid(WNOHANG) until the deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "interact.h"
#include "log.h"

/* The last bytes of a child's output: enough for its last line. */
struct output_tail {
	char buf[512];
	size_t n;
	char line[256];		/* the line being received, for pr_debug */
	size_t line_n;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void tail_add(struct output_tail *t, const char *p, size_t n, const char *prog)
{
	for (size_t i = 0; i < n; i++) {
		if (t->n == sizeof(t->buf)) {
			memmove(t->buf, t->buf + sizeof(t->buf) / 2, sizeof(t->buf) / 2);
			t->n = sizeof(t->buf) / 2;
		}
		t->buf[t->n++] = p[i];
		if (p[i] == '\n' || t->line_n == sizeof(t->line) - 1) {
			t->line[t->line_n] = 0;
			pr_debug("%s| %s", prog, t->line);
			t->line_n = 0;
		} else {
			t->line[t->line_n++] = p[i];
		}
	}
}

/* The last non-empty line of the output, printable characters only. */
static void tail_last_line(const struct output_tail *t, char *out, size_t len)
{
	size_t end = t->n, start, o = 0;

	while (end && (t->buf[end - 1] == '\n' || t->buf[end - 1] == '\r' ||
		       t->buf[end - 1] == ' ' || t->buf[end - 1] == '\t'))
		end--;
	start = end;
	while (start && t->buf[start - 1] != '\n')
		start--;
	for (size_t i = start; i < end && o + 1 < len; i++) {
		unsigned char c = t->buf[i];

		out[o++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	if (len)
		out[o] = 0;
}

static int find_in_path(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH"), *p, *colon;
	struct stat st;

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = colon + 1) {
		int dlen;

		colon = strchrnul(p, ':');
		dlen = colon - p;
		if ((size_t)snprintf(buf, len, "%.*s/%s", dlen ? dlen : 1, dlen ? p : ".", name) < len &&
		    !stat(buf, &st) && S_ISREG(st.st_mode) && !access(buf, X_OK))
			return 0;
		if (!*colon)
			break;
	}
	return -ENOENT;
}

int adb_find(char *path, size_t path_len, char *why, size_t why_len)
{
	if (find_in_path("adb", path, path_len)) {
		snprintf(why, why_len, ADB_MISSING_MSG);
		return -ENOENT;
	}
	return 0;
}

int interact_sleep(double seconds)
{
	struct timespec ts;

	if (!(seconds > 0))
		return 0;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	if (nanosleep(&ts, NULL))
		return -errno;
	return 0;
}

/* Only async-signal-safe calls between fork and exec. */
static void child_exec(const char *exe, char *const argv[], int in_fd, int out_fd, int err_fd)
{
	static const char msg[] = "cannot execute the program\n";
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	static const int sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGCHLD, SIGHUP };
	sigset_t none;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &dfl, NULL);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		_exit(127);
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);	/* the caller's map fds stay ours */
	execv(exe, argv);
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(127);
	_exit(127);
}

/* Waits for the child without reaping it (its pid and group stay ours). */
static bool exited_within(pid_t pid, double seconds)
{
	double end = now_s() + seconds;
	siginfo_t si;

	do {
		si.si_pid = 0;
		if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) || si.si_pid == pid)
			return true;
		interact_sleep(0.01);
	} while (now_s() < end);
	return false;
}

/* SIGTERM to the group, a short grace, then SIGKILL to whatever is left. */
static void kill_group(pid_t pid, int *status)
{
	double end;

	kill(-pid, SIGTERM);
	exited_within(pid, 0.2);
	kill(-pid, SIGKILL);
	for (end = now_s() + 2; now_s() < end; interact_sleep(0.01))
		if (waitpid(pid, status, WNOHANG) != 0)
			return;
	pr_warn("process %d did not die after SIGKILL; leaving it", (int)pid);
}

static void drain(int *fd, struct output_tail *t, const char *prog)
{
	char buf[4096];
	ssize_t n;

	while (*fd >= 0) {
		n = read(*fd, buf, sizeof(buf));
		if (n > 0) {
			tail_add(t, buf, n, prog);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			close(*fd);
			*fd = -1;
		}
		return;		/* EAGAIN: a grandchild still holds the pipe */
	}
}

int run_argv(char *const argv[], int out_fd, double timeout_s, int *exit_status,
	     char *why, size_t why_len)
{
	int pipefd[2] = { -1, -1 }, devnull = -1, status = 0, err = 0;
	struct output_tail *tail = NULL;
	const char *prog;
	char exe[PATH_MAX], last[256];
	double deadline, idle = 0.001;
	pid_t pid;

	if (why_len)
		why[0] = 0;
	if (exit_status)
		*exit_status = -1;
	if (!argv || !argv[0] || !argv[0][0]) {
		snprintf(why, why_len, "nothing to run");
		return -EINVAL;
	}
	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (!(timeout_s > 0)) {
		snprintf(why, why_len, "%s: no time left before the deadline", prog);
		return -ETIMEDOUT;
	}
	if (strchr(argv[0], '/'))
		snprintf(exe, sizeof(exe), "%s", argv[0]);
	else if (find_in_path(argv[0], exe, sizeof(exe))) {
		snprintf(why, why_len, "%s: not found in PATH", argv[0]);
		return -ENOENT;
	}
	tail = calloc(1, sizeof(*tail));
	if (!tail) {
		err = -ENOMEM;
		snprintf(why, why_len, "out of memory");
		goto cleanup;
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(pipefd, O_CLOEXEC)) {
		err = -errno;
		snprintf(why, why_len, "%s: cannot set up the child's files: %s", prog, strerror(errno));
		goto cleanup;
	}
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	deadline = now_s() + timeout_s;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		snprintf(why, why_len, "%s: fork: %s", prog, strerror(errno));
		goto cleanup;
	}
	if (pid == 0)
		child_exec(exe, argv, devnull, out_fd >= 0 ? out_fd : pipefd[1], pipefd[1]);
	setpgid(pid, pid);	/* both sides: no window where a kill misses it */
	close(pipefd[1]);
	pipefd[1] = -1;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		double left = deadline - now_s();
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		int ms;

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			err = -errno;
			snprintf(why, why_len, "%s: waitpid: %s", prog, strerror(errno));
			kill(-pid, SIGKILL);
			goto cleanup;
		}
		if (left <= 0) {
			kill_group(pid, &status);
			err = -ETIMEDOUT;
			snprintf(why, why_len, "%s: timed out after %g s (killed)", prog, timeout_s);
			goto cleanup;
		}
		if (pipefd[0] >= 0) {
			ms = left > 0.05 ? 50 : (int)(left * 1000) + 1;
			if (poll(&pfd, 1, ms) < 0 && errno == EINTR) {
				kill_group(pid, &status);
				err = -EINTR;
				snprintf(why, why_len, "%s: interrupted (killed)", prog);
				goto cleanup;
			}
			drain(&pipefd[0], tail, prog);
		} else {
			/* output closed, child still running: back off up to 20 ms */
			if (interact_sleep(idle < left ? idle : left) == -EINTR) {
				kill_group(pid, &status);
				err = -EINTR;
				snprintf(why, why_len, "%s: interrupted (killed)", prog);
				goto cleanup;
			}
			idle = idle * 2 < 0.02 ? idle * 2 : 0.02;
		}
	}
	drain(&pipefd[0], tail, prog);
	tail_last_line(tail, last, sizeof(last));
	if (WIFSIGNALED(status)) {
		snprintf(why, why_len, "killed by signal %d (%s)%s%s", WTERMSIG(status),
			 strsignal(WTERMSIG(status)), last[0] ? ": " : "", last);
		status = 128 + WTERMSIG(status);
	} else {
		status = WEXITSTATUS(status);
		if (status)
			snprintf(why, why_len, "exit status %d%s%s", status, last[0] ? ": " : "", last);
	}
	if (exit_status)
		*exit_status = status;
cleanup:
	if (tail && tail->line_n)
		tail_add(tail, "\n", 1, prog);
	free(tail);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (devnull >= 0)
		close(devnull);
	return err;
}

int run_command(const char *cmd, double timeout_s, int *exit_status, char *why, size_t why_len)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	int err, status = -1;

	if (!cmd || !cmd[0]) {
		snprintf(why, why_len, "empty command");
		return -EINVAL;
	}
	err = run_argv(argv, -1, timeout_s, &status, why, why_len);
	if (exit_status)
		*exit_status = status;
	if (!err && status == 127) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s", why);
		snprintf(why, why_len, "command not found (%s)", msg);
		return -ENOENT;
	}
	if (err == -ETIMEDOUT)
		snprintf(why, why_len, "timed out after %g s: %s (killed with its process group)",
			 timeout_s, cmd);
	return err;
}

static bool put(char *out, size_t len, size_t *o, const char *s)
{
	size_t n = strlen(s);

	if (*o + n >= len)
		return false;
	memcpy(out + *o, s, n + 1);
	*o += n;
	return true;
}

int adb_escape_text(const char *text, char *out, size_t out_len)
{
	size_t o = 0;
	bool fits = put(out, out_len, &o, "'");

	for (const char *p = text; *p && fits; p++) {
		char one[2] = { *p, 0 };

		if (*p == ' ')
			fits = put(out, out_len, &o, "%s");	/* `input text` reads %s as a space */
		else if (*p == '\'')
			fits = put(out, out_len, &o, "'\\''");	/* close, escaped quote, reopen */
		else
			fits = put(out, out_len, &o, one);
	}
	if (!fits || !put(out, out_len, &o, "'"))
		return -ENOSPC;
	return 0;
}

static int run_adb_step(const char *adb, const struct interaction *in, const struct adb_step *s,
			int idx, double left, char *why, size_t why_len)
{
	char a[4][24], text[sizeof(s->text) * 4 + 8], msg[512], *argv[12];
	int n = 0, action, status, err;

	argv[n++] = (char *)adb;
	if (in->serial[0]) {
		argv[n++] = "-s";
		argv[n++] = (char *)in->serial;
	}
	argv[n++] = "shell";
	argv[n++] = "input";
	action = n;
	switch (s->kind) {
	case ADB_TAP:
		argv[n++] = "tap";
		snprintf(a[0], sizeof(a[0]), "%d", s->x1);
		snprintf(a[1], sizeof(a[1]), "%d", s->y1);
		argv[n++] = a[0];
		argv[n++] = a[1];
		break;
	case ADB_SWIPE:
		argv[n++] = "swipe";
		snprintf(a[0], sizeof(a[0]), "%d", s->x1);
		snprintf(a[1], sizeof(a[1]), "%d", s->y1);
		snprintf(a[2], sizeof(a[2]), "%d", s->x2);
		snprintf(a[3], sizeof(a[3]), "%d", s->y2);
		for (int i = 0; i < 4; i++)
			argv[n++] = a[i];
		snprintf(text, sizeof(text), "%d", s->duration_ms);
		argv[n++] = text;
		break;
	case ADB_TEXT:
		argv[n++] = "text";
		if (adb_escape_text(s->text, text, sizeof(text))) {
			snprintf(why, why_len, "step %d: text too long", idx + 1);
			return -EINVAL;
		}
		argv[n++] = text;
		break;
	case ADB_KEY:
		argv[n++] = "keyevent";
		argv[n++] = (char *)s->text;
		break;
	default:
		snprintf(why, why_len, "step %d: unknown step kind %d", idx + 1, s->kind);
		return -EINVAL;
	}
	argv[n] = NULL;
	err = run_argv(argv, -1, left, &status, msg, sizeof(msg));
	if (!err && status)
		err = -EIO;
	if (err)
		snprintf(why, why_len, "step %d (adb shell input %s): %s", idx + 1, argv[action], msg);
	return err;
}

static int run_adb(const struct interaction *in, double deadline, char *why, size_t why_len)
{
	char adb[PATH_MAX];
	int err;

	err = adb_find(adb, sizeof(adb), why, why_len);
	if (err)
		return err;
	for (int i = 0; i < in->n_steps; i++) {
		const struct adb_step *s = &in->steps[i];
		double left = deadline - now_s();

		if (s->kind == ADB_WAIT) {
			if (s->duration_ms / 1000.0 > left) {
				snprintf(why, why_len, "step %d: waiting %d ms would pass the %g s timeout",
					 i + 1, s->duration_ms, in->timeout_s);
				return -ETIMEDOUT;
			}
			if (interact_sleep(s->duration_ms / 1000.0) == -EINTR) {
				snprintf(why, why_len, "step %d: interrupted", i + 1);
				return -EINTR;
			}
			continue;
		}
		err = run_adb_step(adb, in, s, i, left, why, why_len);
		if (err)
			return err;
	}
	return 0;
}

static int run_power_cycle(const struct interaction *in, double deadline, char *why, size_t why_len)
{
	const char *which[2] = { "off", "on" };
	const char *cmds[2] = { in->off, in->on };
	char msg[512];
	int err, status;

	for (int i = 0; i < 2; i++) {
		if (i == 1) {
			if (in->off_s > deadline - now_s()) {
				snprintf(why, why_len, "the %g s delay would pass the %g s timeout",
					 in->off_s, in->timeout_s);
				return -ETIMEDOUT;
			}
			if (interact_sleep(in->off_s) == -EINTR) {
				snprintf(why, why_len, "interrupted between off and on");
				return -EINTR;
			}
		}
		err = run_command(cmds[i], deadline - now_s(), &status, msg, sizeof(msg));
		if (!err && status)
			err = -EIO;
		if (err) {
			snprintf(why, why_len, "%s command: %s", which[i], msg);
			return err;
		}
	}
	return 0;
}

int interaction_run(const struct interaction *in, char *why, size_t why_len)
{
	double deadline = now_s() + in->timeout_s;
	char msg[512];
	int err, status;

	if (why_len)
		why[0] = 0;
	switch (in->kind) {
	case INTERACTION_COMMAND:
		err = run_command(in->command, in->timeout_s, &status, msg, sizeof(msg));
		if (err) {
			snprintf(why, why_len, "interaction command: %s", msg);
			return err;
		}
		if (status)	/* the verification decides; still worth a line */
			pr_info("interaction command: %s", msg);
		return 0;
	case INTERACTION_ADB:
		return run_adb(in, deadline, why, why_len);
	case INTERACTION_POWER_CYCLE:
		return run_power_cycle(in, deadline, why, why_len);
	case INTERACTION_REPLAY:
		snprintf(why, why_len, "a replay interaction is performed by the campaign engine, not run");
		return -EINVAL;
	}
	snprintf(why, why_len, "no interaction kind");
	return -EINVAL;
}
