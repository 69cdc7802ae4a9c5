// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The experiment file (docs/EXPERIMENT.md) and what it drives: the shipped
 * examples, defaults, every class of error with its file:line:column,
 * durations, paths, a short fuzz of the reader; commands with deadlines,
 * adb steps through a stand-in adb, and SSIM on PNGs written here.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "check.h"
#include "experiment.h"
#include "interact.h"
#include "verify.h"

struct check_state check_state = { .suite = "experiment" };

static char root[1024];		/* the checkout */
static char tmp[256];		/* this run's scratch directory */
static char errtext[16384];	/* stderr of the last loaded file */
static struct experiment ex;	/* large: not on the stack */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void find_root(void)
{
	const char *env = getenv("IOTPROF_ROOT");
	char exe[PATH_MAX];
	ssize_t n;

	if (env) {
		snprintf(root, sizeof(root), "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);	/* BUILD/selftests/test_x */
	exe[n > 0 ? n : 0] = 0;
	snprintf(root, sizeof(root), "%s/../..", dirname(exe));
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return;
	fwrite(text, 1, len, f);
	fclose(f);
}

static char *path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmp, name);
	return buf;
}

/* experiment_load with its stderr kept in errtext. */
static int load_quiet(const char *path, struct experiment *e)
{
	FILE *cap = tmpfile();
	int saved, err;
	size_t n;

	fflush(stderr);
	saved = dup(2);
	dup2(fileno(cap), 2);
	err = experiment_load(path, e);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(cap);
	n = fread(errtext, 1, sizeof(errtext) - 1, cap);
	errtext[n] = 0;
	fclose(cap);
	return err;
}

static int load_text(const char *text, struct experiment *e)
{
	char path[PATH_MAX];

	path_in(path, sizeof(path), "exp.yaml");
	write_file(path, text, strlen(text));
	return load_quiet(path, e);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* "exp.yaml:LINE:COL: what" where LINE:COL is where `at` first occurs. */
static bool has_error_at(const char *text, const char *at, const char *what)
{
	const char *p = strstr(text, at), *q;
	char want[512];
	int line = 1, col = 1;

	if (at[0] == '@')	/* "@LINE:COL" */
		sscanf(at + 1, "%d:%d", &line, &col);
	else if (!p)
		return false;
	for (q = text; p && at[0] != '@' && q < p; q++, col++)
		if (*q == '\n') {
			line++;
			col = 0;
		}
	snprintf(want, sizeof(want), "/exp.yaml:%d:%d: %s", line, col, what);
	return strstr(errtext, want) != NULL;
}

#define BASE "event: toggle\ndevice: {name: plug, address: 10.77.0.35}\n" \
	     "interaction: {kind: command, command: \"true\"}\n"

/* Loads BASE + extra, expecting -EINVAL and the message at `at`. */
static void expect_error(const char *extra, const char *at, const char *what)
{
	char text[4096];
	int err;

	snprintf(text, sizeof(text), "%s%s", extra[0] == '!' ? "" : BASE, extra + (extra[0] == '!'));
	err = load_text(text, &ex);
	EXPECT(err == -EINVAL, "%s: returned %d, expected -EINVAL", what, err);
	EXPECT(has_error_at(text, at, what), "expected \"%s\" at \"%s\"; stderr:\n%s", what, at, errtext);
}

/* ---- PNGs ---------------------------------------------------------------- */

static int write_png(const char *path, const unsigned char *px, unsigned w, unsigned h, bool rgba)
{
	png_image img = { .version = PNG_IMAGE_VERSION, .width = w, .height = h,
			  .format = rgba ? PNG_FORMAT_RGBA : PNG_FORMAT_GRAY };

	return png_image_write_to_file(&img, path, 0, px, 0, NULL) ? 0 : -EIO;
}

/* A screen-like picture: gradient, bars, a disc, fine stripes. */
static unsigned char *picture(unsigned w, unsigned h)
{
	unsigned char *p = malloc((size_t)w * h);

	for (unsigned y = 0; y < h; y++)
		for (unsigned x = 0; x < w; x++) {
			int v = 40 + (int)(150.0 * x / w);
			int dx = (int)x - (int)w / 3, dy = (int)y - (int)h / 2;

			if (y % 20 < 4)
				v = 230;
			if (dx * dx + dy * dy < (int)(h * h / 16))
				v = 20;
			if (x > w * 2 / 3 && (x / 3) % 2)
				v = 200;
			p[(size_t)y * w + x] = v;
		}
	return p;
}

static unsigned rnd_state = 12345;

static unsigned rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* ---- the examples ---------------------------------------------------------- */

static void test_examples_load(void)
{
	static const char *const names[] = { "plug-toggle.yaml", "camera-boot.yaml", "app-tap.yaml" };
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/configs/experiments", root);
	if (!EXPECT(!access(path, R_OK), "%s: %s (set IOTPROF_ROOT to the checkout)", path, strerror(errno)))
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/configs/experiments/%s", root, names[i]);
		EXPECT(load_quiet(path, &ex) == 0, "%s does not load:\n%s", names[i], errtext);
		if (i == 0) {
			EXPECT_EQ(ex.interaction.kind, INTERACTION_COMMAND, "plug: interaction kind");
			EXPECT_EQ(ex.verify.kind, VERIFY_COMMAND, "plug: verify kind");
			EXPECT(!strcmp(ex.interaction.command, "simhome trigger --device plug toggle"),
			       "plug: command \"%s\"", ex.interaction.command);
			EXPECT(!strcmp(ex.device_addrs[0], "10.77.0.35"), "plug: address");
			EXPECT(!strcmp(ex.interfaces[0], "br0") && ex.n_interfaces == 1, "plug: interfaces");
			EXPECT(ex.verify.delay_s == 1 && ex.verify.timeout_s == 30, "plug: verify times");
		} else if (i == 1) {
			EXPECT(ex.boot && ex.capture_s == 90 && ex.pause_min_s == 120 && ex.pause_max_s == 150,
			       "camera: power-cycle implies the boot defaults");
			EXPECT_EQ(ex.n_device_addrs, 2, "camera: addresses");
			EXPECT(ex.max_depth == 3 && ex.max_wall_s == 12 * 3600, "camera: limits");
		} else {
			EXPECT_EQ(ex.interaction.kind, INTERACTION_ADB, "app: kind");
			EXPECT_EQ(ex.interaction.n_steps, 8, "app: steps");
			EXPECT(ex.interaction.steps[2].kind == ADB_SWIPE &&
			       ex.interaction.steps[2].duration_ms == 300, "app: swipe");
			EXPECT(ex.verify.reference[0] == '/' && !access(ex.verify.reference, R_OK),
			       "app: reference resolved to \"%s\"", ex.verify.reference);
			EXPECT(ex.verify.threshold == 0.9, "app: threshold");
		}
	}
}

