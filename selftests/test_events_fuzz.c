// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A short seeded mutation fuzz of job 2's readers: packet records,
 * signatures, trigger logs, IoTEvents files.  Each round mutates a valid
 * file (bit flips, bytes replaced by digits, signs, spaces or newlines,
 * cuts, duplicated or dropped lines) and reads it.  A reader must return
 * 0 or a negative errno, never crash, and what it accepts must hold its
 * invariants.  EVENTS_FUZZ_ROUNDS and EVENTS_FUZZ_SEED change the run
 * (`make fuzz` style); the default takes a few seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "events_iotevents.h"
#include "events_record.h"
#include "events_sigfile.h"
#include "events_test.h"
#include "events_trigger.h"
#include "log.h"

struct check_state check_state = { .suite = "events-fuzz" };

static __u64 rng;
static unsigned rounds = 4000;

static unsigned pick(unsigned n)
{
	return ev_rand_next(&rng) % n;
}

/* One to four mutations of src into dst; returns the new length. */
static size_t mutate(const char *src, size_t len, char *dst, size_t cap)
{
	static const char alphabet[] = "0123456789-+. \t\n\r#es";
	size_t n = len;

	memcpy(dst, src, len);
	for (unsigned m = 0, times = 1 + pick(4); m < times && n; m++) {
		size_t at = pick(n);

		switch (pick(6)) {
		case 0:
			dst[at] ^= 1 << pick(8);
			break;
		case 1:
			dst[at] = alphabet[pick(sizeof(alphabet) - 1)];
			break;
		case 2:		/* cut */
			n = at;
			break;
		case 3:		/* insert a byte */
			if (n + 1 < cap) {
				memmove(dst + at + 1, dst + at, n - at);
				dst[at] = alphabet[pick(sizeof(alphabet) - 1)];
				n++;
			}
			break;
		case 4: {	/* duplicate the line at `at` */
			size_t b = at, e = at;

			while (b && dst[b - 1] != '\n')
				b--;
			while (e < n && dst[e] != '\n')
				e++;
			if (e < n && n + (e - b + 1) < cap) {
				memmove(dst + e + 1 + (e - b + 1), dst + e + 1, n - e - 1);
				memcpy(dst + e + 1, dst + b, e - b + 1);
				n += e - b + 1;
			}
			break;
		}
		default: {	/* drop the line at `at` */
			size_t b = at, e = at;

			while (b && dst[b - 1] != '\n')
				b--;
			while (e < n && dst[e] != '\n')
				e++;
			if (e < n)
				e++;
			memmove(dst + b, dst + e, n - e);
			n -= e - b;
		}
		}
	}
	return n;
}

static const char *write_bytes(const char *name, const char *b, size_t n)
{
	const char *path = ev_test_path(name);
	FILE *f = fopen(path, "wb");

	fwrite(b, 1, n, f);
	fclose(f);
	return path;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = malloc(1 << 20);

	*len = fread(b, 1, 1 << 20, f);
	fclose(f);
	return b;
}

/* Runs rounds of one reader; check() says whether an accepted file holds. */
static void fuzz(const char *name, const char *seed_text, size_t seed_len,
		 int (*read)(const char *path, char *why), const char *what)
{
	size_t cap = seed_len * 3 + 64, accepted = 0, refused = 0;
	char *buf = malloc(cap), why[128];
	int saved = dup(2), null = open("/dev/null", O_WRONLY);

	dup2(null, 2);	/* thousands of (correct) error messages */
	for (unsigned r = 0; r < rounds; r++) {
		size_t n = mutate(seed_text, seed_len, buf, cap);
		int err;

		why[0] = '\0';
		err = read(write_bytes(name, buf, n), why);
		if (err == 0 && why[0]) {
			dup2(saved, 2);
			EXPECT(0, "%s: round %u accepted a file that breaks an invariant: %s (kept as %s)",
			       what, r, why, write_bytes("failed-case", buf, n));
			dup2(null, 2);
		} else if (err < 0 && err != -EINVAL && err != -ENOMEM) {
			why[0] = '\0';
			EXPECT(0, "%s: round %u: unexpected error %d", what, r, err);
		}
		err ? refused++ : accepted++;
	}
	dup2(saved, 2);
	close(saved);
	close(null);
	free(buf);
	printf("  %s: %zu accepted, %zu refused of %u mutants\n", what, accepted, refused, rounds);
}

static int read_records(const char *path, char *why)
{
	struct ev_packets p = {};
	int err = ev_record_read(path, &p);

	for (size_t i = 0; !err && i < p.n; i++)
		if (!p.v[i].len || p.v[i].len > 65535 || p.v[i].device >= p.devices.n ||
		    p.v[i].dir > IOTPROF_EVENT_IN || !ev_token_ok(p.devices.v[p.v[i].device]))
			snprintf(why, 128, "record %zu", i);
	ev_packets_free(&p);
	return err;
}

