// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A host process and its control socket (RUN/ID.sock, SOCK_SEQPACKET: one
 * request, one answer):
 *   ping                    -> pong
 *   comm ID PLAN            -> ok | fail WHY    (perform communication ID)
 *   trigger EVENT           -> ok | fail WHY | error WHY   (devices only)
 * A boot event starts the device process again (same pid, exec) and
 * answers from the new image, once the boot has run.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <openssl/err.h>
#include "net.h"
#include "simhome.h"

void sim_host_id(const struct home_spec *s, const char *addr, char *id, size_t len)
{
	int dev;

	switch (spec_owner(s, addr, &dev)) {
	case OWNER_GATEWAY: snprintf(id, len, "gw"); break;
	case OWNER_PHONE: snprintf(id, len, "phone"); break;
	case OWNER_DEVICE: snprintf(id, len, "dev-%s", s->devices[dev].name); break;
	case OWNER_CLOUD: snprintf(id, len, "cloud"); break;
	default: snprintf(id, len, "%s", ""); break;
	}
}

static int sock_path(const char *run_dir, const char *id, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s.sock", run_dir, id) >=
	    sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

int ctl_ask(const char *run_dir, const char *id, const char *request, char *reply, size_t len, double timeout)
{
	struct sockaddr_un sa;
	double deadline = now_s() + timeout;
	int fd, err = -ETIMEDOUT;
	ssize_t n;

	reply[0] = 0;
	if (sock_path(run_dir, id, &sa))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) || send(fd, request, strlen(request), 0) < 0) {
		err = -errno;
		goto out;
	}
	if (sock_wait(fd, POLLIN, deadline)) {
		n = recv(fd, reply, len - 1, 0);
		if (n > 0) {
			reply[n] = 0;
			err = 0;
		} else {
			err = n == 0 ? -ECONNRESET : -errno;
		}
	}
out:
	close(fd);
	return err;
}

static void answer(int fd, const char *text)
{
	send(fd, text, strlen(text), MSG_NOSIGNAL);
}

/* Starts the device process again, which runs the boot event and answers. */
static void reboot_into(struct sim *sim, const char *event, int fd)
{
	char fd_text[16], *argv[64];
	int n = 0;

	for (char **a = sim->argv; *a && n < 58; a++)
		argv[n++] = *a;
	snprintf(fd_text, sizeof(fd_text), "%d", fd);
	argv[n++] = "--boot";
	argv[n++] = (char *)event;
	argv[n++] = "--reply-fd";
	argv[n++] = fd_text;
	argv[n] = NULL;
	fcntl(fd, F_SETFD, 0);
	fflush(NULL);
	execv("/proc/self/exe", argv);
	answer(fd, "error cannot start the device process again");
}

struct request {
	struct sim *sim;
	int fd;
};

static void *request_thread(void *arg)
{
	struct request *r = arg;
	struct sim *sim = r->sim;
	char req[2048], why[512], out[600];
	ssize_t n = recv(r->fd, req, sizeof(req) - 1, 0);

	if (n <= 0)
		goto out;
	req[n] = 0;
	if (!strcmp(req, "ping")) {
		answer(r->fd, "pong");
	} else if (!strncmp(req, "comm ", 5)) {
		char plan_text[1024] = "-";
		struct int_list plan = {};
		int id = -1, v[64];

		sscanf(req + 5, "%d %1023s", &id, plan_text);
		if (id < 0 || id >= sim->spec.n_comms) {
			answer(r->fd, "fail no such communication");
			goto out;
		}
		if (strcmp(plan_text, "-")) {
			char *p = plan_text, *end;

			plan.v = v;
			while (*p && plan.n < 64) {
				v[plan.n++] = (int)strtol(p, &end, 10);
				p = *end == ',' ? end + 1 : end;
				if (end == p && *p)
					break;
			}
		}
		if (comm_run(sim, &sim->spec.comms[id], plan.n ? &plan : NULL, why, sizeof(why)))
			answer(r->fd, "ok");
		else {
			snprintf(out, sizeof(out), "fail %s", why);
			answer(r->fd, out);
		}
	} else if (!strncmp(req, "trigger ", 8) && sim->owner == OWNER_DEVICE) {
		int ev = spec_event(&sim->spec.devices[sim->device], req + 8);

		if (ev < 0) {
			snprintf(out, sizeof(out), "error device %s has no event \"%.100s\"",
				 sim->spec.devices[sim->device].name, req + 8);
			answer(r->fd, out);
		} else if (sim->spec.devices[sim->device].events[ev].boot) {
			pthread_mutex_lock(&sim->event_lock);	/* no event half done */
			reboot_into(sim, req + 8, r->fd);
			pthread_mutex_unlock(&sim->event_lock);
		} else if (event_run(sim, ev, why, sizeof(why))) {
			answer(r->fd, "ok");
		} else {
			snprintf(out, sizeof(out), "fail %s", why);
			answer(r->fd, out);
		}
	} else {
		answer(r->fd, "error unknown request");
	}
out:
	close(r->fd);
	free(r);
	return NULL;
}

struct boot {
	struct sim *sim;
	int ev, fd;
};

