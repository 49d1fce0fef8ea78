/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Cases for the DRAM tier's policies (kmod/swarm-cache-policy.c), shared
 * by the user-space tests and KUnit. The includer defines
 * CHECK(ctx, cond, fmt, ...) and includes swarm-cache-policy.c first.
 */

/* The score's weight: (T_base + |C| * T_transfer) / |C|. */
static void case_cache_weight(void *ctx)
{
	CHECK(ctx, swarm_cp_weight(100, 10, 1) == 110, "size 1");
	CHECK(ctx, swarm_cp_weight(100, 10, 10) == 20, "size 10");
	CHECK(ctx, swarm_cp_weight(100, 10, 0) == 110, "size 0 is 1");
	CHECK(ctx, swarm_cp_weight(0, 0, 4) == 1, "never 0");
	CHECK(ctx, swarm_cp_weight(U64_MAX, U64_MAX, 1) == U32_MAX, "capped");
	/* A small cluster saves more per cached entry than a large one. */
	CHECK(ctx, swarm_cp_weight(80000, 1000, 2) >
		   swarm_cp_weight(80000, 1000, 64), "small clusters first");
}

/* f_C: +1 in a step it is activated, -1 in a step it is not. */
static void case_cache_f_update(void *ctx)
{
	u32 f = swarm_cp_f_activate(0, 0, 5);

	CHECK(ctx, f == 1, "first activation: %u", f);
	CHECK(ctx, swarm_cp_f_activate(f, 5, 5) == 1, "once a step");
	f = swarm_cp_f_activate(f, 5, 6);
	CHECK(ctx, f == 2, "next step: %u", f);
	f = swarm_cp_f_activate(f, 6, 7);
	CHECK(ctx, f == 3, "and the next: %u", f);
	/* Idle from step 8 on: 3, then 2 at the end of 8, 1 after 9... */
	CHECK(ctx, swarm_cp_f_now(f, 7, 7) == 3, "this step");
	CHECK(ctx, swarm_cp_f_now(f, 7, 8) == 2, "one idle step");
	CHECK(ctx, swarm_cp_f_now(f, 7, 10) == 0, "three idle steps");
	CHECK(ctx, swarm_cp_f_now(f, 7, 1000) == 0, "never below 0");
	/* Two idle steps (8, 9), then active in 10: 3 - 2 + 1. */
	CHECK(ctx, swarm_cp_f_activate(f, 7, 10) == 2, "idle then active");
	CHECK(ctx, swarm_cp_f_activate(SWARM_CP_F_MAX, 1, 2) == SWARM_CP_F_MAX,
	      "capped");
}

/* Activate @id in step @now: hit or miss; returns its slot or NONE. */
static u32 cache_touch(struct swarm_cp *p, u64 id, u32 weight, u64 now)
{
	u64 victim = 0;
	bool ev;
	u32 s;

	swarm_cp_set_step(p, now);
	s = swarm_cp_lookup(p, id);
	if (s != SWARM_CP_NONE) {
		swarm_cp_hit(p, s);
		return s;
	}
	return swarm_cp_miss(p, id, weight, &ev, &victim);
}

