// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The readers and writers of job 2's files: packet records, trigger logs
 * (native and CSV), IoTEvents sequences, signatures, the privacy set.
 * Every bad input must be refused with an error naming file:line.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "events_iotevents.h"
#include "events_privacy.h"
#include "events_record.h"
#include "events_sigfile.h"
#include "events_text.h"
#include "events_trigger.h"
#include "events_test.h"
#include "log.h"

struct check_state check_state = { .suite = "events-files" };

/* The reader refuses the text, and says "<path>:<line>:". */
#define EXPECT_REFUSED(call, path, line, what) do {					\
	char want_[300];								\
	const char *said_;								\
	int err_;									\
	stderr_begin();									\
	err_ = (call);									\
	said_ = stderr_end();								\
	snprintf(want_, sizeof(want_), "%s:%d:", (path), (line));			\
	EXPECT(err_ < 0, "%s: accepted", (what));					\
	EXPECT(strstr(said_, want_) != NULL, "%s: said '%s', not %s", (what), said_, want_); \
} while (0)

static void test_record_roundtrip(void)
{
	struct ev_packet p = { .ts_ns = 1700000000123456789ull, .len = 74, .dir = IOTPROF_EVENT_IN,
			       .proto = 6, .family = 4, .peer_port = 443, .device_port = 50123,
			       .peer = { 203, 0, 113, 5 } };
	const char *path = ev_test_path("rec.txt");
	struct ev_packets in = {};
	FILE *f = fopen(path, "w");

	EXPECT_RET(ev_record_write_header(f), 0, "header");
	EXPECT_RET(ev_record_write(f, &p, "192.168.1.35"), 0, "write");
	p.dir = IOTPROF_EVENT_OUT;
	p.family = 6;
	memset(p.peer, 0, 16);
	p.peer[0] = 0xfd;
	p.peer[15] = 1;
	EXPECT_RET(ev_record_write(f, &p, "02:00:00:00:00:01"), 0, "write v6");
	fclose(f);
	EXPECT_RET(ev_record_read(path, &in), 0, "read back");
	if (!EXPECT_EQ(in.n, 2, "records"))
		return;
	EXPECT_EQ(in.v[0].ts_ns, 1700000000123456789ull, "time exact");
	EXPECT_EQ(in.v[0].len, 74, "len");
	EXPECT_EQ(in.v[0].dir, IOTPROF_EVENT_IN, "dir in");
	EXPECT_EQ(in.v[0].peer_port, 443, "peer port");
	EXPECT_EQ(in.v[0].device_port, 50123, "device port");
	EXPECT(!memcmp(in.v[0].peer, (__u8[]){ 203, 0, 113, 5 }, 4), "peer v4");
	EXPECT_EQ(in.v[1].family, 6, "peer v6");
	EXPECT_EQ(in.v[1].peer[15], 1, "peer v6 address");
	EXPECT_EQ(in.v[1].dir, IOTPROF_EVENT_OUT, "dir out");
	EXPECT_EQ(in.devices.n, 2, "two devices");
	EXPECT(!strcmp(in.devices.v[in.v[1].device], "02:00:00:00:00:01"), "device name");
	ev_packets_free(&in);
}

static void test_record_errors(void)
{
	static const struct { const char *text; int line; const char *what; } bad[] = {
		{ "iotprof-packets 2\n", 1, "future version" },
		{ "something else\n", 1, "not a record file" },
		{ "iotprof-packets 1\n1 d in 60 6 - 0\n", 2, "7 fields" },
		{ "iotprof-packets 1\n# c\n1 d sideways 60 6 - 0 0\n", 3, "bad dir" },
		{ "iotprof-packets 1\n1 d in 0 6 - 0 0\n", 2, "zero length" },
		{ "iotprof-packets 1\n1 d in 70000 6 - 0 0\n", 2, "length too big" },
		{ "iotprof-packets 1\n-1 d in 60 6 - 0 0\n", 2, "negative time" },
		{ "iotprof-packets 1\n1 d in 60 6 300.1.1.1 0 0\n", 2, "bad peer" },
		{ "iotprof-packets 1\n1 d in 60 6 - 65536 0\n", 2, "bad port" },
		{ "iotprof-packets 1\n1 d in 60 256 - 0 0\n", 2, "bad proto" },
		{ "", 0, "empty" },
	};
	struct ev_packets in = {};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *path = ev_test_file("bad.rec", bad[i].text);

		EXPECT_REFUSED(ev_record_read(path, &in), path, bad[i].line, bad[i].what);
		EXPECT_EQ(in.n, 0, "nothing kept");
	}
	stderr_begin();
	EXPECT(ev_record_read(ev_test_path("missing"), &in) == -ENOENT, "missing file");
	stderr_end();
	ev_packets_free(&in);
}

