/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stable placement cases (swarm_place_stable()): a map changed over a
 * live one keeps the copies that can stay and moves only what changed.
 * The includer defines CHECK(ctx, cond, fmt, ...) and includes
 * swarm-place.c and place-cases.h first.
 */
#ifndef DM_SWARM_STABLE_CASES_H
#define DM_SWARM_STABLE_CASES_H

/* A larger upload than struct tup, built cluster by cluster. */
struct bigup {
	struct swarm_upload u;
	u32 room_c;
	u64 room_m;
};

static bool bigup_init(struct bigup *b, u32 room_c, u64 room_m)
{
	memset(b, 0, sizeof(*b));
	b->u.clusters = swarm_zalloc(room_c, sizeof(*b->u.clusters));
	b->u.members = swarm_zalloc(room_m, sizeof(u64));
	b->room_c = room_c;
	b->room_m = room_m;
	return b->u.clusters && b->u.members;
}

static void bigup_free(struct bigup *b)
{
	swarm_free(b->u.clusters);
	swarm_free(b->u.members);
}

/* Cluster of entries @first, @first + @step, ... (@n of them). */
static void bigup_add(struct bigup *b, u64 freq, u64 first, u64 step, u32 n)
{
	struct swarm_cluster *c = &b->u.clusters[b->u.nr_clusters];
	u32 i;

	c->id = b->u.nr_clusters++;
	c->frequency = freq;
	c->nr_members = n;
	c->medoid = first;
	c->first = b->u.nr_members;
	for (i = 0; i < n; i++)
		b->u.members[b->u.nr_members++] = first + i * step;
}

static bool has_old_copy(const struct swarm_geom *g, const struct swarm_placement *old,
			 u64 e, struct swarm_loc l)
{
	struct swarm_loc o[SWARM_MAX_COPIES];
	u32 n, i;

	if (!old) {
		o[0] = swarm_striped_loc(g, e);
		return o[0].dev == l.dev && o[0].slot == l.slot;
	}
	n = copies_of(old, e, o);
	for (i = 0; i < n && i < SWARM_MAX_COPIES; i++)
		if (o[i].dev == l.dev && o[i].slot == l.slot)
			return true;
	return false;
}

/*
 * The crash rule of a stable placement: each copy is a live copy of the
 * same entry or a slot the live map leaves free; nr_moved / nr_new count
 * the entries and copies that are new. Return: the entries moved.
 */
static u64 check_stable(void *ctx, const struct swarm_geom *g,
			const struct swarm_placement *old,
			const struct swarm_placement *m)
{
	u8 *oldused = swarm_zalloc(g->nr_devs * g->dev_slots, 1);
	u64 e, moved = 0, fresh = 0;
	u32 i, n;

	CHECK(ctx, oldused, "alloc");
	if (!oldused)
		return 0;
	for (e = 0; e < g->nr_entries; e++) {
		struct swarm_loc l[SWARM_MAX_COPIES];

		if (!old) {
			l[0] = swarm_striped_loc(g, e);
			n = 1;
		} else {
			n = copies_of(old, e, l);
		}
		for (i = 0; i < n; i++)
			oldused[l[i].dev * g->dev_slots + l[i].slot] = 1;
	}
	for (e = 0; e < g->nr_entries; e++) {
		struct swarm_loc l[SWARM_MAX_COPIES];
		bool any = false;

		n = copies_of(m, e, l);
		for (i = 0; i < n; i++) {
			if (has_old_copy(g, old, e, l[i]))
				continue;
			CHECK(ctx, !oldused[l[i].dev * g->dev_slots + l[i].slot],
			      "entry %llu: new copy %u/%llu on a slot the live map uses",
			      (unsigned long long)e, l[i].dev,
			      (unsigned long long)l[i].slot);
			any = true;
			fresh++;
		}
		moved += any;
	}
	CHECK(ctx, moved == m->nr_moved, "moved %llu, placement says %llu",
	      (unsigned long long)moved, (unsigned long long)m->nr_moved);
	CHECK(ctx, fresh == m->nr_new, "new copies %llu, placement says %llu",
	      (unsigned long long)fresh, (unsigned long long)m->nr_new);
	swarm_free(oldused);
	return moved;
}

