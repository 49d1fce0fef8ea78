// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: the live map and the write gate.
 *
 * The live map is read by map() under RCU and owned by kref: every table
 * of the device that uses it holds a reference, and the last put frees
 * it after a grace period. It is replaced in one place,
 * swarm_live_publish(), with the write gate closed.
 *
 * The write gate is a percpu_ref counting the writes in flight, as
 * blk-mq's queue freeze counts requests: swarm_gate_enter() in the write
 * path is a per-CPU increment; swarm_gate_close() kills the ref, so that
 * new writes stay out (the I/O path holds them for the worker), and waits
 * for the writes that entered to complete; swarm_gate_open() revives it.
 * A map commit and every step of a migration that changes where writes
 * go use it.
 */
#include <linux/slab.h>

#include "swarm.h"

static void swarm_writes_released(struct percpu_ref *ref)
{
	struct swarm_maps *mp = container_of(ref, struct swarm_maps, writes);

	wake_up_all(&mp->drained);
}

int swarm_maps_init(struct swarm_maps *mp)
{
	RCU_INIT_POINTER(mp->live, NULL);
	mp->next = NULL;
	mp->copied = 0;
	mp->hold_lo = 0;
	mp->hold_hi = 0;
	bio_list_init(&mp->held);
	init_waitqueue_head(&mp->drained);
	mutex_init(&mp->gate_lock);
	/* Revived after every close: the per-CPU counters must stay. */
	return percpu_ref_init(&mp->writes, swarm_writes_released,
			       PERCPU_REF_ALLOW_REINIT, GFP_KERNEL);
}

/* The destructor: no I/O is left. */
void swarm_maps_exit(struct swarm_maps *mp)
{
	swarm_live_put(rcu_dereference_protected(mp->live, 1));
	RCU_INIT_POINTER(mp->live, NULL);
	percpu_ref_exit(&mp->writes);
	mutex_destroy(&mp->gate_lock);
}

struct swarm_live_map *swarm_live_alloc(void)
{
	struct swarm_live_map *lm = kzalloc(sizeof(*lm), GFP_KERNEL);

	if (lm)
		kref_init(&lm->kref);
	return lm;
}

/* Free a map that was never published. */
void swarm_live_free(struct swarm_live_map *lm)
{
	if (!lm)
		return;
	swarm_placement_free(&lm->pl);
	swarm_upload_free(&lm->up);
	kfree(lm);
}

static void swarm_live_free_rcu(struct rcu_head *rcu)
{
	/* vfree() from RCU callbacks is deferred by vmalloc itself. */
	swarm_live_free(container_of(rcu, struct swarm_live_map, rcu));
}

static void swarm_live_release(struct kref *kref)
{
	struct swarm_live_map *lm = container_of(kref, struct swarm_live_map, kref);

	call_rcu(&lm->rcu, swarm_live_free_rcu);
}

void swarm_live_put(struct swarm_live_map *lm)
{
	if (lm)
		kref_put(&lm->kref, swarm_live_release);
}

/**
 * swarm_live_get() - a reference to the live map.
 * @mp: the maps.
 *
 * Return: the live map, or NULL while entries are striped.
 */
struct swarm_live_map *swarm_live_get(struct swarm_maps *mp)
{
	struct swarm_live_map *lm;

	rcu_read_lock();
	lm = rcu_dereference(mp->live);
	if (lm && !kref_get_unless_zero(&lm->kref))
		lm = NULL;
	rcu_read_unlock();
	return lm;
}

/**
 * swarm_live_publish() - make @lm the live map.
 * @mp: the maps, with the gate closed or no I/O yet (preresume).
 * @lm: the new map, or NULL; the maps take the caller's reference.
 *
 * Return: the previous live map, for the caller to put.
 */
struct swarm_live_map *swarm_live_publish(struct swarm_maps *mp,
					  struct swarm_live_map *lm)
{
	struct swarm_live_map *old = rcu_dereference_protected(mp->live, 1);

	rcu_assign_pointer(mp->live, lm);
	return old;
}