static void test_trigger_native_and_csv(void)
{
	struct ev_triggers t = {};
	const char *a = ev_test_file("t.log", "# simhome trigger log\n"
					      "1700000002.5 toggle 10.77.0.35\n"
					      "1700000001 boot\n");
	const char *b = ev_test_file("t.csv", "device,event,timestamp\n"
					      "cam,\"motion, front\",2023-11-14T22:13:25.25Z\n"
					      ",power_on,1700000010\n");
	const char *c = ev_test_file("t2.txt", "1700000020,power_off\n");

	EXPECT_RET(ev_triggers_read(a, &t), 0, "native");
	EXPECT_REFUSED(ev_triggers_read(b, &t), b, 2, "an event with a space");
	b = ev_test_file("t.csv", "device,event,timestamp\n"
				   "cam,\"motion\",2023-11-14T22:13:25.25+01:00\n"
				   ",power_on,1700000010\n");
	EXPECT_RET(ev_triggers_read(b, &t), 0, "csv with a header");
	EXPECT_RET(ev_triggers_read(c, &t), 0, "csv without a header");
	if (!EXPECT_EQ(t.n, 5, "triggers"))
		goto out;
	/* Sorted by time: 2023-11-14T22:13:25.25+01:00 is 1700000005.25 - 3600. */
	EXPECT(!strcmp(t.v[0].event, "motion") && !strcmp(t.v[0].device, "cam"), "csv columns by header");
	EXPECT_EQ(t.v[0].t_ns, 1700000005250000000ull - 3600000000000ull, "iso 8601 with an offset");
	EXPECT(!strcmp(t.v[1].event, "boot") && !t.v[1].device, "no device: any device");
	EXPECT_EQ(t.v[2].t_ns, 1700000002500000000ull, "decimal seconds");
	EXPECT(!strcmp(t.v[2].device, "10.77.0.35"), "device kept");
	EXPECT(!strcmp(t.v[3].event, "power_on") && !t.v[3].device, "empty device column: any device");
	EXPECT(!strcmp(t.v[4].event, "power_off"), "csv without a header: time,event");
out:
	ev_triggers_free(&t);
	a = ev_test_file("bad.log", "1700000000 a b c\n");
	EXPECT_REFUSED(ev_triggers_read(a, &t), a, 1, "four fields");
	a = ev_test_file("bad.log", "# x\n\nyesterday toggle\n");
	EXPECT_REFUSED(ev_triggers_read(a, &t), a, 3, "bad time");
	a = ev_test_file("bad.csv", "time,event\n1,\"open\n");
	EXPECT_REFUSED(ev_triggers_read(a, &t), a, 2, "unterminated quote");
	a = ev_test_file("bad.csv", "when,what\n1,x\n");
	EXPECT_REFUSED(ev_triggers_read(a, &t), a, 1, "header without time");
	EXPECT_EQ(t.n, 0, "nothing kept");
	ev_triggers_free(&t);
}

static void test_iotevents_import(void)
{
	struct ev_dataset ds = {};
	const char *path = ev_test_file("12_30x_cz.txt",
		"\t1577670337.780211\t0.03\t0\t307\r\n"
		"\t1577670337.783673\t288.8\t1\t54\t\r\n"
		"power_on/off\r\n"
		"\r\n"
		"\t1577670400.5\t6666\t1\t60\t\r\n"
		"water sensor \r\n"
		"\t1577670500.0\t1\t0\t60\r\n");
	int n;

	stderr_begin();
	n = ev_iotevents_read(path, &ds);
	EXPECT(strstr(stderr_end(), ":7: 1 packet rows after the last label") != NULL,
	       "unlabelled tail: a warning with its line");
	if (!EXPECT_EQ(n, 2, "sequences"))
		goto out;
	EXPECT_EQ(ds.v[0].n, 2, "rows of the first");
	EXPECT_EQ(ds.v[0].x[0], 307, "inbound (dir 0) is +len");
	EXPECT_EQ(ds.v[0].x[1], -54, "outbound (dir 1) is -len");
	EXPECT_EQ(ds.v[0].t_ns, 1577670337780211000ull, "first packet's time, exact");
	EXPECT(!strcmp(ds.labels.v[ds.v[0].label], "power_on/off"), "label kept");
	EXPECT(!strcmp(ds.labels.v[ds.v[1].label], "water_sensor"), "label: spaces to _");
	EXPECT(!strcmp(ds.devices.v[0], "12_30x_cz"), "device: the file's base name");
out:
	ev_dataset_free(&ds);
	path = ev_test_file("bad.txt", "\t1.0\t1\t2\t60\t\r\nx\r\n");
	EXPECT_REFUSED(ev_iotevents_read(path, &ds), path, 1, "dir 2");
	path = ev_test_file("bad.txt", "\t1.0\t1\t1\t60\t\r\nx\r\n\t1.0\t1\t1\r\nx\r\n");
	EXPECT_REFUSED(ev_iotevents_read(path, &ds), path, 3, "4 fields");
	path = ev_test_file("bad.txt", "\t1.0\t1\t1\t60\t\r\nx\r\ny\r\n");
	EXPECT_REFUSED(ev_iotevents_read(path, &ds), path, 3, "label closing nothing");
	path = ev_test_file("bad.txt", "\tnow\t1\t1\t60\t\r\nx\r\n");
	EXPECT_REFUSED(ev_iotevents_read(path, &ds), path, 1, "bad time");
	EXPECT_EQ(ds.n, 0, "nothing kept");
	ev_dataset_free(&ds);
}

