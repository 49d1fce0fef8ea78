// SPDX-License-Identifier: GPL-2.0-only
/*
 * Offline co-activation clustering: the paper's Algorithm 1 on a sparse
 * co-activation graph. See userspace/CLUSTERING.md for the definitions.
 *
 *  1. f(e): steps that read e (exact).
 *  2. f(a,b): per entry a (threads take blocks of entries), the entries
 *     read in up to cand_steps of a's steps, counted in a 16-bit counter
 *     per entry (exact when all of a's steps are scanned, else scaled).
 *  3. The graph: each entry's K nearest (d = 1 - P(a,b) <= keep, seen in
 *     >= min_pair steps); CSR, each row sorted by distance.
 *  4. Algorithm 1: density-ordered medoids, clusters grown while the
 *     average distance to the members stays <= tau.
 *  5. Frequencies and cluster-to-cluster weights from a second pass.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "seterr.h"

/* The kernel's DM_SWARM_MAX_CLUSTER_SIZE. */
#define MAX_CLUSTER_SIZE	(1U << 20)
#define EMPTY_KEY		UINT64_MAX

void swarm_cluster_defaults(struct swarm_cluster_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->tau = 0.4;
	o->max_size = 256;
	o->min_size = 2;
	o->pair_cap = 1 << 20;
	o->min_count = 2;
	o->min_pair = 2;
	o->norm = SWARM_NORM_MIN;
	o->excess = true;
	o->shrink = 2;
	o->refine = true;
	o->keep = 0.9;
	o->weight_min = 2;
	o->weight_topk = 8;
	o->seed = 1;
	o->threads = 1;
	o->neighbours = 128;
	o->cand_reads = 8192;
	o->cand_total = 1ULL << 31;
}

/* ---- Phase timing (opts->timing) ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * Print the seconds since *@t0, the CPU seconds of the process since the
 * previous phase (all threads) and the peak RSS so far; restart the clock.
 */
static void phase_done(const struct swarm_cluster_opts *o, const char *name,
		       double *t0)
{
	static double cpu0;	/* timing is for one run at a time */
	struct rusage ru;
	double t = now_s(), cpu = cpu_s();

	if (!o->timing)
		return;
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "phase %-10s %7.2f s  CPU %7.2f s  peak RSS %6.0f MiB\n",
		name, t - *t0, cpu - cpu0, ru.ru_maxrss / 1024.0);
	*t0 = t;
	cpu0 = cpu;
}

/* ---- A hash map of pairs: (a << 32 | b) -> weight ---- */

