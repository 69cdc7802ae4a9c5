// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/file.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "addr.h"
#include "app_json.h"
#include "deny.h"
#include "log.h"
#include "names.h"
#include "output.h"
#include "pins.h"
#include "state.h"

int deny_maps_open(const char *pin_dir, struct deny_maps *dm)
{
	static const char *const names[] = {
		IOTPROF_MAP_DENY_MASKS, IOTPROF_MAP_DENY_RULES, IOTPROF_MAP_DENY_LEASES,
		IOTPROF_MAP_SETTINGS, IOTPROF_MAP_NAME_STRINGS,
	};
	int *fds[] = { &dm->masks_fd, &dm->rules_fd, &dm->leases_fd, &dm->settings_fd, &dm->strings_fd };

	dm->lock_fd = -1;
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		*fds[i] = -1;
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		*fds[i] = pins_open_map(pin_dir, names[i], true);
		if (*fds[i] < 0) {
			deny_maps_close(dm);
			return -ENOENT;
		}
	}
	dm->lock_fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return 0;
}

void deny_maps_close(struct deny_maps *dm)
{
	int *fds[] = { &dm->masks_fd, &dm->rules_fd, &dm->leases_fd, &dm->settings_fd,
		       &dm->strings_fd, &dm->lock_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* Changes to rules, masks and ids are read-modify-write on several maps:
 * one process at a time. */
static void deny_lock(const struct deny_maps *dm)
{
	if (dm->lock_fd >= 0)
		while (flock(dm->lock_fd, LOCK_EX) && errno == EINTR)
			;
}

static void deny_unlock(const struct deny_maps *dm)
{
	if (dm->lock_fd >= 0)
		flock(dm->lock_fd, LOCK_UN);
}

static __u64 monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (__u64)now.tv_sec * 1000000000ull + now.tv_nsec;
}

static void prefix_bytes(__u8 *to, const __u8 *from, __u32 bits)
{
	for (int b = 0; b < 16; b++) {
		__u32 keep = bits > 8u * b ? bits - 8u * b : 0;

		to[b] = keep >= 8 ? from[b] : from[b] & (__u8)(0xFF00 >> keep);
	}
}

/* The same rule seen from its other end. */
static struct deny_spec reversed(const struct deny_spec *s)
{
	struct deny_spec r = *s;
	__u32 f = s->fields;

	r.fields = f & ~(IOTPROF_DENY_SRC | IOTPROF_DENY_DST | IOTPROF_DENY_SRC_NAME |
			 IOTPROF_DENY_DST_NAME | IOTPROF_DENY_SPORT | IOTPROF_DENY_DPORT);
	r.fields |= (f & IOTPROF_DENY_SRC ? IOTPROF_DENY_DST : 0) | (f & IOTPROF_DENY_DST ? IOTPROF_DENY_SRC : 0) |
		    (f & IOTPROF_DENY_SRC_NAME ? IOTPROF_DENY_DST_NAME : 0) |
		    (f & IOTPROF_DENY_DST_NAME ? IOTPROF_DENY_SRC_NAME : 0) |
		    (f & IOTPROF_DENY_SPORT ? IOTPROF_DENY_DPORT : 0) | (f & IOTPROF_DENY_DPORT ? IOTPROF_DENY_SPORT : 0);
	memcpy(r.src, s->dst, 16);
	memcpy(r.dst, s->src, 16);
	r.src_prefix = s->dst_prefix;
	r.dst_prefix = s->src_prefix;
	memcpy(r.src_name, s->dst_name, sizeof(r.src_name));
	memcpy(r.dst_name, s->src_name, sizeof(r.dst_name));
	r.sport = s->dport;
	r.dport = s->sport;
	return r;
}

static struct iotprof_deny_mask mask_of(const struct deny_spec *s)
{
	struct iotprof_deny_mask m = { .fields = s->fields };

	if (s->fields & IOTPROF_DENY_SRC)
		m.src_prefix = s->src_prefix;
	if (s->fields & IOTPROF_DENY_DST)
		m.dst_prefix = s->dst_prefix;
	if (s->family && !(s->fields & (IOTPROF_DENY_SRC | IOTPROF_DENY_DST)))
		m.fields |= IOTPROF_DENY_FAMILY;
	if (s->fields & IOTPROF_DENY_APP_SUFFIX)
		m.suffix_labels = s->suffix_labels;
	if (s->fields & IOTPROF_DENY_APP_PREFIX)
		m.path_prefix = s->path_prefix;
	return m;
}

/* The slot of this mask, taking a free one when it is new: -ENOSPC when
 * all IOTPROF_DENY_MASKS_MAX are in use by other shapes. */
static int mask_slot(const struct deny_maps *dm, const struct iotprof_deny_mask *want, bool *fresh)
{
	int free_slot = -1;

	*fresh = false;
	for (__u32 i = 0; i < IOTPROF_DENY_MASKS_MAX; i++) {
		struct iotprof_deny_mask m;

		if (bpf_map_lookup_elem(dm->masks_fd, &i, &m))
			return -errno;
		if (m.fields == want->fields && m.src_prefix == want->src_prefix &&
		    m.dst_prefix == want->dst_prefix && m.suffix_labels == want->suffix_labels &&
		    m.path_prefix == want->path_prefix)
			return i;
		if (!m.fields && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -ENOSPC;
	*fresh = true;
	return bpf_map_update_elem(dm->masks_fd, &(__u32){ free_slot }, want, BPF_ANY) ? -errno : free_slot;
}

static void key_of(const struct deny_spec *s, int mask, struct iotprof_deny_key *k)
{
	memset(k, 0, sizeof(*k));
	if (s->fields & IOTPROF_DENY_SRC)
		prefix_bytes(k->src, s->src, s->src_prefix);
	if (s->fields & IOTPROF_DENY_DST)
		prefix_bytes(k->dst, s->dst, s->dst_prefix);
	if (s->fields & IOTPROF_DENY_SRC_NAME)
		k->src_name = name_id_of(s->src_name);
	if (s->fields & IOTPROF_DENY_DST_NAME)
		k->dst_name = name_id_of(s->dst_name);
	if (s->fields & IOTPROF_DENY_PROTO)
		k->proto = s->proto;
	if (s->fields & IOTPROF_DENY_SPORT)
		k->sport = s->sport;
	if (s->fields & IOTPROF_DENY_DPORT)
		k->dport = s->dport;
	if (s->family)
		k->family = s->family;
	if (s->fields & IOTPROF_DENY_APP_KIND)
		k->app_kind = s->app_kind;
	if (s->fields & (IOTPROF_DENY_APP_NAME | IOTPROF_DENY_APP_SUFFIX))
		k->app_name = s->app_name;
	if (s->fields & IOTPROF_DENY_APP_NUM)
		k->app_num = s->app_num;
	if (s->fields & (IOTPROF_DENY_APP_PATH | IOTPROF_DENY_APP_PREFIX))
		k->app_path = s->app_path;
	if (s->fields & IOTPROF_DENY_APP_SUB)
		k->app_sub = s->app_sub;
	k->mask = mask;
}

/* Marks the masks that hold entries as in use in the settings, frees the
 * others. */
static int masks_sync(const struct deny_maps *dm)
{
	unsigned int count[IOTPROF_DENY_MASKS_MAX] = {};
	struct iotprof_deny_key k, next;
	struct iotprof_config cfg;
	void *prev = NULL;
	int err;

	while (bpf_map_get_next_key(dm->rules_fd, prev, &next) == 0) {
		if (next.mask < IOTPROF_DENY_MASKS_MAX)
			count[next.mask]++;
		k = next;
		prev = &k;
	}
	err = settings_read(dm->settings_fd, &cfg);
	if (err)
		return err;
	cfg.deny_masks = 0;
	cfg.deny_span = 0;
	cfg.flags &= ~(IOTPROF_CFG_DENY_NAMES | IOTPROF_CFG_DENY_APP | IOTPROF_CFG_DENY_SUFFIX);
	for (__u32 i = 0; i < IOTPROF_DENY_MASKS_MAX; i++) {
		struct iotprof_deny_mask m = {};

		if (!count[i]) {
			bpf_map_update_elem(dm->masks_fd, &i, &m, BPF_ANY);
			continue;
		}
		cfg.deny_masks |= 1u << i;
		cfg.deny_span = i + 1;
		if (bpf_map_lookup_elem(dm->masks_fd, &i, &m))
			continue;
		if (m.fields & (IOTPROF_DENY_SRC_NAME | IOTPROF_DENY_DST_NAME))
			cfg.flags |= IOTPROF_CFG_DENY_NAMES;
		if (m.fields & IOTPROF_DENY_APP_KIND)
			cfg.flags |= IOTPROF_CFG_DENY_APP;
		if (m.fields & IOTPROF_DENY_APP_SUFFIX)
			cfg.flags |= IOTPROF_CFG_DENY_SUFFIX;
	}
	return settings_write(dm->settings_fd, &cfg);
}

/* After an add: the two masks are in use (no need to count every rule). */
static int masks_mark_used(const struct deny_maps *dm, const struct deny_spec *s, __u8 a, __u8 b)
{
	struct iotprof_config cfg;
	int err = settings_read(dm->settings_fd, &cfg);

	if (err)
		return err;
	cfg.deny_masks |= 1u << a | 1u << b;
	if (cfg.deny_span < (__u32)(a > b ? a : b) + 1)
		cfg.deny_span = (a > b ? a : b) + 1;
	if (s->fields & (IOTPROF_DENY_SRC_NAME | IOTPROF_DENY_DST_NAME))
		cfg.flags |= IOTPROF_CFG_DENY_NAMES;
	if (s->fields & IOTPROF_DENY_APP_KIND)
		cfg.flags |= IOTPROF_CFG_DENY_APP;
	if (s->fields & IOTPROF_DENY_APP_SUFFIX)
		cfg.flags |= IOTPROF_CFG_DENY_SUFFIX;
	return settings_write(dm->settings_fd, &cfg);
}

static int settings_take_id(const struct deny_maps *dm, __u32 *id)
{
	struct iotprof_config cfg;
	int err = settings_read(dm->settings_fd, &cfg);

	if (err)
		return err;
	*id = ++cfg.deny_next_id;
	return settings_write(dm->settings_fd, &cfg);
}

/* Names and paths a rule refers to, so that listing it can show them
 * (URIs and paths by their hash: one table of strings serves both). */
static void remember_texts(const struct deny_maps *dm, const struct deny_spec *s)
{
	const struct { const char *text; __u32 id; } texts[] = {
		{ s->app_path_text, s->app_path },
		{ s->app_name_text, s->app_name },
		{ s->src_name, *s->src_name ? name_id_of(s->src_name) : 0 },
		{ s->dst_name, *s->dst_name ? name_id_of(s->dst_name) : 0 },
		{ s->app_method_text, DENY_METHOD_TEXT_KEY(s->app_num) },
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct iotprof_name_string text = {};

		if (!*texts[i].text)
			continue;
		snprintf(text.name, sizeof(text.name), "%s", texts[i].text);
		bpf_map_update_elem(dm->strings_fd, &texts[i].id, &text, BPF_NOEXIST);
	}
}

/* True when the rule holding this entry has a lease that has run out. */
static bool entry_expired(const struct deny_maps *dm, const struct iotprof_deny_key *k, __u32 *id)
{
	struct iotprof_deny_lease lease;
	struct iotprof_deny_rule r;

	if (bpf_map_lookup_elem(dm->rules_fd, k, &r))
		return false;
	*id = r.id;
	return !bpf_map_lookup_elem(dm->leases_fd, &r.id, &lease) && lease.expires_ns < monotonic_ns();
}

static int del_entries(const struct deny_maps *dm, __u32 id);

static int add_locked(const struct deny_maps *dm, const struct deny_spec *s)
{
	struct deny_spec both[2] = { *s, reversed(s) };
	struct iotprof_deny_key keys[2];
	struct iotprof_deny_rule rule = {};
	int installed = 0, err = 0, n_keys = 2;
	__u32 id, old;

	for (int i = 0; i < 2; i++) {
		struct iotprof_deny_mask m = mask_of(&both[i]);
		bool fresh;
		int slot = mask_slot(dm, &m, &fresh);

		if (slot == -ENOSPC) {
			pr_warn("deny: too many rule shapes: all %d masks are in use by other kinds of rule",
				IOTPROF_DENY_MASKS_MAX);
			err = slot;
			goto out;
		}
		if (slot < 0) {
			err = slot;
			goto out;
		}
		key_of(&both[i], slot, &keys[i]);
	}
	/* A symmetric rule is one entry: both directions give one key. */
	if (!memcmp(&keys[0], &keys[1], sizeof(keys[0])))
		n_keys = 1;
	/* The same rule, left by a controller whose lease ran out: replace it
	 * (its masks are this rule's, so they stay). */
	if (entry_expired(dm, &keys[0], &old))
		del_entries(dm, old);
	err = settings_take_id(dm, &id);
	if (err)
		goto out;
	rule.id = id;
	if (s->lease_ns) {
		struct iotprof_deny_lease lease = { .expires_ns = monotonic_ns() + s->lease_ns };

		if (bpf_map_update_elem(dm->leases_fd, &id, &lease, BPF_ANY)) {
			err = -errno;
			goto out;
		}
	}
	remember_texts(dm, s);
	for (int i = 0; i < n_keys; i++) {
		rule.flags = i ? IOTPROF_DENY_RULE_REVERSE : 0;
		if (bpf_map_update_elem(dm->rules_fd, &keys[i], &rule, BPF_NOEXIST)) {
			err = -errno;
			pr_warn("deny: %s", err == -EEXIST ? "the same rule is already installed"
							   : strerror(-err));
			goto out;
		}
		installed++;
	}
out:
	if (err) {
		for (int i = 0; i < installed; i++)
			bpf_map_delete_elem(dm->rules_fd, &keys[i]);
		if (rule.id)
			bpf_map_delete_elem(dm->leases_fd, &rule.id);
		masks_sync(dm);		/* frees a mask taken for nothing */
		return err;
	}
	return masks_mark_used(dm, s, keys[0].mask, keys[1].mask) ?: (int)id;
}

int deny_add(const struct deny_maps *dm, const struct deny_spec *s)
{
	int ret;

	if (!s->fields) {
		pr_warn("deny: a rule must name at least one field (see 'iotprof deny --help')");
		return -EINVAL;
	}
	deny_lock(dm);
	ret = add_locked(dm, s);
	deny_unlock(dm);
	return ret;
}

static int del_entries(const struct deny_maps *dm, __u32 id)
{
	struct iotprof_deny_key k, next, doomed[2];
	struct iotprof_deny_rule r;
	void *prev = NULL;
	int n = 0;

	while (n < 2 && bpf_map_get_next_key(dm->rules_fd, prev, &next) == 0) {
		if (!bpf_map_lookup_elem(dm->rules_fd, &next, &r) && r.id == id)
			doomed[n++] = next;
		k = next;
		prev = &k;
	}
	for (int i = 0; i < n; i++)
		bpf_map_delete_elem(dm->rules_fd, &doomed[i]);
	bpf_map_delete_elem(dm->leases_fd, &id);
	return n ? 0 : -ENOENT;
}

static int del_locked(const struct deny_maps *dm, __u32 id)
{
	int ret = del_entries(dm, id);

	masks_sync(dm);
	return ret;
}

int deny_del(const struct deny_maps *dm, __u32 id)
{
	int ret;

	deny_lock(dm);
	ret = del_locked(dm, id);
	deny_unlock(dm);
	return ret;
}

int deny_renew(const struct deny_maps *dm, __u32 id, __u64 lease_ns, __u32 owner)
{
	struct iotprof_deny_lease lease = { .expires_ns = monotonic_ns() + lease_ns, .owner = owner };
	int ret = 0;

	deny_lock(dm);
	/* Only the lease entry changes: the kernel's counters are untouched. */
	if (!lease_ns)
		bpf_map_delete_elem(dm->leases_fd, &id);
	else if (bpf_map_update_elem(dm->leases_fd, &id, &lease, BPF_ANY))
		ret = -errno;
	if (!ret) {
		struct iotprof_deny_key k, next;
		struct iotprof_deny_rule r;
		void *prev = NULL;
		bool found = false;

		while (!found && bpf_map_get_next_key(dm->rules_fd, prev, &next) == 0) {
			found = !bpf_map_lookup_elem(dm->rules_fd, &next, &r) && r.id == id;
			k = next;
			prev = &k;
		}
		if (!found) {
			bpf_map_delete_elem(dm->leases_fd, &id);
			ret = -ENOENT;
		}
	}
	deny_unlock(dm);
	return ret;
}

int deny_flush(const struct deny_maps *dm)
{
	struct iotprof_deny_key k;
	__u32 id;
	int ret = 0;

	deny_lock(dm);
	while (!ret && bpf_map_get_next_key(dm->rules_fd, NULL, &k) == 0)
		ret = bpf_map_delete_elem(dm->rules_fd, &k) ? -errno : 0;
	while (!ret && bpf_map_get_next_key(dm->leases_fd, NULL, &id) == 0)
		ret = bpf_map_delete_elem(dm->leases_fd, &id) ? -errno : 0;
	if (!ret)
		ret = masks_sync(dm);
	deny_unlock(dm);
	return ret;
}
