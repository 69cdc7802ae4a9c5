// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "attach.h"
#include "log.h"
#include "progs.h"
#include "tc_filters.h"

__u64 current_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

const char *xdp_mode_describe(__u8 mode)
{
	switch (mode) {
	case IOTPROF_XDP_NATIVE_MULTI:
		return "native, libxdp dispatcher";
	case IOTPROF_XDP_NATIVE_SINGLE:
		return "native, single program (the kernel refused libxdp's dispatcher)";
	case IOTPROF_XDP_GENERIC_MULTI:
		return "generic (skb), libxdp dispatcher";
	case IOTPROF_XDP_GENERIC_SINGLE:
		return "generic (skb), single program (the kernel refused libxdp's dispatcher)";
	default:
		return "none";
	}
}

static bool is_ours(const struct xdp_program *prog)
{
	return prog && strcmp(xdp_program__name(prog), IOTPROF_PROG_XDP) == 0;
}

/* Calls fn on each of our programs on ifindex; returns how many, or -errno. */
static int xdp_for_each_ours(int ifindex, bool detach)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *prog, *ours[8];
	enum xdp_attach_mode mode;
	int n = 0, err = 0;

	if (!mp || libxdp_get_error(mp))
		return 0;
	mode = xdp_multiprog__attach_mode(mp);
	if (xdp_multiprog__is_legacy(mp)) {
		if (is_ours(xdp_multiprog__main_prog(mp))) {
			n = 1;
			if (detach)
				err = xdp_multiprog__detach(mp);
		}
		goto out;
	}
	for (prog = xdp_multiprog__next_prog(NULL, mp); prog && n < 8;
	     prog = xdp_multiprog__next_prog(prog, mp))
		if (is_ours(prog))
			ours[n++] = prog;
	if (detach && n)
		err = xdp_program__detach_multi(ours, n, ifindex, mode, 0);
out:
	xdp_multiprog__close(mp);
	return err ? err : n;
}

bool xdp_ours_attached(int ifindex)
{
	return xdp_for_each_ours(ifindex, false) > 0;
}

static __u8 xdp_mode_obtained(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	bool generic, legacy;

	if (!mp || libxdp_get_error(mp))
		return IOTPROF_XDP_NONE;
	generic = xdp_multiprog__attach_mode(mp) == XDP_MODE_SKB;
	legacy = xdp_multiprog__is_legacy(mp);
	xdp_multiprog__close(mp);
	if (generic)
		return legacy ? IOTPROF_XDP_GENERIC_SINGLE : IOTPROF_XDP_GENERIC_MULTI;
	return legacy ? IOTPROF_XDP_NATIVE_SINGLE : IOTPROF_XDP_NATIVE_MULTI;
}

static int xdp_attach(struct iotprof_bpf *skel, const char *ifname, int ifindex,
		      enum attach_mode_request req)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xopts, .obj = skel->obj,
			    .prog_name = IOTPROF_PROG_XDP);
	struct xdp_program *xp = xdp_program__create(&xopts);
	int err;

	err = libxdp_get_error(xp);
	if (err) {
		pr_warn("%s: cannot prepare the XDP program: %s", ifname, strerror(-err));
		return err;
	}
	err = -EOPNOTSUPP;
	if (req != ATTACH_GENERIC_ONLY)
		err = xdp_program__attach(xp, ifindex, XDP_MODE_NATIVE, 0);
	if (err && req == ATTACH_NATIVE_OR_GENERIC) {
		pr_warn("%s: native XDP refused (%s); falling back to generic (skb) mode, which is slower",
			ifname, strerror(-err));
		err = xdp_program__attach(xp, ifindex, XDP_MODE_SKB, 0);
	} else if (req == ATTACH_GENERIC_ONLY) {
		err = xdp_program__attach(xp, ifindex, XDP_MODE_SKB, 0);
	}
	if (err) {
		pr_warn("%s: attaching XDP failed: %s", ifname, strerror(-err));
		if (*log_last_library_message())
			fprintf(stderr, "%s", log_last_library_message());
	}
	xdp_program__close(xp);
	return err;
}

static int tc_attach(struct iotprof_bpf *skel, const char *ifname, int ifindex, bool *created)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = IOTPROF_TC_HANDLE,
			    .priority = IOTPROF_TC_PRIORITY, .flags = BPF_TC_F_REPLACE,
			    .prog_fd = bpf_program__fd(skel->progs.iotprof_tc_egress));
	int err;

	err = bpf_tc_hook_create(&hook);
	*created = err == 0;
	if (err && err != -EEXIST) {
		pr_warn("%s: cannot create the clsact qdisc: %s", ifname, strerror(-err));
		return err;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		pr_warn("%s: attaching the TC egress filter failed: %s", ifname, strerror(-err));
	return err;
}

static void tc_detach(int ifindex, bool remove_clsact)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = IOTPROF_TC_HANDLE,
			    .priority = IOTPROF_TC_PRIORITY);
	int err = bpf_tc_detach(&hook, &opts);

	if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
		pr_warn("ifindex %d: removing our TC filter failed: %s", ifindex, strerror(-err));
	/* Destroying clsact drops every filter on it: only when it is ours
	 * and empty. */
	if (remove_clsact && tc_filters_count(ifindex) == 0) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

int attach_iface(const char *ifname, const struct attach_opts *o, struct iotprof_iface *rec)
{
	struct iotprof_bpf *skel;
	int ifindex = if_nametoindex(ifname);
	bool created = false;
	int err;

	if (!ifindex) {
		pr_warn("no such interface: %s", ifname);
		return -ENODEV;
	}
	skel = progs_open(o->pin_dir, o->flows);
	if (!skel)
		return -EINVAL;

	/* Running twice is harmless: our earlier program is replaced. */
	err = xdp_for_each_ours(ifindex, true);
	if (err < 0)
		pr_warn("%s: could not remove our earlier XDP program: %s", ifname, strerror(-err));

	err = xdp_attach(skel, ifname, ifindex, o->mode);
	if (err)
		goto out;
	err = tc_attach(skel, ifname, ifindex, &created);
	if (err) {
		xdp_for_each_ours(ifindex, true);
		if (created)
			tc_detach(ifindex, true);
		goto out;
	}

	memset(rec, 0, sizeof(*rec));
	snprintf(rec->name, sizeof(rec->name), "%s", ifname);
	rec->ifindex = ifindex;
	rec->xdp_mode = xdp_mode_obtained(ifindex);
	rec->tc_egress = 1;
	rec->clsact_created = created;
	rec->attached_ns = (__u64)time(NULL) * 1000000000ull;
	rec->netns = current_netns();
out:
	iotprof_bpf__destroy(skel);
	return err;
}

int detach_iface(const struct iotprof_iface *rec)
{
	int err = xdp_for_each_ours(rec->ifindex, true);

	if (err < 0 && err != -ENODEV)
		pr_warn("%s: removing our XDP program failed: %s", rec->name, strerror(-err));
	tc_detach(rec->ifindex, rec->clsact_created);
	return err < 0 ? err : 0;
}
