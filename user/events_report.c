// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "events_report.h"

int ev_report_compute(const struct ev_dataset *ds, const int *pred, struct ev_report *r)
{
	size_t nl = ds->labels.n, nd = ds->devices.n;
	int other = ev_strtab_find(&ds->labels, EV_LABEL_OTHER);

	memset(r, 0, sizeof(*r));
	r->n_labels = nl;
	r->n_devices = nd;
	r->label_total = calloc(nl + 1, sizeof(size_t));
	r->label_correct = calloc(nl + 1, sizeof(size_t));
	r->device_total = calloc(nd + 1, sizeof(size_t));
	r->device_correct = calloc(nd + 1, sizeof(size_t));
	r->event_total = calloc(nd + 1, sizeof(size_t));
	r->event_correct = calloc(nd + 1, sizeof(size_t));
	r->confusion = calloc((nl + 1) * (nl + 1), sizeof(size_t));
	if (!r->label_total || !r->label_correct || !r->device_total || !r->device_correct ||
	    !r->event_total || !r->event_correct || !r->confusion) {
		ev_report_free(r);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ds->n; i++) {
		const struct ev_sample *s = &ds->v[i];
		bool ok = pred[i] == (int)s->label;

		if (!s->test) {
			r->n_train++;
			continue;
		}
		r->n_test++;
		r->correct += ok;
		r->unclassified += pred[i] < 0;
		r->label_total[s->label]++;
		r->label_correct[s->label] += ok;
		r->device_total[s->device]++;
		r->device_correct[s->device] += ok;
		if ((int)s->label != other) {
			r->event_total[s->device]++;
			r->event_correct[s->device] += ok;
		}
		r->confusion[s->label * (nl + 1) + (pred[i] < 0 ? nl : (size_t)pred[i])]++;
	}
	return 0;
}

void ev_report_free(struct ev_report *r)
{
	free(r->label_total);
	free(r->label_correct);
	free(r->device_total);
	free(r->device_correct);
	free(r->event_total);
	free(r->event_correct);
	free(r->confusion);
	memset(r, 0, sizeof(*r));
}

double ev_report_accuracy(const struct ev_report *r)
{
	return r->n_test ? (double)r->correct / r->n_test : 0.0;
}

static double ratio(size_t a, size_t b)
{
	return b ? (double)a / b : 0.0;
}

void ev_report_print(FILE *out, const struct ev_signature *sig, const struct ev_report *r)
{
	const struct ev_dataset *ds = &sig->ds;
	size_t nl = r->n_labels;

	fprintf(out, "method %s, k %u, seed %llu: %zu training, %zu held-out sequences\n",
		ev_method_name(sig->method), sig->k, (unsigned long long)sig->seed, r->n_train,
		r->n_test);
	fprintf(out, "accuracy %.4f (%zu of %zu", ev_report_accuracy(r), r->correct, r->n_test);
	if (r->unclassified)
		fprintf(out, "; %zu of a length no training sample has: not classified",
			r->unclassified);
	fprintf(out, ")\n\n%-24s %8s %8s %10s\n", "device", "held out", "accuracy", "leakage");
	for (size_t d = 0; d < r->n_devices; d++) {
		if (!r->device_total[d])
			continue;
		fprintf(out, "%-24s %8zu %8.4f ", ds->devices.v[d], r->device_total[d],
			ratio(r->device_correct[d], r->device_total[d]));
		if (r->event_total[d])
			fprintf(out, "%10.4f\n", ratio(r->event_correct[d], r->event_total[d]));
		else
			fprintf(out, "%10s\n", "-");
	}
	fprintf(out, "\n%-24s %8s %8s\n", "event", "held out", "accuracy");
	for (size_t l = 0; l < nl; l++)
		if (r->label_total[l])
			fprintf(out, "%-24s %8zu %8.4f\n", ds->labels.v[l], r->label_total[l],
				ratio(r->label_correct[l], r->label_total[l]));
	fprintf(out, "\nconfusion (rows: true event; columns: predicted, then - = not classified)\n%-24s", "");
	for (size_t p = 0; p < nl; p++)
		fprintf(out, " %8.8s", ds->labels.v[p]);
	fprintf(out, " %8s\n", "-");
	for (size_t l = 0; l < nl; l++) {
		fprintf(out, "%-24s", ds->labels.v[l]);
		for (size_t p = 0; p <= nl; p++)
			fprintf(out, " %8zu", r->confusion[l * (nl + 1) + p]);
		fputc('\n', out);
	}
}

