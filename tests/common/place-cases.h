/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Placement and validation cases shared by the KUnit suite and the
 * user-space tests. The includer defines CHECK(ctx, cond, fmt, ...) and
 * includes swarm-place.c first.
 */
#ifndef DM_SWARM_PLACE_CASES_H
#define DM_SWARM_PLACE_CASES_H

/*
 * An upload built from a compact description. Tests keep it static: it is
 * too large for a kernel stack.
 */
struct tup {
	struct swarm_upload u;
	struct swarm_cluster c[64];
	u64 mem[1024];
	struct swarm_weight w[32];
};

/* Add cluster @id with @freq and members @m[0..n-1]; the medoid is m[0]. */
static void tup_add(struct tup *t, u32 id, u64 freq, const u64 *m, u32 n)
{
	struct swarm_cluster *c = &t->c[t->u.nr_clusters++];

	c->id = id;
	c->frequency = freq;
	c->nr_members = n;
	c->medoid = m[0];
	c->first = t->u.nr_members;
	memcpy(&t->mem[t->u.nr_members], m, n * sizeof(u64));
	t->u.nr_members += n;
	t->u.clusters = t->c;
	t->u.members = t->mem;
	t->u.weights = t->w;
}

static void tup_weight(struct tup *t, u32 a, u32 b, u64 w)
{
	t->w[t->u.nr_weights].a = a;
	t->w[t->u.nr_weights].b = b;
	t->w[t->u.nr_weights++].weight = w;
}

static struct swarm_geom tgeom(u32 nr_devs, u64 dev_slots, u64 nr_entries)
{
	struct swarm_geom g = {
		.entry_sectors = 8, .entry_shift = 3, .nr_devs = nr_devs,
		.nr_entries = nr_entries, .dev_slots = dev_slots,
	};

	return g;
}

static u32 copies_of(const struct swarm_placement *m, u64 e, struct swarm_loc *out)
{
	const u64 *c;
	u32 n = swarm_placement_copies(m, e, &c), i;

	for (i = 0; i < n && i < SWARM_MAX_COPIES; i++)
		out[i] = swarm_loc_decode(c[i]);
	return n;
}

/*
 * Properties every placed map has: each entry has 1..max copies, every
 * copy is in range, no slot is used twice, the slot counts add up.
 */
static void check_map(void *ctx, const struct swarm_geom *g,
		      const struct swarm_placement *m, u32 max_copies, bool distinct)
{
	u8 *used = swarm_zalloc(g->nr_devs * g->dev_slots, 1);
	u64 e, total = 0;
	u32 d;

	CHECK(ctx, used, "alloc");
	if (!used)
		return;
	for (e = 0; e < m->nr_entries; e++) {
		struct swarm_loc l[SWARM_MAX_COPIES];
		u32 n = copies_of(m, e, l), i, j;

		CHECK(ctx, n >= 1 && n <= max_copies, "entry %llu has %u copies",
		      (unsigned long long)e, n);
		for (i = 0; i < n && i < SWARM_MAX_COPIES; i++) {
			CHECK(ctx, l[i].dev < g->nr_devs && l[i].slot < g->dev_slots,
			      "entry %llu copy %u out of range", (unsigned long long)e, i);
			if (l[i].dev >= g->nr_devs || l[i].slot >= g->dev_slots)
				continue;
			CHECK(ctx, !used[l[i].dev * g->dev_slots + l[i].slot],
			      "slot %u/%llu used twice", l[i].dev,
			      (unsigned long long)l[i].slot);
			used[l[i].dev * g->dev_slots + l[i].slot] = 1;
			for (j = 0; distinct && j < i; j++)
				CHECK(ctx, l[i].dev != l[j].dev,
				      "entry %llu has two copies on member %u",
				      (unsigned long long)e, l[i].dev);
		}
		total += n;
	}
	CHECK(ctx, total == m->nr_copies, "copies %llu != %llu",
	      (unsigned long long)total, (unsigned long long)m->nr_copies);
	for (d = 0, e = 0; d < g->nr_devs; d++)
		e += m->dev_used[d];
	CHECK(ctx, e == m->nr_copies, "slots used %llu", (unsigned long long)e);
	swarm_free(used);
}

static int tplace(const struct swarm_geom *g, struct tup *t, u32 policy,
		  u32 max_copies, u32 spare, struct swarm_placement *m)
{
	struct swarm_place_params p = {
		.policy = policy, .max_copies = max_copies, .spare_pct = spare,
	};
	char *err = NULL;
	int r = swarm_upload_validate(&t->u, g->nr_entries, &err);

	return r ? r : swarm_place(g, &t->u, &p, m, &err);
}

