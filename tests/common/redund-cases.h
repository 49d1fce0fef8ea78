/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Redundancy on demand (min_copies) cases, shared by the KUnit suite and
 * the user-space tests. The includer defines CHECK(ctx, cond, fmt, ...)
 * and includes swarm-layout.c, swarm-place.c and place-cases.h first.
 */
#ifndef DM_SWARM_REDUND_CASES_H
#define DM_SWARM_REDUND_CASES_H

/* Every entry of @m has at least @minc copies (check_map() checks them distinct). */
static void check_min(void *ctx, const struct swarm_placement *m, u32 minc)
{
	u64 e, bad = 0;

	for (e = 0; e < m->nr_entries; e++) {
		const u64 *c;

		if (swarm_placement_copies(m, e, &c) < minc)
			bad++;
	}
	CHECK(ctx, !bad, "%llu entries with fewer than %u copies",
	      (unsigned long long)bad, minc);
}

static int rplace(const struct swarm_geom *g, struct tup *t, u32 policy,
		  u32 maxc, u32 minc, struct swarm_placement *m)
{
	struct swarm_place_params p = {
		.policy = policy, .max_copies = maxc, .min_copies = minc,
	};
	char *err = NULL;
	int r = swarm_upload_validate(&t->u, g->nr_entries, &err);

	return r ? r : swarm_place(g, &t->u, &p, m, &err);
}

/*
 * The default placement: copy k of a run on the member k after the
 * run's, in consecutive slots; it fits in swarm_geom_slots_needed().
 */
static void case_min_default(void *ctx)
{
	static const u32 shapes[][3] = {	/* members, min_copies, entries */
		{ 2, 2, 64 }, { 4, 2, 1000 }, { 4, 3, 1001 }, { 3, 2, 37 },
		{ 8, 8, 515 }, { 5, 4, 7 },
	};
	static struct swarm_placement m;
	u32 i, d;

	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		struct swarm_geom g = tgeom(shapes[i][0], 0, shapes[i][2]);
		u32 minc = shapes[i][1];
		char *err = NULL;
		u64 e, need;

		g.min_copies = minc;
		swarm_geom_set_run(&g, 3);	/* runs of 8 entries */
		need = swarm_geom_slots_needed(&g);
		g.dev_slots = need;
		CHECK(ctx, !swarm_place_default(&g, minc, &m, &err),
		      "shape %u: %s", i, err ? err : "");
		if (!m.loc)
			continue;
		check_map(ctx, &g, &m, minc, true);
		check_min(ctx, &m, minc);
		CHECK(ctx, m.nr_copies == g.nr_entries * minc, "shape %u: copies", i);
		for (d = 0; d < g.nr_devs; d++)
			CHECK(ctx, m.dev_used[d] <= need, "shape %u: member %u uses %llu > %llu",
			      i, d, (unsigned long long)m.dev_used[d],
			      (unsigned long long)need);
		for (e = 0; e + 1 < g.nr_entries; e++) {
			struct swarm_loc a[SWARM_MAX_COPIES], b[SWARM_MAX_COPIES];
			u32 k;

			copies_of(&m, e, a);
			copies_of(&m, e + 1, b);
			CHECK(ctx, (a[1].dev - a[0].dev + g.nr_devs) % g.nr_devs == 1,
			      "shape %u: entry %llu: second copy not on the next member",
			      i, (unsigned long long)e);
			if ((e + 1) & 7)	/* same run: consecutive slots */
				for (k = 0; k < minc; k++)
					CHECK(ctx, b[k].dev == a[k].dev &&
					      b[k].slot == a[k].slot + 1,
					      "shape %u: entry %llu copy %u not contiguous",
					      i, (unsigned long long)e, k);
		}
		swarm_placement_free(&m);
		/* One slot fewer on a full device: no room, never overlap. */
		if (g.nr_entries * minc == g.nr_devs * need) {
			g.dev_slots = need - 1;
			CHECK(ctx, swarm_place_default(&g, minc, &m, &err) == -ENOSPC,
			      "shape %u: fits in too few slots", i);
		}
	}
}

