/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A swarm device opened for the ioctls (cli/target.c), for the commands
 * that talk to the kernel: map, stats.
 */
#ifndef SWARMCTL_TARGET_H
#define SWARMCTL_TARGET_H

#include <stdint.h>

#include "lib/libswarm.h"

#define MIB		(1024.0 * 1024.0)

/* A device the ioctls can name, and an open control device. */
struct target {
	struct swarm_dev dev;
	int fd;
};

/* Resolve @spec, open the control device, check the ABI; exit code. */
int open_target(const char *spec, struct target *t);
/* DM_SWARM_STATS; exit code. */
int get_stats(struct target *t, struct swarm_stats *st);

const char *plural(uint64_t n);
double mib_per_s(uint64_t bytes, uint64_t ms);

#endif /* SWARMCTL_TARGET_H */
