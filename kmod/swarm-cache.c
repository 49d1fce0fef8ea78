// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: the DRAM tier. A bounded pool of pages holds whole entries;
 * a read whose every entry is held is copied from the pool into the bio's
 * pages and completed in map(), without touching a member. A read that
 * misses goes down as usual, and on completion its whole entries may be
 * copied into the pool, as the policy (swarm-cache-policy.c, cost-benefit
 * or LRU) decides. Nothing in map() or end_io allocates: the pool is
 * allocated when the table is loaded ("cache_mb <MiB>") or by the
 * "cache <MiB>" message, and a shrinker hands pages back under memory
 * pressure (the pool stays smaller until the next "cache" message).
 *
 * The cache unit is one entry: the kernel knows entries, not clusters
 * (the live placement keeps no entry-to-cluster map), so |C| is 1 in the
 * score and every cached entry has the same weight,
 * T_base + T_transfer. T_base and T_transfer come from the members'
 * measured peaks (swarm-select.c: 1 / peak IOPS and entry / peak
 * bandwidth, averaged over the members) when the pool is built, or from
 * defaults (100 us, 1 GB/s) before anything was measured. A step, for
 * f_C, is SWARM_CACHE_STEP_NS of time.
 *
 * Writes and stale data. A write invalidates the entries it covers when
 * it is mapped and again when it completes, before dm completes it to
 * its submitter; a read hit after that completion cannot see old data.
 * The danger is a read miss that read old data from a member and
 * populates the pool after the write's invalidation. So every
 * invalidation also bumps a sequence number: one per bucket of entries
 * (entry mod SWARM_CACHE_SEQ_BUCKETS), or a global one for large writes
 * and pool changes. A read miss takes, in map(), the sum of the global
 * sequence and those of its entries' buckets; on completion it populates
 * only if the sum is unchanged, checked and copied under the same lock
 * the invalidations take. The sequences only grow, so the sum changes
 * if any write to one of its entries invalidated in between:
 *  - a write completed before the read was mapped: the read saw new data;
 *  - a write invalidating between the read's map() and its completion:
 *    the sum changed, nothing is populated;
 *  - a write mapped before the read completes but completing after it:
 *    the read may populate old data, and the write's completion removes
 *    it before the write completes.
 * Writes are marked for the completion's invalidation even with the
 * cache off (a store in map()), so that a cache turned on while they run
 * does not keep what they overwrite.
 *
 * A read miss takes no lock, in the common case. In map() it looks its
 * entries up with swarm_cp_peek() under rcu_read_lock_sched() (cheaper
 * than rcu_read_lock() on preemptible RCU; a replaced pool is freed after
 * synchronize_rcu(), which waits for such readers too): "not found" is a
 * miss, even if a concurrent admission or move in the hash made it wrong
 * (the members hold the data; populating skips entries cached
 * meanwhile), and "perhaps found" is looked at again under the lock,
 * where hits are served. Its sequence sum is read without the lock: each
 * term only grows, so the sum checked at completion is unchanged only if
 * no term was bumped after map() read it; and a term read before map()'s
 * full barrier cannot miss a bump made after the member wrote new data,
 * which is what the case analysis above needs (a read that got old data
 * from a member read its sequences before the write's completion bumped
 * them). At completion, an entry the cost-benefit policy turns away
 * whatever its victim, a cold one, only has its ghost f_C counted
 * (swarm_cp_miss_cold(), lock-free); the lock is taken only to admit.
 * Pages are only touched under the lock.
 */
#include <linux/bio.h>
#include <linux/bitmap.h>
#include <linux/device-mapper.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/shrinker.h>
#include <linux/slab.h>

#include "swarm.h"
#include "swarm-cache.h"

#define DM_MSG_PREFIX "swarm"

