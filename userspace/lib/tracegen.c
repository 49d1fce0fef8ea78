// SPDX-License-Identifier: GPL-2.0-only
/*
 * Synthetic sparse-attention-like activation traces ("swarmctl trace gen"):
 * planted co-activation groups of varied sizes that share entries, Zipf
 * group popularity, a fixed fraction of the entries read per step, noise
 * reads and drift. See userspace/TRACE-FORMAT.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/trace.h"
#include "lib/util.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void swarm_rng_seed(struct swarm_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t swarm_rng_next(struct swarm_rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

uint64_t swarm_rng_below(struct swarm_rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)swarm_rng_next(r) * n) >> 64);
}

double swarm_rng_double(struct swarm_rng *r)
{
	return (swarm_rng_next(r) >> 11) * 0x1.0p-53;
}

void swarm_gen_defaults(struct swarm_gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->nr_entries = 10000;
	o->nr_steps = 1000;
	o->min_size = 8;
	o->max_size = 64;
	o->overlap = 0.1;
	o->seed = 1;
	o->zipf = 1.0;
	o->frac = 0.10;
	o->noise = 0.05;
	o->drift = 0;
	o->hit = 1.0;
}

struct group {
	uint64_t *m;
	uint32_t n;
};

static bool has(const struct group *g, uint64_t e)
{
	uint32_t i;

	for (i = 0; i < g->n; i++)
		if (g->m[i] == e)
			return true;
	return false;
}

/* The generator's state. */
struct gen {
	const struct swarm_gen_opts *o;
	uint64_t N, G;		/* entries, groups */
	uint32_t minsz, maxsz;
	uint64_t target, nnoise;	/* reads per step, of them noise */
	size_t cap_step;
	struct swarm_rng rng;
	struct group *g;
	double *cdf, sum;	/* the groups' Zipf weights, cumulated */
	uint64_t *stamp;	/* per group: the step that last picked it + 1 */
	uint64_t *step;		/* the step's reads */
};

static bool gen_valid(const struct swarm_gen_opts *o)
{
	uint64_t N = o->nr_entries;

	return N && o->nr_steps && N <= SWARM_TRACE_MAX_ID + 1 &&
	       o->frac > 0 && o->frac <= 1 && o->noise >= 0 && o->noise <= 1 &&
	       o->overlap >= 0 && o->overlap < 1 &&
	       o->drift >= 0 && o->drift <= 1 && o->hit > 0 && o->hit <= 1 &&
	       o->zipf >= 0 && o->min_size && o->min_size <= o->max_size;
}

/*
 * The planted groups: fresh members from a random permutation, then
 * members shared with other groups; their Zipf popularity.
 */
