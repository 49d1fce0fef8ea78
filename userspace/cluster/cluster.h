/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Offline co-activation clustering (the paper's Algorithm 1 on a sparse
 * co-activation graph), per-cluster frequencies, cluster-to-cluster
 * weights, the map file writer, and the report. See
 * userspace/CLUSTERING.md. The phases are the files of cluster/, run
 * in order by cluster.c (internal.h lists them).
 */
#ifndef SWARM_CLUSTER_H
#define SWARM_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/trace.h"

enum swarm_norm {
	SWARM_NORM_MIN,		/* f(a,b) / min(f(a), f(b)), the default */
	SWARM_NORM_MAX,		/* f(a,b) / max(f(a), f(b)) */
	SWARM_NORM_JACCARD,	/* f(a,b) / (f(a) + f(b) - f(a,b)) */
};

/**
 * struct swarm_cluster_opts - parameters of swarm_cluster().
 * @tau: radius, 0 <= tau < 1.
 * @max_size: largest cluster (0: no limit but DM_SWARM_MAX_CLUSTER_SIZE).
 * @min_size: smallest cluster written (smaller ones are dropped, their
 *	entries stay unclustered).
 * @pair_cap: most entry pairs counted per step (see CLUSTERING.md).
 * @min_count: entries read in fewer steps are not clustered.
 * @min_pair: pairs seen in fewer steps are not edges of the graph.
 * @norm: the normalisation of f(a,b).
 * @excess: subtract the co-occurrences expected by chance,
 *	f(a) f(b) / steps, from f(a,b) and from the denominator.
 * @refine: after Algorithm 1, let every entry join each cluster it fits
 *	(average distance to the members <= tau, near at least half).
 * @keep: edges with a larger distance are dropped (and count as 1).
 * @shrink: added to the denominator, so that pairs seen in few steps
 *	count less.
 * @weight_min: smallest cluster-to-cluster weight written.
 * @weight_topk: per cluster, the heaviest weights kept.
 * @seed: seed of the per-step pair sampling.
 * @threads: threads for the pairs, the refinement and the weights
 *	(0: 1); the result is the same for any number.
 * @neighbours: edges kept per entry, its nearest (0: 128).
 * @cand_reads: about how many reads are scanned per entry for its
 *	neighbours (0: 8192; see CLUSTERING.md).
 * @cand_total: more reads per entry are scanned while all of them stay
 *	within this (default 2^31): small traces are counted exactly.
 * @plain_count: count every sighting of a candidate in its counter, not
 *	the first one in a bit (the same result; tests compare the two).
 * @timing: print each phase's seconds and the peak RSS on stderr.
 * @progress: called with a phase name and the fraction done (may be NULL).
 */
struct swarm_cluster_opts {
	double tau;
	uint32_t max_size;
	uint32_t min_size;
	uint64_t pair_cap;
	uint32_t min_count;
	uint32_t min_pair;
	enum swarm_norm norm;
	bool excess;
	double shrink;
	bool refine;
	float keep;
	uint64_t weight_min;
	uint32_t weight_topk;
	uint64_t seed;
	unsigned int threads;
	uint32_t neighbours;
	uint64_t cand_reads;
	uint64_t cand_total;
	bool plain_count;
	bool timing;
	void (*progress)(const char *phase, double done);
};

struct swarm_cweight {
	uint32_t a, b;
	uint64_t w;
};

/**
 * struct swarm_clusters - the result.
 * @nr: number of clusters, ids 0..nr-1 (in the order they were formed:
 *	densest medoid first).
 * @first: @nr + 1 offsets into @members.
 * @members: each cluster's members, medoid first, then in join order.
 * @medoid: each cluster's medoid.
 * @freq: each cluster's activation count (steps that read at least half
 *	of its members).
 * @weights: @nr_weights cluster pairs read together (a < b).
 * @nr_entries: the trace's entry count.
 * @nr_edges: edges of the co-activation graph (for reports).
 * @nr_pairs: distinct pairs counted.
 */
struct swarm_clusters {
	uint32_t nr;
	uint64_t *first;
	uint32_t *members;
	uint32_t *medoid;
	uint64_t *freq;
	struct swarm_cweight *weights;
	uint64_t nr_weights;
	uint64_t nr_entries;
	uint64_t nr_edges;
	uint64_t nr_pairs;
};

void swarm_cluster_defaults(struct swarm_cluster_opts *o);
int swarm_cluster(const struct swarm_trace *t,
		  const struct swarm_cluster_opts *o,
		  struct swarm_clusters *c, char *err, size_t errlen);
void swarm_clusters_free(struct swarm_clusters *c);

/*
 * Write @c as a map file (userspace/MAP-FORMAT.md) to @path, atomically
 * (PATH.tmp renamed). @comment (may be NULL): a "# ..." header line.
 */
int swarm_clusters_write(const struct swarm_clusters *c, const char *path,
			 const char *comment, char *err, size_t errlen);

/* entry -> clusters, CSR: clusters of entry e are ids[off[e]..off[e+1]). */
struct swarm_entry_clusters {
	uint64_t *off;
	uint32_t *ids;
};

int swarm_entry_clusters(const struct swarm_clusters *c,
			 struct swarm_entry_clusters *ec);
void swarm_entry_clusters_free(struct swarm_entry_clusters *ec);

/* ---- Report (cluster/report.c) ---- */

struct swarm_report_opts {
	unsigned int nr_devs;
	double bw;		/* bytes per second per device */
	double iops;		/* requests per second per device */
	uint32_t entry_size;	/* bytes */
	uint32_t max_io;	/* bytes per request, 0: no limit */
};

void swarm_report_defaults(struct swarm_report_opts *o);
/* Print the report on @out. */
int swarm_report(FILE *out, const struct swarm_trace *t,
		 const struct swarm_clusters *c,
		 const struct swarm_report_opts *o, char *err, size_t errlen);

#endif /* SWARM_CLUSTER_H */