/* A step of f_C: 10 ms, about a decoding step. */
#define SWARM_CACHE_STEP_NS	(10 * NSEC_PER_MSEC)
/* Bios larger than this are neither served nor used to populate. */
#define SWARM_CACHE_MAX_BIO	(256U << 10)
#define SWARM_CACHE_MAX_ENTRIES	(SWARM_CACHE_MAX_BIO / 4096U + 1)
/* Writes over more entries invalidate by a scan of the pool. */
#define SWARM_CACHE_INVAL_SCAN	4096U
/* Before a member was measured. */
#define SWARM_CACHE_T_BASE_NS	100000ULL	/* 100 us */
#define SWARM_CACHE_BYTES_PER_S	1000000000ULL	/* 1 GB/s */

/**
 * struct swarm_cache_pool - the memory of the DRAM tier, and its policy.
 * @cp: the policy: which entry each slot holds.
 * @nr_slots: slots, one entry each.
 * @pps: pages per slot.
 * @live: slots that still have their pages (the shrinker takes some).
 * @t_base: T_base, ns.
 * @t_transfer: T_transfer of one entry, ns.
 * @weight: the score's weight of every entry, swarm_cp_weight().
 * @pages: @nr_slots * @pps pages; NULL for slots the shrinker took.
 */
struct swarm_cache_pool {
	struct swarm_cp cp;
	u32 nr_slots;
	u32 pps;
	u32 live;
	u64 t_base;
	u64 t_transfer;
	u32 weight;
	struct page **pages;
};

/* Coarse time: a tick's resolution is enough for 10 ms steps. */
static inline u64 cache_step(void)
{
	return div64_u64(ktime_get_coarse_ns(), SWARM_CACHE_STEP_NS);
}

static inline u32 cache_bucket(u64 entry)
{
	return entry & (SWARM_CACHE_SEQ_BUCKETS - 1);
}

/*
 * The sequence sum of entries [@first, @first + @n). Under the lock, or
 * without it (each term read once; see the top of this file).
 */
static u64 cache_seq_sum(struct swarm_cache *c, u64 first, u32 n)
{
	u64 sum = READ_ONCE(c->global_seq);
	u32 i;

	for (i = 0; i < n; i++)
		sum += READ_ONCE(c->seq[cache_bucket(first + i)]);
	return sum;
}

/* The pool, under the lock. */
static inline struct swarm_cache_pool *cache_pool(struct swarm_cache *c)
{
	return rcu_dereference_protected(c->pool, lockdep_is_held(&c->lock));
}

/* Count @field += @v of the pool's policy @kind, on this CPU. */
#define cache_count(c, kind, field, v) \
	this_cpu_add((c)->pcpu->ctr[kind].field, v)

size_t swarm_cache_per_bio_size(size_t io_size)
{
	return io_size + sizeof(struct swarm_cache_pb);
}

/* ---- pools ---- */

static void cache_pool_free(struct swarm_cache_pool *pool)
{
	u64 i;

	if (!pool)
		return;
	if (pool->pages) {
		for (i = 0; i < (u64)pool->nr_slots * pool->pps; i++)
			if (pool->pages[i])
				__free_page(pool->pages[i]);
		kvfree(pool->pages);
	}
	swarm_cp_exit(&pool->cp);
	kfree(pool);
}

/* T_base and T_transfer from the members' measured peaks. */
static void cache_costs(struct swarm_c *sc, u32 entry_bytes, u64 *t_base,
			u64 *t_transfer)
{
	u64 bw = 0, iops = 0;
	u32 i, n = sc->sel.nr_devs, nbw = 0, niops = 0;

	for (i = 0; i < n; i++) {
		u64 b = READ_ONCE(sc->sel.load[i].bw_peak);
		u32 o = READ_ONCE(sc->sel.load[i].iops_peak);

		if (b) {
			bw += b;
			nbw++;
		}
		if (o) {
			iops += o;
			niops++;
		}
	}
	*t_base = niops ? div64_u64(NSEC_PER_SEC * niops, iops) :
			  SWARM_CACHE_T_BASE_NS;
	*t_transfer = div64_u64((u64)entry_bytes * NSEC_PER_SEC,
				nbw ? div64_u64(bw, nbw) :
				      SWARM_CACHE_BYTES_PER_S);
}

