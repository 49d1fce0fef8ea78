// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarmctl adapt <dev> --map <file> [--once] [options]
 *
 * Online adaptation (issue 14; DESIGN-NOTES "Online update"). Each round
 * records the device's reads for --interval seconds (the kernel's trace,
 * as "trace record" does), then over the last --window steps:
 *  - Eq. 9: every entry read that is in no cluster of the live map is
 *    watched; one whose distance 1 - f(e, m_i) / W_e to a cluster's
 *    medoid is below --tau joins that cluster: one delta upload ("add
 *    members"), after which the kernel's stable placement moves just the
 *    joined entries;
 *  - a cluster with more than --stale of its members not read with its
 *    medoid any more (stale) is dropped and added again without them;
 *  - the co-activation drift (the fraction of the reads no other read of
 *    their step shares a cluster with) is measured and printed; above
 *    --drift-max the round's trace is re-clustered and the clusters the
 *    live map lacks are uploaded as a delta.
 * Migrations run under --rate (the target's migrate_rate message). The
 * map file follows every change, so the next run starts from the live
 * map. One log line per change; the pure part is lib/adapt.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/dm-ioctl.h>

#include "cli/cli.h"
#include "cli/target.h"
#include "cluster/cluster.h"
#include "lib/adapt.h"

static const char adapt_usage[] =
"usage: swarmctl adapt <dev> --map <file> [--once] [--interval S]\n"
"           [--window W] [--tau T] [--min-co N] [--max-joins N]\n"
"           [--norm medoid|window] [--drift-max D] [--stale F]\n"
"           [--rate MIB/S]\n"
"           [--gap-us U] [--ring N] [--trace FILE] [--dry-run]\n"
"\n"
"Records the device's reads for S seconds (default 10) a round; new\n"
"entries (in no cluster of the map) join the cluster whose medoid they\n"
"are read with (Eq. 9: 1 - f(e,m)/W < tau); above the drift threshold\n"
"the round is re-clustered; a cluster with more than F of its members\n"
"stale (not read with its medoid) is refreshed without them. Each\n"
"change is a delta upload; <file>, the\n"
"live map, is rewritten after each. --once: one round. --trace: take\n"
"the round's steps from FILE instead of recording (implies --once).\n";

struct adapt {
	const char *dev, *map_path, *trace_path;
	struct swarm_adapt_opts o;
	double interval, drift_max, stale;
	uint64_t gap_us, rate;
	uint32_t ring;
	bool once, dry_run, quiet;
	struct target t;
	struct swarm_map map;
	uint64_t nr_entries;
	/* totals */
	uint64_t rounds, watched, joined, moved, reclusters, refreshed;
};

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return *s < '0' || *s > '9' || *end || errno ? -1 : 0;
}

static int parse_dbl(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return !*s || *end || errno ? -1 : 0;
}

static int adapt_parse(struct adapt *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "map", required_argument, NULL, 'm' },
		{ "once", no_argument, NULL, '1' },
		{ "interval", required_argument, NULL, 'i' },
		{ "window", required_argument, NULL, 'w' },
		{ "tau", required_argument, NULL, 't' },
		{ "min-co", required_argument, NULL, 'c' },
		{ "max-joins", required_argument, NULL, 'j' },
		{ "norm", required_argument, NULL, 'n' },
		{ "drift-max", required_argument, NULL, 'd' },
		{ "stale", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },
		{ "gap-us", required_argument, NULL, 'g' },
		{ "ring", required_argument, NULL, 'R' },
		{ "trace", required_argument, NULL, 'T' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c, bad = 0;

	swarm_adapt_defaults(&a->o);
	a->interval = 10;
	a->drift_max = 0.5;
	a->stale = 0.25;
	a->gap_us = 500;
	a->ring = 1U << 20;
	optind = 1;
	while (!bad && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			a->map_path = optarg;
			break;
		case '1':
			a->once = true;
			break;
		case 'i':
			bad = parse_dbl(optarg, &a->interval) || a->interval <= 0;
			break;
		case 'w':
			bad = parse_u64(optarg, &v) || v > UINT32_MAX;
			a->o.window = (uint32_t)v;
			break;
		case 't':
			bad = parse_dbl(optarg, &a->o.tau) || a->o.tau <= 0 ||
			      a->o.tau > 1;
			break;
		case 'c':
			bad = parse_u64(optarg, &v) || !v || v > UINT32_MAX;
			a->o.min_co = (uint32_t)v;
			break;
		case 'j':
			bad = parse_u64(optarg, &v) || !v ||
			      v >= DM_SWARM_MAX_COPIES;
			a->o.max_joins = (uint32_t)v;
			break;
		case 'n':
			if (!strcmp(optarg, "medoid"))
				a->o.norm = SWARM_ADAPT_NORM_MEDOID;
			else if (!strcmp(optarg, "window"))
				a->o.norm = SWARM_ADAPT_NORM_WINDOW;
			else
				bad = 1;
			break;
		case 'd':
			bad = parse_dbl(optarg, &a->drift_max) ||
			      a->drift_max < 0;
			break;
		case 's':
			bad = parse_dbl(optarg, &a->stale) || a->stale < 0 ||
			      a->stale > 1;
			break;
		case 'r':
			bad = parse_u64(optarg, &a->rate) || !a->rate ||
			      a->rate > (1U << 20);
			break;
		case 'g':
			bad = parse_u64(optarg, &a->gap_us);
			break;
		case 'R':
			bad = parse_u64(optarg, &v) || !v ||
			      v > DM_SWARM_TRACE_MAX_RING;
			a->ring = (uint32_t)v;
			break;
		case 'T':
			a->trace_path = optarg;
			a->once = true;
			break;
		case 'D':
			a->dry_run = true;
			break;
		case 'q':
			a->quiet = true;
			break;
		default:
			return usage(adapt_usage, NULL);
		}
		if (bad)
			return usage(adapt_usage, "adapt: bad value '%s'",
				     optarg);
	}
	if (optind + 1 != argc)
		return usage(adapt_usage, "adapt needs <dev>");
	if (!a->map_path)
		return usage(adapt_usage,
			     "adapt needs --map <file>, the live map");
	a->dev = argv[optind];
	return 0;
}