/*
 * An upload with min_copies: every entry, clustered or not, has min_copies
 * copies on distinct members; entries in more clusters still get replicas
 * from the budget; min_copies 1 places exactly as before.
 */
static void case_min_upload(void *ctx)
{
	static struct tup t;
	static struct swarm_placement a, b;
	struct swarm_geom g = tgeom(4, 120, 200);
	u64 mem[16], e, multi3 = 0;
	u32 c, k;

	/* Entry x is in the clusters c with 0 <= x - 2c < 12: up to 6. */
	memset(&t, 0, sizeof(t));
	for (c = 0; c < 20; c++) {
		for (k = 0; k < 12; k++)
			mem[k] = c * 2 + k;
		tup_add(&t, c, 100 - c, mem, 12);
	}
	/* min_copies 1 (and 0) is the placement without the feature. */
	CHECK(ctx, !rplace(&g, &t, SWARM_PLACE_COACTIVATION, 4, 0, &a), "place");
	CHECK(ctx, !rplace(&g, &t, SWARM_PLACE_COACTIVATION, 4, 1, &b), "place 1");
	CHECK(ctx, a.nr_copies == b.nr_copies && a.loc && b.loc &&
	      !memcmp(a.loc, b.loc, g.nr_entries * sizeof(u64)),
	      "min_copies 1 changed the placement");
	swarm_placement_free(&a);
	swarm_placement_free(&b);

	for (k = 0; k < 3; k++) {
		u32 pol = k == 2 ? SWARM_PLACE_ROUNDROBIN : SWARM_PLACE_COACTIVATION;
		u32 minc = k ? 2 : 3;

		g.dev_slots = 200;	/* 3 x 200 copies and replicas */
		CHECK(ctx, !rplace(&g, &t, pol, 4, minc, &a), "min %u", minc);
		if (!a.loc)
			continue;
		check_map(ctx, &g, &a, 4, true);
		check_min(ctx, &a, minc);
		for (e = 0, multi3 = 0; e < g.nr_entries; e++) {
			const u64 *cp;

			multi3 += swarm_placement_copies(&a, e, &cp) > minc;
		}
		CHECK(ctx, multi3 > 0, "min %u: no replica beyond min_copies", minc);
		swarm_placement_free(&a);
	}
	/* Parameters: min_copies above max_copies or the members. */
	CHECK(ctx, rplace(&g, &t, SWARM_PLACE_COACTIVATION, 2, 3, &a) == -EINVAL,
	      "min above max");
	CHECK(ctx, rplace(&g, &t, SWARM_PLACE_COACTIVATION, 8, 5, &a) == -EINVAL,
	      "min above members");
	/* No room for two copies of every entry. */
	g.dev_slots = 99;
	CHECK(ctx, rplace(&g, &t, SWARM_PLACE_COACTIVATION, 4, 2, &a) == -ENOSPC,
	      "fits in too few slots");
}

/*
 * A map placed over the default placement with swarm_place_stable() keeps
 * min_copies copies of every entry, writes new copies only to free slots,
 * and placing it again moves nothing.
 */
