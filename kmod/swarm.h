/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: one swarm device's state, struct swarm_c, and the parts of the
 * module that share it. Each file owns one concern; lower layers never
 * call higher ones:
 *
 *   pure code     swarm-layout.c (table, geometry, striping),
 *                 swarm-place.c (cluster-map checks, placement),
 *                 swarm-disk.c (on-disk format), swarm-select.h (choice),
 *                 swarm-cache-policy.c (the DRAM tier's policies);
 *                 built in user space too.
 *   state         swarm-map.c (the live placement, its lifetime, the write
 *                 gate), swarm-select.c (per-member load),
 *                 swarm-health.c (members ok or failed), swarm-stats.c
 *                 (counters), swarm-cache.c (the DRAM tier),
 *                 swarm-trace.c, swarm-registry.c (the swarm devices of
 *                 the module).
 *   metadata      swarm-meta.c (superblocks and map records).
 *   I/O           swarm-io.c (dm's map() and end_io, batching, fan-out).
 *   commit        swarm-migrate.c (publishing a map, moving the data),
 *                 swarm-rebuild.c (copying the data to a failed member),
 *                 swarm-redund.c (min_copies: the default placement).
 *   control       swarm-ctl.c (/dev/dm-swarm-control).
 *   target glue   swarm-target.c (ctr/dtr, status, messages, suspend).
 *
 * Three things are called a map: the *cluster map* user space uploads
 * (struct swarm_upload), the *placement* of every copy of every entry
 * computed from it (struct swarm_placement, pure), and the *live map*, a
 * placement in use by the I/O path (struct swarm_live_map). dm's map()
 * hook is swarm_io_map().
 */
#ifndef DM_SWARM_H
#define DM_SWARM_H

#include <linux/bio.h>
#include <linux/device-mapper.h>
#include <linux/dm-kcopyd.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "swarm-cache.h"
#include "swarm-core.h"
#include "swarm-disk.h"
#include "swarm-health.h"
#include "swarm-map.h"
#include "swarm-select.h"
#include "swarm-stats.h"
#include "swarm-trace.h"

struct swarm_meta;
struct swarm_mig;
struct swarm_rebuild;

/**
 * struct swarm_reg_node - a target in the registry (swarm-registry.c).
 * @list: on the registry's list.
 * @resume_seq: order of the last resume (0 = never): the newest is live.
 * @users: control requests using the target; the destructor waits.
 */
struct swarm_reg_node {
	struct list_head list;
	u64 resume_seq;
	u32 users;
};

/**
 * struct swarm_lost - the entries remembered lost (swarm-redund.c): a
 *	rebuild found no copy of them on a member that is ok; their reads
 *	fail until a write covers them whole. On disk in the superblocks
 *	(swarm-disk.h, "Entries remembered lost").
 * @nr: extents in @ext; the I/O path reads it without the lock, and
 *	looks no further while it is 0 (nothing remembered lost).
 * @lock: protects the rest; taken from any context.
 * @changes: bumped at every change.
 * @cleared: @changes at the last write that made entries whole.
 * @saved: @changes the superblocks last recorded.
 * @entries: entries in the extents.
 * @save: records the list in the superblocks (after a FUA write made
 *	entries whole).
 * @ext: the extents, sorted, disjoint, non-adjacent.
 */
struct swarm_lost {
	u32 nr;
	spinlock_t lock;	/* protects the rest */
	u64 changes;
	u64 cleared;
	u64 saved;
	u64 entries;
	struct work_struct save;
	struct swarm_ext ext[SWARM_LOST_MAX];
};

/**
 * struct swarm_member - one member device.
 * @dm_dev: the device.
 */
struct swarm_member {
	struct dm_dev *dm_dev;
};

/**
 * struct swarm_c - one swarm target (one table's instance).
 * @ti: the target.
 * @md: the mapped device, to find the target by dev_t.
 * @name: its dm name, for the log (swarm_name()).
 * @uuid: the set's uuid, from the superblocks (swarm-meta.c).
 * @reg: registry membership (swarm-registry.c).
 * @ctl_lock: serialises control requests on this device (swarm-ctl.c).
 * @geom: geometry.
 * @feat: the table's features (max_copies, spare).
 * @placement: enum swarm_policy of the next commit, set by message.
 * @maps: the live map, the one being moved to, and the write gate.
 * @has_data: a write has reached the device (persisted by swarm-meta.c).
 * @meta_failed: a superblock write failed: writes fail from now on, since
 *	the members may disagree on the committed map.
 * @migrating: a migration runs: every write goes through @worker.
 * @lock: protects @deferred, @held, @failed_reads, @slow_reads and
 *	@flushes.
 * @deferred: writes waiting for @worker.
 * @held: reads held by a plug flushed from schedule(), for @worker.
 * @failed_reads: reads that failed on a copy, for @worker to send to
 *	another (swarm-io.c).
 * @slow_reads: REQ_NOWAIT reads over several runs that map() could not
 *	send (parts not allocated, or an entry with no copy left), for
 *	@worker.
 * @flushes: flushes held until the superblocks record the entries
 *	writes made whole (@lost), for @worker.
 * @worker: maps deferred writes; fans out writes to several copies;
 *	sends reads held by a plug flushed from schedule(); sends failed
 *	reads again, and @slow_reads; records @lost before it sends held
 *	flushes.
 * @wq: runs @worker and the migration steps, one at a time (ordered).
 * @tput_work: refreshes the members' throughput estimates.
 * @bs: parts of bios over several runs or copies (swarm-io.c).
 * @gather_bs: reads that serve several held reads and the gaps between
 *	them (swarm-io.c).
 * @scratch: a zeroed page the gaps are read into, and dropped.
 * @hold_off: jiffies before which reads are not held on a plug, since
 *	the last ones held did not merge (swarm-io.c, "read batching").
 * @hold_tally: reads held since holding was last judged (bits 0..31)
 *	and how many of them lay near the one before on their member
 *	(bits 32..63).
 * @io_ready: swarm_io_init() succeeded (swarm_io_exit() needs it).
 * @sel: the replica selector and the members' load.
 * @health: which members are ok and which failed.
 * @lost: the entries remembered lost.
 * @stats: counters.
 * @trace: the trace of reads.
 * @cache: the DRAM tier (swarm-cache.c); always there, on or off.
 * @meta: the on-disk state (private to swarm-meta.c).
 * @mig: the migration (private to swarm-migrate.c).
 * @rb: the rebuild of a failed member (private to swarm-rebuild.c).
 * @devs: the members.
 */
struct swarm_c {
	struct dm_target *ti;
	struct mapped_device *md;
	char name[DM_NAME_LEN];
	u8 uuid[16];
	struct swarm_reg_node reg;
	struct mutex ctl_lock;	/* control requests on this device */
	struct swarm_geom geom;
	struct swarm_table feat;
	u32 placement;
	struct swarm_maps maps;
	bool has_data;
	bool meta_failed;
	bool migrating;
	spinlock_t lock;	/* protects the bio lists below */
	struct bio_list deferred;
	struct bio_list held;
	struct bio_list failed_reads;
	struct bio_list slow_reads;
	struct bio_list flushes;
	struct work_struct worker;
	struct workqueue_struct *wq;
	struct delayed_work tput_work;
	struct bio_set bs;
	struct bio_set gather_bs;
	struct page *scratch;
	unsigned long hold_off;
	atomic64_t hold_tally;
	bool io_ready;
	struct swarm_sel sel;
	struct swarm_health health;
	struct swarm_lost lost;
	struct swarm_stats stats;
	struct swarm_trace trace;
	struct swarm_cache *cache;
	struct swarm_meta *meta;
	struct swarm_mig *mig;
	struct swarm_rebuild *rb;
	struct swarm_member devs[];
};

/* The device's dm name, or its major:minor if it has none. */
static inline const char *swarm_name(struct swarm_c *sc)
{
	return sc->name;
}

static inline dev_t swarm_devt(struct swarm_c *sc)
{
	return disk_devt(dm_disk(sc->md));
}

/* swarm-registry.c: the swarm devices of the module. */
void swarm_registry_add(struct swarm_c *sc);
void swarm_registry_del(struct swarm_c *sc);
void swarm_registry_resume(struct swarm_c *sc);
struct swarm_c *swarm_registry_get(dev_t dev);
void swarm_registry_put(struct swarm_c *sc);

/* swarm-meta.c: superblocks and map records. */
int swarm_meta_init(struct swarm_c *sc);
void swarm_meta_exit(struct swarm_c *sc);
int swarm_meta_check(struct swarm_c *sc);
int swarm_meta_load(struct swarm_c *sc);
int swarm_meta_set_flags(struct swarm_c *sc, u32 flags);
int swarm_meta_commit(struct swarm_c *sc, const struct swarm_placement *m,
		      u64 generation, u32 flags);
u64 swarm_meta_generation(struct swarm_c *sc);
u32 swarm_meta_flags(struct swarm_c *sc);
int swarm_meta_sync_health(struct swarm_c *sc);
int swarm_meta_set_rebuild(struct swarm_c *sc, u32 dev, u64 next, u32 done);
bool swarm_meta_new_member(struct swarm_c *sc, u32 dev);
int swarm_meta_set_pending(struct swarm_c *sc, const struct swarm_placement *m,
			   u64 generation, u64 copied);
struct swarm_live_map *swarm_meta_take_pending(struct swarm_c *sc, u64 *copied);
u64 swarm_meta_rebuild_pos(struct swarm_c *sc, u32 *dev, u64 *next);
int swarm_meta_rebuild_records(struct swarm_c *sc,
			       const struct swarm_placement *m, u32 dev);
int swarm_meta_sync_lost(struct swarm_c *sc);

/* swarm-io.c: the bio path. */
int swarm_io_init(struct swarm_c *sc);
void swarm_io_exit(struct swarm_c *sc);
int swarm_io_map(struct dm_target *ti, struct bio *bio);
int swarm_io_end(struct dm_target *ti, struct bio *bio, blk_status_t *error);
void swarm_io_requeue(struct swarm_c *sc, struct bio_list *bios);
void swarm_io_kick(struct swarm_c *sc);
size_t swarm_io_per_bio_size(void);
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
void swarm_io_fault_init(void);
void swarm_io_fault_exit(void);
#else
static inline void swarm_io_fault_init(void) {}
static inline void swarm_io_fault_exit(void) {}
#endif

/**
 * struct swarm_mig_info - what a migration did, for status and stats.
 * @state: DM_SWARM_MIGRATE_*.
 * @generation: the generation it moves to.
 * @copied: entries copied.
 * @total: entries to copy.
 * @bytes: bytes copied.
 * @ms: time it ran (so far, while it runs).
 * @rate: cap in bytes per second, 0 = none.
 * @error: 0 or the errno that stopped it.
 */
struct swarm_mig_info {
	u32 state;
	u64 generation;
	u64 copied;
	u64 total;
	u64 bytes;
	u64 ms;
	u64 rate;
	int error;
};

/**
 * struct swarm_copy_run - consecutive entry copies made one kcopyd job.
 * @from: the source, consecutive slots of one member.
 * @dests: each destination, consecutive slots of one member.
 * @n: destinations; 0 while the run is empty.
 *
 * The migration and the rebuild copy entries in entry order; where
 * consecutive entries lie in consecutive slots both at the source and at
 * every destination (striped runs, clusters placed in order), one job
 * copies them all: one large request per member instead of one per
 * entry, which matters on a member bound by its IOPS.
 */
struct swarm_copy_run {
	struct dm_io_region from;
	struct dm_io_region dests[SWARM_MAX_COPIES];
	u32 n;
};

/* swarm-migrate.c: committing a map and moving the data to it. */
void swarm_copy_run_add(struct dm_kcopyd_client *kc, struct swarm_copy_run *r,
			const struct dm_io_region *from,
			const struct dm_io_region *dests, u32 n,
			dm_kcopyd_notify_fn fn, atomic_t *jobs, void *context);
void swarm_copy_run_flush(struct dm_kcopyd_client *kc,
			  struct swarm_copy_run *r, dm_kcopyd_notify_fn fn,
			  atomic_t *jobs, void *context);
int swarm_mig_init(struct swarm_c *sc);
void swarm_mig_exit(struct swarm_c *sc);
int swarm_commit(struct swarm_c *sc, struct swarm_live_map *lm, bool drop,
		 bool migrate);
void swarm_mig_pause(struct swarm_c *sc);
int swarm_mig_load(struct swarm_c *sc);
void swarm_mig_resume(struct swarm_c *sc);
bool swarm_mig_busy(struct swarm_c *sc);
void swarm_mig_set_rate(struct swarm_c *sc, u64 bytes_per_sec);
void swarm_mig_info(struct swarm_c *sc, struct swarm_mig_info *info);

/* Rebuild states (status). */
enum {
	SWARM_RB_IDLE,		/* none since the table loaded */
	SWARM_RB_RUNNING,
	SWARM_RB_PAUSED,	/* by a suspend */
	SWARM_RB_DONE,
	SWARM_RB_FAILED,
};

/**
 * struct swarm_rb_info - what a rebuild did, for status.
 * @state: SWARM_RB_*.
 * @dev: the member.
 * @next: entries below are rebuilt.
 * @total: entries of the device.
 * @copied: entries copied (since the last start or resume from disk).
 * @lost: entries on the member with no copy on a member that is ok
 *	(remembered lost, struct swarm_lost).
 * @bytes: bytes copied.
 * @ms: time it ran (so far, while it runs).
 */
struct swarm_rb_info {
	u32 state;
	u32 dev;
	u64 next;
	u64 total;
	u64 copied;
	u64 lost;
	u64 bytes;
	u64 ms;
};

/* swarm-rebuild.c: rebuilding a failed member. */
int swarm_rb_init(struct swarm_c *sc);
void swarm_rb_exit(struct swarm_c *sc);
int swarm_rb_message(struct swarm_c *sc, u32 dev);
void swarm_rb_load(struct swarm_c *sc);
void swarm_rb_resume(struct swarm_c *sc);
void swarm_rb_pause(struct swarm_c *sc);
bool swarm_rb_busy(struct swarm_c *sc);
void swarm_rb_set_rate(struct swarm_c *sc, u64 bytes_per_sec);
void swarm_rb_info(struct swarm_c *sc, struct swarm_rb_info *info);
const char *swarm_rb_state_name(u32 state);

/* swarm-redund.c: redundancy on demand (min_copies), lost entries. */
struct dm_swarm_range;
int swarm_redund_load(struct swarm_c *sc);
int swarm_lost_scan(struct swarm_c *sc, u64 start, struct dm_swarm_range *out,
		    u32 room, u32 *n, u64 *next, u64 *lost, u64 *failed);
void swarm_lost_init(struct swarm_c *sc);
void swarm_lost_set(struct swarm_lost *l, const struct swarm_ext *ext, u32 nr);
int swarm_lost_add(struct swarm_lost *l, u64 first, u64 count);
void swarm_lost_clear(struct swarm_c *sc, u64 first, u64 count, bool fua);
bool swarm_lost_lookup(struct swarm_lost *l, u64 first, u64 count);
u32 swarm_lost_snapshot(struct swarm_lost *l, struct swarm_ext *out,
			u64 *changes, bool *cleared);
void swarm_lost_saved(struct swarm_lost *l, u64 changes);
u64 swarm_lost_entries(struct swarm_lost *l);

/*
 * Is an entry of [@first, @first + @count) remembered lost? One load and
 * one predictable branch while nothing is. Any context, never sleeps.
 */
static inline bool swarm_lost_hit(struct swarm_lost *l, u64 first, u64 count)
{
	if (likely(!READ_ONCE(l->nr)))
		return false;
	return swarm_lost_lookup(l, first, count);
}

/* Did writes make entries whole since the superblocks last recorded it? */
static inline bool swarm_lost_dirty(struct swarm_lost *l)
{
	return READ_ONCE(l->cleared) > READ_ONCE(l->saved);
}

/* swarm-ctl.c: the control device. */
int swarm_ctl_init(void);
void swarm_ctl_exit(void);

#endif /* DM_SWARM_H */