static struct swarm_cache_pool *cache_pool_alloc(struct swarm_cache *c,
						 u32 mb, u32 policy)
{
	u32 entry_bytes = 1U << c->entry_shift;
	struct swarm_cache_pool *pool;
	u64 slots = ((u64)mb << 20) >> c->entry_shift, i;

	if (!slots)
		slots = 1;	/* entries of more than the pool */
	if (slots > (1U << 28))
		return ERR_PTR(-EINVAL);
	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	pool->nr_slots = slots;
	pool->pps = DIV_ROUND_UP(entry_bytes, PAGE_SIZE);
	if (swarm_cp_init(&pool->cp, policy, slots))
		goto nomem;
	pool->pages = kvcalloc(slots * pool->pps, sizeof(*pool->pages),
			       GFP_KERNEL | __GFP_NOWARN);
	if (!pool->pages)
		goto nomem;
	for (i = 0; i < slots * pool->pps; i++) {
		pool->pages[i] = alloc_page(GFP_KERNEL | __GFP_NOWARN |
					    __GFP_RETRY_MAYFAIL);
		if (!pool->pages[i])
			goto nomem;
		cond_resched();
	}
	pool->live = slots;
	cache_costs(c->sc, entry_bytes, &pool->t_base, &pool->t_transfer);
	pool->weight = swarm_cp_weight(pool->t_base, pool->t_transfer, 1);
	return pool;
nomem:
	cache_pool_free(pool);
	return ERR_PTR(-ENOMEM);
}

/*
 * Install @pool (NULL: off); returns the old one, to free after a grace
 * period (cache_pool_retire()).
 */
static struct swarm_cache_pool *cache_swap(struct swarm_cache *c,
					   struct swarm_cache_pool *pool)
{
	struct swarm_cache_pool *old;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	old = cache_pool(c);
	rcu_assign_pointer(c->pool, pool);
	/* Reads in flight populate nothing: their pool is gone. */
	WRITE_ONCE(c->global_seq, c->global_seq + 1);
	WRITE_ONCE(c->on, !!pool);
	spin_unlock_irqrestore(&c->lock, flags);
	return old;
}

/*
 * Free @old, replaced: misses may still be peeking into it, under
 * rcu_read_lock_sched(), which synchronize_rcu() waits for. Sleeps.
 */
static void cache_pool_retire(struct swarm_cache_pool *old)
{
	if (!old)
		return;
	synchronize_rcu();
	cache_pool_free(old);
}

/* ---- the shrinker ---- */

#ifdef SWARM_HAVE_SHRINKER_ALLOC
static inline struct swarm_cache *cache_of(struct shrinker *s)
{
	return s->private_data;
}
#else
/*
 * Before 6.7 (no shrinker_alloc(), see Kbuild) a shrinker has no private
 * data: it is embedded.
 */
struct swarm_cache_shrinker {
	struct shrinker s;
	struct swarm_cache *c;
};

static inline struct swarm_cache *cache_of(struct shrinker *s)
{
	return container_of(s, struct swarm_cache_shrinker, s)->c;
}
#endif

static unsigned long cache_shrink_count(struct shrinker *s,
					struct shrink_control *sc)
{
	struct swarm_cache *c = cache_of(s);
	struct swarm_cache_pool *pool;
	unsigned long n = 0, flags;

	spin_lock_irqsave(&c->lock, flags);
	pool = cache_pool(c);
	if (pool)
		n = (unsigned long)pool->live * pool->pps;
	spin_unlock_irqrestore(&c->lock, flags);
	return n ? n : SHRINK_EMPTY;
}

/* Take up to @nr pages back: free slots first, then the policy's victims. */
static unsigned long cache_shrink_scan(struct shrinker *s,
				       struct shrink_control *sc)
{
	struct swarm_cache *c = cache_of(s);
	struct swarm_cache_pool *pool;
	unsigned long freed = 0, flags;
	u32 slot, i;

