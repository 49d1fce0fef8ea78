// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of online adaptation's pure part (lib/adapt.c): Eq. 9 joins on a
 * trace with known new-entry groups, the drift measure, deltas from a
 * re-clustering, the merge as the kernel does it, the map writer.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/adapt.h"
#include "lib/trace.h"
#include "lib/util.h"
#include "utest.h"

#define NC	6	/* live clusters: members 10c .. 10c+9, medoid 10c */

/* The live map: NC clusters of 10 consecutive entries. */
static void live_map(struct swarm_map *m)
{
	char text[4096];
	size_t n = 0;
	FILE *f;
	int c, i;

	for (c = 0; c < NC; c++) {
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%d %d %d", c,
				      10 * c, 100 + c);
		for (i = 0; i < 10; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n, " %d",
					      10 * c + i);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "\n");
	}
	n += (size_t)snprintf(text + n, sizeof(text) - n, "weight 0 1 5\n");
	f = fmemopen(text, n, "r");
	EXPECT(f && !swarm_map_parse_stream(f, "live", m, NULL, 0), "map");
	if (f)
		fclose(f);
}

static void add(uint64_t *ids, size_t *n, uint64_t first, int count)
{
	int i;

	for (i = 0; i < count; i++)
		ids[(*n)++] = first + (uint64_t)i;
}

/*
 * 400 steps, each activating two random clusters (all their members).
 * New entries: group A (100..104) arrives at step 50 and is read in
 * every step that activates cluster 1; group B (200..203) at step 100,
 * read in 90% of the steps of cluster 4; group C (300, 301) with cluster
 * 0 and with cluster 2. Noise: 3 of the entries 500..599 each step.
 * With @shuffle, every step reads 20 random clustered entries instead of
 * whole clusters (drift).
 */
static void make_trace(struct swarm_trace *t, bool shuffle)
{
	struct swarm_rng rng;
	uint64_t ids[128];
	int s, i;

	swarm_trace_init(t);
	swarm_rng_seed(&rng, 7);
	for (s = 0; s < 400; s++) {
		size_t n = 0;
		int a = (int)swarm_rng_below(&rng, NC);
		int b = (a + 1 + (int)swarm_rng_below(&rng, NC - 1)) % NC;

		if (shuffle) {
			for (i = 0; i < 20; i++)
				ids[n++] = swarm_rng_below(&rng, 10 * NC);
		} else {
			add(ids, &n, 10 * (uint64_t)a, 10);
			add(ids, &n, 10 * (uint64_t)b, 10);
			if (s >= 50 && (a == 1 || b == 1))
				add(ids, &n, 100, 5);
			if (s >= 100 && (a == 4 || b == 4) &&
			    swarm_rng_double(&rng) < 0.9)
				add(ids, &n, 200, 4);
			if (a == 0 || b == 0 || a == 2 || b == 2)
				add(ids, &n, 300, 2);
		}
		for (i = 0; i < 3; i++)
			ids[n++] = 500 + swarm_rng_below(&rng, 100);
		EXPECT(!swarm_trace_add_step(t, ids, n), "add step");
	}
}

/* The cluster @e joined in @r (-1: none; -2: more than one). */
static int joined(const struct swarm_adapt_result *r, uint64_t e)
{
	int c = -1;
	size_t i;

	for (i = 0; i < r->nr_joins; i++)
		if (r->joins[i].entry == e)
			c = c == -1 ? (int)r->joins[i].cluster : -2;
	return c;
}

