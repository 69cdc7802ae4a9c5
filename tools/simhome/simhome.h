/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * simhome-sim: the C half of tools/simhome (the shell script builds the
 * namespaces and calls these).
 *
 * One host process runs in each namespace of the home (gateway, cloud,
 * phone, every device).  It serves every communication the spec sends to
 * its addresses (TCP, TLS, HTTP, UDP, CoAP, DNS) and performs the
 * communications the spec sends from them when asked.  A device's process
 * also runs its events: it performs its own communications and asks the
 * other hosts' processes, over their unix sockets in the run directory, to
 * perform theirs, in the spec's order.
 */
#ifndef SIMHOME_SIMHOME_H
#define SIMHOME_SIMHOME_H

#include <pthread.h>
#include <stdbool.h>
#include <openssl/ssl.h>
#include "spec.h"

#define SIM_NOISE_WINDOW_DEFAULT 2

struct sim {
	struct home_spec spec;
	char run_dir[1024];
	char host_id[96];		/* gw, cloud, phone, dev-NAME */
	enum addr_owner owner;
	int device;			/* the device, for a device's process */
	SSL_CTX *tls_server, *tls_client;
	int noise_window;		/* noise is never in this many consecutive runs */
	pthread_mutex_t event_lock;	/* one event at a time */
	char **argv;			/* for a boot: the process starts again */
};

/* The host process's id for an address ("" when no process owns it). */
void sim_host_id(const struct home_spec *s, const char *addr, char *id, size_t len);

/* Client side of one communication, performed by this process.  plan: the
 * exchange's signed payload lengths (negative: from the device), or NULL. */
bool comm_run(struct sim *sim, const struct comm *c, const struct int_list *plan, char *why, size_t len);

/* Server side: the listeners of this host, and the connections' handling. */
int serve_start(struct sim *sim);

/* The device process's events. */
bool event_run(struct sim *sim, int ev, char *why, size_t len);

/* Asks the host process `id` something; the answer in reply. */
int ctl_ask(const char *run_dir, const char *id, const char *request, char *reply, size_t len, double timeout);

/* Subcommands. */
int cmd_expect(int argc, char **argv);
int cmd_host(int argc, char **argv);
int cmd_trigger(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_ping(int argc, char **argv);

#endif
