// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: the DRAM tier's replacement policies, cost-benefit and LRU
 * (see swarm-cache-policy.h). Pure code, shared with the user-space tests
 * and the simulation. Not thread-safe: the caller serialises.
 *
 * The cost-benefit min-heap is our own small one (an array of slots, each
 * slot knowing its index), not <linux/min_heap.h>, whose interface changed
 * between 6.1 and 6.12 and which is not there in user space.
 *
 * f_C decays lazily: a slot keeps f_C at the end of its last activation's
 * step and that step, and its score at step s is swarm_cp_f_now() times
 * its weight. Every score drops by its weight per step, so when all cached
 * objects have one weight (in the kernel: one entry each, one cost) the
 * heap's order never changes between activations; when weights differ,
 * the heap is rebuilt (O(n)) when the step changes.
 */
#include "swarm-cache-policy.h"

/* ---- id to slot ---- */

/*
 * A bucket of the hash holds the id's 32-bit hash in its high half and
 * the slot in its low half, or is all ones (slot SWARM_CP_NONE): probes
 * compare ids only when the hashes match, and swarm_cp_peek() reads no
 * object at all.
 */
#define CP_HASH_EMPTY	U64_MAX

static inline u32 cp_hash32(u64 id)
{
	return (u32)((id * 0x9E3779B97F4A7C15ULL) >> 32);
}

static inline u32 cp_hash(u64 id, u32 mask)
{
	return cp_hash32(id) & mask;
}

static inline u32 cp_bucket_slot(u64 b)
{
	return (u32)b;
}

static inline u32 cp_bucket_hash(u64 b)
{
	return (u32)(b >> 32);
}

static u32 cp_hash_find(const struct swarm_cp *p, u64 id)
{
	u32 h = cp_hash32(id), i = h & p->hmask;
	u64 b;

	for (;; i = (i + 1) & p->hmask) {
		b = p->hash[i];
		if (cp_bucket_slot(b) == SWARM_CP_NONE)
			return SWARM_CP_NONE;
		if (cp_bucket_hash(b) == h && p->obj[cp_bucket_slot(b)].id == id)
			return i;
	}
}

static void cp_hash_add(struct swarm_cp *p, u32 slot)
{
	u32 h = cp_hash32(p->obj[slot].id), i = h & p->hmask;

	while (cp_bucket_slot(p->hash[i]) != SWARM_CP_NONE)
		i = (i + 1) & p->hmask;
	SWARM_CP_WRITE(p->hash[i], (u64)h << 32 | slot);
}

/*
 * Delete bucket @i, shifting back the entries probed past it. An entry
 * moved back is briefly in two buckets, and a lookup without the lock
 * may miss it (swarm_cp_peek()).
 */