/* The heap gives back the smallest score first; cold misses wait. */
static void case_cache_heap_order(void *ctx)
{
	struct swarm_cp p;
	u64 step, victim = 0;
	u32 i, k, s;
	bool ev;

	CHECK(ctx, swarm_cp_init(&p, SWARM_CP_CB, 8) == 0, "init");
	if (!p.cap)
		return;
	/*
	 * Object i is activated in steps 1 to 10 + i, then idle: at step
	 * 18, f_C = 10 + i - (18 - 10 - i) = 2 + 2i.
	 */
	for (step = 1; step < 18; step++)
		for (i = 0; i < 8; i++)
			if (step <= 10 + i)
				cache_touch(&p, 100 + i, 10, step);
	CHECK(ctx, p.used == 8 && swarm_cp_check(&p), "eight, a heap");
	/* The objects idle longest and least active are on top. */
	swarm_cp_set_step(&p, step);
	s = p.ops->victim(&p);
	CHECK(ctx, p.obj[s].id == 100 && swarm_cp_score(&p, s) == 20,
	      "victim %llu", (unsigned long long)p.obj[s].id);
	/* A new object (f = 1, 2) does not beat the coldest: rejected... */
	s = swarm_cp_miss(&p, 500, 10, &ev, &victim);
	CHECK(ctx, s == SWARM_CP_NONE && !ev, "cold miss rejected");
	s = swarm_cp_miss(&p, 500, 10, &ev, &victim);
	CHECK(ctx, s == SWARM_CP_NONE && !ev, "cold miss rejected");
	/* ...until it was seen often enough: its f counts while outside. */
	s = swarm_cp_miss(&p, 500, 10, &ev, &victim);
	CHECK(ctx, s != SWARM_CP_NONE && ev && victim == 100,
	      "admitted over the coldest (evicted %llu)",
	      (unsigned long long)victim);
	CHECK(ctx, swarm_cp_check(&p), "still a heap");
	/* Idle steps lower every score alike: the order stays. */
	swarm_cp_set_step(&p, step + 3);
	CHECK(ctx, swarm_cp_check(&p), "a heap after idle steps");
	for (i = 0; i < 8; i++) {
		u64 min = U64_MAX;

		for (k = 0; k < p.cap; k++)
			if (p.obj[k].used && swarm_cp_score(&p, k) < min)
				min = swarm_cp_score(&p, k);
		s = p.ops->victim(&p);
		CHECK(ctx, swarm_cp_score(&p, s) == min, "min first");
		swarm_cp_remove(&p, s);
		CHECK(ctx, swarm_cp_check(&p), "a heap after remove");
	}
	CHECK(ctx, p.used == 0 && p.ops->victim(&p) == SWARM_CP_NONE, "empty");
	swarm_cp_exit(&p);
}

/* LRU: the least recently used goes, every miss is admitted. */
static void case_cache_lru_order(void *ctx)
{
	struct swarm_cp p;
	u64 victim = 0;
	bool ev;
	u32 s;

	CHECK(ctx, swarm_cp_init(&p, SWARM_CP_LRU, 3) == 0, "init");
	if (!p.cap)
		return;
	cache_touch(&p, 1, 1, 1);
	cache_touch(&p, 2, 1, 2);
	cache_touch(&p, 3, 1, 3);
	cache_touch(&p, 1, 1, 4);
	CHECK(ctx, swarm_cp_check(&p), "a ring");
	s = swarm_cp_miss(&p, 4, 1, &ev, &victim);
	CHECK(ctx, s != SWARM_CP_NONE && ev && victim == 2, "evicts 2, not %llu",
	      (unsigned long long)victim);
	s = swarm_cp_miss(&p, 5, 1, &ev, &victim);
	CHECK(ctx, ev && victim == 3, "then 3, not %llu",
	      (unsigned long long)victim);
	s = swarm_cp_lookup(&p, 1);
	CHECK(ctx, s != SWARM_CP_NONE, "1 stays");
	swarm_cp_remove(&p, s);
	CHECK(ctx, swarm_cp_lookup(&p, 1) == SWARM_CP_NONE, "removed");
	CHECK(ctx, swarm_cp_check(&p), "a ring after remove");
	s = swarm_cp_miss(&p, 6, 1, &ev, &victim);
	CHECK(ctx, s != SWARM_CP_NONE && !ev, "into the free slot");
	swarm_cp_exit(&p);
}

/* Random activations and removals keep every invariant, both policies. */
static void case_cache_random(void *ctx)
{
	u32 kind, i, s, bad = 0, found = 0;
	u64 x = 12345;

	for (kind = 0; kind < SWARM_CP_NR_KINDS; kind++) {
		struct swarm_cp p;

		CHECK(ctx, swarm_cp_init(&p, kind, 37) == 0, "init");
		if (!p.cap)
			return;
		for (i = 0; i < 20000; i++) {
			u64 id;

			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			id = (x >> 33) % 200;
			if ((x >> 20) % 11 == 0) {
				s = swarm_cp_lookup(&p, id);
				if (s != SWARM_CP_NONE)
					swarm_cp_remove(&p, s);
			} else {
				/* Weights differ: the heap is rebuilt. */
				cache_touch(&p, id, 1 + id % 5, i / 50);
			}
			if (swarm_cp_lookup(&p, id) != SWARM_CP_NONE)
				found++;
			if (i % 97 == 0 && !swarm_cp_check(&p))
				bad++;
		}
		CHECK(ctx, !bad && swarm_cp_check(&p), "%s: %u bad",
		      swarm_cp_name(kind), bad);
		CHECK(ctx, p.stats.hits + p.stats.misses > 0 && found,
		      "%s: did something", swarm_cp_name(kind));
		CHECK(ctx, p.stats.admits == p.stats.misses - p.stats.rejects,
		      "%s: admits", swarm_cp_name(kind));
		swarm_cp_exit(&p);
	}
}

