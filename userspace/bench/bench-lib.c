// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pure helpers of swarm-bench: data pattern, percentiles, parsers and the
 * summary (bench/bench-lib.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench-lib.h"
#include "lib/util.h"

/* One word of the pattern: a splitmix64-style finaliser, cheap and good
 * enough that neighbouring words and entries never collide in practice.
 */
static inline uint64_t pattern_word(uint64_t seed, uint64_t entry, uint64_t k)
{
	uint64_t x = seed ^ (entry * 0x9e3779b97f4a7c15ULL) ^
		     (k * 0xbf58476d1ce4e5b9ULL);

	x ^= x >> 31;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 29);
}

void bench_fill(void *buf, size_t len, uint64_t entry, uint64_t seed)
{
	uint64_t *w = buf;
	size_t n = len / 8, k;

	for (k = 0; k < n; k++)
		w[k] = k == 0 ? entry : k == 1 ? seed :
		       pattern_word(seed, entry, k);
}

bool bench_check(const void *buf, size_t len, uint64_t entry, uint64_t seed,
		 size_t *bad_word)
{
	const uint64_t *w = buf;
	size_t n = len / 8, k;

	for (k = 0; k < n; k++) {
		uint64_t want = k == 0 ? entry : k == 1 ? seed :
				pattern_word(seed, entry, k);

		if (w[k] != want) {
			if (bad_word)
				*bad_word = k;
			return false;
		}
	}
	return true;
}

double bench_percentile(const double *sorted, size_t n, double p)
{
	size_t rank;

	if (!n)
		return 0;
	if (p <= 0)
		return sorted[0];
	/* ceil(p/100 * n), computed so that 50% of 10 is exactly rank 5 */
	rank = (size_t)(p * (double)n / 100.0);
	if ((double)rank * 100.0 < p * (double)n)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

void bench_sort(double *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_double);
}

/* One end of a range: digits, optionally "%"; empty gives @dflt. */
static int parse_bound(const char *s, const char *end, uint64_t nr,
		       uint64_t dflt, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (s == end) {
		*out = dflt;
		return 0;
	}
	for (p = s; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		return -EINVAL;
	if (p < end && *p == '%' && p + 1 == end) {
		if (v > 100)
			return -EINVAL;
		/* floor(nr * v / 100) without overflow for sane nr */
		*out = (uint64_t)((__uint128_t)nr * v / 100);
		return 0;
	}
	if (p != end)
		return -EINVAL;
	*out = v;
	return 0;
}

int bench_parse_range(const char *s, uint64_t nr, uint64_t *a, uint64_t *b)
{
	const char *colon = strchr(s, ':');
	const char *end = s + strlen(s);

	if (!colon) {
		if (parse_bound(s, end, nr, 0, a) || s == end)
			return -EINVAL;
		*b = nr;
	} else if (parse_bound(s, colon, nr, 0, a) ||
		   parse_bound(colon + 1, end, nr, nr, b)) {
		return -EINVAL;
	}
	if (*a >= *b || *b > nr)
		return -EINVAL;
	return 0;
}

int bench_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end == 'i' && shift)	/* "KiB", "MiB": tolerate */
		end++;
	if (*end == 'B' && shift)
		end++;
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

int bench_parse_count(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

void bench_summarise(double *lat, size_t n, uint64_t reads,
		     uint64_t entry_size, unsigned int devices,
		     uint64_t bw_limit, struct bench_summary *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->steps = n;
	s->reads = reads;
	s->useful_bytes = reads * entry_size;
	for (i = 0; i < n; i++)
		s->io_time += lat[i];
	bench_sort(lat, n);
	s->p50 = bench_percentile(lat, n, 50);
	s->p99 = bench_percentile(lat, n, 99);
	s->max = n ? lat[n - 1] : 0;
	s->mean = n ? s->io_time / (double)n : 0;
	s->eff_bw = s->io_time > 0 ? (double)s->useful_bytes / s->io_time : 0;
	s->limit_bw = (double)devices * (double)bw_limit;
	s->util = s->limit_bw > 0 ? s->eff_bw / s->limit_bw : 0;
}
