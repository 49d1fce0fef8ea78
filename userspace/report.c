// SPDX-License-Identifier: GPL-2.0-only
/*
 * "swarmctl cluster --report": what the clusters look like, what each step
 * needs from them, and a simulated per-step I/O time under the paper's
 * Eq. 7 placement against "No Cluster". See userspace/CLUSTERING.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "sim.h"

void swarm_report_defaults(struct swarm_report_opts *o)
{
	o->nr_devs = 4;
	o->bw = 50.0 * 1024 * 1024;
	o->iops = 2000;
	o->entry_size = 4096;
	o->max_io = 128 * 1024;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
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

	qsort(v, n, sizeof(*v), cmp_dbl);
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

int swarm_report(FILE *out, const struct swarm_trace *t,
		 const struct swarm_clusters *c,
		 const struct swarm_report_opts *o, char *err, size_t errlen)
{
	struct swarm_sim_model m = {
		.nr_devs = o->nr_devs, .bw = o->bw, .iops = o->iops,
		.entry_size = o->entry_size, .max_io = o->max_io,
	};
	uint64_t n = t->nr_entries, S = t->nr_steps, i, j, s;
	uint64_t nm = c->first[c->nr], distinct = 0, nloose = 0, seen = 0;
	uint64_t *sizes = NULL, *needed = NULL, *extra = NULL, *loose = NULL;
	uint64_t *mloc = NULL, *lloc = NULL, *loose_idx = NULL;
	uint64_t *instep = NULL, *mark = NULL, clustered_reads = 0;
	uint32_t *hits = NULL;
	struct touched *tl = NULL;
	double *tnc = NULL, *teq = NULL, *twc = NULL, mnc, meq, mwc;
	struct swarm_entry_clusters ec = { 0 };
	struct bufs b1 = { 0 }, b2 = { 0 }, b3 = { 0 };
	uint64_t *fr = NULL;
	int e = -ENOMEM;

	if (!o->nr_devs || o->nr_devs > 64 || !(o->bw > 0) || !(o->iops > 0) ||
	    !o->entry_size) {
		snprintf(err, errlen, "invalid device model");
		return -EINVAL;
	}
	sizes = malloc((c->nr + 1) * sizeof(*sizes));
	fr = malloc((c->nr + 1) * sizeof(*fr));
	needed = malloc(S * sizeof(*needed));
	extra = malloc(S * sizeof(*extra));
	tnc = malloc(S * sizeof(*tnc));
	teq = malloc(S * sizeof(*teq));
	twc = malloc(S * sizeof(*twc));
	instep = calloc(n + 1, sizeof(*instep));
	mark = calloc(n + 1, sizeof(*mark));
	loose_idx = malloc((n + 1) * sizeof(*loose_idx));
	hits = calloc(c->nr + 1, sizeof(*hits));
	tl = malloc((c->nr + 1) * sizeof(*tl));
	mloc = malloc((nm + 1) * sizeof(*mloc));
	if (!sizes || !fr || !needed || !extra || !tnc || !teq || !twc ||
	    !instep || !mark || !loose_idx || !hits || !tl || !mloc ||
	    swarm_entry_clusters(c, &ec))
		goto out;

	/* The clusters. */
	for (i = 0; i < c->nr; i++) {
		sizes[i] = c->first[i + 1] - c->first[i];
		fr[i] = c->freq[i];
	}
	for (i = 0; i < t->nr_reads; i++)
		mark[t->ids[i]] = 1;
	for (i = 0; i < n; i++) {
		seen += mark[i];
		if (ec.off[i + 1] > ec.off[i])
			distinct++;
		mark[i] = 0;
	}
	for (i = 0; i < t->nr_reads; i++)
		clustered_reads += ec.off[t->ids[i] + 1] > ec.off[t->ids[i]];
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

	/* Layouts. */
	for (i = 0; i < n; i++)
		if (ec.off[i + 1] == ec.off[i])
			nloose++;
	loose = malloc((nloose + 1) * sizeof(*loose));
	lloc = malloc((nloose + 1) * sizeof(*lloc));
	if (!loose || !lloc)
		goto out;
	for (i = j = 0; i < n; i++) {
		loose_idx[i] = UINT64_MAX;
		if (ec.off[i + 1] == ec.off[i]) {
			loose_idx[i] = j;
			loose[j++] = i;
		}
	}
	swarm_sim_eq7(&m, c->nr, c->first, mloc, nloose, lloc);

	/* Per step. */
	for (s = 0; s < S; s++) {
		uint64_t nt = 0, ne = 0, k, stamp = s + 1;
		struct swarm_sim_step st;

		b1.n = b2.n = b3.n = 0;
		for (i = t->off[s]; i < t->off[s + 1]; i++) {
			uint32_t id = t->ids[i];

			instep[id] = stamp;
			if (push(&b1, swarm_sim_nocluster(&m, id)))
				goto out;
			for (j = ec.off[id]; j < ec.off[id + 1]; j++) {
				k = ec.ids[j];
				if (!hits[k]++)
					tl[nt++].k = k;
			}
		}
		for (i = 0; i < nt; i++) {
			tl[i].hits = hits[tl[i].k];
			hits[tl[i].k] = 0;
		}
		qsort(tl, nt, sizeof(*tl), cmp_touched);
		needed[s] = 0;
		extra[s] = 0;
		/* greedy: most hits first, while a cluster covers new entries */
		for (i = 0; i < nt; i++) {
			uint64_t lo = c->first[tl[i].k], hi = c->first[tl[i].k + 1];
			uint64_t fresh = 0, x;

			for (x = lo; x < hi; x++)
				if (instep[c->members[x]] == stamp &&
				    mark[c->members[x]] != stamp)
					fresh++;
			if (!fresh)
				continue;
			needed[s]++;
			for (x = lo; x < hi; x++) {
				uint32_t id = c->members[x];

				if (push(&b3, mloc[x]))
					goto out;
				if (instep[id] == stamp) {
					if (mark[id] != stamp && push(&b2, mloc[x]))
						goto out;
					mark[id] = stamp;
				} else if (mark[id] != stamp) {
					mark[id] = stamp;
					ne++;
				}
			}
		}
		extra[s] = ne;
		for (i = t->off[s]; i < t->off[s + 1]; i++) {
			uint32_t id = t->ids[i];

			if (loose_idx[id] != UINT64_MAX) {
				if (push(&b2, lloc[loose_idx[id]]) ||
				    push(&b3, lloc[loose_idx[id]]))
					goto out;
			}
		}
		st = swarm_sim_cost(&m, b1.a, b1.n);
		tnc[s] = st.time;
		st = swarm_sim_cost(&m, b2.a, b2.n);
		teq[s] = st.time;
		st = swarm_sim_cost(&m, b3.a, b3.n);
		twc[s] = st.time;
	}
	fprintf(out, "per step:\n");
	dist_u64(out, "clusters needed:", needed, S);
	dist_u64(out, "extra entries read:", extra, S);
	fprintf(out, "simulated I/O per step: %u devices, %.1f MiB/s, %.0f IOPS, "
		"%" PRIu32 " B entries, %" PRIu32 " B max request\n",
		m.nr_devs, m.bw / (1024 * 1024), m.iops, m.entry_size,
		m.max_io);
	mnc = dist_time(out, "no cluster:", tnc, S);
	meq = dist_time(out, "eq7, step's entries:", teq, S);
	mwc = dist_time(out, "eq7, whole clusters:", twc, S);
	fprintf(out, "  speed-up over no cluster: %.2fx (step's entries), "
		"%.2fx (whole clusters)\n", meq > 0 ? mnc / meq : 0,
		mwc > 0 ? mnc / mwc : 0);
	e = 0;
out:
	if (e)
		snprintf(err, errlen, "report: out of memory");
	swarm_entry_clusters_free(&ec);
	free(sizes);
	free(fr);
	free(needed);
	free(extra);
	free(tnc);
	free(teq);
	free(twc);
	free(instep);
	free(mark);
	free(loose_idx);
	free(loose);
	free(lloc);
	free(hits);
	free(tl);
	free(mloc);
	free(b1.a);
	free(b2.a);
	free(b3.a);
	return e;
}