static void test_example_replay(void)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/configs/experiments/replay-tplink-toggle.yaml", root);
	err = load_quiet(path, &ex);
	if (err && strstr(errtext, "interaction.source: cannot read")) {
		check_skip("../shared/data/forest is not there");
		return;
	}
	EXPECT(err == 0, "does not load:\n%s", errtext);
	EXPECT_EQ(ex.interaction.kind, INTERACTION_REPLAY, "kind");
	EXPECT(strstr(ex.interaction.source, "/shared/data/forest/devices/plugs/TpLinkPlug/node_pruning/toggle") &&
	       !strstr(ex.interaction.source, ".."), "source \"%s\"", ex.interaction.source);
	EXPECT(!strcmp(ex.phone, "192.168.1.110") && !strcmp(ex.device_addrs[0], "192.168.1.135"), "addresses");
}

/* ---- defaults ---------------------------------------------------------------- */

static void test_defaults(void)
{
	experiment_defaults(&ex);
	EXPECT(ex.iterations == 20 && ex.capture_s == 20 && ex.pause_min_s == 40 && ex.pause_max_s == 150,
	       "m, d, pauses");
	EXPECT(!ex.boot && ex.prune && !ex.keep_control && !ex.save_pcap && ex.lease_s == 300 && !ex.seed,
	       "flags");
	EXPECT(ex.interaction.timeout_s == 60 && ex.interaction.off_s == 5, "interaction times");
	EXPECT(ex.verify.kind == VERIFY_NONE && ex.verify.threshold == 0.9 && ex.verify.timeout_s == 30 &&
	       ex.verify.delay_s == 0, "verify");
	EXPECT(!ex.max_depth && !ex.max_nodes && !ex.max_wall_s, "no limits");
	EXPECT(!ex.well_known[0] && !ex.pin_dir[0] && !ex.output[0], "empty paths mean the default");

	EXPECT(load_text(BASE, &ex) == 0, "minimal file:\n%s", errtext);
	EXPECT(!strcmp(ex.output, "campaign-plug-toggle"), "output default \"%s\"", ex.output);
	EXPECT(ex.iterations == 20 && ex.capture_s == 20 && !ex.boot, "defaults after load");
	EXPECT(load_text(BASE "control-plane: keep\n", &ex) == 0 && ex.keep_control, "control-plane: keep:\n%s",
	       errtext);
	EXPECT(load_text(BASE "control-plane: drop\n", &ex) == 0 && !ex.keep_control, "control-plane: drop:\n%s",
	       errtext);

	EXPECT(load_text("event: e\ndevice: {address: \"fd00::5\"}\ninteraction: {kind: command, command: x}\n",
			 &ex) == 0, "IPv6 device:\n%s", errtext);
	EXPECT(!strcmp(ex.device_name, "fd00::5"), "the name defaults to the address");
}

static void test_boot_defaults(void)
{
	const char *pc = "event: boot\ndevice: {address: 10.0.0.9}\n"
			 "interaction: {kind: power-cycle, off: \"true\", on: \"true\"}\n";
	char text[512];

	EXPECT(load_text(pc, &ex) == 0, "power-cycle:\n%s", errtext);
	EXPECT(ex.boot && ex.capture_s == 90 && ex.pause_min_s == 120 && ex.pause_max_s == 150,
	       "power-cycle: boot defaults");
	snprintf(text, sizeof(text), "%sboot: false\n", pc);
	EXPECT(load_text(text, &ex) == 0 && !ex.boot && ex.capture_s == 20 && ex.pause_min_s == 40,
	       "boot: false keeps the normal defaults");
	snprintf(text, sizeof(text), "%scapture: 30s\npause: 60\n", pc);
	EXPECT(load_text(text, &ex) == 0 && ex.boot && ex.capture_s == 30 && ex.pause_min_s == 60 &&
	       ex.pause_max_s == 60, "given values win over the boot defaults");
	snprintf(text, sizeof(text), "%sboot: true\n", BASE);
	EXPECT(load_text(text, &ex) == 0 && ex.boot && ex.capture_s == 90, "boot: true on a command");
}

static void test_validate_in_code(void)
{
	FILE *cap = tmpfile();
	int saved, err;
	size_t n;

	experiment_defaults(&ex);
	snprintf(ex.event, sizeof(ex.event), "toggle");
	snprintf(ex.device_addrs[0], sizeof(ex.device_addrs[0]), "192.168.1.135");
	ex.n_device_addrs = 1;
	ex.interaction.kind = INTERACTION_COMMAND;
	snprintf(ex.interaction.command, sizeof(ex.interaction.command), "true");
	EXPECT(experiment_validate(&ex, "replay") == 0, "a good experiment");
	ex.iterations = 0;
	ex.pause_min_s = 200;
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(cap), 2);
	err = experiment_validate(&ex, "replay");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(cap);
	n = fread(errtext, 1, sizeof(errtext) - 1, cap);
	errtext[n] = 0;
	fclose(cap);
	EXPECT(err == -EINVAL, "iterations 0 refused");
	EXPECT(strstr(errtext, "replay: iterations: must be at least 1 (got 0)\n"), "message: %s", errtext);
	EXPECT(strstr(errtext, "replay: pause: the minimum (200 s) is above the maximum (150 s)\n"),
	       "both problems: %s", errtext);
}

/* ---- errors -------------------------------------------------------------------- */

static void test_error_values(void)
{
	expect_error("iterations: 0\n", "0\n", "iterations: must be at least 1 (got 0)");
	expect_error("iterations: -4\n", "-4", "iterations: must be at least 1 (got -4)");
	expect_error("capture: -5s\n", "-5s", "capture: must be more than 0 s (got -5)");
	expect_error("capture: 0\n", "0\n", "capture: must be more than 0 s (got 0)");
	expect_error("pause: [150, 40]\n", "[150", "pause: the minimum (150 s) is above the maximum (40 s)");
	expect_error("pause: {min: 2m, max: 1m}\n", "{min", "pause: the minimum (120 s) is above the maximum (60 s)");
	expect_error("pause: \"-5-10\"\n", "\"-5", "pause: the minimum must not be negative (got -5)");
	expect_error("lease: 0\n", "0\n", "lease: must be more than 0 s (got 0)");
	expect_error("limits: {max-depth: -1}\n", "-1", "limits.max-depth: must not be negative (got -1)");
	expect_error("limits: {max-time: -1h}\n", "-1h", "limits.max-time: must not be negative (got -3600)");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\ninteraction: {kind: command, command: x, timeout: 0}\n",
		     "0}", "interaction.timeout: must be more than 0 s (got 0)");
	expect_error("verify: {kind: command, command: x, delay: -1s}\n", "-1s",
		     "verify.delay: must not be negative (got -1)");
	expect_error("pin-dir: relative\n", "relative", "pin-dir: must be an absolute path (got \"relative\")");
}

