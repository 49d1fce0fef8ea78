/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: the target's state, shared by the target glue
 * (swarm-target.c) and the control device (swarm-ctl.c).
 */
#ifndef DM_SWARM_H
#define DM_SWARM_H

#include <linux/bio.h>
#include <linux/device-mapper.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "swarm-core.h"
#include "swarm-map.h"
#include "swarm-select.h"
#include "swarm-stats.h"
#include "swarm-trace.h"

struct swarm_member {
	struct dm_dev *dm_dev;
};

/**
 * struct swarm_live_map - a placed map in use by the I/O path.
 * @kref: held by every table that uses it.
 * @rcu: frees it after the readers in map() are gone.
 * @generation: > 0, bumped at each commit.
 * @m: the placement.
 */
struct swarm_live_map {
	struct kref kref;
	struct rcu_head rcu;
	u64 generation;
	struct swarm_map m;
};

/**
 * struct swarm_c - one swarm target (one table's instance).
 * @ti: the target.
 * @md: the mapped device, to find the target by dev_t.
 * @list: on the control device's list, under swarm_ctl_mutex.
 * @resume_seq: order of the last resume (0 = never): the newest is live.
 * @geom: geometry.
 * @feat: the table's features (max_copies, spare).
 * @selector: enum swarm_selector, set by message.
 * @placement: enum swarm_policy of the next commit, set by message.
 * @map: the live map, NULL while entries are striped.
 * @has_data: a write has reached the device.
 * @committing: a commit is publishing a map: writes wait in @deferred.
 * @lock: protects @deferred.
 * @deferred: writes waiting for @worker.
 * @worker: maps deferred writes; fans out writes to several copies.
 * @wq: runs @worker.
 * @tput_work: refreshes the members' throughput estimates.
 * @bs: clones of writes that go to several copies.
 * @stats: counters.
 * @trace: the trace of reads.
 * @devs: the members.
 */
struct swarm_c {
	struct dm_target *ti;
	struct mapped_device *md;
	struct list_head list;
	u64 resume_seq;
	struct swarm_geom geom;
	struct swarm_table feat;
	u32 selector;
	u32 placement;
	struct swarm_live_map __rcu *map;
	bool has_data;
	bool committing;
	spinlock_t lock;	/* protects deferred */
	struct bio_list deferred;
	struct work_struct worker;
	struct workqueue_struct *wq;
	struct delayed_work tput_work;
	struct bio_set bs;
	struct swarm_stats stats;
	struct swarm_trace trace;
	struct swarm_member devs[];
};

/* swarm-target.c */
int swarm_commit_map(struct swarm_c *sc, struct swarm_live_map *lm, bool drop);
void swarm_put_map(struct swarm_live_map *lm);
dev_t swarm_devt(struct swarm_c *sc);

/* swarm-ctl.c */
int swarm_ctl_init(void);
void swarm_ctl_exit(void);
void swarm_ctl_add(struct swarm_c *sc);
void swarm_ctl_del(struct swarm_c *sc);
void swarm_ctl_resume(struct swarm_c *sc);

#endif /* DM_SWARM_H */
