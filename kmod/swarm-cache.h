/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: the DRAM tier (swarm-cache.c). Whole entries read from the
 * members are kept in a bounded pool of pages and reads they cover are
 * served from memory; the policy (swarm-cache-policy.c) chooses which
 * entries stay. The I/O path calls swarm_cache_map() first in map() and
 * swarm_cache_end() last in end_io; with the cache off each costs one
 * predictable branch and a store or two to the bio's data. With it on, a
 * read that misses is looked up and, in the common case, turned away at
 * completion without the cache's lock (see swarm-cache.c).
 */
#ifndef DM_SWARM_CACHE_H
#define DM_SWARM_CACHE_H

#include <linux/bio.h>
#include <linux/device-mapper.h>
#include <linux/cache.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>

#include "swarm-cache-policy.h"

struct swarm_c;
struct swarm_cache_pool;
struct shrinker;

/* Invalidation sequence buckets, entries hashed (see swarm-cache.c). */
#define SWARM_CACHE_SEQ_BUCKETS	1024U

/**
 * struct swarm_cache_ctr - the counters of one policy.
 * @hits: reads served from memory.
 * @misses: reads looked up and sent to the members.
 * @hit_bytes: bytes served from memory.
 * @evictions: entries evicted to make room.
 */
struct swarm_cache_ctr {
	u64 hits;
	u64 misses;
	u64 hit_bytes;
	u64 evictions;
};

/**
 * struct swarm_cache_pcpu - the counters of one CPU.
 * @ctr: per policy.
 */
struct swarm_cache_pcpu {
	struct swarm_cache_ctr ctr[SWARM_CP_NR_KINDS];
};

/**
 * struct swarm_cache - the DRAM tier of one target.
 * @on: a pool is there; read without the lock by the I/O path.
 * @pool: the pool, its policy and its pages; NULL when off. Changed under
 *	@lock; read under it, or under rcu_read_lock_sched() by a miss (a
 *	pool is freed a grace period after it was replaced).
 * @global_seq: invalidation sequence of every entry (pool changes, large
 *	writes). Written under @lock, read with or without it.
 * @entry_shift: log2 of the entry size in bytes.
 * @sc: the target.
 * @pcpu: hits, misses, bytes served, evictions, per CPU and policy.
 * @seq: invalidation sequence per bucket of entries; like @global_seq.
 * @lock: protects @pool's contents (the policy but for what
 *	swarm_cp_peek() and swarm_cp_miss_cold() do without it, the pages)
 *	and the changes of everything above; taken from any context,
 *	interrupts off. In a cache line of its own, away from what misses
 *	read without it.
 * @resize_lock: serialises building and dropping pools (messages, the
 *	shrinker, the destructor); taken before @lock.
 * @mb: the size asked for, MiB.
 * @policy: the policy asked for.
 * @shrinker: gives pages back under memory pressure.
 */
struct swarm_cache {
	bool on;
	struct swarm_cache_pool __rcu *pool;
	u64 global_seq;
	u32 entry_shift;
	struct swarm_c *sc;
	struct swarm_cache_pcpu __percpu *pcpu;
	u32 seq[SWARM_CACHE_SEQ_BUCKETS];
	/* the pool's contents, changes of the above */
	spinlock_t lock ____cacheline_aligned_in_smp;
	struct mutex resize_lock;	/* building and dropping pools */
	u32 mb;
	u32 policy;
	struct shrinker *shrinker;
};

/* What a bio means to the cache, in struct swarm_cache_pb @state. */
enum swarm_cache_pb_state {
	SWARM_CACHE_PB_NONE = 0,	/* nothing to do at completion */
	SWARM_CACHE_PB_MISS = 1,	/* a read to populate the cache from */
	SWARM_CACHE_PB_WRITE = 2,	/* a write: invalidate at completion */
	SWARM_CACHE_PB_HIT = 3,		/* served from memory in map() */
};

/**
 * struct swarm_cache_pb - the cache's per-bio data, before swarm-io.c's.
 * @seq: a read miss: the invalidation sequence of its entries at map().
 * @start: a write: its first sector, as dm gave it (not target-relative).
 * @len: a write: its bytes.
 * @state: enum swarm_cache_pb_state.
 */
