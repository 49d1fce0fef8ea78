/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Replica-choice cases shared by the KUnit suite and the user-space tests.
 * The includer defines CHECK(ctx, cond, fmt, ...) and includes
 * swarm-select.h and swarm-health.h first.
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

/*
 * Reading a gap: worth it below the member's bytes per request, never
 * before both peaks were measured, never above SWARM_GAP_AUTO_MAX; the
 * largest gap in sectors agrees with the decision at every size.
 */
static void case_gap(void *ctx)
{
	/* bytes/s, IOPS: 50 MiB/s at 2000 IOPS is 26214.4 bytes a request. */
	enum { NR_GAP_CASES = 8 };
	static const u64 bw[NR_GAP_CASES] = { 50ULL << 20, 8192000, 8192001,
					      3ULL << 30, 1ULL << 40, 1000, 0,
					      50ULL << 20 };
	static const u32 iops[NR_GAP_CASES] = { 2000, 2000, 2000, 1000000, 1000,
						2000, 2000, 0 };
	static const u32 want[NR_GAP_CASES] = { 51, 7, 8, 6, 512, 0, 0, 0 };
	u32 i, g;

	for (i = 0; i < NR_GAP_CASES; i++) {
		u32 max = swarm_gap_max(bw[i], iops[i]);

		CHECK(ctx, max == want[i], "gap_max %u: %u, want %u", i, max,
		      want[i]);
		for (g = 1; g <= 2 * (SWARM_GAP_AUTO_MAX / 512); g++)
			if (swarm_gap_worth((u64)g * 512, bw[i], iops[i]) !=
			    (max && g <= max)) {
				CHECK(ctx, false, "worth %u at %u sectors", i, g);
				break;
			}
	}
	/* 4 KiB random reads at the IOPS limit never read a 4 KiB gap. */
	CHECK(ctx, !swarm_gap_worth(4096, 2000 * 4096, 2000), "4k reads");
	CHECK(ctx, swarm_gap_worth(4095, 2000 * 4096, 2000), "4k reads, less");
	/* Peaks: a larger sample wins; otherwise 1/64 off a sample. */
	CHECK(ctx, swarm_peak(6400, 7000) == 7000, "peak up");
	CHECK(ctx, swarm_peak(6400, 100) == 6300, "peak decays");
	CHECK(ctx, swarm_peak(6400, 6350) == 6350, "peak decays to sample");
	CHECK(ctx, swarm_peak(0, 0) == 0, "peak zero");
	CHECK(ctx, swarm_peak(63, 0) == 63, "small peak stays");
}

/*
 * Gaps of a batch (swarm_gap_batch()): on an IOPS-bound member (50 MiB/s,
 * 2000 IOPS: 26 KiB a request), 100 reads of 4 KiB take 50 ms for their
 * requests and 8 ms for their bytes: the smallest gaps are read while the
 * bytes stay within the requests' time, larger ones than bandwidth/IOPS
 * included.
 */
static void case_gap_batch(void *ctx)
{
	u64 bw = 50ULL << 20;
	u16 hist[SWARM_GAP_BUCKETS] = { 0 };
	u32 g;

	CHECK(ctx, swarm_gap_batch(hist, 100, 100 * 4096, bw, 2000) == 0,
	      "no gaps");
	hist[0] = 40;	/* 40 gaps of 4 KiB */
	hist[9] = 5;	/* 5 of 40 KiB: more than bandwidth / IOPS */
	hist[63] = 20;	/* 20 of 256 KiB */
	g = swarm_gap_batch(hist, 100, 100 * 4096, bw, 2000);
	/*
	 * 4 KiB gaps: 560 KiB (11 ms) over 60 requests (30 ms); 40 KiB:
	 * 760 KiB (15 ms) over 55 (28 ms); 256 KiB: 5880 KiB (112 ms) over
	 * 35 (18 ms), no.
	 */
	CHECK(ctx, g == 80, "batch gap %u, want 80 sectors", g);
	/* Not measured, or bandwidth-bound: nothing more. */
	CHECK(ctx, swarm_gap_batch(hist, 100, 100 * 4096, 0, 2000) == 0,
	      "no bw");
	CHECK(ctx, swarm_gap_batch(hist, 100, 100 * 4096, bw, 0) == 0,
	      "no iops");
	g = swarm_gap_batch(hist, 100, 100 * 4096, 2000 * 4096, 2000);
	CHECK(ctx, g == 0, "4 KiB a request: batch gap %u", g);
	/* Every gap read leaves one request, never none. */
	memset(hist, 0, sizeof(hist));
	hist[0] = 99;
	g = swarm_gap_batch(hist, 100, 100 * 4096, 1ULL << 40, 2000);
	CHECK(ctx, g == 8, "all 4 KiB gaps: %u", g);
	CHECK(ctx, !swarm_gap_batch(hist, 99, 100 * 4096, 1ULL << 40, 2000),
	      "as many gaps as requests");
}

/*
 * Failed members (issue 13): only copies on members that are ok are
 * chosen, the least loaded of them; none when every copy is on a failed
 * member.
 */
static void case_choose_ok(void *ctx)
{
	static const u32 same[4] = { 1000, 1000, 1000, 1000 };
	static const u32 devs[4] = { 1, 5, 63, 0 };
	u64 idle[4] = { 0, 0, 0, 0 };
	u64 ramp[4] = { 12288, 8192, 4096, 4096 };

	CHECK(ctx, swarm_ok_mask(devs, 4, 0) == 0xf, "none failed");
	CHECK(ctx, swarm_ok_mask(devs, 4, BIT_ULL(1)) == 0xe, "member 1");
	CHECK(ctx, swarm_ok_mask(devs, 4, BIT_ULL(63) | BIT_ULL(0)) == 0x3,
	      "members 63 and 0");
	CHECK(ctx, swarm_ok_mask(devs, 4, ~0ULL) == 0, "all failed");
	CHECK(ctx, swarm_ok_mask(devs, 2, BIT_ULL(63)) == 0x3, "n counts");
	/* With every copy ok, the same choice as swarm_least_loaded(). */
	CHECK(ctx, swarm_least_loaded_of(ramp, same, 4, 4096, 0xf) ==
	      swarm_least_loaded(ramp, same, 4, 4096), "all ok");
	CHECK(ctx, swarm_least_loaded_of(idle, same, 4, 4096, 0xf) == 0, "idle");
	/* The least loaded copy failed: the next least loaded, ties first. */
	CHECK(ctx, swarm_least_loaded_of(ramp, same, 4, 4096, 0xb) == 3, "skip 2");
	CHECK(ctx, swarm_least_loaded_of(ramp, same, 4, 4096, 0x3) == 1, "skip 2, 3");
	/* The first copy failed on an idle set: the second, not the first. */
	CHECK(ctx, swarm_least_loaded_of(idle, same, 4, 4096, 0xe) == 1, "skip 0");
	CHECK(ctx, swarm_least_loaded_of(ramp, same, 4, 4096, 0x1) == 0, "only 0");
	CHECK(ctx, swarm_least_loaded_of(ramp, same, 4, 4096, 0) == SWARM_SEL_NONE,
	      "none");
	CHECK(ctx, swarm_least_loaded_of(ramp, same, 2, 4096, 0xc) == SWARM_SEL_NONE,
	      "beyond n");
}

#endif /* DM_SWARM_SELECT_CASES_H */
