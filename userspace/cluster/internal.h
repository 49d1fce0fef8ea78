/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The clustering's phases and what they pass on (not the interface: see
 * cluster.h). swarm_cluster() (cluster.c) runs them in order:
 *
 *  1. counted.c     f(e), and the steps as counted (the pair cap's
 *                   per-step sample) with their inverted index;
 *  2. pairs.c       each entry's candidates, counted over up to
 *                   cand_steps of its steps, and its K nearest: the rows;
 *  3. minhash.c     when steps were sampled, pairs from MinHash buckets
 *                   counted exactly, merged into the rows;
 *  4. graph.c       the rows as a CSR graph (and the edge helpers);
 *  5. algorithm1.c  Algorithm 1: density-ordered medoids, clusters grown
 *                   while the average distance stays <= tau;
 *  6. refine.c      entries that fit further clusters join them;
 *  7. weights.c     cluster frequencies and cluster-to-cluster weights.
 */
#ifndef SWARM_CLUSTER_INTERNAL_H
#define SWARM_CLUSTER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/cluster.h"

/* The kernel's DM_SWARM_MAX_CLUSTER_SIZE. */
#define MAX_CLUSTER_SIZE	(1U << 20)

/*
 * With opts->timing: print the seconds since *@t0, the CPU seconds of
 * the process since the previous phase (all threads) and the peak RSS so
 * far; restart the clock.
 */
void cl_phase_done(const struct swarm_cluster_opts *o, const char *name,
		   double *t0);

/* ---- 1. The counted steps (counted.c) ---- */

/*
 * The steps as counted: entries read in >= min_count steps, at most
 * cl_cap_entries(pair_cap) of them per step (a uniform sample), each step
 * with the weight of its pairs; and the inverted index: per entry, the
 * counted steps that read it.
 */
struct counted {
	uint64_t nr_steps;
	uint64_t *off;		/* nr_steps + 1 */
	uint32_t *ids;		/* the trace's own if @shared */
	bool shared;
	float *w;		/* per step */
	uint64_t *ioff;		/* nr_entries + 1 */
	uint32_t *isteps;
};

/* The largest m with m (m - 1) / 2 <= cap. */
uint64_t cl_cap_entries(uint64_t cap);
/*
 * Keep at most @m of the @k ids in @l (sorted), a uniform sample seeded
 * by @seed and @step; return how many are kept, and in *w the weight of
 * each kept pair (1, or k (k - 1) / (m (m - 1)) when sampled).
 */
uint64_t cl_sample(uint32_t *l, uint64_t k, uint64_t m, uint64_t seed,
		   uint64_t step, float *w);
/* @f: per entry, the steps that read it. */
int cl_counted_build(const struct swarm_trace *t,
		     const struct swarm_cluster_opts *o, const uint32_t *f,
		     struct counted *cs);
void cl_counted_free(struct counted *cs);

/* ---- Edges and the graph (graph.c) ---- */

/*
 * An edge: its distance d = 1 - P(a,b) and where it goes. Each entry's
 * row is its own K nearest, so the graph is directed (b may be in a's
 * row and not a in b's); a missing edge counts as distance 1.
 */
struct edge {
	float d;
	uint32_t to;
};

/* Nearer first, then by id: a total order. */
static inline bool edge_less(const struct edge *x, const struct edge *y)
{
	return x->d < y->d || (x->d == y->d && x->to < y->to);
}

int cl_cmp_edge(const void *a, const void *b);
/* Move the @k nearest of the @n edges in @e to the front (any order). */
void cl_select_nearest(struct edge *e, size_t n, size_t k);

/* The distance of a pair seen in @fab steps, of entries seen in @fa, @fb. */
static inline float cl_distance(const struct swarm_cluster_opts *o,
				double fab, uint32_t fa, uint32_t fb,
				uint64_t steps)
{
	double p, lo = fa < fb ? fa : fb, hi = fa < fb ? fb : fa, den, ex = 0;

	if (fab > lo)
		fab = lo;
	switch (o->norm) {
	case SWARM_NORM_MAX:
		den = hi;
		break;
	case SWARM_NORM_JACCARD:
		den = fa + fb - fab;
		break;
	default:
		den = lo;
		break;
	}
	if (o->excess)
		ex = (double)fa * fb / steps;
	den = den - ex + o->shrink;
	p = den > 0 ? (fab - ex) / den : 0;
	if (p > 1)
		p = 1;
	if (p < 0)
		p = 0;
	return (float)(1 - p);
}

/*
 * The rows: @k slots per entry, each entry's nearest first; @deg[e] of
 * entry e's are used.
 */
struct rows {
	struct edge *e;
	uint32_t *deg;
	uint32_t k;
	float keep;		/* largest distance kept */
};

struct graph {
	uint64_t *off;		/* nr_entries + 1 */
	struct edge *e;
	uint32_t *rho;		/* edges with d <= tau: a prefix of each row */
};

/* The CSR graph of @r's rows (which it takes over: r->e is NULL after). */
int cl_graph_build(const struct swarm_cluster_opts *o, uint64_t n,
		   struct rows *r, struct graph *g, uint64_t *nr_edges);
void cl_graph_free(struct graph *g);

/* ---- 2. Candidates and the rows (pairs.c) ---- */

/* Fill @r from @cs's counts, over o->threads threads; adds to *nr_pairs. */
int cl_count_pairs(const struct swarm_trace *t,
		   const struct swarm_cluster_opts *o, const struct counted *cs,
		   const uint32_t *f, struct rows *r, uint64_t *nr_pairs);

/* ---- 3. MinHash candidates (minhash.c) ---- */

/* Pairs from MinHash buckets, counted exactly, merged into @r's rows. */
int cl_minhash_edges(const struct swarm_trace *t,
		     const struct swarm_cluster_opts *o, const uint32_t *f,
		     struct rows *r, uint64_t *nr_pairs);

/* ---- 5. and 6. Algorithm 1 and the refinement ---- */

/* A growing list of entries: a cluster's members. */
struct vec {
	uint32_t *m;
	uint32_t n, cap;
};

int cl_vec_push(struct vec *v, uint32_t x);

/* Which clusters an entry is in: a linked list per entry. */
struct memb {
	uint32_t *head;		/* per entry, node + 1, 0: none */
	uint32_t *next;		/* per node, node + 1 */
	uint32_t *cl;		/* per node, cluster */
	size_t n, cap;
};

/* Algorithm 1 on @g, then the refinement: @c's clusters (algorithm1.c). */
int cl_algorithm1(const struct swarm_cluster_opts *o, uint64_t n,
		  const uint32_t *f, const struct graph *g,
		  struct swarm_clusters *c, double *t0);
/*
 * The refinement (refine.c): entries join the @nr clusters in @v (of
 * memberships @mb) they fit, at most @max_size members each; *nm counts
 * the members.
 */
int cl_refine(const struct swarm_cluster_opts *o, uint64_t n,
	      const uint32_t *f, const struct graph *g,
	      const struct memb *mb, struct vec *v, uint32_t nr,
	      uint32_t max_size, uint64_t *nm);

/* ---- 7. Frequencies and weights (weights.c) ---- */

int cl_weights(const struct swarm_trace *t,
	       const struct swarm_cluster_opts *o, struct swarm_clusters *c);

#endif /* SWARM_CLUSTER_INTERNAL_H */