	if (!mutex_trylock(&c->resize_lock))
		return SHRINK_STOP;
	spin_lock_irqsave(&c->lock, flags);
	pool = cache_pool(c);
	while (pool && freed < sc->nr_to_scan) {
		slot = swarm_cp_take(&pool->cp);
		if (slot == SWARM_CP_NONE)
			break;
		for (i = 0; i < pool->pps; i++) {
			struct page **pg = &pool->pages[(u64)slot * pool->pps + i];

			__free_page(*pg);
			*pg = NULL;
			freed++;
		}
		pool->live--;
	}
	spin_unlock_irqrestore(&c->lock, flags);
	mutex_unlock(&c->resize_lock);
	return freed ? freed : SHRINK_STOP;
}

#ifdef SWARM_HAVE_SHRINKER_ALLOC
static int cache_shrinker_add(struct swarm_cache *c, const char *name)
{
	c->shrinker = shrinker_alloc(0, "dm-swarm-cache:%s", name);
	if (!c->shrinker)
		return -ENOMEM;
	c->shrinker->count_objects = cache_shrink_count;
	c->shrinker->scan_objects = cache_shrink_scan;
	c->shrinker->private_data = c;
	shrinker_register(c->shrinker);
	return 0;
}

static void cache_shrinker_del(struct swarm_cache *c)
{
	shrinker_free(c->shrinker);
}
#else
static int cache_shrinker_add(struct swarm_cache *c, const char *name)
{
	struct swarm_cache_shrinker *cs = kzalloc(sizeof(*cs), GFP_KERNEL);
	int r;

	if (!cs)
		return -ENOMEM;
	cs->c = c;
	cs->s.count_objects = cache_shrink_count;
	cs->s.scan_objects = cache_shrink_scan;
	cs->s.seeks = DEFAULT_SEEKS;
	r = register_shrinker(&cs->s, "dm-swarm-cache:%s", name);
	if (r) {
		kfree(cs);
		return r;
	}
	c->shrinker = &cs->s;
	return 0;
}

static void cache_shrinker_del(struct swarm_cache *c)
{
	unregister_shrinker(c->shrinker);
	kfree(container_of(c->shrinker, struct swarm_cache_shrinker, s));
}
#endif

/* ---- creation, resizing ---- */

/**
 * swarm_cache_create() - the DRAM tier of a new table.
 * @sc: the target, its geometry known.
 * @mb: its size, MiB; 0: off.
 *
 * Return: 0, -ENOMEM or -EINVAL.
 */
int swarm_cache_create(struct swarm_c *sc, u32 mb)
{
	struct swarm_cache *c = kzalloc(sizeof(*c), GFP_KERNEL);
	int r;

	if (!c)
		return -ENOMEM;
	spin_lock_init(&c->lock);
	mutex_init(&c->resize_lock);
	c->sc = sc;
	c->entry_shift = sc->geom.entry_shift + SECTOR_SHIFT;
	c->policy = SWARM_CP_CB;
	sc->cache = c;
	c->pcpu = alloc_percpu(struct swarm_cache_pcpu);
	if (!c->pcpu)
		return -ENOMEM;
	r = cache_shrinker_add(c, swarm_name(sc));
	if (r)
		return r;
	return mb ? swarm_cache_resize(sc, mb, SWARM_CP_CB) : 0;
}

void swarm_cache_destroy(struct swarm_c *sc)
{
	struct swarm_cache *c = sc->cache;

	if (!c)
		return;
	if (c->shrinker)
		cache_shrinker_del(c);
	cache_pool_retire(cache_swap(c, NULL));
	free_percpu(c->pcpu);
	mutex_destroy(&c->resize_lock);
	kfree(c);
	sc->cache = NULL;
}

