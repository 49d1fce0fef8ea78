/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: replica choice for reads. Pure code, shared with user space.
 *
 * A read goes to the copy with the least expected completion time: the
 * bytes already in flight on its member plus the read itself, divided by
 * the member's throughput estimate. This is the online form of the
 * paper's entry-bucket scheduling: each read joins the least loaded
 * bucket among the members that hold its entry.
 */
#ifndef DM_SWARM_SELECT_H
#define DM_SWARM_SELECT_H

#include "swarm-core.h"

enum swarm_selector {
	SWARM_SELECT_STATIC = 0,	/* always the first copy */
	SWARM_SELECT_LEAST_LOADED = 1,
};

/* Bytes in flight above this are counted as this (keeps products in u64). */
#define SWARM_INFLIGHT_CAP	BIT_ULL(40)

/**
 * swarm_least_loaded() - pick the copy with the least expected completion
 *	time.
 * @inflight: bytes in flight on the member of each copy.
 * @tput: throughput estimate of the member of each copy, in KiB/s, > 0.
 * @n: number of copies, >= 1.
 * @bytes: size of the read.
 *
 * Ties go to the earliest copy, so an idle device set reads primaries.
 *
 * Return: the index of the chosen copy.
 */
static inline u32 swarm_least_loaded(const u64 *inflight, const u32 *tput,
				     u32 n, u32 bytes)
{
	u64 best_load = min_t(u64, inflight[0], SWARM_INFLIGHT_CAP) + bytes;
	u32 best = 0, i;

	for (i = 1; i < n; i++) {
		u64 load = min_t(u64, inflight[i], SWARM_INFLIGHT_CAP) + bytes;

		/* load / tput[i] < best_load / tput[best] */
		if (load * tput[best] < best_load * tput[i]) {
			best = i;
			best_load = load;
		}
	}
	return best;
}

#endif /* DM_SWARM_SELECT_H */
