// SPDX-License-Identifier: GPL-2.0-only
/*
 * Online adaptation, the pure part (lib/adapt.h): Eq. 9 joins of new
 * entries, the co-activation drift of a window, a re-clustering made into
 * a delta, deltas applied in memory, maps written as files.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/adapt.h"
#include "lib/hmap.h"
#include "lib/util.h"

void swarm_adapt_defaults(struct swarm_adapt_opts *o)
{
	*o = (struct swarm_adapt_opts){
		.window = 200, .tau = 0.5, .min_co = 3, .max_joins = 1,
		.norm = SWARM_ADAPT_NORM_MEDOID,
	};
}

/* An (entry, cluster) pair. */
struct ec {
	uint64_t e;
	uint32_t c;
};

static int cmp_ec(const void *a, const void *b)
{
	const struct ec *x = a, *y = b;

	if (x->e != y->e)
		return x->e < y->e ? -1 : 1;
	return x->c < y->c ? -1 : x->c > y->c;
}

/* Where an entry's clusters are in the sorted pairs. */
struct span {
	uint64_t start;
	uint64_t n;
};

/*
 * entry -> the ids of its clusters: @pairs (sorted, freed by the
 * caller), @h the spans. @medoids: index the medoids instead.
 */
struct index {
	struct ec *pairs;
	size_t n;
	struct swarm_hmap h;
};

static void index_free(struct index *ix)
{
	free(ix->pairs);
	swarm_hmap_free(&ix->h);
}

static int index_build(const struct swarm_map *map, bool medoids,
		       struct index *ix)
{
	size_t i, k, n = 0;

	memset(ix, 0, sizeof(*ix));
	swarm_hmap_init(&ix->h, sizeof(struct span));
	ix->pairs = malloc((medoids ? map->nr_clusters : map->nr_members + 1) *
			   sizeof(*ix->pairs) + 1);
	if (!ix->pairs)
		return -ENOMEM;
	for (i = 0; i < map->nr_clusters; i++) {
		const struct swarm_map_cluster *c = &map->clusters[i];

		if (medoids) {
			ix->pairs[n++] = (struct ec){ c->medoid, c->id };
			continue;
		}
		for (k = 0; k < c->nr_members; k++)
			ix->pairs[n++] = (struct ec){ map->members[c->first + k],
						      c->id };
	}
	qsort(ix->pairs, n, sizeof(*ix->pairs), cmp_ec);
	ix->n = n;
	for (i = 0; i < n; i++) {
		struct span *s = swarm_hmap_get(&ix->h, ix->pairs[i].e, NULL);

		if (!s)
			return -ENOMEM;
		if (!s->n)
			s->start = i;
		s->n++;
	}
	return 0;
}

static const struct span *index_find(const struct index *ix, uint64_t e)
{
	return swarm_hmap_find(&ix->h, e);
}

/* The largest cluster id + 1. */
static uint32_t nr_ids(const struct swarm_map *map)
{
	uint32_t i, n = 0;

	for (i = 0; i < map->nr_clusters; i++)
		if (map->clusters[i].id + 1 > n)
			n = map->clusters[i].id + 1;
	return n;
}

/* A new entry: its first step in the window. */
struct watch {
	uint64_t first;
};

static int cmp_join(const void *a, const void *b)
{
	const struct swarm_adapt_join *x = a, *y = b;

	if (x->entry != y->entry)
		return x->entry < y->entry ? -1 : 1;
	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return x->cluster < y->cluster ? -1 : x->cluster > y->cluster;
}

