// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bpf_verify: loads every program of each BPF object given, one program at a
 * time (the object's maps are created, nothing is pinned or attached), and
 * prints per program what the kernel's verifier made of it:
 *
 *   VERIFY <object> <program> ok <verified_insns> <load_ms> <xlated_insns> <jited_bytes>
 *   VERIFY <object> <program> fail <errno name> <message>
 *
 * followed, for a refused program, by the tail of the verifier's log, each
 * line prefixed with "#   ".  Exits 1 when a program was refused.
 *
 * Used by the VM selftests (tools/vm/) to check that the objects pass older
 * kernels' verifiers, and by `make vm-bench` for docs/VERIFIER.md.
 *
 * usage: bpf_verify [--] OBJECT.bpf.o...
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define LOG_TAIL_LINES 30
#define LOG_BUF_SIZE (256u << 20)	/* a refused program's verifier log */

/* libbpf's first warning since the last reset (it says which step failed). */
static char first_warning[512];

static int keep_message(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && !first_warning[0]) {
		vsnprintf(first_warning, sizeof(first_warning), fmt, ap);
		first_warning[strcspn(first_warning, "\n")] = 0;
	}
	return 0;
}

/* The last LOG_TAIL_LINES lines of a verifier log (where it says why). */
static void print_log_tail(const char *log)
{
	const char *end = log + strlen(log), *p = end;
	int lines = 0;

	while (p > log && end[-1] == '\n')
		end--;
	p = end;
	while (p > log && lines < LOG_TAIL_LINES)
		if (*--p == '\n')
			lines++;
	if (*p == '\n')
		p++;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		int len = nl ? (int)(nl - p) : (int)(end - p);

		printf("#   %.*s\n", len, p);
		p += len + 1;
	}
}

static const char *errno_name(int err)
{
	switch (err) {
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case E2BIG: return "E2BIG";
	case ENOSPC: return "ENOSPC";
	case ENOENT: return "ENOENT";
	case ENOTSUP: return "ENOTSUP";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case ESRCH: return "ESRCH";
	default: return "E?";
	}
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static struct bpf_object *open_object(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_map *map;

	if (!obj || libbpf_get_error(obj)) {
		printf("VERIFY %s - fail %s cannot open the object\n", path, errno_name(errno));
		return NULL;
	}
	/* Nothing of ours outlives the check. */
	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
	return obj;
}

/* Loads the object with only the program named `name` enabled, with the
 * verifier's log in `log` if not NULL.  Returns 0 or -errno; *obj_out keeps
 * the loaded object (the caller closes it). */
static int load_alone(const char *path, const char *name, char *log, double *ms,
		      struct bpf_object **obj_out, struct bpf_program **prog_out)
{
	struct bpf_object *obj = open_object(path);
	struct bpf_program *prog, *ours = NULL;
	struct timespec t0;
	int err;

	*obj_out = obj;
	if (!obj)
		return -ENOENT;
	bpf_object__for_each_program(prog, obj) {
		bool it = strcmp(bpf_program__name(prog), name) == 0;

		bpf_program__set_autoload(prog, it);
		if (it)
			ours = prog;
	}
	*prog_out = ours;
	if (log) {
		log[0] = 0;
		bpf_program__set_log_level(ours, 1);
		bpf_program__set_log_buf(ours, log, LOG_BUF_SIZE);
	}
	first_warning[0] = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = bpf_object__load(obj);
	*ms = ms_since(&t0);
	return err;
}

/* The verifier's reason: the lines between the last instruction it printed
 * and its "processed N insns" summary, joined with " / ". */
static void log_reason(const char *log, char *out, size_t size)
{
	const char *end = strstr(log, "\nprocessed "), *p;
	size_t n = 0;

	out[0] = 0;
	if (!end)
		end = log + strlen(log);
	p = end;
	/* Back to the last line that is an instruction ("123: (85) call ..."). */
	while (p > log) {
		const char *bol = p - 1;

		while (bol > log && bol[-1] != '\n')
			bol--;
		if (bol[0] >= '0' && bol[0] <= '9' && strstr(bol, ": (") &&
		    strstr(bol, ": (") < strchr(bol, '\n'))
			break;
		p = bol;
	}
	if (*p == '\n')
		p++;
	while (p < end && n + 4 < size) {
		const char *nl = memchr(p, '\n', end - p);
		int len = nl ? (int)(nl - p) : (int)(end - p);

		if (len > 0 && !(p[0] >= '0' && p[0] <= '9' && memchr(p, ':', len)))
			n += snprintf(out + n, size - n, "%s%.*s", n ? " / " : "", len, p);
		p += len + 1;
	}
}

static int verify_one(const char *path, const char *name)
{
	static char *log;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char reason[1024];
	double ms;
	int err;

	err = load_alone(path, name, NULL, &ms, &obj, &prog);
	if (!obj)
		return -1;
	if (!err) {
		err = bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len);
		if (err)
			printf("VERIFY %s %s fail %s bpf_obj_get_info_by_fd\n", path, name,
			       errno_name(errno));
		else
			printf("VERIFY %s %s ok %u %.0f %u %u\n", path, name, info.verified_insns,
			       ms, info.xlated_prog_len / 8, info.jited_prog_len);
		bpf_object__close(obj);
		return err ? -1 : 0;
	}
	snprintf(reason, sizeof(reason), "%s", first_warning);
	bpf_object__close(obj);

	/* Refused: once more with the verifier's log, for its last words. */
	if (!log)
		log = malloc(LOG_BUF_SIZE);
	if (log && load_alone(path, name, log, &ms, &obj, &prog) && log[0]) {
		log_reason(log, reason, sizeof(reason));
		if (!reason[0])
			snprintf(reason, sizeof(reason), "%s", first_warning);
	}
	printf("VERIFY %s %s fail %s %s\n", path, name, errno_name(-err), reason);
	if (log && log[0])
		print_log_tail(log);
	bpf_object__close(obj);
	return -1;
}

int main(int argc, char **argv)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	int failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: bpf_verify OBJECT.bpf.o...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	setrlimit(RLIMIT_MEMLOCK, &unlimited);	/* kernels before 5.11 */
	libbpf_set_print(keep_message);
	for (int i = 1; i < argc; i++) {
		struct bpf_object *obj;
		struct bpf_program *prog;
		char names[16][64];
		int n = 0;

		if (!strcmp(argv[i], "--"))
			continue;
		obj = open_object(argv[i]);
		if (!obj) {
			failed++;
			continue;
		}
		bpf_object__for_each_program(prog, obj)
			if (n < 16)
				snprintf(names[n++], sizeof(names[0]), "%s", bpf_program__name(prog));
		bpf_object__close(obj);
		for (int j = 0; j < n; j++)
			if (verify_one(argv[i], names[j]))
				failed++;
	}
	return failed ? 1 : 0;
}