static void test_error_threshold(void)
{
	unsigned char *p = picture(40, 40);
	char path[PATH_MAX];

	write_png(path_in(path, sizeof(path), "ref.png"), p, 40, 40, false);
	free(p);
	expect_error("verify: {kind: screenshot, reference: ref.png, threshold: 0}\n", "0}",
		     "verify.threshold: must be in (0, 1] (got 0)");
	expect_error("verify: {kind: screenshot, reference: ref.png, threshold: 1.5}\n", "1.5",
		     "verify.threshold: must be in (0, 1] (got 1.5)");
	expect_error("verify: {kind: screenshot, reference: ref.png, threshold: -0.2}\n", "-0.2",
		     "verify.threshold: must be in (0, 1] (got -0.2)");
	EXPECT(load_text(BASE "verify: {kind: screenshot, reference: ref.png, threshold: 1}\n", &ex) == 0,
	       "threshold 1 is allowed:\n%s", errtext);
	expect_error("verify: {kind: screenshot, reference: nothere.png}\n", "nothere",
		     "verify.reference: cannot read");
}

static void test_error_missing_per_kind(void)
{
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\ninteraction: {kind: command}\n", "{kind: command}",
		     "interaction.command: missing (kind \"command\" needs it)");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\ninteraction: {kind: power-cycle, on: x}\n",
		     "{kind: power", "interaction.off: missing (kind \"power-cycle\" needs it)");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\ninteraction: {kind: power-cycle, off: x}\n",
		     "{kind: power", "interaction.on: missing (kind \"power-cycle\" needs it)");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\ninteraction: {kind: replay}\n", "{kind: replay",
		     "interaction.source: missing (kind \"replay\" needs it)");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\ninteraction: {kind: adb}\n", "{kind: adb",
		     "interaction.steps: missing or empty (kind \"adb\" needs at least one step)");
	expect_error("verify: {kind: screenshot}\n", "{kind: screenshot",
		     "verify.reference: missing (kind \"screenshot\" needs it)");
	expect_error("verify: {kind: command}\n", "{kind: command}\n",
		     "verify.command: missing (kind \"command\" needs it)");
	expect_error("verify: {command: x}\n", "{command: x}",
		     "verify: no kind: give kind: command, screenshot or none");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\ninteraction: {command: x}\n", "{command: x}",
		     "interaction.kind: missing (one of command, adb, power-cycle, replay)");
	expect_error("!device: {address: 10.0.0.1}\ninteraction: {kind: command, command: x}\n", "device",
		     "event: missing required key");
	expect_error("!event: e\ndevice: {name: x}\ninteraction: {kind: command, command: x}\n", "{name",
		     "device.address: missing: give the device's address or addresses");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\n"
		     "interaction: {kind: power-cycle, off: x, on: y, delay: 2m, timeout: 1m}\n", "2m",
		     "interaction.delay: 120 s is not shorter than the 60 s timeout");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\n"
		     "interaction: {kind: adb, timeout: 2s, steps: [{wait: 1s}, {wait: 1500ms}]}\n", "2s",
		     "interaction.timeout: the steps wait 2.5 s in all, not less than the 2 s timeout");
}

static void test_error_addresses(void)
{
	expect_error("!event: e\ndevice: {address: 10.0.0.256}\ninteraction: {kind: command, command: x}\n",
		     "10.0.0.256", "device.address: not an IPv4 or IPv6 address: \"10.0.0.256\"");
	expect_error("!event: e\ndevice: {addresses: [10.0.0.1, \"fe80::1::2\"]}\n"
		     "interaction: {kind: command, command: x}\n", "\"fe80",
		     "device.addresses[1]: not an IPv4 or IPv6 address: \"fe80::1::2\"");
	expect_error("phone: my-phone\n", "my-phone", "phone: not an IPv4 or IPv6 address: \"my-phone\"");
	expect_error("!event: e\ndevice: {address: 10.0.0.1, addresses: [10.0.0.2]}\n"
		     "interaction: {kind: command, command: x}\n", "[10.0.0.2",
		     "device.addresses: give either address or addresses, not both");
}

static void test_error_types(void)
{
	expect_error("iterations: twenty\n", "twenty", "iterations: expected an integer, got \"twenty\"");
	expect_error("iterations: \"20\"\n", "\"20\"", "iterations: expected an integer, got the string \"20\"");
	expect_error("iterations: 2.5\n", "2.5", "iterations: expected an integer, got \"2.5\"");
	expect_error("iterations: 99999999999\n", "9999", "iterations: out of range");
	expect_error("iterations:\n", "@4:12", "iterations: expected an integer, got nothing");
	expect_error("iterations: [1]\n", "[1]", "iterations: expected an integer, got a list");
	expect_error("!event: e\ndevice: [10.0.0.1]\ninteraction: {kind: command, command: x}\n", "[10",
		     "device: expected a mapping (key: value), got a list");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\ninteraction: run\n", "run",
		     "interaction: expected a mapping (key: value), got \"run\"");
	expect_error("limits: [1, 2]\n", "[1, 2]", "limits: expected a mapping (key: value), got a list");
	expect_error("boot: maybe\n", "maybe", "boot: expected true or false, got \"maybe\"");
	expect_error("save-pcap: \"yes\"\n", "\"yes\"", "save-pcap: expected true or false, got the string \"yes\"");
	expect_error("seed: -1\n", "-1", "seed: out of range (-1; from 0 to 4294967295)");
	expect_error("verify: {kind: screenshot, reference: r.png, threshold: high}\n", "high",
		     "verify.threshold: expected a number, got \"high\"");
	expect_error("capture: {d: 1}\n", "{d", "capture: expected a duration, got a mapping");
	expect_error("!event: a/b\ndevice: {address: 10.0.0.1}\ninteraction: {kind: command, command: x}\n", "a/b",
		     "event: \"a/b\": no '/', blanks or control characters allowed");
	expect_error("interfaces: [br0, a-very-long-interface-name]\n", "a-very",
		     "interfaces[1]: too long (26 characters; at most 15)");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\n"
		     "interaction: {kind: adb, steps: [{tap: [1, 2, 3]}]}\n", "[1, 2, 3]",
		     "interaction.steps[0].tap: expected [x, y] (2 integers), got a list of 3");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\n"
		     "interaction: {kind: adb, steps: [{tap: [1, 2], text: hi}]}\n", "hi}",
		     "interaction.steps[0].text: one action per step (this step has two)");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\n"
		     "interaction: {kind: adb, steps: [{wait: 1s, duration: 2s}]}\n", "{wait",
		     "interaction.steps[0]: duration belongs to a swipe");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\n"
		     "interaction: {kind: adb, steps: [{key: \"KEY BACK\"}]}\n", "\"KEY",
		     "interaction.steps[0].key: expected a key code such as KEYCODE_BACK or 4");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\n"
		     "interaction: {kind: adb, steps: [{}]}\n", "{}",
		     "interaction.steps[0]: no action: give one of tap, swipe, text, key or wait");
}

