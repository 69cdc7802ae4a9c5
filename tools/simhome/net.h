/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Sockets with deadlines: nothing in the simulators waits forever. */
#ifndef SIMHOME_NET_H
#define SIMHOME_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

double now_s(void);

/* A socket of `type` (SOCK_STREAM or SOCK_DGRAM) bound to src:sport
 * (sport 0: ephemeral), close-on-exec. */
int sock_bound(int type, const char *src, int sport);

/* Connects fd to dst:dport before the deadline (UDP: just sets the peer). */
int sock_connect(int fd, const char *dst, int dport, double deadline);

/* Waits until fd is readable (POLLIN) or writable (POLLOUT); false at the deadline. */
bool sock_wait(int fd, short events, double deadline);

/* Sets SO_RCVTIMEO and SO_SNDTIMEO to what is left until the deadline. */
void sock_deadline(int fd, double deadline);

/* Sends or receives exactly len bytes (stream sockets). */
bool send_all(int fd, const void *buf, size_t len, double deadline);
bool recv_all(int fd, void *buf, size_t len, double deadline);

/* A listening TCP socket or a bound UDP socket on addr:port. */
int listen_on(int type, const char *addr, int port);

#endif
