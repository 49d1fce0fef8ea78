// SPDX-License-Identifier: GPL-2.0-only
/*
 * Phase 7 of the clustering (internal.h): each cluster's frequency (the
 * steps that read at least half of its members) and the cluster-to-
 * cluster weights (the steps that activate both), the steps split over
 * the threads; and the entry-to-clusters index (cluster.h).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/internal.h"
#include "lib/hmap.h"
#include "lib/util.h"

/* ---- Entry -> clusters ---- */

int swarm_entry_clusters(const struct swarm_clusters *c,
			 struct swarm_entry_clusters *ec)
{
	uint64_t n = c->nr_entries, i, *pos;
	uint32_t k;

	ec->off = calloc(n + 1, sizeof(*ec->off));
	ec->ids = malloc((c->first[c->nr] ? c->first[c->nr] : 1) *
			 sizeof(*ec->ids));
	pos = malloc((n + 1) * sizeof(*pos));
	if (!ec->off || !ec->ids || !pos) {
		free(pos);
		swarm_entry_clusters_free(ec);
		return -ENOMEM;
	}
	for (i = 0; i < c->first[c->nr]; i++)
		ec->off[c->members[i] + 1]++;
	for (i = 0; i < n; i++)
		ec->off[i + 1] += ec->off[i];
	memcpy(pos, ec->off, (n + 1) * sizeof(*pos));
	for (k = 0; k < c->nr; k++)
		for (i = c->first[k]; i < c->first[k + 1]; i++)
			ec->ids[pos[c->members[i]]++] = k;
	free(pos);
	return 0;
}

void swarm_entry_clusters_free(struct swarm_entry_clusters *ec)
{
	free(ec->off);
	free(ec->ids);
	ec->off = NULL;
	ec->ids = NULL;
}

/* ---- Frequencies and weights ---- */

static int cmp_weight(const void *a, const void *b)
{
	const struct swarm_cweight *x = a, *y = b;

	if (x->w != y->w)
		return x->w > y->w ? -1 : 1;
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	return x->b < y->b ? -1 : x->b > y->b;
}

static int cmp_weight_ab(const void *a, const void *b)
{
	const struct swarm_cweight *x = a, *y = b;

	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	return x->b < y->b ? -1 : x->b > y->b;
}

/*
 * One thread's share of the steps: the activations it sees and the
 * pairs of clusters they activate together. The shares are contiguous
 * ranges of steps and are merged in order.
 */
struct act_worker {
	const struct swarm_trace *t;
	const struct swarm_cluster_opts *o;
	const struct swarm_clusters *c;
	const struct swarm_entry_clusters *ec;
	uint64_t from, to;	/* steps */
	uint64_t *freq;		/* per cluster */
	struct swarm_hmap map;	/* a << 32 | b -> float weight */
	int error;
};

static void *activity_range(void *arg)
{
	struct act_worker *w = arg;
	const struct swarm_trace *t = w->t;
	const struct swarm_clusters *c = w->c;
	const struct swarm_entry_clusters *ec = w->ec;
	uint64_t m = cl_cap_entries(w->o->pair_cap), s, i, j;
	uint32_t *hits = calloc(c->nr ? c->nr : 1, sizeof(*hits));
	uint32_t *touched = malloc((c->nr ? c->nr : 1) * sizeof(*touched));
	uint32_t *act = malloc((c->nr ? c->nr : 1) * sizeof(*act));

	w->freq = calloc(c->nr ? c->nr : 1, sizeof(*w->freq));
	if (!hits || !touched || !act || !w->freq) {
		w->error = -ENOMEM;
		goto out;
	}
	for (s = w->from; s < w->to; s++) {
		uint64_t nt = 0, na = 0;
		float wt;

		for (i = t->off[s]; i < t->off[s + 1]; i++) {
			uint32_t id = t->ids[i];

			for (j = ec->off[id]; j < ec->off[id + 1]; j++) {
				uint32_t k = ec->ids[j];

				if (!hits[k]++)
					touched[nt++] = k;
			}
		}
		for (i = 0; i < nt; i++) {
			uint32_t k = touched[i];

			if (2ULL * hits[k] >= c->first[k + 1] - c->first[k]) {
				w->freq[k]++;
				act[na++] = k;
			}
			hits[k] = 0;
		}
		if (na < 2)
			continue;
		qsort(act, na, sizeof(*act), cmp_u32);
		na = cl_sample(act, na, m, w->o->seed + 1, s, &wt);
		for (i = 0; i + 1 < na; i++) {
			for (j = i + 1; j < na; j++) {
				float *v = swarm_hmap_get(&w->map,
					(uint64_t)act[i] << 32 | act[j], NULL);

				if (!v) {
					w->error = -ENOMEM;
					goto out;
				}
				*v += wt;
			}
		}
	}
out:
	free(hits);
	free(touched);
	free(act);
	return NULL;
}

