/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Files shipped with iotprof (configs/...), found from the executable. */
#ifndef IOTPROF_PATHS_H
#define IOTPROF_PATHS_H

#include <stddef.h>

/* The shipped file `rel` (e.g. "configs/well-known-ports"): next to the
 * build directory the binary runs from, or under /usr/share/iotprof.
 * Returns buf, or NULL when neither exists. */
const char *shipped_file(const char *rel, char *buf, size_t len);

#endif