static bool swarm_same_layout(struct swarm_c *a, struct swarm_c *b)
{
	u32 i;

	if (memcmp(&a->geom, &b->geom, sizeof(a->geom)) ||
	    memcmp(a->uuid, b->uuid, sizeof(a->uuid)))
		return false;
	for (i = 0; i < a->geom.nr_devs; i++)
		if (a->devs[i].dm_dev->bdev->bd_dev != b->devs[i].dm_dev->bdev->bd_dev)
			return false;
	return true;
}

/**
 * swarm_live_adopt() - the committed map, from the table being replaced.
 * @sc: a new table of a swarm device, in preresume, with @sc->uuid set.
 * @generation: the committed generation on its members.
 *
 * A reload need not read the map back from the members when the live
 * table it replaces, over the same set and layout, has that generation
 * live.
 *
 * Return: a reference to the map, or NULL.
 */
struct swarm_live_map *swarm_live_adopt(struct swarm_c *sc, u64 generation)
{
	struct swarm_c *old = swarm_registry_get(swarm_devt(sc));
	struct swarm_live_map *lm = NULL;

	if (!old)
		return NULL;
	if (old != sc && swarm_same_layout(old, sc)) {
		lm = swarm_live_get(&old->maps);
		if (lm && lm->generation != generation) {
			swarm_live_put(lm);
			lm = NULL;
		}
	}
	swarm_registry_put(old);
	return lm;
}

/**
 * swarm_live_adopt_next() - a pending migration's map, from the table
 *	being replaced.
 * @sc: a new table of a swarm device, in preresume, with @sc->uuid set.
 * @generation: the pending generation the superblocks record.
 *
 * The table being replaced is suspended: its migration is paused (or
 * ended) and its worker idle, so the map it moves to stays while the
 * registry holds the table. Taking it keeps the cluster map the upload
 * gave (a delta can follow), which the records on the members lack.
 *
 * Return: a reference to the map, or NULL.
 */
struct swarm_live_map *swarm_live_adopt_next(struct swarm_c *sc, u64 generation)
{
	struct swarm_c *old = swarm_registry_get(swarm_devt(sc));
	struct swarm_live_map *lm = NULL;

	if (!old)
		return NULL;
	if (old != sc && swarm_same_layout(old, sc)) {
		lm = READ_ONCE(old->maps.next);
		if (lm && (lm->generation != generation ||
			   !kref_get_unless_zero(&lm->kref)))
			lm = NULL;
	}
	swarm_registry_put(old);
	return lm;
}

/**
 * swarm_entry_copies() - the copies of an entry.
 * @g: geometry.
 * @lm: the map, NULL for striped entries.
 * @entry: the entry, < @g->nr_entries.
 * @copies: filled with up to SWARM_MAX_COPIES encoded copies.
 *
 * Return: how many.
 */
u32 swarm_entry_copies(const struct swarm_geom *g,
		       const struct swarm_live_map *lm, u64 entry, u64 *copies)
{
	struct swarm_loc loc;
	const u64 *c;
	u32 n;

	if (!lm) {
		loc = swarm_striped_loc(g, entry);
		copies[0] = swarm_loc_encode(loc.dev, loc.slot);
		return 1;
	}
	n = swarm_placement_copies(&lm->pl, entry, &c);
	memcpy(copies, c, n * sizeof(*c));
	return n;
}

/**
 * swarm_gate_close() - hold new writes and wait for those in flight.
 * @mp: the maps.
 *
 * May sleep. A second closer waits until the first opens the gate.
 */
void swarm_gate_close(struct swarm_maps *mp)
{
	mutex_lock(&mp->gate_lock);
	percpu_ref_kill(&mp->writes);
	wait_event(mp->drained, percpu_ref_is_zero(&mp->writes));
}

/**
 * swarm_gate_open() - let writes in again.
 * @mp: the maps.
 *
 * What the closer changed is visible to every write that enters from
 * now on; the caller then kicks the writes held meanwhile.
 */
void swarm_gate_open(struct swarm_maps *mp)
{
	/* Pairs with the smp_rmb() in swarm_gate_enter(). */
	smp_wmb();
	percpu_ref_resurrect(&mp->writes);
	mutex_unlock(&mp->gate_lock);
}
