/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * dm-swarm: the user ABI of the control device /dev/dm-swarm-control.
 *
 * A device-mapper target cannot take ioctls of its own on its block device
 * (dm passes them to the underlying device), so dm-swarm has a misc
 * character device. Every request names the swarm device by its dev_t
 * (@dev_major, @dev_minor) and starts with its own size, so that the ABI
 * can grow: the kernel accepts any @size from the smallest it knows up,
 * provided the bytes it does not know are zero.
 *
 * Uploading a cluster map:
 *   DM_SWARM_MAP_BEGIN    once, with the totals;
 *   DM_SWARM_MAP_ADD      any number of batches of clusters;
 *   DM_SWARM_MAP_WEIGHTS  optionally, cluster-to-cluster co-activation;
 *   DM_SWARM_MAP_COMMIT   validates, places and publishes the whole map;
 *   DM_SWARM_MAP_ABORT    or closing the file drops the staged map.
 * Only one upload per swarm device is staged at a time (-EBUSY otherwise),
 * and nothing reaches the live map before a commit succeeds.
 *
 * All ioctls need CAP_SYS_ADMIN.
 */
#ifndef _UAPI_LINUX_DM_SWARM_H
#define _UAPI_LINUX_DM_SWARM_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define DM_SWARM_CONTROL_NAME	"dm-swarm-control"

#define DM_SWARM_VERSION_MAJOR	1
#define DM_SWARM_VERSION_MINOR	4
#define DM_SWARM_VERSION_PATCH	0

/* Limits the kernel enforces. */
#define DM_SWARM_MAX_CLUSTERS		0x1000000U	/* 16M */
#define DM_SWARM_MAX_CLUSTER_SIZE	0x100000U	/* 1M */
#define DM_SWARM_MAX_MEMBERS		0x8000000ULL	/* 128M */
#define DM_SWARM_MAX_BATCH		0x10000U	/* 64K */
#define DM_SWARM_MAX_DEVS		64

/**
 * struct dm_swarm_version - DM_SWARM_VERSION: the ABI version.
 * @size: sizeof(struct dm_swarm_version), set by the caller.
 * @major: incompatible changes.
 * @minor: compatible additions.
 * @patch: fixes.
 */
struct dm_swarm_version {
	__u32 size;
	__u32 major;
	__u32 minor;
	__u32 patch;
};

/* Flags of struct dm_swarm_map_begin. */
#define DM_SWARM_MAP_DROP_DATA	_BITUL(0)	/* data on the device may be lost */
#define DM_SWARM_MAP_DELTA	_BITUL(1)	/* changes to the live cluster map (ABI 1.3) */
#define DM_SWARM_MAP_FLAGS_ALL	(DM_SWARM_MAP_DROP_DATA | DM_SWARM_MAP_DELTA)

/**
 * struct dm_swarm_map_begin - DM_SWARM_MAP_BEGIN: start an upload.
 * @size: sizeof(struct dm_swarm_map_begin).
 * @flags: DM_SWARM_MAP_* flags.
 * @dev_major: the swarm device.
 * @dev_minor: the swarm device.
 * @nr_clusters: clusters the upload will add, 1..DM_SWARM_MAX_CLUSTERS
 *	(with DM_SWARM_MAP_DELTA: cluster records, see below).
 * @nr_weights: co-activation weights it will add, 0 if none.
 * @nr_members: members of all clusters together, 1..DM_SWARM_MAX_MEMBERS
 *	(0 allowed for a delta that only drops clusters).
 *
 * With DM_SWARM_MAP_DELTA the upload is a change to the cluster map the
 * live map was placed from, not a whole map. Each struct dm_swarm_cluster
 * is a record: its @id names a cluster of the live map (0..K-1, K
 * clusters), to which it adds its members (its @medoid and @frequency
 * replace the cluster's; an entry the cluster has is refused at commit
 * with EEXIST), or, with @nr_members 0, which it drops; or, with the ids
 * K, K+1, ..., a new cluster. Weights name clusters by the same ids and
 * add to the live map's. At commit the records are applied (the clusters
 * keep their order, dropped ones and their weights leave, and the
 * clusters are numbered from 0 again), the result is validated as a
 * whole map, and placed and committed as one (on a device with data,
 * only the entries whose copies change move). ENODATA at commit when the
 * kernel has no cluster map for the device in memory: none was uploaded
 * since the table was loaded from the members (a reboot or module
 * reload), so a whole map must be uploaded.
 */
