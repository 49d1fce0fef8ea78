// SPDX-License-Identifier: GPL-2.0-only
/*
 * A drift benchmark of online adaptation, in user space: a simulation
 * with the I/O model of cluster/sim.c (the one of "swarmctl cluster
 * --report"), not a measurement. Prints figures; not a test.
 *
 * The workload: G groups of S entries (random ids out of N); each step
 * reads A random groups whole. From step DRIFT_AT on, every step one
 * group swaps a member for an entry of no group (a drifting trace); and
 * every step GROW groups gain a new entry (ids from N on: new tokens, a
 * growing trace). Three maps, each laid out with Eq. 7 (clusters in
 * order, loose entries striped after them):
 *  - static: the true groups at step 0, never changed;
 *  - adapt: the same start; every PERIOD steps what swarmctl adapt does
 *    (lib/adapt.c: Eq. 9 joins over the last WINDOW steps, then above
 *    the drift threshold a re-clustering of the window as a delta);
 *  - fresh: every PERIOD steps a fresh full re-clustering (swarmctl
 *    cluster's Algorithm 1, defaults) of the whole trace so far: the
 *    oracle of adaptation as issue 14 names it (of the last 200 steps
 *    alone it does far worse: cold groups read once or never in them
 *    fall apart);
 *  - true: every PERIOD steps the true groups of that step (what a
 *    perfect re-clustering would find; no real clustering knows them).
 * Per PERIOD steps the mean I/O time per step of each; and what the new
 * entries cost, placed by adapt against striped (static): the I/O time
 * they add to their steps (a step's time with them less its time
 * without them; how they are read: with their clusters), and the time
 * of reading them alone.
 *
 * adapt-sim --out DIR also writes what a measurement on a live device
 * needs (tests/vm/benches/drift.sh, make bench): DIR/drift.trace (the
 * whole trace, text), DIR/static.map (the map of step 0) and, for every
 * PERIOD steps, DIR/fresh-<S>.map, the fresh full re-clustering of steps
 * [0, S) (made here: Algorithm 1 over the whole trace is too slow in an
 * emulated CPU); and, for the steps after the drift, DIR/drift-new.trace
 * (each step's new entries alone; steps without any left out),
 * DIR/drift-old.trace (the same steps without them) and
 * DIR/drift-sub.trace (the same steps whole).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "cluster/sim.h"
#include "lib/adapt.h"
#include "lib/util.h"

#define N	40000
#define G	400
#define S	32
#define A	8
#define STEPS	1200
#define DRIFT_AT	400
#define GROW	2
#define PERIOD	50
#define WINDOW	200
#define MAXID	(N + STEPS * GROW + 1)

static uint32_t grp[G][S * 8];
static uint32_t gsize[G];
static bool in_group[MAXID];
static uint64_t refreshed, stale;

/* A map from clusters in arrays (medoid first), as struct swarm_map. */
static void map_from(struct swarm_map *m, uint32_t nr, const uint64_t *first,
		     const uint32_t *members, const uint32_t *medoid,
		     const uint64_t *freq)
{
	uint32_t k;
	uint64_t i;

	memset(m, 0, sizeof(*m));
	m->clusters = calloc(nr + 1, sizeof(*m->clusters));
	m->members = malloc((first[nr] + 1) * sizeof(*m->members));
	m->nr_clusters = nr;
	m->nr_members = first[nr];
	for (k = 0; k < nr; k++) {
		m->clusters[k] = (struct swarm_map_cluster){
			.id = k, .nr_members = (uint32_t)(first[k + 1] - first[k]),
			.medoid = medoid[k], .frequency = freq ? freq[k] : 1,
			.first = first[k],
		};
		for (i = first[k]; i < first[k + 1]; i++)
			m->members[i] = members[i];
	}
}

