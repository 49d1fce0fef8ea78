// SPDX-License-Identifier: GPL-2.0-only
/*
 * A user-space simulation of the DRAM tier (not a test): replays an
 * activation trace through the kernel's own policy code
 * (kmod/swarm-cache-policy.c), for cost-benefit and LRU, at cache sizes
 * given as per cent of the distinct entries the trace reads, and prints
 * the hit rate and a modelled I/O time per size and policy.
 *
 *   cache-sim TRACE [MAP] [--pct P,...] [--base-us U] [--xfer-us U]
 *             [--devs N]
 *
 * One step of the trace is one step of f_C. An entry's |C| is the size of
 * the first cluster of MAP holding it (1 without a map, or when it is in
 * none); the kernel uses 1 (it keeps no entry-to-cluster map).
 * The I/O time model: each missed entry is one read of T_base + T_transfer
 * (default 80 us + 4 us: an SSD at ~12k IOPS of 4 KiB entries, 1 GB/s),
 * the reads of a step spread evenly over N members (default 4); a hit
 * costs nothing. It is a model, not a measurement.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdbool.h>
#include <stdint.h>

#include "lib/libswarm.h"
#include "lib/trace.h"

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

/* cache-sim-policy.c: the kernel's policies. */
struct swarm_cp;
struct swarm_cp *sim_cp_new(unsigned int kind, unsigned int cap);
void sim_cp_free(struct swarm_cp *p);
bool sim_cp_access(struct swarm_cp *p, uint64_t id, uint64_t step,
		   uint64_t base_ns, uint64_t xfer_ns, uint32_t csize);
#define SWARM_CP_NR_KINDS 2

struct sim_result {
	u64 hits;
	u64 misses;
	double io_s;
};

static void sim_run(const struct swarm_trace *t, const u32 *csize, u32 kind,
		    u32 cap, double base_ns, double xfer_ns, u32 devs,
		    struct sim_result *r)
{
	struct swarm_cp *p = sim_cp_new(kind, cap);
	u64 s, k;

	memset(r, 0, sizeof(*r));
	if (!p) {
		fprintf(stderr, "cache-sim: out of memory\n");
		exit(1);
	}
	for (s = 0; s < t->nr_steps; s++) {
		u64 miss = 0;

		for (k = t->off[s]; k < t->off[s + 1]; k++) {
			u64 id = t->ids[k];

			if (sim_cp_access(p, id, s + 1, (u64)base_ns,
					  (u64)xfer_ns, csize ? csize[id] : 1))
				r->hits++;
			else
				miss++;
		}
		r->misses += miss;
		/* The step's reads spread over the members, in parallel. */
		r->io_s += (double)((miss + devs - 1) / devs) *
			   (base_ns + xfer_ns) / 1e9;
	}
	sim_cp_free(p);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pct", required_argument, NULL, 'p' },
		{ "base-us", required_argument, NULL, 'b' },
		{ "xfer-us", required_argument, NULL, 'x' },
		{ "devs", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	double base_ns = 80000, xfer_ns = 4000, pcts[16];
	const char *pct_arg = "1,5,10";
	struct swarm_trace_opts to = { 0 };
	u32 devs = 4, npct = 0, i, kind, *csize = NULL;
	struct sim_result none, res[2];
	struct swarm_trace t;
	u64 distinct = 0, k;
	char err[256], *tok, *buf;
	u8 *seen;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pct_arg = optarg; break;
		case 'b': base_ns = atof(optarg) * 1000; break;
		case 'x': xfer_ns = atof(optarg) * 1000; break;
		case 'd': devs = (u32)atoi(optarg); break;
		default: return 2;
		}
	}
	if (optind >= argc || !devs) {
		fprintf(stderr, "usage: cache-sim TRACE [MAP] [--pct P,...] "
			"[--base-us U] [--xfer-us U] [--devs N]\n");
		return 2;
	}
	swarm_trace_init(&t);
	if (swarm_trace_read(argv[optind], &to, &t, NULL, err, sizeof(err))) {
		fprintf(stderr, "cache-sim: %s\n", err);
		return 1;
	}
	seen = calloc(t.nr_entries, 1);
	for (k = 0; k < t.nr_reads; k++)
		if (!seen[t.ids[k]]++)
			distinct++;
	if (optind + 1 < argc) {
		struct swarm_map m;
		u32 cl;
		u64 j;

		if (swarm_map_parse_file(argv[optind + 1], &m, err, sizeof(err))) {
			fprintf(stderr, "cache-sim: %s\n", err);
			return 1;
		}
		csize = calloc(t.nr_entries, sizeof(*csize));
		for (cl = 0; cl < m.nr_clusters; cl++) {
			const struct swarm_map_cluster *mc = &m.clusters[cl];

			for (j = mc->first; j < mc->first + mc->nr_members; j++)
				if (m.members[j] < t.nr_entries && !csize[m.members[j]])
					csize[m.members[j]] = mc->nr_members;
		}
		swarm_map_free(&m);
	}
	buf = strdup(pct_arg);
	for (tok = strtok(buf, ","); tok && npct < 16; tok = strtok(NULL, ","))
		pcts[npct++] = atof(tok);

	/* No cache: every read goes to the members. */
	memset(&none, 0, sizeof(none));
	for (k = 0; k < t.nr_steps; k++)
		none.io_s += (double)((t.off[k + 1] - t.off[k] + devs - 1) /
				      devs) * (base_ns + xfer_ns) / 1e9;
	printf("trace %s: %llu steps, %llu reads, %llu distinct entries%s\n",
	       argv[optind], (unsigned long long)t.nr_steps,
	       (unsigned long long)t.nr_reads, (unsigned long long)distinct,
	       csize ? ", |C| from the map" : ", |C| = 1");
	printf("model: T_base %.0f us, T_transfer %.0f us, %u members\n",
	       base_ns / 1000, xfer_ns / 1000, devs);
	printf("%6s %8s %9s %9s %9s %10s %10s %10s\n", "size%", "entries",
	       "cb hit%", "lru hit%", "cb/lru", "cb io s", "lru io s",
	       "none io s");
	for (i = 0; i < npct; i++) {
		u32 cap = (u32)(distinct * pcts[i] / 100);
		double hr[2];

		if (!cap)
			cap = 1;
		for (kind = 0; kind < SWARM_CP_NR_KINDS; kind++) {
			sim_run(&t, csize, kind, cap, base_ns, xfer_ns, devs,
				&res[kind]);
			hr[kind] = 100.0 * res[kind].hits / t.nr_reads;
		}
		printf("%6.1f %8u %8.2f%% %8.2f%% %9.2f %10.3f %10.3f %10.3f\n",
		       pcts[i], cap, hr[0], hr[1], hr[1] > 0 ? hr[0] / hr[1] : 0,
		       res[0].io_s, res[1].io_s, none.io_s);
	}
	free(buf);
	free(seen);
	free(csize);
	swarm_trace_free(&t);
	return 0;
}