struct dm_swarm_map_begin {
	__u32 size;
	__u32 flags;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 nr_clusters;
	__u32 nr_weights;
	__u64 nr_members;
};

/**
 * struct dm_swarm_cluster - one cluster of a DM_SWARM_MAP_ADD batch.
 * @id: the cluster's id, unique within the upload, < nr_clusters.
 * @nr_members: number of members, 1..DM_SWARM_MAX_CLUSTER_SIZE.
 * @medoid: the medoid entry; must be a member.
 * @frequency: activation count of the cluster in the profile.
 */
struct dm_swarm_cluster {
	__u32 id;
	__u32 nr_members;
	__u64 medoid;
	__u64 frequency;
};

/**
 * struct dm_swarm_map_add - DM_SWARM_MAP_ADD: add a batch of clusters.
 * @size: sizeof(struct dm_swarm_map_add).
 * @nr_clusters: clusters in this batch, 1..DM_SWARM_MAX_BATCH.
 * @dev_major: the swarm device.
 * @dev_minor: the swarm device.
 * @pad: zero.
 * @nr_members: members in this batch: the sum of the clusters' nr_members.
 * @clusters: user address of @nr_clusters struct dm_swarm_cluster.
 * @members: user address of @nr_members __u64 entry numbers, the members of
 *	each cluster in turn. An entry appears at most once per cluster.
 */
struct dm_swarm_map_add {
	__u32 size;
	__u32 nr_clusters;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 pad;
	__u32 pad2;
	__u64 nr_members;
	__u64 clusters;
	__u64 members;
};

/**
 * struct dm_swarm_weight - co-activation of two clusters.
 * @a: a cluster id.
 * @b: another cluster id, != @a.
 * @weight: how often they are read together (any scale, larger = more).
 */
struct dm_swarm_weight {
	__u32 a;
	__u32 b;
	__u64 weight;
};

/**
 * struct dm_swarm_map_weights - DM_SWARM_MAP_WEIGHTS: add weights.
 * @size: sizeof(struct dm_swarm_map_weights).
 * @nr_weights: weights in this batch, 1..DM_SWARM_MAX_BATCH.
 * @dev_major: the swarm device.
 * @dev_minor: the swarm device.
 * @weights: user address of @nr_weights struct dm_swarm_weight.
 */
struct dm_swarm_map_weights {
	__u32 size;
	__u32 nr_weights;
	__u32 dev_major;
	__u32 dev_minor;
	__u64 weights;
};

/**
 * struct dm_swarm_dev_req - a request that names only the swarm device:
 *	DM_SWARM_MAP_COMMIT, DM_SWARM_MAP_ABORT, DM_SWARM_STATS_RESET.
 * @size: sizeof(struct dm_swarm_dev_req).
 * @flags: zero.
 * @dev_major: the swarm device.
 * @dev_minor: the swarm device.
 */
struct dm_swarm_dev_req {
	__u32 size;
	__u32 flags;
	__u32 dev_major;
	__u32 dev_minor;
};

/**
 * struct dm_swarm_dev_stats - statistics of one member device.
 * @reads: read bios sent to it.
 * @writes: write bios sent to it (one per copy).
 * @read_bytes: bytes read.
 * @write_bytes: bytes written.
 * @inflight: bios in flight now.
 * @inflight_peak: the most bios in flight at once.
 * @busy_ns: time with at least one bio in flight.
 * @tput_est: current throughput estimate, bytes per second.
 */
struct dm_swarm_dev_stats {
	__u64 reads;
	__u64 writes;
	__u64 read_bytes;
	__u64 write_bytes;
	__u64 inflight;
	__u64 inflight_peak;
	__u64 busy_ns;
	__u64 tput_est;
};

/* Values of struct dm_swarm_stats @selector and @placement. */
#define DM_SWARM_SELECT_STATIC		0	/* always the first copy */
#define DM_SWARM_SELECT_LEAST_LOADED	1
#define DM_SWARM_PLACE_ROUNDROBIN	0	/* the paper's Eq. 7 */
#define DM_SWARM_PLACE_COACTIVATION	1
#define DM_SWARM_PLACE_NOBALANCE	2	/* ablation: all start on member 0 */

