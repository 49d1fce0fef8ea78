// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's DRAM tier policies (kmod/swarm-cache-policy.c) behind a
 * plain interface for cache-sim.c, whose libswarm headers cannot meet the
 * kernel-style types of swarm-user.h in one file.
 */
#include "../../kmod/swarm-cache-policy.c"

struct swarm_cp *sim_cp_new(unsigned int kind, unsigned int cap)
{
	struct swarm_cp *p = calloc(1, sizeof(*p));

	if (p && swarm_cp_init(p, kind, cap)) {
		free(p);
		return NULL;
	}
	return p;
}

void sim_cp_free(struct swarm_cp *p)
{
	swarm_cp_exit(p);
	free(p);
}

/* Activate @id in step @step; true on a hit. */
bool sim_cp_access(struct swarm_cp *p, uint64_t id, uint64_t step,
		   uint64_t base_ns, uint64_t xfer_ns, uint32_t csize)
{
	u64 victim;
	bool ev;
	u32 slot;

	swarm_cp_set_step(p, step);
	slot = swarm_cp_lookup(p, id);
	if (slot != SWARM_CP_NONE) {
		swarm_cp_hit(p, slot);
		return true;
	}
	swarm_cp_miss(p, id, swarm_cp_weight(base_ns, xfer_ns, csize), &ev,
		      &victim);
	return false;
}
