// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include <zlib.h>
#include "log.h"
#include "pcap_reader.h"

#define ETH_HLEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* Enough for every header the parsers read; the rest of a jumbo or GRO
 * frame is not needed and BPF_PROG_TEST_RUN would refuse it. */
#define FRAME_KEEP_MAX 16384

struct link {
	int dlt;
	__u8 buf[ETH_HLEN + FRAME_KEEP_MAX];
};

static __u16 ethertype_of_ip_version(const __u8 *p, __u32 len)
{
	if (len < 1)
		return 0;
	switch (p[0] >> 4) {
	case 4:
		return ETHERTYPE_IPV4;
	case 6:
		return ETHERTYPE_IPV6;
	default:
		return 0;
	}
}

/* BSD loopback: a 4-byte address family, in the capturing host's order for
 * DLT_NULL.  IPv6 is 10 on Linux, 24, 28 or 30 on the BSDs and macOS. */
static __u16 ethertype_of_family(const __u8 *p, bool network_order)
{
	__u32 fam = network_order ? (__u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]
				  : (__u32)p[3] << 24 | p[2] << 16 | p[1] << 8 | p[0];

	if (!network_order && fam > 0xffff)	/* written by a big-endian host */
		fam = (__u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
	switch (fam) {
	case 2:
		return ETHERTYPE_IPV4;
	case 10: case 24: case 28: case 30:
		return ETHERTYPE_IPV6;
	default:
		return 0;
	}
}

/* Puts an Ethernet header in front of the frame's network-layer bytes.
 * Returns the Ethernet frame's length, or 0 when the link header is cut
 * short or names something that is not IP. */
static __u32 to_ethernet(struct link *l, const __u8 *p, __u32 len, __u32 *hdr_delta)
{
	const __u8 *src_mac = NULL;
	__u32 skip;
	__u16 type;

	switch (l->dlt) {
	case DLT_NULL:
	case DLT_LOOP:
		if (len < 4)
			return 0;
		type = ethertype_of_family(p, l->dlt == DLT_LOOP);
		skip = 4;
		break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		type = ethertype_of_ip_version(p, len);
		skip = 0;
		break;
	case DLT_LINUX_SLL:
		if (len < 16)
			return 0;
		type = p[14] << 8 | p[15];
		if ((p[4] << 8 | p[5]) == 6)
			src_mac = p + 6;
		skip = 16;
		break;
	case DLT_LINUX_SLL2:
		if (len < 20)
			return 0;
		type = p[0] << 8 | p[1];
		if (p[11] == 6)
			src_mac = p + 12;
		skip = 20;
		break;
	default:
		return 0;
	}
	if (!type)
		return 0;
	len -= skip;
	if (len > FRAME_KEEP_MAX)
		len = FRAME_KEEP_MAX;
	memset(l->buf, 0, 12);
	if (src_mac)
		memcpy(l->buf + 6, src_mac, 6);
	l->buf[12] = type >> 8;
	l->buf[13] = type & 0xff;
	memcpy(l->buf + ETH_HLEN, p + skip, len);
	*hdr_delta = ETH_HLEN - skip;
	return ETH_HLEN + len;
}

static bool link_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB: case DLT_NULL: case DLT_LOOP: case DLT_RAW:
	case DLT_IPV4: case DLT_IPV6: case DLT_LINUX_SLL: case DLT_LINUX_SLL2:
		return true;
	default:
		return false;
	}
}

static ssize_t gz_read(void *cookie, char *buf, size_t size)
{
	int n = gzread(cookie, buf, size > INT32_MAX ? INT32_MAX : size);

	return n < 0 ? -1 : n;
}

static int gz_close(void *cookie)
{
	return gzclose(cookie) == Z_OK ? 0 : EOF;
}

/* A capture, gzip-compressed or not (the magic decides, not the name):
 * libpcap reads from a stdio stream, and zlib stands behind it. */
static pcap_t *open_capture(const char *path, char *errbuf)
{
	cookie_io_functions_t gz_io = { .read = gz_read, .close = gz_close };
	unsigned char magic[2] = {};
	FILE *f = fopen(path, "rb");
	gzFile gz;
	pcap_t *pc;

	if (!f) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
		int fd = dup(fileno(f));

		fclose(f);	/* stdio read ahead: zlib starts from the top */
		gz = fd >= 0 && lseek(fd, 0, SEEK_SET) == 0 ? gzdopen(fd, "rb") : NULL;
		if (!gz && fd >= 0)
			close(fd);
		f = gz ? fopencookie(gz, "rb", gz_io) : NULL;
		if (!f) {
			if (gz)
				gzclose(gz);
			snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s: cannot read it as gzip", path);
			return NULL;
		}
	} else {
		rewind(f);
	}
	/* libpcap closes f with the handle, but not when it refuses it. */
	pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc)
		fclose(f);
	return pc;
}

int pcap_for_each_frame(const char *path, frame_fn fn, void *ctx)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct link *l;
	struct frame f = {};
	pcap_t *pc;
	int ret, err = 0;

	pc = open_capture(path, errbuf);
	if (!pc) {
		/* libpcap names the file in some messages and not in others. */
		if (strncmp(errbuf, path, strlen(path)))
			pr_warn("%s: %s", path, errbuf);
		else
			pr_warn("%s", errbuf);
		return -EINVAL;
	}
	l = malloc(sizeof(*l));
	if (!l) {
		pcap_close(pc);
		return -ENOMEM;
	}
	l->dlt = pcap_datalink(pc);
	if (!link_supported(l->dlt)) {
		pr_warn("%s: unsupported link type %d (%s)", path, l->dlt,
			pcap_datalink_val_to_name(l->dlt) ?: "unknown");
		err = -EPROTONOSUPPORT;
		goto out;
	}

	while ((ret = pcap_next_ex(pc, &h, &data)) == 1) {
		__u32 delta = 0;

		f.number++;
		f.ts_ns = (__u64)h->ts.tv_sec * 1000000000ull + h->ts.tv_usec;
		if (l->dlt == DLT_EN10MB) {
			f.data = data;
			f.caplen = h->caplen > FRAME_KEEP_MAX ? FRAME_KEEP_MAX : h->caplen;
		} else {
			f.data = l->buf;
			f.caplen = to_ethernet(l, data, h->caplen, &delta);
			if (!f.caplen)
				continue;	/* not IP, or its link header is cut short */
		}
		f.wire_len = h->len + delta;
		err = fn(ctx, &f);
		if (err)
			goto out;
	}
	if (ret == PCAP_ERROR) {
		pr_warn("%s: packet %llu: %s (the %llu packets before it were read)", path,
			(unsigned long long)f.number + 1, pcap_geterr(pc),
			(unsigned long long)f.number);
		err = -EIO;
	}
out:
	free(l);
	pcap_close(pc);
	return err;
}