static void groups_join(void)
{
	struct swarm_adapt_opts o;
	struct swarm_adapt_result r;
	struct swarm_map m;
	struct swarm_trace t;
	uint64_t e;

	live_map(&m);
	make_trace(&t, false);
	swarm_adapt_defaults(&o);
	o.window = 0;
	EXPECT(!swarm_adapt_eval(&m, &t, &o, &r), "eval");
	EXPECT(r.steps == 400, "steps %llu", (unsigned long long)r.steps);
	for (e = 100; e < 105; e++)
		EXPECT(joined(&r, e) == 1, "entry %llu joined %d, not 1",
		       (unsigned long long)e, joined(&r, e));
	for (e = 200; e < 204; e++)
		EXPECT(joined(&r, e) == 4, "entry %llu joined %d, not 4",
		       (unsigned long long)e, joined(&r, e));
	/* C: d = 0 to both 0 and 2; one join, the lower id on a tie. */
	EXPECT(joined(&r, 300) == 0 && joined(&r, 301) == 0, "C %d %d",
	       joined(&r, 300), joined(&r, 301));
	for (e = 500; e < 600; e++)
		EXPECT(joined(&r, e) == -1, "noise %llu joined %d",
		       (unsigned long long)e, joined(&r, e));
	EXPECT(r.nr_joins == 11, "joins %zu", r.nr_joins);
	/* The joins bring the drift down to the noise's share. */
	{
		struct swarm_adapt_result r2;
		struct swarm_map d, m2;

		EXPECT(!swarm_adapt_join_delta(&m, r.joins, r.nr_joins, &d) &&
		       !swarm_adapt_merge(&m, &d, &m2), "merge");
		EXPECT(!swarm_adapt_eval(&m2, &t, &o, &r2), "eval after");
		EXPECT(r2.nr_joins == 0 && r2.drift < r.drift &&
		       r2.drift < 0.15, "drift %.3f -> %.3f", r.drift, r2.drift);
		swarm_adapt_result_free(&r2);
		swarm_map_free(&d);
		swarm_map_free(&m2);
	}
	/* Watched: the 11 new entries and the noise entries read. */
	EXPECT(r.watched > 11 + 90 && r.watched <= 111, "watched %llu",
	       (unsigned long long)r.watched);
	/* A's distance: read in every step of cluster 1 since arrival. */
	EXPECT(r.joins[0].entry == 100 && r.joins[0].d == 0 &&
	       r.joins[0].f == r.joins[0].w && r.joins[0].f > 50,
	       "A: f %u w %u", r.joins[0].f, r.joins[0].w);
	swarm_adapt_result_free(&r);

	/* Both clusters of C with max_joins 2. */
	o.max_joins = 2;
	EXPECT(!swarm_adapt_eval(&m, &t, &o, &r), "eval 2");
	EXPECT(joined(&r, 300) == -2 && r.nr_joins == 13, "C twice: %zu",
	       r.nr_joins);
	swarm_adapt_result_free(&r);
	swarm_trace_free(&t);
	swarm_map_free(&m);
}

/* The paper's W: A is read in about a third of its steps, B less. */
static void window_norm(void)
{
	struct swarm_adapt_opts o;
	struct swarm_adapt_result r;
	struct swarm_map m;
	struct swarm_trace t;
	uint64_t e;

	live_map(&m);
	make_trace(&t, false);
	swarm_adapt_defaults(&o);
	o.window = 0;
	o.norm = SWARM_ADAPT_NORM_WINDOW;
	EXPECT(!swarm_adapt_eval(&m, &t, &o, &r), "eval");
	EXPECT(r.nr_joins == 0, "tau 0.5: %zu joins", r.nr_joins);
	swarm_adapt_result_free(&r);
	o.tau = 0.75;
	EXPECT(!swarm_adapt_eval(&m, &t, &o, &r), "eval");
	for (e = 100; e < 105; e++)
		EXPECT(joined(&r, e) == 1, "entry %llu joined %d",
		       (unsigned long long)e, joined(&r, e));
	for (e = 500; e < 600; e++)
		EXPECT(joined(&r, e) == -1, "noise %llu joined %d",
		       (unsigned long long)e, joined(&r, e));
	swarm_adapt_result_free(&r);
	swarm_trace_free(&t);
	swarm_map_free(&m);
}