/* Copies of cluster @c's members on each member device, at most per member. */
static u64 cluster_spread(const struct swarm_upload *u, u32 c,
			  const struct swarm_placement *m, u32 nr_devs)
{
	const struct swarm_cluster *cl = &u->clusters[c];
	u64 cnt[SWARM_MAX_DEVS] = { 0 }, k, mx = 0;
	u32 d;

	for (k = cl->first; k < cl->first + cl->nr_members; k++) {
		struct swarm_loc l[SWARM_MAX_COPIES];

		copies_of(m, u->members[k], l);
		cnt[l[0].dev]++;	/* single-copy members in these cases */
	}
	for (d = 0; d < nr_devs; d++)
		mx = max(mx, cnt[d]);
	return mx;
}

static int sp(const struct swarm_geom *g, const struct swarm_placement *old,
	      const struct swarm_upload *u, u32 maxc, u32 spare,
	      struct swarm_placement *m)
{
	struct swarm_place_params p = {
		.policy = SWARM_PLACE_COACTIVATION, .max_copies = maxc,
		.spare_pct = spare,
	};
	char *err = NULL;
	int r = swarm_upload_validate(u, g->nr_entries, &err);

	return r ? r : swarm_place_stable(g, old, u, &p, m, &err);
}

static int full_place(const struct swarm_geom *g, const struct swarm_upload *u,
		      u32 maxc, u32 spare, struct swarm_placement *m)
{
	struct swarm_place_params p = {
		.policy = SWARM_PLACE_COACTIVATION, .max_copies = maxc,
		.spare_pct = spare,
	};
	char *err = NULL;

	return swarm_place(g, u, &p, m, &err);
}

/* The same upload again moves nothing and keeps every copy. */
static void case_stable_same(void *ctx)
{
	struct swarm_geom g = tgeom(4, 1000, 2800);
	static struct swarm_placement a, b;
	struct bigup u;
	u64 e;
	u32 i;

	CHECK(ctx, bigup_init(&u, 64, 4000), "alloc");
	for (i = 0; i < 40; i++)	/* overlapping: replicas */
		bigup_add(&u, 100 - i, i * 50, 1, 64);
	CHECK(ctx, !full_place(&g, &u.u, 2, 20, &a), "first placement");
	CHECK(ctx, !sp(&g, &a, &u.u, 2, 20, &b), "stable placement");
	check_map(ctx, &g, &b, 2, true);
	CHECK(ctx, check_stable(ctx, &g, &a, &b) == 0, "moved %llu",
	      (unsigned long long)b.nr_moved);
	CHECK(ctx, b.nr_copies == a.nr_copies, "copies %llu != %llu",
	      (unsigned long long)b.nr_copies, (unsigned long long)a.nr_copies);
	/* And again over a stable placement (over the striped layout). */
	swarm_placement_free(&a);
	CHECK(ctx, !sp(&g, NULL, &u.u, 2, 20, &a), "stable over striped");
	swarm_placement_free(&b);
	CHECK(ctx, !sp(&g, &a, &u.u, 2, 20, &b), "stable again");
	CHECK(ctx, check_stable(ctx, &g, &a, &b) == 0, "moved %llu the 2nd time",
	      (unsigned long long)b.nr_moved);
	for (e = 0; e < g.nr_entries; e++) {
		struct swarm_loc la[SWARM_MAX_COPIES], lb[SWARM_MAX_COPIES];
		u32 na = copies_of(&a, e, la), nb = copies_of(&b, e, lb);

		CHECK(ctx, na == nb, "entry %llu: %u copies, was %u",
		      (unsigned long long)e, nb, na);
	}
	swarm_placement_free(&a);
	swarm_placement_free(&b);
	bigup_free(&u);
}

/*
 * A device filled to 80% of its slots takes a change of 10% of its
 * entries, which a full copy beside the live map cannot; the new
 * clusters are spread over the members as a fresh placement would.
 */
