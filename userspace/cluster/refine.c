// SPDX-License-Identifier: GPL-2.0-only
/*
 * Phase 6 of the clustering (internal.h), the refinement.
 *
 * An entry within tau of at least half of a cluster's members
 * joins it too if its average distance to them is <= tau (the growth
 * rule, from every member rather than only the medoid). Every entry is
 * judged against the clusters as Algorithm 1 left them, so the entries
 * are independent: they are split over the threads, and the joins are
 * applied afterwards in entry order (the result does not depend on the
 * number of threads).
 *
 * The average distance of i to cluster k is (|k| - S) / |k|, where S sums
 * 1 - d(i, j) over the members j in i's row (a member without an edge is
 * at distance 1), so one pass over i's row and the clusters of each
 * neighbour gives every candidate cluster's average.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/internal.h"

/*
 * Which clusters an entry is in, compact for the refinement's random
 * lookups: one word per entry, the cluster itself for the usual entry in
 * one cluster, else an index into @more (count, then the clusters).
 */
#define ECL_NONE	UINT32_MAX
#define ECL_MORE	0x80000000u

struct ecl {
	uint32_t *one;
	uint32_t *more;
};

static int ecl_build(const struct memb *mb, uint64_t n, struct ecl *c)
{
	size_t nm = 0, cap = 0;
	uint32_t node, cnt;
	uint64_t e;

	c->one = malloc((n ? n : 1) * sizeof(*c->one));
	c->more = NULL;
	if (!c->one)
		return -ENOMEM;
	for (e = 0; e < n; e++) {
		node = mb->head[e];
		if (!node) {
			c->one[e] = ECL_NONE;
			continue;
		}
		if (!mb->next[node - 1]) {
			c->one[e] = mb->cl[node - 1];
			continue;
		}
		for (cnt = 0; node; node = mb->next[node - 1])
			cnt++;
		if (nm + cnt + 1 > cap || nm >= ECL_MORE) {
			size_t nc = cap ? 2 * cap : 4096;
			uint32_t *p;

			while (nc < nm + cnt + 1)
				nc *= 2;
			p = nm >= ECL_MORE ? NULL :
			    realloc(c->more, nc * sizeof(*p));
			if (!p)
				return -ENOMEM;
			c->more = p;
			cap = nc;
		}
		c->one[e] = ECL_MORE | (uint32_t)nm;
		c->more[nm++] = cnt;
		for (node = mb->head[e]; node; node = mb->next[node - 1])
			c->more[nm++] = mb->cl[node - 1];
	}
	return 0;
}

static void ecl_free(struct ecl *c)
{
	free(c->one);
	free(c->more);
}

/* The clusters of @e: how many, and where (@tmp holds a single one). */
static inline const uint32_t *ecl_get(const struct ecl *c, uint32_t e,
				      uint32_t *nr, uint32_t *tmp)
{
	uint32_t v = c->one[e];

	if (v == ECL_NONE) {
		*nr = 0;
		return tmp;
	}
	if (!(v & ECL_MORE)) {
		*tmp = v;
		*nr = 1;
		return tmp;
	}
	*nr = c->more[v & ~ECL_MORE];
	return c->more + (v & ~ECL_MORE) + 1;
}

struct refine_join {
	uint32_t cl, e;
};

struct refine_worker {
	const struct swarm_cluster_opts *o;
	const uint32_t *f;
	const struct graph *g;
	const struct ecl *ec;
	const uint32_t *size;	/* per cluster, as Algorithm 1 left it */
	uint32_t nr, max_size;
	uint64_t from, to;	/* entries */
	struct refine_join *j;
	size_t nj, cap;
	int error;
};

/*
 * A worker's scratch, per cluster: @ovl members among the entry's near
 * neighbours, @sim the sum of 1 - d over its members in the entry's row,
 * @seen 1 when in @touched, 2 when a candidate.
 */
struct refine_scratch {
	uint32_t *ovl;
	uint32_t *touched;
	float *sim;
	uint8_t *seen;
};

/*
 * The clusters with members among entry @i's near neighbours (row edges
 * [lo, near)) into s->touched: how many. Its own clusters get no overlap.
 */
static uint32_t near_clusters(const struct refine_worker *w,
			      struct refine_scratch *s, uint64_t i,
			      uint64_t lo, uint64_t near)
{
	const struct graph *g = w->g;
	uint32_t nt = 0, m, nl, one;
	const uint32_t *l;
	uint64_t x;

	for (x = lo; x < near; x++) {
		l = ecl_get(w->ec, g->e[x].to, &nl, &one);
		for (m = 0; m < nl; m++) {
			uint32_t cl = l[m];

			if (!s->seen[cl]) {
				s->seen[cl] = 1;
				s->touched[nt++] = cl;
			}
			s->ovl[cl]++;
			s->sim[cl] += 1 - g->e[x].d;
		}
	}
	l = ecl_get(w->ec, i, &nl, &one);
	for (m = 0; m < nl; m++)
		s->ovl[l[m]] = 0;	/* already a member */
	return nt;
}

/* Of the @nt clusters, the ones the entry is near half of: candidates. */
static uint32_t mark_candidates(const struct refine_worker *w,
				struct refine_scratch *s, uint32_t nt)
{
	uint32_t k, nc = 0;

	for (k = 0; k < nt; k++) {
		uint32_t cl = s->touched[k], size = w->size[cl];

		s->seen[cl] = 0;
		if (s->ovl[cl] && 2 * s->ovl[cl] >= size && size < w->max_size)
			s->seen[cl] = 2;
		nc += s->seen[cl] == 2;
	}
	return nc;
}