static void *boot_thread(void *arg)
{
	struct boot *b = arg;
	char why[512], out[600];

	if (event_run(b->sim, b->ev, why, sizeof(why)))
		snprintf(out, sizeof(out), "ok");
	else
		snprintf(out, sizeof(out), "fail %s", why);
	if (b->fd >= 0) {
		answer(b->fd, out);
		close(b->fd);
	}
	free(b);
	return NULL;
}

static SSL_CTX *tls_server_ctx(const char *run_dir)
{
	char cert[1200], key[1200];
	SSL_CTX *ctx;

	snprintf(cert, sizeof(cert), "%s/cert.pem", run_dir);
	snprintf(key, sizeof(key), "%s/key.pem", run_dir);
	if (access(cert, R_OK) || !(ctx = SSL_CTX_new(TLS_server_method())))
		return NULL;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		fprintf(stderr, "simhome: %s: cannot load the certificate\n", cert);
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* No session tickets: each handshake is the same few packets. */
	SSL_CTX_set_num_tickets(ctx, 0);
	return ctx;
}

int cmd_host(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "spec", required_argument, NULL, 's' }, { "run", required_argument, NULL, 'r' },
		{ "host", required_argument, NULL, 'H' }, { "noise-window", required_argument, NULL, 'w' },
		{ "boot", required_argument, NULL, 'b' }, { "reply-fd", required_argument, NULL, 'f' }, {}
	};
	static struct sim sim;
	const char *spec = NULL, *boot = NULL;
	struct sockaddr_un sa;
	int c, ctl, reply_fd = -1, dev;

	sim.noise_window = SIM_NOISE_WINDOW_DEFAULT;
	/* the arguments a boot starts the process with again (argv[0] is "host") */
	sim.argv = calloc(argc + 2, sizeof(char *));
	sim.argv[0] = "simhome-sim";
	{
		int n = 1;

		for (int i = 0; i < argc; i++) {
			if (!strcmp(argv[i], "--boot") || !strcmp(argv[i], "--reply-fd")) {
				i++;
				continue;
			}
			sim.argv[n++] = argv[i];
		}
		sim.argv[n] = NULL;
	}
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': spec = optarg; break;
		case 'r': snprintf(sim.run_dir, sizeof(sim.run_dir), "%s", optarg); break;
		case 'H': snprintf(sim.host_id, sizeof(sim.host_id), "%s", optarg); break;
		case 'w': sim.noise_window = atoi(optarg); break;
		case 'b': boot = optarg; break;
		case 'f': reply_fd = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!spec || !sim.run_dir[0] || !sim.host_id[0] || sim.noise_window < 1) {
		fprintf(stderr, "usage: simhome-sim host --spec SPEC --run DIR --host ID [--noise-window N]\n");
		return 2;
	}
	if (spec_load(spec, &sim.spec))
		return 1;
	sim.device = -1;
	if (!strcmp(sim.host_id, "gw"))
		sim.owner = OWNER_GATEWAY;
	else if (!strcmp(sim.host_id, "phone"))
		sim.owner = OWNER_PHONE;
	else if (!strcmp(sim.host_id, "cloud"))
		sim.owner = OWNER_CLOUD;
	else if (!strncmp(sim.host_id, "dev-", 4) && (dev = spec_device(&sim.spec, sim.host_id + 4)) >= 0) {
		sim.owner = OWNER_DEVICE;
		sim.device = dev;
	} else {
		fprintf(stderr, "simhome-sim host: no host \"%s\" in %s\n", sim.host_id, spec);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&sim.event_lock, NULL);
	sim.tls_server = tls_server_ctx(sim.run_dir);
	sim.tls_client = SSL_CTX_new(TLS_client_method());
	if (!sim.tls_client)
		return 1;
	SSL_CTX_set_verify(sim.tls_client, SSL_VERIFY_NONE, NULL);
	if (serve_start(&sim) < 0)
		return 1;

	if (sock_path(sim.run_dir, sim.host_id, &sa))
		return 1;
	unlink(sa.sun_path);
	ctl = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (ctl < 0 || bind(ctl, (struct sockaddr *)&sa, sizeof(sa)) || listen(ctl, 16)) {
		fprintf(stderr, "simhome-sim host: %s: %s\n", sa.sun_path, strerror(errno));
		return 1;
	}
	if (boot && sim.owner == OWNER_DEVICE) {
		struct boot *b = malloc(sizeof(*b));
		pthread_t t;

		fcntl(reply_fd, F_SETFD, FD_CLOEXEC);
		*b = (struct boot){ .sim = &sim, .ev = spec_event(&sim.spec.devices[sim.device], boot),
				    .fd = reply_fd };
		if (b->ev < 0 || pthread_create(&t, NULL, boot_thread, b))
			return 1;
		pthread_detach(t);
	}
	for (;;) {
		int fd = accept4(ctl, NULL, NULL, SOCK_CLOEXEC);
		struct request *r;
		pthread_t t;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("simhome-sim host: accept");
			return 1;
		}
		r = malloc(sizeof(*r));
		if (!r) {
			close(fd);
			continue;
		}
		*r = (struct request){ .sim = &sim, .fd = fd };
		if (pthread_create(&t, NULL, request_thread, r)) {
			close(fd);
			free(r);
			continue;
		}
		pthread_detach(t);
	}
}
