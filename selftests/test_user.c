// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * User-space units: address parsing, the JSON contract of a flow record,
 * and the capture reader (every supported link type, bad files).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "addr.h"
#include "check.h"
#include "flows.h"
#include "log.h"
#include "names.h"
#include "offline.h"
#include "output.h"
#include "pcap_reader.h"
#include "pktbuild.h"

struct check_state check_state = { .suite = "user" };

static void test_addr_parse(void)
{
	struct iotprof_watch_key k;
	char buf[ADDR_STR_MAX];

	EXPECT(addr_parse_watch("192.0.2.7", &k) == 0 && k.kind == IOTPROF_WATCH_IPV4, "IPv4");
	EXPECT(!strcmp(addr_format_watch(&k, buf), "192.0.2.7"), "IPv4 round trip: %s", buf);
	EXPECT(addr_parse_watch("2001:db8::7", &k) == 0 && k.kind == IOTPROF_WATCH_IPV6, "IPv6");
	EXPECT(!strcmp(addr_format_watch(&k, buf), "2001:db8::7"), "IPv6 round trip: %s", buf);
	EXPECT(addr_parse_watch("02:AB:00:00:00:01", &k) == 0 && k.kind == IOTPROF_WATCH_MAC, "MAC");
	EXPECT(!strcmp(addr_format_watch(&k, buf), "02:ab:00:00:00:01"), "MAC round trip: %s", buf);
	EXPECT(addr_parse_watch("192.0.2.256", &k) == -EINVAL, "bad IPv4 refused");
	EXPECT(addr_parse_watch("02:ab:00:00:00", &k) == -EINVAL, "short MAC refused");
	EXPECT(addr_parse_watch("02:ab:00:00:00:01:ff", &k) == -EINVAL, "long MAC refused");
	EXPECT(addr_parse_watch("", &k) == -EINVAL, "empty refused");
}

static void test_flow_json_contract(void)
{
	struct flow_entry e = {};
	struct json_object *o;
	const char *s;

	/* 10.0.0.1:443 is the lower endpoint; 10.0.0.2 initiated. */
	e.key.addr_lo[0] = 10; e.key.addr_lo[3] = 1;
	e.key.addr_hi[0] = 10; e.key.addr_hi[3] = 2;
	e.key.port_lo = 443;
	e.key.port_hi = 51515;
	e.key.family = 4;
	e.key.proto = 6;
	e.val.initiator = IOTPROF_SIDE_HI;
	e.val.packets[0] = 3; e.val.packets[1] = 2;
	e.val.bytes[0] = 400; e.val.bytes[1] = 180;
	e.val.first_ns = 5; e.val.last_ns = 9;
	struct output_ctx ctx = { .clock_offset_ns = 100, .name_strings_fd = -1 };

	o = flow_to_json(&e, &ctx);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	EXPECT(!strcmp(s, "{\"v\":1,\"proto\":\"tcp\",\"family\":4,\"src\":\"10.0.0.2\",\"dst\":\"10.0.0.1\","
			  "\"sport\":51515,\"dport\":443,\"packets\":[3,2],\"bytes\":[400,180],"
			  "\"first_ns\":\"105\",\"last_ns\":\"109\",\"epoch\":0,\"blocked\":0,"
			  "\"src_name\":null,\"dst_name\":null,\"app\":null}"), "JSON: %s", s);
	json_object_put(o);

	e.key.proto = 1;	/* ICMP: null ports */
	ctx.clock_offset_ns = 0;
	o = flow_to_json(&e, &ctx);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	EXPECT(strstr(s, "\"proto\":\"icmp\"") && strstr(s, "\"sport\":null,\"dport\":null"),
	       "ICMP JSON: %s", s);
	json_object_put(o);
}

/* A UDP/IPv4 packet without its Ethernet header: what raw-IP, loopback and
 * cooked captures carry. */
static void ip_packet(struct pkt_buf *p)
{
	p->len = 0;
	pb_ipv4(p, "203.0.113.1", "203.0.113.2", 17, 1, 0, 0);
	pb_udp(p, 1111, 2222, 4);
	pb_put(p, "ping", 4);
	pb_finish(p);
}

static int write_capture(const char *path, int dlt, const void *hdr, size_t hdr_len)
{
	pcap_t *pd = pcap_open_dead(dlt, 65535);
	pcap_dumper_t *d = pcap_dump_open(pd, path);
	struct pcap_pkthdr h = {};
	unsigned char frame[512];
	struct pkt_buf p;

	if (!d)
		return -1;
	ip_packet(&p);
	memcpy(frame, hdr, hdr_len);
	memcpy(frame + hdr_len, p.b, p.len);
	h.caplen = h.len = hdr_len + p.len;
	h.ts.tv_sec = 1700000000;
	for (int i = 0; i < 3; i++)
		pcap_dump((u_char *)d, &h, frame);
	pcap_dump_close(d);
	pcap_close(pd);
	return 0;
}