/* The candidates' members further away in entry @i's row count too. */
static void further_members(const struct refine_worker *w,
			    struct refine_scratch *s, uint64_t i,
			    uint64_t near)
{
	const struct graph *g = w->g;
	uint32_t m, nl, one;
	const uint32_t *l;
	uint64_t x;

	for (x = near; x < g->off[i + 1]; x++) {
		l = ecl_get(w->ec, g->e[x].to, &nl, &one);
		for (m = 0; m < nl; m++) {
			uint32_t cl = l[m];

			if (s->seen[cl] == 2)
				s->sim[cl] += 1 - g->e[x].d;
		}
	}
}

static int add_join(struct refine_worker *w, uint32_t cl, uint64_t i)
{
	if (w->nj == w->cap) {
		size_t nc = w->cap ? 2 * w->cap : 1024;
		struct refine_join *p;

		p = realloc(w->j, nc * sizeof(*p));
		if (!p)
			return -ENOMEM;
		w->j = p;
		w->cap = nc;
	}
	w->j[w->nj++] = (struct refine_join){ cl, i };
	return 0;
}

/*
 * Entry @i joins each candidate within tau on average; the scratch of
 * the @nt clusters is cleared.
 */
static int judge(struct refine_worker *w, struct refine_scratch *s,
		 uint64_t i, uint32_t nt)
{
	uint32_t k;

	for (k = 0; k < nt; k++) {
		uint32_t cl = s->touched[k], size = w->size[cl];

		if (s->seen[cl] == 2 &&
		    (size - s->sim[cl]) / size <= w->o->tau + 1e-6) {
			if (add_join(w, cl, i))
				return -ENOMEM;
		}
		s->ovl[cl] = 0;
		s->sim[cl] = 0;
		s->seen[cl] = 0;
	}
	return 0;
}

/* The clusters entry @i joins. */
static int entry_joins(struct refine_worker *w, struct refine_scratch *s,
		       uint64_t i)
{
	const struct graph *g = w->g;
	uint64_t lo = g->off[i], near = lo + g->rho[i];
	uint32_t nt, nc;

	/* a cluster needs half its members among the near ones */
	if (near - lo > 2ULL * w->max_size)
		near = lo + 2ULL * w->max_size;
	nt = near_clusters(w, s, i, lo, near);
	nc = mark_candidates(w, s, nt);
	if (nc)
		further_members(w, s, i, near);
	return judge(w, s, i, nt);
}

static void *refine_range(void *arg)
{
	struct refine_worker *w = arg;
	struct refine_scratch s = {
		.ovl = calloc(w->nr, sizeof(*s.ovl)),
		.touched = malloc(w->nr * sizeof(*s.touched)),
		.sim = calloc(w->nr, sizeof(*s.sim)),
		.seen = calloc(w->nr, 1),
	};
	uint64_t i;

	if (!s.ovl || !s.touched || !s.sim || !s.seen) {
		w->error = -ENOMEM;
		goto out;
	}
	for (i = w->from; i < w->to; i++) {
		if (w->f[i] < w->o->min_count)
			continue;
		w->error = entry_joins(w, &s, i);
		if (w->error)
			break;
		if (w->o->progress && w->from == 0 && !(i & 65535))
			w->o->progress("refine", (double)i / w->to);
	}
out:
	free(s.ovl);
	free(s.touched);
	free(s.sim);
	free(s.seen);
	return NULL;
}

int cl_refine(const struct swarm_cluster_opts *o, uint64_t n,
	      const uint32_t *f, const struct graph *g,
	      const struct memb *mb, struct vec *v, uint32_t nr,
	      uint32_t max_size, uint64_t *nm)
{
	unsigned int nt = o->threads ? o->threads : 1, t;
	struct refine_worker *ws = calloc(nt, sizeof(*ws));
	pthread_t *th = calloc(nt, sizeof(*th));
	uint32_t *size = malloc(nr * sizeof(*size));
	struct ecl ec = { 0 };
	uint64_t k;
	size_t i;
	int e = -ENOMEM;

	if (!ws || !th || !size || ecl_build(mb, n, &ec))
		goto out;
	for (k = 0; k < nr; k++)
		size[k] = v[k].n;
	for (t = 0; t < nt; t++) {
		ws[t] = (struct refine_worker){
			.o = o, .f = f, .g = g, .ec = &ec, .size = size,
			.nr = nr, .max_size = max_size,
			.from = n * t / nt, .to = n * (t + 1) / nt,
		};
		if (t && pthread_create(&th[t], NULL, refine_range, &ws[t]))
			ws[t].error = -EAGAIN;
	}
	refine_range(&ws[0]);
	e = 0;
	for (t = 0; t < nt; t++) {
		if (t && ws[t].error != -EAGAIN)
			pthread_join(th[t], NULL);
		else if (t)	/* no thread: do its share here */
			refine_range(&ws[t]);
		if (ws[t].error && ws[t].error != -EAGAIN)
			e = ws[t].error;
	}
	for (t = 0; t < nt && !e; t++) {
		for (i = 0; i < ws[t].nj; i++) {
			struct vec *b = &v[ws[t].j[i].cl];

			if (b->n >= max_size)
				continue;
			e = cl_vec_push(b, ws[t].j[i].e);
			if (e)
				break;
			(*nm)++;
		}
	}
out:
	for (t = 0; ws && t < nt; t++)
		free(ws[t].j);
	free(ws);
	free(th);
	free(size);
	ecl_free(&ec);
	return e;
}
