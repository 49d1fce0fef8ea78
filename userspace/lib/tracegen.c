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

int swarm_gen(const struct swarm_gen_opts *o, struct swarm_trace_writer *w,
	      FILE *truth, void (*progress)(double done),
	      char *err, size_t errlen)
{
	uint64_t N = o->nr_entries, G = o->nr_groups, i, s, pos = 0;
	uint64_t target, nnoise, *perm = NULL, *step = NULL, *stamp = NULL;
	struct group *g = NULL;
	double *cdf = NULL, sum = 0;
	struct swarm_rng rng;
	uint32_t minsz = o->min_size, maxsz = o->max_size;
	size_t cap_step;
	int e = -ENOMEM;

	if (!N || !o->nr_steps || N > SWARM_TRACE_MAX_ID + 1 ||
	    !(o->frac > 0 && o->frac <= 1) || !(o->noise >= 0 && o->noise <= 1) ||
	    !(o->overlap >= 0 && o->overlap < 1) ||
	    !(o->drift >= 0 && o->drift <= 1) || !(o->hit > 0 && o->hit <= 1) ||
	    !(o->zipf >= 0) || !minsz || minsz > maxsz) {
		seterr(err, errlen, "invalid generator options");
		return -EINVAL;
	}
	if (!G)
		G = N / 40 ? N / 40 : 1;
	if (maxsz > N)
		maxsz = N;
	if (minsz > maxsz)
		minsz = maxsz;
	swarm_rng_seed(&rng, o->seed);
	target = (uint64_t)llround(o->frac * N);
	if (!target)
		target = 1;
	nnoise = (uint64_t)llround(o->noise * target);
	cap_step = target + maxsz + 16;

	perm = malloc(N * sizeof(*perm));
	g = calloc(G, sizeof(*g));
	cdf = malloc(G * sizeof(*cdf));
	stamp = calloc(G, sizeof(*stamp));
	step = malloc(cap_step * sizeof(*step));
	if (!perm || !g || !cdf || !stamp || !step)
		goto out;
	for (i = 0; i < N; i++)
		perm[i] = i;
	for (i = N - 1; i > 0; i--) {
		uint64_t j = swarm_rng_below(&rng, i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	/* Fresh members from a random permutation, then shared ones. */
	for (i = 0; i < G; i++) {
		uint32_t size = minsz + swarm_rng_below(&rng, maxsz - minsz + 1);
		uint32_t shared = G > 1 ? (uint32_t)lround(o->overlap * size) : 0;

		g[i].m = malloc(size * sizeof(*g[i].m));
		if (!g[i].m)
			goto out;
		g[i].n = size - shared;
		for (s = 0; s < g[i].n; s++) {
			g[i].m[s] = perm[pos];
			pos = (pos + 1) % N;
		}
		stamp[i] = size;
	}
	for (i = 0; i < G; i++) {
		uint32_t size = stamp[i], tries = 0;

		while (g[i].n < size && tries++ < 64 * size) {
			uint64_t j = swarm_rng_below(&rng, G - 1), e2;

			j += j >= i;
			e2 = g[j].m[swarm_rng_below(&rng, g[j].n)];
			if (!has(&g[i], e2))
				g[i].m[g[i].n++] = e2;
		}
	}
	memset(stamp, 0, G * sizeof(*stamp));
	for (i = 0; i < G; i++) {
		sum += pow((double)(i + 1), -o->zipf);
		cdf[i] = sum;
	}
	if (truth) {
		fprintf(truth, "# dm-swarm planted groups: <group> <weight> <members...>\n"
			"# entries %" PRIu64 " steps %" PRIu64 " groups %" PRIu64
			" seed %" PRIu64 "\n", N, o->nr_steps, G, o->seed);
		for (i = 0; i < G; i++) {
			fprintf(truth, "%" PRIu64 " %.6g", i,
				(cdf[i] - (i ? cdf[i - 1] : 0)) / sum);
			for (s = 0; s < g[i].n; s++)
				fprintf(truth, " %" PRIu64, g[i].m[s]);
			fputc('\n', truth);
		}
		if (ferror(truth)) {
			seterr(err, errlen, "writing the ground truth: %s",
			       strerror(errno));
			e = -EIO;
			goto out;
		}
	}
	for (s = 0; s < o->nr_steps; s++) {
		uint64_t n = 0, tries = 0, k, want = target - nnoise;
		double dk;

		while (n < want && tries++ < 4 * G + 16) {
			double u = swarm_rng_double(&rng) * sum;
			uint64_t lo = 0, hi = G - 1;
			uint32_t m;

			while (lo < hi) {
				uint64_t mid = (lo + hi) / 2;

				if (cdf[mid] > u)
					hi = mid;
				else
					lo = mid + 1;
			}
			if (stamp[lo] == s + 1)
				continue;
			stamp[lo] = s + 1;
			for (m = 0; m < g[lo].n && n < cap_step - 1; m++)
				if (o->hit >= 1 || swarm_rng_double(&rng) < o->hit)
					step[n++] = g[lo].m[m];
		}
		for (k = 0; k < nnoise && n < cap_step; k++)
			step[n++] = swarm_rng_below(&rng, N);
		if (!n)
			step[n++] = swarm_rng_below(&rng, N);
		e = swarm_trace_writer_step(w, step, n);
		if (e) {
			seterr(err, errlen, "writing the trace: %s", strerror(-e));
			goto out;
		}
		/* Drift: about G * drift groups swap one member. */
		dk = o->drift * G;
		k = (uint64_t)dk + (swarm_rng_double(&rng) < dk - floor(dk));
		while (k--) {
			uint64_t j = swarm_rng_below(&rng, G), ne;

			ne = swarm_rng_below(&rng, N);
			if (!has(&g[j], ne))
				g[j].m[swarm_rng_below(&rng, g[j].n)] = ne;
		}
		if (progress && !(s & 1023))
			progress((double)s / o->nr_steps);
	}
	if (progress)
		progress(1.0);
	e = 0;
out:
	if (e == -ENOMEM)
		seterr(err, errlen, "out of memory");
	if (g)
		for (i = 0; i < G; i++)
			free(g[i].m);
	free(g);
	free(perm);
	free(cdf);
	free(stamp);
	free(step);
	return e;
}
