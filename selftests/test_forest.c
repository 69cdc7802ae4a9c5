// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The Forest dataset index (user/forest.c) on the nine public events in
 * $IOTPROF_SHARED/data/forest, and on small broken event directories made
 * here: every directory maps to one node, blocked sets as our signatures
 * write them find their recorded node, bad input is named.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include "check.h"
#include "forest.h"

struct check_state check_state = { .suite = "forest" };

static const struct {
	const char *dir, *device;
	size_t nodes, dirs, unmatched;
} events[] = {
	{ "plugs/TpLinkPlug/node_pruning/toggle", "192.168.1.135", 66, 11, 1 },
	{ "plugs/TpLinkPlug/node_pruning/boot", "192.168.1.135", 9, 5, 0 },
	{ "plugs/TapoPlug/node_pruning/toggle", "192.168.1.134", 6, 3, 0 },
	{ "lights/TuyaLight/node_pruning/toggle", "192.168.1.162", 28, 9, 0 },
	{ "lights/HueLight/node_pruning/toggle", "192.168.1.141", 17, 4, 0 },
	{ "lights/TapoLight/node_pruning/toggle", "192.168.1.231", 7, 3, 0 },
	{ "lights/TapoLight/node_pruning/set_color", "192.168.1.231", 4, 2, 0 },
	{ "lights/TapoLight/node_pruning/set_brightness", "192.168.1.231", 8, 5, 0 },
	{ "cameras/XiaomiCamera/node_pruning/boot", "192.168.1.161", 101, 17, 0 },
};
#define N_EVENTS (sizeof(events) / sizeof(events[0]))

static char devices[PATH_MAX];

static bool have_dataset(void)
{
	const char *shared = getenv("IOTPROF_SHARED");
	struct stat st;

	snprintf(devices, sizeof(devices), "%s/data/forest/devices", shared ? shared : "/work/main/../shared");
	if (stat(devices, &st) || !S_ISDIR(st.st_mode)) {
		check_skip("the Forest dataset ($IOTPROF_SHARED/data/forest/devices) is absent");
		return false;
	}
	return true;
}

/* a/b; "" when it does not fit (the test then fails naming it). */
static void join(char *buf, size_t len, const char *a, const char *b)
{
	if (snprintf(buf, len, "%s/%s", a, b) >= (int)len)
		buf[0] = 0;
}

static void event_path(size_t i, char *buf, size_t len)
{
	join(buf, len, devices, events[i].dir);
}

static struct flowid fl(const char *src, const char *dst, const char *proto, int sport, int dport)
{
	struct flowid f = { .sport = sport, .dport = dport };

	snprintf(f.src, sizeof(f.src), "%s", src);
	snprintf(f.dst, sizeof(f.dst), "%s", dst);
	snprintf(f.proto, sizeof(f.proto), "%s", proto);
	return f;
}

static struct flowid with_app(struct flowid f, __u8 kind, const char *a, const char *b, const char *c)
{
	f.app_kind = kind;
	snprintf(f.app_a, sizeof(f.app_a), "%s", a);
	snprintf(f.app_b, sizeof(f.app_b), "%s", b);
	snprintf(f.app_c, sizeof(f.app_c), "%s", c);
	return f;
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static const struct forest_node *by_dir(const struct forest *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].dir[0] && !strcmp(base(f->v[i].dir), name))
			return &f->v[i];
	return NULL;
}