static void cp_hash_del(struct swarm_cp *p, u32 i)
{
	u32 j = i, k;

	for (;;) {
		SWARM_CP_WRITE(p->hash[i], CP_HASH_EMPTY);
		for (;;) {
			j = (j + 1) & p->hmask;
			if (cp_bucket_slot(p->hash[j]) == SWARM_CP_NONE)
				return;
			k = cp_bucket_hash(p->hash[j]) & p->hmask;
			/* Stay if k lies cyclically in (i, j]. */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		SWARM_CP_WRITE(p->hash[i], p->hash[j]);
		i = j;
	}
}

/* ---- cost-benefit: a min-heap on the score ---- */

u64 swarm_cp_score(const struct swarm_cp *p, u32 slot)
{
	const struct swarm_cp_obj *o = &p->obj[slot];

	return (u64)swarm_cp_f_now(o->f, o->last, p->now) * o->weight;
}

static inline bool cb_less(const struct swarm_cp *p, u32 a, u32 b)
{
	return swarm_cp_score(p, a) < swarm_cp_score(p, b);
}

static inline void cb_set(struct swarm_cp *p, u32 i, u32 slot)
{
	p->heap[i] = slot;
	p->obj[slot].pos = i;
}

static void cb_up(struct swarm_cp *p, u32 i)
{
	u32 slot = p->heap[i];

	while (i) {
		u32 parent = (i - 1) / 2;

		if (!cb_less(p, slot, p->heap[parent]))
			break;
		cb_set(p, i, p->heap[parent]);
		i = parent;
	}
	cb_set(p, i, slot);
}

static void cb_down(struct swarm_cp *p, u32 i)
{
	u32 slot = p->heap[i];

	for (;;) {
		u32 c = 2 * i + 1;

		if (c >= p->nheap)
			break;
		if (c + 1 < p->nheap && cb_less(p, p->heap[c + 1], p->heap[c]))
			c++;
		if (!cb_less(p, p->heap[c], slot))
			break;
		cb_set(p, i, p->heap[c]);
		i = c;
	}
	cb_set(p, i, slot);
}

static void cb_fix(struct swarm_cp *p, u32 i)
{
	u32 slot = p->heap[i];

	cb_up(p, i);
	if (p->obj[slot].pos == i)
		cb_down(p, i);
}

static void cb_insert(struct swarm_cp *p, u32 slot)
{
	cb_set(p, p->nheap++, slot);
	cb_up(p, p->nheap - 1);
}

static void cb_touch(struct swarm_cp *p, u32 slot)
{
	/* The score only grew: it moves towards the leaves. */
	cb_down(p, p->obj[slot].pos);
}

static void cb_remove(struct swarm_cp *p, u32 slot)
{
	u32 i = p->obj[slot].pos;

	p->nheap--;
	if (i == p->nheap)
		return;
	cb_set(p, i, p->heap[p->nheap]);
	cb_fix(p, i);
}

static u32 cb_victim(struct swarm_cp *p)
{
	return p->nheap ? p->heap[0] : SWARM_CP_NONE;
}

/*
 * An object read in one step only (f_C 1) is never worth an eviction:
 * under reads no step repeats (random reads of a large device) every
 * miss would evict, and each costs a copy under the cache's lock.
 */
#define CB_ADMIT_MIN_F	2U

static bool cb_admit(struct swarm_cp *p, u32 slot, u32 f, u32 weight)
{
	/* Strictly better: a tie keeps what is cached. */
	return f >= CB_ADMIT_MIN_F && (u64)f * weight > swarm_cp_score(p, slot);
}

static void cb_heapify(struct swarm_cp *p)
{
	u32 i;

	for (i = p->nheap / 2; i-- > 0;)
		cb_down(p, i);
}

static const struct swarm_cp_ops cb_ops = {
	.name = "cb",
	.insert = cb_insert,
	.touch = cb_touch,
	.remove = cb_remove,
	.victim = cb_victim,
	.admit = cb_admit,
};

/* ---- LRU: a doubly linked list of slots, most recent first ---- */

static void lru_insert(struct swarm_cp *p, u32 slot)
{
	struct swarm_cp_obj *o = &p->obj[slot];

	if (p->lru == SWARM_CP_NONE) {
		o->pos = slot;
		o->next = slot;
	} else {
		struct swarm_cp_obj *head = &p->obj[p->lru];

		o->next = p->lru;
		o->pos = head->pos;
		p->obj[head->pos].next = slot;
		head->pos = slot;
	}
	p->lru = slot;
}

static void lru_remove(struct swarm_cp *p, u32 slot)
{
	struct swarm_cp_obj *o = &p->obj[slot];

	if (o->next == slot) {
		p->lru = SWARM_CP_NONE;
		return;
	}
	p->obj[o->pos].next = o->next;
	p->obj[o->next].pos = o->pos;
	if (p->lru == slot)
		p->lru = o->next;
}

static void lru_touch(struct swarm_cp *p, u32 slot)
{
	if (p->lru == slot)
		return;
	lru_remove(p, slot);
	lru_insert(p, slot);
}

static u32 lru_victim(struct swarm_cp *p)
{
	/* The list is circular: the head's previous is the oldest. */
	return p->lru == SWARM_CP_NONE ? SWARM_CP_NONE : p->obj[p->lru].pos;
}

static bool lru_admit(struct swarm_cp *p, u32 slot, u32 f, u32 weight)
{
	(void)p;
	(void)slot;
	(void)f;
	(void)weight;
	return true;
}

static const struct swarm_cp_ops lru_ops = {
	.name = "lru",
	.insert = lru_insert,
	.touch = lru_touch,
	.remove = lru_remove,
	.victim = lru_victim,
	.admit = lru_admit,
};

static const struct swarm_cp_ops *const cp_ops[SWARM_CP_NR_KINDS] = {
	[SWARM_CP_CB] = &cb_ops,
	[SWARM_CP_LRU] = &lru_ops,
};

/* ---- the common part ---- */

const char *swarm_cp_name(u32 kind)
{
	return kind < SWARM_CP_NR_KINDS ? cp_ops[kind]->name : "?";
}

static u32 cp_pow2_above(u32 n)
{
	u32 v = 1;

	while (v < n && v < (1U << 30))
		v <<= 1;
	return v;
}

/**
 * swarm_cp_init() - an empty policy.
 * @p: the policy.
 * @kind: enum swarm_cp_kind.
 * @cap: slots, 1..2^28.
 *
 * Allocates (swarm_zalloc(): may sleep in the kernel).
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
int swarm_cp_init(struct swarm_cp *p, u32 kind, u32 cap)
{
	u32 i;

	memset(p, 0, sizeof(*p));
	if (kind >= SWARM_CP_NR_KINDS || !cap || cap > (1U << 28))
		return -EINVAL;
	p->ops = cp_ops[kind];
	p->kind = kind;
	p->cap = cap;
	p->hmask = cp_pow2_above(2 * cap) - 1;
	p->gmask = cp_pow2_above(4 * cap < 1024 ? 1024 : 4 * cap) - 1;
	p->obj = swarm_zalloc(cap, sizeof(*p->obj));
	p->heap = swarm_zalloc(cap, sizeof(*p->heap));
	p->hash = swarm_zalloc(p->hmask + 1, sizeof(*p->hash));
	p->ghost = swarm_zalloc(p->gmask + 1, sizeof(*p->ghost));
	if (!p->obj || !p->heap || !p->hash || !p->ghost) {
		swarm_cp_exit(p);
		return -ENOMEM;
	}
	for (i = 0; i <= p->hmask; i++)
		p->hash[i] = CP_HASH_EMPTY;
	for (i = 0; i < cap; i++)
		p->obj[i].next = i + 1 < cap ? i + 1 : SWARM_CP_NONE;
	p->free = 0;
	p->lru = SWARM_CP_NONE;
	return 0;
}

void swarm_cp_exit(struct swarm_cp *p)
{
	swarm_free(p->obj);
	swarm_free(p->heap);
	swarm_free(p->hash);
	swarm_free(p->ghost);
	p->obj = NULL;
	p->heap = NULL;
	p->hash = NULL;
	p->ghost = NULL;
	p->cap = 0;
}

/**
 * swarm_cp_set_step() - the step lookups and misses belong to.
 * @p: the policy.
 * @now: the step; a smaller one than the last is ignored.
 */
void swarm_cp_set_step(struct swarm_cp *p, u64 now)
{
	if (now <= p->now)
		return;
	SWARM_CP_WRITE(p->now, now);
	if (p->mixed && p->kind == SWARM_CP_CB)
		cb_heapify(p);
}

/**
 * swarm_cp_lookup() - the slot that holds @id.
 * @p: the policy.
 * @id: the object.
 *
 * Changes nothing: swarm_cp_hit() counts the activation.
 *
 * Return: the slot or SWARM_CP_NONE.
 */
u32 swarm_cp_lookup(const struct swarm_cp *p, u64 id)
{
	u32 i = cp_hash_find(p, id);

	return i == SWARM_CP_NONE ? SWARM_CP_NONE : cp_bucket_slot(p->hash[i]);
}

/* Buckets swarm_cp_peek() looks at before it says "perhaps". */
#define CP_PEEK_MAX	64U

/**
 * swarm_cp_peek() - is @id perhaps cached? Safe without the caller's lock.
 * @p: the policy.
 * @id: the object.
 *
 * Probes the id hash as swarm_cp_lookup() does, with single loads, but
 * compares the ids' 32-bit hashes only (no object is read), and stops
 * after CP_PEEK_MAX buckets. So true may be wrong (another id of the same
 * hash, or a long probe), and beside a concurrent change either answer
 * may be: false for an object being moved back in the hash or just
 * admitted, true for one just removed. So false means "a miss" (safe:
 * the caller reads from the members), true "look again under the lock".
 *
 * Return: false when @id was not found.
 */
bool swarm_cp_peek(const struct swarm_cp *p, u64 id)
{
	u32 h = cp_hash32(id), i = h & p->hmask, n;
	u64 b;

	for (n = 0; n < CP_PEEK_MAX; n++, i = (i + 1) & p->hmask) {
		b = SWARM_CP_READ(p->hash[i]);
		if (cp_bucket_slot(b) == SWARM_CP_NONE)
			return false;
		if (cp_bucket_hash(b) == h)
			return true;
	}
	return true;
}

/**
 * swarm_cp_hit() - the object in @slot was activated: f_C + 1 (once a
 *	step), the most recently used.
 * @p: the policy.
 * @slot: a slot swarm_cp_lookup() returned.
 */
void swarm_cp_hit(struct swarm_cp *p, u32 slot)
{
	struct swarm_cp_obj *o = &p->obj[slot];

	o->f = swarm_cp_f_activate(o->f, o->last, p->now);
	o->last = p->now;
	p->stats.hits++;
	p->ops->touch(p, slot);
}

static void cp_unlink(struct swarm_cp *p, u32 slot)
{
	struct swarm_cp_obj *o = &p->obj[slot];

	p->ops->remove(p, slot);
	cp_hash_del(p, cp_hash_find(p, o->id));
	o->used = false;
	p->used--;
}

/* Ghosts: f_C (at most 255) in bits 24..31, its step in bits 0..23. */
#define CP_GHOST_F_MAX		255U
#define CP_GHOST_STEP_MASK	0xffffffU

/* A ghost's f_C in step @now: 1 less for every step since it was counted. */
static inline u32 cp_ghost_f(u32 gw, u64 now)
{
	u32 f = gw >> 24, idle = ((u32)now - gw) & CP_GHOST_STEP_MASK;

	return idle >= f ? 0 : f - idle;
}

static inline u32 cp_ghost_make(u32 f, u64 now)
{
	return (f < CP_GHOST_F_MAX ? f : CP_GHOST_F_MAX) << 24 |
	       ((u32)now & CP_GHOST_STEP_MASK);
}

static inline u32 *cp_ghost(struct swarm_cp *p, u64 id)
{
	return &p->ghost[cp_hash(id ^ (id >> 29), p->gmask)];
}

/*
 * The ghost of @id is activated in step @now: its f_C + 1, returned.
 * With @cold, only if the result is below CB_ADMIT_MIN_F (else it is
 * left alone and 0 is returned). By compare-and-exchange, as
 * swarm_cp_miss_cold() may run beside swarm_cp_miss().
 */
static u32 cp_ghost_bump(struct swarm_cp *p, u64 id, u64 now, bool cold)
{
	u32 *gp = cp_ghost(p, id), old = SWARM_CP_READ(*gp), seen, f;

	for (;;) {
		f = cp_ghost_f(old, now) + 1;
		if (cold && f >= CB_ADMIT_MIN_F)
			return 0;
		seen = swarm_cp_cmpxchg(gp, old, cp_ghost_make(f, now));
		if (seen == old)
			return f;
		old = seen;
	}
}

/**
 * swarm_cp_miss() - @id, not cached, was activated: admit it or not.
 * @p: the policy.
 * @id: the object, not held by any slot.
 * @weight: its swarm_cp_weight() (LRU ignores it).
 * @evicted: set to true when an object was evicted for it.
 * @victim_id: set to the evicted object's id then.
 *
 * Its f_C (kept for objects not cached in a hashed table, where it loses
 * 1 a step too) goes +1.
 * It gets a free slot if there is one; else the victim's (the smallest
 * score, or the least recently used) if the policy admits it.
 *
 * Return: the slot now holding @id, for the caller to fill, or
 * SWARM_CP_NONE when it is not admitted.
 */
u32 swarm_cp_miss(struct swarm_cp *p, u64 id, u32 weight, bool *evicted,
		  u64 *victim_id)
{
	struct swarm_cp_obj *o;
	u32 f, slot;

	*evicted = false;
	p->stats.misses++;
	f = cp_ghost_bump(p, id, p->now, false);
	slot = p->free;
	if (slot != SWARM_CP_NONE) {
		SWARM_CP_WRITE(p->free, p->obj[slot].next);
	} else {
		slot = p->ops->victim(p);
		if (slot == SWARM_CP_NONE || !p->ops->admit(p, slot, f, weight)) {
			p->stats.rejects++;
			return SWARM_CP_NONE;
		}
		o = &p->obj[slot];
		*evicted = true;
		*victim_id = o->id;
		/* Remember how hot it was, should it come back. */
		SWARM_CP_WRITE(*cp_ghost(p, o->id),
			       cp_ghost_make(swarm_cp_f_now(o->f, o->last,
							    p->now), p->now));
		cp_unlink(p, slot);
		p->stats.evictions++;
	}
	o = &p->obj[slot];
	SWARM_CP_WRITE(o->id, id);
	o->f = f;
	o->last = p->now;
	o->weight = weight ? weight : 1;
	o->used = true;
	if (!p->used && !p->nheap)
		p->weight0 = o->weight;
	else if (o->weight != p->weight0)
		p->mixed = true;
	p->used++;
	cp_hash_add(p, slot);
	p->ops->insert(p, slot);
	p->stats.admits++;
	return slot;
}

/**
 * swarm_cp_miss_cold() - swarm_cp_miss() of a miss the policy turns away
 *	whatever the victim, safe without the caller's lock.
 * @p: the policy.
 * @id: the object; swarm_cp_peek() did not find it.
 * @now: the current step.
 *
 * Under the cost-benefit policy with no free slot, an object whose f_C
 * after this activation is below CB_ADMIT_MIN_F is not admitted, whatever
 * the heap holds: swarm_cp_miss() would only count its ghost's f_C + 1.
 * Done here, in the policy's step (when @now is not past it), that is
 * the same; only @p's stats do not count it.
 *
 * Return: true when the miss was counted and turned away; false when
 * swarm_cp_miss() must decide, under the caller's lock (LRU, a free slot,
 * a hot object, a new step), and nothing was changed.
 */
bool swarm_cp_miss_cold(struct swarm_cp *p, u64 id, u64 now)
{
	u64 step = SWARM_CP_READ(p->now);

	if (p->kind != SWARM_CP_CB || now > step ||
	    SWARM_CP_READ(p->free) != SWARM_CP_NONE)
		return false;
	return cp_ghost_bump(p, id, step, true) != 0;
}

/**
 * swarm_cp_remove() - drop the object in @slot (invalidated); the slot
 *	becomes free.
 * @p: the policy.
 * @slot: a slot holding an object.
 */
void swarm_cp_remove(struct swarm_cp *p, u32 slot)
{
	cp_unlink(p, slot);
	p->obj[slot].next = p->free;
	SWARM_CP_WRITE(p->free, slot);
}

/**
 * swarm_cp_take() - take a slot away for good (memory given back): a free
 *	one, else the policy's victim, evicted.
 * @p: the policy.
 *
 * The slot is never handed out again.
 *
 * Return: the slot, or SWARM_CP_NONE when none is left.
 */
u32 swarm_cp_take(struct swarm_cp *p)
{
	u32 slot = p->free;

	if (slot != SWARM_CP_NONE) {
		SWARM_CP_WRITE(p->free, p->obj[slot].next);
		return slot;
	}
	slot = p->ops->victim(p);
	if (slot != SWARM_CP_NONE)
		cp_unlink(p, slot);
	return slot;
}

/**
 * swarm_cp_check() - the policy's invariants (tests).
 * @p: the policy.
 *
 * Return: true when the heap is ordered, every used slot is found by its
 * id, and the counts agree.
 */
bool swarm_cp_check(const struct swarm_cp *p)
{
	u32 i, n = 0, s;

	for (i = 0; i < p->cap; i++) {
		if (!p->obj[i].used)
			continue;
		n++;
		if (swarm_cp_lookup(p, p->obj[i].id) != i)
			return false;
	}
	if (n != p->used)
		return false;
	if (p->kind == SWARM_CP_CB) {
		if (p->nheap != n)
			return false;
		for (i = 1; i < p->nheap; i++)
			if (cb_less(p, p->heap[i], p->heap[(i - 1) / 2]))
				return false;
		for (i = 0; i < p->nheap; i++)
			if (p->obj[p->heap[i]].pos != i)
				return false;
	} else if (n) {
		/* Walk the ring: n slots, back to the head. */
		s = p->lru;
		for (i = 0; i < n; i++) {
			if (!p->obj[s].used || p->obj[p->obj[s].next].pos != s)
				return false;
			s = p->obj[s].next;
		}
		if (s != p->lru)
			return false;
	}
	return true;
}
