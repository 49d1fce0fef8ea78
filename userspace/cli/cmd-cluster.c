// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarmctl cluster: read a trace, cluster it (cluster/), write the map
 * file and, with --report, print the report (userspace/CLUSTERING.md).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cluster/cluster.h"
#include "lib/util.h"

/* The command line: the options as given, checked into @co and @ro. */
struct cluster_args {
	struct swarm_cluster_opts co;
	struct swarm_report_opts ro;
	uint64_t entries, layers, max_size, min_size, min_count;
	uint64_t min_pair, topk, threads, devs, esize, max_io, neighbours;
	double bw_mib;
	const char *out, *norm, *trace;
	bool report, timing, quiet;
	bool no_excess, no_refine;
};

static void cluster_defaults(struct cluster_args *a)
{
	long cpus;

	memset(a, 0, sizeof(*a));
	swarm_cluster_defaults(&a->co);
	swarm_report_defaults(&a->ro);
	a->layers = 1;
	a->norm = "min";
	/* every online CPU: the result does not depend on the count */
	cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	a->threads = cpus < 1 ? 1 : cpus > 64 ? 64 : cpus;
	a->max_size = a->co.max_size;
	a->min_size = a->co.min_size;
	a->min_count = a->co.min_count;
	a->min_pair = a->co.min_pair;
	a->topk = a->co.weight_topk;
	a->neighbours = a->co.neighbours;
	a->devs = a->ro.nr_devs;
	a->esize = a->ro.entry_size;
	a->max_io = a->ro.max_io;
	a->bw_mib = a->ro.bw / (1024 * 1024);
}

static int cluster_parse(struct cluster_args *a, int argc, char **argv)
{
	const struct opt opts[] = {
		{ "-o", 's', &a->out },
		{ "--tau", 'd', &a->co.tau },
		{ "--max-size", 'u', &a->max_size },
		{ "--min-size", 'u', &a->min_size },
		{ "--pair-cap", 'u', &a->co.pair_cap },
		{ "--entries", 'u', &a->entries },
		{ "--layers", 'u', &a->layers },
		{ "--min-count", 'u', &a->min_count },
		{ "--min-pair", 'u', &a->min_pair },
		{ "--norm", 's', &a->norm },
		{ "--no-excess", 'f', &a->no_excess },
		{ "--no-refine", 'f', &a->no_refine },
		{ "--shrink", 'd', &a->co.shrink },
		{ "--weight-min", 'u', &a->co.weight_min },
		{ "--weight-topk", 'u', &a->topk },
		{ "--threads", 'u', &a->threads },
		{ "--neighbours", 'u', &a->neighbours },
		{ "--cand-reads", 'u', &a->co.cand_reads },
		{ "--seed", 'u', &a->co.seed },
		{ "--report", 'f', &a->report },
		{ "--devices", 'u', &a->devs },
		{ "--bw", 'd', &a->bw_mib },
		{ "--iops", 'd', &a->ro.iops },
		{ "--entry-size", 'u', &a->esize },
		{ "--max-io", 'u', &a->max_io },
		{ "--timing", 'f', &a->timing },
		{ "--quiet", 'f', &a->quiet },
		{ NULL, 0, NULL },
	};
	const char *pos[1];
	int rc, np;

	rc = parse_opts("cluster", argc, argv, opts, pos, 1, &np);
	if (rc)
		return rc;
	if (np != 1 || !a->out)
		return usage(trace_usage,
			     "cluster needs <trace> and -o <map-file>");
	a->trace = pos[0];
	return 0;
}

