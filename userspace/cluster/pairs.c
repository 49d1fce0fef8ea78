// SPDX-License-Identifier: GPL-2.0-only
/*
 * Phase 2 of the clustering (internal.h): the rows, each entry's K
 * nearest neighbours (opts->neighbours), found in two stages so that the
 * work per entry does not grow with the square of the step size:
 *
 *  1. Candidates: the entries read with a in up to cand_steps of a's
 *     counted steps (all of them if a has no more, else evenly spaced
 *     ones), counted in a byte per entry; a candidate is seen there at
 *     least min_pair times (at most twice when a's steps are sampled, as a
 *     partner with P >= 0.1 is expected about 0.1 * cand_steps times).
 *  2. The row: f(a,b) estimated from those counts (scaled when not all
 *     of a's steps were scanned); the pair is an edge if seen in
 *     >= min_pair steps and d <= keep; the K nearest are kept.
 *
 * Threads take blocks of WORK_BLOCK entries; each entry's row is its own,
 * so the rows do not depend on the number of threads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/internal.h"

#define WORK_BLOCK	256

struct worker {
	const struct swarm_trace *t;
	const struct swarm_cluster_opts *o;
	const struct counted *cs;
	const uint32_t *f;
	uint64_t *next;		/* shared: next block of entries */
	pthread_mutex_t *lock;
	unsigned int id;
	uint32_t cand_steps;	/* steps scanned for candidates */
	bool weighted;		/* some step sampled: weights are not 1 */
	struct rows *r;		/* shared: each entry's row its own */
	uint64_t nr_pairs;
	int error;
};

/*
 * One thread's counters, one per entry: a byte when at most 255 steps
 * are scanned (the usual case at scale: half the cache footprint), else
 * 16 bits; @acc the sums of the step weights when some step was sampled.
 * Most candidates are seen once and need twice: when every step weighs
 * 1, a bit per entry (128 KiB per million, cache-resident) marks the
 * first sighting and only the second one touches the counters; they then
 * count the sightings after the first.
 */
struct pair_scratch {
	uint8_t *h8;
	uint16_t *hits;
	float *acc;
	uint32_t *touched;	/* the entries with a count */
	uint64_t *bits;
	struct edge *cand;
	size_t cap_c;
};

static int scratch_alloc(const struct worker *w, struct pair_scratch *s)
{
	uint64_t n = w->t->nr_entries;
	uint32_t L = w->cand_steps;
	bool fast;

	s->h8 = L <= UINT8_MAX ? calloc(n ? n : 1, 1) : NULL;
	s->hits = s->h8 ? NULL : calloc(n ? n : 1, sizeof(*s->hits));
	s->acc = w->weighted ? calloc(n ? n : 1, sizeof(*s->acc)) : NULL;
	s->touched = malloc((n ? n : 1) * sizeof(*s->touched));
	fast = s->h8 && !s->acc && w->o->min_pair >= 2 && !w->o->plain_count;
	s->bits = fast ? calloc(n / 64 + 1, sizeof(*s->bits)) : NULL;
	if ((!s->hits && !s->h8) || (w->weighted && !s->acc) || !s->touched ||
	    (fast && !s->bits))
		return -ENOMEM;
	return 0;
}

static void scratch_free(struct pair_scratch *s)
{
	free(s->bits);
	free(s->h8);
	free(s->hits);
	free(s->acc);
	free(s->touched);
	free(s->cand);
}

/* The next block of entries, [*a, *end); false when all are taken. */
static bool next_block(struct worker *w, uint64_t *a, uint64_t *end)
{
	uint64_t n = w->t->nr_entries;

	pthread_mutex_lock(w->lock);
	*a = *w->next;
	*w->next = *a + WORK_BLOCK < n ? *a + WORK_BLOCK : n;
	*end = *w->next;
	pthread_mutex_unlock(w->lock);
	return *a < n;
}

/*
 * Count the entries read in @used of the @fa counted steps of an entry
 * (from ioff @lo, evenly spaced): returns how many have a count in
 * s->touched, and in *distinct how many were seen at all.
 */
