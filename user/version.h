/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What --version says, for both programs. */
#ifndef IOTPROF_VERSION_H
#define IOTPROF_VERSION_H

#include <stdio.h>

/* "0.1.0 (git abc1234)": the release and the commit it was built from. */
const char *iotprof_version(void);

/* "PROG VERSION" and the libraries it was built with, one line each. */
void version_print(FILE *out, const char *prog);

#endif