/* Values of struct dm_swarm_stats @cache_policy, and its per-policy index. */
#define DM_SWARM_CACHE_CB		0	/* cost-benefit score (Eq. 6) */
#define DM_SWARM_CACHE_LRU		1	/* least recently used */
#define DM_SWARM_CACHE_NR_POLICIES	2

/**
 * struct dm_swarm_stats - DM_SWARM_STATS: read the statistics.
 * @size: sizeof(struct dm_swarm_stats), set by the caller.
 * @nr_devs: in: room in @devs; out: number of members.
 * @dev_major: the swarm device.
 * @dev_minor: the swarm device.
 * @devs: user address of @nr_devs struct dm_swarm_dev_stats, filled for
 *	min(room, members) members.
 * @map_generation: generation of the live map; 0 = no map (striped).
 * @nr_entries: entries of the device.
 * @nr_clusters: clusters in the live map.
 * @nr_copies: entry copies in the live map (nr_entries without a map).
 * @map_bytes: kernel memory of the live map.
 * @reads: reads of the device.
 * @writes: writes of the device.
 * @multi_copy_reads: reads of an entry with more than one copy.
 * @redirected_reads: reads sent to a copy other than the first.
 * @selector: DM_SWARM_SELECT_*.
 * @placement: DM_SWARM_PLACE_* of the next commit.
 * @max_copies: copies per entry allowed.
 * @spare_pct: per cent of the capacity kept free of replicas.
 * @data_start: first sector of the entry slots on every member (ABI 1.1).
 * @dev_slots: entry slots on every member.
 * @flags: DM_SWARM_STATS_* flags.
 * @migrate_state: DM_SWARM_MIGRATE_*.
 * @migrate_generation: the generation a migration moves to; when it is
 *	done, this is @map_generation.
 * @migrate_done: entries copied so far by the last migration.
 * @migrate_total: entries the last migration copies.
 * @migrate_bytes: bytes it copied (every copy of every entry).
 * @migrate_ms: time it has run, in milliseconds.
 * @migrate_rate: its cap in bytes per second, 0 = none.
 * @migrate_error: 0, or the negative errno that stopped it.
 * @pad: zero.
 * @uuid: the set's identity, as in the members' superblocks.
 * @failed_devs: failed members, bit i for member i (ABI 1.2); with any,
 *	@flags has DM_SWARM_STATS_DEGRADED.
 * @read_failovers: reads sent again to other copies after an error.
 * @lost_reads: reads failed at once because an entry had no copy left on
 *	a member that is not failed.
 * @degraded_writes: copies of writes not written because their member
 *	failed, while the write completed on another copy.
 * @cache_bytes: the DRAM tier's memory now, bytes (ABI 1.3; 0 = off;
 *	the table's "cache_mb", the "cache" message, less what a shrinker
 *	took back).
 * @cache_entries: entries it holds.
 * @cache_policy: DM_SWARM_CACHE_* in use.
 * @cache_pad: zero.
 * @cache_hits: per policy (index DM_SWARM_CACHE_*), reads served from
 *	memory without touching a member.
 * @cache_misses: per policy, reads looked up and not served from memory.
 * @cache_hit_bytes: per policy, bytes served from memory.
 * @cache_evictions: per policy, entries evicted to make room (not those
 *	invalidated by writes or dropped by a shrinker or a resize).
 *
 * A caller of an older ABI may pass the size of its struct (from 1.1 on,
 * up to @uuid at least): the kernel then fills only that much.
 */
struct dm_swarm_stats {
	__u32 size;
	__u32 nr_devs;
	__u32 dev_major;
	__u32 dev_minor;
	__u64 devs;
	__u64 map_generation;
	__u64 nr_entries;
	__u64 nr_clusters;
	__u64 nr_copies;
	__u64 map_bytes;
	__u64 reads;
	__u64 writes;
	__u64 multi_copy_reads;
	__u64 redirected_reads;
	__u32 selector;
	__u32 placement;
	__u32 max_copies;
	__u32 spare_pct;
	/* ABI 1.1 */
	__u64 data_start;
	__u64 dev_slots;
	__u32 flags;
	__u32 migrate_state;
	__u64 migrate_generation;
	__u64 migrate_done;
	__u64 migrate_total;
	__u64 migrate_bytes;
	__u64 migrate_ms;
	__u64 migrate_rate;
	__s32 migrate_error;
	__u32 pad;
	__u8 uuid[16];
	/* ABI 1.2 */
	__u64 failed_devs;
	__u64 read_failovers;
	__u64 lost_reads;
	__u64 degraded_writes;
	/* ABI 1.3: the DRAM tier */
	__u64 cache_bytes;
	__u64 cache_entries;
	__u32 cache_policy;
	__u32 cache_pad;
	__u64 cache_hits[DM_SWARM_CACHE_NR_POLICIES];
	__u64 cache_misses[DM_SWARM_CACHE_NR_POLICIES];
	__u64 cache_hit_bytes[DM_SWARM_CACHE_NR_POLICIES];
	__u64 cache_evictions[DM_SWARM_CACHE_NR_POLICIES];
};