struct swarm_cache_pb {
	u64 seq;
	u64 start;
	u32 len;
	u32 state;
};

/**
 * struct swarm_cache_info - the DRAM tier's figures, for status and stats.
 * @bytes: memory of the pool now.
 * @entries: entries it holds.
 * @policy: enum swarm_cp_kind in use.
 * @hits: per policy, reads served from memory.
 * @misses: per policy, reads looked up and sent to the members.
 * @hit_bytes: per policy, bytes served from memory.
 * @evictions: per policy, entries evicted to make room.
 */
struct swarm_cache_info {
	u64 bytes;
	u64 entries;
	u32 policy;
	u64 hits[2];
	u64 misses[2];
	u64 hit_bytes[2];
	u64 evictions[2];
};

int swarm_cache_create(struct swarm_c *sc, u32 mb);
void swarm_cache_destroy(struct swarm_c *sc);
int swarm_cache_resize(struct swarm_c *sc, u32 mb, u32 policy);
void swarm_cache_info(struct swarm_c *sc, struct swarm_cache_info *info);
u32 swarm_cache_mb(struct swarm_c *sc);
u32 swarm_cache_policy(struct swarm_c *sc);
size_t swarm_cache_per_bio_size(size_t io_size);
int swarm_cache_message(struct swarm_c *sc, unsigned int argc, char **argv,
			char *result, unsigned int maxlen);

bool swarm_cache_map_on(struct swarm_cache *c, struct bio *bio,
			struct swarm_cache_pb *pb);
void swarm_cache_end_on(struct swarm_cache *c, struct bio *bio,
			struct swarm_cache_pb *pb,
			const struct bvec_iter *iter, blk_status_t st);

/*
 * The start of the cache's per-bio data; swarm-io.c's struct swarm_io,
 * @io_size bytes, ends the per-bio area and follows it.
 */
static inline struct swarm_cache_pb *swarm_cache_pb(struct bio *bio,
						    size_t io_size)
{
	return dm_per_bio_data(bio, io_size + sizeof(struct swarm_cache_pb));
}

/**
 * swarm_cache_map() - the cache's part of map(), first thing.
 * @c: the target's cache.
 * @on: READ_ONCE() of its on flag (see swarm_cache_on()).
 * @bio: the bio dm gave us.
 * @pb: its swarm_cache_pb().
 *
 * Return: true when the bio was served from memory and completed: map()
 * returns DM_MAPIO_SUBMITTED.
 */
static inline bool swarm_cache_map(struct swarm_cache *c, bool on,
				   struct bio *bio, struct swarm_cache_pb *pb)
{
	if (likely(!on)) {
		/*
		 * A write is still invalidated at completion, should the
		 * cache be turned on while it runs.
		 */
		pb->state = op_is_write(bio_op(bio)) ? SWARM_CACHE_PB_WRITE :
						       SWARM_CACHE_PB_NONE;
		pb->start = bio->bi_iter.bi_sector;
		pb->len = bio->bi_iter.bi_size;
		return false;
	}
	return swarm_cache_map_on(c, bio, pb);
}

/**
 * swarm_cache_end() - the cache's part of end_io, when the bio completes.
 * @c: the target's cache.
 * @on: READ_ONCE() of its on flag.
 * @bio: the bio.
 * @pb: its swarm_cache_pb().
 * @iter: a read's position and size as sent (swarm-io.c's).
 * @st: its status.
 */
static inline void swarm_cache_end(struct swarm_cache *c, bool on,
				   struct bio *bio, struct swarm_cache_pb *pb,
				   const struct bvec_iter *iter,
				   blk_status_t st)
{
	if (likely(!on) || pb->state == SWARM_CACHE_PB_NONE ||
	    pb->state == SWARM_CACHE_PB_HIT)
		return;
	swarm_cache_end_on(c, bio, pb, iter, st);
}

#endif /* DM_SWARM_CACHE_H */
