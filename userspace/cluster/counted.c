// SPDX-License-Identifier: GPL-2.0-only
/*
 * Phase 1 of the clustering (internal.h): the steps as counted. Steps
 * with more entries than the pair cap allows are sampled, their pairs
 * weighted; usually none is, and the trace's own ids are used. Then the
 * inverted index: per entry, the counted steps that read it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/internal.h"
#include "lib/util.h"

/* The largest m with m (m - 1) / 2 <= cap. */
uint64_t cl_cap_entries(uint64_t cap)
{
	uint64_t m = (uint64_t)((1 + sqrt(1 + 8.0 * cap)) / 2);

	while (m > 2 && m * (m - 1) / 2 > cap)
		m--;
	while ((m + 1) * m / 2 <= cap)
		m++;
	return m < 2 ? 2 : m;
}

/*
 * Keep at most @m of the @k ids in @l (sorted), a uniform sample seeded
 * by @seed and @step; return how many are kept, and in *w the weight of
 * each kept pair (1, or k (k - 1) / (m (m - 1)) when sampled).
 */
uint64_t cl_sample(uint32_t *l, uint64_t k, uint64_t m, uint64_t seed,
		   uint64_t step, float *w)
{
	struct swarm_rng rng;
	uint64_t i;

	*w = 1;
	if (k <= m)
		return k;
	swarm_rng_seed(&rng, seed ^ mix64(step + 1));
	for (i = 0; i < m; i++) {
		uint64_t j = i + swarm_rng_below(&rng, k - i);
		uint32_t t = l[i];

		l[i] = l[j];
		l[j] = t;
	}
	qsort(l, m, sizeof(*l), cmp_u32);
	*w = (float)((double)k * (k - 1) / ((double)m * (m - 1)));
	return m;
}

void cl_counted_free(struct counted *cs)
{
	free(cs->off);
	if (!cs->shared)
		free(cs->ids);
	free(cs->w);
	free(cs->ioff);
	free(cs->isteps);
	memset(cs, 0, sizeof(*cs));
}

int cl_counted_build(const struct swarm_trace *t,
		     const struct swarm_cluster_opts *o, const uint32_t *f,
		     struct counted *cs)
{
	uint64_t m = cl_cap_entries(o->pair_cap), n = t->nr_entries, s, i, k;
	uint64_t *pos;

	/*
	 * Usually no step is sampled: then the trace's ids are used as they
	 * are, no copy (400 MiB at 10^8 reads); the entries read in fewer
	 * than min_count steps are skipped where pairs are counted instead.
	 */
	cs->shared = true;
	for (s = 0; s < t->nr_steps && cs->shared; s++)
		if (t->off[s + 1] - t->off[s] > m)
			cs->shared = false;
	cs->nr_steps = t->nr_steps;
	cs->off = malloc((t->nr_steps + 1) * sizeof(*cs->off));
	cs->ids = cs->shared ? t->ids :
		  malloc((t->nr_reads ? t->nr_reads : 1) * sizeof(*cs->ids));
	cs->w = malloc((t->nr_steps ? t->nr_steps : 1) * sizeof(*cs->w));
	cs->ioff = calloc(n + 1, sizeof(*cs->ioff));
	if (!cs->off || !cs->ids || !cs->w || !cs->ioff)
		return -ENOMEM;
	cs->off[0] = 0;
	for (s = k = 0; s < t->nr_steps; s++) {
		uint32_t *l = cs->ids + k;
		uint64_t nl = 0;

		if (cs->shared) {
			nl = t->off[s + 1] - t->off[s];
			cs->w[s] = 1;
		} else {
			for (i = t->off[s]; i < t->off[s + 1]; i++)
				if (f[t->ids[i]] >= o->min_count)
					l[nl++] = t->ids[i];
		}
		if (cs->shared) {
			/* as read: a step of one entry has no pairs */
		} else if (nl < 2) {
			nl = 0;
			cs->w[s] = 0;
		} else {
			nl = cl_sample(l, nl, m, o->seed, s, &cs->w[s]);
		}
		k += nl;
		cs->off[s + 1] = k;
		for (i = 0; i < nl; i++)
			cs->ioff[l[i] + 1]++;
	}
	for (i = 0; i < n; i++)
		cs->ioff[i + 1] += cs->ioff[i];
	cs->isteps = malloc((k ? k : 1) * sizeof(*cs->isteps));
	pos = malloc((n + 1) * sizeof(*pos));
	if (!cs->isteps || !pos) {
		free(pos);
		return -ENOMEM;
	}
	memcpy(pos, cs->ioff, (n + 1) * sizeof(*pos));
	for (s = 0; s < t->nr_steps; s++)
		for (i = cs->off[s]; i < cs->off[s + 1]; i++)
			cs->isteps[pos[cs->ids[i]]++] = s;
	free(pos);
	return 0;
}
