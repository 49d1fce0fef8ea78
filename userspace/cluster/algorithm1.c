// SPDX-License-Identifier: GPL-2.0-only
/*
 * Phase 5 of the clustering (internal.h): the paper's Algorithm 1 on the
 * graph. Entries are taken as medoids in order of density (edges within
 * tau, then frequency); a medoid's cluster grows from its row while the
 * average distance to the members stays <= tau. A cluster mostly made of
 * an existing one's members adds its new entries to that one instead.
 * Then the refinement (refine.c) and the clusters flattened into the
 * result.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/internal.h"

struct order_ctx {
	const uint32_t *rho, *f;
};

static struct order_ctx octx;

static int cmp_density(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (octx.rho[x] != octx.rho[y])
		return octx.rho[x] > octx.rho[y] ? -1 : 1;
	if (octx.f[x] != octx.f[y])
		return octx.f[x] > octx.f[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

int cl_vec_push(struct vec *v, uint32_t x)
{
	if (v->n == v->cap) {
		uint32_t nc = v->cap ? v->cap * 2 : 8;
		uint32_t *p = realloc(v->m, nc * sizeof(*p));

		if (!p)
			return -ENOMEM;
		v->m = p;
		v->cap = nc;
	}
	v->m[v->n++] = x;
	return 0;
}

static int memb_add(struct memb *mb, uint32_t e, uint32_t k)
{
	if (mb->n == mb->cap) {
		size_t nc = mb->cap ? mb->cap * 2 : 1024;
		uint32_t *a = realloc(mb->next, nc * sizeof(*a));

		if (!a)
			return -ENOMEM;
		mb->next = a;
		a = realloc(mb->cl, nc * sizeof(*a));
		if (!a)
			return -ENOMEM;
		mb->cl = a;
		mb->cap = nc;
	}
	if (mb->n >= UINT32_MAX - 1)
		return -ENOMEM;
	mb->cl[mb->n] = k;
	mb->next[mb->n] = mb->head[e];
	mb->head[e] = ++mb->n;
	return 0;
}

/* Average distance of @x to the members of @k (marked in @in with @tag). */
static double avg_to(const struct graph *g, uint32_t x, const uint32_t *in,
		     uint32_t tag, uint32_t size)
{
	double sum = 0;
	uint32_t near = 0;
	uint64_t y;

	for (y = g->off[x]; y < g->off[x + 1]; y++) {
		if (in[g->e[y].to] == tag) {
			sum += g->e[y].d;
			near++;
		}
	}
	return (sum + (size - near)) / size;
}

/* Algorithm 1's state. */
struct alg1 {
	const struct swarm_cluster_opts *o;
	const struct graph *g;
	uint32_t max_size;
	/* per entry */
	uint32_t *stamp;	/* candidate of the medoid at this position + 1 */
	uint32_t *nd;		/* candidates: members they have an edge to */
	float *sumd;		/* candidates: sum of those edges' distances */
	uint32_t *in;		/* in the cluster marked @tag */
	uint8_t *covered;	/* a medoid, or in a cluster grown or joined */
	uint32_t tag;
	/* the candidate cluster */
	uint32_t *mem;		/* max_size + 1 */
	/* per cluster: the clusters with members in the candidate */
	uint32_t *ovl, *touched;
	/* the clusters */
	struct vec *v;
	uint32_t nr;
	size_t cap_v;
	uint64_t nm;		/* members in all */
	struct memb mb;
};

static void alg1_free(struct alg1 *A)
{
	uint32_t i;

	for (i = 0; A->v && i < A->nr; i++)
		free(A->v[i].m);
	free(A->v);
	free(A->mb.head);
	free(A->mb.next);
	free(A->mb.cl);
	free(A->stamp);
	free(A->in);
	free(A->nd);
	free(A->sumd);
	free(A->covered);
	free(A->mem);
	free(A->ovl);
	free(A->touched);
}

/* The medoid candidates, densest first: read often enough, with edges. */
static uint32_t *density_order(const struct alg1 *A, uint64_t n,
			       const uint32_t *f, uint64_t *nr_order)
{
	uint32_t *order = malloc(n * sizeof(*order));
	uint64_t i;

	*nr_order = 0;
	if (!order)
		return NULL;
	for (i = 0; i < n; i++)
		if (f[i] >= A->o->min_count && A->g->rho[i])
			order[(*nr_order)++] = i;
	octx.rho = A->g->rho;
	octx.f = f;
	qsort(order, *nr_order, sizeof(*order), cmp_density);
	return order;
}

