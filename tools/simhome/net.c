// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "net.h"

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool sin_of(const char *addr, int port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	return !addr || !*addr || inet_pton(AF_INET, addr, &sa->sin_addr) == 1;
}

int sock_bound(int type, const char *src, int sport)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	if (type == SOCK_STREAM)	/* small messages go at once, no 40 ms stalls */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* A fixed source port may be reused at once by the next iteration. */
	if (sport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (!sin_of(src, sport, &sa) || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

bool sock_wait(int fd, short events, double deadline)
{
	for (;;) {
		double left = deadline - now_s();
		struct pollfd p = { .fd = fd, .events = events };
		int n;

		if (left <= 0)
			return false;
		n = poll(&p, 1, (int)ceil(left * 1000));
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
	}
}

void sock_deadline(int fd, double deadline)
{
	double left = deadline - now_s();
	struct timeval tv;

	if (left < 0.001)
		left = 0.001;
	tv.tv_sec = (time_t)left;
	tv.tv_usec = (suseconds_t)((left - tv.tv_sec) * 1e6);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int sock_connect(int fd, const char *dst, int dport, double deadline)
{
	struct sockaddr_in sa;
	int flags = fcntl(fd, F_GETFL), err = 0;
	socklen_t len = sizeof(err);

	if (!sin_of(dst, dport, &sa))
		return -EINVAL;
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS) {
		err = -errno;
		goto out;
	}
	if (!sock_wait(fd, POLLOUT, deadline)) {
		err = -ETIMEDOUT;
		goto out;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err)
		err = -err;
out:
	fcntl(fd, F_SETFL, flags);
	return err;
}

bool send_all(int fd, const void *buf, size_t len, double deadline)
{
	const char *p = buf;

	while (len) {
		ssize_t n;

		sock_deadline(fd, deadline);
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

bool recv_all(int fd, void *buf, size_t len, double deadline)
{
	char *p = buf;

	while (len) {
		ssize_t n;

		sock_deadline(fd, deadline);
		n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

int listen_on(int type, const char *addr, int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!sin_of(addr, port, &sa) || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (type == SOCK_STREAM && listen(fd, 64))) {
		close(fd);
		return -1;
	}
	return fd;
}