/* Six significant digits: 0.8, not 0.80000000000000004. */
static json_object *json_ratio(double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.6g", v);
	return json_object_new_double_s(v, buf);
}

static json_object *confusion_json(const struct ev_dataset *ds, const struct ev_report *r)
{
	json_object *o = json_object_new_object(), *labels = json_object_new_array();
	json_object *rows = json_object_new_array();
	size_t nl = r->n_labels;

	for (size_t l = 0; l < nl; l++)
		json_object_array_add(labels, json_object_new_string(ds->labels.v[l]));
	for (size_t l = 0; l < nl; l++) {
		json_object *row = json_object_new_array();

		for (size_t p = 0; p <= nl; p++)
			json_object_array_add(row, json_object_new_int64(r->confusion[l * (nl + 1) + p]));
		json_object_array_add(rows, row);
	}
	json_object_object_add(o, "labels", labels);
	json_object_object_add(o, "matrix", rows);
	return o;
}

int ev_report_json(FILE *out, const struct ev_signature *sig, const struct ev_report *r,
		   const int *pred, bool predictions)
{
	const struct ev_dataset *ds = &sig->ds;
	json_object *o = json_object_new_object();
	json_object *per_label = json_object_new_object(), *per_device = json_object_new_object();
	json_object *leak = json_object_new_object();

	if (!o || !per_label || !per_device || !leak)
		return -ENOMEM;
	json_object_object_add(o, "accuracy", json_ratio(ev_report_accuracy(r)));
	json_object_object_add(o, "k", json_object_new_int(sig->k));
	for (size_t l = 0; l < r->n_labels; l++)
		if (r->label_total[l])
			json_object_object_add(per_label, ds->labels.v[l],
					       json_ratio(ratio(r->label_correct[l], r->label_total[l])));
	json_object_object_add(o, "per_label", per_label);
	json_object_object_add(o, "samples", json_object_new_int64(r->n_test));
	json_object_object_add(o, "train_samples", json_object_new_int64(r->n_train));
	json_object_object_add(o, "unclassified", json_object_new_int64(r->unclassified));
	json_object_object_add(o, "method", json_object_new_string(ev_method_name(sig->method)));
	json_object_object_add(o, "seed", json_object_new_int64(sig->seed));
	for (size_t d = 0; d < r->n_devices; d++) {
		if (!r->device_total[d])
			continue;
		json_object_object_add(per_device, ds->devices.v[d],
				       json_ratio(ratio(r->device_correct[d], r->device_total[d])));
		json_object_object_add(leak, ds->devices.v[d], r->event_total[d]
				       ? json_ratio(ratio(r->event_correct[d], r->event_total[d]))
				       : NULL);
	}
	json_object_object_add(o, "per_device", per_device);
	json_object_object_add(o, "leakage", leak);
	json_object_object_add(o, "confusion", confusion_json(ds, r));
	if (predictions) {
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < ds->n; i++) {
			json_object *p;

			if (!ds->v[i].test)
				continue;
			p = json_object_new_object();
			json_object_object_add(p, "sample", json_object_new_int64(i));
			json_object_object_add(p, "label", json_object_new_string(ds->labels.v[ds->v[i].label]));
			json_object_object_add(p, "predicted", pred[i] >= 0
					       ? json_object_new_string(ds->labels.v[pred[i]]) : NULL);
			json_object_array_add(a, p);
		}
		json_object_object_add(o, "predictions", a);
	}
	fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}
