// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <pcap/pcap.h>
#include "capture.h"
#include "log.h"

#define SNAPLEN_DEFAULT 262144
#define POLL_MS 100

struct capture {
	pcap_t *h[CAPTURE_IFACES_MAX];
	int n;
	pcap_dumper_t *dump;
	__u64 packets, count, deadline_ns;
	const char *path;
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static pcap_t *open_iface(const char *name, const struct capture_opts *o)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	pcap_t *h = pcap_create(name, errbuf);
	int err;

	if (!h) {
		pr_warn("capture: %s: %s", name, errbuf);
		return NULL;
	}
	/* Immediate mode: a packet is written when it comes, not when a
	 * buffer fills (a campaign's trace is short). */
	pcap_set_snaplen(h, o->snaplen ? o->snaplen : SNAPLEN_DEFAULT);
	pcap_set_immediate_mode(h, 1);
	pcap_set_tstamp_precision(h, PCAP_TSTAMP_PRECISION_NANO);
	err = pcap_activate(h);
	if (err < 0) {
		pr_warn("capture: %s: %s", name, err == PCAP_ERROR ? pcap_geterr(h) : pcap_statustostr(err));
		goto fail;
	}
	if (err > 0)
		pr_warn("warning: capture: %s: %s", name, pcap_statustostr(err));
	if (o->filter) {
		if (pcap_compile(h, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) ||
		    pcap_setfilter(h, &prog)) {
			pr_warn("capture: filter '%s': %s", o->filter, pcap_geterr(h));
			goto fail;
		}
		pcap_freecode(&prog);
	}
	if (pcap_setnonblock(h, 1, errbuf)) {
		pr_warn("capture: %s: %s", name, errbuf);
		goto fail;
	}
	return h;
fail:
	pcap_close(h);
	return NULL;
}

struct capture *capture_open(const struct capture_opts *o)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (!o->n_ifaces) {
		pr_warn("capture: no interface given");
		goto fail;
	}
	for (int i = 0; i < o->n_ifaces; i++) {
		c->h[i] = open_iface(o->ifaces[i], o);
		if (!c->h[i])
			goto fail;
		c->n++;
		/* One file has one link type. */
		if (pcap_datalink(c->h[i]) != pcap_datalink(c->h[0])) {
			pr_warn("capture: %s is %s, %s is %s: one file cannot hold both", o->ifaces[0],
				pcap_datalink_val_to_name(pcap_datalink(c->h[0])) ?: "?", o->ifaces[i],
				pcap_datalink_val_to_name(pcap_datalink(c->h[i])) ?: "?");
			goto fail;
		}
	}
	c->dump = pcap_dump_open(c->h[0], o->path);
	if (!c->dump) {
		pr_warn("capture: %s", pcap_geterr(c->h[0]));
		goto fail;
	}
	c->path = o->path;
	c->count = o->count;
	c->deadline_ns = o->duration_ns ? now_ns() + o->duration_ns : 0;
	return c;
fail:
	capture_close(c, NULL);
	return NULL;
}

static void write_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;

	if (c->count && c->packets >= c->count)
		return;
	pcap_dump((u_char *)c->dump, h, bytes);
	c->packets++;
}

int capture_loop(struct capture *c, volatile sig_atomic_t *stop)
{
	struct pollfd fds[CAPTURE_IFACES_MAX];

	for (int i = 0; i < c->n; i++)
		fds[i] = (struct pollfd){ .fd = pcap_get_selectable_fd(c->h[i]), .events = POLLIN };
	while (!*stop && (!c->count || c->packets < c->count) &&
	       (!c->deadline_ns || now_ns() < c->deadline_ns)) {
		int n = poll(fds, c->n, POLL_MS);

		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; n > 0 && i < c->n; i++) {
			if (!fds[i].revents)
				continue;
			if (pcap_dispatch(c->h[i], -1, write_packet, (u_char *)c) == PCAP_ERROR) {
				pr_warn("capture: %s", pcap_geterr(c->h[i]));
				return -EIO;
			}
		}
		/* Written as it comes: a reader of the file sees whole packets. */
		if (n > 0 && pcap_dump_flush(c->dump)) {
			pr_warn("capture: %s: write error", c->path);
			return -EIO;
		}
	}
	return 0;
}

int capture_close(struct capture *c, __u64 *packets)
{
	int err = 0;

	if (!c)
		return 0;
	if (c->dump) {
		err = pcap_dump_flush(c->dump) ? -EIO : 0;
		pcap_dump_close(c->dump);
	}
	for (int i = 0; i < c->n; i++)
		pcap_close(c->h[i]);
	if (packets)
		*packets = c->packets;
	free(c);
	return err;
}

static volatile sig_atomic_t child_stop;

static void on_stop(int sig)
{
	(void)sig;
	child_stop = 1;
}

pid_t capture_spawn(const struct capture_opts *o)
{
	int ready[2], status;
	char byte = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(ready))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(ready[0]);
		close(ready[1]);
		return -errno;
	}
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_stop };
		struct capture *c;
		int err;

		close(ready[0]);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		c = capture_open(o);
		if (!c)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		close(ready[1]);
		err = capture_loop(c, &child_stop);
		err = capture_close(c, NULL) ?: err;
		_exit(err ? 1 : 0);
	}
	close(ready[1]);
	do
		n = read(ready[0], &byte, 1);
	while (n < 0 && errno == EINTR);
	close(ready[0]);
	if (n == 1)
		return pid;
	/* The child said why on stderr and exited. */
	waitpid(pid, &status, 0);
	return -EINVAL;
}

int capture_stop(pid_t pid)
{
	int status = 0;
	pid_t got = 0;

	if (pid <= 0)
		return 0;
	kill(pid, SIGTERM);
	/* It polls every 100 ms; one that does not end in 5 s is stuck. */
	for (int i = 0; i < 50 && (got = waitpid(pid, &status, WNOHANG)) == 0; i++)
		usleep(100 * 1000);
	if (got == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}