static size_t count_subdirs(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t n = 0;

	while (d && (e = readdir(d)))
		n += e->d_type == DT_DIR && e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* Runs forest_open with stderr captured into msg. */
static int open_capturing(const char *dir, const char *device, struct forest *f, char *msg, size_t len)
{
	char tmpl[] = "/tmp/test_forest_err.XXXXXX";
	int fd = mkstemp(tmpl), saved = dup(2), err;
	ssize_t n;

	fflush(stderr);
	dup2(fd, 2);
	err = forest_open(dir, device, f);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, msg, len - 1, 0);
	msg[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(tmpl);
	return err;
}

static void test_every_event_opens(void)
{
	if (!have_dataset())
		return;
	for (size_t i = 0; i < N_EVENTS; i++) {
		char path[PATH_MAX];
		struct forest f;
		size_t run = 0;

		event_path(i, path, sizeof(path));
		if (!EXPECT(forest_open(path, events[i].device, &f) == 0, "%s opens", events[i].dir))
			continue;
		EXPECT(f.n == events[i].nodes, "%s: %zu tree nodes, expected %zu", events[i].dir, f.n,
		       events[i].nodes);
		for (size_t k = 0; k < f.n; k++)
			run += f.v[k].dir[0] != 0;
		EXPECT(run + f.n_unmatched == events[i].dirs, "%s: %zu run + %zu unmatched, expected %zu dirs",
		       events[i].dir, run, f.n_unmatched, events[i].dirs);
		EXPECT(f.n_unmatched == events[i].unmatched, "%s: %zu unmatched directories", events[i].dir,
		       f.n_unmatched);
		EXPECT(f.v[0].parent == -1 && f.v[0].depth == 0 && f.v[0].n_traces >= 16,
		       "%s: the root first, with its traces", events[i].dir);
		forest_close(&f);
	}
}

/* Every directory is one run node (or, once, a known orphan); a node's
 * directory has its depth and its key's ts; no two share a node. */
static void test_every_dir_maps_once(void)
{
	if (!have_dataset())
		return;
	for (size_t i = 0; i < N_EVENTS; i++) {
		char path[PATH_MAX];
		struct forest f;
		size_t run = 0;

		event_path(i, path, sizeof(path));
		if (!EXPECT(forest_open(path, events[i].device, &f) == 0, "%s opens", events[i].dir))
			continue;
		for (size_t k = 0; k < f.n; k++) {
			const struct forest_node *n = &f.v[k];
			const char *d = base(n->dir), *kts, *dts;

			if (!n->dir[0])
				continue;
			run++;
			EXPECT(n->n_blocked == (size_t)n->depth && atoi(d) == n->depth,
			       "%s: %s at depth %d", events[i].dir, d, n->depth);
			kts = strrchr(n->key, '_');
			dts = strrchr(d, '_');
			EXPECT(k == 0 || (kts && dts && !strcmp(kts, dts)), "%s: %s has the ts of %s",
			       events[i].dir, d, n->key);
			EXPECT(n->n_traces >= 1, "%s: %s has captures", events[i].dir, d);
			for (size_t j = 0; j < k; j++)
				EXPECT(strcmp(f.v[j].dir, n->dir), "%s: %s maps twice", events[i].dir, d);
		}
		EXPECT_EQ(run + f.n_unmatched, count_subdirs(path), events[i].dir);
		forest_close(&f);
	}
}

/* Directory names that are not their keys: an ephemeral port added, ports
 * in another order, an IP where the key has a name. */
static void test_renamed_dirs(void)
{
	static const struct { size_t ev; const char *dir, *key; } cases[] = {
		{ 7, "1_54.216.182.180-192.168.1.231_TCP_dst_52433_src_443_1732922342",
		  "1_euw1-device-cloudgateway.iot.i.tplinknbu.com-192.168.1.231_TCP_src_443_1732922342" },
		{ 5, "1_192.168.1.231-54.228.171.232_TCP_dst_443_1732474660",
		  "1_192.168.1.231-euw1-device-cloudgateway.iot.i.tplinknbu.com_TCP_dst_443_1732474660" },
		{ 3, "1_m1.tuyaeu.com-192.168.1.110_TCP_dst_41780_src_8883_1732722883",
		  "1_m1.tuyaeu.com-192.168.1.110_TCP_src_8883_1732722883" },
		{ 3, "1_192.168.1.110-192.168.1.162_TCP_src_44816_dst_6668_1732722883",
		  "1_192.168.1.110-192.168.1.162_TCP_dst_6668_1732722883" },
		{ 7, "2_192.168.1.110-192.168.1.231_TCP_dst_80_src_38736_HTTP_response-False_method-POST_uri--app-request-_1732924201",
		  "2_192.168.1.110-192.168.1.231_TCP_dst_80_HTTP_response-False_method-POST_uri--app-request-_1732924201" },
	};

	if (!have_dataset())
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[PATH_MAX];
		const struct forest_node *n;
		struct forest f;

		event_path(cases[i].ev, path, sizeof(path));
		if (!EXPECT(forest_open(path, events[cases[i].ev].device, &f) == 0, "%s opens", path))
			continue;
		n = by_dir(&f, cases[i].dir);
		EXPECT(n && !strcmp(n->key, cases[i].key), "%s -> %s, got %s", cases[i].dir, cases[i].key,
		       n ? n->key : "nothing");
		forest_close(&f);
	}
}