static int count_frames(void *ctx, const struct frame *f)
{
	int *n = ctx;

	/* Every frame must come out as Ethernet carrying IPv4. */
	if (f->caplen >= 14 && f->data[12] == 0x08 && f->data[13] == 0x00 && f->data[14] == 0x45)
		(*n)++;
	return 0;
}

static void test_link_types(void)
{
	static const unsigned char null_le[4] = { 2, 0, 0, 0 };	/* AF_INET, little-endian host */
	static const unsigned char loop_be[4] = { 0, 0, 0, 2 };
	static const unsigned char sll[16] = { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00 };
	static const unsigned char sll2[20] = { 0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1 };
	static const unsigned char eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
	const struct { const char *name; int dlt; const void *hdr; size_t len; } cases[] = {
		{ "ethernet", DLT_EN10MB, eth, sizeof(eth) },
		{ "null", DLT_NULL, null_le, sizeof(null_le) },
		{ "loop", DLT_LOOP, loop_be, sizeof(loop_be) },
		{ "raw", DLT_RAW, "", 0 },
		{ "ipv4", DLT_IPV4, "", 0 },
		{ "sll", DLT_LINUX_SLL, sll, sizeof(sll) },
		{ "sll2", 276, sll2, sizeof(sll2) },
	};
	char path[] = "/tmp/iotprof-link-XXXXXX";
	int fd = mkstemp(path);

	close(fd);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = 0;

		if (!EXPECT(write_capture(path, cases[i].dlt, cases[i].hdr, cases[i].len) == 0,
			    "%s: cannot write capture", cases[i].name))
			continue;
		EXPECT(pcap_for_each_frame(path, count_frames, &n) == 0, "%s: read failed", cases[i].name);
		EXPECT(n == 3, "%s: %d of 3 frames came out as Ethernet/IPv4", cases[i].name, n);
	}
	unlink(path);
}

static void test_truncated_file(void)
{
	static const unsigned char eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
	char path[] = "/tmp/iotprof-trunc-XXXXXX";
	struct flow_table t = {};
	struct offline_run *r;
	long size;
	FILE *f;
	int fd = mkstemp(path), n = 0, err;

	close(fd);
	write_capture(path, DLT_EN10MB, eth, sizeof(eth));
	f = fopen(path, "r+");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	EXPECT(truncate(path, size - 10) == 0, "truncate");

	err = pcap_for_each_frame(path, count_frames, &n);
	EXPECT(err == -EIO, "a cut file is an error (got %d)", err);
	EXPECT(n == 2, "the 2 whole frames before the cut are read (got %d)", n);

	/* Offline flows keep what came before the bad packet. */
	if (geteuid() == 0) {
		struct offline_opts o = {};

		r = offline_open(&o);
		if (EXPECT(r != NULL, "offline_open")) {
			EXPECT(offline_feed_pcap(r, path) == -EIO, "offline run reports the cut");
			flows_read_map(offline_flows_fd(r), &t);
			EXPECT(t.n == 1 && t.v[0].val.packets[0] == 2, "2 packets kept in one flow");
			flows_free(&t);
			offline_close(r);
		}
	}
	unlink(path);

	f = fopen(path, "w");
	fputs("this is not a capture\n", f);
	fclose(f);
	EXPECT(pcap_for_each_frame(path, count_frames, &n) == -EINVAL, "garbage refused");
	unlink(path);
}

/* A DNS response for qname (mixed case on purpose) with one A answer. */
static void dns_response(struct pkt_buf *p, const char *qname, const char *answer)
{
	uint32_t a;

	p->len = 0;
	pb_eth(p, 0x0800);
	pb_ipv4(p, "192.0.2.53", "192.0.2.10", 17, 1, 0, 0);
	pb_udp(p, 53, 40000, 0);
	pb_u16(p, 0x1234);
	pb_u16(p, 0x8180);	/* response, no error */
	pb_u16(p, 1);
	pb_u16(p, 1);
	pb_u16(p, 0);
	pb_u16(p, 0);
	for (const char *l = qname; *l;) {
		size_t n = strcspn(l, ".");

		pb_u8(p, n);
		pb_put(p, l, n);
		l += n + (l[n] == '.');
	}
	pb_u8(p, 0);
	pb_u16(p, 1);		/* A */
	pb_u16(p, 1);		/* IN */
	pb_u16(p, 0xC00C);	/* the answer's owner: a pointer to the question */
	pb_u16(p, 1);
	pb_u16(p, 1);
	pb_u32(p, 300);
	pb_u16(p, 4);
	inet_pton(AF_INET, answer, &a);
	pb_put(p, &a, 4);
	pb_finish(p);
	{	/* UDP length */
		uint16_t ulen = htons(p->len - p->ip_off - 20);

		memcpy(p->b + p->ip_off + 20 + 4, &ulen, 2);
	}
}

