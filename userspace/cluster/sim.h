/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A per-step I/O time model of N devices (bandwidth + IOPS) and the two
 * layouts it compares: the paper's Eq. 7 placement of clusters and the
 * "No Cluster" layout (entry i on device i mod N, slot i div N).
 * Reusable by benchmarks; see userspace/CLUSTERING.md.
 */
#ifndef SWARM_SIM_H
#define SWARM_SIM_H

#include <stddef.h>
#include <stdint.h>

/**
 * struct swarm_sim_model - the devices.
 * @nr_devs: number of devices, 1..64.
 * @bw: bytes per second per device.
 * @iops: requests per second per device.
 * @entry_size: bytes per entry.
 * @max_io: largest request in bytes (longer runs are split), 0: no limit.
 */
struct swarm_sim_model {
	unsigned int nr_devs;
	double bw;
	double iops;
	uint32_t entry_size;
	uint32_t max_io;
};

/* A location: device in the top 16 bits, slot in the low 48. */
#define SWARM_SIM_LOC(dev, slot)	((uint64_t)(dev) << 48 | (slot))
#define SWARM_SIM_DEV(loc)		((unsigned int)((loc) >> 48))
#define SWARM_SIM_SLOT(loc)		((loc) & ((1ULL << 48) - 1))

/* No Cluster: entry i on device i mod N, slot i div N. */
static inline uint64_t swarm_sim_nocluster(const struct swarm_sim_model *m,
					   uint64_t entry)
{
	return SWARM_SIM_LOC(entry % m->nr_devs, entry / m->nr_devs);
}

/*
 * The paper's Eq. 7: a global pointer p; cluster k (in id order) starts on
 * device p mod N, member j goes to device (p + j) mod N at that device's
 * next free slot; p += |C_k|. Then each entry of @loose (the unclustered
 * ones) the same way, as a cluster of one. @first: @nr + 1 member offsets.
 * @member_loc (first[nr] of them) gets each member's location,
 * @loose_loc (@nr_loose) each loose entry's.
 */
void swarm_sim_eq7(const struct swarm_sim_model *m, uint32_t nr,
		   const uint64_t *first, uint64_t *member_loc,
		   uint64_t nr_loose, uint64_t *loose_loc);

/**
 * struct swarm_sim_step - the cost of one step.
 * @time: seconds, max over devices of requests / iops + bytes / bw.
 * @requests: requests in all (contiguous slots merged).
 * @entries: distinct locations read.
 */
struct swarm_sim_step {
	double time;
	uint64_t requests;
	uint64_t entries;
};

/*
 * The cost of reading @n locations (sorted in place, duplicates read
 * once).
 */
struct swarm_sim_step swarm_sim_cost(const struct swarm_sim_model *m,
				     uint64_t *locs, size_t n);

#endif /* SWARM_SIM_H */