static bool loc_is(struct swarm_loc l, u32 dev, u64 slot)
{
	return l.dev == dev && l.slot == slot;
}

/* The paper's Eq. 7 on a worked example. */
static void case_eq7(void *ctx)
{
	static const u64 c0[] = { 0, 1, 2 }, c1[] = { 3, 4, 5, 6, 7 }, c2[] = { 8, 9 };
	/* entry -> member, slot */
	static const u32 want[14][2] = {
		{0, 0}, {1, 0}, {2, 0},			/* C0 from p = 0 */
		{3, 0}, {0, 1}, {1, 1}, {2, 1}, {3, 1},	/* C1 from p = 3 */
		{0, 2}, {1, 2},				/* C2 from p = 8 */
		{0, 3}, {1, 3}, {2, 2}, {3, 2},		/* striped rest */
	};
	struct swarm_geom g = tgeom(4, 100, 40);
	static struct tup t;
	static struct swarm_placement m;
	u64 e;

	/* Ids out of order and frequencies mixed: Eq. 7 goes by id. */
	memset(&t, 0, sizeof(t));
	tup_add(&t, 1, 3, c1, 5);
	tup_add(&t, 2, 9, c2, 2);
	tup_add(&t, 0, 5, c0, 3);
	CHECK(ctx, !tplace(&g, &t, SWARM_PLACE_ROUNDROBIN, 1, 0, &m), "place");
	for (e = 0; e < 14; e++) {
		struct swarm_loc l[SWARM_MAX_COPIES];

		copies_of(&m, e, l);
		CHECK(ctx, loc_is(l[0], want[e][0], want[e][1]),
		      "entry %llu at %u/%llu, want %u/%u", (unsigned long long)e,
		      l[0].dev, (unsigned long long)l[0].slot, want[e][0], want[e][1]);
	}
	CHECK(ctx, m.nr_copies == 40 && m.nr_multi == 0, "copies %llu",
	      (unsigned long long)m.nr_copies);
	check_map(ctx, &g, &m, 1, false);
	swarm_placement_free(&m);
}

/* An entry in two clusters gets two copies, on distinct members. */
static void case_replication(void *ctx)
{
	static const u64 c0[] = { 0, 1, 2, 3 }, c1[] = { 3, 4, 5, 6 };
	static const u32 pol[] = { SWARM_PLACE_ROUNDROBIN, SWARM_PLACE_COACTIVATION };
	struct swarm_geom g = tgeom(4, 100, 20);
	u32 i;

	for (i = 0; i < 2; i++) {
		struct swarm_loc l[SWARM_MAX_COPIES];
		static struct tup t;
		static struct swarm_placement m;

		memset(&t, 0, sizeof(t));
		tup_add(&t, 0, 10, c0, 4);
		tup_add(&t, 1, 5, c1, 4);
		CHECK(ctx, !tplace(&g, &t, pol[i], 2, 0, &m), "place");
		CHECK(ctx, copies_of(&m, 3, l) == 2, "entry 3 copies");
		CHECK(ctx, l[0].dev != l[1].dev, "copies on one member");
		CHECK(ctx, m.nr_copies == 21 && m.nr_multi == 1, "copies %llu",
		      (unsigned long long)m.nr_copies);
		check_map(ctx, &g, &m, 2, pol[i] == SWARM_PLACE_COACTIVATION);
		swarm_placement_free(&m);

		/* One copy per entry when the budget says so. */
		CHECK(ctx, !tplace(&g, &t, pol[i], 1, 0, &m), "place");
		CHECK(ctx, copies_of(&m, 3, l) == 1 && m.nr_copies == 20, "max 1");
		swarm_placement_free(&m);
	}
}