/* Steps of @v[0..n) (ascending) at or after @s. */
static uint64_t count_from(const uint64_t *v, uint64_t n, uint64_t s)
{
	uint64_t lo = 0, hi = n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (v[mid] < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return n - lo;
}

/* State of one evaluation. */
struct eval {
	struct index mem, med;
	uint32_t nc;
	uint64_t *moff, *msteps;	/* CSR: the steps reading each medoid */
	uint32_t *stepcnt, *touched, *ms;
	struct swarm_hmap watch;
	struct ec *co;
	size_t nco, capco;
};

static void eval_free(struct eval *v)
{
	index_free(&v->mem);
	index_free(&v->med);
	free(v->moff);
	free(v->msteps);
	free(v->stepcnt);
	free(v->touched);
	free(v->ms);
	swarm_hmap_free(&v->watch);
	free(v->co);
}

/* The steps of the window that read each medoid (v->moff, v->msteps). */
static int medoid_steps(struct eval *v, const struct swarm_trace *t,
			uint64_t s0)
{
	uint64_t s, i, k, *fill;

	v->moff = calloc(v->nc + 1, sizeof(*v->moff));
	if (!v->moff)
		return -ENOMEM;
	for (s = s0; s < t->nr_steps; s++)
		for (i = t->off[s]; i < t->off[s + 1]; i++) {
			const struct span *sp = index_find(&v->med, t->ids[i]);

			for (k = 0; sp && k < sp->n; k++)
				v->moff[v->med.pairs[sp->start + k].c + 1]++;
		}
	for (k = 0; k < v->nc; k++)
		v->moff[k + 1] += v->moff[k];
	v->msteps = malloc((v->moff[v->nc] + 1) * sizeof(*v->msteps));
	fill = calloc(v->nc + 1, sizeof(*fill));
	if (!v->msteps || !fill) {
		free(fill);
		return -ENOMEM;
	}
	for (s = s0; s < t->nr_steps; s++)
		for (i = t->off[s]; i < t->off[s + 1]; i++) {
			const struct span *sp = index_find(&v->med, t->ids[i]);

			for (k = 0; sp && k < sp->n; k++) {
				uint32_t c = v->med.pairs[sp->start + k].c;

				v->msteps[v->moff[c] + fill[c]++] = s;
			}
		}
	free(fill);
	return 0;
}

/* One step: the drift counts, the new entries and their pairs. */
static int eval_step(struct eval *v, const struct swarm_trace *t, uint64_t s,
		     struct swarm_adapt_result *r)
{
	uint64_t i, k, nms = 0, nt = 0;
	int e;

	for (i = t->off[s]; i < t->off[s + 1]; i++) {
		const struct span *sp = index_find(&v->med, t->ids[i]);

		for (k = 0; sp && k < sp->n; k++)
			v->ms[nms++] = v->med.pairs[sp->start + k].c;
	}
	for (i = t->off[s]; i < t->off[s + 1]; i++) {
		const struct span *sp = index_find(&v->mem, t->ids[i]);
		struct watch *w;
		bool added;

		r->reads++;
		if (sp) {
			for (k = 0; k < sp->n; k++) {
				uint32_t c = v->mem.pairs[sp->start + k].c;

				if (!v->stepcnt[c]++)
					v->touched[nt++] = c;
			}
			continue;
		}
		w = swarm_hmap_get(&v->watch, t->ids[i], &added);
		if (!w)
			return -ENOMEM;
		if (added) {
			w->first = s;
			r->watched++;
		}
		for (k = 0; k < nms; k++) {
			e = swarm_grow((void **)&v->co, &v->capco, v->nco + 1,
				       sizeof(*v->co));
			if (e)
				return e;
			v->co[v->nco++] = (struct ec){ t->ids[i], v->ms[k] };
		}
	}
	for (i = t->off[s]; i < t->off[s + 1]; i++) {
		const struct span *sp = index_find(&v->mem, t->ids[i]);

		for (k = 0; sp && k < sp->n; k++)
			if (v->stepcnt[v->mem.pairs[sp->start + k].c] >= 2) {
				r->colocated++;
				break;
			}
	}
	while (nt)
		v->stepcnt[v->touched[--nt]] = 0;
	return 0;
}

/* The pairs counted into joins: d < tau and f >= min_co. */
static int eval_joins(struct eval *v, const struct swarm_trace *t,
		      const struct swarm_adapt_opts *o,
		      struct swarm_adapt_result *r)
{
	size_t i, j, cap = 0, n = 0, kept = 0, run = 0;

	if (v->nco)
		qsort(v->co, v->nco, sizeof(*v->co), cmp_ec);
	for (i = 0; i < v->nco; i = j) {
		const struct watch *w = swarm_hmap_find(&v->watch, v->co[i].e);
		uint32_t c = v->co[i].c;
		uint64_t f, we;
		double d;

		for (j = i; j < v->nco && v->co[j].e == v->co[i].e &&
		     v->co[j].c == c; j++)
			;
		f = j - i;
		if (o->norm == SWARM_ADAPT_NORM_WINDOW)
			we = t->nr_steps - w->first;
		else
			we = count_from(v->msteps + v->moff[c],
					v->moff[c + 1] - v->moff[c], w->first);
		if (!we || f < o->min_co)
			continue;
		d = 1.0 - (double)f / (double)we;
		if (!(d < o->tau))
			continue;
		if (swarm_grow((void **)&r->joins, &cap, n + 1,
			       sizeof(*r->joins)))
			return -ENOMEM;
		r->joins[n++] = (struct swarm_adapt_join){
			.entry = v->co[i].e, .cluster = c, .f = (uint32_t)f,
			.w = (uint32_t)we, .d = d,
		};
	}
	if (n)
		qsort(r->joins, n, sizeof(*r->joins), cmp_join);
	/* At most max_joins per entry, the nearest. */
	for (i = 0; i < n; i++) {
		run = i && r->joins[i].entry == r->joins[i - 1].entry ? run + 1 : 0;
		if (run < o->max_joins)
			r->joins[kept++] = r->joins[i];
	}
	r->nr_joins = kept;
	return 0;
}

int swarm_adapt_eval(const struct swarm_map *map, const struct swarm_trace *t,
		     const struct swarm_adapt_opts *o,
		     struct swarm_adapt_result *r)
{
	struct eval v = { 0 };
	uint64_t s, s0 = 0, maxstep = 0;
	int e;

	memset(r, 0, sizeof(*r));
	swarm_hmap_init(&v.watch, sizeof(struct watch));
	if (o->window && t->nr_steps > o->window)
		s0 = t->nr_steps - o->window;
	r->steps = t->nr_steps - s0;
	v.nc = nr_ids(map);
	e = index_build(map, false, &v.mem);
	if (!e)
		e = index_build(map, true, &v.med);
	if (!e)
		e = medoid_steps(&v, t, s0);
	if (e)
		goto out;
	for (s = s0; s < t->nr_steps; s++)
		if (t->off[s + 1] - t->off[s] > maxstep)
			maxstep = t->off[s + 1] - t->off[s];
	v.stepcnt = calloc(v.nc + 1, sizeof(*v.stepcnt));
	v.touched = malloc((v.nc + 1) * sizeof(*v.touched));
	/* Medoids read in one step: at most the step's reads times the
	 * clusters one entry is the medoid of; bounded by the clusters.
	 */
	v.ms = malloc((v.nc + 1) * sizeof(*v.ms));
	e = -ENOMEM;
	if (!v.stepcnt || !v.touched || !v.ms)
		goto out;
	e = 0;
	for (s = s0; s < t->nr_steps && !e; s++)
		e = eval_step(&v, t, s, r);
	if (!e)
		e = eval_joins(&v, t, o, r);
	r->drift = r->reads ? 1.0 - (double)r->colocated / (double)r->reads : 0;
out:
	eval_free(&v);
	if (e)
		swarm_adapt_result_free(r);
	return e;
}

void swarm_adapt_result_free(struct swarm_adapt_result *r)
{
	free(r->joins);
	r->joins = NULL;
	r->nr_joins = 0;
}

/* The map's cluster of id @id, or NULL. */
static const struct swarm_map_cluster *by_id(const struct swarm_map *map,
					     uint32_t id)
{
	uint32_t i;

	if (id < map->nr_clusters && map->clusters[id].id == id)
		return &map->clusters[id];
	for (i = 0; i < map->nr_clusters; i++)
		if (map->clusters[i].id == id)
			return &map->clusters[i];
	return NULL;
}

/* Append a cluster record to @d; -ENOMEM. */
static int push_cluster(struct swarm_map *d, uint32_t id, uint64_t medoid,
			uint64_t freq, const uint64_t *m, size_t n)
{
	struct swarm_map_cluster *c;

	if (swarm_grow((void **)&d->clusters, &d->cap_clusters,
		       d->nr_clusters + 1, sizeof(*d->clusters)) ||
	    swarm_grow((void **)&d->members, &d->cap_members,
		       d->nr_members + n + 1, sizeof(*d->members)))
		return -ENOMEM;
	c = &d->clusters[d->nr_clusters++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->medoid = medoid;
	c->frequency = freq;
	c->first = d->nr_members;
	c->nr_members = (uint32_t)n;
	if (n)
		memcpy(d->members + d->nr_members, m, n * sizeof(*m));
	d->nr_members += n;
	return 0;
}

static int cmp_ce(const void *a, const void *b)
{
	const struct ec *x = a, *y = b;

	if (x->c != y->c)
		return x->c < y->c ? -1 : 1;
	return x->e < y->e ? -1 : x->e > y->e;
}

/* (entry, cluster) pairs, sorted by cluster, as records of @d. */
static int pairs_delta(const struct swarm_map *map, struct ec *p, size_t n,
		       struct swarm_map *d)
{
	uint64_t *m = malloc((n + 1) * sizeof(*m));
	size_t i, j, k;
	int e = 0;

	if (!m)
		return -ENOMEM;
	qsort(p, n, sizeof(*p), cmp_ce);
	for (i = 0; i < n && !e; i = j) {
		const struct swarm_map_cluster *c = by_id(map, p[i].c);

		for (j = i, k = 0; j < n && p[j].c == p[i].c; j++)
			if (j == i || p[j].e != p[j - 1].e)
				m[k++] = p[j].e;
		if (c)
			e = push_cluster(d, c->id, c->medoid, c->frequency,
					 m, k);
	}
	free(m);
	return e;
}

int swarm_adapt_join_delta(const struct swarm_map *map,
			   const struct swarm_adapt_join *joins, size_t n,
			   struct swarm_map *delta)
{
	struct ec *p = malloc((n + 1) * sizeof(*p));
	size_t i;
	int e;

	memset(delta, 0, sizeof(*delta));
	if (!p)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		p[i] = (struct ec){ joins[i].entry, joins[i].cluster };
	e = pairs_delta(map, p, n, delta);
	free(p);
	if (e)
		swarm_map_free(delta);
	return e;
}

/* Is @e a member of cluster @c? */
static bool in_cluster(const struct index *ix, uint64_t e, uint32_t c)
{
	const struct span *sp = index_find(ix, e);
	uint64_t k;

	for (k = 0; sp && k < sp->n; k++)
		if (ix->pairs[sp->start + k].c == c)
			return true;
	return false;
}

int swarm_adapt_recluster_delta(const struct swarm_map *map, uint32_t nr,
				const uint64_t *first, const uint32_t *members,
				const uint32_t *medoid, const uint64_t *freq,
				struct swarm_map *delta,
				uint64_t *added_members,
				uint32_t *added_clusters)
{
	uint32_t nc = nr_ids(map), *ov = NULL, *touched = NULL, next = nc;
	struct ec *p = NULL;
	size_t np = 0, capp = 0;
	struct index ix;
	uint64_t *m = NULL;
	uint32_t k;
	int e;

	memset(delta, 0, sizeof(*delta));
	*added_members = 0;
	*added_clusters = 0;
	e = index_build(map, false, &ix);
	ov = calloc(nc + 1, sizeof(*ov));
	touched = malloc((nc + 1) * sizeof(*touched));
	if (e || !ov || !touched) {
		e = -ENOMEM;
		goto out;
	}
	for (k = 0; k < nr && !e; k++) {
		uint64_t i, n = first[k + 1] - first[k], un = 0, nt = 0, j;
		uint32_t best = UINT32_MAX;

		for (i = first[k]; i < first[k + 1]; i++) {
			const struct span *sp = index_find(&ix, members[i]);

			un += !sp;
			for (j = 0; sp && j < sp->n; j++) {
				uint32_t c = ix.pairs[sp->start + j].c;

				if (!ov[c]++)
					touched[nt++] = c;
			}
		}
		for (j = 0; j < nt; j++)
			if (best == UINT32_MAX || ov[touched[j]] > ov[best] ||
			    (ov[touched[j]] == ov[best] && touched[j] < best))
				best = touched[j];
		if (best != UINT32_MAX && 2 * (uint64_t)ov[best] > n) {
			for (i = first[k]; i < first[k + 1] && !e; i++) {
				if (in_cluster(&ix, members[i], best))
					continue;
				e = swarm_grow((void **)&p, &capp, np + 1,
					       sizeof(*p));
				if (!e)
					p[np++] = (struct ec){ members[i], best };
			}
		} else if (2 * un >= n) {
			free(m);
			m = malloc((n + 1) * sizeof(*m));
			if (!m) {
				e = -ENOMEM;
				break;
			}
			for (i = 0; i < n; i++)
				m[i] = members[first[k] + i];
			e = push_cluster(delta, next++, medoid[k],
					 freq ? freq[k] : 0, m, n);
			*added_members += n;
			(*added_clusters)++;
		}
		while (nt)
			ov[touched[--nt]] = 0;
	}
	if (!e && np) {
		struct swarm_map grow = { 0 };
		uint32_t i;

		e = pairs_delta(map, p, np, &grow);
		/* The grown clusters first, then the new ones. */
		for (i = 0; !e && i < delta->nr_clusters; i++) {
			const struct swarm_map_cluster *c = &delta->clusters[i];

			e = push_cluster(&grow, c->id, c->medoid, c->frequency,
					 delta->members + c->first,
					 c->nr_members);
		}
		for (i = 0; !e && i < grow.nr_clusters; i++)
			if (grow.clusters[i].id < nc)
				*added_members += grow.clusters[i].nr_members;
		swarm_map_free(delta);
		*delta = grow;
	}
out:
	index_free(&ix);
	free(ov);
	free(touched);
	free(p);
	free(m);
	if (e)
		swarm_map_free(delta);
	return e;
}

int swarm_adapt_refresh_delta(const struct swarm_map *map,
			      const struct swarm_trace *t,
			      const struct swarm_adapt_opts *o, double frac,
			      struct swarm_map *delta, uint64_t *stale,
			      uint32_t *refreshed)
{
	struct eval v = { 0 };
	uint64_t s, s0 = 0, i, k, *keep = NULL;
	uint32_t *cnt = NULL, *mread = NULL, c, next;
	int e;

	memset(delta, 0, sizeof(*delta));
	*stale = 0;
	*refreshed = 0;
	swarm_hmap_init(&v.watch, sizeof(struct watch));
	if (o->window && t->nr_steps > o->window)
		s0 = t->nr_steps - o->window;
	v.nc = nr_ids(map);
	next = v.nc;
	e = index_build(map, false, &v.mem);
	if (!e)
		e = index_build(map, true, &v.med);
	if (!e)
		e = medoid_steps(&v, t, s0);
	if (e)
		goto out;
	e = -ENOMEM;
	cnt = calloc(v.mem.n + 1, sizeof(*cnt));	/* per (member, cluster) */
	mread = calloc(v.nc + 1, sizeof(*mread));
	keep = malloc((map->nr_members + 1) * sizeof(*keep));
	if (!cnt || !mread || !keep)
		goto out;
	e = 0;
	for (s = s0; s < t->nr_steps; s++) {
		for (i = t->off[s]; i < t->off[s + 1]; i++) {
			const struct span *sp = index_find(&v.med, t->ids[i]);

			for (k = 0; sp && k < sp->n; k++)
				mread[v.med.pairs[sp->start + k].c] = 1;
		}
		for (i = t->off[s]; i < t->off[s + 1]; i++) {
			const struct span *sp = index_find(&v.mem, t->ids[i]);

			for (k = 0; sp && k < sp->n; k++)
				cnt[sp->start + k] +=
					mread[v.mem.pairs[sp->start + k].c];
		}
		for (i = t->off[s]; i < t->off[s + 1]; i++) {
			const struct span *sp = index_find(&v.med, t->ids[i]);

			for (k = 0; sp && k < sp->n; k++)
				mread[v.med.pairs[sp->start + k].c] = 0;
		}
	}
	for (c = 0; c < v.nc && !e; c++) {
		const struct swarm_map_cluster *cl = by_id(map, c);
		uint64_t ms = v.moff[c + 1] - v.moff[c], n = 0, out = 0;

		if (!cl || ms < o->min_co)
			continue;
		for (i = 0; i < cl->nr_members; i++) {
			uint64_t m = map->members[cl->first + i];
			const struct span *sp = index_find(&v.mem, m);

			for (k = 0; k < sp->n; k++)
				if (v.mem.pairs[sp->start + k].c == c)
					break;
			if (m != cl->medoid &&
			    (double)cnt[sp->start + k] < (1.0 - o->tau) * (double)ms)
				out++;
			else
				keep[n++] = m;
		}
		if (!out || (double)out <= frac * cl->nr_members)
			continue;
		e = push_cluster(delta, c, 0, 0, NULL, 0);
		if (!e)
			e = push_cluster(delta, next++, cl->medoid,
					 cl->frequency, keep, n);
		*stale += out;
		(*refreshed)++;
	}
	/* The drops first, then the new clusters in id order. */
	if (!e && delta->nr_clusters) {
		struct swarm_map sorted = { 0 };
		uint32_t j;
		int pass;

		for (pass = 0; pass < 2 && !e; pass++)
			for (j = 0; j < delta->nr_clusters && !e; j++) {
				const struct swarm_map_cluster *r = &delta->clusters[j];

				if (!r->nr_members == !pass)
					e = push_cluster(&sorted, r->id, r->medoid,
							 r->frequency,
							 delta->members + r->first,
							 r->nr_members);
			}
		swarm_map_free(delta);
		*delta = sorted;
	}
out:
	eval_free(&v);
	free(cnt);
	free(mread);
	free(keep);
	if (e)
		swarm_map_free(delta);
	return e;
}

int swarm_adapt_merge(const struct swarm_map *map,
		      const struct swarm_map *delta, struct swarm_map *out)
{
	uint32_t nb = nr_ids(map), ext = nb, i, id, *newid = NULL;
	const struct swarm_map_cluster **rec = NULL;
	int e = -ENOMEM;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < delta->nr_clusters; i++)
		if (delta->clusters[i].id >= ext)
			ext = delta->clusters[i].id + 1;
	rec = calloc(ext + 1, sizeof(*rec));
	newid = calloc(ext + 1, sizeof(*newid));
	if (!rec || !newid)
		goto out;
	for (i = 0; i < delta->nr_clusters; i++) {
		id = delta->clusters[i].id;
		if (rec[id]) {
			e = -EEXIST;
			goto out;
		}
		rec[id] = &delta->clusters[i];
	}
	for (id = nb; id < ext; id++)
		if (!rec[id] || !rec[id]->nr_members) {
			e = -ERANGE;	/* new ids follow the live ones */
			goto out;
		}
	e = 0;
	for (id = 0; id < ext && !e; id++) {
		const struct swarm_map_cluster *c = id < nb ? by_id(map, id) : NULL;
		const struct swarm_map_cluster *r = rec[id];
		uint64_t n = (c ? c->nr_members : 0) + (r ? r->nr_members : 0);
		uint64_t *m;

		newid[id] = UINT32_MAX;
		if ((r && !r->nr_members) || (!c && !r))
			continue;	/* dropped */
		m = malloc((n + 1) * sizeof(*m));
		if (!m) {
			e = -ENOMEM;
			break;
		}
		if (c)
			memcpy(m, map->members + c->first,
			       c->nr_members * sizeof(*m));
		if (r)
			memcpy(m + (c ? c->nr_members : 0),
			       delta->members + r->first,
			       r->nr_members * sizeof(*m));
		newid[id] = out->nr_clusters;
		e = push_cluster(out, out->nr_clusters, r ? r->medoid : c->medoid,
				 r ? r->frequency : c->frequency, m, n);
		free(m);
	}
	for (i = 0; !e && i < map->nr_weights + delta->nr_weights; i++) {
		const struct swarm_map_weight *w = i < map->nr_weights ?
			&map->weights[i] : &delta->weights[i - map->nr_weights];

		if (w->a >= ext || w->b >= ext || newid[w->a] == UINT32_MAX ||
		    newid[w->b] == UINT32_MAX)
			continue;
		if (swarm_grow((void **)&out->weights, &out->cap_weights,
			       out->nr_weights + 1, sizeof(*out->weights))) {
			e = -ENOMEM;
			break;
		}
		out->weights[out->nr_weights++] = (struct swarm_map_weight){
			.a = newid[w->a], .b = newid[w->b], .weight = w->weight,
		};
	}
out:
	free(rec);
	free(newid);
	if (e)
		swarm_map_free(out);
	return e;
}

int swarm_map_write(const struct swarm_map *map, const char *path,
		    const char *comment, char *err, size_t errlen)
{
	uint32_t id, nc = nr_ids(map), i;
	uint64_t k;
	char *tmp;
	FILE *f;
	int e;

	e = swarm_mapfile_create(path, comment, map->nr_clusters,
				 map->nr_members, map->nr_weights, &f, &tmp,
				 err, errlen);
	if (e)
		return e;
	for (id = 0; id < nc; id++) {
		const struct swarm_map_cluster *c = by_id(map, id);

		if (!c)
			continue;
		fprintf(f, "%" PRIu32 " %" PRIu64 " %" PRIu64, c->id, c->medoid,
			c->frequency);
		for (k = 0; k < c->nr_members; k++)
			fprintf(f, " %" PRIu64, map->members[c->first + k]);
		fputc('\n', f);
	}
	for (i = 0; i < map->nr_weights; i++)
		fprintf(f, "weight %" PRIu32 " %" PRIu32 " %" PRIu64 "\n",
			map->weights[i].a, map->weights[i].b,
			map->weights[i].weight);
	return swarm_mapfile_commit(f, tmp, path, err, errlen);
}