static uint64_t count_candidates(const struct worker *w,
				 struct pair_scratch *s, uint64_t lo,
				 uint64_t fa, uint64_t used, uint64_t *distinct)
{
	const struct counted *cs = w->cs;
	uint8_t *h8 = s->h8;
	uint16_t *hits = s->hits;
	float *acc = s->acc;
	uint32_t *touched = s->touched;
	uint64_t *bits = s->bits;
	uint64_t j, y, nt = 0;

	*distinct = 0;
	for (j = 0; j < used; j++) {
		uint32_t st = cs->isteps[lo + j * fa / used];
		float ws = cs->w[st];

		for (y = cs->off[st]; bits && y < cs->off[st + 1]; y++) {
			uint32_t b = cs->ids[y];
			uint64_t *word = &bits[b / 64];
			uint64_t bit = 1ULL << (b % 64);

			if (!(*word & bit)) {
				*word |= bit;
				(*distinct)++;
			} else if (!h8[b]++) {
				touched[nt++] = b;
			}
		}
		for (y = cs->off[st]; !bits && h8 && y < cs->off[st + 1]; y++) {
			uint32_t b = cs->ids[y];

			if (!h8[b]++)
				touched[nt++] = b;
			if (acc)
				acc[b] += ws;
		}
		for (y = cs->off[st]; hits && y < cs->off[st + 1]; y++) {
			uint32_t b = cs->ids[y];

			if (!hits[b]++)
				touched[nt++] = b;
			if (acc)
				acc[b] += ws;
		}
	}
	/* clear the bits: the words of the same reads */
	for (j = 0; bits && j < used; j++) {
		uint32_t st = cs->isteps[lo + j * fa / used];

		for (y = cs->off[st]; y < cs->off[st + 1]; y++)
			bits[cs->ids[y] / 64] = 0;
	}
	if (!bits)
		*distinct = nt;
	return nt;
}

/*
 * The @nt counted candidates of entry @a that pass as edges, into
 * s->cand (their counts cleared): how many, or -ENOMEM.
 */
