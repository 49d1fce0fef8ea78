/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: the DRAM tier's replacement policies (swarm-cache-policy.c).
 * Pure code: builds in the kernel and in user space (tests, simulation).
 *
 * A policy keeps up to @cap objects, one per slot, and decides which
 * object a slot holds; the caller (swarm-cache.c) keeps the data of each
 * slot. Two policies sit behind one small interface, as dm-cache's do:
 *
 *  - cost-benefit (SWARM_CP_CB): the paper's score
 *    S(C) = f_C * (T_base + |C| * T_transfer) / |C|, the activation
 *    frequency times the I/O time caching saves, per cached entry. f_C
 *    goes +1 in a step the object is activated, and -1 in a step a cached
 *    object is not. Eviction takes the smallest score from a min-heap; a
 *    miss is admitted only when its score beats the heap's minimum.
 *  - LRU (SWARM_CP_LRU): the paper's baseline; every miss is admitted and
 *    the least recently used object is evicted.
 *
 * The caller serialises every call but two: swarm_cp_peek() and
 * swarm_cp_miss_cold() may run without the caller's lock, beside the
 * others (the kernel's I/O path, on a miss). For them, the words they
 * read (the id hash, the objects' ids, the free list's head, the step)
 * are written with SWARM_CP_WRITE(), and the ghosts' f_C only change by
 * compare-and-exchange.
 */
#ifndef DM_SWARM_CACHE_POLICY_H
#define DM_SWARM_CACHE_POLICY_H

#include "swarm-core.h"

#ifdef __KERNEL__
#include <linux/atomic.h>
#define SWARM_CP_READ(x)		READ_ONCE(x)
#define SWARM_CP_WRITE(x, v)		WRITE_ONCE(x, v)
#define swarm_cp_cmpxchg(ptr, o, n)	cmpxchg(ptr, o, n)
#else
#define SWARM_CP_READ(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define SWARM_CP_WRITE(x, v)		__atomic_store_n(&(x), v, __ATOMIC_RELAXED)
#define swarm_cp_cmpxchg(ptr, o, n)	__sync_val_compare_and_swap(ptr, o, n)
#endif

enum swarm_cp_kind {
	SWARM_CP_CB = 0,	/* cost-benefit score, min-heap */
	SWARM_CP_LRU = 1,	/* least recently used */
	SWARM_CP_NR_KINDS = 2,
};

#define SWARM_CP_NONE	U32_MAX
/* f never grows above this (keeps f * weight in a u64). */
#define SWARM_CP_F_MAX	((u32)1 << 30)

/**
 * swarm_cp_weight() - the I/O time caching one entry of a cluster saves.
 * @t_base: the fixed cost of a read, ns (1 / IOPS).
 * @t_transfer: the time to transfer one entry, ns.
 * @size: |C|, entries in the cluster, >= 1 (0 counts as 1).
 *
 * Return: (T_base + |C| * T_transfer) / |C|, in ns, at least 1 and at most
 * U32_MAX: the score is f_C times this.
 */
static inline u32 swarm_cp_weight(u64 t_base, u64 t_transfer, u32 size)
{
	u64 w;

	if (!size)
		size = 1;
	t_base = min_t(u64, t_base, U32_MAX);
	t_transfer = min_t(u64, t_transfer, U32_MAX);
	w = div_u64(t_base + (u64)size * t_transfer, size);
	if (!w)
		return 1;
	return (u32)min_t(u64, w, U32_MAX);
}

/**
 * swarm_cp_f_now() - an object's f_C at the end of step @now, if it is
 *	not activated in it.
 * @f: f_C at the end of its last activation's step.
 * @last: that step.
 * @now: the current step, >= @last.
 *
 * Every step after @last that ends without an activation takes 1 off.
 * Counting the current step as idle until an activation says otherwise
 * makes every score drop by one weight per step, so objects of one weight
 * keep their order as steps pass (the heap stays a heap).
 */
static inline u32 swarm_cp_f_now(u32 f, u64 last, u64 now)
{
	u64 idle = now - last;

	return idle >= f ? 0 : f - (u32)idle;
}

/**
 * swarm_cp_f_activate() - f_C after an activation in step @now.
 * @f: f_C at the end of the last activation's step.
 * @last: that step.
 * @now: the current step, >= @last.
 *
 * Return: +1 once per step (the steps in between took 1 each); another
 * activation in the same step changes nothing.
 */
static inline u32 swarm_cp_f_activate(u32 f, u64 last, u64 now)
{
	if (now == last)
		return f;
	f = swarm_cp_f_now(f, last, now - 1);
	return f < SWARM_CP_F_MAX ? f + 1 : f;
}

/**
 * struct swarm_cp_obj - one slot of a policy.
 * @id: the object (entry) it holds; valid while @used.
 * @f: cost-benefit: f_C at the end of the last activation's step.
 * @last: cost-benefit: that step.
 * @weight: cost-benefit: swarm_cp_weight() of the object.
 * @pos: cost-benefit: index in the heap; LRU: previous slot.
 * @next: LRU: next slot (towards the least recently used); free list.
 * @used: the slot holds an object.
 */
struct swarm_cp_obj {
	u64 id;
	u32 f;
	u64 last;
	u32 weight;
	u32 pos;
	u32 next;
	bool used;
};

/**
 * struct swarm_cp_stats - what a policy did.
 * @hits: lookups of cached objects (swarm_cp_hit()).
 * @misses: lookups of objects not cached (swarm_cp_miss()).
 * @admits: misses given a slot.
 * @evictions: objects evicted to make room.
 * @rejects: misses not admitted (their score did not beat the minimum).
 */
struct swarm_cp_stats {
	u64 hits;
	u64 misses;
	u64 admits;
	u64 evictions;
	u64 rejects;
};

struct swarm_cp;

/**
 * struct swarm_cp_ops - one replacement policy.
 * @name: "cb" or "lru".
 * @insert: @slot now holds an object; make it the most recently used or
 *	put it in the heap.
 * @touch: @slot was activated (its f/step already updated).
 * @remove: @slot leaves the policy's order.
 * @victim: the slot to evict next, or SWARM_CP_NONE.
 * @admit: may an object of @f and @weight replace the victim @slot?
 */
struct swarm_cp_ops {
	const char *name;
	void (*insert)(struct swarm_cp *p, u32 slot);
	void (*touch)(struct swarm_cp *p, u32 slot);
	void (*remove)(struct swarm_cp *p, u32 slot);
	u32 (*victim)(struct swarm_cp *p);
	bool (*admit)(struct swarm_cp *p, u32 slot, u32 f, u32 weight);
};

/**
 * struct swarm_cp - a policy and the objects it holds.
 * @ops: the policy.
 * @kind: enum swarm_cp_kind.
 * @cap: slots.
 * @obj: the @cap slots.
 * @heap: cost-benefit: the min-heap of slots, @nheap of them.
 * @hash: id to slot, open addressing with linear probing, @hmask + 1
 *	buckets: the id's 32-bit hash in the high half and the slot in the
 *	low half, all ones when free.
 * @hmask: size of @hash less one.
 * @gmask: size of @ghost less one.
 * @ghost: f_C of objects not cached, hashed by id, @gmask + 1 of them
 *	(collisions share a counter: an approximation): f_C, at most 255,
 *	in bits 24..31 and the step it was counted in, in bits 0..23; it
 *	loses 1 a step like a cached object's.
 * @now: the current step (swarm_cp_set_step()).
 * @free: the first free slot, SWARM_CP_NONE when full.
 * @used: slots holding an object.
 * @weight0: the weight of the first object inserted.
 * @mixed: objects of different weights are cached: the heap's order
 *	changes with the step and is rebuilt when the step changes.
 * @nheap: slots in @heap.
 * @lru: LRU: the most recently used slot, SWARM_CP_NONE when empty.
 * @stats: what it did (swarm_cp_miss_cold() counts nothing here).
 *
 * What swarm_cp_peek() and swarm_cp_miss_cold() read comes first, up to
 * @free: fixed while the policy lives, or rarely written (the step, the
 * free list's head once full); what every hit or admission writes, after.
 */
struct swarm_cp {
	const struct swarm_cp_ops *ops;
	u32 kind;
	u32 cap;
	struct swarm_cp_obj *obj;
	u32 *heap;
	u64 *hash;
	u32 hmask;
	u32 gmask;
	u32 *ghost;
	u64 now;
	u32 free;
	u32 used;
	u32 weight0;
	bool mixed;
	u32 nheap;
	u32 lru;
	struct swarm_cp_stats stats;
};

int swarm_cp_init(struct swarm_cp *p, u32 kind, u32 cap);
void swarm_cp_exit(struct swarm_cp *p);
const char *swarm_cp_name(u32 kind);
void swarm_cp_set_step(struct swarm_cp *p, u64 now);
u32 swarm_cp_lookup(const struct swarm_cp *p, u64 id);
bool swarm_cp_peek(const struct swarm_cp *p, u64 id);
bool swarm_cp_miss_cold(struct swarm_cp *p, u64 id, u64 now);
void swarm_cp_hit(struct swarm_cp *p, u32 slot);
u32 swarm_cp_miss(struct swarm_cp *p, u64 id, u32 weight, bool *evicted,
		  u64 *victim_id);
void swarm_cp_remove(struct swarm_cp *p, u32 slot);
u32 swarm_cp_take(struct swarm_cp *p);
u64 swarm_cp_score(const struct swarm_cp *p, u32 slot);
bool swarm_cp_check(const struct swarm_cp *p);

#endif /* DM_SWARM_CACHE_POLICY_H */