static void test_tplink_toggle(void)
{
	struct flowid local = fl("192.168.1.110", "192.168.1.135", "tcp", FLOWID_PORT_ANY, 9999);
	struct flowid cloud = fl("79.125.56.92", "192.168.1.135", "tcp", 443, FLOWID_PORT_ANY);
	struct flowid set[2], dns;
	const struct forest_node *n;
	char path[PATH_MAX];
	struct forest f;
	size_t run = 0;

	if (!have_dataset())
		return;
	event_path(0, path, sizeof(path));
	if (!EXPECT(forest_open(path, "192.168.1.135", &f) == 0, "opens"))
		return;
	for (size_t k = 0; k < f.n; k++)
		run += f.v[k].dir[0] != 0;
	EXPECT_EQ(run + f.n_unmatched, 11, "directories");
	EXPECT(f.n_unmatched == 1 && !strcmp(f.unmatched[0], "1_192.168.1.134-192.168.1.110_UDP_src_20002_1732177288"),
	       "the orphan directory is reported");
	EXPECT_EQ(f.v[0].children.n, 7, "root children");
	EXPECT_EQ(f.v[0].n_traces, 20, "root captures");
	EXPECT(forest_find(&f, NULL, 0) == &f.v[0], "nothing blocked: the root");

	/* depth 2, as our walk would ask: local control, then the cloud
	 * connection that appeared when it was blocked */
	set[0] = local;
	set[1] = cloud;
	n = forest_find(&f, set, 2);
	EXPECT(n && !strcmp(base(n->dir), "2_79.125.56.92-192.168.1.135_TCP_src_443_1732179235"),
	       "depth-2 node found: %s", n ? n->dir : "none");
	if (n) {
		EXPECT_EQ(n->depth, 2, "its depth");
		EXPECT(n->parent >= 0 && !strcmp(f.v[n->parent].key,
						 "1_192.168.1.110-192.168.1.135_TCP_dst_9999_1732177288"), "its parent");
		EXPECT_EQ(n->n_traces, 20, "its captures");
		EXPECT_EQ(n->children.n, 7, "its children minus its blocked path");
		for (size_t i = 0; i < n->children.n; i++)
			EXPECT(!forest_flowid_matches(&f, &n->children.v[i], &local) &&
			       !forest_flowid_matches(&f, &n->children.v[i], &cloud), "a blocked Flow ID among its children");
	}
	/* the same set in the other order, the cloud flow seen from the
	 * device's side with the ephemeral port it kept in every trace */
	set[0] = fl("192.168.1.135", "79.125.56.92", "tcp", 53722, 443);
	set[1] = local;
	EXPECT(forest_find(&f, set, 2) == n, "order, direction and a kept port do not matter");

	/* depth 1 from our root signature */
	dns = with_app(fl("192.168.1.135", "192.168.1.1", "udp", FLOWID_PORT_ANY, 53), IOTPROF_APP_DNS,
		       "use1-api.tplinkra.com", "A", "");
	n = forest_find(&f, &dns, 1);
	EXPECT(n && n->depth == 1 && strstr(n->key, "domain-name-use1-api.tplinkra.com"), "DNS node found");

	/* never recorded: our walk asks for local + use1-api; the node with
	 * local + 79.125.56.92:443 must not pass for it (no evidence that
	 * address is that name; the captures resolve it to others) */
	set[0] = local;
	set[1] = fl("192.168.1.135", "use1-api.tplinkra.com", "tcp", FLOWID_PORT_ANY, 443);
	EXPECT(forest_find(&f, set, 2) == NULL, "an address is no name without evidence");
	/* a pair nobody ran, a flow nobody saw, a wrong port */
	set[0] = dns;
	set[1] = fl("192.168.1.135", "use1-api.tplinkra.com", "tcp", FLOWID_PORT_ANY, 443);
	EXPECT(forest_find(&f, set, 2) == NULL, "an unrecorded pair gives NULL");
	set[0] = fl("192.168.1.135", "evil.example", "tcp", FLOWID_PORT_ANY, 443);
	EXPECT(forest_find(&f, set, 1) == NULL, "an unknown flow gives NULL");
	set[0] = local;
	set[0].dport = 80;
	EXPECT(forest_find(&f, set, 1) == NULL, "another fixed port gives NULL");
	set[0] = local;
	set[0].app_kind = IOTPROF_APP_HTTP;
	EXPECT(forest_find(&f, set, 1) == NULL, "application data that differ give NULL");
	forest_close(&f);
}

