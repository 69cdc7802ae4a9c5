/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Helpers of the events tests: files with given content, and what a call
 * said on stderr (error messages must name file:line). */
#ifndef IOTPROF_EVENTS_TEST_H
#define IOTPROF_EVENTS_TEST_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char ev_test_dir[64];

/* check.h's EXPECT_EQ evaluates its first argument twice: calls go
 * through this, once. */
#define EXPECT_RET(call, expected, what) ({			\
	long long r_ = (call);						\
	EXPECT_EQ(r_, (expected), (what));				\
})

/* A private directory, removed at exit. */
static void ev_test_cleanup(void)
{
	char cmd[128];

	if (ev_test_dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ev_test_dir);
		if (system(cmd)) {
			/* nothing more to do */
		}
	}
}

static const char *ev_test_path(const char *name)
{
	static char buf[8][256];
	static int next;
	char *p = buf[next++ % 8];

	if (!ev_test_dir[0]) {
		snprintf(ev_test_dir, sizeof(ev_test_dir), "/tmp/iotprof-evtest-XXXXXX");
		if (!mkdtemp(ev_test_dir))
			abort();
		atexit(ev_test_cleanup);
	}
	snprintf(p, 256, "%s/%s", ev_test_dir, name);
	return p;
}

/* Writes text to a file of the test directory; returns its path. */
static __attribute__((unused)) const char *ev_test_file(const char *name, const char *text)
{
	const char *path = ev_test_path(name);
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	return path;
}

/* stderr goes to a file between begin and end; end returns what was said. */
static int ev_saved_stderr = -1;

static __attribute__((unused)) void stderr_begin(void)
{
	int fd = open(ev_test_path("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	fflush(stderr);
	ev_saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static __attribute__((unused)) const char *stderr_end(void)
{
	static char buf[4096];
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(ev_saved_stderr, 2);
	close(ev_saved_stderr);
	f = fopen(ev_test_path("stderr"), "r");
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

#endif