/**
 * swarm_cache_resize() - a new, empty pool of @mb MiB under @policy.
 * @sc: the target.
 * @mb: MiB, 0 = off.
 * @policy: enum swarm_cp_kind.
 *
 * What the old pool held is dropped. Sleeps (allocates the pool, waits
 * for a grace period before freeing the old one).
 *
 * Return: 0, -EINVAL or -ENOMEM (the old pool stays).
 */
int swarm_cache_resize(struct swarm_c *sc, u32 mb, u32 policy)
{
	struct swarm_cache *c = sc->cache;
	struct swarm_cache_pool *pool = NULL;

	if (mb > SWARM_CACHE_MAX_MB || policy >= SWARM_CP_NR_KINDS)
		return -EINVAL;
	mutex_lock(&c->resize_lock);
	if (mb) {
		pool = cache_pool_alloc(c, mb, policy);
		if (IS_ERR(pool)) {
			mutex_unlock(&c->resize_lock);
			return PTR_ERR(pool);
		}
	}
	pool = cache_swap(c, pool);
	c->mb = mb;
	c->policy = policy;
	mutex_unlock(&c->resize_lock);
	cache_pool_retire(pool);
	return 0;
}

u32 swarm_cache_mb(struct swarm_c *sc)
{
	return READ_ONCE(sc->cache->mb);
}

u32 swarm_cache_policy(struct swarm_c *sc)
{
	return READ_ONCE(sc->cache->policy);
}

void swarm_cache_info(struct swarm_c *sc, struct swarm_cache_info *info)
{
	struct swarm_cache *c = sc->cache;
	struct swarm_cache_pool *pool;
	unsigned long flags;
	u32 k;
	int cpu;

	memset(info, 0, sizeof(*info));
	spin_lock_irqsave(&c->lock, flags);
	pool = cache_pool(c);
	if (pool) {
		info->bytes = ((u64)pool->live * pool->pps) << PAGE_SHIFT;
		info->entries = pool->cp.used;
	}
	info->policy = c->policy;
	spin_unlock_irqrestore(&c->lock, flags);
	for_each_possible_cpu(cpu) {
		struct swarm_cache_pcpu *p = per_cpu_ptr(c->pcpu, cpu);

		for (k = 0; k < SWARM_CP_NR_KINDS; k++) {
			info->hits[k] += READ_ONCE(p->ctr[k].hits);
			info->misses[k] += READ_ONCE(p->ctr[k].misses);
			info->hit_bytes[k] += READ_ONCE(p->ctr[k].hit_bytes);
			info->evictions[k] += READ_ONCE(p->ctr[k].evictions);
		}
	}
}

/* ---- the I/O path ---- */

/*
 * Copy between @bio's pages from @iter on (the bytes from @start of the
 * target) and the pool: entry @first + i is in @slots[i], or is skipped
 * when that is SWARM_CP_NONE. Under the lock.
 */
static void cache_copy(struct swarm_cache *c, struct swarm_cache_pool *pool,
		       struct bio *bio, struct bvec_iter iter, u64 start,
		       u64 first, const u32 *slots, bool to_bio)
{
	u64 mask = (1ULL << c->entry_shift) - 1;
	struct bio_vec bv;
	struct bvec_iter it;

	__bio_for_each_segment(bv, bio, it, iter) {
		u32 done = 0;

		while (done < bv.bv_len) {
			u64 pos = start + done;
			u64 off = pos & mask;
			u32 slot = slots[(pos >> c->entry_shift) - first];
			u32 po = offset_in_page(off);
			u32 n = min_t(u32, bv.bv_len - done, PAGE_SIZE - po);
			struct page *pg;

			if (slot != SWARM_CP_NONE) {
				pg = pool->pages[(u64)slot * pool->pps +
						 (off >> PAGE_SHIFT)];
				if (to_bio)
					memcpy_to_page(bv.bv_page,
						       bv.bv_offset + done,
						       page_address(pg) + po, n);
				else
					memcpy_from_page(page_address(pg) + po,
							 bv.bv_page,
							 bv.bv_offset + done, n);
			}
			done += n;
		}
		start += bv.bv_len;
	}
}

