/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The C tests' reporting: a case is a function; every expectation that fails
 * is printed with the case's name; the case ends in one PASS/FAIL/SKIP line
 * that selftests/run.sh counts.
 */
#ifndef IOTPROF_CHECK_H
#define IOTPROF_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

struct check_state {
	const char *suite;
	const char *name;
	int failed_checks;
	int cases_failed;
	const char *skip_reason;
};

extern struct check_state check_state;

static inline bool expect_(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	check_state.failed_checks++;
	printf("  %s:%d: %s/%s: ", file, line, check_state.suite, check_state.name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return false;
}

#define EXPECT(cond, ...) expect_((cond), __FILE__, __LINE__, __VA_ARGS__)
#define EXPECT_EQ(actual, expected, what) \
	expect_((long long)(actual) == (long long)(expected), __FILE__, __LINE__, \
		"%s: got %lld, expected %lld", (what), (long long)(actual), (long long)(expected))

static inline void check_skip(const char *reason)
{
	check_state.skip_reason = reason;
}

static inline void run_case(const char *name, void (*fn)(void))
{
	check_state.name = name;
	check_state.failed_checks = 0;
	check_state.skip_reason = NULL;
	fn();
	if (check_state.skip_reason)
		printf("SKIP: %s %s: %s\n", check_state.suite, name, check_state.skip_reason);
	else if (check_state.failed_checks) {
		printf("FAIL: %s %s: %d checks failed\n", check_state.suite, name,
		       check_state.failed_checks);
		check_state.cases_failed++;
	} else
		printf("PASS: %s %s\n", check_state.suite, name);
	fflush(stdout);
}

#define RUN(fn) run_case(#fn, fn)

#endif
