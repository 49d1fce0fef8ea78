// SPDX-License-Identifier: GPL-2.0-only
/*
 * "swarmctl cluster --report": what the clusters look like, what each step
 * needs from them, and a simulated per-step I/O time under the paper's
 * Eq. 7 placement against "No Cluster" (sim.c). See
 * userspace/CLUSTERING.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "cluster/sim.h"
#include "lib/util.h"

void swarm_report_defaults(struct swarm_report_opts *o)
{
	o->nr_devs = 4;
	o->bw = 50.0 * 1024 * 1024;
	o->iops = 2000;
	o->entry_size = 4096;
	o->max_io = 128 * 1024;
}

/* The q-quantile of sorted @v (nearest rank). */
static size_t rank(size_t n, double q)
{
	size_t r = (size_t)(q * n + 0.999999);

	return r ? r - 1 : 0;
}

static void dist_u64(FILE *out, const char *what, uint64_t *v, size_t n)
{
	double sum = 0;
	size_t i;

	if (!n) {
		fprintf(out, "  %-28s none\n", what);
		return;
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++)
		sum += v[i];
	fprintf(out, "  %-28s mean %.2f  p50 %" PRIu64 "  p99 %" PRIu64
		"  min %" PRIu64 "  max %" PRIu64 "\n", what, sum / n,
		v[rank(n, 0.5)], v[rank(n, 0.99)], v[0], v[n - 1]);
}

static double dist_time(FILE *out, const char *what, double *v, size_t n)
{
	double sum = 0;
	size_t i;

	qsort(v, n, sizeof(*v), cmp_double);
	for (i = 0; i < n; i++)
		sum += v[i];
	fprintf(out, "  %-28s mean %.3f ms  p50 %.3f ms  p99 %.3f ms\n", what,
		1e3 * sum / n, 1e3 * v[rank(n, 0.5)], 1e3 * v[rank(n, 0.99)]);
	return sum / n;
}

struct bufs {
	uint64_t *a;
	size_t n, cap;
};

static int push(struct bufs *b, uint64_t v)
{
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 1024;
		uint64_t *p = realloc(b->a, nc * sizeof(*p));

		if (!p)
			return -ENOMEM;
		b->a = p;
		b->cap = nc;
	}
	b->a[b->n++] = v;
	return 0;
}

struct touched {
	uint32_t k, hits;
};

