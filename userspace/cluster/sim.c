// SPDX-License-Identifier: GPL-2.0-only
/*
 * The I/O time model and the layouts of cluster/sim.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster/sim.h"
#include "lib/util.h"

#define SIM_MAX_DEVS	64

void swarm_sim_eq7(const struct swarm_sim_model *m, uint32_t nr,
		   const uint64_t *first, uint64_t *member_loc,
		   uint64_t nr_loose, uint64_t *loose_loc)
{
	uint64_t next[SIM_MAX_DEVS] = { 0 }, p = 0, i;
	unsigned int n = m->nr_devs;
	uint32_t k;

	for (k = 0; k < nr; k++) {
		for (i = first[k]; i < first[k + 1]; i++) {
			unsigned int d = (p + (i - first[k])) % n;

			member_loc[i] = SWARM_SIM_LOC(d, next[d]++);
		}
		p += first[k + 1] - first[k];
	}
	for (i = 0; i < nr_loose; i++) {
		unsigned int d = p++ % n;

		loose_loc[i] = SWARM_SIM_LOC(d, next[d]++);
	}
}

struct swarm_sim_step swarm_sim_cost(const struct swarm_sim_model *m,
				     uint64_t *locs, size_t n)
{
	uint64_t reqs[SIM_MAX_DEVS] = { 0 }, ents[SIM_MAX_DEVS] = { 0 };
	uint64_t per_req = m->max_io ? m->max_io / m->entry_size : 0, run = 0;
	struct swarm_sim_step st = { 0 };
	unsigned int d;
	size_t i;

	if (per_req == 0 && m->max_io)
		per_req = 1;
	qsort(locs, n, sizeof(*locs), cmp_u64);
	for (i = 0; i < n; i++) {
		if (i && locs[i] == locs[i - 1])
			continue;
		d = SWARM_SIM_DEV(locs[i]);
		if (d >= SIM_MAX_DEVS)
			continue;
		ents[d]++;
		st.entries++;
		if (i && locs[i] == locs[i - 1] + 1 &&
		    SWARM_SIM_DEV(locs[i - 1]) == d &&
		    (!per_req || run < per_req)) {
			run++;
			continue;
		}
		reqs[d]++;
		st.requests++;
		run = 1;
	}
	for (d = 0; d < m->nr_devs && d < SIM_MAX_DEVS; d++) {
		double t = reqs[d] / m->iops +
			   (double)ents[d] * m->entry_size / m->bw;

		if (t > st.time)
			st.time = t;
	}
	return st;
}
