// SPDX-License-Identifier: GPL-2.0-only
/*
 * Phase 3 of the clustering (internal.h): candidates from whole steps,
 * MinHash.
 *
 * When the pair cap samples steps, two entries of one group are rarely
 * both in a sample (at 20000 entries a step and a 1448-entry sample, a
 * pair is counted in 0.5% of the steps that read it), so their edge is
 * lost. The sets of steps that read each entry still tell them apart:
 * entries read together have similar sets. MinHash (LSH_HASHES min-hashes
 * of an entry's steps, in LSH_BANDS bands of LSH_ROWS) puts two entries
 * whose sets have Jaccard similarity J in one bucket of some band with
 * probability 1 - (1 - J^LSH_ROWS)^LSH_BANDS: 0.98 at J = 0.8, 0.4 at
 * 0.5, 5e-5 at 0.05. Every pair met in a bucket is then counted exactly
 * by intersecting the two entries' steps, and kept as an edge if it
 * passes the same tests as counted pairs; the exact edges replace the
 * sampled estimates in both entries' rows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/internal.h"
#include "lib/util.h"

#define LSH_ROWS	4
#define LSH_BANDS	8
#define LSH_HASHES	(LSH_ROWS * LSH_BANDS)
/* pairs made in one bucket: each member with the next ones */
#define LSH_WINDOW	64

struct lsh_key {
	uint64_t key;
	uint32_t e;
};

struct lsh_edge {
	uint32_t from;
	struct edge e;
};

/* The pass's state, built up by its steps. */
struct lsh {
	const struct swarm_trace *t;
	const struct swarm_cluster_opts *o;
	const uint32_t *f;
	uint64_t n;
	uint32_t need;		/* steps a pair is seen in, at least */
	/* entry e's steps, ascending, once each: isteps[ioff[e]..end[e]) */
	uint64_t *ioff, *end;
	uint32_t *isteps;
	uint32_t *sig;		/* LSH_HASHES per entry */
	uint64_t *pairs;	/* a << 32 | b, met in some bucket */
	uint64_t np, cap_p;
	struct lsh_edge *ex;	/* the exact edges, both ways */
	uint64_t ne, cap_e;
};

static int cmp_lsh_key(const void *a, const void *b)
{
	const struct lsh_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->e < y->e ? -1 : x->e > y->e;
}

static int cmp_lsh_edge(const void *a, const void *b)
{
	const struct lsh_edge *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return cl_cmp_edge(&x->e, &y->e);
}

/* |A n B| of two ascending lists */
static uint64_t intersect(const uint32_t *a, uint64_t na, const uint32_t *b,
			  uint64_t nb)
{
	uint64_t i = 0, j = 0, c = 0;

	while (i < na && j < nb) {
		if (a[i] < b[j]) {
			i++;
		} else if (a[i] > b[j]) {
			j++;
		} else {
			c++;
			i++;
			j++;
		}
	}
	return c;
}

/* f(a,b) exactly: the steps of @a and @b in common. */
static uint64_t lsh_fab(const struct lsh *l, uint32_t a, uint32_t b)
{
	return intersect(l->isteps + l->ioff[a], l->end[a] - l->ioff[a],
			 l->isteps + l->ioff[b], l->end[b] - l->ioff[b]);
}

/* Every entry's steps, ascending, once each. */
static int lsh_steps(struct lsh *l)
{
	const struct swarm_trace *t = l->t;
	uint64_t n = l->n, s, i, e;

	l->ioff = calloc(n + 1, sizeof(*l->ioff));
	l->end = malloc((n + 1) * sizeof(*l->end));
	l->isteps = malloc((t->nr_reads ? t->nr_reads : 1) *
			   sizeof(*l->isteps));
	if (!l->ioff || !l->end || !l->isteps)
		return -ENOMEM;
	for (i = 0; i < t->nr_reads; i++)
		if (l->f[t->ids[i]] >= l->o->min_count)
			l->ioff[t->ids[i] + 1]++;
	for (e = 0; e < n; e++)
		l->ioff[e + 1] += l->ioff[e];
	memcpy(l->end, l->ioff, (n + 1) * sizeof(*l->end));
	for (s = 0; s < t->nr_steps; s++) {
		for (i = t->off[s]; i < t->off[s + 1]; i++) {
			uint32_t id = t->ids[i];

			if (l->f[id] < l->o->min_count ||
			    (l->end[id] > l->ioff[id] &&
			     l->isteps[l->end[id] - 1] == s))
				continue;
			l->isteps[l->end[id]++] = (uint32_t)s;
		}
	}
	return 0;
}