/*
 * The cluster of medoid @med (at position @cur - 1 of the order) into
 * A->mem: its row's entries within tau, each taken while its average
 * distance to the members so far stays <= tau. Returns its size.
 */
static uint32_t grow_cluster(struct alg1 *A, uint32_t med, uint32_t cur)
{
	const struct graph *g = A->g;
	uint64_t lo = g->off[med], hi = lo + g->rho[med], x;
	uint32_t m;

	/* candidates: the medoid's row prefix within tau */
	for (x = lo; x < hi; x++) {
		uint32_t to = g->e[x].to;

		A->stamp[to] = cur;
		A->sumd[to] = g->e[x].d;
		A->nd[to] = 1;
	}
	A->mem[0] = med;
	m = 1;
	for (x = lo; x < hi && m < A->max_size; x++) {
		uint32_t cand = g->e[x].to;
		uint64_t y;
		double avg;

		avg = (A->sumd[cand] + (double)(m - A->nd[cand])) / m;
		if (avg > A->o->tau + 1e-6)
			continue;
		A->mem[m++] = cand;
		for (y = g->off[cand]; y < g->off[cand + 1]; y++) {
			uint32_t to = g->e[y].to;

			if (A->stamp[to] == cur) {
				A->sumd[to] += g->e[y].d;
				A->nd[to]++;
			}
		}
	}
	return m;
}

/* Add the @m entries of A->mem not yet covered that fit to cluster @best. */
static int join_cluster(struct alg1 *A, uint32_t m, uint32_t best)
{
	struct vec *b = &A->v[best];
	uint32_t k;

	A->tag++;
	for (k = 0; k < b->n; k++)
		A->in[b->m[k]] = A->tag;
	for (k = 0; k < m && b->n < A->max_size; k++) {
		uint32_t e = A->mem[k];

		if (A->covered[e] || A->in[e] == A->tag)
			continue;
		if (avg_to(A->g, e, A->in, A->tag, b->n) > A->o->tau + 1e-6)
			continue;
		if (cl_vec_push(b, e) || memb_add(&A->mb, e, best))
			return -ENOMEM;
		A->in[e] = A->tag;
		A->nm++;
	}
	return 0;
}

/*
 * Mostly an existing cluster (at least half of it in one)? Then the new
 * entries join that one where they fit, and the candidate is dropped:
 * returns 1. Else 0, and *fresh counts the members not yet covered.
 */
static int join_existing(struct alg1 *A, uint32_t m, uint32_t *fresh)
{
	uint32_t k, nt = 0, best = 0;
	int e = 0;

	if (!A->ovl) {
		A->ovl = calloc(A->cap_v ? A->cap_v : 1, sizeof(*A->ovl));
		A->touched = malloc((A->cap_v ? A->cap_v : 1) *
				    sizeof(*A->touched));
		if (!A->ovl || !A->touched)
			return -ENOMEM;
	}
	*fresh = 0;
	for (k = 0; k < m; k++) {
		uint32_t node;

		if (!A->covered[A->mem[k]])
			(*fresh)++;
		for (node = A->mb.head[A->mem[k]]; node;
		     node = A->mb.next[node - 1]) {
			uint32_t cl = A->mb.cl[node - 1];

			if (!A->ovl[cl]++)
				A->touched[nt++] = cl;
		}
	}
	for (k = 0; k < nt; k++) {
		if (A->ovl[A->touched[k]] > A->ovl[best] || !k)
			best = A->touched[k];
	}
	if (nt && 2 * A->ovl[best] >= m)
		e = join_cluster(A, m, best) ? -ENOMEM : 1;
	for (k = 0; k < nt; k++)
		A->ovl[A->touched[k]] = 0;
	return e;
}