/*
 * The lock-free miss, as the kernel's I/O path does it: swarm_cp_peek(),
 * then swarm_cp_miss_cold(), else the locked swarm_cp_miss(). It turns
 * away only what swarm_cp_miss() would, and counts it alike.
 */
static void case_cache_cold(void *ctx)
{
	u32 i, k, s, cold = 0, diff = 0;
	struct swarm_cp a, b, c;
	u64 x = 777, id, step, victim = 0;
	bool ev, same;

	CHECK(ctx, swarm_cp_init(&c, SWARM_CP_CB, 4) == 0, "init");
	if (!c.cap)
		return;
	CHECK(ctx, !swarm_cp_miss_cold(&c, 9, 0), "refused: a free slot");
	for (i = 0; i < 4; i++)
		cache_touch(&c, 100 + i, 10, 1);
	CHECK(ctx, swarm_cp_peek(&c, 101) && !swarm_cp_peek(&c, 9), "peek");
	CHECK(ctx, !swarm_cp_miss_cold(&c, 9, 2), "refused: a new step");
	CHECK(ctx, swarm_cp_miss_cold(&c, 9, 1), "cold: f_C 1");
	CHECK(ctx, !swarm_cp_miss_cold(&c, 9, 1), "refused: f_C would be 2");
	/* The cold miss counted: f_C 2 beats the victims' 1. */
	s = swarm_cp_miss(&c, 9, 10, &ev, &victim);
	CHECK(ctx, s != SWARM_CP_NONE && ev, "admitted on its second miss");
	CHECK(ctx, swarm_cp_check(&c), "a heap");
	swarm_cp_exit(&c);

	CHECK(ctx, swarm_cp_init(&c, SWARM_CP_LRU, 1) == 0, "init lru");
	if (!c.cap)
		return;
	cache_touch(&c, 1, 1, 1);
	CHECK(ctx, !swarm_cp_miss_cold(&c, 2, 1), "refused: LRU");
	swarm_cp_exit(&c);

	/* A random run both ways: the same objects, ghosts and counts. */
	CHECK(ctx, swarm_cp_init(&a, SWARM_CP_CB, 64) == 0, "init a");
	if (!a.cap)
		return;
	CHECK(ctx, swarm_cp_init(&b, SWARM_CP_CB, 64) == 0, "init b");
	if (!b.cap) {
		swarm_cp_exit(&a);
		return;
	}
	for (i = 0; i < 30000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		id = (x >> 33) % 300;
		step = i / 40;
		if ((x >> 20) % 13 == 0) {
			s = swarm_cp_lookup(&a, id);
			if (s != SWARM_CP_NONE)
				swarm_cp_remove(&a, s);
			s = swarm_cp_lookup(&b, id);
			if (s != SWARM_CP_NONE)
				swarm_cp_remove(&b, s);
			continue;
		}
		cache_touch(&a, id, 10, step);
		if (!swarm_cp_peek(&b, id) && swarm_cp_miss_cold(&b, id, step))
			cold++;
		else
			cache_touch(&b, id, 10, step);
	}
	for (k = 0; k < a.cap; k++)
		if (a.obj[k].used != b.obj[k].used ||
		    (a.obj[k].used && a.obj[k].id != b.obj[k].id))
			diff++;
	CHECK(ctx, !diff, "%u slots differ", diff);
	CHECK(ctx, !memcmp(a.ghost, b.ghost, (a.gmask + 1) * sizeof(u32)),
	      "ghosts differ");
	CHECK(ctx, cold > 1000 && a.stats.rejects >= cold,
	      "cold %u of %llu rejects", cold,
	      (unsigned long long)a.stats.rejects);
	same = a.stats.hits == b.stats.hits &&
	       a.stats.admits == b.stats.admits &&
	       a.stats.evictions == b.stats.evictions &&
	       a.stats.misses == b.stats.misses + cold;
	CHECK(ctx, same, "counts: hits %llu/%llu admits %llu/%llu",
	      (unsigned long long)a.stats.hits,
	      (unsigned long long)b.stats.hits,
	      (unsigned long long)a.stats.admits,
	      (unsigned long long)b.stats.admits);
	CHECK(ctx, swarm_cp_check(&b), "b: a heap");
	swarm_cp_exit(&a);
	swarm_cp_exit(&b);
}
