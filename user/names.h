/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The names map from user space: listing it, and preloading it from the
 * gateway's own knowledge (a hosts file, a resolver's cache dump). */
#ifndef IOTPROF_NAMES_H
#define IOTPROF_NAMES_H

#include <stdio.h>
#include "iotprof_abi.h"

/* The id the kernel gives a name: FNV-1a of its lower-case text, never 0.
 * A trailing dot (fully qualified form) is not part of the name. */
__u32 name_id_of(const char *name);

/* Links addr (family 4 or 6) to name in the maps.  Returns 0 or -errno. */
int names_link(int names_fd, int strings_fd, __u8 family, const __u8 addr[16],
	       const char *name, __u8 source);

struct names_import_result {
	unsigned int linked;	/* address -> name links written */
	unsigned int skipped;	/* lines with nothing to link (comments, headers, other types) */
	unsigned int malformed;	/* lines reported as errors */
};

/* Reads a hosts file, an unbound `dump_cache` or a dnsmasq cache dump (the
 * lines dnsmasq logs on SIGUSR1, with or without the syslog prefix); the
 * format is recognised line by line.  CNAMEs are followed back, so an
 * address is linked to the name that was asked for.  A malformed line is
 * reported with its line number and the rest is loaded. */
int names_import(const char *path, int names_fd, int strings_fd, struct names_import_result *res);

/* The name linked to an address: fills *v (id, source) and out.
 * Returns 0, or -ENOENT when the address has no name. */
int names_lookup(int names_fd, int strings_fd, __u8 family, const __u8 addr[16],
		 struct iotprof_name *v, struct iotprof_name_string *out);

/* Prints the map: one line per address, or one JSON object per line. */
int names_print(FILE *out, int names_fd, int strings_fd, bool json);

#endif
