// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "events_seq.h"
#include "events_sigfile.h"
#include "events_text.h"
#include "log.h"

static int write_all(FILE *f, const struct ev_signature *sig)
{
	const struct ev_dataset *ds = &sig->ds;

	fprintf(f, "%s %d\n# iotprof events train: docs/EVENTS.md describes this file\n",
		EV_SIG_MAGIC, EV_SIG_VERSION);
	fprintf(f, "method %s\nk %u\nseed %llu\ngap_ns %llu\npair_ns %llu\n",
		ev_method_name(sig->method), sig->k, (unsigned long long)sig->seed,
		(unsigned long long)sig->gap_ns, (unsigned long long)sig->pair_ns);
	if (sig->kmax) {
		fprintf(f, "kscan");
		for (unsigned k = 1; k <= sig->kmax; k++)
			fprintf(f, " %.4f", sig->kscan[k]);
		fprintf(f, "\n");
	}
	fprintf(f, "samples %zu\n", ds->n);
	for (size_t i = 0; i < ds->n; i++) {
		const struct ev_sample *s = &ds->v[i];

		fprintf(f, "s %s %s %s %llu %u", s->test ? "test" : "train",
			ds->labels.v[s->label], ds->devices.v[s->device],
			(unsigned long long)s->t_ns, s->n);
		for (__u32 j = 0; j < s->n; j++)
			fprintf(f, " %d", s->x[j]);
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

int ev_sig_write(const char *path, const struct ev_signature *sig)
{
	char tmp[4096];
	FILE *f;
	int err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f) {
		err = -errno;
		pr_warn("%s: %s", tmp, strerror(-err));
		return err;
	}
	err = write_all(f, sig);
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		pr_warn("%s: cannot write the signature: %s", path, strerror(-err));
		unlink(tmp);
	}
	return err;
}

void ev_sig_free(struct ev_signature *sig)
{
	ev_dataset_free(&sig->ds);
	memset(sig, 0, sizeof(*sig));
}

/* Reading state: which header keys were seen, how many samples to come. */
struct sig_reader {
	struct ev_lines in;
	struct ev_signature *sig;
	unsigned seen;		/* bit per key of keys[] */
	__u64 expected;		/* the "samples" count */
	__s32 *x;		/* one sample's features */
};

static const char *const keys[] = { "method", "k", "seed", "gap_ns", "pair_ns", "kscan", "samples" };
#define KEY_REQUIRED 0x43	/* method, k, samples */

static int read_sample(struct sig_reader *r, char **f, int nf)
{
	__u64 t, n;
	__s64 v;

	if (!(r->seen & (1u << 6)))
		return ev_lines_error(&r->in, "a sample before the 'samples' line");
	if (r->sig->ds.n >= r->expected)
		return ev_lines_error(&r->in, "more samples than the %llu announced",
				      (unsigned long long)r->expected);
	if (nf < 7)
		return ev_lines_error(&r->in, "a sample is 's train|test LABEL DEVICE TIME_NS N X1..XN'");
	if (strcmp(f[1], "train") && strcmp(f[1], "test"))
		return ev_lines_error(&r->in, "'%s' is neither 'train' nor 'test'", f[1]);
	if (!ev_token_ok(f[2]) || !ev_token_ok(f[3]))
		return ev_lines_error(&r->in, "the label and the device are names without spaces");
	if (ev_parse_u64(f[4], UINT64_MAX, &t))
		return ev_lines_error(&r->in, "'%s' is not a time in ns", f[4]);
	if (ev_parse_u64(f[5], EV_SIG_MAX_N, &n) || !n)
		return ev_lines_error(&r->in, "'%s' is not a sequence length (1-%d)", f[5], EV_SIG_MAX_N);
	if ((__u64)(nf - 6) != n)
		return ev_lines_error(&r->in, "the sample says %llu features but has %d",
				      (unsigned long long)n, nf - 6);
	for (__u64 j = 0; j < n; j++) {
		if (ev_parse_s64(f[6 + j], 65535, &v) || !v)
			return ev_lines_error(&r->in, "feature %llu, '%s', is not ±(a length from 1 to 65535)",
					      (unsigned long long)j + 1, f[6 + j]);
		r->x[j] = v;
	}
	if (ev_dataset_add(&r->sig->ds, r->x, n, f[2], f[3], t) < 0)
		return -ENOMEM;
	r->sig->ds.v[r->sig->ds.n - 1].test = f[1][1] == 'e';
	return 0;
}