static void case_min_stable(void *ctx)
{
	static struct tup t;
	static struct swarm_placement d, a, b;
	struct swarm_place_params p = {
		.policy = SWARM_PLACE_COACTIVATION, .max_copies = 3,
		.min_copies = 2,
	};
	struct swarm_geom g = tgeom(4, 200, 300);
	char *err = NULL;
	u64 mem[10], e;
	u32 c, k;

	g.min_copies = 2;
	swarm_geom_set_run(&g, 2);
	memset(&t, 0, sizeof(t));
	for (c = 0; c < 8; c++) {
		for (k = 0; k < 10; k++)
			mem[k] = (c * 37 + k * 11) % 300;
		tup_add(&t, c, 50 - c, mem, 10);
	}
	CHECK(ctx, !swarm_upload_validate(&t.u, g.nr_entries, &err), "valid");
	CHECK(ctx, !swarm_place_default(&g, 2, &d, &err), "default");
	CHECK(ctx, !swarm_place_stable(&g, &d, &t.u, &p, &a, &err), "stable: %s",
	      err ? err : "");
	if (!a.loc || !d.loc)
		return;
	check_map(ctx, &g, &a, 3, true);
	check_min(ctx, &a, 2);
	/* A new copy never takes a slot the default placement uses. */
	for (e = 0; e < g.nr_entries; e++) {
		struct swarm_loc l[SWARM_MAX_COPIES], o[SWARM_MAX_COPIES];
		u32 n = copies_of(&a, e, l), i, j, f;
		u64 x;

		for (i = 0; i < n; i++) {
			bool kept = false;

			f = copies_of(&d, e, o);
			for (j = 0; j < f; j++)
				kept |= o[j].dev == l[i].dev && o[j].slot == l[i].slot;
			if (kept)
				continue;
			for (x = 0; x < g.nr_entries; x++) {
				f = copies_of(&d, x, o);
				for (j = 0; j < f; j++)
					CHECK(ctx, o[j].dev != l[i].dev ||
					      o[j].slot != l[i].slot,
					      "entry %llu: new copy on a live slot",
					      (unsigned long long)e);
			}
		}
	}
	CHECK(ctx, !swarm_place_stable(&g, &a, &t.u, &p, &b, &err), "again");
	CHECK(ctx, b.nr_new == 0 && b.nr_moved == 0, "again moved %llu",
	      (unsigned long long)b.nr_moved);
	check_min(ctx, &b, 2);
	swarm_placement_free(&b);
	swarm_placement_free(&a);
	swarm_placement_free(&d);
}

/* Split @line (changed) into words at spaces. Return: how many. */
static unsigned int rwords(char *line, char **argv, unsigned int room)
{
	unsigned int n = 0;
	char *w;

	while (n < room && (w = strsep(&line, " ")))
		if (*w)
			argv[n++] = w;
	return n;
}

/* Parse table line @text with swarm_parse_table(). */
static int rparse(const char *text, struct swarm_table *t)
{
	static char buf[128];
	char *argv[16], *err = NULL;
	size_t len = strlen(text);
	unsigned int n;

	if (len >= sizeof(buf))
		return -E2BIG;
	memcpy(buf, text, len + 1);
	n = rwords(buf, argv, 16);
	return swarm_parse_table(n, argv, t, &err);
}

/* The table feature and the geometry it needs. */
static void case_min_table(void *ctx)
{
	struct swarm_table t;
	struct swarm_geom g;
	u64 sizes[4];
	char *err = NULL;
	u32 i;

	CHECK(ctx, !rparse("8 4 a b c d 2 min_copies 3", &t), "parse");
	CHECK(ctx, t.min_copies == 3 && (t.given & SWARM_FEAT_MIN_COPIES), "value");
	CHECK(ctx, rparse("8 2 a b 2 min_copies 3", &t) == -EINVAL,
	      "more copies than members");
	CHECK(ctx, rparse("8 2 a b 2 min_copies 0", &t) == -EINVAL, "zero");
	CHECK(ctx, rparse("8 4 a b c d 4 max_copies 2 min_copies 3", &t) == -EINVAL,
	      "above max_copies");
	CHECK(ctx, !rparse("8 4 a b c d", &t) && t.min_copies == 1, "default 1");
	/* 4 members of 1024 slots of 4 KiB hold 4096 entries, 2048 twice. */
	CHECK(ctx, !rparse("8 4 a b c d 2 min_copies 2", &t), "parse 2");
	for (i = 0; i < 4; i++)
		sizes[i] = 1024 * 8;
	CHECK(ctx, !swarm_geom_init(&g, &t, 2048 * 8, sizes, &err), "2048 twice");
	CHECK(ctx, swarm_geom_slots_needed(&g) == 1024, "needed %llu",
	      (unsigned long long)swarm_geom_slots_needed(&g));
	CHECK(ctx, swarm_geom_init(&g, &t, 2049 * 8, sizes, &err) == -EINVAL,
	      "2049 twice");
	t.min_copies = 1;
	CHECK(ctx, !swarm_geom_init(&g, &t, 4096 * 8, sizes, &err), "4096 once");
}

#endif /* DM_SWARM_REDUND_CASES_H */