/* The signatures: LSH_HASHES min-hashes of each entry's steps. */
static int lsh_signatures(struct lsh *l)
{
	uint64_t n = l->n, e, i, j;

	l->sig = malloc((n ? n : 1) * LSH_HASHES * sizeof(*l->sig));
	if (!l->sig)
		return -ENOMEM;
	for (e = 0; e < n; e++) {
		uint32_t *sg = l->sig + e * LSH_HASHES;

		for (j = 0; j < LSH_HASHES; j++)
			sg[j] = UINT32_MAX;
		for (i = l->ioff[e]; i < l->end[e]; i++) {
			uint64_t x = mix64(l->isteps[i] +
					   l->o->seed * 0x9e3779b97f4a7c15ULL);

			for (j = 0; j < LSH_HASHES; j += 2) {
				uint64_t h = mix64(x + j);

				if ((uint32_t)h < sg[j])
					sg[j] = (uint32_t)h;
				if ((uint32_t)(h >> 32) < sg[j + 1])
					sg[j + 1] = (uint32_t)(h >> 32);
			}
		}
	}
	return 0;
}

static int lsh_add_pair(struct lsh *l, uint32_t a, uint32_t b)
{
	if (l->np == l->cap_p) {
		uint64_t *p = realloc(l->pairs, 2 * l->cap_p * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->pairs = p;
		l->cap_p *= 2;
	}
	l->pairs[l->np++] = (uint64_t)a << 32 | b;
	return 0;
}

/*
 * Band @j's buckets (entries whose @j-th LSH_ROWS min-hashes are alike):
 * each member paired with the next LSH_WINDOW ones. @keys: room for
 * every entry.
 */
static int lsh_band(struct lsh *l, uint64_t j, struct lsh_key *keys)
{
	uint64_t nk = 0, r0, r1, e, i, y;

	for (e = 0; e < l->n; e++) {
		const uint32_t *sg = l->sig + e * LSH_HASHES + j * LSH_ROWS;
		uint64_t h = j + 1;

		if (l->end[e] - l->ioff[e] < l->o->min_count)
			continue;
		for (i = 0; i < LSH_ROWS; i++)
			h = mix64(h ^ sg[i]) + i;
		keys[nk++] = (struct lsh_key){ h, (uint32_t)e };
	}
	qsort(keys, nk, sizeof(*keys), cmp_lsh_key);
	for (r0 = 0; r0 < nk; r0 = r1) {
		for (r1 = r0 + 1; r1 < nk && keys[r1].key == keys[r0].key; r1++)
			;
		for (i = r0; i < r1; i++)
			for (y = i + 1; y < r1 && y <= i + LSH_WINDOW; y++)
				if (lsh_add_pair(l, keys[i].e, keys[y].e))
					return -ENOMEM;
	}
	return 0;
}

/* The pairs of every band's buckets, sorted (a pair may repeat). */
static int lsh_buckets(struct lsh *l)
{
	struct lsh_key *keys = malloc((l->n ? l->n : 1) * sizeof(*keys));
	uint64_t j;
	int e = -ENOMEM;

	l->cap_p = 16 * l->n + 1024;
	l->pairs = malloc(l->cap_p * sizeof(*l->pairs));
	if (!keys || !l->pairs)
		goto out;
	for (j = 0; j < LSH_BANDS; j++)
		if (lsh_band(l, j, keys))
			goto out;
	free(l->sig);
	l->sig = NULL;
	qsort(l->pairs, l->np, sizeof(*l->pairs), cmp_u64);
	e = 0;
out:
	free(keys);
	return e;
}

/* Each pair once: count it exactly, keep it both ways if an edge. */
static int lsh_exact(struct lsh *l, float keep, uint64_t *nr_pairs)
{
	uint64_t i;

	l->cap_e = 1024;
	l->ex = malloc(l->cap_e * sizeof(*l->ex));
	if (!l->ex)
		return -ENOMEM;
	for (i = 0; i < l->np; i++) {
		uint32_t pa = l->pairs[i] >> 32, b = (uint32_t)l->pairs[i];
		uint64_t fab;
		float d;

		if (i && l->pairs[i] == l->pairs[i - 1])
			continue;
		(*nr_pairs)++;
		fab = lsh_fab(l, pa, b);
		if (fab < l->need)
			continue;
		d = cl_distance(l->o, (double)fab, l->f[pa], l->f[b],
				l->t->nr_steps);
		if (d > keep)
			continue;
		if (l->ne + 2 > l->cap_e) {
			struct lsh_edge *p = realloc(l->ex, 2 * l->cap_e *
						     sizeof(*p));

			if (!p)
				return -ENOMEM;
			l->ex = p;
			l->cap_e *= 2;
		}
		l->ex[l->ne++] = (struct lsh_edge){ pa, { d, b } };
		l->ex[l->ne++] = (struct lsh_edge){ b, { d, pa } };
	}
	free(l->pairs);
	l->pairs = NULL;
	qsort(l->ex, l->ne, sizeof(*l->ex), cmp_lsh_edge);
	return 0;
}

/*
 * Merge into the rows. The rows' distances are estimates from the
 * sampled steps: they are counted again exactly (a pair that fails the
 * tests then goes), and an edge found here replaces its estimate.
 */
static int lsh_merge(struct lsh *l, struct rows *r)
{
	uint32_t *mark = calloc(l->n ? l->n : 1, sizeof(*mark));
	struct edge *buf = malloc((r->k + 1) * sizeof(*buf) * 2);
	const struct lsh_edge *ex = l->ex;
	uint64_t a, i, j, ne = l->ne, k = r->k;

	if (!mark || !buf) {
		free(mark);
		free(buf);
		return -ENOMEM;
	}
	for (a = 0, i = 0; a < l->n; a++) {
		uint32_t nb = 0, x;

		for (j = i; j < ne && ex[j].from == a; j++)
			mark[ex[j].e.to] = a + 1;
		for (x = 0; x < r->deg[a]; x++) {
			struct edge e = r->e[a * k + x];
			uint64_t fab;

			if (mark[e.to] == a + 1)
				continue;
			fab = lsh_fab(l, a, e.to);
			if (fab < l->need)
				continue;
			e.d = cl_distance(l->o, (double)fab, l->f[a], l->f[e.to],
					  l->t->nr_steps);
			if (e.d <= r->keep)
				buf[nb++] = e;
		}
		for (j = i; j < ne && ex[j].from == a && nb < 2 * k; j++)
			buf[nb++] = ex[j].e;
		for (; j < ne && ex[j].from == a; j++)
			;
		i = j;
		if (nb > k) {
			cl_select_nearest(buf, nb, k);
			nb = k;
		}
		qsort(buf, nb, sizeof(*buf), cl_cmp_edge);
		memcpy(r->e + a * k, buf, nb * sizeof(*buf));
		r->deg[a] = nb;
	}
	free(mark);
	free(buf);
	return 0;
}

int cl_minhash_edges(const struct swarm_trace *t,
		     const struct swarm_cluster_opts *o, const uint32_t *f,
		     struct rows *r, uint64_t *nr_pairs)
{
	struct lsh l = {
		.t = t, .o = o, .f = f, .n = t->nr_entries,
		.need = o->min_pair ? o->min_pair : 1,
	};
	int e;

	e = lsh_steps(&l);
	if (!e)
		e = lsh_signatures(&l);
	if (!e)
		e = lsh_buckets(&l);
	if (!e)
		e = lsh_exact(&l, r->keep, nr_pairs);
	if (!e)
		e = lsh_merge(&l, r);
	free(l.ioff);
	free(l.end);
	free(l.isteps);
	free(l.sig);
	free(l.pairs);
	free(l.ex);
	return e;
}