/* Blocked sets as our signatures of the recorded captures write them. */
static void test_find_with_our_flowids(void)
{
	struct flowid cloud = fl("192.168.1.231", "54.228.171.232", "tcp", 52433, 443);
	struct flowid http = with_app(fl("192.168.1.110", "192.168.1.231", "tcp", 44376, 80), IOTPROF_APP_HTTP,
				      "POST", "/app/request", "");
	const struct forest_node *n;
	char path[PATH_MAX];
	struct forest f;

	if (!have_dataset())
		return;
	event_path(5, path, sizeof(path));	/* TapoLight/toggle */
	if (!EXPECT(forest_open(path, "192.168.1.231", &f) == 0, "opens"))
		return;
	n = forest_find(&f, &cloud, 1);
	EXPECT(n && !strcmp(base(n->dir), "1_192.168.1.231-54.228.171.232_TCP_dst_443_1732474660"),
	       "an address for the name: %s", n ? n->dir : "none");
	n = forest_find(&f, &http, 1);
	EXPECT(n && strstr(n->dir, "HTTP_response-False_method-POST"), "HTTP with a URI prefix: %s",
	       n ? n->dir : "none");
	http.app_b[1] = 'X';
	EXPECT(forest_find(&f, &http, 1) == NULL, "another URI gives NULL");
	forest_close(&f);
}

static void test_flowid_matches(void)
{
	struct flowid ours = fl("192.168.1.5", "api.example", "tcp", FLOWID_PORT_ANY, 443), theirs = ours;
	struct forest f = {};
	struct flowid d1, d2;

	EXPECT(forest_flowid_matches(NULL, &ours, &theirs), "identical");
	theirs = fl("api.example", "192.168.1.5", "TCP", 443, FLOWID_PORT_ANY);
	EXPECT(forest_flowid_matches(NULL, &ours, &theirs), "reversed, protocol case");
	theirs = fl("192.168.1.5", "203.0.113.7", "tcp", FLOWID_PORT_ANY, 443);
	EXPECT(!forest_flowid_matches(&f, &ours, &theirs), "an address is no name without an alias");
	EXPECT(forest_add_alias(&f, "203.0.113.7", "API.example") == 0 && forest_add_alias(&f, "203.0.113.7",
	       "api.example") == 0 && f.n_aliases == 1, "an alias, once");
	EXPECT(forest_flowid_matches(&f, &ours, &theirs), "an aliased address for its name");
	EXPECT(forest_flowid_matches(&f, &theirs, &ours), "and the other way");
	theirs = fl("192.168.1.5", "203.0.113.8", "tcp", FLOWID_PORT_ANY, 443);
	EXPECT(!forest_flowid_matches(&f, &ours, &theirs), "another address");
	EXPECT(forest_add_alias(&f, "192.168.1.1", "api.example") == -EINVAL &&
	       forest_add_alias(&f, "203.0.113.9", "198.51.100.1") == -EINVAL, "local or nameless aliases refused");
	theirs = fl("203.0.113.9", "203.0.113.7", "tcp", FLOWID_PORT_ANY, 443);
	ours = fl("a.example", "api.example", "tcp", FLOWID_PORT_ANY, 443);
	forest_add_alias(&f, "203.0.113.9", "a.example");
	EXPECT(!forest_flowid_matches(&f, &ours, &theirs), "two guessed hosts");
	forest_close(&f);
	ours = fl("192.168.1.5", "api.example", "tcp", 40000, 443);
	theirs = fl("192.168.1.5", "api.example", "tcp", FLOWID_PORT_ANY, 443);
	EXPECT(forest_flowid_matches(NULL, &ours, &theirs), "a kept port against a wildcard");
	theirs.sport = 40001;
	EXPECT(!forest_flowid_matches(NULL, &ours, &theirs), "two different fixed ports");
	theirs = fl("192.168.1.5", "api.example", "udp", FLOWID_PORT_ANY, 443);
	EXPECT(!forest_flowid_matches(NULL, &ours, &theirs), "another protocol");

	d1 = with_app(fl("192.168.1.5", "192.168.1.1", "udp", FLOWID_PORT_ANY, 53), IOTPROF_APP_DNS,
		      "Api.Example.", "A", "");
	d2 = with_app(fl("192.168.1.5", "192.168.1.1", "udp", FLOWID_PORT_ANY, 53), IOTPROF_APP_DNS,
		      "api.example", "1", "");
	EXPECT(forest_flowid_matches(NULL, &d1, &d2), "DNS name case, final dot, type by number");
	snprintf(d2.app_b, sizeof(d2.app_b), "AAAA");
	EXPECT(!forest_flowid_matches(NULL, &d1, &d2), "another DNS type");
	d2 = d1;
	d2.app_kind = IOTPROF_APP_NONE;
	EXPECT(!forest_flowid_matches(NULL, &d1, &d2), "with and without application data");

	d1 = with_app(fl("192.168.1.7", "192.168.1.5", "udp", FLOWID_PORT_ANY, 5683), IOTPROF_APP_COAP, "CON",
		      "0.03", "/light/state");
	d2 = with_app(d1, IOTPROF_APP_COAP, "", "0.03", "/light*");
	EXPECT(forest_flowid_matches(NULL, &d1, &d2), "CoAP without a type, URI prefix");
	snprintf(d2.app_b, sizeof(d2.app_b), "0.01");
	EXPECT(!forest_flowid_matches(NULL, &d1, &d2), "another CoAP code");
}