static void case_stable_80(void *ctx)
{
	struct swarm_geom g = tgeom(4, 1000, 2800);
	static struct swarm_placement a, b, c;
	struct bigup u1, u2;
	u64 used = 0, moved;
	char *err = NULL;
	struct swarm_place_params p = {
		.policy = SWARM_PLACE_COACTIVATION, .max_copies = 2,
		.spare_pct = 20,
	};
	u32 i, d;

	CHECK(ctx, bigup_init(&u1, 64, 4000) && bigup_init(&u2, 64, 4000), "alloc");
	/* 40 clusters of 64 over entries 0..1999, overlapping: replicas. */
	for (i = 0; i < 40; i++)
		bigup_add(&u1, 100 - i, i * 50, 1, 64);
	CHECK(ctx, !full_place(&g, &u1.u, 2, 20, &a), "first placement");
	for (d = 0; d < g.nr_devs; d++)
		used += a.dev_used[d];
	CHECK(ctx, used * 100 >= 79 * g.nr_devs * g.dev_slots,
	      "live map uses %llu of %llu slots", (unsigned long long)used,
	      (unsigned long long)(g.nr_devs * g.dev_slots));

	/* Same clusters, plus 7 new ones of 40 entries from 2000..2799 (10%). */
	for (i = 0; i < 40; i++)
		bigup_add(&u2, 100 - i, i * 50, 1, 64);
	for (i = 0; i < 7; i++)
		bigup_add(&u2, 200 + i, 2000 + i, 7, 40);
	CHECK(ctx, swarm_place_beside(&g, &a, &u2.u, &p, &c, &err) == -ENOSPC,
	      "a full copy should not fit");
	CHECK(ctx, !sp(&g, &a, &u2.u, 2, 20, &b), "stable placement at 80%%");
	check_map(ctx, &g, &b, 2, true);
	moved = check_stable(ctx, &g, &a, &b);
	CHECK(ctx, moved > 0 && moved <= 280, "moved %llu of 280 changed",
	      (unsigned long long)moved);
	/* The hot old clusters did not change: only the new ones moved. */
	for (i = 0; i < 2000; i++) {
		struct swarm_loc l[SWARM_MAX_COPIES];
		u32 n = copies_of(&b, i, l), j;

		for (j = 0; j < n; j++)
			CHECK(ctx, has_old_copy(&g, &a, i, l[j]),
			      "entry %u of an unchanged cluster moved", i);
	}
	/* Spread: each new cluster of 40 at most 10 on a member. */
	for (i = 40; i < 47; i++)
		CHECK(ctx, cluster_spread(&u2.u, i, &b, g.nr_devs) <= 10,
		      "new cluster %u: %llu on one member", i,
		      (unsigned long long)cluster_spread(&u2.u, i, &b, g.nr_devs));
	/* Dropping the new clusters again moves nothing. */
	CHECK(ctx, !sp(&g, &b, &u1.u, 2, 20, &c), "back to the first map");
	check_map(ctx, &g, &c, 2, true);
	CHECK(ctx, check_stable(ctx, &g, &b, &c) == 0, "moved %llu back",
	      (unsigned long long)c.nr_moved);
	swarm_placement_free(&a);
	swarm_placement_free(&b);
	swarm_placement_free(&c);
	bigup_free(&u1);
	bigup_free(&u2);
}

/* Over the striped layout: clusters of one stripe run are spread out. */
static void case_stable_striped(void *ctx)
{
	struct swarm_geom g = tgeom(4, 400, 1000);
	static struct swarm_placement b;
	struct bigup u;
	u32 i;

	g.run_shift = 7;	/* runs of 128 entries, one row of them */
	g.striped_full = 512;
	CHECK(ctx, bigup_init(&u, 8, 1000), "alloc");
	for (i = 0; i < 4; i++)
		bigup_add(&u, 10, i * 100, 1, 64);
	CHECK(ctx, !sp(&g, NULL, &u.u, 1, 0, &b), "stable over striped");
	check_map(ctx, &g, &b, 1, true);
	check_stable(ctx, &g, NULL, &b);
	for (i = 0; i < 4; i++)
		CHECK(ctx, cluster_spread(&u.u, i, &b, g.nr_devs) <= 16,
		      "cluster %u: %llu on one member", i,
		      (unsigned long long)cluster_spread(&u.u, i, &b, g.nr_devs));
	swarm_placement_free(&b);
	/* No free slot: every entry stays where it is, nothing moves. */
	g.dev_slots = 250;
	CHECK(ctx, !sp(&g, NULL, &u.u, 1, 0, &b), "no room");
	CHECK(ctx, check_stable(ctx, &g, NULL, &b) == 0, "moved without room");
	swarm_placement_free(&b);
	/* Replicas are dropped when no slot is free, nothing fails. */
	CHECK(ctx, !sp(&g, NULL, &u.u, 2, 0, &b), "no room, replicas");
	swarm_placement_free(&b);
	bigup_free(&u);
}

/*
 * The first map over striped data, with room: each cluster's copies on a
 * member lie in consecutive slots (one request when read together), as a
 * fresh placement lays them out; the same map again moves nothing.
 */