/* A window of the last W steps: B arrived before it, A too. */
static void window_steps(void)
{
	struct swarm_adapt_opts o;
	struct swarm_adapt_result r;
	struct swarm_map m;
	struct swarm_trace t;

	live_map(&m);
	make_trace(&t, false);
	swarm_adapt_defaults(&o);
	o.window = 100;
	EXPECT(!swarm_adapt_eval(&m, &t, &o, &r), "eval");
	EXPECT(r.steps == 100, "steps");
	EXPECT(joined(&r, 100) == 1 && joined(&r, 203) == 4, "joins");
	swarm_adapt_result_free(&r);
	/* Too few steps for min_co: nothing joins. */
	o.window = 2;
	EXPECT(!swarm_adapt_eval(&m, &t, &o, &r), "eval");
	EXPECT(r.nr_joins == 0, "2 steps: %zu joins", r.nr_joins);
	swarm_adapt_result_free(&r);
	swarm_trace_free(&t);
	swarm_map_free(&m);
}

static void drift(void)
{
	struct swarm_adapt_opts o;
	struct swarm_adapt_result r;
	struct swarm_map m;
	struct swarm_trace t;
	double d;

	live_map(&m);
	swarm_adapt_defaults(&o);
	o.window = 0;
	make_trace(&t, false);
	EXPECT(!swarm_adapt_eval(&m, &t, &o, &r), "eval");
	/* Only the new entries and the noise are not co-located. */
	d = (double)(r.reads - r.colocated) / (double)r.reads;
	EXPECT(fabs(r.drift - d) < 1e-9 && r.drift > 0.05 && r.drift < 0.3, "drift %.3f",
	       r.drift);
	swarm_adapt_result_free(&r);
	swarm_trace_free(&t);
	make_trace(&t, true);
	EXPECT(!swarm_adapt_eval(&m, &t, &o, &r), "eval");
	/* 20 random reads over 6 clusters still pair up often: */
	EXPECT(r.drift > 0.1 && r.drift < 0.5, "shuffled drift %.3f", r.drift);
	swarm_adapt_result_free(&r);
	swarm_trace_free(&t);
	swarm_map_free(&m);
}

static void join_delta_merge(void)
{
	struct swarm_adapt_join j[3] = {
		{ .entry = 100, .cluster = 1 }, { .entry = 101, .cluster = 1 },
		{ .entry = 200, .cluster = 4 },
	};
	struct swarm_map m, d, out, back;
	char path[] = "/tmp/test-adapt-XXXXXX", err[SWARM_ERR_MAX];
	int fd;

	live_map(&m);
	EXPECT(!swarm_adapt_join_delta(&m, j, 3, &d), "delta");
	EXPECT(d.nr_clusters == 2 && d.clusters[0].id == 1 &&
	       d.clusters[0].nr_members == 2 && d.clusters[0].medoid == 10 &&
	       d.clusters[0].frequency == 101 && d.clusters[1].id == 4 &&
	       d.members[d.clusters[1].first] == 200, "delta records");
	EXPECT(!swarm_adapt_merge(&m, &d, &out), "merge");
	EXPECT(out.nr_clusters == NC && out.nr_members == 10 * NC + 3 &&
	       out.clusters[1].nr_members == 12 &&
	       out.members[out.clusters[1].first + 11] == 101 &&
	       out.nr_weights == 1, "merged");
	fd = mkstemp(path);
	EXPECT(fd >= 0, "mkstemp");
	close(fd);
	EXPECT(!swarm_map_write(&out, path, "test", err, sizeof(err)), "%s", err);
	EXPECT(!swarm_map_parse_file(path, &back, err, sizeof(err)), "%s", err);
	EXPECT(back.nr_clusters == NC && back.nr_members == out.nr_members &&
	       back.nr_weights == 1, "written map reads back");
	unlink(path);
	swarm_map_free(&back);
	swarm_map_free(&out);
	swarm_map_free(&d);

	/* A drop and a new cluster: renumbered, the weight goes with 0. */
	{
		uint64_t mem[2] = { 700, 701 };

		memset(&d, 0, sizeof(d));
		d.clusters = calloc(2, sizeof(*d.clusters));
		d.members = mem;
		d.nr_clusters = 2;
		d.clusters[0].id = 0;		/* drop */
		d.clusters[1] = (struct swarm_map_cluster){
			.id = NC, .medoid = 700, .frequency = 3,
			.nr_members = 2,
		};
		EXPECT(!swarm_adapt_merge(&m, &d, &out), "merge 2");
		EXPECT(out.nr_clusters == NC && out.clusters[0].medoid == 10 &&
		       out.clusters[NC - 1].medoid == 700 && !out.nr_weights,
		       "drop and add");
		swarm_map_free(&out);
		d.clusters[1].id = NC + 1;
		EXPECT(swarm_adapt_merge(&m, &d, &out) == -ERANGE, "gap");
		free(d.clusters);
	}
	swarm_map_free(&m);
}