/* Eq. 7 layout of @m: loc[e] for every entry (its first copy). */
static void layout(const struct swarm_sim_model *sm, const struct swarm_map *m,
		   uint64_t *loc)
{
	uint64_t *first = malloc((m->nr_clusters + 1) * sizeof(*first));
	uint64_t *mloc = malloc((m->nr_members + 1) * sizeof(*mloc));
	uint64_t *lloc = malloc(MAXID * sizeof(*lloc)), nl = 0, e, i;
	uint32_t *loose = malloc(MAXID * sizeof(*loose));
	static bool placed[MAXID];
	uint32_t k;

	memset(placed, 0, sizeof(placed));
	for (k = 0; k < m->nr_clusters; k++)
		first[k] = m->clusters[k].first;
	first[m->nr_clusters] = m->nr_members;
	for (e = 0; e < MAXID; e++)
		placed[e] = false;
	for (i = 0; i < m->nr_members; i++)
		placed[m->members[i]] = true;
	for (e = 0; e < MAXID; e++)
		if (!placed[e])
			loose[nl++] = (uint32_t)e;
	swarm_sim_eq7(sm, m->nr_clusters, first, mloc, nl, lloc);
	memset(placed, 0, sizeof(placed));
	for (i = 0; i < m->nr_members; i++)
		if (!placed[m->members[i]]) {
			placed[m->members[i]] = true;
			loc[m->members[i]] = mloc[i];
		}
	for (i = 0; i < nl; i++)
		loc[loose[i]] = lloc[i];
	free(first);
	free(mloc);
	free(lloc);
	free(loose);
}

/* What the new entries cost a step. */
enum which { ALL, NEW_ALONE, NEW_ADDED };

/*
 * The I/O time of reading @ids under @loc: all of them, the new ones
 * (ids >= N) alone, or what the new ones add to the step (the time of
 * all less the time without them).
 */
static double cost(const struct swarm_sim_model *sm, const uint64_t *loc,
		   const uint32_t *ids, size_t n, enum which w)
{
	uint64_t *l = malloc((n + 1) * sizeof(*l));
	size_t i, k = 0;
	double t;

	for (i = 0; i < n; i++)
		if (w == ALL || (w == NEW_ALONE) == (ids[i] >= N))
			l[k++] = loc[ids[i]];
	t = k ? swarm_sim_cost(sm, l, k).time : 0;
	if (w == NEW_ADDED) {
		for (i = 0, k = 0; i < n; i++)
			l[k++] = loc[ids[i]];
		t = swarm_sim_cost(sm, l, k).time - t;
	}
	free(l);
	return t;
}

/* The last @w steps of @all as a trace. */
static void window(const struct swarm_trace *all, uint64_t w,
		   struct swarm_trace *t)
{
	uint64_t s = all->nr_steps > w ? all->nr_steps - w : 0, i, buf[S * A * 8];

	swarm_trace_init(t);
	for (; s < all->nr_steps; s++) {
		uint64_t n = all->off[s + 1] - all->off[s];

		for (i = 0; i < n; i++)
			buf[i] = all->ids[all->off[s] + i];
		swarm_trace_add_step(t, buf, n);
	}
}

static void adapt_step(struct swarm_map *m, const struct swarm_trace *w,
		       uint64_t *joined, uint64_t *recl)
{
	struct swarm_adapt_opts o;
	struct swarm_adapt_result r;
	struct swarm_map d, out;

	swarm_adapt_defaults(&o);
	o.window = 0;
	if (swarm_adapt_eval(m, w, &o, &r))
		exit(1);
	if (r.nr_joins && !swarm_adapt_join_delta(m, r.joins, r.nr_joins, &d)) {
		if (!swarm_adapt_merge(m, &d, &out)) {
			swarm_map_free(m);
			*m = out;
			*joined += r.nr_joins;
		}
		swarm_map_free(&d);
	}
	swarm_adapt_result_free(&r);
	{
		uint64_t st;
		uint32_t rf;

		if (!swarm_adapt_refresh_delta(m, w, &o, 0.1, &d, &st, &rf)) {
			if (d.nr_clusters && !swarm_adapt_merge(m, &d, &out)) {
				swarm_map_free(m);
				*m = out;
				refreshed += rf;
				stale += st;
			}
			swarm_map_free(&d);
		}
	}
	if (swarm_adapt_eval(m, w, &o, &r))
		exit(1);
	if (r.drift > 0.5) {
		struct swarm_cluster_opts co;
		struct swarm_clusters c;
		uint64_t am;
		uint32_t ac;

		swarm_cluster_defaults(&co);
		if (!swarm_cluster(w, &co, &c, NULL, 0)) {
			if (!swarm_adapt_recluster_delta(m, c.nr, c.first,
							 c.members, c.medoid,
							 c.freq, &d, &am, &ac)) {
				if (d.nr_clusters && !swarm_adapt_merge(m, &d, &out)) {
					swarm_map_free(m);
					*m = out;
					(*recl)++;
				}
				swarm_map_free(&d);
			}
			swarm_clusters_free(&c);
		}
	}
	swarm_adapt_result_free(&r);
}