static void case_stable_runs(void *ctx)
{
	struct swarm_geom g = tgeom(4, 1000, 1600);
	static struct swarm_placement a, b;
	struct bigup u;
	u32 i, d;

	CHECK(ctx, bigup_init(&u, 32, 1000), "alloc");
	for (i = 0; i < 24; i++)	/* 32 entries 37 apart: scattered */
		bigup_add(&u, 100 - i, i, 37, 32);
	CHECK(ctx, !sp(&g, NULL, &u.u, 1, 0, &a), "stable over striped");
	check_map(ctx, &g, &a, 1, true);
	check_stable(ctx, &g, NULL, &a);
	for (i = 0; i < u.u.nr_clusters; i++) {
		const struct swarm_cluster *c = &u.u.clusters[i];
		u64 lo[SWARM_MAX_DEVS], hi[SWARM_MAX_DEVS], n[SWARM_MAX_DEVS] = { 0 };
		u64 k;

		for (k = c->first; k < c->first + c->nr_members; k++) {
			struct swarm_loc l[SWARM_MAX_COPIES];

			copies_of(&a, u.u.members[k], l);
			d = l[0].dev;
			lo[d] = n[d] ? min_t(u64, lo[d], l[0].slot) : l[0].slot;
			hi[d] = n[d] ? max_t(u64, hi[d], l[0].slot) : l[0].slot;
			n[d]++;
		}
		for (d = 0; d < g.nr_devs; d++)
			CHECK(ctx, !n[d] || hi[d] - lo[d] + 1 == n[d],
			      "cluster %u: %llu copies over slots %llu..%llu of member %u",
			      i, (unsigned long long)n[d], (unsigned long long)lo[d],
			      (unsigned long long)hi[d], d);
		CHECK(ctx, cluster_spread(&u.u, i, &a, g.nr_devs) <= 8,
		      "cluster %u: %llu on one member", i,
		      (unsigned long long)cluster_spread(&u.u, i, &a, g.nr_devs));
	}
	CHECK(ctx, !sp(&g, &a, &u.u, 1, 0, &b), "the same map again");
	CHECK(ctx, check_stable(ctx, &g, &a, &b) == 0, "moved %llu again",
	      (unsigned long long)b.nr_moved);
	swarm_placement_free(&a);
	swarm_placement_free(&b);
	bigup_free(&u);
}

/*
 * Entries that join a cluster (Eq. 9: in no cluster of the live map, in
 * one now), with the live cluster map known: only they move, each into
 * the slot after its cluster's run on its member, which the first map
 * left free; unknown, they may keep their striped slots.
 */
static void case_stable_join(void *ctx)
{
	struct swarm_geom g = tgeom(4, 1000, 1600);
	static struct swarm_placement a, b;
	struct swarm_place_params p = {
		.policy = SWARM_PLACE_COACTIVATION, .max_copies = 1,
	};
	struct bigup u1, u2;
	char *err = NULL;
	u32 i, j;

	CHECK(ctx, bigup_init(&u1, 32, 1000) && bigup_init(&u2, 32, 1000), "alloc");
	for (i = 0; i < 24; i++) {
		bigup_add(&u1, 100 - i, i, 37, 32);
		bigup_add(&u2, 100 - i, i, 37, 32);
		if (i == 0) {	/* cluster 0 gains entries 1500 and 1501 */
			u2.u.members[u2.u.nr_members++] = 1500;
			u2.u.members[u2.u.nr_members++] = 1501;
			u2.u.clusters[0].nr_members += 2;
		}
	}
	CHECK(ctx, !sp(&g, NULL, &u1.u, 1, 0, &a), "first map over striped");
	CHECK(ctx, !swarm_upload_validate(&u2.u, g.nr_entries, &err), "delta");
	p.live_up = &u1.u;
	CHECK(ctx, !swarm_place_stable(&g, &a, &u2.u, &p, &b, &err), "joins: %s", err);
	check_map(ctx, &g, &b, 1, true);
	CHECK(ctx, check_stable(ctx, &g, &a, &b) == 2, "moved %llu, not the 2 joined",
	      (unsigned long long)b.nr_moved);
	for (j = 0; j < 2; j++) {
		struct swarm_loc l[SWARM_MAX_COPIES], o[SWARM_MAX_COPIES];
		u64 last = 0, k;

		copies_of(&b, 1500 + j, l);
		for (k = 0; k < 32; k++) {
			copies_of(&b, k * 37, o);
			if (o[0].dev == l[0].dev)
				last = max_t(u64, last, o[0].slot);
		}
		/* After the run, or after the other joined entry there. */
		CHECK(ctx, l[0].slot == last + 1 || l[0].slot == last + 2,
		      "joined entry %u at slot %llu of member %u, the run ends at %llu",
		      1500 + j, (unsigned long long)l[0].slot, l[0].dev,
		      (unsigned long long)last);
	}
	/* The same map again over it: nothing moves. */
	swarm_placement_free(&a);
	p.live_up = &u2.u;
	CHECK(ctx, !swarm_place_stable(&g, &b, &u2.u, &p, &a, &err), "again");
	CHECK(ctx, check_stable(ctx, &g, &b, &a) == 0, "moved %llu again",
	      (unsigned long long)a.nr_moved);
	swarm_placement_free(&a);
	swarm_placement_free(&b);
	bigup_free(&u1);
	bigup_free(&u2);
}