static void test_error_duplicates_empty_syntax(void)
{
	expect_error("iterations: 3\niterations: 4\n", "iterations: 4", "iterations: duplicate key (first given at line 4)");
	expect_error("!event: e\ndevice: {address: 10.0.0.1, address: 10.0.0.2}\n"
		     "interaction: {kind: command, command: x}\n", "address: 10.0.0.2",
		     "device.address: duplicate key (first given at line 2)");
	expect_error("!", "", "empty file: an experiment needs");
	expect_error("!# nothing but a comment\n\n", "#", "empty file");
	expect_error("!event: x\n  foo: bar\n", ": bar", "syntax error: mapping values are not allowed in this context");
	expect_error("!event: [a, b\n", "@2:1", "syntax error: did not find expected ',' or ']' "
		     "(while parsing a flow sequence at line 1, column 8)");
	expect_error("!event: \"\xff\"\n", "\xff", "syntax error: invalid leading UTF-8 octet");
	expect_error("!- a\n- b\n", "-", "expected a mapping (key: value), got a list");
	EXPECT(count_lines(errtext) == 1, "a list at the top is one error, not a cascade:\n%s", errtext);
	expect_error("---\nb: 1\n", "b: 1", "a second YAML document; one experiment per file");
	EXPECT(load_quiet("/nonexistent/exp.yaml", &ex) == -ENOENT &&
	       strstr(errtext, "/nonexistent/exp.yaml: cannot read: No such file or directory"),
	       "missing file: %s", errtext);
}

static void test_error_unknown_keys(void)
{
	expect_error("iteratons: 5\n", "iteratons", "iteratons: unknown key; did you mean \"iterations\"?");
	expect_error("save_pcap: true\n", "save_pcap", "save_pcap: unknown key; did you mean \"save-pcap\"?");
	expect_error("Capture: 5\n", "Capture", "Capture: unknown key; did you mean \"capture\"?");
	expect_error("colour: blue\n", "colour", "colour: unknown key (valid: event, device, phone,");
	expect_error("!event: e\ndevice: {nmae: x, address: 10.0.0.1}\ninteraction: {kind: command, command: x}\n",
		     "nmae", "device.nmae: unknown key; did you mean \"name\"?");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\ninteraction: {kind: command, comand: x}\n",
		     "comand", "interaction.comand: unknown key; did you mean \"command\"?");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\ninteraction: {kind: command, command: x, steps: []}\n",
		     "steps", "interaction.steps: not a key of kind \"command\"");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\ninteraction: {kind: comand, command: x}\n",
		     "comand,", "interaction.kind: unknown kind \"comand\"; did you mean \"command\"?");
	expect_error("verify: {kind: screenshot, reference: ref.png, treshold: 0.5}\n", "treshold",
		     "verify.treshold: unknown key; did you mean \"threshold\"?");
	expect_error("verify: {kind: none, delay: 1}\n", "delay", "verify.delay: not a key of kind \"none\"");
	expect_error("limits: {max-depht: 2}\n", "max-depht", "limits.max-depht: unknown key; did you mean \"max-depth\"?");
	expect_error("pause: {min: 1, mx: 2}\n", "mx", "pause.mx: unknown key; did you mean \"max\"?");
	expect_error("prune: nodes\n", "nodes",
		     "prune: unknown value \"nodes\" (node or none); did you mean \"node\"?");
	expect_error("control-plane: keeps\n", "keeps",
		     "control-plane: unknown value \"keeps\" (drop or keep); did you mean \"keep\"?");
	expect_error("!event: e\ndevice: {address: 10.0.0.1}\n"
		     "interaction: {kind: adb, steps: [{tapp: [1, 2]}]}\n", "tapp",
		     "interaction.steps[0].tapp: unknown key; did you mean \"tap\"?");
}

static void test_error_all_reported(void)
{
	const char *text = "event: toggle\n"
			   "iteratons: 5\n"
			   "device: {address: 10.0.0.300}\n"
			   "interaction: {kind: command, command: x}\n"
			   "iterations: 0\n"
			   "capture: soon\n"
			   "pause: [9, 3]\n";

	EXPECT(load_text(text, &ex) == -EINVAL, "refused");
	EXPECT_EQ(count_lines(errtext), 5, "five problems, five lines");
	EXPECT(strstr(errtext, ":2:1: iteratons") && strstr(errtext, ":3:19: device.address") &&
	       strstr(errtext, ":5:13: iterations") && strstr(errtext, ":6:10: capture") &&
	       strstr(errtext, ":7:8: pause"), "each at its place:\n%s", errtext);
	EXPECT(strstr(errtext, "iteratons") < strstr(errtext, "device.address") &&
	       strstr(errtext, "device.address") < strstr(errtext, "iterations:"), "in file order:\n%s", errtext);
}

/* ---- durations and paths ------------------------------------------------------ */

