/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pure parts of swarm-bench (bench/swarm-bench.c, bench/replay.c),
 * kept apart so tests/user/test-bench.c can check them: the verifiable
 * data pattern, percentiles, the step-range and size parsers and the
 * summary figures.
 */
#ifndef SWARM_BENCH_LIB_H
#define SWARM_BENCH_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The pattern of one entry: 64-bit words; word 0 is the entry id, word 1
 * the seed, every other word a mix of (seed, entry, word index). A read
 * that returns another entry's data, stale data from an earlier seed or
 * a torn mix of both is told apart by the first two words.
 */
void bench_fill(void *buf, size_t len, uint64_t entry, uint64_t seed);

/*
 * Check @buf against the pattern of @entry. Returns true if it matches;
 * otherwise, if @bad_word is not NULL, the index of the first wrong word.
 */
bool bench_check(const void *buf, size_t len, uint64_t entry, uint64_t seed,
		 size_t *bad_word);

/*
 * Nearest-rank percentile @p (0..100] of @n sorted values: the smallest
 * value with at least p% of the values at or below it. 0 if @n is 0.
 */
double bench_percentile(const double *sorted, size_t n, double p);

/* Sort @n doubles ascending (in place). */
void bench_sort(double *v, size_t n);

/*
 * Parse a step range "A:B" over @nr steps into [*a, *b): A and B are step
 * numbers or percentages of @nr ("50%"); an empty A is 0, an empty B @nr;
 * a bare "A" means "A:". Returns 0, or -EINVAL if malformed or empty, or
 * out of 0..@nr.
 */
int bench_parse_range(const char *s, uint64_t nr, uint64_t *a, uint64_t *b);

/* Parse a byte count with an optional K, M, G (binary) suffix; -EINVAL. */
int bench_parse_size(const char *s, uint64_t *out);

/* Parse a plain decimal count (no suffix, no sign); -EINVAL. */
int bench_parse_count(const char *s, uint64_t *out);

/**
 * struct bench_summary - the figures of one replay.
 * @steps: steps replayed.
 * @reads: entry reads.
 * @useful_bytes: @reads x entry size.
 * @io_time: sum of the step latencies, seconds.
 * @p50, @p99, @max, @mean: step latency, seconds.
 * @eff_bw: @useful_bytes / @io_time, bytes/s.
 * @limit_bw: devices x per-device limit (0 if not given).
 * @util: @eff_bw / @limit_bw (0 if no limit).
 */
struct bench_summary {
	uint64_t steps, reads, useful_bytes;
	double io_time, p50, p99, max, mean;
	double eff_bw, limit_bw, util;
};

/*
 * Summarise @n step latencies (seconds; sorted in place) of @reads reads
 * of @entry_size bytes, against @devices x @bw_limit bytes/s.
 */
void bench_summarise(double *lat, size_t n, uint64_t reads,
		     uint64_t entry_size, unsigned int devices,
		     uint64_t bw_limit, struct bench_summary *s);

#endif /* SWARM_BENCH_LIB_H */