/* struct dm_swarm_stats @flags */
#define DM_SWARM_STATS_HAS_DATA	_BITUL(0)	/* a write reached the set */
#define DM_SWARM_STATS_DEGRADED	_BITUL(1)	/* a member failed (ABI 1.2) */

/* struct dm_swarm_stats @migrate_state */
#define DM_SWARM_MIGRATE_IDLE		0	/* none since the table loaded */
#define DM_SWARM_MIGRATE_RUNNING	1
#define DM_SWARM_MIGRATE_PAUSED		2	/* the device is suspended */
#define DM_SWARM_MIGRATE_DONE		3	/* the new map is live */
#define DM_SWARM_MIGRATE_FAILED		4	/* the old map stays live */

/**
 * struct dm_swarm_copy - where one copy of an entry lives.
 * @dev: member index, in table order.
 * @pad: zero.
 * @slot: entry slot on that member; the copy starts at sector
 *	data_start + slot * entry_sectors of the member (see
 *	struct dm_swarm_stats).
 */
struct dm_swarm_copy {
	__u32 dev;
	__u32 pad;
	__u64 slot;
};

#define DM_SWARM_MAX_COPIES	8

/**
 * struct dm_swarm_placement - one entry's copies, for DM_SWARM_PLACEMENT.
 * @entry: in: the entry.
 * @nr_copies: out: number of copies, 1..DM_SWARM_MAX_COPIES.
 * @pad: zero.
 * @copies: out: the copies, the first being the primary one.
 */
struct dm_swarm_placement {
	__u64 entry;
	__u32 nr_copies;
	__u32 pad;
	struct dm_swarm_copy copies[DM_SWARM_MAX_COPIES];
};

/**
 * struct dm_swarm_placement_req - DM_SWARM_PLACEMENT: where entries live.
 * @size: sizeof(struct dm_swarm_placement_req).
 * @nr_entries: number of entries asked, 1..DM_SWARM_MAX_BATCH.
 * @dev_major: the swarm device.
 * @dev_minor: the swarm device.
 * @entries: user address of @nr_entries struct dm_swarm_placement; the
 *	kernel reads each @entry and fills the rest.
 */
struct dm_swarm_placement_req {
	__u32 size;
	__u32 nr_entries;
	__u32 dev_major;
	__u32 dev_minor;
	__u64 entries;
};

/**
 * struct dm_swarm_trace_event - one traced read of one entry.
 * @entry: the entry read.
 * @time_ns: when it was mapped, CLOCK_MONOTONIC nanoseconds.
 * @pid: the submitting thread.
 * @tgid: its process.
 */
struct dm_swarm_trace_event {
	__u64 entry;
	__u64 time_ns;
	__u32 pid;
	__u32 tgid;
};

/* Flags of struct dm_swarm_trace. */
#define DM_SWARM_TRACE_START	_BITUL(0)	/* (re)start with an empty ring */
#define DM_SWARM_TRACE_STOP	_BITUL(1)	/* stop and free the ring, after reading */
#define DM_SWARM_TRACE_FLAGS_ALL	(DM_SWARM_TRACE_START | DM_SWARM_TRACE_STOP)

#define DM_SWARM_TRACE_MAX_RING	0x1000000U	/* 16M events */

