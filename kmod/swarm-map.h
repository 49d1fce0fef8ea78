/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: the live map (swarm-map.c). A placement (struct swarm_placement,
 * swarm-place.h) in use by the I/O path, its lifetime, the placement a
 * migration moves to, and the write gate that every change of them goes
 * through.
 */
#ifndef DM_SWARM_MAP_H
#define DM_SWARM_MAP_H

#include <linux/bio.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/percpu-refcount.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>

#include "swarm-core.h"
#include "swarm-place.h"

struct swarm_c;

/**
 * struct swarm_live_map - a placement in use by the I/O path.
 * @kref: held by every table that uses it, and by a migration moving to it.
 * @rcu: frees it after the readers in map() are gone.
 * @generation: > 0, the committed generation it has on disk.
 * @pl: the placement.
 * @up: the cluster map it was placed from, that a delta upload applies
 *	to; empty when the map was read from the members.
 */
struct swarm_live_map {
	struct kref kref;
	struct rcu_head rcu;
	u64 generation;
	struct swarm_placement pl;
	struct swarm_upload up;
};

/**
 * struct swarm_maps - the live map of a table, and the write gate.
 * @live: the live map, NULL while entries are striped; RCU.
 * @next: the map a migration moves to, NULL when none runs.
 * @copied: entries below are copied to @next: writes go to both maps.
 * @hold_lo: first entry of the window being copied.
 * @hold_hi: one past its last; writes to [@hold_lo, @hold_hi) are held.
 * @held: those writes, until the migration requeues them.
 * @writes: writes in flight; killed while the gate is closed.
 * @drained: woken when @writes drops to zero with the gate closed.
 * @gate_lock: held from swarm_gate_close() to swarm_gate_open(): one
 *	closer at a time (a commit from the control device and a migration
 *	step from the workqueue).
 *
 * @live changes only with the gate closed. @next, @copied and the window
 * change with the gate closed or from the ordered workqueue that also
 * runs the write worker, which is the only reader of them.
 */
struct swarm_maps {
	struct swarm_live_map __rcu *live;
	struct swarm_live_map *next;
	u64 copied;
	u64 hold_lo;
	u64 hold_hi;
	struct bio_list held;
	struct percpu_ref writes;
	wait_queue_head_t drained;
	struct mutex gate_lock;	/* closed gate */
};

int swarm_maps_init(struct swarm_maps *mp);
void swarm_maps_exit(struct swarm_maps *mp);

struct swarm_live_map *swarm_live_alloc(void);
void swarm_live_free(struct swarm_live_map *lm);
void swarm_live_put(struct swarm_live_map *lm);
struct swarm_live_map *swarm_live_get(struct swarm_maps *mp);
struct swarm_live_map *swarm_live_publish(struct swarm_maps *mp,
					  struct swarm_live_map *lm);
struct swarm_live_map *swarm_live_adopt(struct swarm_c *sc, u64 generation);
struct swarm_live_map *swarm_live_adopt_next(struct swarm_c *sc, u64 generation);

u32 swarm_entry_copies(const struct swarm_geom *g,
		       const struct swarm_live_map *lm, u64 entry, u64 *copies);

void swarm_gate_close(struct swarm_maps *mp);
void swarm_gate_open(struct swarm_maps *mp);

/**
 * swarm_gate_enter() - count a write in flight, unless the gate is closed.
 * @mp: the maps.
 *
 * Called before the write looks at the maps; a write that enters is
 * waited for by swarm_gate_close(). Never sleeps.
 *
 * Return: true if it entered: swarm_gate_exit() when it completes.
 */
static inline bool swarm_gate_enter(struct swarm_maps *mp)
{
	if (!percpu_ref_tryget_live(&mp->writes))
		return false;
	/* Pairs with the smp_wmb() in swarm_gate_open(). */
	smp_rmb();
	return true;
}

static inline void swarm_gate_exit(struct swarm_maps *mp)
{
	percpu_ref_put(&mp->writes);
}

#endif /* DM_SWARM_MAP_H */
