// SPDX-License-Identifier: GPL-2.0-only
/*
 * Offline co-activation clustering: the paper's Algorithm 1 on a sparse
 * co-activation graph. See userspace/CLUSTERING.md for the definitions,
 * and internal.h for the phases, one file each, that swarm_cluster()
 * runs here:
 *
 *  1. f(e): steps that read e (exact); the steps as counted.
 *  2. f(a,b): per entry a (threads take blocks of entries), the entries
 *     read in up to cand_steps of a's steps, counted in a 16-bit counter
 *     per entry (exact when all of a's steps are scanned, else scaled).
 *  3. When steps were sampled: MinHash candidates, counted exactly.
 *  4. The graph: each entry's K nearest (d = 1 - P(a,b) <= keep, seen in
 *     >= min_pair steps); CSR, each row sorted by distance.
 *  5. Algorithm 1: density-ordered medoids, clusters grown while the
 *     average distance to the members stays <= tau; the refinement.
 *  6. Frequencies and cluster-to-cluster weights from a second pass.
 *
 * And the map file writer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/internal.h"
#include "lib/libswarm.h"
#include "lib/util.h"

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

void cl_phase_done(const struct swarm_cluster_opts *o, const char *name,
		   double *t0)
{
	static double cpu0;	/* timing is for one run at a time */
	double t = now_s(), cpu = cpu_s();

	if (!o->timing)
		return;
	fprintf(stderr, "phase %-10s %7.2f s  CPU %7.2f s  peak RSS %6.0f MiB\n",
		name, t - *t0, cpu - cpu0, peak_rss_mib());
	*t0 = t;
	cpu0 = cpu;
}

/* ---- The phases ---- */

static bool valid_opts(const struct swarm_cluster_opts *o)
{
	return o->tau >= 0 && o->tau < 1 && o->pair_cap >= 1 &&
	       o->min_size && o->shrink >= 0;
}

/* f(e): the steps that read each entry; NULL if out of memory. */
static uint32_t *entry_counts(const struct swarm_trace *t)
{
	uint64_t n = t->nr_entries, r;
	uint32_t *f = calloc(n ? n : 1, sizeof(*f));

	for (r = 0; f && r < t->nr_reads; r++)
		f[t->ids[r]]++;
	return f;
}

/*
 * Phases 1 to 4: the counted steps, the rows (candidates counted, then
 * from MinHash if steps were sampled), the graph.
 */
static int cluster_graph(const struct swarm_trace *t,
			 const struct swarm_cluster_opts *o, const uint32_t *f,
			 struct graph *g, struct swarm_clusters *c, double *t0)
{
	struct counted cs = { 0 };
	struct rows r = { 0 };
	bool sampled;
	int e;

	e = cl_counted_build(t, o, f, &cs);
	if (e)
		goto out;
	cl_phase_done(o, "index", t0);
	e = cl_count_pairs(t, o, &cs, f, &r, &c->nr_pairs);
	sampled = !cs.shared;
	cl_counted_free(&cs);
	if (e)
		goto out;
	cl_phase_done(o, "pairs", t0);
	if (sampled) {
		e = cl_minhash_edges(t, o, f, &r, &c->nr_pairs);
		if (e)
			goto out;
		cl_phase_done(o, "minhash", t0);
	}
	e = cl_graph_build(o, t->nr_entries, &r, g, &c->nr_edges);
	if (e)
		goto out;
	cl_phase_done(o, "graph", t0);
out:
	cl_counted_free(&cs);
	free(r.e);
	free(r.deg);
	return e;
}

int swarm_cluster(const struct swarm_trace *t,
		  const struct swarm_cluster_opts *o,
		  struct swarm_clusters *c, char *err, size_t errlen)
{
	struct graph g = { 0 };
	uint32_t *f;
	double t0;
	int e;

	memset(c, 0, sizeof(*c));
	c->nr_entries = t->nr_entries;
	if (!valid_opts(o)) {
		seterr(err, errlen, "invalid clustering options");
		return -EINVAL;
	}
	t0 = now_s();
	f = entry_counts(t);
	e = f ? cluster_graph(t, o, f, &g, c, &t0) : -ENOMEM;
	if (!e)
		e = cl_algorithm1(o, t->nr_entries, f, &g, c, &t0);
	cl_graph_free(&g);
	if (!e) {
		e = cl_weights(t, o, c);
		cl_phase_done(o, "weights", &t0);
	}
	if (e == -ENOMEM)
		seterr(err, errlen, "out of memory");
	free(f);
	if (e)
		swarm_clusters_free(c);
	return e;
}

/* ---- The result ---- */

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
	uint64_t i, k;
	char *tmp;
	FILE *f;
	int e;

	e = swarm_mapfile_create(path, comment, c->nr, c->first[c->nr],
				 c->nr_weights, &f, &tmp, err, errlen);
	if (e)
		return e;
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
	return swarm_mapfile_commit(f, tmp, path, err, errlen);
}
