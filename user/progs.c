// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "iotprof_abi.h"
#include "log.h"
#include "pins.h"
#include "progs.h"

struct helper_need {
	enum bpf_prog_type type;
	enum bpf_func_id id;
	const char *name;
};

static const struct helper_need helpers_needed[] = {
	{ BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_load_bytes, "bpf_xdp_load_bytes (Linux 5.18)" },
	{ BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_get_buff_len, "bpf_xdp_get_buff_len (Linux 5.18)" },
	{ BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_skb_load_bytes, "bpf_skb_load_bytes" },
	{ BPF_PROG_TYPE_XDP, BPF_FUNC_loop, "bpf_loop (Linux 5.17)" },
};

int progs_check_kernel(void)
{
	int missing = 0;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		pr_warn("kernel lacks BTF (/sys/kernel/btf/vmlinux): build it with CONFIG_DEBUG_INFO_BTF=y");
		missing++;
	}
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, NULL) != 1) {
		pr_warn("kernel lacks XDP programs (CONFIG_BPF_SYSCALL, CONFIG_XDP_SOCKETS) or we lack CAP_BPF");
		return 1;
	}
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_LRU_HASH, NULL) != 1) {
		pr_warn("kernel lacks BPF_MAP_TYPE_LRU_HASH");
		missing++;
	}
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1) {
		pr_warn("kernel lacks BPF_MAP_TYPE_RINGBUF (Linux 5.8), the per-packet records of job 2");
		missing++;
	}
	for (size_t i = 0; i < sizeof(helpers_needed) / sizeof(helpers_needed[0]); i++) {
		const struct helper_need *h = &helpers_needed[i];

		if (libbpf_probe_bpf_helper(h->type, h->id, NULL) != 1) {
			pr_warn("kernel lacks the BPF helper %s", h->name);
			missing++;
		}
	}
	return missing;
}

static int pinned_flows_size(const char *pin_dir, __u32 *size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	fd = pins_open_map(pin_dir, IOTPROF_MAP_FLOWS, false);
	if (fd < 0)
		return fd;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err)
		return -errno;
	*size = info.max_entries;
	return 0;
}

struct iotprof_bpf *progs_open(const char *pin_dir, __u32 flows)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct iotprof_bpf *skel;
	struct bpf_map *map;
	__u32 pinned = 0;

	if (pin_dir && pinned_flows_size(pin_dir, &pinned) == 0) {
		if (flows && flows != pinned) {
			pr_warn("the pinned flow table has %u entries, not %u: run 'iotprof-load --detach' to resize it",
				pinned, flows);
			return NULL;
		}
		flows = pinned;
	}
	if (!flows)
		flows = IOTPROF_FLOWS_DEFAULT;

	skel = iotprof_bpf__open_opts(&opts);
	if (!skel) {
		pr_warn("cannot open the BPF object: %s", strerror(errno));
		return NULL;
	}
	bpf_map__set_max_entries(skel->maps.flows, flows);
	if (!pin_dir)
		bpf_object__for_each_map(map, skel->obj)
			bpf_map__set_pin_path(map, NULL);
	return skel;
}

int progs_load(struct iotprof_bpf *skel)
{
	int err = iotprof_bpf__load(skel);

	if (err) {
		pr_warn("loading the BPF programs failed: %s", strerror(-err));
		if (*log_last_library_message())
			fprintf(stderr, "%s", log_last_library_message());
		if (progs_check_kernel() == 0 && err == -EPERM)
			pr_warn("not permitted: run as root (CAP_BPF and CAP_NET_ADMIN)");
	}
	return err;
}
