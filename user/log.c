// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "log.h"

const char *log_prog = "iotprof";
int log_verbose;
bool log_quiet;

static char library_message[8192];

static void vlog(const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", log_prog, level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void pr_info(const char *fmt, ...)
{
	va_list ap;

	if (log_quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void pr_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
	va_end(ap);
}

/* Keeps the end of what the libraries said: a verifier log states its
 * verdict in its last lines. */
static void keep_library_message(const char *fmt, va_list ap)
{
	size_t used = strlen(library_message), n;
	char *text, *line;

	if (vasprintf(&text, fmt, ap) < 0)
		return;
	n = strlen(text);
	line = text;
	if (n >= sizeof(library_message)) {	/* one long log: its tail */
		line += n - (sizeof(library_message) - 1);
		n = sizeof(library_message) - 1;
	}
	if (used + n >= sizeof(library_message)) {
		size_t drop = used + n - sizeof(library_message) + 1;

		if (drop > used)
			drop = used;
		memmove(library_message, library_message + drop, used - drop + 1);
		used -= drop;
	}
	memcpy(library_message + used, line, n + 1);
	free(text);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	va_list copy;

	if (level == LIBBPF_WARN) {
		va_copy(copy, ap);
		keep_library_message(fmt, copy);
		va_end(copy);
	}
	if (log_verbose > (level == LIBBPF_DEBUG))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return libbpf_print(level == LIBXDP_WARN ? LIBBPF_WARN :
			    level == LIBXDP_INFO ? LIBBPF_INFO : LIBBPF_DEBUG, fmt, ap);
}

void log_hook_libraries(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}

const char *log_last_library_message(void)
{
	return library_message;
}