/* Run activity_range() over @nt threads' shares of the steps. */
static int act_threads(struct act_worker *ws, pthread_t *th, unsigned int nt,
		       const struct swarm_trace *t,
		       const struct swarm_cluster_opts *o,
		       const struct swarm_clusters *c,
		       const struct swarm_entry_clusters *ec)
{
	unsigned int i;
	int e = 0;

	for (i = 0; i < nt; i++) {
		ws[i] = (struct act_worker){
			.t = t, .o = o, .c = c, .ec = ec,
			.from = t->nr_steps * i / nt,
			.to = t->nr_steps * (i + 1) / nt,
		};
		swarm_hmap_init(&ws[i].map, sizeof(float));
		if (i && pthread_create(&th[i], NULL, activity_range, &ws[i]))
			ws[i].error = -EAGAIN;
	}
	activity_range(&ws[0]);
	for (i = 1; i < nt; i++) {
		if (ws[i].error != -EAGAIN)
			pthread_join(th[i], NULL);
		else
			activity_range(&ws[i]);
	}
	for (i = 0; i < nt; i++)
		if (ws[i].error && ws[i].error != -EAGAIN)
			e = ws[i].error;
	return e;
}

/* The shares merged, in order, into the first one's; c->freq its. */
static int act_merge(struct act_worker *ws, unsigned int nt,
		     struct swarm_clusters *c)
{
	struct swarm_hmap *map = &ws[0].map;
	unsigned int th_i;
	uint64_t i, key;
	size_t pos;
	float *v;

	c->freq = ws[0].freq;
	ws[0].freq = NULL;
	for (th_i = 1; th_i < nt; th_i++) {
		struct swarm_hmap *mt = &ws[th_i].map;

		for (i = 0; i < c->nr; i++)
			c->freq[i] += ws[th_i].freq[i];
		pos = 0;
		while ((v = swarm_hmap_next(mt, &pos, &key))) {
			float *d = swarm_hmap_get(map, key, NULL);

			if (!d)
				return -ENOMEM;
			*d += *v;
		}
		swarm_hmap_free(mt);
	}
	return 0;
}

/*
 * The weights of @map, rounded, at least weight_min; per cluster the
 * weight_topk heaviest (a pair stays while either cluster has room);
 * sorted by cluster pair into c->weights.
 */
static int pick_weights(const struct swarm_hmap *map,
			const struct swarm_cluster_opts *o,
			struct swarm_clusters *c)
{
	uint32_t *kept = calloc(c->nr ? c->nr : 1, sizeof(*kept));
	struct swarm_cweight *w = malloc((map->n ? map->n : 1) * sizeof(*w));
	uint64_t i, j, nw = 0, key;
	size_t pos = 0;
	const float *val;

	if (!kept || !w) {
		free(kept);
		free(w);
		return -ENOMEM;
	}
	while ((val = swarm_hmap_next(map, &pos, &key))) {
		uint64_t v = (uint64_t)llround(*val);

		if (v < o->weight_min || !v)
			continue;
		w[nw++] = (struct swarm_cweight){ key >> 32, (uint32_t)key, v };
	}
	qsort(w, nw, sizeof(*w), cmp_weight);
	for (i = j = 0; i < nw; i++) {
		if (kept[w[i].a] >= o->weight_topk &&
		    kept[w[i].b] >= o->weight_topk)
			continue;
		kept[w[i].a]++;
		kept[w[i].b]++;
		w[j++] = w[i];
	}
	nw = j;
	qsort(w, nw, sizeof(*w), cmp_weight_ab);
	c->weights = w;
	c->nr_weights = nw;
	free(kept);
	return 0;
}

/*
 * Frequencies and weights, the steps split over the threads. A weight
 * is a sum of the steps' pair weights, rounded. The pair weight is 1
 * unless a step activates more than the pair cap allows, so the sums are
 * exact and the same for any number of threads; only sampled steps'
 * fractional weights can round differently.
 */
int cl_weights(const struct swarm_trace *t,
	       const struct swarm_cluster_opts *o, struct swarm_clusters *c)
{
	unsigned int nt = o->threads ? o->threads : 1, i;
	struct swarm_entry_clusters ec = { 0 };
	struct act_worker *ws = calloc(nt, sizeof(*ws));
	pthread_t *th = calloc(nt, sizeof(*th));
	int e = -ENOMEM;

	if (!ws || !th || swarm_entry_clusters(c, &ec))
		goto out;
	e = act_threads(ws, th, nt, t, o, c, &ec);
	if (!e)
		e = act_merge(ws, nt, c);
	if (!e)
		e = pick_weights(&ws[0].map, o, c);
out:
	for (i = 0; ws && i < nt; i++) {
		swarm_hmap_free(&ws[i].map);
		free(ws[i].freq);
	}
	free(ws);
	free(th);
	swarm_entry_clusters_free(&ec);
	return e;
}