/* The options' ranges: a usage error, else @co and @ro filled in. */
static int cluster_check(struct cluster_args *a)
{
	struct swarm_cluster_opts *co = &a->co;
	struct swarm_report_opts *ro = &a->ro;
	int rc;

	if (!(co->tau >= 0 && co->tau < 1))
		return usage(trace_usage, "cluster: --tau must be in [0, 1)");
	if (!co->pair_cap)
		return usage(trace_usage,
			     "cluster: --pair-cap must be at least 1");
	if (!a->min_size || a->max_size > (1U << 20) ||
	    (a->max_size && a->min_size > a->max_size))
		return usage(trace_usage, "cluster: need 1 <= --min-size <= "
			     "--max-size <= 1048576");
	if (!a->threads || a->threads > 64)
		return usage(trace_usage, "cluster: --threads must be 1..64");
	if (!a->devs || a->devs > 64)
		return usage(trace_usage, "cluster: --devices must be 1..64");
	if (!(a->bw_mib > 0) || !(ro->iops > 0))
		return usage(trace_usage,
			     "cluster: --bw and --iops must be positive");
	if (!a->esize || a->esize > (1U << 30) || a->max_io > (1U << 30))
		return usage(trace_usage,
			     "cluster: bad --entry-size or --max-io");
	if (a->min_count > UINT32_MAX || a->min_pair > UINT32_MAX ||
	    a->topk > UINT32_MAX || a->neighbours > UINT32_MAX)
		return usage(trace_usage, "cluster: option value too large");
	if (!strcmp(a->norm, "min"))
		co->norm = SWARM_NORM_MIN;
	else if (!strcmp(a->norm, "max"))
		co->norm = SWARM_NORM_MAX;
	else if (!strcmp(a->norm, "jaccard"))
		co->norm = SWARM_NORM_JACCARD;
	else
		return usage(trace_usage,
			     "cluster: --norm must be min, max or jaccard");
	rc = check_layers("cluster", a->layers);
	if (rc)
		return rc;
	co->excess = !a->no_excess;
	co->refine = !a->no_refine;
	if (!(co->shrink >= 0))
		return usage(trace_usage, "cluster: --shrink must be >= 0");
	co->max_size = a->max_size;
	co->min_size = a->min_size;
	co->min_count = a->min_count;
	co->min_pair = a->min_pair;
	co->weight_topk = a->topk;
	co->neighbours = a->neighbours;
	co->timing = a->timing;
	co->threads = a->threads;
	ro->nr_devs = a->devs;
	ro->bw = a->bw_mib * 1024 * 1024;
	ro->entry_size = a->esize;
	ro->max_io = a->max_io;
	return 0;
}

/* Read, cluster, write the map, report: the exit code. */
static int cluster_run(const struct cluster_args *a)
{
	const struct swarm_cluster_opts *co = &a->co;
	struct swarm_clusters c;
	struct swarm_trace t;
	double t0, t1, t2, t3;
	char err[512], comment[256];
	int rc;

	t0 = now_s();
	rc = read_trace(a->trace, a->entries, a->layers, &t, NULL, NULL, NULL);
	if (rc)
		return rc;
	t1 = now_s();
	if (swarm_cluster(&t, co, &c, err, sizeof(err))) {
		progress_end();
		fail("%s", err);
		swarm_trace_free(&t);
		return EXIT_FAILURE;
	}
	progress_end();
	t2 = now_s();
	if (!c.nr) {
		fail("%s: no clusters found (no entries co-activated within "
		     "tau %g); nothing written", a->trace, co->tau);
		rc = EXIT_FAILURE;
		goto out;
	}
	snprintf(comment, sizeof(comment),
		 "from %s: tau %g, max size %u, pair cap %" PRIu64
		 ", norm %s, min count %u, min pair %u", a->trace, co->tau,
		 co->max_size, co->pair_cap, a->norm, co->min_count,
		 co->min_pair);
	if (swarm_clusters_write(&c, a->out, comment, err, sizeof(err))) {
		fail("%s", err);
		rc = EXIT_FAILURE;
		goto out;
	}
	t3 = now_s();
	if (a->report &&
	    swarm_report(stdout, &t, &c, &a->ro, err, sizeof(err))) {
		fail("%s", err);
		rc = EXIT_FAILURE;
		goto out;
	}
	if (a->timing)
		fprintf(stderr, "timing: read %.2f s, cluster %.2f s, write %.2f s,"
			" total %.2f s, peak RSS %.0f MiB\n", t1 - t0, t2 - t1,
			t3 - t2, t3 - t0, peak_rss_mib());
out:
	swarm_clusters_free(&c);
	swarm_trace_free(&t);
	return rc;
}

int cmd_cluster(int argc, char **argv)
{
	struct cluster_args a;
	int rc;

	cluster_defaults(&a);
	rc = cluster_parse(&a, argc, argv);
	if (!rc)
		rc = cluster_check(&a);
	if (rc)
		return rc;
	show_progress = !a.quiet && isatty(STDERR_FILENO);
	a.co.progress = progress;
	return cluster_run(&a);
}
