// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "addr.h"
#include "app_json.h"
#include "log.h"
#include "names.h"

/* Must stay the kernel's hash (bpf/app_scratch.h fnv_step, ascii_lower). */
__u32 name_id_of(const char *name)
{
	size_t len = strlen(name);
	__u32 h = 2166136261u;

	if (len && name[len - 1] == '.')
		len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = name[i];

		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * 16777619u;
	}
	return h ? h : 1;
}

int names_link(int names_fd, int strings_fd, __u8 family, const __u8 addr[16],
	       const char *name, __u8 source)
{
	struct iotprof_name_key k = { .family = family };
	struct iotprof_name v = { .source = source };
	struct iotprof_name_string text = {};
	struct timespec now;
	size_t len = strlen(name);

	if (len && name[len - 1] == '.')
		len--;
	if (!len || len >= sizeof(text.name))
		return -EINVAL;
	memcpy(text.name, name, len);
	memcpy(k.addr, addr, 16);
	v.id = name_id_of(text.name);
	clock_gettime(CLOCK_MONOTONIC, &now);
	v.updated_ns = (__u64)now.tv_sec * 1000000000ull + now.tv_nsec;
	if (bpf_map_update_elem(strings_fd, &v.id, &text, BPF_ANY) ||
	    bpf_map_update_elem(names_fd, &k, &v, BPF_ANY))
		return -errno;
	return 0;
}

/* ---- import ------------------------------------------------------------ */

#define MAX_TOKENS 8
#define MAX_CNAMES 4096

struct cname {
	char alias[IOTPROF_NAME_MAX];
	char target[IOTPROF_NAME_MAX];
};

struct pending_addr {
	char name[IOTPROF_NAME_MAX];
	__u8 addr[16];
	__u8 family;
};

struct import_state {
	struct cname *cnames;
	size_t n_cnames;
	struct pending_addr *addrs;
	size_t n_addrs, cap_addrs;
};

static void strip_dot(char *name)
{
	size_t len = strlen(name);

	if (len > 1 && name[len - 1] == '.')
		name[len - 1] = 0;
}

static int split(char *line, char *tok[MAX_TOKENS])
{
	int n = 0;

	for (char *t = strtok(line, " \t\r\n"); t && n < MAX_TOKENS; t = strtok(NULL, " \t\r\n"))
		tok[n++] = t;
	return n;
}