/* "dmsetup message <dev> 0 <msg>", through /dev/mapper/control. */
static int dm_message(const struct swarm_dev *dev, const char *msg)
{
	struct {
		struct dm_ioctl io;
		struct dm_target_msg m;
		char text[128];
	} req;
	int fd, r = 0;

	memset(&req, 0, sizeof(req));
	req.io.version[0] = DM_VERSION_MAJOR;
	req.io.data_size = sizeof(req);
	req.io.data_start = offsetof(typeof(req), m);
	req.io.dev = makedev(dev->major, dev->minor);
	snprintf(req.m.message, sizeof(req.text), "%s", msg);
	fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, DM_TARGET_MSG, &req))
		r = -errno;
	if (fd >= 0)
		close(fd);
	return r;
}

/* Upload @delta, wait for its migration, take it into the map file. */
static int upload_delta(struct adapt *a, const struct swarm_map *delta,
			const char *what, uint64_t *moved)
{
	char err[SWARM_ERR_MAX];
	struct swarm_stats st;
	struct swarm_map merged;
	uint64_t old;
	int r;

	*moved = 0;
	if (swarm_adapt_merge(&a->map, delta, &merged)) {
		fail("%s: cannot apply the delta to %s", what, a->map_path);
		return EXIT_FAILURE;
	}
	if (a->dry_run) {
		printf("adapt: dry run: %s not uploaded\n", what);
		swarm_map_free(&a->map);
		a->map = merged;
		return 0;
	}
	if (get_stats(&a->t, &st))
		goto fail;
	old = st.s.map_generation;
	if (swarm_map_check_entries(delta, what, st.s.nr_entries, err,
				    sizeof(err)) ||
	    swarm_map_upload(a->t.fd, &a->t.dev, delta, DM_SWARM_MAP_DELTA,
			     err, sizeof(err)) ||
	    swarm_map_wait(a->t.fd, &a->t.dev, old, NULL, NULL, &st, err,
			   sizeof(err))) {
		fail("%s", err);
		goto fail;
	}
	if (st.s.migrate_state == DM_SWARM_MIGRATE_DONE &&
	    st.s.migrate_generation == st.s.map_generation &&
	    st.s.migrate_generation > old)
		*moved = st.s.migrate_done;
	swarm_map_free(&a->map);
	a->map = merged;
	r = swarm_map_write(&a->map, a->map_path,
			    "written by swarmctl adapt", err, sizeof(err));
	if (r) {
		fail("%s", err);
		return EXIT_FAILURE;
	}
	printf("adapt: generation %llu: %s, %llu entr%s moved\n",
	       (unsigned long long)st.s.map_generation, what,
	       (unsigned long long)*moved, *moved == 1 ? "y" : "ies");
	return 0;
fail:
	swarm_map_free(&merged);
	return EXIT_FAILURE;
}