static void test_signature_roundtrip(void)
{
	struct ev_signature sig = { .method = EV_METHOD_NEAREST, .k = 3, .seed = 42, .gap_ns = 1500000000,
				    .pair_ns = 2000000000, .kmax = 2, .kscan = { 0, 0.5, 0.75 } };
	struct ev_signature back;
	const char *path = ev_test_path("a.sig");

	ev_dataset_add(&sig.ds, (__s32[]){ 60, -70 }, 2, "on", "dev1", 5);
	ev_dataset_add(&sig.ds, (__s32[]){ -1514 }, 1, "off", "dev2", 6);
	sig.ds.v[1].test = 1;
	EXPECT_RET(ev_sig_write(path, &sig), 0, "write");
	EXPECT_RET(ev_sig_read(path, &back), 0, "read");
	EXPECT_EQ(back.method, EV_METHOD_NEAREST, "method");
	EXPECT_EQ(back.k, 3, "k");
	EXPECT_EQ(back.seed, 42, "seed");
	EXPECT_EQ(back.gap_ns, 1500000000, "gap");
	EXPECT_EQ(back.kmax, 2, "kscan");
	if (EXPECT_EQ(back.ds.n, 2, "samples")) {
		EXPECT_EQ(back.ds.v[0].x[1], -70, "features");
		EXPECT_EQ(back.ds.v[1].test, 1, "held out");
		EXPECT_EQ(back.ds.v[1].t_ns, 6, "time");
		EXPECT(!strcmp(back.ds.labels.v[back.ds.v[1].label], "off"), "label");
		EXPECT(!strcmp(back.ds.devices.v[back.ds.v[1].device], "dev2"), "device");
	}
	ev_sig_free(&back);
	ev_sig_free(&sig);
}

static void test_signature_errors(void)
{
	static const char head[] = "iotprof-events-signature 1\nmethod pad\nk 1\n";
	static const struct { const char *body; int line; const char *what; } bad[] = {
		{ "samples 1\ns train on d 0 2 60\n", 5, "fewer features than n" },
		{ "samples 2\ns train on d 0 1 60\n", 5, "truncated: fewer samples" },
		{ "samples 1\ns train on d 0 1 60\ns test on d 0 1 60\n", 6, "more samples" },
		{ "samples 1\ns maybe on d 0 1 60\n", 5, "train or test" },
		{ "samples 1\ns train on d 0 1 0\n", 5, "zero feature" },
		{ "samples 1\ns train on d 0 1 x\n", 5, "not a number" },
		{ "samples 1\ns train on d 0 1 70000\n", 5, "too long a packet" },
		{ "k 2\n", 4, "k twice" },
		{ "colour blue\n", 4, "unknown key" },
		{ "kscan 0.5 1.5\n", 4, "accuracy above 1" },
		{ "s train on d 0 1 60\n", 4, "sample before samples" },
	};
	struct ev_signature sig;
	char text[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *path;

		snprintf(text, sizeof(text), "%s%s", head, bad[i].body);
		path = ev_test_file("bad.sig", text);
		EXPECT_REFUSED(ev_sig_read(path, &sig), path, bad[i].line, bad[i].what);
	}
	EXPECT_REFUSED(ev_sig_read(ev_test_file("bad.sig", "iotprof-events-signature 1\nmethod knn\n"),
				   &sig), ev_test_path("bad.sig"), 2, "unknown method");
	EXPECT_REFUSED(ev_sig_read(ev_test_file("bad.sig", "iotprof-events-signature 9\n"), &sig),
		       ev_test_path("bad.sig"), 1, "future version");
	EXPECT_REFUSED(ev_sig_read(ev_test_file("bad.sig", "iotprof-events-signature 1\nmethod pad\n"),
				   &sig), ev_test_path("bad.sig"), 2, "no k, no samples");
	EXPECT_REFUSED(ev_sig_read(ev_test_file("bad.sig", "iotprof-events-signature 1\nk 1\n"),
				   &sig), ev_test_path("bad.sig"), 2, "no method");
	{
		const char *path = ev_test_path("nul.sig");
		FILE *f = fopen(path, "w");

		fwrite("iotprof-events-signature 1\nmet\0hod pad\n", 1, 39, f);
		fclose(f);
		EXPECT_REFUSED(ev_sig_read(path, &sig), path, 2, "a NUL byte");
	}
}