/* Drop entries [@first, @last] and bump their sequences. Under the lock. */
static void cache_invalidate(struct swarm_cache *c, u64 first, u64 last)
{
	struct swarm_cache_pool *pool = cache_pool(c);
	u64 e;
	u32 s, b;

	if (last - first >= SWARM_CACHE_INVAL_SCAN) {
		WRITE_ONCE(c->global_seq, c->global_seq + 1);
		if (!pool)
			return;
		for (s = 0; s < pool->nr_slots; s++)
			if (pool->cp.obj[s].used && pool->cp.obj[s].id >= first &&
			    pool->cp.obj[s].id <= last)
				swarm_cp_remove(&pool->cp, s);
		return;
	}
	for (e = first; e <= last; e++) {
		b = cache_bucket(e);
		WRITE_ONCE(c->seq[b], c->seq[b] + 1);
		if (!pool)
			continue;
		s = swarm_cp_lookup(&pool->cp, e);
		if (s != SWARM_CP_NONE)
			swarm_cp_remove(&pool->cp, s);
	}
}

static void cache_invalidate_bio(struct swarm_cache *c, u64 sector, u32 len)
{
	u64 start = dm_target_offset(c->sc->ti, sector) << SECTOR_SHIFT;
	unsigned long flags;

	if (!len)
		return;
	spin_lock_irqsave(&c->lock, flags);
	cache_invalidate(c, start >> c->entry_shift,
			 (start + len - 1) >> c->entry_shift);
	spin_unlock_irqrestore(&c->lock, flags);
}

/*
 * A read of entries [@first, @first + @n) that swarm_cp_peek() found
 * cached, all of them: under the lock, serve it, or count it a miss.
 * Return: true when @bio was served and completed.
 */
static bool cache_map_locked(struct swarm_cache *c, struct bio *bio,
			     struct swarm_cache_pb *pb, u64 start, u64 first,
			     u32 n)
{
	u32 slots[SWARM_CACHE_MAX_ENTRIES], len = bio->bi_iter.bi_size, i;
	struct swarm_cache_pool *pool;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	pool = cache_pool(c);
	if (!pool)
		goto out;
	swarm_cp_set_step(&pool->cp, cache_step());
	for (i = 0; i < n; i++) {
		slots[i] = swarm_cp_lookup(&pool->cp, first + i);
		if (slots[i] == SWARM_CP_NONE)
			break;
	}
	if (i < n) {
		cache_count(c, pool->cp.kind, misses, 1);
		pb->seq = cache_seq_sum(c, first, n);
		pb->state = SWARM_CACHE_PB_MISS;
		goto out;
	}
	cache_copy(c, pool, bio, bio->bi_iter, start, first, slots, true);
	for (i = 0; i < n; i++)
		swarm_cp_hit(&pool->cp, slots[i]);
	cache_count(c, pool->cp.kind, hits, 1);
	cache_count(c, pool->cp.kind, hit_bytes, len);
	pb->state = SWARM_CACHE_PB_HIT;
	spin_unlock_irqrestore(&c->lock, flags);
	bio_endio(bio);
	return true;
out:
	spin_unlock_irqrestore(&c->lock, flags);
	return false;
}

/**
 * swarm_cache_map_on() - swarm_cache_map() with the cache on.
 * @c: the cache.
 * @bio: the bio.
 * @pb: its per-bio data.
 *
 * A read is looked up without the lock first: when an entry is not
 * found, it is a miss and the lock is not taken (see the top of this
 * file); else it is looked up again, and served, under the lock. A write
 * invalidates under the lock.
 *
 * Return: true when @bio was served and completed.
 */
bool swarm_cache_map_on(struct swarm_cache *c, struct bio *bio,
			struct swarm_cache_pb *pb)
{
	u64 start = dm_target_offset(c->sc->ti, bio->bi_iter.bi_sector) <<
		    SECTOR_SHIFT;
	u32 len = bio->bi_iter.bi_size, n, i;
	struct swarm_cache_pool *pool;
	u64 first;