/* Eq. 9: the joins of @res, one delta. */
static int do_joins(struct adapt *a, const struct swarm_adapt_result *res)
{
	struct swarm_map delta;
	uint64_t moved;
	char what[96];
	size_t i;
	int r;

	if (!res->nr_joins)
		return 0;
	for (i = 0; i < res->nr_joins && !a->quiet; i++) {
		const struct swarm_adapt_join *j = &res->joins[i];

		printf("adapt: entry %" PRIu64 " joins cluster %" PRIu32
		       " (f %" PRIu32 " of %" PRIu32 " steps, d %.3f)\n",
		       j->entry, j->cluster, j->f, j->w, j->d);
	}
	if (swarm_adapt_join_delta(&a->map, res->joins, res->nr_joins,
				   &delta)) {
		fail("out of memory");
		return EXIT_FAILURE;
	}
	snprintf(what, sizeof(what), "%zu join%s into %" PRIu32 " cluster%s",
		 res->nr_joins, plural(res->nr_joins), delta.nr_clusters,
		 plural(delta.nr_clusters));
	r = upload_delta(a, &delta, what, &moved);
	swarm_map_free(&delta);
	if (!r) {
		a->joined += res->nr_joins;
		a->moved += moved;
	}
	return r;
}

/* Drift above the threshold: re-cluster @t, upload what the map lacks. */
static int do_recluster(struct adapt *a, const struct swarm_trace *t,
			double drift)
{
	struct swarm_cluster_opts co;
	struct swarm_clusters c;
	struct swarm_map delta;
	char err[SWARM_ERR_MAX], what[160];
	uint64_t members, moved;
	uint32_t added;
	int r;

	swarm_cluster_defaults(&co);
	if (swarm_cluster(t, &co, &c, err, sizeof(err))) {
		fail("re-clustering: %s", err);
		return EXIT_FAILURE;
	}
	r = swarm_adapt_recluster_delta(&a->map, c.nr, c.first, c.members,
					c.medoid, c.freq, &delta, &members,
					&added);
	if (r) {
		swarm_clusters_free(&c);
		fail("out of memory");
		return EXIT_FAILURE;
	}
	printf("adapt: drift %.3f above %.3f: re-clustered %" PRIu64
	       " steps into %" PRIu32 " clusters; the map lacks %" PRIu64
	       " members, %" PRIu32 " new clusters among them\n", drift,
	       a->drift_max, t->nr_steps, c.nr, members, added);
	swarm_clusters_free(&c);
	a->reclusters++;
	if (!delta.nr_clusters)
		return 0;
	snprintf(what, sizeof(what),
		 "re-clustering: %" PRIu64 " members into %" PRIu32
		 " clusters (%" PRIu32 " new)", members, delta.nr_clusters,
		 added);
	r = upload_delta(a, &delta, what, &moved);
	swarm_map_free(&delta);
	if (!r)
		a->moved += moved;
	return r;
}

/* Clusters with more than --stale of their members stale: refreshed. */
static int do_refresh(struct adapt *a, const struct swarm_trace *t)
{
	struct swarm_map delta;
	uint64_t stale, moved;
	uint32_t n;
	char what[128];
	int r;

	if (a->stale >= 1)
		return 0;
	if (swarm_adapt_refresh_delta(&a->map, t, &a->o, a->stale, &delta,
				      &stale, &n)) {
		fail("out of memory");
		return EXIT_FAILURE;
	}
	if (!n) {
		swarm_map_free(&delta);
		return 0;
	}
	snprintf(what, sizeof(what), "%" PRIu32 " cluster%s refreshed "
		 "without %" PRIu64 " stale member%s", n, plural(n), stale,
		 plural(stale));
	r = upload_delta(a, &delta, what, &moved);
	swarm_map_free(&delta);
	if (!r) {
		a->refreshed += n;
		a->moved += moved;
	}
	return r;
}

