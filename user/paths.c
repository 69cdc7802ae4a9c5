// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include "paths.h"

const char *shipped_file(const char *rel, char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = 0;
		snprintf(buf, len, "%s/../%s", dirname(exe), rel);
		if (!access(buf, R_OK))
			return buf;
	}
	snprintf(buf, len, "/usr/share/iotprof/%s", rel);
	return access(buf, R_OK) ? NULL : buf;
}