static int read_key(struct sig_reader *r, char **f, int nf)
{
	struct ev_signature *sig = r->sig;
	unsigned key = 0;
	__u64 v;

	while (key < sizeof(keys) / sizeof(keys[0]) && strcmp(f[0], keys[key]))
		key++;
	if (key == sizeof(keys) / sizeof(keys[0]))
		return ev_lines_error(&r->in, "unknown line '%s' (expected %s, %s, %s, %s, %s, %s, %s or s)",
				      f[0], keys[0], keys[1], keys[2], keys[3], keys[4], keys[5], keys[6]);
	if (r->seen & (1u << key))
		return ev_lines_error(&r->in, "'%s' given twice", f[0]);
	if (r->seen & (1u << 6))
		return ev_lines_error(&r->in, "'%s' after 'samples': the header comes first", f[0]);
	r->seen |= 1u << key;
	if (key == 5) {		/* kscan: accuracy for k = 1, 2, ... */
		if (nf < 2 || nf - 1 > EV_K_MAX)
			return ev_lines_error(&r->in, "kscan holds 1 to %d accuracies", EV_K_MAX);
		for (int i = 1; i < nf; i++) {
			char *end;
			double a = strtod(f[i], &end);

			if (*end || !(a >= 0.0 && a <= 1.0))
				return ev_lines_error(&r->in, "kscan: '%s' is not an accuracy from 0 to 1", f[i]);
			sig->kscan[i] = a;
		}
		sig->kmax = nf - 1;
		return 0;
	}
	if (nf != 2)
		return ev_lines_error(&r->in, "'%s' takes one value", f[0]);
	if (key == 0) {
		if (ev_method_parse(f[1], &sig->method))
			return ev_lines_error(&r->in, "unknown method '%s' (paper, pad or nearest)", f[1]);
		return 0;
	}
	if (ev_parse_u64(f[1], key == 1 ? 1000 : key == 6 ? 100000000 : UINT64_MAX, &v) ||
	    (key == 1 && !v))
		return ev_lines_error(&r->in, "'%s %s': not a %s", f[0], f[1],
				      key == 1 ? "k from 1 to 1000" : "whole number");
	switch (key) {
	case 1: sig->k = v; break;
	case 2: sig->seed = v; break;
	case 3: sig->gap_ns = v; break;
	case 4: sig->pair_ns = v; break;
	default:
		r->expected = v;
		if ((r->seen & KEY_REQUIRED) != KEY_REQUIRED)
			return ev_lines_error(&r->in, "'samples' before 'method' and 'k'");
	}
	return 0;
}

int ev_sig_read(const char *path, struct ev_signature *sig)
{
	struct sig_reader r = { .sig = sig };
	bool header = false;
	char **f = NULL;
	int err, nf;

	memset(sig, 0, sizeof(*sig));
	f = malloc((EV_SIG_MAX_N + 8) * sizeof(*f));
	r.x = malloc(EV_SIG_MAX_N * sizeof(*r.x));
	if (!f || !r.x) {
		err = -ENOMEM;
		goto out;
	}
	err = ev_lines_open(&r.in, path);
	if (err)
		goto out;
	while ((err = ev_lines_next(&r.in)) > 0) {
		nf = ev_split(r.in.line, f, EV_SIG_MAX_N + 7);
		if (nf == 0 || f[0][0] == '#')
			continue;
		if (nf > EV_SIG_MAX_N + 6) {
			err = ev_lines_error(&r.in, "a line with more than %d fields", EV_SIG_MAX_N + 6);
			break;
		}
		if (!header) {
			err = ev_check_version(&r.in, f, nf, EV_SIG_MAGIC, EV_SIG_VERSION);
			header = true;
		} else {
			err = strcmp(f[0], "s") ? read_key(&r, f, nf) : read_sample(&r, f, nf);
		}
		if (err)
			break;
	}
	if (!err && !header)
		err = ev_lines_error(&r.in, "empty file: no '%s %d' line", EV_SIG_MAGIC, EV_SIG_VERSION);
	else if (!err && (r.seen & KEY_REQUIRED) != KEY_REQUIRED)
		err = ev_lines_error(&r.in, "the file ends before its 'method', 'k' and 'samples' lines");
	else if (!err && sig->ds.n != r.expected)
		err = ev_lines_error(&r.in, "the file ends after %zu of its %llu samples",
				     sig->ds.n, (unsigned long long)r.expected);
	if (!err && !sig->gap_ns)
		sig->gap_ns = EV_GAP_DEFAULT_NS;
out:
	ev_lines_close(&r.in);
	free(f);
	free(r.x);
	if (err)
		ev_sig_free(sig);
	return err < 0 ? err : 0;
}