/* One round over the steps of @t. */
static int adapt_round(struct adapt *a, struct swarm_trace *t)
{
	struct swarm_adapt_result res, after;
	int r;

	if (!t->nr_steps) {
		printf("adapt: no reads in %.1f s\n", a->interval);
		return 0;
	}
	if (swarm_adapt_eval(&a->map, t, &a->o, &res)) {
		fail("out of memory");
		return EXIT_FAILURE;
	}
	a->rounds++;
	a->watched += res.watched;
	printf("adapt: window %" PRIu64 " steps, %" PRIu64 " reads: drift %.3f"
	       " (%" PRIu64 " reads not co-located), %" PRIu64
	       " new entries watched, %zu join%s\n", res.steps, res.reads,
	       res.drift, res.reads - res.colocated, res.watched, res.nr_joins,
	       plural(res.nr_joins));
	r = do_joins(a, &res);
	swarm_adapt_result_free(&res);
	if (!r)
		r = do_refresh(a, t);
	if (r)
		return r;
	if (swarm_adapt_eval(&a->map, t, &a->o, &after)) {
		fail("out of memory");
		return EXIT_FAILURE;
	}
	swarm_adapt_result_free(&after);
	if (after.drift > a->drift_max)
		r = do_recluster(a, t, after.drift);
	else
		printf("adapt: drift %.3f after the joins, threshold %.3f\n",
		       after.drift, a->drift_max);
	return r;
}

static int adapt_start(struct adapt *a)
{
	char err[SWARM_ERR_MAX], msg[64];
	struct swarm_stats st;
	int r;

	if (swarm_map_parse_file(a->map_path, &a->map, err, sizeof(err))) {
		fail("%s", err);
		return EXIT_FAILURE;
	}
	r = open_target(a->dev, &a->t);
	if (r)
		return r;
	if (get_stats(&a->t, &st))
		return EXIT_FAILURE;
	a->nr_entries = st.s.nr_entries;
	if (!st.s.map_generation && !a->dry_run) {
		fail("%s has no map: upload %s first (swarmctl map upload)",
		     a->dev, a->map_path);
		return EXIT_FAILURE;
	}
	if (a->rate && !a->dry_run) {
		snprintf(msg, sizeof(msg), "migrate_rate %" PRIu64, a->rate);
		r = dm_message(&a->t.dev, msg);
		if (r) {
			fail("%s: migrate_rate: %s", a->dev, strerror(-r));
			return EXIT_FAILURE;
		}
	}
	printf("adapt: %s: %" PRIu32 " clusters, %" PRIu64 " members in %s; "
	       "window %" PRIu32 ", tau %.3f, min-co %" PRIu32 ", norm %s, "
	       "drift threshold %.3f%s\n", a->dev, a->map.nr_clusters,
	       a->map.nr_members, a->map_path, a->o.window, a->o.tau,
	       a->o.min_co, a->o.norm == SWARM_ADAPT_NORM_WINDOW ? "window" :
	       "medoid", a->drift_max, a->dry_run ? " (dry run)" : "");
	return 0;
}

int cmd_adapt(int argc, char **argv)
{
	struct adapt a = { .t.fd = -1 };
	struct swarm_trace t;
	uint64_t reads, dropped;
	int r;

	r = adapt_parse(&a, argc, argv);
	if (!r)
		r = adapt_start(&a);
	while (!r) {
		if (a.trace_path) {
			r = read_trace(a.trace_path, a.nr_entries, 1, &t, NULL,
				       NULL, NULL);
		} else {
			r = record_trace(a.dev, a.interval, a.gap_us, a.ring,
					 &t, &reads, &dropped);
			if (!r && dropped)
				printf("adapt: %" PRIu64 " reads dropped (ring of "
				       "%" PRIu32 "): --ring\n", dropped, a.ring);
		}
		if (r)
			break;
		r = adapt_round(&a, &t);
		swarm_trace_free(&t);
		printf("adapt: totals: %" PRIu64 " rounds, watched %" PRIu64
		       ", joined %" PRIu64 ", moved %" PRIu64 ", refreshed %"
		       PRIu64 ", re-clusterings %" PRIu64 "\n", a.rounds,
		       a.watched, a.joined, a.moved, a.refreshed, a.reclusters);
		fflush(stdout);
		if (a.once || record_interrupted())
			break;
	}
	swarm_map_free(&a.map);
	if (a.t.fd >= 0)
		close(a.t.fd);
	return r;
}
