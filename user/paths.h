/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Files shipped with iotprof (configs/...), found from the executable. */
#ifndef IOTPROF_PATHS_H
#define IOTPROF_PATHS_H

#include <stddef.h>

/* The shipped file `rel`, named by its place in the source tree (e.g.
 * "configs/well-known-ports").  Looked for, in this order:
 *   BINDIR/../share/iotprof/NAME   installed (make install), wherever the
 *                                  tree was put, DESTDIR staging included
 *   BINDIR/../REL                  the build tree (build/iotprof)
 *   DATADIR/NAME                   the configured place (PREFIX/share/iotprof)
 * where NAME is rel without its leading "configs/".  Returns buf, or NULL
 * when none exists. */
const char *shipped_file(const char *rel, char *buf, size_t len);

#endif