static void test_durations(void)
{
	static const struct { const char *text; double s; } ok[] = {
		{ "20", 20 }, { "1.5", 1.5 }, { "500ms", 0.5 }, { "20s", 20 }, { "2m", 120 },
		{ "1h", 3600 }, { "\"20 s\"", 20 }, { "\"90\"", 90 }, { "0.25h", 900 },
	};
	static const char *const bad[] = { "5min", "\"10 min\"", "inf", "nan", "0x10", "1e999", "s", "--2" };
	char text[512];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), BASE "capture: %s\n", ok[i].text);
		EXPECT(load_text(text, &ex) == 0 && fabs(ex.capture_s - ok[i].s) < 1e-9,
		       "capture: %s = %g s, got %g:\n%s", ok[i].text, ok[i].s, ex.capture_s, errtext);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), BASE "capture: %s\n", bad[i]);
		EXPECT(load_text(text, &ex) == -EINVAL && strstr(errtext, "capture: expected a duration"),
		       "capture: %s refused:\n%s", bad[i], errtext);
	}
	static const struct { const char *text; double lo, hi; } pauses[] = {
		{ "[40, 150]", 40, 150 }, { "[40s, 2m]", 40, 120 }, { "{min: 40s, max: 150s}", 40, 150 },
		{ "\"40-150\"", 40, 150 }, { "\"40s-2m\"", 40, 120 }, { "\"1e1-2e1\"", 10, 20 },
		{ "60", 60, 60 }, { "[500ms, 1s]", 0.5, 1 },
	};
	for (size_t i = 0; i < sizeof(pauses) / sizeof(pauses[0]); i++) {
		snprintf(text, sizeof(text), BASE "pause: %s\n", pauses[i].text);
		EXPECT(load_text(text, &ex) == 0 && fabs(ex.pause_min_s - pauses[i].lo) < 1e-9 &&
		       fabs(ex.pause_max_s - pauses[i].hi) < 1e-9, "pause: %s:\n%s", pauses[i].text, errtext);
	}
	expect_error("pause: [1, 2, 3]\n", "[1", "pause: expected [min, max], a list of two durations");
	expect_error("pause: {min: 1}\n", "{min", "pause: give both min and max");
	expect_error("pause: \"a-b\"\n", "\"a-b", "pause: expected a range such as \"40-150\"");
	EXPECT(load_text("event: e\ndevice: {address: 10.0.0.1}\ninteraction: {kind: adb, steps: "
			 "[{wait: 2s}, {swipe: [1, 2, 3, 4]}, {swipe: [1, 2, 3, 4], duration: 1.5s}, {key: 4}]}\n",
			 &ex) == 0, "adb steps:\n%s", errtext);
	EXPECT(ex.interaction.steps[0].duration_ms == 2000 && ex.interaction.steps[1].duration_ms == 300 &&
	       ex.interaction.steps[2].duration_ms == 1500 && !strcmp(ex.interaction.steps[3].text, "4"),
	       "step durations in ms");
}

static void test_relative_paths(void)
{
	char sub[PATH_MAX], p[PATH_MAX], want[PATH_MAX + 16], real[PATH_MAX], other[PATH_MAX];
	unsigned char *px = picture(40, 40);
	const char *text = BASE "verify: {kind: screenshot, reference: sub/ref.png}\n"
			   "well-known-ports: sub/ports\ndns-cache: /etc/hostname\noutput: out/campaign\n";

	mkdir(path_in(sub, sizeof(sub), "sub"), 0755);
	write_png(path_in(p, sizeof(p), "sub/ref.png"), px, 40, 40, false);
	write_file(path_in(p, sizeof(p), "sub/ports"), "443/tcp\n", 8);
	free(px);
	if (!realpath(tmp, real))
		snprintf(real, sizeof(real), "%s", tmp);
	EXPECT(load_text(text, &ex) == 0, "loads:\n%s", errtext);
	snprintf(want, sizeof(want), "%s/sub/ref.png", real);
	EXPECT(!strcmp(ex.verify.reference, want), "reference \"%s\", expected \"%s\"", ex.verify.reference, want);
	snprintf(want, sizeof(want), "%s/sub/ports", real);
	EXPECT(!strcmp(ex.well_known, want), "well-known-ports \"%s\"", ex.well_known);
	EXPECT(!strcmp(ex.dns_cache, "/etc/hostname"), "absolute paths stay");
	EXPECT(!strcmp(ex.output, "out/campaign"), "output stays relative to the current directory");

	/* a campaign's copy resolves against the original directory */
	write_file(path_in(other, sizeof(other), "sub/copy.yaml"), text, strlen(text));
	EXPECT(experiment_load_in(other, tmp, &ex) == 0, "load_in");
	snprintf(want, sizeof(want), "%s/sub/ref.png", real);
	EXPECT(!strcmp(ex.verify.reference, want), "load_in reference \"%s\"", ex.verify.reference);
	expect_error("well-known-ports: sub/none\n", "sub/none", "well-known-ports: cannot read");
	expect_error("dns-cache: sub\n", "sub\n", "dns-cache: \"");
}

/* ---- fuzz ------------------------------------------------------------------------ */

