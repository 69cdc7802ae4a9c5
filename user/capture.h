/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet capture to a pcap file with libpcap: `iotprof capture -w FILE` and
 * the campaigns' save-pcap.  Several interfaces go into one file, in the
 * order the packets are read (each interface's packets in their order).
 * libpcap writes the classic pcap format with nanosecond time stamps;
 * every tool that reads pcapng reads it too.
 */
#ifndef IOTPROF_CAPTURE_H
#define IOTPROF_CAPTURE_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

#define CAPTURE_IFACES_MAX 16

struct capture_opts {
	const char *ifaces[CAPTURE_IFACES_MAX];	/* "any" is Linux's every interface */
	int n_ifaces;
	const char *filter;	/* a pcap-filter(7) expression, or NULL */
	const char *path;	/* the file; "-" is standard output */
	__u64 count;		/* stop after this many packets; 0: no limit */
	__u64 duration_ns;	/* stop after this long; 0: no limit */
	int snaplen;		/* bytes kept per packet; 0: 262144 */
};

struct capture;

/* Opens and activates every interface and the file.  Says what went wrong
 * (a missing interface, a filter libpcap refuses, interfaces of different
 * link types, ...) and returns NULL. */
struct capture *capture_open(const struct capture_opts *o);

/* Writes packets until *stop is set, or the count or duration is reached.
 * Returns 0 or -errno. */
int capture_loop(struct capture *c, volatile sig_atomic_t *stop);

/* Flushes and closes; *packets (if given) is how many were written. */
int capture_close(struct capture *c, __u64 *packets);

/* A capture in a child process, for as long as the caller wants: returns
 * once the child captures (its interfaces are active), or -errno having
 * said why.  capture_stop() ends it with SIGTERM and returns its status. */
pid_t capture_spawn(const struct capture_opts *o);
int capture_stop(pid_t pid);

#endif