static int cmp_touched(const void *a, const void *b)
{
	const struct touched *x = a, *y = b;

	if (x->hits != y->hits)
		return x->hits > y->hits ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* The report's state: the model, the layouts, the per-step figures. */
struct report {
	FILE *out;
	const struct swarm_trace *t;
	const struct swarm_clusters *c;
	struct swarm_sim_model m;
	struct swarm_entry_clusters ec;
	uint64_t n, S;		/* entries, steps */
	/* Eq. 7's locations: of each member, of each loose entry */
	uint64_t *mloc, *lloc;
	uint64_t *loose_idx;	/* per entry: its index in @lloc, or none */
	/* per entry: the step that read it + 1, the step that counted it */
	uint64_t *instep, *mark;
	/* per cluster: its hits in the step; the step's clusters */
	uint32_t *hits;
	struct touched *tl;
	/* per step */
	uint64_t *needed, *extra;
	double *tnc, *teq, *twc;
	/* the step's locations: no cluster, its entries, whole clusters */
	struct bufs b1, b2, b3;
};

/* The clusters: sizes, frequencies, what they cover. */
static int report_clusters(struct report *R)
{
	const struct swarm_trace *t = R->t;
	const struct swarm_clusters *c = R->c;
	const struct swarm_entry_clusters *ec = &R->ec;
	uint64_t nm = c->first[c->nr], distinct = 0, seen = 0;
	uint64_t *sizes = malloc((c->nr + 1) * sizeof(*sizes));
	uint64_t *fr = malloc((c->nr + 1) * sizeof(*fr));
	uint64_t i, clustered_reads = 0, S = R->S, n = R->n;
	FILE *out = R->out;

	if (!sizes || !fr) {
		free(sizes);
		free(fr);
		return -ENOMEM;
	}
	for (i = 0; i < c->nr; i++) {
		sizes[i] = c->first[i + 1] - c->first[i];
		fr[i] = c->freq[i];
	}
	for (i = 0; i < t->nr_reads; i++)
		R->mark[t->ids[i]] = 1;
	for (i = 0; i < n; i++) {
		seen += R->mark[i];
		if (ec->off[i + 1] > ec->off[i])
			distinct++;
		R->mark[i] = 0;
	}
	for (i = 0; i < t->nr_reads; i++)
		clustered_reads += ec->off[t->ids[i] + 1] > ec->off[t->ids[i]];
	fprintf(out, "trace: %" PRIu64 " steps, %" PRIu64 " entries (%" PRIu64
		" read), %" PRIu64 " reads, %.1f per step\n", S, n, seen,
		t->nr_reads, (double)t->nr_reads / S);
	fprintf(out, "graph: %" PRIu64 " pairs counted, %" PRIu64 " edges\n",
		c->nr_pairs, c->nr_edges);
	fprintf(out, "clusters: %" PRIu32 ", %" PRIu64 " members, %" PRIu64
		" distinct entries (%.1f%% of those read), replication factor %.3f\n",
		c->nr, nm, distinct, seen ? 100.0 * distinct / seen : 0,
		distinct ? (double)nm / distinct : 0);
	fprintf(out, "  reads of clustered entries: %.1f%%\n",
		t->nr_reads ? 100.0 * clustered_reads / t->nr_reads : 0);
	dist_u64(out, "cluster size:", sizes, c->nr);
	dist_u64(out, "cluster frequency:", fr, c->nr);
	fprintf(out, "  weights: %" PRIu64 "\n", c->nr_weights);
	free(sizes);
	free(fr);
	return 0;
}

/* Eq. 7's layout: clusters in id order, then the loose entries. */
static int report_layouts(struct report *R)
{
	const struct swarm_entry_clusters *ec = &R->ec;
	uint64_t i, j, nloose = 0;

	for (i = 0; i < R->n; i++)
		if (ec->off[i + 1] == ec->off[i])
			nloose++;
	R->lloc = malloc((nloose + 1) * sizeof(*R->lloc));
	if (!R->lloc)
		return -ENOMEM;
	for (i = j = 0; i < R->n; i++) {
		R->loose_idx[i] = UINT64_MAX;
		if (ec->off[i + 1] == ec->off[i])
			R->loose_idx[i] = j++;
	}
	swarm_sim_eq7(&R->m, R->c->nr, R->c->first, R->mloc, nloose, R->lloc);
	return 0;
}

/*
 * The clusters step @s needs, greedily (most hits first, while a cluster
 * covers new entries): their count, the extra entries they bring, and
 * their locations (b2: the step's entries, b3: whole clusters).
 */
static int step_clusters(struct report *R, uint64_t s, uint64_t stamp,
			 uint64_t nt)
{
	const struct swarm_clusters *c = R->c;
	uint64_t i, ne = 0;

	qsort(R->tl, nt, sizeof(*R->tl), cmp_touched);
	R->needed[s] = 0;
	R->extra[s] = 0;
	for (i = 0; i < nt; i++) {
		uint64_t lo = c->first[R->tl[i].k], hi = c->first[R->tl[i].k + 1];
		uint64_t fresh = 0, x;

		for (x = lo; x < hi; x++)
			if (R->instep[c->members[x]] == stamp &&
			    R->mark[c->members[x]] != stamp)
				fresh++;
		if (!fresh)
			continue;
		R->needed[s]++;
		for (x = lo; x < hi; x++) {
			uint32_t id = c->members[x];

			if (push(&R->b3, R->mloc[x]))
				return -ENOMEM;
			if (R->instep[id] == stamp) {
				if (R->mark[id] != stamp && push(&R->b2, R->mloc[x]))
					return -ENOMEM;
				R->mark[id] = stamp;
			} else if (R->mark[id] != stamp) {
				R->mark[id] = stamp;
				ne++;
			}
		}
	}
	R->extra[s] = ne;
	return 0;
}

/* Step @s: the clusters it needs, and its simulated I/O time each way. */
static int report_step(struct report *R, uint64_t s)
{
	const struct swarm_trace *t = R->t;
	const struct swarm_entry_clusters *ec = &R->ec;
	uint64_t nt = 0, k, stamp = s + 1, i, j;
	struct swarm_sim_step st;

	R->b1.n = R->b2.n = R->b3.n = 0;
	for (i = t->off[s]; i < t->off[s + 1]; i++) {
		uint32_t id = t->ids[i];

		R->instep[id] = stamp;
		if (push(&R->b1, swarm_sim_nocluster(&R->m, id)))
			return -ENOMEM;
		for (j = ec->off[id]; j < ec->off[id + 1]; j++) {
			k = ec->ids[j];
			if (!R->hits[k]++)
				R->tl[nt++].k = k;
		}
	}
	for (i = 0; i < nt; i++) {
		R->tl[i].hits = R->hits[R->tl[i].k];
		R->hits[R->tl[i].k] = 0;
	}
	if (step_clusters(R, s, stamp, nt))
		return -ENOMEM;
	for (i = t->off[s]; i < t->off[s + 1]; i++) {
		uint32_t id = t->ids[i];

		if (R->loose_idx[id] != UINT64_MAX) {
			if (push(&R->b2, R->lloc[R->loose_idx[id]]) ||
			    push(&R->b3, R->lloc[R->loose_idx[id]]))
				return -ENOMEM;
		}
	}
	st = swarm_sim_cost(&R->m, R->b1.a, R->b1.n);
	R->tnc[s] = st.time;
	st = swarm_sim_cost(&R->m, R->b2.a, R->b2.n);
	R->teq[s] = st.time;
	st = swarm_sim_cost(&R->m, R->b3.a, R->b3.n);
	R->twc[s] = st.time;
	return 0;
}

/* The per-step figures. */
static void report_steps(struct report *R)
{
	const struct swarm_sim_model *m = &R->m;
	double mnc, meq, mwc;
	FILE *out = R->out;

	fprintf(out, "per step:\n");
	dist_u64(out, "clusters needed:", R->needed, R->S);
	dist_u64(out, "extra entries read:", R->extra, R->S);
	fprintf(out, "simulated I/O per step: %u devices, %.1f MiB/s, %.0f IOPS, "
		"%" PRIu32 " B entries, %" PRIu32 " B max request\n",
		m->nr_devs, m->bw / (1024 * 1024), m->iops, m->entry_size,
		m->max_io);
	mnc = dist_time(out, "no cluster:", R->tnc, R->S);
	meq = dist_time(out, "eq7, step's entries:", R->teq, R->S);
	mwc = dist_time(out, "eq7, whole clusters:", R->twc, R->S);
	fprintf(out, "  speed-up over no cluster: %.2fx (step's entries), "
		"%.2fx (whole clusters)\n", meq > 0 ? mnc / meq : 0,
		mwc > 0 ? mnc / mwc : 0);
}

static int report_alloc(struct report *R)
{
	const struct swarm_clusters *c = R->c;
	uint64_t n = R->n, S = R->S, nm = c->first[c->nr];

	R->needed = malloc(S * sizeof(*R->needed));
	R->extra = malloc(S * sizeof(*R->extra));
	R->tnc = malloc(S * sizeof(*R->tnc));
	R->teq = malloc(S * sizeof(*R->teq));
	R->twc = malloc(S * sizeof(*R->twc));
	R->instep = calloc(n + 1, sizeof(*R->instep));
	R->mark = calloc(n + 1, sizeof(*R->mark));
	R->loose_idx = malloc((n + 1) * sizeof(*R->loose_idx));
	R->hits = calloc(c->nr + 1, sizeof(*R->hits));
	R->tl = malloc((c->nr + 1) * sizeof(*R->tl));
	R->mloc = malloc((nm + 1) * sizeof(*R->mloc));
	if (!R->needed || !R->extra || !R->tnc || !R->teq || !R->twc ||
	    !R->instep || !R->mark || !R->loose_idx || !R->hits || !R->tl ||
	    !R->mloc || swarm_entry_clusters(c, &R->ec))
		return -ENOMEM;
	return 0;
}

static void report_free(struct report *R)
{
	swarm_entry_clusters_free(&R->ec);
	free(R->needed);
	free(R->extra);
	free(R->tnc);
	free(R->teq);
	free(R->twc);
	free(R->instep);
	free(R->mark);
	free(R->loose_idx);
	free(R->lloc);
	free(R->hits);
	free(R->tl);
	free(R->mloc);
	free(R->b1.a);
	free(R->b2.a);
	free(R->b3.a);
}

int swarm_report(FILE *out, const struct swarm_trace *t,
		 const struct swarm_clusters *c,
		 const struct swarm_report_opts *o, char *err, size_t errlen)
{
	struct report R = {
		.out = out, .t = t, .c = c,
		.m = {
			.nr_devs = o->nr_devs, .bw = o->bw, .iops = o->iops,
			.entry_size = o->entry_size, .max_io = o->max_io,
		},
		.n = t->nr_entries, .S = t->nr_steps,
	};
	uint64_t s;
	int e;

	if (!o->nr_devs || o->nr_devs > 64 || !(o->bw > 0) || !(o->iops > 0) ||
	    !o->entry_size) {
		seterr(err, errlen, "invalid device model");
		return -EINVAL;
	}
	e = report_alloc(&R);
	if (!e)
		e = report_clusters(&R);
	if (!e)
		e = report_layouts(&R);
	for (s = 0; !e && s < R.S; s++)
		e = report_step(&R, s);
	if (!e)
		report_steps(&R);
	if (e)
		seterr(err, errlen, "report: out of memory");
	report_free(&R);
	return e;
}