/* Random changes of random maps keep the crash rule and the invariants. */
static void case_stable_random(void *ctx)
{
	u32 seed = 11, iter;

	for (iter = 0; iter < 150; iter++) {
		u32 n = 1 + iter % 6, maxc = 1 + iter % 3, nc, i, spare = iter % 25;
		u64 entries = 40 + iter % 60;
		struct swarm_geom g = tgeom(n, (entries + n - 1) / n * 4 + iter % 5, entries);
		static struct swarm_placement a, b;
		struct bigup u1, u2;
		int r;

		CHECK(ctx, bigup_init(&u1, 32, 600) && bigup_init(&u2, 32, 600), "alloc");
		nc = 1 + iter % 12;
		for (i = 0; i < nc; i++) {
			seed = seed * 1103515245 + 12345;
			bigup_add(&u1, seed % 100, (seed >> 8) % (entries / 2),
				  1 + (seed >> 20) % 2, 1 + (seed >> 4) % 10);
		}
		/* Keep some clusters, drop some, add some. */
		for (i = 0; i < nc; i++) {
			const struct swarm_cluster *c = &u1.u.clusters[i];

			seed = seed * 1103515245 + 12345;
			if ((seed >> 9) % 4 == 0)
				continue;
			bigup_add(&u2, c->frequency, u1.u.members[c->first],
				  c->nr_members > 1 ? u1.u.members[c->first + 1] -
				  u1.u.members[c->first] : 1, c->nr_members);
		}
		for (i = 0; i < 3; i++) {
			seed = seed * 1103515245 + 12345;
			bigup_add(&u2, seed % 100, (seed >> 8) % (entries / 2), 1,
				  1 + (seed >> 4) % 20);
		}
		r = sp(&g, NULL, &u1.u, maxc, spare, &a);
		CHECK(ctx, !r, "iter %u: first (%d)", iter, r);
		if (!r) {
			check_stable(ctx, &g, NULL, &a);
			r = sp(&g, &a, &u2.u, maxc, spare, &b);
			CHECK(ctx, !r || r == -ENOSPC, "iter %u: change (%d)", iter, r);
			if (!r) {
				static struct swarm_placement c;
				u64 moved = check_stable(ctx, &g, &a, &b), again;
				u32 round;

				check_map(ctx, &g, &b, maxc, true);
				/*
				 * The same map again moves only entries whose
				 * cluster's spread it improves (replicas of
				 * hotter clusters forced a member over the
				 * cap): few, and it settles.
				 */
				for (round = 0; round < 3; round++) {
					r = sp(&g, &b, &u2.u, maxc, spare, &c);
					CHECK(ctx, !r, "iter %u: again (%d)", iter, r);
					if (r)
						break;
					again = check_stable(ctx, &g, &b, &c);
					swarm_placement_free(&b);
					b = c;
					if (!again)
						break;
					CHECK(ctx, again * 3 <= moved + 3,
					      "iter %u: %llu of %llu moved again", iter,
					      (unsigned long long)again,
					      (unsigned long long)moved);
				}
				CHECK(ctx, !r && !again, "iter %u: not settled", iter);
				swarm_placement_free(&b);
			}
			swarm_placement_free(&a);
		}
		bigup_free(&u1);
		bigup_free(&u2);
	}
}

