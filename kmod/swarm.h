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
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "swarm-core.h"
#include "swarm-disk.h"
#include "swarm-map.h"
#include "swarm-select.h"
#include "swarm-stats.h"
#include "swarm-trace.h"

/**
 * struct swarm_member - one member device.
 * @dm_dev: the device.
 * @held: reads held by a plug flushed from schedule(), for the worker to
 *	send; under swarm_c.lock.
 */
struct swarm_member {
	struct dm_dev *dm_dev;
	struct bio_list held;
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
 * struct swarm_meta - the on-disk state (swarm-meta.c).
 * @sb: what the superblocks say, for this table; seq is the last written.
 * @area_sectors: size of a map area.
 * @loaded: preresume read the metadata.
 * @failed: a superblock write failed: writes fail from now on, since the
 *	members may disagree on the committed map.
 * @lock: serialises superblock writes.
 * @io: dm-io client.
 * @buf: SWARM_SB_COPIES superblock blocks.
 */
struct swarm_meta {
	struct swarm_sb sb;
	u32 area_sectors;
	bool loaded;
	bool failed;
	struct mutex lock;	/* superblock writes */
	struct dm_io_client *io;
	void *buf;
};

/**
 * struct swarm_mig - a migration to a new map (swarm-migrate.c).
 * @to: the map being moved to, not yet live; NULL when none runs.
 * @kc: dm-kcopyd client, created with the first migration.
 * @step: starts the next window.
 * @window_done: runs when a window's copies are done.
 * @wait: presuspend waits here for the migration to pause.
 * @parked: writes to the window, held until its copies are done.
 * @state: DM_SWARM_MIGRATE_*.
 * @pause: presuspend asked it to stop after the current window.
 * @error: 0 or the errno that stopped it.
 * @jobs: copies in flight, plus one while they are issued.
 * @win_lo: first entry of the window being copied.
 * @win_hi: one past its last entry (@win_lo == @win_hi: none).
 * @copied: entries below are copied: writes go to both maps.
 * @generation: the generation it moves to.
 * @total: entries to copy.
 * @bytes: bytes copied.
 * @start_ns: when it started.
 * @ms: time it ran, set when it ends.
 * @rate: cap in bytes per second, 0 = none; set by message.
 */
struct swarm_mig {
	struct swarm_live_map *to;
	struct dm_kcopyd_client *kc;
	struct delayed_work step;
	struct work_struct window_done;
	wait_queue_head_t wait;
	struct bio_list parked;
	u32 state;
	bool pause;
	int error;
	atomic_t jobs;
	u64 win_lo;
	u64 win_hi;
	u64 copied;
	u64 generation;
	u64 total;
	u64 bytes;
	u64 start_ns;
	u64 ms;
	u64 rate;
};

/**
 * struct swarm_c - one swarm target (one table's instance).
 * @ti: the target.
 * @md: the mapped device, to find the target by dev_t.
 * @name: its dm name, for the log (swarm_name()).
 * @list: on the control device's list, under swarm_ctl_mutex.
 * @resume_seq: order of the last resume (0 = never): the newest is live.
 * @geom: geometry.
 * @feat: the table's features (max_copies, spare).
 * @selector: enum swarm_selector, set by message.
 * @placement: enum swarm_policy of the next commit, set by message.
 * @map: the live map, NULL while entries are striped.
 * @has_data: a write has reached the device.
 * @committing: a commit is publishing a map: writes wait in @deferred.
 * @migrating: a migration runs: every write goes through @worker.
 * @writes_inflight: writes sent to the members and not yet completed.
 * @lock: protects @deferred and each member's held reads.
 * @deferred: writes waiting for @worker.
 * @worker: maps deferred writes; fans out writes to several copies;
 *	sends reads held by a plug flushed from schedule().
 * @wq: runs @worker and the migration steps, one at a time (ordered).
 * @tput_work: refreshes the members' throughput estimates.
 * @bs: clones of writes that go to several copies.
 * @stats: counters.
 * @trace: the trace of reads.
 * @meta: the on-disk state.
 * @mig: the migration.
 * @devs: the members.
 */
struct swarm_c {
	struct dm_target *ti;
	struct mapped_device *md;
	char name[DM_NAME_LEN];
	struct list_head list;
	u64 resume_seq;
	struct swarm_geom geom;
	struct swarm_table feat;
	u32 selector;
	u32 placement;
	struct swarm_live_map __rcu *map;
	bool has_data;
	bool committing;
	bool migrating;
	atomic_t writes_inflight;
	spinlock_t lock;	/* protects deferred, devs[].held */
	struct bio_list deferred;
	struct work_struct worker;
	struct workqueue_struct *wq;
	struct delayed_work tput_work;
	struct bio_set bs;
	struct swarm_stats stats;
	struct swarm_trace trace;
	struct swarm_meta meta;
	struct swarm_mig mig;
	struct swarm_member devs[];
};

/* The device's dm name, or its major:minor if it has none. */
static inline const char *swarm_name(struct swarm_c *sc)
{
	return sc->name;
}

/* swarm-target.c */
int swarm_commit_map(struct swarm_c *sc, struct swarm_live_map *lm, bool drop,
		     bool migrate);
void swarm_put_map(struct swarm_live_map *lm);
dev_t swarm_devt(struct swarm_c *sc);
void swarm_requeue(struct swarm_c *sc, struct bio_list *bios);
u32 swarm_entry_copies(struct swarm_c *sc, struct swarm_live_map *lm,
		       u64 entry, u64 *copies);

/* swarm-meta.c */
int swarm_meta_init(struct swarm_c *sc);
void swarm_meta_exit(struct swarm_c *sc);
int swarm_meta_check(struct swarm_c *sc);
int swarm_meta_load(struct swarm_c *sc);
int swarm_meta_set_flags(struct swarm_c *sc, u32 flags);
int swarm_meta_commit(struct swarm_c *sc, const struct swarm_map *m,
		      u64 generation, u32 flags);

/* swarm-migrate.c */
void swarm_mig_init(struct swarm_c *sc);
void swarm_mig_exit(struct swarm_c *sc);
int swarm_mig_start(struct swarm_c *sc, struct swarm_live_map *to);
void swarm_mig_pause(struct swarm_c *sc);
void swarm_mig_resume(struct swarm_c *sc);
bool swarm_mig_park(struct swarm_c *sc, struct bio *bio, u64 entry);
u32 swarm_mig_copies(struct swarm_c *sc, u64 entry, u64 *copies);

/* swarm-ctl.c */
int swarm_ctl_init(void);
void swarm_ctl_exit(void);
void swarm_ctl_add(struct swarm_c *sc);
void swarm_ctl_del(struct swarm_c *sc);
void swarm_ctl_resume(struct swarm_c *sc);
struct swarm_live_map *swarm_ctl_adopt_map(struct swarm_c *sc, const u8 *uuid,
					   u64 generation);

#endif /* DM_SWARM_H */