static void recluster(void)
{
	/* New clusters: 1's members and 3 new ones (grows 1); 4 new
	 * entries and one of 5's (a new cluster); half of 2, half of 3
	 * (nothing: they are there, split otherwise).
	 */
	uint32_t members[] = {
		10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 900, 901, 902,
		800, 801, 802, 803, 50,
		20, 21, 30, 31,
	};
	uint64_t first[] = { 0, 13, 18, 22 };
	uint32_t medoid[] = { 10, 800, 20 };
	uint64_t freq[] = { 9, 8, 7 };
	struct swarm_map m, d;
	uint64_t am;
	uint32_t ac;

	live_map(&m);
	EXPECT(!swarm_adapt_recluster_delta(&m, 3, first, members, medoid,
					    freq, &d, &am, &ac), "delta");
	EXPECT(am == 3 + 5 && ac == 1, "added %llu members, %u clusters",
	       (unsigned long long)am, ac);
	EXPECT(d.nr_clusters == 2 && d.clusters[0].id == 1 &&
	       d.clusters[0].nr_members == 3 &&
	       d.members[d.clusters[0].first] == 900 &&
	       d.clusters[1].id == NC && d.clusters[1].medoid == 800 &&
	       d.clusters[1].nr_members == 5, "records");
	swarm_map_free(&d);
	swarm_map_free(&m);
}

/* Cluster 3 loses half its members (35..39 no longer read with 30). */
static void refresh(void)
{
	struct swarm_adapt_opts o;
	struct swarm_map m, d, out;
	struct swarm_trace t;
	uint64_t ids[32], st;
	uint32_t rf;
	size_t n;
	int s, c;

	live_map(&m);
	swarm_trace_init(&t);
	for (s = 0; s < 60; s++) {
		c = s % NC;
		n = 0;
		add(ids, &n, 10 * (uint64_t)c, c == 3 ? 5 : 10);
		if (c == 4 && s % 12 == 4)
			add(ids, &n, 35, 5);	/* now and then, not with 30 */
		EXPECT(!swarm_trace_add_step(&t, ids, n), "step");
	}
	swarm_adapt_defaults(&o);
	EXPECT(!swarm_adapt_refresh_delta(&m, &t, &o, 0.25, &d, &st, &rf),
	       "refresh");
	EXPECT(rf == 1 && st == 5 && d.nr_clusters == 2 &&
	       d.clusters[0].id == 3 && !d.clusters[0].nr_members &&
	       d.clusters[1].id == NC && d.clusters[1].medoid == 30 &&
	       d.clusters[1].nr_members == 5, "refreshed %u, %llu stale", rf,
	       (unsigned long long)st);
	EXPECT(!swarm_adapt_merge(&m, &d, &out), "merge");
	EXPECT(out.nr_clusters == NC && out.nr_members == 10 * NC - 5 &&
	       out.clusters[NC - 1].medoid == 30 && out.clusters[3].medoid == 40,
	       "merged: renumbered");
	swarm_map_free(&out);
	swarm_map_free(&d);
	/* Half stale is not more than 0.5: nothing. */
	EXPECT(!swarm_adapt_refresh_delta(&m, &t, &o, 0.5, &d, &st, &rf) &&
	       !rf && !d.nr_clusters, "0.5");
	swarm_map_free(&d);
	swarm_trace_free(&t);
	swarm_map_free(&m);
}

int main(void)
{
	static const struct utest_case cases[] = {
		{ "groups_join", groups_join },
		{ "window_norm", window_norm },
		{ "window_steps", window_steps },
		{ "drift", drift },
		{ "join_delta_merge", join_delta_merge },
		{ "recluster", recluster },
		{ "refresh", refresh },
	};

	return utest_run("adapt", cases, ARRAY_SIZE(cases));
}