static const char *name_of_addr(struct offline_run *r, const char *addr, struct iotprof_name_string *out)
{
	struct iotprof_name v;
	__u8 a[16], family;

	addr_parse_ip(addr, a, &family);
	if (names_lookup(offline_names_fd(r), offline_name_strings_fd(r), family, a, &v, out))
		return NULL;
	return out->name;
}

static void test_name_id_matches_kernel(void)
{
	struct offline_opts o = {};
	struct offline_run *r;
	struct iotprof_name_string s;
	struct iotprof_name v;
	struct pkt_buf p;
	__u8 a[16], family;

	if (geteuid() != 0) {
		check_skip("needs root for BPF_PROG_TEST_RUN");
		return;
	}
	r = offline_open(&o);
	if (!EXPECT(r != NULL, "offline_open"))
		return;
	dns_response(&p, "Api.Example.COM", "198.51.100.7");
	EXPECT(offline_feed_frame(r, p.b, p.len, p.len, 1) == 0, "feed");
	addr_parse_ip("198.51.100.7", a, &family);
	if (EXPECT(names_lookup(offline_names_fd(r), offline_name_strings_fd(r), family, a, &v, &s) == 0,
		   "answer not in the names map")) {
		EXPECT(!strcmp(s.name, "Api.Example.COM"), "name text %s", s.name);
		EXPECT(v.id == name_id_of("api.example.com."), "kernel id %u, user id %u", v.id,
		       name_id_of("api.example.com."));
		EXPECT(v.source == IOTPROF_NAME_DNS, "source %u", v.source);
	}
	offline_close(r);
}

static void test_dns_import(void)
{
	static const char text[] =
		"# hosts\n"
		"192.0.2.1   gw.lan gateway\n"
		"2001:db8::5 v6host.example\n"
		"START_RRSET_CACHE\n"
		";rrset 86400 1 0 8 3\n"
		"www.cdn.example.\t3600\tIN\tA\t203.0.113.9\n"
		"api.device.example.\t3600\tIN\tCNAME\twww.cdn.example.\n"
		"device.example.\t3600\tIN\tNS\tns1.example.\n"
		"END_RRSET_CACHE\n"
		"Nov 23 10:00:00 gw dnsmasq[812]: Host                                     Address                                  Flags      Expires\n"
		"Nov 23 10:00:00 gw dnsmasq[812]: time.vendor.example                      203.0.113.20                             4F         Mon Nov 23 11:00:00 2026\n"
		"Nov 23 10:00:00 gw dnsmasq[812]: ntp.vendor.example                       time.vendor.example                      CF         Mon Nov 23 11:00:00 2026\n"
		"this line means nothing\n";
	char path[] = "/tmp/iotprof-import-XXXXXX";
	struct names_import_result res;
	struct iotprof_name_string s;
	struct offline_opts o = {};
	struct offline_run *r;
	const char *name;
	int fd;

	if (geteuid() != 0) {
		check_skip("needs root for BPF maps");
		return;
	}
	fd = mkstemp(path);
	EXPECT(write(fd, text, sizeof(text) - 1) == (ssize_t)sizeof(text) - 1, "write");
	close(fd);
	r = offline_open(&o);
	if (!EXPECT(r != NULL, "offline_open"))
		return;
	EXPECT(names_import(path, offline_names_fd(r), offline_name_strings_fd(r), &res) == 0, "import");
	EXPECT_EQ(res.linked, 5, "links");
	EXPECT_EQ(res.malformed, 1, "malformed lines");
	name = name_of_addr(r, "192.0.2.1", &s);
	EXPECT(name && !strcmp(name, "gateway"), "hosts: %s (the last name on the line wins)", name ?: "none");
	name = name_of_addr(r, "2001:db8::5", &s);
	EXPECT(name && !strcmp(name, "v6host.example"), "hosts IPv6: %s", name ?: "none");
	name = name_of_addr(r, "203.0.113.9", &s);
	EXPECT(name && !strcmp(name, "api.device.example"), "unbound CNAME chain: %s", name ?: "none");
	name = name_of_addr(r, "203.0.113.20", &s);
	EXPECT(name && !strcmp(name, "ntp.vendor.example"), "dnsmasq CNAME chain: %s", name ?: "none");
	offline_close(r);
	unlink(path);
}

int main(void)
{
	log_quiet = true;
	log_hook_libraries();
	RUN(test_addr_parse);
	RUN(test_flow_json_contract);
	RUN(test_link_types);
	RUN(test_truncated_file);
	RUN(test_name_id_matches_kernel);
	RUN(test_dns_import);
	return check_state.cases_failed ? 1 : 0;
}