static char policy_why[200];

static int policy(const char *text, struct flowid *out)
{
	struct json_object *o = json_tokener_parse(text);
	int err = forest_policy_to_flowid(o, "192.168.1.5", out, policy_why, sizeof(policy_why));

	json_object_put(o);
	return err;
}

static void test_policies(void)
{
	struct flowid f;

	EXPECT(policy("{\"protocols\":{\"ipv4\":{\"src\":\"self\",\"dst\":\"192.168.1.1\"},\"udp\":{\"dst-port\":53},"
		      "\"dns\":{\"response\":false,\"qtype\":28,\"domain-name\":\"a.example\"}},\"bidirectional\":true}",
		      &f) == 0, "DNS policy");
	EXPECT(!strcmp(f.src, "192.168.1.5") && !strcmp(f.proto, "udp") && f.sport == FLOWID_PORT_ANY &&
	       f.dport == 53 && f.app_kind == IOTPROF_APP_DNS && !strcmp(f.app_a, "a.example") &&
	       !strcmp(f.app_b, "AAAA"), "self, wildcard port, type 28 as AAAA");
	EXPECT(policy("{\"protocols\":{\"ipv4\":{\"src\":\"192.168.1.9\",\"dst\":\"self\"},\"udp\":{},"
		      "\"coap\":{\"request\":true,\"code\":\"PUT\",\"uri\":null}}}", &f) == 0 &&
	       f.app_kind == IOTPROF_APP_COAP && !strcmp(f.app_b, "0.03") && !strcmp(f.app_c, "/"),
	       "CoAP: method as code, no path as /");
	EXPECT(policy("{\"protocols\":{\"ipv4\":{\"src\":\"self\",\"dst\":\"x\"},\"tcp\":{},\"ssh\":{}}}", &f) ==
	       -EINVAL && strstr(policy_why, "\"ssh\" has no Flow ID counterpart"), "an unknown protocol: %s",
	       policy_why);
	/* Tolerated: an mDNS policy without qtype, no ports, no
	 * "bidirectional", IPv6 and ICMPv6, names with '#', '_' and UTF-8. */
	EXPECT(policy("{\"protocols\":{\"ipv4\":{\"src\":\"self\",\"dst\":\"224.0.0.251\"},\"udp\":{},"
		      "\"mdns\":{\"domain-name\":\"Lamp #2 \\u00e9._hap._tcp.local\"}}}", &f) == 0 &&
	       f.app_kind == IOTPROF_APP_DNS && !f.app_b[0] && !strcmp(f.app_a, "Lamp #2 \u00e9._hap._tcp.local"),
	       "mDNS without qtype: %s", policy_why);
	EXPECT(policy("{\"protocols\":{\"ipv6\":{\"src\":\"self\",\"dst\":\"ff02::fb\"},\"icmpv6\":{}}}",
		      &f) == 0 && !strcmp(f.proto, "icmpv6") && !strcmp(f.dst, "ff02::fb"), "IPv6 and ICMPv6: %s",
	       policy_why);
	EXPECT(policy("{\"protocols\":{\"ipv4\":{\"src\":\"self\",\"dst\":\"x\"},\"tcp\":{\"dst-port\":70000}}}",
		      &f) == -EINVAL, "a port out of range is refused");
	EXPECT(policy("{\"protocols\":{\"tcp\":{}}}", &f) == -EINVAL, "hosts are needed");
}