static int64_t keep_candidates(const struct worker *w, struct pair_scratch *s,
			       uint64_t a, uint64_t nt, double scale,
			       uint32_t need)
{
	const struct swarm_cluster_opts *o = w->o;
	uint8_t *h8 = s->h8;
	uint16_t *hits = s->hits;
	float *acc = s->acc;
	uint64_t j, nc = 0;

	if (nt > s->cap_c) {
		struct edge *p = realloc(s->cand, nt * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->cand = p;
		s->cap_c = nt;
	}
	for (j = 0; j < nt; j++) {
		uint32_t b = s->touched[j];
		uint32_t seen = h8 ? h8[b] + !!s->bits : hits[b];
		double fab = (acc ? acc[b] : seen) * scale;
		float d;

		if (h8)
			h8[b] = 0;
		else
			hits[b] = 0;
		if (acc)
			acc[b] = 0;
		if (seen < need || b == a || w->f[b] < o->min_count)
			continue;
		d = cl_distance(o, fab, w->f[a], w->f[b], w->t->nr_steps);
		if (d > w->r->keep)
			continue;
		s->cand[nc++] = (struct edge){ d, b };
	}
	return (int64_t)nc;
}

/* Entry @a's row: its @nc candidates' K nearest, sorted. */
static void store_row(const struct worker *w, struct pair_scratch *s,
		      uint64_t a, uint64_t nc)
{
	struct rows *r = w->r;

	if (nc > r->k) {
		cl_select_nearest(s->cand, nc, r->k);
		nc = r->k;
	}
	qsort(s->cand, nc, sizeof(*s->cand), cl_cmp_edge);
	memcpy(r->e + a * r->k, s->cand, nc * sizeof(*s->cand));
	r->deg[a] = nc;
}

/* Entry @a's row; 0 or -ENOMEM. */
static int entry_row(struct worker *w, struct pair_scratch *s, uint64_t a)
{
	const struct counted *cs = w->cs;
	const struct swarm_cluster_opts *o = w->o;
	uint64_t lo = cs->ioff[a], fa = cs->ioff[a + 1] - lo;
	uint64_t nt, used, distinct;
	uint32_t need = o->min_pair ? o->min_pair : 1;
	double scale;
	int64_t nc;

	if (fa == 0 || w->f[a] < o->min_count)
		return 0;
	used = fa < w->cand_steps ? fa : w->cand_steps;
	scale = (double)fa / used;
	/* seen twice in the sample: see the comment at the top */
	if (used < fa && need > 2)
		need = 2;
	nt = count_candidates(w, s, lo, fa, used, &distinct);
	nc = keep_candidates(w, s, a, nt, scale, need);
	if (nc < 0)
		return (int)nc;
	w->nr_pairs += distinct - 1;
	store_row(w, s, a, (uint64_t)nc);
	return 0;
}

static void *count_rows(void *arg)
{
	struct worker *w = arg;
	uint64_t n = w->t->nr_entries, a, end;
	struct pair_scratch s = { 0 };

	w->error = scratch_alloc(w, &s);
	while (!w->error && next_block(w, &a, &end)) {
		if (w->o->progress && !w->id)
			w->o->progress("pairs", (double)a / n);
		for (; a < end && !w->error; a++)
			w->error = entry_row(w, &s, a);
	}
	scratch_free(&s);
	return NULL;
}

/*
 * Candidates from about cand_reads reads per entry (8 to 65535 steps),
 * or more while the whole scan stays within cand_total reads: small
 * traces are counted exactly.
 */
static uint32_t cand_steps(const struct swarm_cluster_opts *o,
			   const struct counted *cs, uint64_t n)
{
	uint64_t r, i, budget, steps;

	for (r = 0, i = 0; r < n; r++)
		i += cs->ioff[r + 1] > cs->ioff[r];
	budget = o->cand_reads ? o->cand_reads : 8192;
	if (i && o->cand_total / i > budget)
		budget = o->cand_total / i;
	r = cs->off[cs->nr_steps];
	steps = r ? budget * cs->nr_steps / r : 65535;
	return steps < 8 ? 8 : steps > 65535 ? 65535 : steps;
}

/* Some step with pairs was sampled: its pairs weigh more than 1. */
static bool weighted(const struct counted *cs)
{
	bool wt = false;
	uint64_t s;

	for (s = 0; s < cs->nr_steps; s++)
		wt |= cs->w[s] != 1 && cs->off[s + 1] > cs->off[s];
	return wt;
}

int cl_count_pairs(const struct swarm_trace *t,
		   const struct swarm_cluster_opts *o, const struct counted *cs,
		   const uint32_t *f, struct rows *r, uint64_t *nr_pairs)
{
	unsigned int nr = o->threads ? o->threads : 1, i;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	uint64_t n = t->nr_entries, next = 0;
	uint32_t steps = cand_steps(o, cs, n);
	bool wt = weighted(cs);
	struct worker *ws = calloc(nr, sizeof(*ws));
	pthread_t *th = calloc(nr, sizeof(*th));
	int e = -ENOMEM;

	r->k = o->neighbours ? o->neighbours : 128;
	if (r->k > MAX_CLUSTER_SIZE)
		r->k = MAX_CLUSTER_SIZE;
	r->keep = o->keep > 0 ? o->keep : 1.0f;
	r->e = malloc((n ? n : 1) * r->k * sizeof(*r->e));
	r->deg = calloc(n ? n : 1, sizeof(*r->deg));
	if (!ws || !th || !r->e || !r->deg)
		goto out;
	for (i = 0; i < nr; i++) {
		ws[i] = (struct worker){
			.t = t, .o = o, .cs = cs, .f = f, .next = &next,
			.lock = &lock, .id = i, .r = r,
			.cand_steps = steps, .weighted = wt,
		};
		if (i && pthread_create(&th[i], NULL, count_rows, &ws[i]))
			ws[i].error = -EAGAIN;
	}
	count_rows(&ws[0]);
	for (i = 1; i < nr; i++)
		if (ws[i].error != -EAGAIN)
			pthread_join(th[i], NULL);
	e = 0;
	for (i = 0; i < nr; i++) {
		if (ws[i].error && ws[i].error != -EAGAIN)
			e = ws[i].error;
		*nr_pairs += ws[i].nr_pairs;
	}
out:
	free(ws);
	free(th);
	return e;
}