/* Over budget, the hot clusters' copies win. */
static void case_budget(void *ctx)
{
	static const u64 h0[] = { 0, 2 }, h1[] = { 0, 3 }, c0[] = { 1, 4 }, c1[] = { 1, 5 };
	struct swarm_geom g = tgeom(2, 5, 9);	/* 10 slots, 9 entries: 1 spare */
	struct swarm_loc l[SWARM_MAX_COPIES];
	static struct tup t;
	static struct swarm_placement m;

	memset(&t, 0, sizeof(t));
	tup_add(&t, 0, 1, c0, 2);
	tup_add(&t, 1, 1, c1, 2);
	tup_add(&t, 2, 8, h0, 2);
	tup_add(&t, 3, 8, h1, 2);
	CHECK(ctx, !tplace(&g, &t, SWARM_PLACE_COACTIVATION, 4, 0, &m), "place");
	CHECK(ctx, copies_of(&m, 0, l) == 2, "hot entry has 2 copies");
	CHECK(ctx, copies_of(&m, 1, l) == 1, "cold entry has 1 copy");
	check_map(ctx, &g, &m, 4, true);
	swarm_placement_free(&m);

	/* A 10% spare reserve leaves no room for the replica at all. */
	CHECK(ctx, !tplace(&g, &t, SWARM_PLACE_COACTIVATION, 4, 10, &m), "place");
	CHECK(ctx, copies_of(&m, 0, l) == 1 && m.nr_copies == 9, "spare");
	swarm_placement_free(&m);
}

/* Per-member members of the union of clusters @a and @b. */
static void union_load(const struct swarm_placement *m, const u64 *a, u32 na,
		       const u64 *b, u32 nb, u32 *load)
{
	struct swarm_loc l[SWARM_MAX_COPIES];
	u32 i;

	for (i = 0; i < 4; i++)
		load[i] = 0;
	for (i = 0; i < na; i++) {
		copies_of(m, a[i], l);
		load[l[0].dev]++;
	}
	for (i = 0; i < nb; i++) {
		copies_of(m, b[i], l);
		load[l[0].dev]++;
	}
}

/*
 * Clusters read together start on different members. Eq. 7 lays C2 on
 * the same two members as C0; with the weight, COACTIVATION does not.
 */
static void case_anti_affinity(void *ctx)
{
	static const u64 c0[] = { 0, 1 }, c1[] = { 2, 3, 4, 5, 6, 7 }, c2[] = { 8, 9 };
	struct swarm_geom g = tgeom(4, 100, 16);
	static struct tup t;
	static struct swarm_placement m;
	u32 load[4];

	memset(&t, 0, sizeof(t));
	tup_add(&t, 0, 10, c0, 2);
	tup_add(&t, 1, 9, c1, 6);
	tup_add(&t, 2, 8, c2, 2);
	tup_weight(&t, 0, 2, 100);

	CHECK(ctx, !tplace(&g, &t, SWARM_PLACE_ROUNDROBIN, 1, 0, &m), "place");
	union_load(&m, c0, 2, c2, 2, load);
	CHECK(ctx, load[0] == 2 && load[1] == 2 && load[2] == 0 && load[3] == 0,
	      "Eq. 7 load %u %u %u %u", load[0], load[1], load[2], load[3]);
	swarm_placement_free(&m);

	CHECK(ctx, !tplace(&g, &t, SWARM_PLACE_COACTIVATION, 1, 0, &m), "place");
	union_load(&m, c0, 2, c2, 2, load);
	CHECK(ctx, load[0] == 1 && load[1] == 1 && load[2] == 1 && load[3] == 1,
	      "co-activation load %u %u %u %u", load[0], load[1], load[2], load[3]);
	check_map(ctx, &g, &m, 1, true);
	swarm_placement_free(&m);
}

/* Without weights, COACTIVATION fills the least used members. */
static void case_capacity_balance(void *ctx)
{
	struct swarm_geom g = tgeom(4, 100, 64);
	static struct tup t;
	static struct swarm_placement m;
	u64 mn = U64_MAX, mx = 0;
	u32 i;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < 8; i++) {
		u64 mem[3] = { i * 3, i * 3 + 1, i * 3 + 2 };

		tup_add(&t, i, 8 - i, mem, 3);
	}
	CHECK(ctx, !tplace(&g, &t, SWARM_PLACE_COACTIVATION, 1, 0, &m), "place");
	for (i = 0; i < 4; i++) {
		mn = min(mn, m.dev_used[i]);
		mx = max(mx, m.dev_used[i]);
	}
	CHECK(ctx, mx - mn <= 1, "members hold %llu..%llu slots",
	      (unsigned long long)mn, (unsigned long long)mx);
	check_map(ctx, &g, &m, 1, true);
	swarm_placement_free(&m);
}