/* A->mem's @m entries as cluster A->nr. */
static int add_cluster(struct alg1 *A, uint32_t m)
{
	uint32_t k;

	if (A->nr == A->cap_v) {
		size_t nc = A->cap_v ? A->cap_v * 2 : 256;
		struct vec *nv = realloc(A->v, nc * sizeof(*nv));
		uint32_t *no = realloc(A->ovl, nc * sizeof(*no));

		if (nv)
			A->v = nv;
		if (no)
			A->ovl = no;
		if (!nv || !no)
			return -ENOMEM;
		no = realloc(A->touched, nc * sizeof(*no));
		if (!no)
			return -ENOMEM;
		A->touched = no;
		memset(A->v + A->cap_v, 0, (nc - A->cap_v) * sizeof(*A->v));
		memset(A->ovl + A->cap_v, 0, (nc - A->cap_v) * sizeof(*A->ovl));
		A->cap_v = nc;
	}
	for (k = 0; k < m; k++)
		if (cl_vec_push(&A->v[A->nr], A->mem[k]) ||
		    memb_add(&A->mb, A->mem[k], A->nr))
			return -ENOMEM;
	A->nm += m;
	A->nr++;
	return 0;
}

/* Every medoid in @order's turn: its cluster, joined or added. */
static int medoids(struct alg1 *A, const uint32_t *order, uint64_t nr_order)
{
	uint64_t i;
	uint32_t k;
	int e;

	for (i = 0; i < nr_order; i++) {
		uint32_t med = order[i], m, fresh;

		if (A->covered[med])
			continue;
		m = grow_cluster(A, med, (uint32_t)i + 1);
		e = join_existing(A, m, &fresh);
		if (e < 0)
			return e;
		if (e)
			m = 0;
		A->covered[med] = 1;
		for (k = 0; k < m; k++)
			A->covered[A->mem[k]] = 1;
		if (m < A->o->min_size || !fresh)
			continue;
		if (add_cluster(A, m))
			return -ENOMEM;
		if (A->o->progress && !(i & 4095))
			A->o->progress("clusters", (double)i / nr_order);
	}
	return 0;
}

/* The clusters into @c: members flat, each cluster's medoid first. */
static int flatten(const struct alg1 *A, struct swarm_clusters *c)
{
	uint32_t i;

	c->first = malloc((A->nr + 1) * sizeof(*c->first));
	c->members = malloc((A->nm ? A->nm : 1) * sizeof(*c->members));
	c->medoid = malloc((A->nr ? A->nr : 1) * sizeof(*c->medoid));
	if (!c->first || !c->members || !c->medoid)
		return -ENOMEM;
	c->first[0] = 0;
	for (i = 0; i < A->nr; i++) {
		memcpy(c->members + c->first[i], A->v[i].m,
		       A->v[i].n * sizeof(*A->v[i].m));
		c->first[i + 1] = c->first[i] + A->v[i].n;
		c->medoid[i] = A->v[i].m[0];
	}
	c->nr = A->nr;
	return 0;
}

int cl_algorithm1(const struct swarm_cluster_opts *o, uint64_t n,
		  const uint32_t *f, const struct graph *g,
		  struct swarm_clusters *c, double *t0)
{
	struct alg1 A = {
		.o = o, .g = g,
		.max_size = o->max_size && o->max_size < MAX_CLUSTER_SIZE ?
			    o->max_size : MAX_CLUSTER_SIZE,
	};
	uint32_t *order = NULL;
	uint64_t nr_order;
	int e = -ENOMEM;

	A.stamp = calloc(n, sizeof(*A.stamp));
	A.in = calloc(n, sizeof(*A.in));
	A.nd = calloc(n, sizeof(*A.nd));
	A.sumd = calloc(n, sizeof(*A.sumd));
	A.covered = calloc(n, 1);
	A.mb.head = calloc(n, sizeof(*A.mb.head));
	A.mem = malloc((A.max_size + 1) * sizeof(*A.mem));
	if (!A.stamp || !A.in || !A.nd || !A.sumd || !A.covered ||
	    !A.mb.head || !A.mem)
		goto out;
	order = density_order(&A, n, f, &nr_order);
	if (!order)
		goto out;
	e = medoids(&A, order, nr_order);
	if (e)
		goto out;
	cl_phase_done(o, "medoids", t0);
	if (o->refine && A.nr) {
		e = cl_refine(o, n, f, g, &A.mb, A.v, A.nr, A.max_size, &A.nm);
		if (e)
			goto out;
	}
	if (o->refine)
		cl_phase_done(o, "refine", t0);
	e = flatten(&A, c);
out:
	free(order);
	alg1_free(&A);
	return e;
}