/* A fresh full re-clustering of @t, the whole trace so far. */
static void fresh_step(struct swarm_map *m, const struct swarm_trace *t)
{
	struct swarm_cluster_opts co;
	struct swarm_clusters c;

	swarm_cluster_defaults(&co);
	if (swarm_cluster(t, &co, &c, NULL, 0))
		exit(1);
	swarm_map_free(m);
	map_from(m, c.nr, c.first, c.members, c.medoid, c.freq);
	swarm_clusters_free(&c);
}

/* The true groups of now (a perfect re-clustering). */
static void oracle_step(struct swarm_map *m)
{
	uint64_t first[G + 1], n = 0;
	uint32_t *mem = malloc(G * S * 8 * sizeof(*mem)), medoid[G], g, i;

	for (g = 0; g < G; g++) {
		first[g] = n;
		medoid[g] = grp[g][0];
		for (i = 0; i < gsize[g]; i++)
			mem[n++] = grp[g][i];
	}
	first[G] = n;
	swarm_map_free(m);
	map_from(m, G, first, mem, medoid, NULL);
	free(mem);
}

/* Write @m to DIR/@name (adapt-sim --out). */
static void save_map(const char *dir, const struct swarm_map *m,
		     const char *name)
{
	char path[4096], err[256];

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (swarm_map_write(m, path, "adapt-sim", err, sizeof(err))) {
		fprintf(stderr, "adapt-sim: %s\n", err);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *out = argc == 3 && !strcmp(argv[1], "--out") ? argv[2] : NULL;
	static uint64_t loc_s[MAXID], loc_a[MAXID], loc_f[MAXID], loc_o[MAXID];
	struct swarm_sim_model sm = {
		.nr_devs = 4, .bw = 50.0 * 1024 * 1024, .iops = 2000,
		.entry_size = 4096, .max_io = 131072,
	};
	struct swarm_map ms, ma, mf, mo;
	struct swarm_trace all, w;
	struct swarm_rng rng;
	uint32_t *perm = malloc(N * sizeof(*perm)), nextid = N, g, i;
	uint64_t first[G + 1], *members = NULL, joined = 0, recl = 0, s;
	uint32_t medoid[G], *mem32;
	/* Per period (t*) and after the drift (s*): static, adapt, fresh, true. */
	double ts = 0, ta = 0, tf = 0, to = 0, ss = 0, sa = 0, sf = 0, so = 0;
	/* New entries: added to their steps, read alone; striped, adapt. */
	double ns = 0, na = 0, nsum_s = 0, nsum_a = 0, alone_s = 0, alone_a = 0;

	swarm_rng_seed(&rng, 11);
	for (i = 0; i < N; i++)
		perm[i] = i;
	for (i = N - 1; i > 0; i--) {
		uint32_t j = (uint32_t)swarm_rng_below(&rng, i + 1), x = perm[i];

		perm[i] = perm[j];
		perm[j] = x;
	}
	mem32 = malloc(G * S * sizeof(*mem32));
	for (g = 0; g < G; g++) {
		gsize[g] = S;
		first[g] = (uint64_t)g * S;
		for (i = 0; i < S; i++) {
			grp[g][i] = perm[g * S + i];
			in_group[grp[g][i]] = true;
			mem32[g * S + i] = grp[g][i];
		}
		medoid[g] = grp[g][0];
	}
	first[G] = (uint64_t)G * S;
	(void)members;
	map_from(&ms, G, first, mem32, medoid, NULL);
	map_from(&ma, G, first, mem32, medoid, NULL);
	map_from(&mf, G, first, mem32, medoid, NULL);
	map_from(&mo, G, first, mem32, medoid, NULL);
	if (argc != 1 && !out) {
		fprintf(stderr, "usage: adapt-sim [--out DIR]\n");
		return 2;
	}
	save_map(out, &ms, "static.map");
	layout(&sm, &ms, loc_s);
	layout(&sm, &ma, loc_a);
	layout(&sm, &mf, loc_f);
	layout(&sm, &mo, loc_o);
	swarm_trace_init(&all);
	printf("# drift benchmark (simulated: cluster/sim.c's model, 4 devices, "
	       "50 MiB/s, 2000 IOPS, 4 KiB entries)\n");
	printf("# %d groups of %d of %d entries, %d groups a step; drift from "
	       "step %d (a member a step), %d new entries a step\n", G, S, N,
	       A, DRIFT_AT, GROW);
	printf("# I/O time per step (ms); new: the time the new entries add to their steps\n");
	printf("# steps      static     adapt     fresh      true  new: striped   adapt\n");
	for (s = 0; s < STEPS; s++) {
		uint64_t ids[S * A * 8];
		uint32_t ids32[S * A * 8];
		size_t n = 0, k;
		uint32_t picked[A];

		if (s >= DRIFT_AT) {
			uint32_t e;

			g = (uint32_t)swarm_rng_below(&rng, G);
			do
				e = perm[G * S + swarm_rng_below(&rng, N - G * S)];
			while (in_group[e]);
			k = 1 + swarm_rng_below(&rng, gsize[g] - 1);
			in_group[grp[g][k]] = false;
			grp[g][k] = e;
			in_group[e] = true;
		}
		for (i = 0; i < GROW; i++) {
			g = (uint32_t)swarm_rng_below(&rng, G);
			if (gsize[g] < S * 8)
				grp[g][gsize[g]++] = nextid++;
		}
		for (i = 0; i < A; i++) {
			uint32_t j;
			bool dup;

			do {
				g = (uint32_t)swarm_rng_below(&rng, G / 4) +
				    (swarm_rng_double(&rng) < 0.5 ? 0 :
				     (uint32_t)swarm_rng_below(&rng, G - G / 4));
				dup = false;
				for (j = 0; j < i; j++)
					dup |= picked[j] == g;
			} while (dup);
			picked[i] = g;
			for (k = 0; k < gsize[g]; k++)
				ids[n++] = grp[g][k];
		}
		swarm_trace_add_step(&all, ids, n);
		for (k = 0; k < n; k++)
			ids32[k] = (uint32_t)ids[k];
		ts += cost(&sm, loc_s, ids32, n, ALL);
		ta += cost(&sm, loc_a, ids32, n, ALL);
		tf += cost(&sm, loc_f, ids32, n, ALL);
		to += cost(&sm, loc_o, ids32, n, ALL);
		ns += cost(&sm, loc_s, ids32, n, NEW_ADDED);
		na += cost(&sm, loc_a, ids32, n, NEW_ADDED);
		if (s >= DRIFT_AT) {
			alone_s += cost(&sm, loc_s, ids32, n, NEW_ALONE);
			alone_a += cost(&sm, loc_a, ids32, n, NEW_ALONE);
		}
		if ((s + 1) % PERIOD == 0) {
			printf("%5" PRIu64 "-%-5" PRIu64 "  %8.2f  %8.2f  %8.2f  %8.2f  %12.2f  %6.2f\n",
			       s + 1 - PERIOD, s, 1000 * ts / PERIOD,
			       1000 * ta / PERIOD, 1000 * tf / PERIOD,
			       1000 * to / PERIOD, 1000 * ns / PERIOD,
			       1000 * na / PERIOD);
			if (s >= DRIFT_AT) {
				ss += ts;
				sa += ta;
				sf += tf;
				so += to;
				nsum_s += ns;
				nsum_a += na;
			}
			ts = ta = tf = to = ns = na = 0;
			window(&all, WINDOW, &w);
			adapt_step(&ma, &w, &joined, &recl);
			fresh_step(&mf, &all);
			if (out) {
				char name[64];

				snprintf(name, sizeof(name), "fresh-%" PRIu64 ".map", s + 1);
				save_map(out, &mf, name);
			}
			oracle_step(&mo);
			swarm_trace_free(&w);
			layout(&sm, &ma, loc_a);
			layout(&sm, &mf, loc_f);
			layout(&sm, &mo, loc_o);
		}
	}
	printf("figure: after the drift (steps %d-%d), I/O time per step: "
	       "static %.2f ms, adapt %.2f ms, fresh full re-clustering %.2f ms, "
	       "true groups %.2f ms; adapt/fresh %.2fx, adapt/true %.2fx\n",
	       DRIFT_AT, STEPS - 1, 1000 * ss / (STEPS - DRIFT_AT),
	       1000 * sa / (STEPS - DRIFT_AT), 1000 * sf / (STEPS - DRIFT_AT),
	       1000 * so / (STEPS - DRIFT_AT), sf > 0 ? sa / sf : 0,
	       so > 0 ? sa / so : 0);
	printf("figure: new entries (ids >= %d), I/O time they add to their "
	       "steps: striped %.2f ms, placed by adapt %.2f ms a step: %.2fx "
	       "less; read alone: striped %.2f ms, adapt %.2f ms (%.2fx)\n", N,
	       1000 * nsum_s / (STEPS - DRIFT_AT),
	       1000 * nsum_a / (STEPS - DRIFT_AT),
	       nsum_a > 0 ? nsum_s / nsum_a : 0,
	       1000 * alone_s / (STEPS - DRIFT_AT),
	       1000 * alone_a / (STEPS - DRIFT_AT),
	       alone_a > 0 ? alone_s / alone_a : 0);
	printf("figure: adapt joined %" PRIu64 " entries, refreshed %" PRIu64
	       " clusters without %" PRIu64 " stale members, re-clustered %"
	       PRIu64 " times; map: %" PRIu32 " clusters, %" PRIu64
	       " members\n", joined, refreshed, stale, recl, ma.nr_clusters,
	       ma.nr_members);
	if (out) {
		char path[4096], err[256];
		struct swarm_trace tn, to, ts;
		uint64_t buf[2][S * A * 8], whole[S * A * 8];

		snprintf(path, sizeof(path), "%s/drift.trace", out);
		if (swarm_trace_write(&all, path, false, "adapt-sim", err,
				      sizeof(err))) {
			fprintf(stderr, "adapt-sim: %s\n", err);
			return 1;
		}
		swarm_trace_init(&tn);
		swarm_trace_init(&to);
		swarm_trace_init(&ts);
		for (s = DRIFT_AT; s < all.nr_steps; s++) {
			uint64_t k, n[2] = { 0, 0 }, e;

			for (k = all.off[s]; k < all.off[s + 1]; k++) {
				e = all.ids[k];
				buf[e >= N][n[e >= N]++] = e;
			}
			if (!n[1])
				continue;
			swarm_trace_add_step(&to, buf[0], n[0]);
			swarm_trace_add_step(&tn, buf[1], n[1]);
			memcpy(whole, buf[0], n[0] * sizeof(*whole));
			memcpy(whole + n[0], buf[1], n[1] * sizeof(*whole));
			swarm_trace_add_step(&ts, whole, n[0] + n[1]);
		}
		snprintf(path, sizeof(path), "%s/drift-new.trace", out);
		if (swarm_trace_write(&tn, path, false, "adapt-sim: new entries",
				      err, sizeof(err))) {
			fprintf(stderr, "adapt-sim: %s\n", err);
			return 1;
		}
		snprintf(path, sizeof(path), "%s/drift-old.trace", out);
		if (swarm_trace_write(&to, path, false, "adapt-sim: without them",
				      err, sizeof(err))) {
			fprintf(stderr, "adapt-sim: %s\n", err);
			return 1;
		}
		snprintf(path, sizeof(path), "%s/drift-sub.trace", out);
		if (swarm_trace_write(&ts, path, false, "adapt-sim: those steps",
				      err, sizeof(err))) {
			fprintf(stderr, "adapt-sim: %s\n", err);
			return 1;
		}
		swarm_trace_free(&tn);
		swarm_trace_free(&to);
		swarm_trace_free(&ts);
	}
	swarm_map_free(&ms);
	swarm_map_free(&ma);
	swarm_map_free(&mf);
	swarm_map_free(&mo);
	swarm_trace_free(&all);
	free(perm);
	free(mem32);
	return 0;
}