/* Random uploads: every placed map keeps the properties. */
static void case_random(void *ctx)
{
	u32 seed = 7, iter;

	for (iter = 0; iter < 200; iter++) {
		u32 n = 1 + iter % 6, nc, i, j, pol = iter & 1;
		u64 entries = 20 + iter % 50;
		struct swarm_geom g = tgeom(n, (entries + n - 1) / n + iter % 7, entries);
		static struct tup t;
		static struct swarm_placement m;
		u32 maxc = 1 + iter % 4;

		memset(&t, 0, sizeof(t));
		nc = 1 + iter % 20;
		for (i = 0; i < nc && t.u.nr_members < 900; i++) {
			u64 mem[40];
			u32 sz = 1 + (seed >> 8) % 12, k = 0;

			for (j = 0; j < sz; j++) {
				u64 e, q;

				seed = seed * 1103515245 + 12345;
				e = (seed >> 8) % entries;
				for (q = 0; q < k && mem[q] != e; q++)
					;
				if (q == k)
					mem[k++] = e;
			}
			tup_add(&t, i, seed % 100, mem, k);
		}
		for (i = 0; i + 1 < t.u.nr_clusters && i < 10; i++)
			tup_weight(&t, i, i + 1, seed % 50);
		CHECK(ctx, !tplace(&g, &t, pol, maxc, iter % 30, &m), "iter %u", iter);
		check_map(ctx, &g, &m, maxc, pol == SWARM_PLACE_COACTIVATION && maxc <= n);
		swarm_placement_free(&m);
	}
}

static void bad_upload(void *ctx, struct tup *t, const struct swarm_geom *g,
		       int want, const char *msg)
{
	char *err = NULL;
	int r = swarm_upload_validate(&t->u, g->nr_entries, &err);

	CHECK(ctx, r == want, "got %d, want %d for %s", r, want, msg);
	CHECK(ctx, err && !strcmp(err, msg), "message %s", err ? err : "none");
}

/* Each validation rule and its errno. */
static void case_validation(void *ctx)
{
	static const u64 ok[] = { 1, 2, 3 };
	struct swarm_geom g = tgeom(2, 10, 10);
	static struct tup t;
	char *err;

	memset(&t, 0, sizeof(t));
	bad_upload(ctx, &t, &g, -EINVAL, "No clusters");

	memset(&t, 0, sizeof(t));
	tup_add(&t, 1, 1, ok, 3);
	bad_upload(ctx, &t, &g, -ERANGE, "Cluster id out of range");

	memset(&t, 0, sizeof(t));
	tup_add(&t, 0, 1, ok, 3);
	tup_add(&t, 0, 1, ok, 3);
	bad_upload(ctx, &t, &g, -EEXIST, "Duplicate cluster id");

	memset(&t, 0, sizeof(t));
	tup_add(&t, 0, 1, ok, 3);
	t.c[0].nr_members = 0;
	t.u.nr_members = 0;
	bad_upload(ctx, &t, &g, -EINVAL, "Empty cluster");

	memset(&t, 0, sizeof(t));
	tup_add(&t, 0, 1, ok, 3);
	t.u.nr_members = 4;
	bad_upload(ctx, &t, &g, -EINVAL, "Member counts disagree");
	t.u.nr_members = 2;
	bad_upload(ctx, &t, &g, -EINVAL, "Member counts disagree");

	memset(&t, 0, sizeof(t));
	tup_add(&t, 0, 1, ok, 3);
	t.mem[2] = 10;
	bad_upload(ctx, &t, &g, -ERANGE, "Entry out of range");
	t.mem[2] = 1;
	bad_upload(ctx, &t, &g, -EEXIST, "Entry twice in one cluster");
	t.mem[2] = 3;
	t.c[0].medoid = 4;
	bad_upload(ctx, &t, &g, -EINVAL, "Medoid is not a member of its cluster");
	t.c[0].medoid = 3;
	CHECK(ctx, !swarm_upload_validate(&t.u, g.nr_entries, &err), "valid");

	/* The same entry in two clusters is fine (replication). */
	tup_add(&t, 1, 1, ok, 3);
	CHECK(ctx, !swarm_upload_validate(&t.u, g.nr_entries, &err), "overlap");
	tup_weight(&t, 0, 2, 1);
	bad_upload(ctx, &t, &g, -ERANGE, "Weight names an unknown cluster");
	t.w[0].b = 0;
	bad_upload(ctx, &t, &g, -EINVAL, "Weight of a cluster with itself");
	t.w[0].b = 1;
	CHECK(ctx, !swarm_upload_validate(&t.u, g.nr_entries, &err), "weights");
}

#endif /* DM_SWARM_PLACE_CASES_H */
