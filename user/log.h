/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Messages to the user: one line each, on stderr, prefixed by the program. */
#ifndef IOTPROF_LOG_H
#define IOTPROF_LOG_H

#include <stdbool.h>

extern const char *log_prog;	/* "iotprof" or "iotprof-load" */
extern int log_verbose;		/* -v: libbpf/libxdp debug output too */
extern bool log_quiet;

void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Route libbpf's and libxdp's messages through ours (debug unless -v). */
void log_hook_libraries(void);

/* Last libbpf/libxdp warning text, kept so a load failure can show the
 * verifier log in one place instead of interleaved noise. */
const char *log_last_library_message(void);

#endif
