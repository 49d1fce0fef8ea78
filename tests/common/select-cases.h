/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Replica-choice cases shared by the KUnit suite and the user-space tests.
 * The includer defines CHECK(ctx, cond, fmt, ...) and includes
 * swarm-select.h first.
 */
#ifndef DM_SWARM_SELECT_CASES_H
#define DM_SWARM_SELECT_CASES_H

static void case_least_loaded(void *ctx)
{
	static const u32 same[4] = { 1000, 1000, 1000, 1000 };
	u64 idle[4] = { 0, 0, 0, 0 };
	u64 busy_first[4] = { 8192, 0, 0, 0 };
	u64 ramp[4] = { 12288, 8192, 4096, 4096 };
	u64 big[2] = { U64_MAX, U64_MAX - 1 };
	u32 fast_second[2] = { 1000, 4000 };
	u64 two[2] = { 4096, 8192 };

	/* Ties go to the first copy: an idle swarm reads primaries. */
	CHECK(ctx, swarm_least_loaded(idle, same, 4, 4096) == 0, "idle");
	CHECK(ctx, swarm_least_loaded(busy_first, same, 4, 4096) == 1, "busy first");
	/* Copies 2 and 3 tie: the earlier wins. */
	CHECK(ctx, swarm_least_loaded(ramp, same, 4, 4096) == 2, "ramp");
	CHECK(ctx, swarm_least_loaded(ramp, same, 1, 4096) == 0, "one copy");
	/* A member 4x faster finishes 8 KiB + 4 KiB before 4 KiB + 4 KiB. */
	CHECK(ctx, swarm_least_loaded(two, fast_second, 2, 4096) == 1, "faster");
	/* Not when it is only 1.2x faster. */
	fast_second[1] = 1200;
	CHECK(ctx, swarm_least_loaded(two, fast_second, 2, 4096) == 0, "slower");
	/* Huge in-flight counts are capped, not overflowed. */
	CHECK(ctx, swarm_least_loaded(big, same, 2, 4096) == 0, "capped");
}

/*
 * Many readers at once: each read joins the least loaded member, and the
 * load spreads evenly over the copies.
 */
static void case_spread(void *ctx)
{
	static const u32 same[3] = { 500, 500, 500 };
	u64 inflight[3] = { 0, 0, 0 };
	u32 i;

	for (i = 0; i < 30; i++)
		inflight[swarm_least_loaded(inflight, same, 3, 4096)] += 4096;
	CHECK(ctx, inflight[0] == 40960 && inflight[1] == 40960 &&
	      inflight[2] == 40960, "spread %llu %llu %llu",
	      (unsigned long long)inflight[0], (unsigned long long)inflight[1],
	      (unsigned long long)inflight[2]);
}

#endif /* DM_SWARM_SELECT_CASES_H */