static int read_signature(const char *path, char *why)
{
	struct ev_signature s;
	int err = ev_sig_read(path, &s);

	if (err)
		return err;
	if (s.k < 1 || s.method >= EV_METHOD__N)
		snprintf(why, 128, "header");
	for (size_t i = 0; i < s.ds.n; i++) {
		const struct ev_sample *x = &s.ds.v[i];

		if (!x->n || x->n > EV_SIG_MAX_N || x->label >= s.ds.labels.n ||
		    x->device >= s.ds.devices.n)
			snprintf(why, 128, "sample %zu", i);
		for (__u32 j = 0; j < x->n; j++)
			if (!x->x[j] || x->x[j] > 65535 || x->x[j] < -65535)
				snprintf(why, 128, "sample %zu feature %u", i, j);
	}
	ev_sig_free(&s);
	return 0;
}

static int read_triggers(const char *path, char *why)
{
	struct ev_triggers t = {};
	int err = ev_triggers_read(path, &t);

	for (size_t i = 0; !err && i < t.n; i++)
		if (!ev_token_ok(t.v[i].event) || (i && t.v[i].t_ns < t.v[i - 1].t_ns))
			snprintf(why, 128, "trigger %zu", i);
	ev_triggers_free(&t);
	return err;
}

static int read_iotevents(const char *path, char *why)
{
	struct ev_dataset ds = {};
	int err = ev_iotevents_read(path, &ds);

	for (size_t i = 0; err >= 0 && i < ds.n; i++)
		if (!ds.v[i].n || !ev_token_ok(ds.labels.v[ds.v[i].label]))
			snprintf(why, 128, "sequence %zu", i);
	ev_dataset_free(&ds);
	return err < 0 ? err : 0;
}

static void test_fuzz_records(void)
{
	static const char text[] =
		"iotprof-packets 1\n# time_ns device dir len proto peer peer_port device_port\n"
		"1700000000123456789 192.168.1.35 out 74 6 203.0.113.5 443 50123\n"
		"1700000000223456789 192.168.1.35 in 1514 6 203.0.113.5 443 50123\n"
		"1700000001000000000 fd00::2 in 90 17 2001:db8::1 53 40000\n"
		"1700000002000000000 02:00:00:00:00:01 out 60 1 - 0 0\n";

	fuzz("fuzz.rec", text, sizeof(text) - 1, read_records, "packet records");
}

static void test_fuzz_signature(void)
{
	size_t len;
	char *text = slurp(ev_test_file("seed.sig",
		"iotprof-events-signature 1\nmethod pad\nk 3\nseed 1\ngap_ns 1000000000\n"
		"pair_ns 2000000000\nkscan 0.5 0.75 1\nsamples 3\n"
		"s train on lamp 1700000000000000000 3 -180 120 66\n"
		"s test off lamp 1700000001000000000 2 -150 90\n"
		"s train ds_on/off 12_27jdgn_cz 5 4 -54 54 -1514 1514\n"), &len);

	fuzz("fuzz.sig", text, len, read_signature, "signatures");
	free(text);
}

static void test_fuzz_triggers(void)
{
	static const char native[] = "# log\n1700000002.5 toggle 10.77.0.35\n1700000001 boot\n";
	static const char csv[] = "device,event,timestamp\ncam,\"motion\",2023-11-14T22:13:25.25+01:00\n"
				  ",power_on,1700000010\n";

	fuzz("fuzz.log", native, sizeof(native) - 1, read_triggers, "trigger logs");
	fuzz("fuzz.csv", csv, sizeof(csv) - 1, read_triggers, "trigger CSV");
}

static void test_fuzz_iotevents(void)
{
	static const char text[] = "\t1577670337.780211\t0.03\t0\t307\r\n"
				   "\t1577670337.783673\t288.8\t1\t54\t\r\npower_on/off\r\n"
				   "\t1577670400.5\t6666\t1\t60\t\r\nwater\r\n";

	fuzz("fuzz.txt", text, sizeof(text) - 1, read_iotevents, "IoTEvents files");
}

int main(void)
{
	const char *r = getenv("EVENTS_FUZZ_ROUNDS"), *s = getenv("EVENTS_FUZZ_SEED");

	log_prog = "iotprof";
	rng = s ? strtoull(s, NULL, 0) : 20251124;
	if (r)
		rounds = strtoul(r, NULL, 0);
	printf("  seed %llu, %u rounds per reader\n", (unsigned long long)rng, rounds);
	RUN(test_fuzz_records);
	RUN(test_fuzz_signature);
	RUN(test_fuzz_triggers);
	RUN(test_fuzz_iotevents);
	return check_state.cases_failed ? 1 : 0;
}
