// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "build_info.h"
#include "paths.h"

static const char *readable(char *buf, size_t len, const char *fmt, const char *a, const char *b)
{
	int n = snprintf(buf, len, fmt, a, b);

	return n > 0 && (size_t)n < len && !access(buf, R_OK) ? buf : NULL;
}

const char *shipped_file(const char *rel, char *buf, size_t len)
{
	const char *name = strncmp(rel, "configs/", 8) ? rel : rel + 8;
	char exe[PATH_MAX], *dir;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = 0;
		dir = dirname(exe);
		if (readable(buf, len, "%s/../share/iotprof/%s", dir, name) ||
		    readable(buf, len, "%s/../%s", dir, rel))
			return buf;
	}
	return readable(buf, len, "%s/%s", IOTPROF_DATADIR, name);
}