/**
 * struct dm_swarm_trace - DM_SWARM_TRACE: control and read the trace of
 *	reads.
 * @size: sizeof(struct dm_swarm_trace).
 * @flags: DM_SWARM_TRACE_* flags; 0 only reads.
 * @dev_major: the swarm device.
 * @dev_minor: the swarm device.
 * @ring: with DM_SWARM_TRACE_START, the ring size in events (rounded up
 *	to a power of two, 0 = 65536, at most DM_SWARM_TRACE_MAX_RING).
 * @nr_events: in: room in @events; out: events copied (oldest first),
 *	which leaves the ring.
 * @events: user address of @nr_events struct dm_swarm_trace_event.
 * @recorded: out: events recorded since the start.
 * @dropped: out: events dropped because the ring was full.
 * @active: out: 1 while tracing.
 * @pad: zero.
 */
struct dm_swarm_trace {
	__u32 size;
	__u32 flags;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 ring;
	__u32 nr_events;
	__u64 events;
	__u64 recorded;
	__u64 dropped;
	__u32 active;
	__u32 pad;
};

/**
 * struct dm_swarm_range - a range of entries, for DM_SWARM_LOST.
 * @first: the first entry.
 * @count: entries, >= 1.
 */
struct dm_swarm_range {
	__u64 first;
	__u64 count;
};

/**
 * struct dm_swarm_lost - DM_SWARM_LOST: the entries that no copy can be
 *	read of (every copy is on a failed member), ABI 1.4.
 * @size: sizeof(struct dm_swarm_lost).
 * @flags: zero.
 * @dev_major: the swarm device.
 * @dev_minor: the swarm device.
 * @start: in: the first entry to look at (0, then the previous @next).
 * @nr_ranges: in: room in @ranges, 1..DM_SWARM_MAX_BATCH; out: ranges
 *	filled, in entry order, each as long as it goes (a range cut by
 *	@next continues in the next call's first range).
 * @pad: zero.
 * @ranges: user address of @nr_ranges struct dm_swarm_range.
 * @next: out: the entry to go on from; the device's entry count when
 *	every entry was looked at.
 * @lost: out: entries in the ranges filled.
 * @failed_devs: out: the failed members, bit i for member i.
 */
struct dm_swarm_lost {
	__u32 size;
	__u32 flags;
	__u32 dev_major;
	__u32 dev_minor;
	__u64 start;
	__u32 nr_ranges;
	__u32 pad;
	__u64 ranges;
	__u64 next;
	__u64 lost;
	__u64 failed_devs;
};

