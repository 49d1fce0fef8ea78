// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: redundancy on demand (the table's min_copies feature).
 *
 * With min_copies m > 1 every entry has m copies on distinct members, so
 * that a failed member loses no entry. Every committed map gives them
 * (swarm-place.c's top_up()); a set without a cluster map gets the
 * default placement (swarm_place_default(): runs striped as without a
 * map, copy k of a run on the member k after the run's), committed as
 * an ordinary map when the set is formatted. The I/O path needs nothing
 * new: reads pick a copy on a member that is ok and fail over, writes go
 * to every copy. The superblocks record m (swarm-meta.c), and a table
 * that gives another value is refused.
 */
#include <linux/device-mapper.h>

#include "swarm.h"

#define DM_MSG_PREFIX "swarm"

/**
 * swarm_redund_load() - give a set with min_copies its default placement.
 * @sc: the target, its metadata loaded (swarm_meta_load()).
 *
 * Preresume, before the first I/O reaches the table. Does nothing for
 * one copy, or when a map is committed.
 *
 * Return: 0, -EINVAL for a set that holds data without a map (its
 * entries have one copy: it cannot gain copies in place), -ENOSPC,
 * -ENOMEM or an I/O error of the commit.
 */
int swarm_redund_load(struct swarm_c *sc)
{
	struct swarm_live_map *lm;
	char *err = "";
	int r;

	if (sc->geom.min_copies <= 1 || rcu_access_pointer(sc->maps.live))
		return 0;
	if (READ_ONCE(sc->has_data)) {
		DMERR("%s: min_copies %u: the set holds data with one copy of each entry",
		      swarm_name(sc), sc->geom.min_copies);
		return -EINVAL;
	}
	lm = swarm_live_alloc();
	if (!lm)
		return -ENOMEM;
	r = swarm_place_default(&sc->geom, sc->geom.min_copies, &lm->pl, &err);
	if (r) {
		DMERR("%s: min_copies %u: %s", swarm_name(sc),
		      sc->geom.min_copies, err);
		goto bad;
	}
	lm->generation = swarm_meta_generation(sc) + 1;
	r = swarm_meta_commit(sc, &lm->pl, lm->generation,
			      swarm_meta_flags(sc));
	if (r)
		goto bad;
	DMINFO("%s: min_copies %u: map generation %llu, %llu copies of %llu entries",
	       swarm_name(sc), sc->geom.min_copies, lm->generation,
	       lm->pl.nr_copies, lm->pl.nr_entries);
	/* No I/O reaches a table before its first resume. */
	swarm_live_put(swarm_live_publish(&sc->maps, lm));
	return 0;
bad:
	swarm_live_free(lm);
	return r;
}