static void test_privacy_yaml(void)
{
	struct ev_privacy p;
	const char *path = ev_test_file("p.yaml", "events: [power_on, motion]\n"
						  "devices:\n  10.77.0.35: [toggle]\n  cam: door_open\n"
						  "command: \"exit 3\"\n");

	if (ev_privacy_read(path, &p)) {
		EXPECT(0, "read failed");
		return;
	}
	EXPECT(ev_privacy_match(&p, "motion", "anything"), "any device");
	EXPECT(ev_privacy_match(&p, "toggle", "10.77.0.35"), "its device");
	EXPECT(!ev_privacy_match(&p, "toggle", "10.77.0.36"), "not another device");
	EXPECT(ev_privacy_match(&p, "door_open", "cam"), "one name, not a list");
	EXPECT(!ev_privacy_match(&p, "power_off", "cam"), "not in the set");
	stderr_begin();
	EXPECT_RET(ev_privacy_alert(&p, "motion", "cam", 1700000000000000000ull), 3, "command ran");
	EXPECT(strstr(stderr_end(), "ALERT: privacy event 'motion' on cam at 1700000000.000000") != NULL,
	       "alert line");
	ev_privacy_free(&p);

	path = ev_test_file("p.yaml", "events: [power_on]\ncolour: blue\n");
	stderr_begin();
	EXPECT(ev_privacy_read(path, &p) < 0, "unknown key refused");
	EXPECT(strstr(stderr_end(), "p.yaml:2:1: unknown key 'colour'") != NULL, "file:line:col");
	path = ev_test_file("p.yaml", "events: [a b]\n");
	stderr_begin();
	EXPECT(ev_privacy_read(path, &p) < 0, "two-word event refused");
	EXPECT(strstr(stderr_end(), "p.yaml:1:10:") != NULL, "its position");
	path = ev_test_file("p.yaml", "events: [a\n");
	stderr_begin();
	EXPECT(ev_privacy_read(path, &p) < 0, "bad YAML refused");
	EXPECT(strstr(stderr_end(), "p.yaml:2:") != NULL, "its position");
}

static void test_text_numbers(void)
{
	__u64 v;
	__s64 s;

	EXPECT(ev_parse_u64("18446744073709551615", UINT64_MAX, &v) == 0 && v == UINT64_MAX, "u64 max");
	EXPECT(ev_parse_u64("18446744073709551616", UINT64_MAX, &v) < 0, "u64 overflow");
	EXPECT(ev_parse_u64("5", 4, &v) < 0, "above a small max");
	EXPECT(ev_parse_s64("-65535", 65535, &s) == 0 && s == -65535, "s64 min");
	EXPECT(ev_parse_seconds_ns("1577670337.780211", &v) == 0 && v == 1577670337780211000ull, "seconds exact");
	EXPECT(ev_parse_seconds_ns("1.", &v) < 0 && ev_parse_seconds_ns(".5", &v) < 0, "half numbers");
	EXPECT(ev_parse_duration_ns("500ms", &v) == 0 && v == 500000000, "ms");
	EXPECT(ev_parse_duration_ns("1.5s", &v) == 0 && v == 1500000000, "s");
	EXPECT(ev_parse_duration_ns("2", &v) == 0 && v == 2000000000, "plain seconds");
	EXPECT(ev_parse_duration_ns("2h", &v) < 0, "unknown unit");
}

int main(void)
{
	log_prog = "iotprof";
	RUN(test_record_roundtrip);
	RUN(test_record_errors);
	RUN(test_trigger_native_and_csv);
	RUN(test_iotevents_import);
	RUN(test_signature_roundtrip);
	RUN(test_signature_errors);
	RUN(test_privacy_yaml);
	RUN(test_text_numbers);
	return check_state.cases_failed ? 1 : 0;
}