static bool valid_name(const char *s)
{
	size_t len = strlen(s);

	if (!len || len >= IOTPROF_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-_*", *s))
			return false;
	return true;
}

static int remember_addr(struct import_state *st, const char *name, const char *addr_text)
{
	struct pending_addr *p;

	if (st->n_addrs == st->cap_addrs) {
		size_t cap = st->cap_addrs ? 2 * st->cap_addrs : 256;

		p = realloc(st->addrs, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		st->addrs = p;
		st->cap_addrs = cap;
	}
	p = &st->addrs[st->n_addrs];
	if (!valid_name(name) || addr_parse_ip(addr_text, p->addr, &p->family))
		return -EINVAL;
	snprintf(p->name, sizeof(p->name), "%s", name);
	strip_dot(p->name);
	st->n_addrs++;
	return 0;
}

static int remember_cname(struct import_state *st, const char *alias, const char *target)
{
	struct cname *c;

	if (!valid_name(alias) || !valid_name(target))
		return -EINVAL;
	if (st->n_cnames == MAX_CNAMES)
		return 0;
	c = &st->cnames[st->n_cnames++];
	snprintf(c->alias, sizeof(c->alias), "%s", alias);
	snprintf(c->target, sizeof(c->target), "%s", target);
	strip_dot(c->alias);
	strip_dot(c->target);
	return 0;
}

/* The name a client asked for, whose CNAME chain ends at `name`. */
static const char *chain_start(const struct import_state *st, const char *name)
{
	for (int hops = 0; hops < 16; hops++) {
		size_t i;

		for (i = 0; i < st->n_cnames; i++)
			if (!strcasecmp(st->cnames[i].target, name))
				break;
		if (i == st->n_cnames)
			break;
		name = st->cnames[i].alias;
	}
	return name;
}

/* Returns 1 when the line linked something, 0 when it had nothing to link,
 * -EINVAL when it is malformed. */
static int import_line(struct import_state *st, char *line)
{
	char *tok[MAX_TOKENS], *p;
	int n;

	/* dnsmasq's log prefix: "... dnsmasq[123]: " */
	p = strstr(line, "]: ");
	if (p && strstr(line, "dnsmasq"))
		line = p + 3;
	n = split(line, tok);
	if (n == 0 || tok[0][0] == '#' || tok[0][0] == ';')
		return 0;
	if (!strncmp(tok[0], "START_", 6) || !strncmp(tok[0], "END_", 4) ||
	    !strcmp(tok[0], "EOF") || !strcmp(tok[0], "msg") ||
	    (!strcmp(tok[0], "Host") && n >= 3 && !strcmp(tok[1], "Address")))
		return 0;

	/* hosts: ADDR NAME [ALIAS...] */
	{
		__u8 a[16], fam;

		if (addr_parse_ip(tok[0], a, &fam) == 0) {
			if (n < 2)
				return -EINVAL;
			for (int i = 1; i < n && tok[i][0] != '#'; i++)
				if (remember_addr(st, tok[i], tok[0]))
					return -EINVAL;
			return 1;
		}
	}
	/* unbound: NAME [TTL] IN TYPE DATA */
	for (int i = 1; i + 2 < n && i <= 2; i++) {
		if (strcmp(tok[i], "IN"))
			continue;
		if (!strcmp(tok[i + 1], "A") || !strcmp(tok[i + 1], "AAAA"))
			return remember_addr(st, tok[0], tok[i + 2]) ? -EINVAL : 1;
		if (!strcmp(tok[i + 1], "CNAME"))
			return remember_cname(st, tok[0], tok[i + 2]) ? -EINVAL : 1;
		return 0;	/* other record types carry no address */
	}
	/* dnsmasq: NAME ADDRESS-OR-TARGET FLAGS [EXPIRES] */
	if (n >= 3) {
		const char *flags = tok[2];

		if (strchr(flags, 'N') || strchr(flags, 'R'))	/* negative or reverse */
			return 0;
		if (strchr(flags, 'C'))
			return remember_cname(st, tok[0], tok[1]) ? -EINVAL : 1;
		if (strchr(flags, '4') || strchr(flags, '6'))
			return remember_addr(st, tok[0], tok[1]) ? -EINVAL : 1;
		if (strspn(flags, "46CFRIHDNXSBEKPM") == strlen(flags))
			return 0;	/* a record dnsmasq keeps for itself (SRV, DS, ...) */
	}
	return -EINVAL;
}

int names_import(const char *path, int names_fd, int strings_fd, struct names_import_result *res)
{
	struct import_state st = {};
	char line[2048];
	unsigned int lineno = 0;
	FILE *f;
	int err = 0;

	memset(res, 0, sizeof(*res));
	f = fopen(path, "r");
	if (!f) {
		pr_warn("%s: %s", path, strerror(errno));
		return -errno;
	}
	st.cnames = calloc(MAX_CNAMES, sizeof(*st.cnames));
	if (!st.cnames) {
		fclose(f);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		char copy[sizeof(line)];
		int r;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			pr_warn("%s:%u: line longer than %zu bytes, skipped", path, lineno, sizeof(line) - 1);
			res->malformed++;
			while (fgets(line, sizeof(line), f) && !strchr(line, '\n'))
				;
			continue;
		}
		snprintf(copy, sizeof(copy), "%s", line);
		r = import_line(&st, line);
		if (r < 0) {
			copy[strcspn(copy, "\r\n")] = 0;
			pr_warn("%s:%u: cannot read an address and a name in \"%.80s\"", path, lineno, copy);
			res->malformed++;
		} else if (r == 0) {
			res->skipped++;
		}
	}
	fclose(f);
	for (size_t i = 0; i < st.n_addrs && !err; i++) {
		const struct pending_addr *p = &st.addrs[i];

		err = names_link(names_fd, strings_fd, p->family, p->addr, chain_start(&st, p->name),
				 IOTPROF_NAME_IMPORT);
		if (err)
			pr_warn("%s: writing the names map failed: %s", path, strerror(-err));
		else
			res->linked++;
	}
	free(st.cnames);
	free(st.addrs);
	return err;
}

int names_lookup(int names_fd, int strings_fd, __u8 family, const __u8 addr[16],
		 struct iotprof_name *v, struct iotprof_name_string *out)
{
	struct iotprof_name_key k = { .family = family };

	memcpy(k.addr, addr, 16);
	if (bpf_map_lookup_elem(names_fd, &k, v) || bpf_map_lookup_elem(strings_fd, &v->id, out))
		return -ENOENT;
	out->name[sizeof(out->name) - 1] = 0;
	return 0;
}

/* ---- listing ------------------------------------------------------------ */

static const char *source_name(__u8 source)
{
	switch (source) {
	case IOTPROF_NAME_DNS:
		return "dns";
	case IOTPROF_NAME_SNI:
		return "sni";
	case IOTPROF_NAME_IMPORT:
		return "import";
	default:
		return "?";
	}
}

int names_print(FILE *out, int names_fd, int strings_fd, bool json)
{
	struct iotprof_name_key k, next;
	void *prev = NULL;
	size_t n = 0;

	if (!json)
		fprintf(out, "%-40s %-7s %s\n", "ADDRESS", "SOURCE", "NAME");
	while (bpf_map_get_next_key(names_fd, prev, &next) == 0) {
		struct iotprof_name v;
		struct iotprof_name_string s = {};
		char a[ADDR_STR_MAX];

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(names_fd, &k, &v))
			continue;
		if (bpf_map_lookup_elem(strings_fd, &v.id, &s))
			snprintf(s.name, sizeof(s.name), "?");
		s.name[sizeof(s.name) - 1] = 0;
		addr_format(k.addr, k.family, a);
		if (json) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "address", json_object_new_string(a));
			json_object_object_add(o, "name", json_kernel_string(s.name, sizeof(s.name)));
			json_object_object_add(o, "source", json_object_new_string(source_name(v.source)));
			fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
									    JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(o);
		} else {
			fprintf(out, "%-40s %-7s %s\n", a, source_name(v.source), s.name);
		}
		n++;
	}
	if (!json)
		fprintf(out, "%zu addresses\n", n);
	return 0;
}
