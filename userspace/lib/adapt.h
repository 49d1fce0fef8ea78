/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Online adaptation (swarmctl adapt, cli/cmd-adapt.c): the pure part.
 *
 *  - Eq. 9 (DESIGN-NOTES "Online update"): a new entry (one in no cluster
 *    of the live map) read in the last W steps is watched; f(e, m_i), the
 *    steps that read both e and cluster i's medoid since e's first read
 *    in the window, is counted, and e joins cluster i when its distance
 *    d(e, C_i) = 1 - f(e, m_i) / W_e is below tau;
 *  - the co-activation drift of a window under a map: the fraction of
 *    the reads that no other read of their step shares a cluster with;
 *  - a re-clustering of the window turned into a delta over the live map;
 *  - deltas applied to a map in memory, and maps written as files.
 *
 * Plain C over struct swarm_map (libswarm) and struct swarm_trace.
 */
#ifndef SWARM_ADAPT_H
#define SWARM_ADAPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/libswarm.h"
#include "lib/trace.h"

/*
 * W_e, the denominator of Eq. 9: the steps of the window since e's first
 * read (the paper's W, NORM_WINDOW), or only those of them that read
 * the medoid (NORM_MEDOID, the default: a cluster activated in one step
 * of ten can still be joined).
 */
enum swarm_adapt_norm {
	SWARM_ADAPT_NORM_MEDOID,
	SWARM_ADAPT_NORM_WINDOW,
};

/**
 * struct swarm_adapt_opts - parameters of swarm_adapt_eval().
 * @window: W, the last steps looked at (0: the whole trace).
 * @tau: an entry joins a cluster when d < @tau (0 < tau <= 1).
 * @min_co: and f(e, m_i) >= @min_co (noise read once or twice with a
 *	medoid joins nothing).
 * @max_joins: clusters one entry joins at most, nearest first (each
 *	join is a copy).
 * @norm: the denominator W_e.
 */
struct swarm_adapt_opts {
	uint32_t window;
	double tau;
	uint32_t min_co;
	uint32_t max_joins;
	enum swarm_adapt_norm norm;
};

/**
 * struct swarm_adapt_join - one entry joining one cluster.
 * @entry: the new entry.
 * @cluster: the cluster's id in the map.
 * @f: f(e, m_i), steps that read both.
 * @w: W_e.
 * @d: 1 - @f / @w.
 */
struct swarm_adapt_join {
	uint64_t entry;
	uint32_t cluster;
	uint32_t f;
	uint32_t w;
	double d;
};

/**
 * struct swarm_adapt_result - what swarm_adapt_eval() found.
 * @joins: @nr_joins joins, by entry, then distance.
 * @steps: steps in the window.
 * @reads: reads in the window.
 * @watched: distinct new entries read in the window.
 * @colocated: reads sharing a cluster with another read of their step.
 * @drift: 1 - @colocated / @reads (0 without reads).
 */
struct swarm_adapt_result {
	struct swarm_adapt_join *joins;
	size_t nr_joins;
	uint64_t steps;
	uint64_t reads;
	uint64_t watched;
	uint64_t colocated;
	double drift;
};

void swarm_adapt_defaults(struct swarm_adapt_opts *o);

/*
 * Eq. 9 and the drift over the last @o->window steps of @t under @map.
 * 0 or -ENOMEM; free @r with swarm_adapt_result_free().
 */
int swarm_adapt_eval(const struct swarm_map *map, const struct swarm_trace *t,
		     const struct swarm_adapt_opts *o,
		     struct swarm_adapt_result *r);
void swarm_adapt_result_free(struct swarm_adapt_result *r);

/*
 * The delta (MAP-FORMAT.md, "Deltas") that adds the @n joins to their
 * clusters: one record per cluster, with its medoid and frequency from
 * @map. 0 or -ENOMEM; free @delta with swarm_map_free().
 */
int swarm_adapt_join_delta(const struct swarm_map *map,
			   const struct swarm_adapt_join *joins, size_t n,
			   struct swarm_map *delta);

/*
 * A re-clustering of the window, @nr clusters (cluster k: medoid
 * @medoid[k], frequency @freq[k], members @members[@first[k] ..
 * @first[k + 1]), as swarm_cluster() gives them), made into a delta over
 * @map that only adds: a new cluster that is more than half one live
 * cluster gives that cluster its members it lacks; one of which at least
 * half the members are in no live cluster is added as a cluster; others
 * (the live map has them already, split otherwise) change nothing.
 * 0 or -ENOMEM; *@added_members and *@added_clusters count the change.
 */
int swarm_adapt_recluster_delta(const struct swarm_map *map, uint32_t nr,
				const uint64_t *first, const uint32_t *members,
				const uint32_t *medoid, const uint64_t *freq,
				struct swarm_map *delta,
				uint64_t *added_members,
				uint32_t *added_clusters);

/*
 * Stale members (a drifting workload): in each cluster whose medoid was
 * read in at least @o->min_co steps of the last @o->window steps of @t, a
 * member (not the medoid) read in fewer than 1 - @o->tau of those steps
 * is stale. A cluster with more than @frac of its members stale is
 * refreshed: the delta drops it and adds it again, at the end of the
 * map, without them (its medoid and frequency kept). 0 or -ENOMEM;
 * *@stale counts the members left out, *@refreshed the clusters.
 */
int swarm_adapt_refresh_delta(const struct swarm_map *map,
			      const struct swarm_trace *t,
			      const struct swarm_adapt_opts *o, double frac,
			      struct swarm_map *delta, uint64_t *stale,
			      uint32_t *refreshed);

/*
 * @map with @delta applied as the kernel applies it (swarm_upload_merge()):
 * members added, medoid and frequency replaced, new clusters appended,
 * dropped ones removed and the ids renumbered in order. 0, -ERANGE (an
 * id the delta cannot name) or -ENOMEM.
 */
int swarm_adapt_merge(const struct swarm_map *map,
		      const struct swarm_map *delta, struct swarm_map *out);

/*
 * Write @map as a map file (clusters by id) to @path, atomically
 * (PATH.tmp renamed); @comment (may be NULL) a "# " line.
 */
int swarm_map_write(const struct swarm_map *map, const char *path,
		    const char *comment, char *err, size_t errlen);

#endif /* SWARM_ADAPT_H */