/* Delta uploads: add members, drop clusters, add clusters, weights. */
static void case_merge(void *ctx)
{
	static const u64 m0[] = { 0, 1, 2 }, m1[] = { 10, 11 }, m2[] = { 20, 21 };
	static const u64 add0[] = { 3, 4 }, new3[] = { 30, 31, 32 };
	static const u64 dup0[] = { 2 };
	struct tup *base = swarm_zalloc(1, sizeof(*base));
	struct tup *d = swarm_zalloc(1, sizeof(*d));
	struct swarm_upload out;
	char *err = NULL;
	int r;

	CHECK(ctx, base && d, "alloc");
	if (!base || !d)
		goto out;
	tup_add(base, 0, 5, m0, 3);
	tup_add(base, 1, 6, m1, 2);
	tup_add(base, 2, 7, m2, 2);
	tup_weight(base, 0, 1, 9);	/* leaves with cluster 1 */
	tup_weight(base, 0, 2, 8);
	tup_add(d, 0, 50, add0, 2);	/* members 3, 4 join cluster 0 */
	tup_add(d, 1, 0, m1, 0);	/* drop cluster 1 */
	tup_add(d, 3, 70, new3, 3);	/* a new cluster */
	d->c[0].medoid = 1;
	tup_weight(d, 2, 3, 4);
	r = swarm_upload_merge(&base->u, &d->u, &out, &err);
	CHECK(ctx, !r, "merge: %d %s", r, err);
	if (r)
		goto out;
	CHECK(ctx, !swarm_upload_validate(&out, 100, &err), "merged map valid: %s", err);
	CHECK(ctx, out.nr_clusters == 3 && out.nr_members == 10 && out.nr_weights == 2,
	      "merged %u clusters, %llu members, %u weights", out.nr_clusters,
	      (unsigned long long)out.nr_members, out.nr_weights);
	CHECK(ctx, out.clusters[0].nr_members == 5 && out.members[4] == 4 &&
	      out.clusters[0].medoid == 1 && out.clusters[0].frequency == 50,
	      "cluster 0 grew");
	CHECK(ctx, out.clusters[1].nr_members == 2 && out.members[5] == 20 &&
	      out.clusters[1].frequency == 7, "cluster 2 is now 1");
	CHECK(ctx, out.clusters[2].nr_members == 3 && out.members[7] == 30,
	      "new cluster is 2");
	CHECK(ctx, out.weights[0].a == 0 && out.weights[0].b == 1 &&
	      out.weights[1].a == 1 && out.weights[1].b == 2, "weights renumbered");
	swarm_upload_free(&out);

	/* Errors, with the errnos of whole maps. */
	d->c[2].id = 5;		/* one new cluster: ids up to 3 */
	CHECK(ctx, swarm_upload_merge(&base->u, &d->u, &out, &err) == -ERANGE,
	      "id out of range");
	d->c[2].id = 0;
	CHECK(ctx, swarm_upload_merge(&base->u, &d->u, &out, &err) == -EEXIST,
	      "two records of one cluster");
	d->c[2].id = 3;
	d->c[2].nr_members = 0;
	d->u.nr_members -= 3;
	CHECK(ctx, swarm_upload_merge(&base->u, &d->u, &out, &err) == -EINVAL,
	      "new empty cluster");
	d->c[2].nr_members = 3;
	d->u.nr_members += 3;
	d->w[0].b = 1;		/* cluster 1 is dropped */
	CHECK(ctx, swarm_upload_merge(&base->u, &d->u, &out, &err) == -ERANGE,
	      "weight names a dropped cluster");
	d->w[0].b = 2;
	d->w[0].a = 2;
	CHECK(ctx, swarm_upload_merge(&base->u, &d->u, &out, &err) == -EINVAL,
	      "weight of a cluster with itself");
	d->w[0].a = 3;
	/* Member 2 twice in cluster 0: the merged map is refused. */
	memset(d, 0, sizeof(*d));
	tup_add(d, 0, 5, dup0, 1);
	CHECK(ctx, !swarm_upload_merge(&base->u, &d->u, &out, &err), "merge dup");
	CHECK(ctx, swarm_upload_validate(&out, 100, &err) == -EEXIST, "dup member");
	swarm_upload_free(&out);
	/* Every cluster dropped. */
	memset(d, 0, sizeof(*d));
	tup_add(d, 0, 0, m0, 0);
	tup_add(d, 1, 0, m0, 0);
	tup_add(d, 2, 0, m0, 0);
	CHECK(ctx, swarm_upload_merge(&base->u, &d->u, &out, &err) == -EINVAL,
	      "no cluster left");
out:
	swarm_free(base);
	swarm_free(d);
}

#endif /* DM_SWARM_STABLE_CASES_H */