/**
 * DOC: ioctls
 *
 * The request number is matched, not its size: each struct carries its own.
 * Errors common to all: EPERM without CAP_SYS_ADMIN; EFAULT for a bad
 * address; EINVAL for a size smaller than the struct or a non-zero flag
 * or pad; E2BIG for unknown non-zero trailing bytes; ENODEV when the
 * device is not a live swarm; ENOTTY for an unknown request.
 *
 * DM_SWARM_VERSION: fills in the ABI version.
 *
 * DM_SWARM_MAP_BEGIN: stages an upload in this file. EBUSY if this file
 * or any other stages one for the device; EINVAL for zero counts or
 * more clusters than members; E2BIG over the DM_SWARM_MAX_* limits.
 *
 * DM_SWARM_MAP_ADD: adds a batch. ENOENT before MAP_BEGIN; EINVAL for an
 * empty cluster (not in a delta), a batch over DM_SWARM_MAX_BATCH, counts
 * that disagree with the batch or exceed MAP_BEGIN's; ERANGE for an
 * entry, medoid or id out of range (a delta's ids: at commit); E2BIG for
 * a cluster over DM_SWARM_MAX_CLUSTER_SIZE.
 * A failed batch leaves the staged upload as it was.
 *
 * DM_SWARM_MAP_WEIGHTS: adds co-activation weights. ENOENT, EINVAL and
 * ERANGE as for MAP_ADD; EINVAL for a weight of a cluster with itself.
 *
 * DM_SWARM_MAP_COMMIT: validates the whole upload, places it and makes
 * it the live map; the staged upload is used up either way. ENOENT
 * before MAP_BEGIN; EINVAL when fewer clusters, members or weights
 * arrived than announced, a cluster is empty or its medoid is not a
 * member (a delta: a new cluster without members, or none left); ERANGE
 * for an id or weight that names no cluster (a delta: beyond the live
 * map's clusters and its new ones, or a dropped one); EEXIST for an
 * entry twice in one cluster or a duplicate id (a delta: two records of
 * one cluster); ENODATA for a delta without a cluster map in memory;
 * ESTALE when the device's table changed size; EBUSY while a migration
 * runs (a second commit is refused, not queued: wait for
 * DM_SWARM_MIGRATE_DONE); ENOSPC when the device holds data and the new
 * map does not fit in the slots the live map leaves free; EIO when the
 * map cannot be written to the members; ENOMEM. The kernel log says which
 * rule failed.
 *
 * On a device without data (or with DM_SWARM_MAP_DROP_DATA) the commit
 * writes the map to the members and makes it live before it returns.
 * On a device that holds data it starts a migration and returns: the new
 * map is placed over the live one (stable placement: an entry keeps the
 * copies that stay balanced in its clusters), and only the entries that
 * get a new copy are copied (dm-kcopyd) into slots the live map does not
 * use, while reads are served by the live map and writes go to the old
 * and, once copied, the new slots. The new map is written to the members
 * and made live when every such entry is copied; a crash before that
 * leaves the old map. A copy that finds no free slot on a member that
 * would improve its cluster's spread stays where it is (a replica may be
 * dropped). Follow it with DM_SWARM_STATS @migrate_* (@migrate_total: the
 * entries that move, @migrate_bytes: the bytes of their new copies).
 *
 * DM_SWARM_MAP_ABORT: drops the staged upload. ENOENT if there is none.
 *
 * DM_SWARM_STATS: reads statistics; @size may also be that of ABI 1.1
 * (up to @uuid). DM_SWARM_STATS_RESET: zeroes them.
 *
 * DM_SWARM_PLACEMENT: where entries live. EINVAL for 0 or more than
 * DM_SWARM_MAX_BATCH entries; ERANGE for an entry beyond the device.
 *
 * DM_SWARM_TRACE: starts, reads and stops the trace of reads (also
 * switched by "dmsetup message <dev> 0 trace on [events]|off"). EINVAL
 * for unknown flags or a ring over DM_SWARM_TRACE_MAX_RING; ENOMEM.
 *
 * DM_SWARM_LOST (ABI 1.4): the ranges of entries whose copies are all on
 * failed members, and of those a rebuild onto a new device found with no
 * copy left (remembered lost): their reads fail at once with EIO
 * (counted as lost_reads) until the entries are written whole again; an
 * inference engine drops them from its index. Looks at up to 1M entries
 * a call while a member is failed: call again from @next until it
 * reaches the device's entry count. EINVAL for 0 or more than
 * DM_SWARM_MAX_BATCH ranges, a non-zero @pad; ERANGE for @start beyond
 * the device; ENOMEM.
 */
#define DM_SWARM_IOCTL	0xfd	/* the device-mapper family; numbers from 0x40 */

#define DM_SWARM_VERSION	_IOWR(DM_SWARM_IOCTL, 0x40, struct dm_swarm_version)
#define DM_SWARM_MAP_BEGIN	_IOW(DM_SWARM_IOCTL, 0x41, struct dm_swarm_map_begin)
#define DM_SWARM_MAP_ADD	_IOW(DM_SWARM_IOCTL, 0x42, struct dm_swarm_map_add)
#define DM_SWARM_MAP_WEIGHTS	_IOW(DM_SWARM_IOCTL, 0x43, struct dm_swarm_map_weights)
#define DM_SWARM_MAP_COMMIT	_IOW(DM_SWARM_IOCTL, 0x44, struct dm_swarm_dev_req)
#define DM_SWARM_MAP_ABORT	_IOW(DM_SWARM_IOCTL, 0x45, struct dm_swarm_dev_req)
#define DM_SWARM_STATS		_IOWR(DM_SWARM_IOCTL, 0x46, struct dm_swarm_stats)
#define DM_SWARM_STATS_RESET	_IOW(DM_SWARM_IOCTL, 0x47, struct dm_swarm_dev_req)
#define DM_SWARM_PLACEMENT	_IOWR(DM_SWARM_IOCTL, 0x48, struct dm_swarm_placement_req)
#define DM_SWARM_TRACE		_IOWR(DM_SWARM_IOCTL, 0x49, struct dm_swarm_trace)
#define DM_SWARM_LOST		_IOWR(DM_SWARM_IOCTL, 0x4a, struct dm_swarm_lost)

#endif /* _UAPI_LINUX_DM_SWARM_H */