	pb->state = SWARM_CACHE_PB_NONE;
	pb->start = bio->bi_iter.bi_sector;
	pb->len = len;
	if (op_is_write(bio_op(bio))) {
		pb->state = SWARM_CACHE_PB_WRITE;
		cache_invalidate_bio(c, pb->start, len);
		return false;
	}
	if (bio_op(bio) != REQ_OP_READ || !len || len > SWARM_CACHE_MAX_BIO ||
	    (bio->bi_opf & REQ_INTEGRITY))
		return false;
	first = start >> c->entry_shift;
	n = ((start + len - 1) >> c->entry_shift) - first + 1;

	rcu_read_lock_sched();
	pool = rcu_dereference_sched(c->pool);
	if (!pool) {
		rcu_read_unlock_sched();
		return false;
	}
	for (i = 0; i < n; i++)
		if (!swarm_cp_peek(&pool->cp, first + i))
			break;
	if (i == n) {
		rcu_read_unlock_sched();
		return cache_map_locked(c, bio, pb, start, first, n);
	}
	cache_count(c, pool->cp.kind, misses, 1);
	rcu_read_unlock_sched();
	pb->seq = cache_seq_sum(c, first, n);
	/* The sequences are read before the members are (the top of this file). */
	smp_mb();
	pb->state = SWARM_CACHE_PB_MISS;
	return false;
}

/*
 * A read miss completed without error: populate its whole entries.
 * Entries cold for the policy are counted without the lock
 * (swarm_cp_miss_cold()); the lock is taken for the others, if any.
 */
static void cache_populate(struct swarm_cache *c, struct bio *bio,
			   struct swarm_cache_pb *pb,
			   const struct bvec_iter *iter)
{
	u64 mstart = dm_target_offset(c->sc->ti, pb->start) << SECTOR_SHIFT;
	u64 start = dm_target_offset(c->sc->ti, iter->bi_sector) << SECTOR_SHIFT;
	u64 ebytes = 1ULL << c->entry_shift, first, full, end, e, victim;
	u64 mfirst = mstart >> c->entry_shift, step;
	u32 slots[SWARM_CACHE_MAX_ENTRIES], i, n, mn, todo = 0;
	DECLARE_BITMAP(cold, SWARM_CACHE_MAX_ENTRIES);
	struct swarm_cache_pool *pool;
	unsigned long flags;
	bool evicted, any = false;

	first = start >> c->entry_shift;
	n = ((start + iter->bi_size - 1) >> c->entry_shift) - first + 1;
	full = DIV_ROUND_UP(start, ebytes);
	end = (start + iter->bi_size) >> c->entry_shift;
	mn = ((mstart + pb->len - 1) >> c->entry_shift) - mfirst + 1;
	if (full >= end || n > SWARM_CACHE_MAX_ENTRIES)
		return;

	/* Without the lock: the sum can only have grown (then, nothing). */
	if (cache_seq_sum(c, mfirst, mn) != pb->seq)
		return;
	bitmap_zero(cold, SWARM_CACHE_MAX_ENTRIES);
	step = cache_step();
	rcu_read_lock_sched();
	pool = rcu_dereference_sched(c->pool);
	for (i = 0; pool && i < n; i++) {
		e = first + i;
		if (e < full || e >= end)
			continue;
		if (!swarm_cp_peek(&pool->cp, e) &&
		    swarm_cp_miss_cold(&pool->cp, e, step))
			__set_bit(i, cold);
		else
			todo++;
	}
	rcu_read_unlock_sched();
	if (!todo)
		return;

	spin_lock_irqsave(&c->lock, flags);
	pool = cache_pool(c);
	/* Anything written since map()? (See the top of this file.) */
	if (!pool || cache_seq_sum(c, mfirst, mn) != pb->seq)
		goto out;
	swarm_cp_set_step(&pool->cp, step);
	for (i = 0; i < n; i++) {
		e = first + i;
		slots[i] = SWARM_CP_NONE;
		if (e < full || e >= end || test_bit(i, cold))
			continue;	/* not whole in the bio, or counted */
		if (swarm_cp_lookup(&pool->cp, e) != SWARM_CP_NONE)
			continue;	/* another read put it there */
		slots[i] = swarm_cp_miss(&pool->cp, e, pool->weight, &evicted,
					 &victim);
		if (evicted)
			cache_count(c, pool->cp.kind, evictions, 1);
		any |= slots[i] != SWARM_CP_NONE;
	}
	if (any)
		cache_copy(c, pool, bio, *iter, start, first, slots, false);
out:
	spin_unlock_irqrestore(&c->lock, flags);
}