/* A tree whose second child blocks a policy iotprof cannot map (ARP), and
 * whose third lacks what the public dataset's held-out events lack: an
 * mDNS policy without "qtype", no ports, no "bidirectional". */
static const char *const odd_tree =
	"{\"0_root\": {\"data\": [0, []], \"children\": [\n"
	"  {\"1_192.168.1.5-192.168.1.1_UDP_dst_53_DNS_response-False_qtype-A_domain-name-a.example_100\": {\n"
	"    \"data\": [1, [{\"protocols\": {\"ipv4\": {\"src\": \"self\", \"dst\": \"192.168.1.1\"},\n"
	"      \"udp\": {\"dst-port\": 53}, \"dns\": {\"response\": false, \"qtype\": \"A\",\n"
	"      \"domain-name\": \"a.example\"}}, \"bidirectional\": true}]], \"children\": []}},\n"
	"  {\"1_192.168.1.5-192.168.1.1_ARP_100\": {\n"
	"    \"data\": [1, [{\"protocols\": {\"arp\": {\"type\": \"request\"}}, \"bidirectional\": true}]]}},\n"
	"  {\"1_192.168.1.5-224.0.0.251_UDP_DNS_domain-name-Lamp-2._hap._tcp.local_100\": {\n"
	"    \"data\": [1, [{\"protocols\": {\"ipv4\": {\"src\": \"self\", \"dst\": \"224.0.0.251\"},\n"
	"      \"udp\": {}, \"dns\": {\"domain-name\": \"Lamp #2._hap._tcp.local\"}}}]]}}]}}\n";

/* ---- broken event directories ----------------------------------------- */

static const char *const good_tree =
	"{\"0_root\": {\"data\": [0, []], \"children\": [\n"
	"  {\"1_192.168.1.5-192.168.1.1_UDP_dst_53_DNS_response-False_qtype-A_domain-name-a.example_100\": {\n"
	"    \"data\": [1, [{\"protocols\": {\"ipv4\": {\"src\": \"self\", \"dst\": \"192.168.1.1\"},\n"
	"      \"udp\": {\"dst-port\": 53}, \"dns\": {\"response\": false, \"qtype\": \"A\",\n"
	"      \"domain-name\": \"a.example\"}}, \"bidirectional\": true}]], \"children\": []}}]}}\n";

