// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "events_features.h"

__u64 ev_dist2(const __s32 *a, const __s32 *b, __u32 n)
{
	__u64 s = 0;

	for (__u32 i = 0; i < n; i++) {
		__s64 d = (__s64)a[i] - b[i];

		s += (__u64)(d * d);
	}
	return s;
}

__u64 ev_dist2_fit(const __s32 *a, __u32 na, const __s32 *b, __u32 nb, __u32 len)
{
	__u32 common, i;
	__u64 s;

	if (na > len)
		na = len;
	if (nb > len)
		nb = len;
	common = na < nb ? na : nb;
	s = ev_dist2(a, b, common);
	/* Past the shorter one, the other is compared with zeros. */
	for (i = common; i < na; i++)
		s += (__u64)((__s64)a[i] * a[i]);
	for (i = common; i < nb; i++)
		s += (__u64)((__s64)b[i] * b[i]);
	return s;
}

__u64 ev_dist2_fit_bounded(const __s32 *a, __u32 na, const __s32 *b, __u32 nb, __u32 len,
			   __u64 bound)
{
	__u64 s = 0;
	__u32 n = na > nb ? na : nb;

	if (n > len)
		n = len;
	/* Blocks of 16 between checks: the test costs more than a step. */
	for (__u32 i = 0; i < n; i += 16) {
		__u32 end = i + 16 < n ? i + 16 : n;

		for (__u32 j = i; j < end; j++) {
			__s64 d = (__s64)(j < na ? a[j] : 0) - (j < nb ? b[j] : 0);

			s += (__u64)(d * d);
		}
		if (s >= bound)
			return s;
	}
	return s;
}

void ev_fit(const __s32 *x, __u32 n, __s32 *out, __u32 len)
{
	__u32 keep = n < len ? n : len;

	memcpy(out, x, keep * sizeof(*x));
	memset(out + keep, 0, (len - keep) * sizeof(*x));
}