/**
 * swarm_cache_end_on() - swarm_cache_end() for a write or a read miss.
 * @c: the cache.
 * @bio: the bio.
 * @pb: its per-bio data.
 * @iter: a read's position and size as sent.
 * @st: its status.
 */
void swarm_cache_end_on(struct swarm_cache *c, struct bio *bio,
			struct swarm_cache_pb *pb,
			const struct bvec_iter *iter, blk_status_t st)
{
	if (pb->state == SWARM_CACHE_PB_WRITE) {
		/* Failed or not: what the members hold is not known. */
		cache_invalidate_bio(c, pb->start, pb->len);
		return;
	}
	if (!st && iter->bi_size && iter->bi_size <= SWARM_CACHE_MAX_BIO)
		cache_populate(c, bio, pb, iter);
}

/* ---- messages ---- */

/**
 * swarm_cache_message() - "cache", "cache <MiB>", "cache_policy cb|lru".
 * @sc: the target.
 * @argc: words.
 * @argv: the words.
 * @result: for "cache": "<policy> <MiB asked> <bytes> <entries> <T_base
 *	ns> <T_transfer ns>".
 * @maxlen: room in @result.
 *
 * Return: 1 when @result was written, 0 or a negative errno.
 */
int swarm_cache_message(struct swarm_c *sc, unsigned int argc, char **argv,
			char *result, unsigned int maxlen)
{
	struct swarm_cache *c = sc->cache;
	struct swarm_cache_info ci;
	unsigned int sz = 0;
	u64 tb = 0, tt = 0;
	unsigned long flags;
	u32 v;
	int r;

	if (argc == 1 && !strcasecmp(argv[0], "cache")) {
		swarm_cache_info(sc, &ci);
		spin_lock_irqsave(&c->lock, flags);
		if (cache_pool(c)) {
			tb = cache_pool(c)->t_base;
			tt = cache_pool(c)->t_transfer;
		}
		spin_unlock_irqrestore(&c->lock, flags);
		DMEMIT("%s %u %llu %llu %llu %llu", swarm_cp_name(ci.policy),
		       swarm_cache_mb(sc), ci.bytes, ci.entries, tb, tt);
		return 1;
	}
	if (argc == 2 && !strcasecmp(argv[0], "cache")) {
		if (kstrtou32(argv[1], 10, &v) || v > SWARM_CACHE_MAX_MB) {
			DMWARN("cache takes a size in MiB, 0 (off) to %u",
			       SWARM_CACHE_MAX_MB);
			return -EINVAL;
		}
		r = swarm_cache_resize(sc, v, swarm_cache_policy(sc));
		if (r)
			DMWARN("%s: cannot make a DRAM tier of %u MiB: %d",
			       swarm_name(sc), v, r);
		return r;
	}
	if (argc == 2 && !strcasecmp(argv[0], "cache_policy")) {
		for (v = 0; v < SWARM_CP_NR_KINDS; v++)
			if (!strcasecmp(argv[1], swarm_cp_name(v)))
				break;
		if (v == SWARM_CP_NR_KINDS) {
			DMWARN("cache_policy takes cb or lru");
			return -EINVAL;
		}
		return swarm_cache_resize(sc, swarm_cache_mb(sc), v);
	}
	return -EINVAL;
}