struct pmap {
	uint64_t *keys;
	float *vals;
	size_t cap, n;
};

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static int pmap_resize(struct pmap *m, size_t cap)
{
	uint64_t *k = malloc(cap * sizeof(*k));
	float *v = malloc(cap * sizeof(*v));
	size_t i, j;

	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	memset(k, 0xff, cap * sizeof(*k));
	for (i = 0; i < m->cap; i++) {
		if (m->keys[i] == EMPTY_KEY)
			continue;
		j = mix64(m->keys[i]) & (cap - 1);
		while (k[j] != EMPTY_KEY)
			j = (j + 1) & (cap - 1);
		k[j] = m->keys[i];
		v[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = k;
	m->vals = v;
	m->cap = cap;
	return 0;
}

static inline int pmap_add(struct pmap *m, uint64_t key, float w)
{
	size_t i;

	if ((m->n + 1) * 4 > m->cap * 3) {
		int e = pmap_resize(m, m->cap ? m->cap * 2 : 1 << 12);

		if (e)
			return e;
	}
	i = mix64(key) & (m->cap - 1);
	for (;;) {
		uint64_t k = m->keys[i];

		if (k == key) {
			m->vals[i] += w;
			return 0;
		}
		if (k == EMPTY_KEY)
			break;
		i = (i + 1) & (m->cap - 1);
	}
	m->keys[i] = key;
	m->vals[i] = w;
	m->n++;
	return 0;
}

static void pmap_free(struct pmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* ---- Per-step sampling ---- */

/* The largest m with m (m - 1) / 2 <= cap. */
static uint64_t cap_entries(uint64_t cap)
{
	uint64_t m = (uint64_t)((1 + sqrt(1 + 8.0 * cap)) / 2);

	while (m > 2 && m * (m - 1) / 2 > cap)
		m--;
	while ((m + 1) * m / 2 <= cap)
		m++;
	return m < 2 ? 2 : m;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Keep at most @m of the @k ids in @l (sorted), a uniform sample seeded
 * by @seed and @step; return how many are kept, and in *w the weight of
 * each kept pair (1, or k (k - 1) / (m (m - 1)) when sampled).
 */
static uint64_t sample(uint32_t *l, uint64_t k, uint64_t m, uint64_t seed,
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

/* ---- Pair counting ---- */

/*
 * The steps as counted: entries read in >= min_count steps, at most
 * cap_entries(pair_cap) of them per step (a uniform sample), each step
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

static void counted_free(struct counted *cs)
{
	free(cs->off);
	if (!cs->shared)
		free(cs->ids);
	free(cs->w);
	free(cs->ioff);
	free(cs->isteps);
	memset(cs, 0, sizeof(*cs));
}

static int build_counted(const struct swarm_trace *t,
			 const struct swarm_cluster_opts *o, const uint32_t *f,
			 struct counted *cs)
{
	uint64_t m = cap_entries(o->pair_cap), n = t->nr_entries, s, i, k;
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
			nl = sample(l, nl, m, o->seed, s, &cs->w[s]);
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

static float distance(const struct swarm_cluster_opts *o, double fab,
		      uint32_t fa, uint32_t fb, uint64_t steps)
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
 * The graph: each entry's K nearest neighbours (opts->neighbours), found
 * in two stages so that the work per entry does not grow with the square
 * of the step size:
 *
 *  1. Candidates: the entries read with a in up to opts->cand_steps of
 *     a's counted steps (all of them if a has no more, else evenly spaced
 *     ones), counted in a byte per entry; a candidate is seen there at
 *     least min_pair times (at most twice when a's steps are sampled, as a
 *     partner with P >= 0.1 is expected about 0.1 * cand_steps times).
 *  2. Verification: f(a,b) exactly, by looking up each of b's counted
 *     steps in a per-step mark of a's steps; the pair is an edge if seen in
 *     >= min_pair steps and d <= keep; the K nearest are kept.
 *
 * Each entry's row is its own K nearest, so the graph is directed (b may
 * be in a's row and not a in b's); a missing edge counts as distance 1.
 */
struct edge {
	float d;
	uint32_t to;
};

struct worker {
	const struct swarm_trace *t;
	const struct swarm_cluster_opts *o;
	const struct counted *cs;
	const uint32_t *f;
	uint64_t *next;		/* shared: next block of entries */
	pthread_mutex_t *lock;
	unsigned int id;
	float keep;		/* largest distance kept */
	uint32_t k;		/* neighbours kept per entry */
	uint32_t cand_steps;	/* steps scanned for candidates */
	bool weighted;		/* some step sampled: weights are not 1 */
	struct edge *rows;	/* shared: k slots per entry */
	uint32_t *deg;		/* shared: used slots per entry */
	uint64_t nr_pairs;
	int error;
};

#define WORK_BLOCK	256

static int cmp_edge(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return x->to < y->to ? -1 : x->to > y->to;
}

static inline bool edge_less(const struct edge *x, const struct edge *y)
{
	return x->d < y->d || (x->d == y->d && x->to < y->to);
}

/*
 * Move the @k nearest of the @n edges in @e to the front (in any order):
 * quickselect, as a row's candidates can be thousands (an entry read
 * with hot entries) and only k of them are kept.
 */
static void select_nearest(struct edge *e, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		struct edge pivot = e[lo + (hi - lo) / 2], t;
		size_t i = lo, j = hi;

		while (i <= j) {
			while (edge_less(&e[i], &pivot))
				i++;
			while (edge_less(&pivot, &e[j]))
				j--;
			if (i <= j) {
				t = e[i];
				e[i] = e[j];
				e[j] = t;
				i++;
				if (!j)
					break;
				j--;
			}
		}
		/* now e[lo..j] <= pivot <= e[i..hi] */
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
}

static void *count_pairs(void *arg)
{
	struct worker *w = arg;
	const struct counted *cs = w->cs;
	const struct swarm_cluster_opts *o = w->o;
	uint64_t n = w->t->nr_entries, a, end;
	uint32_t L = w->cand_steps;
	/*
	 * A count is at most the steps scanned: a byte per entry when that
	 * is <= 255 (the usual case at scale: half the cache footprint).
	 */
	uint8_t *h8 = L <= UINT8_MAX ? calloc(n ? n : 1, 1) : NULL;
	uint16_t *hits = h8 ? NULL : calloc(n ? n : 1, sizeof(*hits));
	float *acc = w->weighted ? calloc(n ? n : 1, sizeof(*acc)) : NULL;
	uint32_t *touched = malloc((n ? n : 1) * sizeof(*touched));
	/*
	 * Most candidates are seen once and need twice: when every step
	 * weighs 1, a bit per entry (128 KiB per million, cache-resident)
	 * marks the first sighting and only the second one touches the
	 * counters; they then count the sightings after the first.
	 */
	bool fast = h8 && !acc && o->min_pair >= 2 && !o->plain_count;
	uint64_t *bits = fast ? calloc(n / 64 + 1, sizeof(*bits)) : NULL;
	struct edge *cand = NULL;
	size_t cap_c = 0;

	if ((!hits && !h8) || (w->weighted && !acc) || !touched ||
	    (fast && !bits)) {
		w->error = -ENOMEM;
		goto out;
	}
	for (;;) {
		pthread_mutex_lock(w->lock);
		a = *w->next;
		*w->next = a + WORK_BLOCK < n ? a + WORK_BLOCK : n;
		end = *w->next;
		pthread_mutex_unlock(w->lock);
		if (a >= n)
			break;
		if (o->progress && !w->id)
			o->progress("pairs", (double)a / n);
		for (; a < end; a++) {
			uint64_t lo = cs->ioff[a], fa = cs->ioff[a + 1] - lo;
			uint64_t j, y, nt = 0, nc = 0, used, distinct = 0;
			uint32_t need = o->min_pair ? o->min_pair : 1;
			double scale;

			if (fa == 0 || w->f[a] < o->min_count)
				continue;
			used = fa < L ? fa : L;
			scale = (double)fa / used;
			/* seen twice in the sample: see the comment above */
			if (used < fa && need > 2)
				need = 2;
			for (j = 0; j < used; j++) {
				uint32_t s = cs->isteps[lo + j * fa / used];
				float ws = cs->w[s];

				for (y = cs->off[s]; bits && y < cs->off[s + 1];
				     y++) {
					uint32_t b = cs->ids[y];
					uint64_t *word = &bits[b / 64];
					uint64_t bit = 1ULL << (b % 64);

					if (!(*word & bit)) {
						*word |= bit;
						distinct++;
					} else if (!h8[b]++) {
						touched[nt++] = b;
					}
				}
				for (y = cs->off[s];
				     !bits && h8 && y < cs->off[s + 1]; y++) {
					uint32_t b = cs->ids[y];

					if (!h8[b]++)
						touched[nt++] = b;
					if (acc)
						acc[b] += ws;
				}
				for (y = cs->off[s]; hits && y < cs->off[s + 1];
				     y++) {
					uint32_t b = cs->ids[y];

					if (!hits[b]++)
						touched[nt++] = b;
					if (acc)
						acc[b] += ws;
				}
			}
			/* clear the bits: the words of the same reads */
			for (j = 0; bits && j < used; j++) {
				uint32_t s = cs->isteps[lo + j * fa / used];

				for (y = cs->off[s]; y < cs->off[s + 1]; y++)
					bits[cs->ids[y] / 64] = 0;
			}
			if (!bits)
				distinct = nt;
			if (nt > cap_c) {
				struct edge *p = realloc(cand, nt * sizeof(*p));

				if (!p) {
					w->error = -ENOMEM;
					goto out;
				}
				cand = p;
				cap_c = nt;
			}
			w->nr_pairs += distinct - 1;
			for (j = 0; j < nt; j++) {
				uint32_t b = touched[j];
				uint32_t seen = h8 ? h8[b] + !!bits : hits[b];
				double fab = (acc ? acc[b] : seen) * scale;
				float d;

				if (h8)
					h8[b] = 0;
				else
					hits[b] = 0;
				if (acc)
					acc[b] = 0;
				if (seen < need || b == a ||
				    w->f[b] < o->min_count)
					continue;
				d = distance(o, fab, w->f[a], w->f[b],
					     w->t->nr_steps);
				if (d > w->keep)
					continue;
				cand[nc++] = (struct edge){ d, b };
			}
			if (nc > w->k) {
				select_nearest(cand, nc, w->k);
				nc = w->k;
			}
			qsort(cand, nc, sizeof(*cand), cmp_edge);
			memcpy(w->rows + a * w->k, cand, nc * sizeof(*cand));
			w->deg[a] = nc;
		}
	}
out:
	free(bits);
	free(h8);
	free(hits);
	free(acc);
	free(touched);
	free(cand);
	return NULL;
}

/*
 * ---- Candidates from whole steps: MinHash ----
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

static int cmp_lsh_key(const void *a, const void *b)
{
	const struct lsh_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->e < y->e ? -1 : x->e > y->e;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_lsh_edge(const void *a, const void *b)
{
	const struct lsh_edge *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return cmp_edge(&x->e, &y->e);
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

static int lsh_edges(const struct swarm_trace *t,
		     const struct swarm_cluster_opts *o, const uint32_t *f,
		     float keep, uint32_t k, struct edge *rows, uint32_t *deg,
		     uint64_t *nr_pairs)
{
	uint64_t n = t->nr_entries, s, i, j, e, a, np = 0, cap_p, ne = 0, cap_e;
	uint64_t *ioff = calloc(n + 1, sizeof(*ioff));
	uint64_t *end = malloc((n + 1) * sizeof(*end));
	uint32_t *isteps = malloc((t->nr_reads ? t->nr_reads : 1) *
				  sizeof(*isteps));
	uint32_t *sig = malloc((n ? n : 1) * LSH_HASHES * sizeof(*sig));
	struct lsh_key *keys = malloc((n ? n : 1) * sizeof(*keys));
	uint32_t *mark = calloc(n ? n : 1, sizeof(*mark));
	struct edge *buf = malloc((k + 1) * sizeof(*buf) * 2);
	uint64_t *pairs = NULL;
	struct lsh_edge *ex = NULL;
	uint32_t need = o->min_pair ? o->min_pair : 1;
	int err = -ENOMEM;

	if (!ioff || !end || !isteps || !sig || !keys || !mark || !buf)
		goto out;
	/* every entry's steps, ascending, once each */
	for (i = 0; i < t->nr_reads; i++)
		if (f[t->ids[i]] >= o->min_count)
			ioff[t->ids[i] + 1]++;
	for (e = 0; e < n; e++)
		ioff[e + 1] += ioff[e];
	memcpy(end, ioff, (n + 1) * sizeof(*end));
	for (s = 0; s < t->nr_steps; s++) {
		for (i = t->off[s]; i < t->off[s + 1]; i++) {
			uint32_t id = t->ids[i];

			if (f[id] < o->min_count ||
			    (end[id] > ioff[id] && isteps[end[id] - 1] == s))
				continue;
			isteps[end[id]++] = (uint32_t)s;
		}
	}
	/* signatures */
	for (e = 0; e < n; e++) {
		uint32_t *sg = sig + e * LSH_HASHES;

		for (j = 0; j < LSH_HASHES; j++)
			sg[j] = UINT32_MAX;
		for (i = ioff[e]; i < end[e]; i++) {
			uint64_t x = mix64(isteps[i] + o->seed * 0x9e3779b97f4a7c15ULL);

			for (j = 0; j < LSH_HASHES; j += 2) {
				uint64_t h = mix64(x + j);

				if ((uint32_t)h < sg[j])
					sg[j] = (uint32_t)h;
				if ((uint32_t)(h >> 32) < sg[j + 1])
					sg[j + 1] = (uint32_t)(h >> 32);
			}
		}
	}
	/* buckets: pairs of entries with one band alike */
	cap_p = 16 * n + 1024;
	pairs = malloc(cap_p * sizeof(*pairs));
	if (!pairs)
		goto out;
	for (j = 0; j < LSH_BANDS; j++) {
		uint64_t nk = 0, r0, r1;

		for (e = 0; e < n; e++) {
			const uint32_t *sg = sig + e * LSH_HASHES + j * LSH_ROWS;
			uint64_t h = j + 1;

			if (end[e] - ioff[e] < o->min_count)
				continue;
			for (i = 0; i < LSH_ROWS; i++)
				h = mix64(h ^ sg[i]) + i;
			keys[nk++] = (struct lsh_key){ h, (uint32_t)e };
		}
		qsort(keys, nk, sizeof(*keys), cmp_lsh_key);
		for (r0 = 0; r0 < nk; r0 = r1) {
			for (r1 = r0 + 1; r1 < nk && keys[r1].key == keys[r0].key;
			     r1++)
				;
			for (i = r0; i < r1; i++) {
				uint64_t y;

				for (y = i + 1; y < r1 && y <= i + LSH_WINDOW; y++) {
					if (np == cap_p) {
						uint64_t *p = realloc(pairs, 2 * cap_p *
								      sizeof(*p));

						if (!p)
							goto out;
						pairs = p;
						cap_p *= 2;
					}
					pairs[np++] = (uint64_t)keys[i].e << 32 |
						      keys[y].e;
				}
			}
		}
	}
	free(sig);
	sig = NULL;
	qsort(pairs, np, sizeof(*pairs), cmp_u64);
	/* each pair once: count it exactly, keep it both ways if an edge */
	cap_e = 1024;
	ex = malloc(cap_e * sizeof(*ex));
	if (!ex)
		goto out;
	for (i = 0; i < np; i++) {
		uint32_t pa = pairs[i] >> 32, b = (uint32_t)pairs[i];
		uint64_t fab;
		float d;

		if (i && pairs[i] == pairs[i - 1])
			continue;
		(*nr_pairs)++;
		fab = intersect(isteps + ioff[pa], end[pa] - ioff[pa],
				isteps + ioff[b], end[b] - ioff[b]);
		if (fab < need)
			continue;
		d = distance(o, (double)fab, f[pa], f[b], t->nr_steps);
		if (d > keep)
			continue;
		if (ne + 2 > cap_e) {
			struct lsh_edge *p = realloc(ex, 2 * cap_e * sizeof(*p));

			if (!p)
				goto out;
			ex = p;
			cap_e *= 2;
		}
		ex[ne++] = (struct lsh_edge){ pa, { d, b } };
		ex[ne++] = (struct lsh_edge){ b, { d, pa } };
	}
	free(pairs);
	pairs = NULL;
	qsort(ex, ne, sizeof(*ex), cmp_lsh_edge);
	/*
	 * Merge into the rows. The rows' distances are estimates from the
	 * sampled steps: they are counted again exactly (a pair that fails
	 * the tests then goes), and an edge found here replaces its estimate.
	 */
	for (a = 0, i = 0; a < n; a++) {
		uint32_t nb = 0, x;

		for (j = i; j < ne && ex[j].from == a; j++)
			mark[ex[j].e.to] = a + 1;
		for (x = 0; x < deg[a]; x++) {
			struct edge r = rows[a * k + x];
			uint64_t fab;

			if (mark[r.to] == a + 1)
				continue;
			fab = intersect(isteps + ioff[a], end[a] - ioff[a],
					isteps + ioff[r.to],
					end[r.to] - ioff[r.to]);
			if (fab < need)
				continue;
			r.d = distance(o, (double)fab, f[a], f[r.to],
				       t->nr_steps);
			if (r.d <= keep)
				buf[nb++] = r;
		}
		for (j = i; j < ne && ex[j].from == a && nb < 2 * k; j++)
			buf[nb++] = ex[j].e;
		for (; j < ne && ex[j].from == a; j++)
			;
		i = j;
		if (nb > k) {
			select_nearest(buf, nb, k);
			nb = k;
		}
		qsort(buf, nb, sizeof(*buf), cmp_edge);
		memcpy(rows + a * k, buf, nb * sizeof(*buf));
		deg[a] = nb;
	}
	err = 0;
out:
	free(ioff);
	free(end);
	free(isteps);
	free(sig);
	free(keys);
	free(mark);
	free(buf);
	free(pairs);
	free(ex);
	return err;
}

/* ---- The graph ---- */

struct graph {
	uint64_t *off;		/* nr_entries + 1 */
	struct edge *e;
	uint32_t *rho;		/* edges with d <= tau: a prefix of each row */
};

/*
 * CSR from the fixed-size rows (in place: a row only moves down), each
 * row already sorted by distance.
 */
static int build_graph(const struct swarm_cluster_opts *o, uint64_t n,
		       uint32_t k, struct edge *rows, const uint32_t *deg,
		       struct graph *g, uint64_t *nr_edges)
{
	uint64_t i, e;

	g->e = rows;		/* owned by the graph from here on */
	g->off = malloc((n + 1) * sizeof(*g->off));
	g->rho = calloc(n ? n : 1, sizeof(*g->rho));
	if (!g->off || !g->rho)
		return -ENOMEM;
	g->off[0] = 0;
	for (i = 0; i < n; i++) {
		uint64_t lo = g->off[i];

		memmove(rows + lo, rows + i * k, deg[i] * sizeof(*rows));
		g->off[i + 1] = lo + deg[i];
		for (e = lo; e < lo + deg[i] && rows[e].d <= o->tau; e++)
			;
		g->rho[i] = e - lo;
	}
	*nr_edges = g->off[n];
	rows = realloc(rows, (g->off[n] ? g->off[n] : 1) * sizeof(*rows));
	if (rows)	/* else shrinking failed: keep the larger block */
		g->e = rows;
	return 0;
}

static void graph_free(struct graph *g)
{
	free(g->off);
	free(g->e);
	free(g->rho);
}

/* ---- Algorithm 1 ---- */

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

struct vec {
	uint32_t *m;
	uint32_t n, cap;
};

static int vec_push(struct vec *v, uint32_t x)
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

/* Which clusters an entry is in: a linked list per entry. */
struct memb {
	uint32_t *head;		/* per entry, node + 1, 0: none */
	uint32_t *next;		/* per node, node + 1 */
	uint32_t *cl;		/* per node, cluster */
	size_t n, cap;
};

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

/*
 * Refinement: an entry within tau of at least half of a cluster's members
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

static void *refine_range(void *arg)
{
	struct refine_worker *w = arg;
	const struct graph *g = w->g;
	const struct ecl *ec = w->ec;
	uint32_t *ovl = calloc(w->nr, sizeof(*ovl));
	uint32_t *touched = malloc(w->nr * sizeof(*touched));
	float *sim = calloc(w->nr, sizeof(*sim));
	uint8_t *seen = calloc(w->nr, 1);
	uint64_t i;

	if (!ovl || !touched || !sim || !seen) {
		w->error = -ENOMEM;
		goto out;
	}
	for (i = w->from; i < w->to; i++) {
		uint64_t lo = g->off[i], near = lo + g->rho[i], x;
		uint32_t nt = 0, nc, k, m, nl, one;
		const uint32_t *l;

		if (w->f[i] < w->o->min_count)
			continue;
		/* a cluster needs half its members among the near ones */
		if (near - lo > 2ULL * w->max_size)
			near = lo + 2ULL * w->max_size;
		/* the clusters with members among the near neighbours */
		for (x = lo; x < near; x++) {
			l = ecl_get(ec, g->e[x].to, &nl, &one);
			for (m = 0; m < nl; m++) {
				uint32_t cl = l[m];

				if (!seen[cl]) {
					seen[cl] = 1;
					touched[nt++] = cl;
				}
				ovl[cl]++;
				sim[cl] += 1 - g->e[x].d;
			}
		}
		l = ecl_get(ec, i, &nl, &one);
		for (m = 0; m < nl; m++)
			ovl[l[m]] = 0;	/* already a member */
		/* of those, the ones i is near half of: candidates */
		for (k = nc = 0; k < nt; k++) {
			uint32_t cl = touched[k], size = w->size[cl];

			seen[cl] = 0;
			if (ovl[cl] && 2 * ovl[cl] >= size && size < w->max_size)
				seen[cl] = 2;
			nc += seen[cl] == 2;
		}
		/* their members further away count too */
		for (x = near; nc && x < g->off[i + 1]; x++) {
			l = ecl_get(ec, g->e[x].to, &nl, &one);
			for (m = 0; m < nl; m++) {
				uint32_t cl = l[m];

				if (seen[cl] == 2)
					sim[cl] += 1 - g->e[x].d;
			}
		}
		for (k = 0; k < nt; k++) {
			uint32_t cl = touched[k], size = w->size[cl];

			if (seen[cl] == 2 &&
			    (size - sim[cl]) / size <= w->o->tau + 1e-6) {
				if (w->nj == w->cap) {
					size_t nc = w->cap ? 2 * w->cap : 1024;
					struct refine_join *p;

					p = realloc(w->j, nc * sizeof(*p));
					if (!p) {
						w->error = -ENOMEM;
						goto out;
					}
					w->j = p;
					w->cap = nc;
				}
				w->j[w->nj++] = (struct refine_join){ cl, i };
			}
			ovl[cl] = 0;
			sim[cl] = 0;
			seen[cl] = 0;
		}
		if (w->o->progress && w->from == 0 && !(i & 65535))
			w->o->progress("refine", (double)i / w->to);
	}
out:
	free(ovl);
	free(touched);
	free(sim);
	free(seen);
	return NULL;
}

static int refine(const struct swarm_cluster_opts *o, uint64_t n,
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
			e = vec_push(b, ws[t].j[i].e);
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

static int algorithm1(const struct swarm_cluster_opts *o, uint64_t n,
		      const uint32_t *f, const struct graph *g,
		      struct swarm_clusters *c, double *t0)
{
	uint32_t max_size = o->max_size && o->max_size < MAX_CLUSTER_SIZE ?
			    o->max_size : MAX_CLUSTER_SIZE;
	uint32_t *order = NULL, *stamp = NULL, *nd = NULL, *mem = NULL;
	uint32_t *in = NULL, *ovl = NULL, *touched = NULL, nr = 0, tag = 0;
	size_t cap_v = 0;
	uint64_t nr_order = 0, i, nm = 0;
	struct memb mb = { 0 };
	struct vec *v = NULL;
	uint8_t *covered = NULL;
	float *sumd = NULL;
	int e = -ENOMEM;

	order = malloc(n * sizeof(*order));
	stamp = calloc(n, sizeof(*stamp));
	in = calloc(n, sizeof(*in));
	nd = calloc(n, sizeof(*nd));
	sumd = calloc(n, sizeof(*sumd));
	covered = calloc(n, 1);
	mb.head = calloc(n, sizeof(*mb.head));
	mem = malloc((max_size + 1) * sizeof(*mem));
	if (!order || !stamp || !in || !nd || !sumd || !covered || !mb.head ||
	    !mem)
		goto out;
	for (i = 0; i < n; i++)
		if (f[i] >= o->min_count && g->rho[i])
			order[nr_order++] = i;
	octx.rho = g->rho;
	octx.f = f;
	qsort(order, nr_order, sizeof(*order), cmp_density);
	for (i = 0; i < nr_order; i++) {
		uint32_t med = order[i], cur = (uint32_t)i + 1, k, m, nt = 0;
		uint32_t best = 0, fresh = 0;
		uint64_t lo = g->off[med], hi = lo + g->rho[med], x;

		if (covered[med])
			continue;
		/* candidates: the medoid's row prefix within tau */
		for (x = lo; x < hi; x++) {
			uint32_t to = g->e[x].to;

			stamp[to] = cur;
			sumd[to] = g->e[x].d;
			nd[to] = 1;
		}
		mem[0] = med;
		m = 1;
		for (x = lo; x < hi && m < max_size; x++) {
			uint32_t cand = g->e[x].to;
			uint64_t y;
			double avg;

			avg = (sumd[cand] + (double)(m - nd[cand])) / m;
			if (avg > o->tau + 1e-6)
				continue;
			mem[m++] = cand;
			for (y = g->off[cand]; y < g->off[cand + 1]; y++) {
				uint32_t to = g->e[y].to;

				if (stamp[to] == cur) {
					sumd[to] += g->e[y].d;
					nd[to]++;
				}
			}
		}
		/*
		 * Mostly an existing cluster (at least half of it in one)?
		 * Then the new entries join that one where they fit.
		 */
		if (!ovl) {
			ovl = calloc(cap_v ? cap_v : 1, sizeof(*ovl));
			touched = malloc((cap_v ? cap_v : 1) * sizeof(*touched));
			if (!ovl || !touched)
				goto out;
		}
		for (k = 0; k < m; k++) {
			uint32_t node;

			if (!covered[mem[k]])
				fresh++;
			for (node = mb.head[mem[k]]; node; node = mb.next[node - 1]) {
				uint32_t cl = mb.cl[node - 1];

				if (!ovl[cl]++)
					touched[nt++] = cl;
			}
		}
		for (k = 0; k < nt; k++) {
			if (ovl[touched[k]] > ovl[best] || !k)
				best = touched[k];
		}
		if (nt && 2 * ovl[best] >= m) {
			struct vec *b = &v[best];

			tag++;
			for (k = 0; k < b->n; k++)
				in[b->m[k]] = tag;
			for (k = 0; k < m && b->n < max_size; k++) {
				if (covered[mem[k]] || in[mem[k]] == tag)
					continue;
				if (avg_to(g, mem[k], in, tag, b->n) >
				    o->tau + 1e-6)
					continue;
				if (vec_push(b, mem[k]) ||
				    memb_add(&mb, mem[k], best))
					goto out;
				in[mem[k]] = tag;
				nm++;
			}
			m = 0;
		}
		for (k = 0; k < nt; k++)
			ovl[touched[k]] = 0;
		covered[med] = 1;
		for (k = 0; k < m; k++)
			covered[mem[k]] = 1;
		if (m < o->min_size || !fresh)
			continue;
		if (nr == cap_v) {
			size_t nc = cap_v ? cap_v * 2 : 256;
			struct vec *nv = realloc(v, nc * sizeof(*nv));
			uint32_t *no = realloc(ovl, nc * sizeof(*no));

			if (nv)
				v = nv;
			if (no)
				ovl = no;
			if (!nv || !no)
				goto out;
			no = realloc(touched, nc * sizeof(*no));
			if (!no)
				goto out;
			touched = no;
			memset(v + cap_v, 0, (nc - cap_v) * sizeof(*v));
			memset(ovl + cap_v, 0, (nc - cap_v) * sizeof(*ovl));
			cap_v = nc;
		}
		for (k = 0; k < m; k++)
			if (vec_push(&v[nr], mem[k]) || memb_add(&mb, mem[k], nr))
				goto out;
		nm += m;
		nr++;
		if (o->progress && !(i & 4095))
			o->progress("clusters", (double)i / nr_order);
	}
	phase_done(o, "medoids", t0);
	if (o->refine && nr) {
		e = refine(o, n, f, g, &mb, v, nr, max_size, &nm);
		if (e)
			goto out;
		e = -ENOMEM;
	}
	if (o->refine)
		phase_done(o, "refine", t0);
	/* Flatten. */
	c->first = malloc((nr + 1) * sizeof(*c->first));
	c->members = malloc((nm ? nm : 1) * sizeof(*c->members));
	c->medoid = malloc((nr ? nr : 1) * sizeof(*c->medoid));
	if (!c->first || !c->members || !c->medoid)
		goto out;
	c->first[0] = 0;
	for (i = 0; i < nr; i++) {
		memcpy(c->members + c->first[i], v[i].m,
		       v[i].n * sizeof(*v[i].m));
		c->first[i + 1] = c->first[i] + v[i].n;
		c->medoid[i] = v[i].m[0];
	}
	c->nr = nr;
	e = 0;
out:
	for (i = 0; v && i < nr; i++)
		free(v[i].m);
	free(v);
	free(mb.head);
	free(mb.next);
	free(mb.cl);
	free(order);
	free(stamp);
	free(in);
	free(nd);
	free(sumd);
	free(covered);
	free(mem);
	free(ovl);
	free(touched);
	return e;
}

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
	struct pmap map;
	int error;
};

static void *activity_range(void *arg)
{
	struct act_worker *w = arg;
	const struct swarm_trace *t = w->t;
	const struct swarm_clusters *c = w->c;
	const struct swarm_entry_clusters *ec = w->ec;
	uint64_t m = cap_entries(w->o->pair_cap), s, i, j;
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
		na = sample(act, na, m, w->o->seed + 1, s, &wt);
		for (i = 0; i + 1 < na; i++)
			for (j = i + 1; j < na; j++)
				if (pmap_add(&w->map,
					     (uint64_t)act[i] << 32 | act[j],
					     wt)) {
					w->error = -ENOMEM;
					goto out;
				}
	}
out:
	free(hits);
	free(touched);
	free(act);
	return NULL;
}

/*
 * Frequencies and weights, the steps split over the threads. A weight
 * is a sum of the steps' pair weights, rounded. The pair weight is 1
 * unless a step activates more than the pair cap allows, so the sums are
 * exact and the same for any number of threads; only sampled steps'
 * fractional weights can round differently.
 */
static int activity(const struct swarm_trace *t,
		    const struct swarm_cluster_opts *o,
		    struct swarm_clusters *c)
{
	unsigned int nt = o->threads ? o->threads : 1, th_i;
	uint64_t i, j, nw = 0;
	uint32_t *kept = NULL;
	struct swarm_entry_clusters ec = { 0 };
	struct swarm_cweight *w = NULL;
	struct act_worker *ws = calloc(nt, sizeof(*ws));
	pthread_t *th = calloc(nt, sizeof(*th));
	struct pmap *map;
	int e = -ENOMEM;

	kept = calloc(c->nr ? c->nr : 1, sizeof(*kept));
	if (!ws || !th || !kept || swarm_entry_clusters(c, &ec))
		goto out;
	for (th_i = 0; th_i < nt; th_i++) {
		ws[th_i] = (struct act_worker){
			.t = t, .o = o, .c = c, .ec = &ec,
			.from = t->nr_steps * th_i / nt,
			.to = t->nr_steps * (th_i + 1) / nt,
		};
		if (th_i && pthread_create(&th[th_i], NULL, activity_range,
					   &ws[th_i]))
			ws[th_i].error = -EAGAIN;
	}
	activity_range(&ws[0]);
	e = 0;
	for (th_i = 1; th_i < nt; th_i++) {
		if (ws[th_i].error != -EAGAIN)
			pthread_join(th[th_i], NULL);
		else
			activity_range(&ws[th_i]);
	}
	for (th_i = 0; th_i < nt; th_i++)
		if (ws[th_i].error && ws[th_i].error != -EAGAIN)
			e = ws[th_i].error;
	if (e)
		goto out;
	/* Merge into the first share's. */
	map = &ws[0].map;
	c->freq = ws[0].freq;
	ws[0].freq = NULL;
	for (th_i = 1; th_i < nt; th_i++) {
		struct pmap *mt = &ws[th_i].map;

		for (i = 0; i < c->nr; i++)
			c->freq[i] += ws[th_i].freq[i];
		for (i = 0; i < mt->cap; i++) {
			if (mt->keys[i] == EMPTY_KEY)
				continue;
			e = pmap_add(map, mt->keys[i], mt->vals[i]);
			if (e)
				goto out;
		}
		pmap_free(mt);
	}
	e = -ENOMEM;
	w = malloc((map->n ? map->n : 1) * sizeof(*w));
	if (!w)
		goto out;
	for (i = 0; i < map->cap; i++) {
		uint64_t v;

		if (map->keys[i] == EMPTY_KEY)
			continue;
		v = (uint64_t)llround(map->vals[i]);
		if (v < o->weight_min || !v)
			continue;
		w[nw++] = (struct swarm_cweight){
			map->keys[i] >> 32, (uint32_t)map->keys[i], v };
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
	w = NULL;
	e = 0;
out:
	for (th_i = 0; ws && th_i < nt; th_i++) {
		pmap_free(&ws[th_i].map);
		free(ws[th_i].freq);
	}
	free(ws);
	free(th);
	swarm_entry_clusters_free(&ec);
	free(w);
	free(kept);
	return e;
}

int swarm_cluster(const struct swarm_trace *t,
		  const struct swarm_cluster_opts *o,
		  struct swarm_clusters *c, char *err, size_t errlen)
{
	unsigned int nr = o->threads ? o->threads : 1, i;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	uint64_t n = t->nr_entries, r, next = 0;
	struct counted cs = { 0 };
	double t0;
	struct worker *ws = NULL;
	pthread_t *th = NULL;
	struct graph g = { 0 };
	struct edge *rows = NULL;
	uint32_t *f = NULL, *deg = NULL, k;
	uint64_t cand_steps, budget;
	bool weighted = false, sampled;
	int e = -ENOMEM;

	memset(c, 0, sizeof(*c));
	c->nr_entries = n;
	if (!(o->tau >= 0 && o->tau < 1) || o->pair_cap < 1 || !o->min_size ||
	    !(o->shrink >= 0)) {
		seterr(err, errlen, "invalid clustering options");
		return -EINVAL;
	}
	f = calloc(n ? n : 1, sizeof(*f));
	ws = calloc(nr, sizeof(*ws));
	th = calloc(nr, sizeof(*th));
	if (!f || !ws || !th)
		goto out;
	t0 = now_s();
	for (r = 0; r < t->nr_reads; r++)
		f[t->ids[r]]++;
	e = build_counted(t, o, f, &cs);
	if (e)
		goto out;
	phase_done(o, "index", &t0);
	/*
	 * Candidates from about cand_reads reads per entry (8 to 65535
	 * steps), or more while the whole scan stays within cand_total
	 * reads: small traces are counted exactly.
	 */
	for (r = 0, i = 0; r < n; r++)
		i += cs.ioff[r + 1] > cs.ioff[r];
	budget = o->cand_reads ? o->cand_reads : 8192;
	if (i && o->cand_total / i > budget)
		budget = o->cand_total / i;
	r = cs.off[cs.nr_steps];
	cand_steps = r ? budget * cs.nr_steps / r : 65535;
	cand_steps = cand_steps < 8 ? 8 : cand_steps > 65535 ? 65535 :
		     cand_steps;
	for (r = 0; r < cs.nr_steps; r++)
		weighted |= cs.w[r] != 1 && cs.off[r + 1] > cs.off[r];
	k = o->neighbours ? o->neighbours : 128;
	if (k > MAX_CLUSTER_SIZE)
		k = MAX_CLUSTER_SIZE;
	rows = malloc((n ? n : 1) * k * sizeof(*rows));
	deg = calloc(n ? n : 1, sizeof(*deg));
	if (!rows || !deg) {
		e = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nr; i++) {
		ws[i] = (struct worker){
			.t = t, .o = o, .cs = &cs, .f = f, .next = &next,
			.lock = &lock, .id = i,
			.keep = o->keep > 0 ? o->keep : 1.0f,
			.k = k, .rows = rows, .deg = deg,
			.cand_steps = cand_steps, .weighted = weighted,
		};
		if (i && pthread_create(&th[i], NULL, count_pairs, &ws[i]))
			ws[i].error = -EAGAIN;
	}
	count_pairs(&ws[0]);
	for (i = 1; i < nr; i++)
		if (ws[i].error != -EAGAIN)
			pthread_join(th[i], NULL);
	e = 0;
	for (i = 0; i < nr; i++) {
		if (ws[i].error && ws[i].error != -EAGAIN)
			e = ws[i].error;
		c->nr_pairs += ws[i].nr_pairs;
	}
	sampled = !cs.shared;
	counted_free(&cs);
	if (e)
		goto out;
	phase_done(o, "pairs", &t0);
	if (sampled) {
		e = lsh_edges(t, o, f, o->keep > 0 ? o->keep : 1.0f, k, rows,
			      deg, &c->nr_pairs);
		if (e)
			goto out;
		phase_done(o, "minhash", &t0);
	}
	e = build_graph(o, n, k, rows, deg, &g, &c->nr_edges);
	rows = NULL;	/* now g.e (or freed by graph_free) */
	if (e)
		goto out;
	phase_done(o, "graph", &t0);
	e = algorithm1(o, n, f, &g, c, &t0);
	graph_free(&g);
	memset(&g, 0, sizeof(g));
	if (e)
		goto out;
	e = activity(t, o, c);
	phase_done(o, "weights", &t0);
out:
	if (e == -ENOMEM)
		seterr(err, errlen, "out of memory");
	counted_free(&cs);
	free(rows);
	free(deg);
	graph_free(&g);
	free(ws);
	free(th);
	free(f);
	if (e)
		swarm_clusters_free(c);
	return e;
}

void swarm_clusters_free(struct swarm_clusters *c)
{
	free(c->first);
	free(c->members);
	free(c->medoid);
	free(c->freq);
	free(c->weights);
	memset(c, 0, sizeof(*c));
}

int swarm_clusters_write(const struct swarm_clusters *c, const char *path,
			 const char *comment, char *err, size_t errlen)
{
	size_t len = strlen(path) + 5;
	char *tmp = malloc(len);
	uint64_t i, k;
	FILE *f;
	int e = 0;

	if (!tmp) {
		seterr(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	snprintf(tmp, len, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		e = -errno;
		seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return e;
	}
	fprintf(f, "# dm-swarm cluster map (userspace/MAP-FORMAT.md)\n");
	if (comment)
		fprintf(f, "# %s\n", comment);
	fprintf(f, "# %" PRIu32 " clusters, %" PRIu64 " members, %" PRIu64
		" weights\n# id medoid frequency members...\n", c->nr,
		c->first[c->nr], c->nr_weights);
	for (k = 0; k < c->nr; k++) {
		fprintf(f, "%" PRIu64 " %" PRIu32 " %" PRIu64, k, c->medoid[k],
			c->freq ? c->freq[k] : 0);
		for (i = c->first[k]; i < c->first[k + 1]; i++)
			fprintf(f, " %" PRIu32, c->members[i]);
		putc_unlocked('\n', f);
	}
	for (i = 0; i < c->nr_weights; i++)
		fprintf(f, "weight %" PRIu32 " %" PRIu32 " %" PRIu64 "\n",
			c->weights[i].a, c->weights[i].b, c->weights[i].w);
	if (fflush(f) || ferror(f))
		e = -EIO;
	if (fclose(f) && !e)
		e = -EIO;
	if (!e && rename(tmp, path))
		e = -errno;
	if (e) {
		seterr(err, errlen, "%s: %s", tmp, strerror(-e));
		unlink(tmp);
	}
	free(tmp);
	return e;
}