static void test_fuzz(void)
{
	static const char *const names[] = { "plug-toggle.yaml", "camera-boot.yaml", "app-tap.yaml",
					     "replay-tplink-toggle.yaml" };
	static const char interesting[] = ":-[]{},&*!|>'\"#% \n\t\0?@`~0123456789.";
	const char *env = getenv("FUZZ_COUNT");
	int count = env ? atoi(env) : 3000, loaded = 0, refused = 0, other = 0;
	char path[PATH_MAX], src[PATH_MAX], *orig[4] = {}, *buf = NULL;
	size_t len[4] = {};
	unsigned char *px = picture(360, 640);
	int devnull = open("/dev/null", O_WRONLY), saved;

	write_png(path_in(path, sizeof(path), "app-tap-reference.png"), px, 360, 640, false);
	free(px);
	for (int i = 0; i < 4; i++) {
		FILE *f;

		snprintf(src, sizeof(src), "%s/configs/experiments/%s", root, names[i]);
		f = fopen(src, "rb");
		if (!f)
			continue;
		orig[i] = malloc(8192);
		len[i] = fread(orig[i], 1, 8191, f);
		fclose(f);
	}
	buf = malloc(16384);
	path_in(path, sizeof(path), "fuzz.yaml");
	rnd_state = 0x1f2e3d4c;
	fflush(stderr);
	saved = dup(2);
	dup2(devnull, 2);
	for (int k = 0; k < count; k++) {
		int f = rnd() % 4, ops = 1 + rnd() % 4, err;
		size_t n = len[f];

		if (!orig[f])
			continue;
		memcpy(buf, orig[f], n);
		for (int o = 0; o < ops && n; o++) {
			size_t at = rnd() % n;
			char c = rnd() % 3 ? interesting[rnd() % (sizeof(interesting) - 1)] : (char)rnd();

			switch (rnd() % 4) {
			case 0: buf[at] = c; break;
			case 1: memmove(buf + at, buf + at + 1, n - at - 1); n--; break;
			case 2:
				if (n < 16000) {
					memmove(buf + at + 1, buf + at, n - at);
					buf[at] = c;
					n++;
				}
				break;
			default: {	/* a stretch of the original elsewhere: duplicated, nested keys */
				size_t from = rnd() % len[f], l = 1 + rnd() % 40;

				if (from + l > len[f])
					l = len[f] - from;
				if (n + l < 16000) {
					memmove(buf + at + l, buf + at, n - at);
					memcpy(buf + at, orig[f] + from, l);
					n += l;
				}
			}
			}
		}
		write_file(path, buf, n);
		err = experiment_load(path, &ex);
		if (!err)
			loaded++;
		else if (err == -EINVAL)
			refused++;
		else
			other++;
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(devnull);
	EXPECT(other == 0, "%d mutations returned neither 0 nor -EINVAL", other);
	EXPECT(loaded > 0 && refused > 0, "some load (%d), some are refused (%d)", loaded, refused);
	printf("  fuzz: %d mutations, %d loaded, %d refused\n", count, loaded, refused);
	for (int i = 0; i < 4; i++)
		free(orig[i]);
	free(buf);
}

/* ---- commands ----------------------------------------------------------------------- */

static bool process_gone(pid_t pid)
{
	char path[64], stat[256] = "";
	FILE *f;
	char *rp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	if (!fgets(stat, sizeof(stat), f))
		stat[0] = 0;
	fclose(f);
	rp = strrchr(stat, ')');
	return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');	/* a zombie is dead */
}

static void test_run_command(void)
{
	char why[512], cmd[PATH_MAX + 64], pidfile[PATH_MAX], line[32] = "";
	int status = -1, err;
	double t0;
	FILE *f;

	err = run_command("exit 3", 5, &status, why, sizeof(why));
	EXPECT(err == 0 && status == 3 && strstr(why, "exit status 3"), "exit 3: %d %d %s", err, status, why);
	err = run_command("echo boom >&2; exit 1", 5, &status, why, sizeof(why));
	EXPECT(err == 0 && status == 1 && strstr(why, "exit status 1: boom"), "the last line: %s", why);
	err = run_command("echo fine", 5, &status, why, sizeof(why));
	EXPECT(err == 0 && status == 0 && !why[0], "success leaves why empty: %s", why);
	err = run_command("no-such-command-for-iotprof --now", 5, &status, why, sizeof(why));
	EXPECT(err == -ENOENT && strstr(why, "not found"), "not found: %d %s", err, why);
	EXPECT(run_command("", 5, &status, why, sizeof(why)) == -EINVAL, "empty command");
	err = run_command("kill -9 $$", 5, &status, why, sizeof(why));
	EXPECT(err == 0 && status == 128 + 9 && strstr(why, "killed by signal 9"), "a signal: %s", why);

	t0 = now_s();
	err = run_command("sleep 30", 0.3, &status, why, sizeof(why));
	EXPECT(err == -ETIMEDOUT, "sleep 30 timed out: %d %s", err, why);
	EXPECT(now_s() - t0 < 2, "killed within the bound: %.2f s", now_s() - t0);
	EXPECT(strstr(why, "timed out after 0.3 s"), "why: %s", why);

	/* the whole process group goes, not only the shell */
	path_in(pidfile, sizeof(pidfile), "bg.pid");
	snprintf(cmd, sizeof(cmd), "sleep 30 & echo $! > %s; wait", pidfile);
	t0 = now_s();
	err = run_command(cmd, 0.3, &status, why, sizeof(why));
	EXPECT(err == -ETIMEDOUT && now_s() - t0 < 2, "group timeout: %d", err);
	f = fopen(pidfile, "r");
	if (f && fgets(line, sizeof(line), f)) {
		pid_t bg = atoi(line);
		bool gone = false;

		for (int i = 0; i < 100 && !(gone = process_gone(bg)); i++)
			usleep(10000);
		EXPECT(gone, "the background sleep %d was killed with the group", (int)bg);
	} else {
		EXPECT(false, "no pid file");
	}
	if (f)
		fclose(f);
}

static void test_interaction_command_power(void)
{
	struct interaction in = { .kind = INTERACTION_COMMAND, .timeout_s = 5 };
	char why[512], out[512], text[64] = "";
	double t0;
	FILE *f;
	int err;

	path_in(out, sizeof(out), "power.log");
	unlink(out);
	snprintf(in.command, sizeof(in.command), "echo triggered > %s", out);
	EXPECT(interaction_run(&in, why, sizeof(why)) == 0, "command: %s", why);
	f = fopen(out, "r");
	EXPECT(f && fgets(text, sizeof(text), f) && !strcmp(text, "triggered\n"), "command ran");
	if (f)
		fclose(f);

	snprintf(in.command, sizeof(in.command), "no-such-trigger-for-iotprof");
	err = interaction_run(&in, why, sizeof(why));
	EXPECT(err == -ENOENT && strstr(why, "not found"), "trigger not found: %s", why);
	snprintf(in.command, sizeof(in.command), "sleep 10");
	in.timeout_s = 0.2;
	EXPECT(interaction_run(&in, why, sizeof(why)) == -ETIMEDOUT, "trigger timeout: %s", why);

	unlink(out);
	in = (struct interaction){ .kind = INTERACTION_POWER_CYCLE, .timeout_s = 5, .off_s = 0.2 };
	snprintf(in.off, sizeof(in.off), "echo off >> %s", out);
	snprintf(in.on, sizeof(in.on), "echo on >> %s", out);
	t0 = now_s();
	EXPECT(interaction_run(&in, why, sizeof(why)) == 0, "power-cycle: %s", why);
	EXPECT(now_s() - t0 >= 0.2, "the delay was kept");
	f = fopen(out, "r");
	memset(text, 0, sizeof(text));
	EXPECT(f && fread(text, 1, sizeof(text) - 1, f) && !strcmp(text, "off\non\n"), "off then on: %s", text);
	if (f)
		fclose(f);
	snprintf(in.off, sizeof(in.off), "echo relay stuck >&2; exit 2");
	err = interaction_run(&in, why, sizeof(why));
	EXPECT(err == -EIO && strstr(why, "off command: exit status 2: relay stuck"), "off fails: %s", why);

	in = (struct interaction){ .kind = INTERACTION_REPLAY, .timeout_s = 5 };
	EXPECT(interaction_run(&in, why, sizeof(why)) == -EINVAL && why[0], "replay is not run here");
}

static void test_verify_command(void)
{
	struct verify v = { .kind = VERIFY_COMMAND, .timeout_s = 5, .delay_s = 0.2 };
	char why[512];
	double score, t0;
	bool ok;

	snprintf(v.command, sizeof(v.command), "true");
	t0 = now_s();
	EXPECT(verify_run(&v, &ok, &score, why, sizeof(why)) == 0 && ok && score == 1, "true: ok");
	EXPECT(now_s() - t0 >= 0.2, "the delay was kept");
	v.delay_s = 0;
	snprintf(v.command, sizeof(v.command), "echo 'state: off'; exit 1");
	EXPECT(verify_run(&v, &ok, &score, why, sizeof(why)) == 0 && !ok && score == 0, "false: not ok");
	EXPECT(strstr(why, "exit status 1: state: off"), "why: %s", why);
	snprintf(v.command, sizeof(v.command), "sleep 10");
	v.timeout_s = 0.2;
	EXPECT(verify_run(&v, &ok, &score, why, sizeof(why)) == -ETIMEDOUT && !ok, "a hung check: %s", why);
	v.kind = VERIFY_NONE;
	EXPECT(verify_run(&v, &ok, &score, why, sizeof(why)) == 0 && ok, "no verification: ok");
}

/* ---- adb ---------------------------------------------------------------------------- */

static char old_path[8192];

static void use_path(const char *dir)
{
	char p[PATH_MAX + 32];

	snprintf(p, sizeof(p), "%s:/usr/bin:/bin", dir);
	setenv("PATH", p, 1);
}

static void fake_adb(const char *bin, int exit_status)
{
	char script[4 * PATH_MAX], path[PATH_MAX], log[PATH_MAX], screen[PATH_MAX];

	mkdir(bin, 0755);
	path_in(log, sizeof(log), "adb.log");
	path_in(screen, sizeof(screen), "screen.png");
	snprintf(script, sizeof(script),
		 "#!/bin/sh\necho \"$*\" >> %s\n"
		 "case \"$*\" in *'exec-out screencap -p'*) cat %s;; esac\n"
		 "[ %d = 0 ] || echo 'error: no devices/emulators found' >&2\nexit %d\n",
		 log, screen, exit_status, exit_status);
	snprintf(path, sizeof(path), "%s/adb", bin);
	write_file(path, script, strlen(script));
	chmod(path, 0755);
}

static void test_adb_steps(void)
{
	struct interaction in = { .kind = INTERACTION_ADB, .timeout_s = 10, .n_steps = 5 };
	char bin[PATH_MAX], log[PATH_MAX], text[2048] = "", why[512], esc[64];
	FILE *f;
	size_t n;

	EXPECT(adb_escape_text("it's a test", esc, sizeof(esc)) == 0 && !strcmp(esc, "'it'\\''s%sa%stest'"),
	       "escaped: %s", esc);
	EXPECT(adb_escape_text("0123456789", esc, 8) == -ENOSPC, "too long for the buffer");
	path_in(bin, sizeof(bin), "bin");
	fake_adb(bin, 0);
	use_path(bin);
	path_in(log, sizeof(log), "adb.log");
	unlink(log);
	snprintf(in.serial, sizeof(in.serial), "emulator-5554");
	in.steps[0] = (struct adb_step){ .kind = ADB_TAP, .x1 = 540, .y1 = 1200 };
	in.steps[1] = (struct adb_step){ .kind = ADB_WAIT, .duration_ms = 100 };
	in.steps[2] = (struct adb_step){ .kind = ADB_SWIPE, .x1 = 1, .y1 = 2, .x2 = 3, .y2 = 4, .duration_ms = 250 };
	in.steps[3] = (struct adb_step){ .kind = ADB_TEXT };
	snprintf(in.steps[3].text, sizeof(in.steps[3].text), "it's a test");
	in.steps[4] = (struct adb_step){ .kind = ADB_KEY };
	snprintf(in.steps[4].text, sizeof(in.steps[4].text), "KEYCODE_BACK");
	EXPECT(interaction_run(&in, why, sizeof(why)) == 0, "adb steps: %s", why);
	f = fopen(log, "r");
	n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	text[n] = 0;
	if (f)
		fclose(f);
	EXPECT(!strcmp(text, "-s emulator-5554 shell input tap 540 1200\n"
			     "-s emulator-5554 shell input swipe 1 2 3 4 250\n"
			     "-s emulator-5554 shell input text 'it'\\''s%sa%stest'\n"
			     "-s emulator-5554 shell input keyevent KEYCODE_BACK\n"), "adb calls:\n%s", text);

	fake_adb(bin, 1);
	in.serial[0] = 0;
	EXPECT(interaction_run(&in, why, sizeof(why)) == -EIO &&
	       strstr(why, "step 1 (adb shell input tap): exit status 1: error: no devices/emulators found"),
	       "a failing step: %s", why);
	in.steps[0] = (struct adb_step){ .kind = ADB_WAIT, .duration_ms = 5000 };
	in.timeout_s = 0.5;
	EXPECT(interaction_run(&in, why, sizeof(why)) == -ETIMEDOUT, "a wait past the timeout: %s", why);
	setenv("PATH", old_path, 1);
}

static void test_adb_absent(void)
{
	struct interaction in = { .kind = INTERACTION_ADB, .timeout_s = 5, .n_steps = 1 };
	struct verify v = { .kind = VERIFY_SCREENSHOT, .timeout_s = 5, .threshold = 0.9 };
	char empty[PATH_MAX], why[512];
	double score;
	bool ok;

	mkdir(path_in(empty, sizeof(empty), "empty"), 0755);
	setenv("PATH", empty, 1);
	in.steps[0] = (struct adb_step){ .kind = ADB_TAP, .x1 = 1, .y1 = 1 };
	EXPECT(interaction_run(&in, why, sizeof(why)) == -ENOENT &&
	       !strcmp(why, "adb not found in PATH; install the android-sdk-platform-tools package"),
	       "interaction: %s", why);
	path_in(v.reference, sizeof(v.reference), "ref.png");
	EXPECT(verify_run(&v, &ok, &score, why, sizeof(why)) == -ENOENT && !ok &&
	       strstr(why, "adb not found in PATH"), "verify: %s", why);
	setenv("PATH", old_path, 1);
}

/* ---- SSIM ----------------------------------------------------------------------------- */

static void test_ssim(void)
{
	const unsigned w = 200, h = 150;
	unsigned char *a = picture(w, h), *noisy = malloc(w * h), *inv = malloc(w * h);
	unsigned char *rot = picture(h, w), *rgba = malloc(4 * w * h), *big = picture(1080, 2400);
	char pa[PATH_MAX], pn[PATH_MAX], pi[PATH_MAX], pr[PATH_MAX], pc[PATH_MAX], pb[PATH_MAX],
	     pt[PATH_MAX], why[512];
	double s = -2, t0;

	rnd_state = 777;
	for (unsigned i = 0; i < w * h; i++) {
		int v = a[i] + (int)(rnd() % 61) - 30;

		noisy[i] = v < 0 ? 0 : v > 255 ? 255 : v;
		inv[i] = 255 - a[i];
		rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = a[i];
		rgba[4 * i + 3] = 255;
	}
	write_png(path_in(pa, sizeof(pa), "ssim-a.png"), a, w, h, false);
	write_png(path_in(pn, sizeof(pn), "ssim-noisy.png"), noisy, w, h, false);
	write_png(path_in(pi, sizeof(pi), "ssim-inv.png"), inv, w, h, false);
	write_png(path_in(pr, sizeof(pr), "ssim-rot.png"), rot, h, w, false);
	write_png(path_in(pc, sizeof(pc), "ssim-rgba.png"), rgba, w, h, true);
	write_png(path_in(pb, sizeof(pb), "ssim-big.png"), big, 1080, 2400, false);
	write_file(path_in(pt, sizeof(pt), "ssim-text.png"), "not a png\n", 10);

	EXPECT(ssim_png_files(pa, pa, &s, why, sizeof(why)) == 0 && fabs(s - 1) < 1e-9, "identical: %.12f", s);
	EXPECT(ssim_png_files(pa, pc, &s, why, sizeof(why)) == 0 && fabs(s - 1) < 1e-9, "gray vs RGBA: %.12f", s);
	EXPECT(ssim_png_files(pa, pn, &s, why, sizeof(why)) == 0 && s > 0.2 && s < 0.95, "noisy: %.4f", s);
	printf("  ssim: noisy %.4f", s);
	EXPECT(ssim_png_files(pa, pi, &s, why, sizeof(why)) == 0 && s < 0.1, "inverted: %.4f", s);
	printf(", inverted %.4f", s);
	t0 = now_s();
	EXPECT(ssim_png_files(pb, pb, &s, why, sizeof(why)) == 0 && fabs(s - 1) < 1e-9, "1080x2400: %.12f", s);
	printf(", 1080x2400 in %.3f s\n", now_s() - t0);
	EXPECT(ssim_png_files(pa, pr, &s, why, sizeof(why)) == -EINVAL && strstr(why, "is 200x150") &&
	       strstr(why, "is 150x200"), "different sizes: %s", why);
	EXPECT(ssim_png_files(pa, pt, &s, why, sizeof(why)) == -EINVAL && strstr(why, "not a PNG"), "text: %s", why);
	EXPECT(ssim_png_files(pa, "/nonexistent.png", &s, why, sizeof(why)) == -ENOENT, "missing: %s", why);
	EXPECT(ssim_gray(a, a, 8, 8, &s, why, sizeof(why)) == -EINVAL && strstr(why, "too small"), "8x8: %s", why);
	memset(inv, 128, w * h);
	EXPECT(ssim_gray(inv, inv, w, h, &s, why, sizeof(why)) == 0 && fabs(s - 1) < 1e-12, "flat: %.12f", s);
	free(a);
	free(noisy);
	free(inv);
	free(rot);
	free(rgba);
	free(big);
}

static void test_verify_screenshot(void)
{
	struct verify v = { .kind = VERIFY_SCREENSHOT, .timeout_s = 5, .threshold = 0.9 };
	char bin[PATH_MAX], screen[PATH_MAX], why[512], cmd[3 * PATH_MAX];
	double score;
	bool ok;

	path_in(bin, sizeof(bin), "bin");
	fake_adb(bin, 0);
	use_path(bin);
	path_in(screen, sizeof(screen), "screen.png");
	path_in(v.reference, sizeof(v.reference), "ssim-a.png");
	snprintf(cmd, sizeof(cmd), "cp %s/ssim-a.png %s", tmp, screen);
	EXPECT(system(cmd) == 0, "copy");
	EXPECT(verify_run(&v, &ok, &score, why, sizeof(why)) == 0 && ok && fabs(score - 1) < 1e-9,
	       "same screen: %s", why);
	snprintf(cmd, sizeof(cmd), "cp %s/ssim-inv.png %s", tmp, screen);
	EXPECT(system(cmd) == 0, "copy");
	EXPECT(verify_run(&v, &ok, &score, why, sizeof(why)) == 0 && !ok && score < 0.9 && strstr(why, "SSIM"),
	       "another screen: %s", why);
	snprintf(cmd, sizeof(cmd), "cp %s/ssim-rot.png %s", tmp, screen);
	EXPECT(system(cmd) == 0, "copy");
	EXPECT(verify_run(&v, &ok, &score, why, sizeof(why)) == -EINVAL && strstr(why, "150x200") &&
	       strstr(why, "200x150"), "a screen of another size: %s", why);
	setenv("PATH", old_path, 1);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

int main(void)
{
	double t0 = now_s();

	find_root();
	snprintf(old_path, sizeof(old_path), "%s", getenv("PATH") ?: "/usr/bin:/bin");
	snprintf(tmp, sizeof(tmp), "/tmp/iotprof-test-experiment-XXXXXX");
	if (!mkdtemp(tmp)) {
		printf("FAIL: experiment setup: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	RUN(test_examples_load);
	RUN(test_example_replay);
	RUN(test_defaults);
	RUN(test_boot_defaults);
	RUN(test_validate_in_code);
	RUN(test_error_values);
	RUN(test_error_threshold);
	RUN(test_error_missing_per_kind);
	RUN(test_error_addresses);
	RUN(test_error_types);
	RUN(test_error_duplicates_empty_syntax);
	RUN(test_error_unknown_keys);
	RUN(test_error_all_reported);
	RUN(test_durations);
	RUN(test_relative_paths);
	RUN(test_fuzz);
	RUN(test_run_command);
	RUN(test_interaction_command_power);
	RUN(test_verify_command);
	RUN(test_adb_steps);
	RUN(test_adb_absent);
	RUN(test_ssim);
	RUN(test_verify_screenshot);
	nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	printf("  %.1f s\n", now_s() - t0);
	return check_state.cases_failed ? 1 : 0;
}
