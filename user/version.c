// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <bpf/libbpf_version.h>
#include <fixbuf/version.h>
#include <json-c/json_c_version.h>
#include <pcap/pcap.h>
#include "build_info.h"
#include "version.h"

const char *iotprof_version(void)
{
	return IOTPROF_VERSION;
}

void version_print(FILE *out, const char *prog)
{
	fprintf(out, "%s %s\n", prog, IOTPROF_VERSION);
	/* What a bug report needs: the libraries loaded where they can say
	 * (libpcap, json-c), else as compiled against. */
	fprintf(out, "libbpf %d.%d, %s, json-c %s, libfixbuf %d.%d.%d\n", LIBBPF_MAJOR_VERSION,
		LIBBPF_MINOR_VERSION, pcap_lib_version(), json_c_version(), FIXBUF_VERSION_MAJOR,
		FIXBUF_VERSION_MINOR, FIXBUF_VERSION_RELEASE);
}