static void write_file(const char *dir, const char *name, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	join(p, sizeof(p), dir, name);
	f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void make_dir(const char *dir, const char *name)
{
	char p[PATH_MAX];

	join(p, sizeof(p), dir, name);
	mkdir(p, 0755);
}

static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char p[PATH_MAX];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		join(p, sizeof(p), path, e->d_name);
		if (e->d_type == DT_DIR)
			remove_tree(p);
		else
			unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static void test_bad_input(void)
{
	char dir[] = "/tmp/test_forest.XXXXXX", msg[4096], want[PATH_MAX + 64];
	struct forest f;
	int err;

	if (!mkdtemp(dir)) {
		check_skip("no temporary directory");
		return;
	}
	make_dir(dir, "0_root");
	EXPECT(!forest_is_event_dir(dir), "no tree.json: not an event directory");
	err = open_capturing(dir, "192.168.1.5", &f, msg, sizeof(msg));
	snprintf(want, sizeof(want), "%s/tree.json", dir);
	EXPECT(err == -ENOENT && strstr(msg, want), "missing tree.json named: %d %s", err, msg);

	write_file(dir, "tree.json", "{\"0_root\": {\"data\": [0, []],\n  \"children\": [\n    {\"x\": ]\n");
	err = open_capturing(dir, "192.168.1.5", &f, msg, sizeof(msg));
	snprintf(want, sizeof(want), "%s/tree.json:3:", dir);
	EXPECT(err == -EINVAL && strstr(msg, want), "malformed tree.json named with its line: %s", msg);

	write_file(dir, "tree.json", "{\"0_root\": {\"data\": [1, []]}}");
	err = open_capturing(dir, "192.168.1.5", &f, msg, sizeof(msg));
	EXPECT(err == -EINVAL && strstr(msg, "tree.json: node \"0_root\""), "a wrong depth is named: %s", msg);

	write_file(dir, "tree.json", good_tree);
	EXPECT(forest_is_event_dir(dir), "an event directory");
	make_dir(dir, "1_192.168.1.5-192.168.1.1_UDP_dst_53_DNS_response-False_qtype-A_domain-name-a.example_100");
	err = open_capturing(dir, "192.168.1.5", &f, msg, sizeof(msg));
	EXPECT(err == 0 && f.n == 2 && f.v[1].dir[0] && f.n_unmatched == 0 && !msg[0],
	       "a well-formed event opens silently: %d %s", err, msg);
	if (!err)
		forest_close(&f);

	/* a directory no node matches: named, kept aside, not fatal (the
	 * public dataset has one) */
	make_dir(dir, "1_192.168.1.5-192.168.1.1_UDP_dst_53_DNS_response-False_qtype-A_domain-name-b.example_100");
	err = open_capturing(dir, "192.168.1.5", &f, msg, sizeof(msg));
	EXPECT(err == 0 && f.n_unmatched == 1 && strstr(msg, "domain-name-b.example_100: matches no node"),
	       "an unmatched directory is named: %s", msg);
	if (!err)
		forest_close(&f);

	/* a policy iotprof cannot map: a warning naming the node and the
	 * policy, the node not comparable, the event still opens */
	write_file(dir, "tree.json", odd_tree);
	make_dir(dir, "1_192.168.1.5-192.168.1.1_ARP_100");
	make_dir(dir, "1_192.168.1.5-224.0.0.251_UDP_DNS_domain-name-Lamp-2._hap._tcp.local_100");
	err = open_capturing(dir, "192.168.1.5", &f, msg, sizeof(msg));
	EXPECT(err == 0 && strstr(msg, "warning:") && strstr(msg, "node \"1_192.168.1.5-192.168.1.1_ARP_100\"") &&
	       strstr(msg, "\"arp\" has no Flow ID counterpart") && strstr(msg, "{\"protocols\":{\"arp\""),
	       "an unmappable policy is a warning naming node and policy: %d %s", err, msg);
	if (!err) {
		struct flowid mdns = fl("192.168.1.5", "224.0.0.251", "udp", 5353, 5353);

		EXPECT(f.n == 4 && f.v[0].incomparable_children == 1 && f.v[0].children.n == 2,
		       "the root has 2 comparable children and 1 that is not");
		EXPECT(!f.v[2].comparable && f.v[3].comparable, "the ARP node is not comparable, the mDNS one is");
		mdns = with_app(mdns, IOTPROF_APP_DNS, "Lamp #2._hap._tcp.local", "ANY", "");
		EXPECT(forest_find(&f, &mdns, 1) == &f.v[3], "an mDNS policy without qtype matches any type");
		forest_close(&f);
	}
	write_file(dir, "tree.json", good_tree);
	join(want, sizeof(want), dir, "1_192.168.1.5-192.168.1.1_ARP_100");
	rmdir(want);
	join(want, sizeof(want), dir, "1_192.168.1.5-224.0.0.251_UDP_DNS_domain-name-Lamp-2._hap._tcp.local_100");
	rmdir(want);

	/* two directories for one node */
	make_dir(dir, "1_192.168.1.5-192.168.1.1_UDP_src_5353_dst_53_DNS_response-False_qtype-A_domain-name-a.example_100");
	err = open_capturing(dir, "192.168.1.5", &f, msg, sizeof(msg));
	EXPECT(err == -EINVAL && strstr(msg, "src_5353_dst_53") && strstr(msg, "already has the directory"),
	       "two directories for one node are named: %s", msg);

	/* a directory that is no node name at all */
	join(want, sizeof(want), dir,
		 "1_192.168.1.5-192.168.1.1_UDP_src_5353_dst_53_DNS_response-False_qtype-A_domain-name-a.example_100");
	rmdir(want);
	make_dir(dir, "scratch");
	err = open_capturing(dir, "192.168.1.5", &f, msg, sizeof(msg));
	EXPECT(err == -EINVAL && strstr(msg, "/scratch: not a node directory"), "a stray directory is named: %s",
	       msg);
	remove_tree(dir);
}

int main(void)
{
	RUN(test_every_event_opens);
	RUN(test_every_dir_maps_once);
	RUN(test_renamed_dirs);
	RUN(test_tplink_toggle);
	RUN(test_find_with_our_flowids);
	RUN(test_flowid_matches);
	RUN(test_policies);
	RUN(test_bad_input);
	return check_state.cases_failed ? 1 : 0;
}