static int plant_groups(struct gen *st)
{
	uint64_t N = st->N, G = st->G, i, s, pos = 0;
	uint64_t *perm = malloc(N * sizeof(*perm));
	struct group *g = st->g;

	if (!perm)
		return -ENOMEM;
	for (i = 0; i < N; i++)
		perm[i] = i;
	for (i = N - 1; i > 0; i--) {
		uint64_t j = swarm_rng_below(&st->rng, i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	/* Fresh members from a random permutation, then shared ones. */
	for (i = 0; i < G; i++) {
		uint32_t size = st->minsz +
				swarm_rng_below(&st->rng, st->maxsz - st->minsz + 1);
		uint32_t shared = G > 1 ? (uint32_t)lround(st->o->overlap * size) : 0;

		g[i].m = malloc(size * sizeof(*g[i].m));
		if (!g[i].m) {
			free(perm);
			return -ENOMEM;
		}
		g[i].n = size - shared;
		for (s = 0; s < g[i].n; s++) {
			g[i].m[s] = perm[pos];
			pos = (pos + 1) % N;
		}
		st->stamp[i] = size;
	}
	free(perm);
	for (i = 0; i < G; i++) {
		uint32_t size = st->stamp[i], tries = 0;

		while (g[i].n < size && tries++ < 64 * size) {
			uint64_t j = swarm_rng_below(&st->rng, G - 1), e2;

			j += j >= i;
			e2 = g[j].m[swarm_rng_below(&st->rng, g[j].n)];
			if (!has(&g[i], e2))
				g[i].m[g[i].n++] = e2;
		}
	}
	memset(st->stamp, 0, G * sizeof(*st->stamp));
	for (i = 0; i < G; i++) {
		st->sum += pow((double)(i + 1), -st->o->zipf);
		st->cdf[i] = st->sum;
	}
	return 0;
}

/* The planted groups as at step 0 (TRACE-FORMAT.md). */
static int write_truth(const struct gen *st, FILE *truth, char *err,
		       size_t errlen)
{
	uint64_t i, s;

	fprintf(truth, "# dm-swarm planted groups: <group> <weight> <members...>\n"
		"# entries %" PRIu64 " steps %" PRIu64 " groups %" PRIu64
		" seed %" PRIu64 "\n", st->N, st->o->nr_steps, st->G,
		st->o->seed);
	for (i = 0; i < st->G; i++) {
		fprintf(truth, "%" PRIu64 " %.6g", i,
			(st->cdf[i] - (i ? st->cdf[i - 1] : 0)) / st->sum);
		for (s = 0; s < st->g[i].n; s++)
			fprintf(truth, " %" PRIu64, st->g[i].m[s]);
		fputc('\n', truth);
	}
	if (ferror(truth)) {
		seterr(err, errlen, "writing the ground truth: %s",
		       strerror(errno));
		return -EIO;
	}
	return 0;
}

/*
 * Step @s's reads into st->step: groups picked by popularity (each once)
 * until target - nnoise reads, then the noise. Returns how many.
 */
static uint64_t gen_step(struct gen *st, uint64_t s)
{
	const struct swarm_gen_opts *o = st->o;
	uint64_t n = 0, tries = 0, k, want = st->target - st->nnoise;

	while (n < want && tries++ < 4 * st->G + 16) {
		double u = swarm_rng_double(&st->rng) * st->sum;
		uint64_t lo = 0, hi = st->G - 1;
		uint32_t m;

		while (lo < hi) {
			uint64_t mid = (lo + hi) / 2;

			if (st->cdf[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		if (st->stamp[lo] == s + 1)
			continue;
		st->stamp[lo] = s + 1;
		for (m = 0; m < st->g[lo].n && n < st->cap_step - 1; m++)
			if (o->hit >= 1 || swarm_rng_double(&st->rng) < o->hit)
				st->step[n++] = st->g[lo].m[m];
	}
	for (k = 0; k < st->nnoise && n < st->cap_step; k++)
		st->step[n++] = swarm_rng_below(&st->rng, st->N);
	if (!n)
		st->step[n++] = swarm_rng_below(&st->rng, st->N);
	return n;
}

/* Drift: about G * drift groups swap one member for a random entry. */
static void gen_drift(struct gen *st)
{
	double dk = st->o->drift * st->G;
	uint64_t k = (uint64_t)dk + (swarm_rng_double(&st->rng) < dk - floor(dk));

	while (k--) {
		uint64_t j = swarm_rng_below(&st->rng, st->G), ne;

		ne = swarm_rng_below(&st->rng, st->N);
		if (!has(&st->g[j], ne))
			st->g[j].m[swarm_rng_below(&st->rng, st->g[j].n)] = ne;
	}
}

int swarm_gen(const struct swarm_gen_opts *o, struct swarm_trace_writer *w,
	      FILE *truth, void (*progress)(double done),
	      char *err, size_t errlen)
{
	struct gen st = {
		.o = o, .N = o->nr_entries, .G = o->nr_groups,
		.minsz = o->min_size, .maxsz = o->max_size,
	};
	uint64_t i, s;
	int e = -ENOMEM;

	if (!gen_valid(o)) {
		seterr(err, errlen, "invalid generator options");
		return -EINVAL;
	}
	if (!st.G)
		st.G = st.N / 40 ? st.N / 40 : 1;
	if (st.maxsz > st.N)
		st.maxsz = st.N;
	if (st.minsz > st.maxsz)
		st.minsz = st.maxsz;
	swarm_rng_seed(&st.rng, o->seed);
	st.target = (uint64_t)llround(o->frac * st.N);
	if (!st.target)
		st.target = 1;
	st.nnoise = (uint64_t)llround(o->noise * st.target);
	st.cap_step = st.target + st.maxsz + 16;

	st.g = calloc(st.G, sizeof(*st.g));
	st.cdf = malloc(st.G * sizeof(*st.cdf));
	st.stamp = calloc(st.G, sizeof(*st.stamp));
	st.step = malloc(st.cap_step * sizeof(*st.step));
	if (!st.g || !st.cdf || !st.stamp || !st.step)
		goto out;
	e = plant_groups(&st);
	if (!e && truth)
		e = write_truth(&st, truth, err, errlen);
	if (e)
		goto out;
	for (s = 0; s < o->nr_steps; s++) {
		uint64_t n = gen_step(&st, s);

		e = swarm_trace_writer_step(w, st.step, n);
		if (e) {
			seterr(err, errlen, "writing the trace: %s", strerror(-e));
			goto out;
		}
		gen_drift(&st);
		if (progress && !(s & 1023))
			progress((double)s / o->nr_steps);
	}
	if (progress)
		progress(1.0);
	e = 0;
out:
	if (e == -ENOMEM)
		seterr(err, errlen, "out of memory");
	if (st.g)
		for (i = 0; i < st.G; i++)
			free(st.g[i].m);
	free(st.g);
	free(st.cdf);
	free(st.stamp);
	free(st.step);
	return e;
}
