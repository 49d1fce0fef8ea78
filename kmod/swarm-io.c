// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: the I/O path.
 *
 * dm's map() hook, swarm_io_map(), sends a bio to the copies of the
 * entries it covers. A bio may cover many entries: it is cut into *runs*,
 * entries whose copies lie in consecutive slots of the same members, and
 * each run goes down as one bio (dm core resubmits what follows a run,
 * dm_accept_partial_bio()). Striped entries lie in runs of
 * swarm_geom.run_entries consecutive slots, like a RAID0 chunk, so a
 * large read or write of them reaches each member as large requests.
 *
 * A bio whose entries lie in several runs, as a cluster's entries do
 * (consecutive entries alternate members, each member's share lies in
 * consecutive slots), goes down as *parts*: one bio per member and run of
 * consecutive slots, gathering the bio's pages for it (swarm_parts_*()).
 *
 * Reads go to one copy, the least loaded (swarm-select.c), preferring the
 * copy that continues the run. Writes go to every copy, as a remapped bio
 * or as parts. The first write of a set (the superblocks must say it
 * holds data first) and every write during a migration go to the worker.
 * map() allocates only parts, with GFP_NOWAIT; when that fails a read is
 * cut at its first run (dm core sends the rest again), or goes to the
 * worker if it is REQ_NOWAIT, and a write goes to the worker, where
 * allocation may sleep.
 *
 * Every write is counted in the write gate (swarm-map.c) from before it
 * looks at the live map until it completes, so that a commit or a
 * migration step can hold new writes and wait for the ones in flight.
 * A write that finds the gate closed waits in the worker's list.
 *
 * Failures (swarm-health.h): a member that returns an I/O error is
 * failed, and gets no more reads or writes. A read that fails goes to the
 * worker (end_io returns DM_ENDIO_INCOMPLETE, as in dm-raid1), which
 * sends it again to other copies; it fails only when an entry it covers
 * has no copy left on a member that is ok. Such a read fails at once,
 * without I/O (a lost read: a cache miss for the engine). A write to
 * several copies completes when each entry reached at least one copy; a
 * write whose only copy is on a failed member fails at once.
 *
 * Entries remembered lost (struct swarm_lost, swarm-redund.c: a rebuild
 * found no copy of them, so the rebuilt member holds nothing they hold)
 * are lost reads too, failed in map() without I/O, counted as lost_reads;
 * while none is, that costs one load and a branch. A write (or write
 * zeroes) that covers such an entry whole makes it whole: map() notes the
 * entries the write covers whole (swarm_lost_note()), and end_io takes
 * them out of the list when the write succeeded; a partial write leaves
 * the entry lost. The superblocks record that lazily: a flush
 * (REQ_PREFLUSH) waits in the worker until the members are flushed and
 * the superblocks written (swarm_meta_sync_lost()), a FUA write asks for
 * it, suspend does it. Until then a crash leaves the entry lost (EIO),
 * never stale.
 */
#include <linux/bio.h>
#include <linux/blk-crypto.h>
#include <linux/blkdev.h>
#include <linux/debugfs.h>
#include <linux/device-mapper.h>
#include <linux/fault-inject.h>
#include <linux/sched.h>
#include <linux/sizes.h>

#include "swarm.h"
#include "swarm-disk.h"

#define DM_MSG_PREFIX "swarm"

#define SWARM_IO_NONE	U32_MAX
#define SWARM_PLUG_MAX	1024U	/* reads one plug holds at most */
/*
 * Reads this large are sent at once, never held: they gain nothing from
 * a merge, and the block layer sends a plugged request this large at
 * once too (BLK_PLUG_FLUSH_SIZE), so the member starts on it while the
 * submitter queues the next.
 */
#define SWARM_HOLD_MAX_BYTES	SZ_128K
/*
 * Holding is judged every SWARM_HOLD_JUDGE reads held: when fewer than
 * one in SWARM_HOLD_RATIO lay within SWARM_HOLD_NEAR sectors of the one
 * before on their member, reads are not held for SWARM_HOLD_PAUSE.
 */
#define SWARM_HOLD_JUDGE	256U
#define SWARM_HOLD_RATIO	8U
#define SWARM_HOLD_NEAR		64U
#define SWARM_HOLD_PAUSE	(HZ / 10)

/**
 * struct swarm_plug - reads held on a block plug (see swarm_plug_get()).
 * @cb: on the task's plug.
 * @sc: the target.
 * @bios: the held reads, remapped.
 * @count: how many.
 */
struct swarm_plug {
	struct blk_plug_cb cb;
	struct swarm_c *sc;
	struct bio_list bios;
	u32 count;
};

/**
 * struct swarm_io - per-bio data.
 * @dev: member the bio was remapped to and accounted on, or SWARM_IO_NONE.
 * @bytes: bytes accounted on it.
 * @entered: a write counted in the write gate.
 * @pending: clones still in flight, plus one while they are sent.
 * @error: first error of those clones.
 * @tries: times a read was sent again after an error.
 * @lost: a read met an entry with no copy left: it is not sent again.
 * @degraded: a write that left out a copy on a failed member: it
 *	completes once the superblocks record the failure
 *	(swarm_health_hold()).
 * @iter: a read's position and size in map(), to send it again.
 * @flags: its bi_flags then.
 * @clear_first: a write that covers entries remembered lost whole: the
 *	first of the entries it covers whole (swarm_lost_note()).
 * @clear_nr: how many; 0 for none.
 * @plug: the plug of the reads held with this one, when it was the first.
 */
struct swarm_io {
	u32 dev;
	u32 bytes;
	u64 clear_first;
	u32 clear_nr;
	bool entered;
	bool lost;
	bool degraded;
	u8 tries;
	atomic_t pending;
	atomic_t error;
	struct bvec_iter iter;
	unsigned long flags;
	struct swarm_plug plug;
};

/**
 * struct swarm_clone - a bio sent to a member for part of another: a
 *	part (see swarm_parts_*()).
 * @orig: the bio dm gave us.
 * @sc: the target.
 * @dev: the member.
 * @bytes: bytes accounted on it (the part's size is 0 at completion).
 * @others: for a write, members that hold another copy of every entry
 *	of the part (so an error here loses nothing).
 * @bio: the part; last, see bioset_init().
 */
struct swarm_clone {
	struct bio *orig;
	struct swarm_c *sc;
	u32 dev;
	u32 bytes;
	u64 others;
	struct bio bio;
};

static inline struct swarm_io *swarm_io(struct bio *bio)
{
	return dm_per_bio_data(bio, sizeof(struct swarm_io));
}

size_t swarm_io_per_bio_size(void)
{
	return sizeof(struct swarm_io);
}

/* The load a bio puts on a member: its bytes, none for discards. */
static inline u32 swarm_load_bytes(struct bio *bio)
{
	return bio_has_data(bio) ? bio->bi_iter.bi_size : 0;
}

/* Point @bio at @copy (+ @in_entry sectors) and account it there. */
static void swarm_remap(struct swarm_c *sc, struct bio *bio, u64 copy,
			sector_t in_entry)
{
	struct swarm_loc loc = swarm_loc_decode(copy);
	struct swarm_io *io = swarm_io(bio);

	bio_set_dev(bio, sc->devs[loc.dev].dm_dev->bdev);
	bio->bi_iter.bi_sector = swarm_slot_sector(&sc->geom, loc.slot) + in_entry;
	io->dev = loc.dev;
	io->bytes = swarm_load_bytes(bio);
	swarm_sel_start(&sc->sel, loc.dev, io->bytes);
	swarm_stats_account(&sc->stats, loc.dev, bio);
}

/* ---- runs ---- */

/* Entries the part of @bio from @in_entry covers. */
static inline u32 swarm_bio_entries(const struct swarm_geom *g,
				    struct bio *bio, sector_t in_entry)
{
	return (u32)((in_entry + bio_sectors(bio) - 1) >> g->entry_shift) + 1;
}

/*
 * How many of the @max entries from @entry have, for each copy of
 * @entry in @copies, a copy in the next slot of the same member: they
 * can go down as one bio per copy. @all: every copy must continue
 * (writes), else @copies[0] alone (the copy a read chose).
 */
static u32 swarm_run(const struct swarm_geom *g, const struct swarm_live_map *lm,
		     u64 entry, const u64 *copies, u32 n, u32 max, bool all)
{
	u32 run, i, j, m;
	const u64 *c;

	if (!lm)
		return min_t(u64, max, swarm_striped_run(g, entry));
	for (run = 1; run < max; run++) {
		m = swarm_placement_copies(&lm->pl, entry + run, &c);
		if (all && m != n)
			break;
		for (i = 0; i < (all ? n : 1); i++) {
			for (j = 0; j < m; j++)
				if (c[j] == copies[i] + run)
					break;
			if (j == m)
				return run;
		}
	}
	return run;
}

/*
 * Cut @bio after @run entries from @in_entry, if it covers more; dm core
 * sends the rest to map() again.
 *
 * Not a REQ_NOWAIT bio: when a later part found a member out of tags, the
 * bio would complete with BLK_STS_AGAIN after its submitter returned, and
 * io_uring reissues only what fails while it submits (the request then
 * fails, or is never completed). Such a bio fails at once with
 * BLK_STS_AGAIN instead, and comes back without REQ_NOWAIT from a context
 * that may wait.
 *
 * Return: false if @bio was completed.
 */
static inline bool swarm_accept_run(const struct swarm_geom *g, struct bio *bio,
				    sector_t in_entry, u32 run, u32 nr)
{
	if (run >= nr)
		return true;
	if (bio->bi_opf & REQ_NOWAIT) {
		bio->bi_status = BLK_STS_AGAIN;
		bio_endio(bio);
		return false;
	}
	dm_accept_partial_bio(bio, ((sector_t)run << g->entry_shift) - in_entry);
	return true;
}

/* ---- read batching ---- */

/*
 * An engine reads a step as one io_uring batch, under one block plug.
 * Reads remapped in map() are held on the plug and, when it is flushed,
 * sent sorted by member and sector: entries a cluster keeps in
 * consecutive slots then reach the member back to back and the block
 * layer merges them into large requests (the plug merges a bio into the
 * last request it holds for that device), which is what the placement is
 * for. Reads a small gap apart can go down as one read of the gaps too
 * (a gather, below). The members are served in turn, one run of
 * consecutive sectors or one gather each, so that all of them get work
 * at once.
 *
 * The plug callback lives in the per-bio data of the first read held, so
 * holding allocates nothing; that read is sent last, by the callback. A
 * plug holds at most SWARM_PLUG_MAX reads and sends the others when it is
 * full. Reads of SWARM_HOLD_MAX_BYTES or more are not held.
 *
 * Holding costs CPU (the sort, a second pass over the reads) and delays
 * a batch's first reads until its last is queued: for 4 KiB random reads
 * on null_blk, about 15% fewer IOPS. So reads are held only while it
 * pays: when few of the reads held lately lay near another on their
 * member (random reads of entries no step reads together), holding
 * pauses for SWARM_HOLD_PAUSE, then is tried again (swarm_hold_judge();
 * the pauses are counted).
 *
 * Held reads lose REQ_NOWAIT: they are sent when the plug is finished,
 * after the submitter was told they were queued, so a member out of tags
 * must make the flush wait rather than fail them with BLK_STS_AGAIN (an
 * io_uring request failed then is never reissued). md clears REQ_NOWAIT
 * on the bios it holds on a plug too. Flushes from schedule() hand the
 * reads to the worker, as md does.
 */

static inline u64 swarm_held_key(struct bio *bio)
{
	return ((u64)swarm_io(bio)->dev << SWARM_LOC_DEV_SHIFT) |
	       bio->bi_iter.bi_sector;
}

/* Merge two lists sorted by member and sector. */
static struct bio *swarm_merge_sorted(struct bio *a, struct bio *b)
{
	struct bio head, *t = &head;

	while (a && b) {
		if (swarm_held_key(a) <= swarm_held_key(b)) {
			t->bi_next = a;
			a = a->bi_next;
		} else {
			t->bi_next = b;
			b = b->bi_next;
		}
		t = t->bi_next;
	}
	t->bi_next = a ? a : b;
	return head.bi_next;
}

/* Bottom-up merge sort on bi_next: no recursion, no allocation. */
static noinline_for_stack struct bio *swarm_sort_bios(struct bio *list)
{
	struct bio *parts[32] = { NULL }, *bio, *next;
	unsigned int i;

	for (bio = list; bio; bio = next) {
		next = bio->bi_next;
		bio->bi_next = NULL;
		for (i = 0; i < ARRAY_SIZE(parts) - 1 && parts[i]; i++) {
			bio = swarm_merge_sorted(parts[i], bio);
			parts[i] = NULL;
		}
		parts[i] = parts[i] ? swarm_merge_sorted(parts[i], bio) : bio;
	}
	bio = NULL;
	for (i = 0; i < ARRAY_SIZE(parts); i++)
		if (parts[i])
			bio = bio ? swarm_merge_sorted(parts[i], bio) : parts[i];
	return bio;
}

/* Send one run of consecutive sectors from @bio on; return what follows. */
static struct bio *swarm_send_run(struct bio *bio)
{
	struct bio *next;

	while (bio) {
		/* A bio sent may be completed and freed at once. */
		sector_t end = bio_end_sector(bio);

		next = bio->bi_next;
		bio->bi_next = NULL;
		dm_submit_bio_remap(bio, NULL);
		bio = next;
		if (bio && bio->bi_iter.bi_sector != end)
			break;
	}
	return bio;
}

/* ---- gathers: one member read for held reads separated by small gaps ---- */

/*
 * A step reads only some entries of a cluster, so its held reads on one
 * member are often a few slots apart, and each gap costs a request. When
 * the gaps are smaller than the member's bytes per request (see
 * swarm_gap_worth()), the held reads and the gaps go down as one read,
 * a *gather*: its pages are the held reads' pages and, for every page of
 * a gap, a scratch page whose contents are dropped. When it completes,
 * each held read completes with its status. The held reads are dm's
 * clones, remapped and accounted in map(); they are never sent
 * themselves. Reads whose gaps are not worth reading go down as before,
 * and the block layer merges the consecutive ones.
 */

/* The most a gather covers, gaps included. */
#define SWARM_GATHER_MAX_SECTORS	(SZ_1M >> SECTOR_SHIFT)
/* The flags of a held read a gather keeps (the first one's). */
#define SWARM_GATHER_OPF		(REQ_SYNC | REQ_META | REQ_PRIO)

/**
 * struct swarm_gather - a read that serves several held reads.
 * @held: the held reads, on bi_next, in sector order.
 * @bio: the read sent to the member; last, see bioset_init().
 */
struct swarm_gather {
	struct bio *held;
	struct bio bio;
};

/**
 * struct swarm_span - the held reads one gather can serve.
 * @stop: the first held read after them, or NULL.
 * @gap: sectors of the gaps between them.
 * @vecs: bvecs their data and the gaps take at most.
 */
struct swarm_span {
	struct bio *stop;
	sector_t gap;
	unsigned int vecs;
};

/*
 * Can @bio join a gather? Integrity data and inline encryption contexts
 * do not combine. Under a virtual boundary @mask (NVMe's PRPs) its data
 * must start and end on the boundary, or the gather would be split into
 * more requests than the reads it serves.
 */
static inline bool swarm_gatherable(struct bio *bio, unsigned long mask)
{
	if ((bio->bi_opf & REQ_INTEGRITY) || bio_has_crypt_ctx(bio))
		return false;
	return !((bio->bi_iter.bi_size |
		  bio_iter_iovec(bio, bio->bi_iter).bv_offset) & mask);
}

/**
 * swarm_gather_span() - the held reads one gather can serve.
 * @bio: the first, the head of a member's reads sorted by sector.
 * @max_gap: the largest gap worth reading, sectors.
 * @sp: filled in.
 *
 * Reads follow @bio while each starts at the end of the one before or
 * after a gap of at most @max_gap sectors, ends within
 * SWARM_GATHER_MAX_SECTORS (and the member's max_sectors) of @bio's
 * start, and the pages of data and gaps fit in BIO_MAX_VECS (and the
 * member's max_segments). Under a virtual boundary, the gaps must be
 * multiples of it.
 */
static void swarm_gather_span(struct bio *bio, u32 max_gap,
			      struct swarm_span *sp)
{
	struct request_queue *q = bdev_get_queue(bio->bi_bdev);
	unsigned long mask = queue_virt_boundary(q);
	sector_t start = bio->bi_iter.bi_sector, end = bio_end_sector(bio);
	sector_t lim = min_t(sector_t, SWARM_GATHER_MAX_SECTORS,
			     queue_max_sectors(q));
	unsigned int vlim = min_t(unsigned int, BIO_MAX_VECS,
				  queue_max_segments(q));
	struct bio *next = bio->bi_next;

	sp->gap = 0;
	sp->vecs = bio_segments(bio);
	for (; next && swarm_gatherable(bio, mask); next = next->bi_next) {
		sector_t at = next->bi_iter.bi_sector;
		unsigned int vecs;

		if (at < end || at - end > max_gap ||
		    (((at - end) << SECTOR_SHIFT) & mask) ||
		    bio_end_sector(next) - start > lim ||
		    !swarm_gatherable(next, mask))
			break;
		vecs = sp->vecs + bio_segments(next) +
		       DIV_ROUND_UP((at - end) << SECTOR_SHIFT, PAGE_SIZE);
		if (vecs > vlim)
			break;
		sp->vecs = vecs;
		sp->gap += at - end;
		end = bio_end_sector(next);
	}
	sp->stop = next;
}

/**
 * swarm_gather_add() - add a held read, and the gap before it, to a gather.
 * @gbio: the gather's bio.
 * @scratch: the page gaps are read into.
 * @prev: the held read before @bio in the gather, or NULL.
 * @bio: the held read.
 *
 * Return: false, with @gbio as it was, when the pages do not fit.
 */
static bool swarm_gather_add(struct bio *gbio, struct page *scratch,
			     struct bio *prev, struct bio *bio)
{
	unsigned short vcnt = gbio->bi_vcnt;
	unsigned int size = gbio->bi_iter.bi_size;
	unsigned int last = vcnt ? gbio->bi_io_vec[vcnt - 1].bv_len : 0;
	u32 gap = prev ? (bio->bi_iter.bi_sector - bio_end_sector(prev))
			 << SECTOR_SHIFT : 0;
	struct bvec_iter it;
	struct bio_vec bv;

	while (gap) {
		u32 len = min_t(u32, gap, PAGE_SIZE);

		if (bio_add_page(gbio, scratch, len, 0) != len)
			goto undo;
		gap -= len;
	}
	bio_for_each_segment(bv, bio, it)
		if (bio_add_page(gbio, bv.bv_page, bv.bv_len,
				 bv.bv_offset) != bv.bv_len)
			goto undo;
	return true;
undo:
	/* bio_add_page() appends a bvec or grows the last one. */
	gbio->bi_vcnt = vcnt;
	gbio->bi_iter.bi_size = size;
	if (vcnt)
		gbio->bi_io_vec[vcnt - 1].bv_len = last;
	return false;
}

/* A gather is done: so is every held read it serves. */
static void swarm_gather_endio(struct bio *gbio)
{
	struct swarm_gather *g = container_of(gbio, struct swarm_gather, bio);
	blk_status_t st = gbio->bi_status;
	struct bio *held = g->held, *next;

	bio_put(gbio);
	for (; held; held = next) {
		next = held->bi_next;
		held->bi_next = NULL;
		held->bi_status = st;
		bio_endio(held);
	}
}

/**
 * swarm_send_gather() - send held reads and their gaps as one read.
 * @sc: the target.
 * @first: the first held read.
 * @sp: the span from @first (swarm_gather_span()), with gaps.
 * @gfp: GFP_NOIO, or GFP_NOWAIT where sleeping is not allowed.
 *
 * Sends the reads from @first as they are when the gather cannot be
 * allocated or would serve only one of them.
 *
 * Return: the first held read not sent.
 */
static struct bio *swarm_send_gather(struct swarm_c *sc, struct bio *first,
				     const struct swarm_span *sp, gfp_t gfp)
{
	struct bio *gbio, *bio, *prev = NULL;
	struct swarm_gather *g;
	sector_t gap = 0;

	gbio = bio_alloc_bioset(first->bi_bdev, sp->vecs,
				REQ_OP_READ | (first->bi_opf & SWARM_GATHER_OPF),
				gfp, &sc->gather_bs);
	if (!gbio)
		return swarm_send_run(first);
	for (bio = first; bio != sp->stop; prev = bio, bio = bio->bi_next) {
		if (!swarm_gather_add(gbio, sc->scratch, prev, bio))
			break;
		if (prev)
			gap += bio->bi_iter.bi_sector - bio_end_sector(prev);
	}
	if (prev == first || !prev) {
		bio_put(gbio);
		return swarm_send_run(first);
	}
	prev->bi_next = NULL;	/* @bio: the first one left */
	g = container_of(gbio, struct swarm_gather, bio);
	g->held = first;
	gbio->bi_iter.bi_sector = first->bi_iter.bi_sector;
	gbio->bi_ioprio = first->bi_ioprio;
	gbio->bi_end_io = swarm_gather_endio;
	bio_clone_blkg_association(gbio, first);
	this_cpu_inc(sc->stats.pcpu->gathers);
	this_cpu_add(sc->stats.pcpu->gap_bytes, (u64)gap << SECTOR_SHIFT);
	submit_bio_noacct(gbio);
	return bio;
}

/*
 * The largest gap worth reading in one member's held reads, @head on,
 * sorted by sector: the member's own (swarm_sel_gap()), or with "read_gap
 * auto" a larger one while the batch is bound by its requests rather
 * than its bytes (swarm_gap_batch()). In sectors.
 */
static noinline_for_stack u32
swarm_held_gap(struct swarm_c *sc, struct bio *head)
{
	u32 dev = swarm_io(head)->dev, reqs = 1;
	u32 gap = swarm_sel_gap(&sc->sel, dev);
	u16 hist[SWARM_GAP_BUCKETS] = { 0 };
	u64 bytes = head->bi_iter.bi_size;
	struct swarm_dev_load *l;
	struct bio *prev, *bio;

	if (READ_ONCE(sc->sel.gap_kib) != SWARM_GAP_AUTO || !head->bi_next)
		return gap;
	for (prev = head, bio = head->bi_next; bio;
	     prev = bio, bio = bio->bi_next) {
		sector_t at = bio->bi_iter.bi_sector, end = bio_end_sector(prev);
		u32 i;

		bytes += bio->bi_iter.bi_size;
		if (at == end)
			continue;
		reqs++;
		if (at < end || at - end > (SWARM_GAP_AUTO_MAX >> SECTOR_SHIFT))
			continue;
		i = (at - end - 1) >> 3;	/* 4 KiB buckets */
		if (hist[i] < U16_MAX)
			hist[i]++;
	}
	l = &sc->sel.load[dev];
	return max(gap, swarm_gap_batch(hist, reqs, bytes,
					READ_ONCE(l->bw_peak),
					READ_ONCE(l->iops_peak)));
}

/*
 * Send the next held reads of a member from @bio on, sorted by sector:
 * one gather, when gaps between them of at most @max_gap sectors are
 * worth reading, else one run of consecutive sectors. Return: what
 * follows.
 */
static noinline_for_stack struct bio *
swarm_send_next(struct swarm_c *sc, struct bio *bio, u32 max_gap, gfp_t gfp)
{
	struct swarm_span sp;

	if (!max_gap)
		return swarm_send_run(bio);
	swarm_gather_span(bio, max_gap, &sp);
	if (!sp.gap)
		return swarm_send_run(bio);
	return swarm_send_gather(sc, bio, &sp, gfp);
}

/* Does holding reads pay lately? */
static inline bool swarm_hold_pays(struct swarm_c *sc)
{
	return time_after_eq(jiffies, READ_ONCE(sc->hold_off));
}

/*
 * @reads were held, @near of them close to the one before on their
 * member: every SWARM_HOLD_JUDGE reads, pause holding if few were.
 */
static void swarm_hold_judge(struct swarm_c *sc, u32 reads, u32 near)
{
	s64 t = atomic64_add_return(((s64)near << 32) | reads, &sc->hold_tally);

	if ((u32)t < SWARM_HOLD_JUDGE ||
	    atomic64_cmpxchg(&sc->hold_tally, t, 0) != t)
		return;
	if ((u64)t >> 32 < (u32)t / SWARM_HOLD_RATIO) {
		WRITE_ONCE(sc->hold_off, jiffies + SWARM_HOLD_PAUSE);
		this_cpu_inc(sc->stats.pcpu->hold_pauses);
	}
}

/*
 * Send held reads: sorted by member and sector, then the members served
 * in turn, one run or gather each at a time. May wait for tags, and with
 * @gfp GFP_NOIO for memory.
 */
static void swarm_send_held(struct swarm_c *sc, struct bio *list, gfp_t gfp)
{
	/* Each member's reads are one segment of the sorted list. */
	struct bio *seg[SWARM_MAX_DEVS], *bio, *prev = NULL;
	u16 gap[SWARM_MAX_DEVS];	/* sectors, at most 2048 */
	u32 n = 0, i, reads = 0, near = 0;
	bool left;

	for (bio = swarm_sort_bios(list); bio; prev = bio, bio = bio->bi_next) {
		reads++;
		if (prev && swarm_io(prev)->dev == swarm_io(bio)->dev) {
			near += bio->bi_iter.bi_sector <=
				bio_end_sector(prev) + SWARM_HOLD_NEAR;
			continue;
		}
		if (prev)
			prev->bi_next = NULL;
		seg[n++] = bio;
	}
	swarm_hold_judge(sc, reads, near);
	for (i = 0; i < n; i++)
		gap[i] = swarm_held_gap(sc, seg[i]);
	do {
		left = false;
		for (i = 0; i < n; i++) {
			if (!seg[i])
				continue;
			seg[i] = swarm_send_next(sc, seg[i], gap[i], gfp);
			left |= !!seg[i];
		}
	} while (left);
}

static void swarm_unplug(struct blk_plug_cb *cb, bool from_schedule)
{
	struct swarm_plug *p = container_of(cb, struct swarm_plug, cb);
	struct swarm_c *sc = p->sc;
	/* @p lives in one of the bios: take them before any is sent. */
	struct bio_list bios = p->bios;

	if (from_schedule) {
		spin_lock_irq(&sc->lock);
		bio_list_merge(&sc->held, &bios);
		spin_unlock_irq(&sc->lock);
		queue_work(sc->wq, &sc->worker);
		return;
	}
	swarm_send_held(sc, bio_list_get(&bios), GFP_NOIO);
}

/*
 * The plug of the current task for @sc, put on the plug with @bio's
 * per-bio data the first time (blk_check_plugged() would allocate).
 */
static struct swarm_plug *swarm_plug_get(struct swarm_c *sc, struct bio *bio)
{
	struct blk_plug *plug = current->plug;
	struct blk_plug_cb *cb;
	struct swarm_plug *p;

	if (!plug || (bio->bi_opf & REQ_POLLED))
		return NULL;
	list_for_each_entry(cb, &plug->cb_list, list)
		if (cb->callback == swarm_unplug && cb->data == sc)
			return container_of(cb, struct swarm_plug, cb);
	p = &swarm_io(bio)->plug;
	p->cb.callback = swarm_unplug;
	p->cb.data = sc;
	p->sc = sc;
	bio_list_init(&p->bios);
	p->count = 0;
	list_add(&p->cb.list, &plug->cb_list);
	return p;
}

/* Hold a remapped read for the plug; false when there is none. */
static bool swarm_plug_read(struct swarm_c *sc, struct bio *bio)
{
	struct swarm_plug *p = swarm_plug_get(sc, bio);

	if (!p)
		return false;
	if (p->count >= SWARM_PLUG_MAX) {
		/*
		 * Full: send what it holds but the read @p lives in, which
		 * stays on the plug for what follows.
		 */
		struct swarm_io *hio = container_of(p, struct swarm_io, plug);
		struct bio *host = dm_bio_from_per_bio_data(hio, sizeof(*hio));
		struct bio_list rest;
		struct bio *b;

		bio_list_init(&rest);
		while ((b = bio_list_pop(&p->bios)))
			if (b != host)
				bio_list_add(&rest, b);
		bio_list_add(&p->bios, host);
		p->count = 1;
		/* In map(): gathers only if memory is at hand. */
		swarm_send_held(sc, bio_list_get(&rest),
				GFP_NOWAIT | __GFP_NOWARN);
	}
	bio->bi_opf &= ~REQ_NOWAIT;
	bio_list_add(&p->bios, bio);
	p->count++;
	return true;
}

/* ---- parts: a bio over several runs as one bio per member run ---- */

/*
 * The entries of a cluster alternate members, and each member keeps its
 * share in consecutive slots. A bio over many of them would be cut into
 * a piece per entry; instead it goes down as parts: the pieces for one
 * member that continue each other become one bio, its pages gathered
 * from the original's. A part is a struct swarm_clone; the original
 * completes when every part has, with the first error of any.
 */

/*
 * Parts a bio keeps open at once, on the stack: a few per member, as a
 * write to entries with two copies continues two runs on one member.
 */
#define SWARM_PARTS_OPEN	12U

/**
 * struct swarm_parts - the parts of one bio being built.
 * @orig: the bio.
 * @done: parts closed but not sent, in map(): all or none are sent.
 * @open: the parts the next pieces may continue, @nr_open of them.
 * @nr_open: how many.
 * @nr_vecs: bvecs a new part gets.
 * @opf: its operation and flags.
 * @gfp: GFP_NOWAIT in map(), GFP_NOIO in the worker.
 */
struct swarm_parts {
	struct bio *orig;
	struct bio_list done;
	struct bio *open[SWARM_PARTS_OPEN];
	u32 nr_open;
	unsigned short nr_vecs;
	blk_opf_t opf;
	gfp_t gfp;
};

static void swarm_io_put(struct swarm_c *sc, struct bio *orig)
{
	struct swarm_io *io = swarm_io(orig);

	if (atomic_dec_and_test(&io->pending)) {
		orig->bi_status = (__force blk_status_t)atomic_read(&io->error);
		/* Not before the superblocks say its skipped copies are bad. */
		if (unlikely(io->degraded) && !orig->bi_status &&
		    swarm_health_hold(&sc->health, orig))
			return;
		bio_endio(orig);
	}
}

/* Is @bio a read or write whose error may fail its member? */
static inline bool swarm_io_judges(struct bio *bio)
{
	return (bio_op(bio) == REQ_OP_READ || bio_op(bio) == REQ_OP_WRITE) &&
	       !(bio->bi_opf & REQ_RAHEAD);
}

/*
 * Part @c failed with @st: fail its member if @st says so. A write whose
 * entries all have another copy on a member still ok completes without
 * the error: the failed member's copies are stale, and never read.
 * Failing the member first (fully ordered) and then looking at the
 * others, two copies failing at once cannot both find the other one ok.
 * A read fails its original, which end_io sends again (swarm_io_failed()).
 *
 * Return: true if the error is absorbed.
 */
static bool swarm_clone_failed(struct swarm_c *sc, struct swarm_clone *c,
			       blk_status_t st)
{
	if (!swarm_io_judges(&c->bio) ||
	    !swarm_health_io_error(&sc->health, c->dev, st) ||
	    !swarm_health_any_ok(&sc->health, c->others))
		return false;
	swarm_health_stale(&sc->health, c->dev);
	swarm_io(c->orig)->degraded = true;
	this_cpu_inc(sc->stats.pcpu->degraded_writes);
	return true;
}

static void swarm_clone_endio(struct bio *clone)
{
	struct swarm_clone *c = container_of(clone, struct swarm_clone, bio);
	struct bio *orig = c->orig;
	blk_status_t st = clone->bi_status;

	swarm_sel_end(&c->sc->sel, c->dev, c->bytes);
	if (st && !swarm_clone_failed(c->sc, c, st))
		atomic_cmpxchg(&swarm_io(orig)->error, 0, (__force int)st);
	bio_put(clone);
	swarm_io_put(c->sc, orig);
}

/* Parts bypass dm's clone: integrity data and crypto contexts do not split. */
static inline bool swarm_parts_fit(struct bio *bio)
{
	return !(bio->bi_opf & REQ_INTEGRITY) && !bio_has_crypt_ctx(bio);
}

/*
 * Start the parts of @bio, over @nr entries. @bio completes when the last
 * part has and swarm_io_put() dropped the reference taken here.
 */
static void swarm_parts_init(struct swarm_c *sc, struct swarm_parts *ps,
			     struct bio *bio, u32 nr, gfp_t gfp)
{
	struct swarm_io *io = swarm_io(bio);
	u32 pages = bio_has_data(bio) ?
		    DIV_ROUND_UP(bio->bi_iter.bi_size, PAGE_SIZE) : 0;

	ps->orig = bio;
	bio_list_init(&ps->done);
	ps->nr_open = 0;
	/* Enough when the pages spread evenly; a full part makes another. */
	ps->nr_vecs = pages ? min_t(u32, BIO_MAX_VECS,
				    pages / min(nr, sc->geom.nr_devs) + 2) : 0;
	/*
	 * Parts lose REQ_NOWAIT, as held reads do: @bio completes with its
	 * last part, often in interrupt context, where io_uring would not
	 * reissue a BLK_STS_AGAIN. And REQ_POLLED: dm polls @bio's own
	 * clone, never our parts.
	 */
	ps->opf = bio->bi_opf & ~(REQ_NOWAIT | REQ_POLLED);
	ps->gfp = gfp;
	atomic_set(&io->pending, 1);
	atomic_set(&io->error, 0);
}

static void swarm_parts_submit(struct swarm_c *sc, struct bio *orig,
			       struct bio *p)
{
	struct swarm_clone *c = container_of(p, struct swarm_clone, bio);

	c->bytes = swarm_load_bytes(p);
	atomic_inc(&swarm_io(orig)->pending);
	swarm_sel_start(&sc->sel, c->dev, c->bytes);
	swarm_stats_account(&sc->stats, c->dev, p);
	submit_bio_noacct(p);
}

/*
 * Close open part @i: it takes no more pieces. The worker sends it at
 * once, so that it never waits for the bioset's reserve while holding
 * more than SWARM_PARTS_OPEN of it.
 */
static void swarm_parts_close(struct swarm_c *sc, struct swarm_parts *ps,
			      u32 i)
{
	struct bio *p = ps->open[i];

	ps->open[i] = ps->open[--ps->nr_open];
	if (gfpflags_allow_blocking(ps->gfp))
		swarm_parts_submit(sc, ps->orig, p);
	else
		bio_list_add(&ps->done, p);
}

/* The open part on @bdev that ends at @sector, or -1. */
static int swarm_parts_find(struct swarm_parts *ps, struct block_device *bdev,
			    sector_t sector)
{
	u32 i;

	for (i = 0; i < ps->nr_open; i++)
		if (ps->open[i]->bi_bdev == bdev &&
		    bio_end_sector(ps->open[i]) == sector)
			return i;
	return -1;
}

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
/*
 * /sys/kernel/debug/dm_swarm_fail_nowait: parts allocated where sleeping
 * is not allowed (map()) fail as when the bioset's reserve is used up, to
 * test the fallbacks (tests/vm/suites/iopath.sh).
 */
static DECLARE_FAULT_ATTR(swarm_fail_nowait);
static struct dentry *swarm_fail_nowait_dir;

void swarm_io_fault_init(void)
{
	swarm_fail_nowait_dir = fault_create_debugfs_attr("dm_swarm_fail_nowait",
							  NULL,
							  &swarm_fail_nowait);
	if (IS_ERR(swarm_fail_nowait_dir))
		swarm_fail_nowait_dir = NULL;
}

void swarm_io_fault_exit(void)
{
	debugfs_remove_recursive(swarm_fail_nowait_dir);
}

static inline bool swarm_fail_alloc(gfp_t gfp)
{
	return !gfpflags_allow_blocking(gfp) && should_fail(&swarm_fail_nowait, 1);
}
#else
static inline bool swarm_fail_alloc(gfp_t gfp)
{
	return false;
}
#endif

/* A new open part at @sector of member @dev, or NULL. */
static struct bio *swarm_parts_new(struct swarm_c *sc, struct swarm_parts *ps,
				   u32 dev, sector_t sector)
{
	struct swarm_clone *c;
	struct bio *p;

	if (ps->nr_open == SWARM_PARTS_OPEN)
		swarm_parts_close(sc, ps, 0);
	if (unlikely(swarm_fail_alloc(ps->gfp)))
		return NULL;
	p = bio_alloc_bioset(sc->devs[dev].dm_dev->bdev, ps->nr_vecs, ps->opf,
			     ps->gfp, &sc->bs);
	if (!p)
		return NULL;
	bio_clone_blkg_association(p, ps->orig);
	p->bi_ioprio = ps->orig->bi_ioprio;
	p->bi_iter.bi_sector = sector;
	p->bi_end_io = swarm_clone_endio;
	c = container_of(p, struct swarm_clone, bio);
	c->orig = ps->orig;
	c->sc = sc;
	c->dev = dev;
	c->others = ~0ULL;
	ps->open[ps->nr_open++] = p;
	return p;
}

/*
 * Add one piece of the original to part @p: false when @p is full. Like
 * bio_add_page() without its try to merge with the last bvec: a part's
 * pieces come from entries a member apart in the original, whose pages
 * are not contiguous.
 */
static inline bool swarm_part_add_bvec(struct bio *p, const struct bio_vec *bv)
{
	if (p->bi_vcnt >= p->bi_max_vecs ||
	    p->bi_iter.bi_size > UINT_MAX - bv->bv_len)
		return false;
	__bio_add_page(p, bv->bv_page, bv->bv_len, bv->bv_offset);
	return true;
}

/*
 * Add @bytes of the original from @it on at @sector of member @dev: to
 * the open part there if they continue it, else to a new one, and
 * advance @it past them. @others: the members of the other copies of
 * these bytes (0 for a read).
 *
 * Return: 0, or -ENOMEM (swarm_parts_drop()).
 */
static int swarm_parts_add(struct swarm_c *sc, struct swarm_parts *ps,
			   u32 dev, sector_t sector, struct bvec_iter *it,
			   u32 bytes, u64 others)
{
	int i = swarm_parts_find(ps, sc->devs[dev].dm_dev->bdev, sector);
	struct bio *p;

	p = i >= 0 ? ps->open[i] : swarm_parts_new(sc, ps, dev, sector);
	if (!p)
		return -ENOMEM;
	container_of(p, struct swarm_clone, bio)->others &= others;
	if (!bio_has_data(ps->orig)) {
		p->bi_iter.bi_size += bytes;	/* discards, write zeroes */
		bio_advance_iter(ps->orig, it, bytes);
		return 0;
	}
	while (bytes) {
		struct bio_vec bv = mp_bvec_iter_bvec(ps->orig->bi_io_vec, *it);

		bv.bv_len = min(bv.bv_len, bytes);
		if (!swarm_part_add_bvec(p, &bv)) {
			/* Full: the rest goes to another part. */
			sector = bio_end_sector(p);
			swarm_parts_close(sc, ps,
					  swarm_parts_find(ps, p->bi_bdev, sector));
			p = swarm_parts_new(sc, ps, dev, sector);
			if (!p)
				return -ENOMEM;
			container_of(p, struct swarm_clone, bio)->others = others;
			continue;
		}
		bio_advance_iter_single(ps->orig, it, bv.bv_len);
		bytes -= bv.bv_len;
	}
	return 0;
}

/* Send every part, and drop the reference swarm_parts_init() took. */
static void swarm_parts_send(struct swarm_c *sc, struct swarm_parts *ps)
{
	struct bio *p;

	while (ps->nr_open)
		swarm_parts_close(sc, ps, 0);
	while ((p = bio_list_pop(&ps->done)))
		swarm_parts_submit(sc, ps->orig, p);
	swarm_io_put(sc, ps->orig);
}

/* Free the parts of a failed build in map(); nothing was sent. */
static void swarm_parts_drop(struct swarm_c *sc, struct swarm_parts *ps)
{
	struct bio *p;

	while (ps->nr_open)
		swarm_parts_close(sc, ps, 0);
	while ((p = bio_list_pop(&ps->done)))
		bio_put(p);
}

/*
 * Of the @n copies of an entry, on members not in @failed: the one that
 * continues an open part; else the copy of the same rank as the previous
 * entry's, @prev (copies of one rank were laid out together: the next
 * ones continue it); else, first, the least loaded. SWARM_SEL_NONE if
 * every copy is on a failed member.
 */
static u32 swarm_parts_pick(struct swarm_c *sc, struct swarm_parts *ps,
			    const u64 *c, u32 n, u32 bytes, u32 prev, u64 failed)
{
	u32 j, pick;

	for (j = 0; j < n; j++) {
		struct swarm_loc l = swarm_loc_decode(c[j]);

		if (!(failed & BIT_ULL(l.dev)) &&
		    swarm_parts_find(ps, sc->devs[l.dev].dm_dev->bdev,
				     swarm_slot_sector(&sc->geom, l.slot)) >= 0)
			return j;
	}
	if (prev < n && !(failed & BIT_ULL(swarm_loc_decode(c[prev]).dev)))
		pick = prev;
	else
		pick = swarm_sel_choose_ok(&sc->sel, c, n, bytes, failed);
	if (pick == SWARM_SEL_NONE)
		return pick;
	this_cpu_inc(sc->stats.pcpu->multi_copy_reads);
	if (pick)
		this_cpu_inc(sc->stats.pcpu->redirected_reads);
	return pick;
}

/* Has an entry of @nr from @entry no copy on a member outside @failed? */
static bool swarm_read_lost(const struct swarm_live_map *lm, u64 entry,
			    u32 nr, u64 failed)
{
	const u64 *c;
	u32 n, j;

	for (; nr; nr--, entry++) {
		n = swarm_placement_copies(&lm->pl, entry, &c);
		for (j = 0; j < n; j++)
			if (!(failed & BIT_ULL(swarm_loc_decode(c[j]).dev)))
				break;
		if (j == n)
			return true;
	}
	return false;
}

/*
 * Read @bio, from @entry + @in_entry sectors on, over @nr entries, as
 * parts, each entry from one copy of the live map @lm (held: under
 * rcu_read_lock() in map(), a reference in the worker) on a member that
 * is ok, into @ps: swarm_parts_send() sends them, outside the RCU read
 * section in map() (submit_bio_noacct() may sleep).
 *
 * Return: 0; -ENOENT with nothing sent when an entry has no copy left;
 * -ENOMEM with nothing sent (only with GFP_NOWAIT).
 */
static int swarm_read_parts(struct swarm_c *sc, struct bio *bio,
			    const struct swarm_live_map *lm, u64 entry,
			    sector_t in_entry, u32 nr, gfp_t gfp,
			    struct swarm_parts *ps)
{
	u64 failed = swarm_health_failed(&sc->health);
	const struct swarm_geom *g = &sc->geom;
	struct bvec_iter it = bio->bi_iter;
	u32 prev = U32_MAX;
	const u64 *c;

	if ((unlikely(failed) && swarm_read_lost(lm, entry, nr, failed)) ||
	    swarm_lost_hit(&sc->lost, entry, nr))
		return -ENOENT;
	swarm_parts_init(sc, ps, bio, nr, gfp);
	for (; it.bi_size; entry++, in_entry = 0) {
		u32 len = min_t(u32, it.bi_size,
				(g->entry_sectors - in_entry) << SECTOR_SHIFT);
		u32 n = swarm_placement_copies(&lm->pl, entry, &c), pick = 0;
		struct swarm_loc l;

		if (n > 1) {
			pick = swarm_parts_pick(sc, ps, c, n, len, prev, failed);
			prev = pick;
		}
		l = swarm_loc_decode(c[pick]);
		if (swarm_parts_add(sc, ps, l.dev,
				    swarm_slot_sector(g, l.slot) + in_entry,
				    &it, len, 0)) {
			swarm_parts_drop(sc, ps);
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * The copies a write of @entry goes to: the live map's, and during a
 * migration the new map's once the entry is copied. The gate is entered:
 * the live map cannot change meanwhile.
 */
static u32 swarm_write_copies(struct swarm_c *sc, u64 entry, u64 *copies)
{
	struct swarm_maps *mp = &sc->maps;
	u32 n = swarm_entry_copies(&sc->geom,
				   rcu_dereference_protected(mp->live, 1),
				   entry, copies);
	u64 more[SWARM_MAX_COPIES];
	u32 i, j, k;

	if (!mp->next || entry >= mp->copied)
		return n;
	/* The new map's copies, but not those it keeps of the live map. */
	k = swarm_entry_copies(&sc->geom, mp->next, entry, more);
	for (i = 0; i < k; i++) {
		for (j = 0; j < n && copies[j] != more[i]; j++)
			;
		if (j == n)
			copies[n++] = more[i];
	}
	return n;
}

/*
 * Write @bio, entered in the gate, from @entry + @in_entry sectors on, as
 * parts, each entry to all of its copies: those of @lm, or from the
 * worker (@lm NULL) swarm_write_copies(). Copies on failed members are
 * skipped (and stale); an entry with none left fails the write. The
 * parts are in @ps, for swarm_parts_send().
 *
 * Return: 0, or -ENOMEM with nothing sent (only with GFP_NOWAIT).
 */
static int swarm_write_parts(struct swarm_c *sc, struct bio *bio,
			     const struct swarm_live_map *lm, u64 entry,
			     sector_t in_entry, u32 nr, gfp_t gfp,
			     struct swarm_parts *ps)
{
	u64 failed = swarm_health_wfailed(&sc->health);
	const struct swarm_geom *g = &sc->geom;
	u64 copies[2 * SWARM_MAX_COPIES];
	struct bvec_iter it = bio->bi_iter;

	swarm_parts_init(sc, ps, bio, nr, gfp);
	for (; it.bi_size; entry++, in_entry = 0) {
		u32 len = min_t(u32, it.bi_size,
				(g->entry_sectors - in_entry) << SECTOR_SHIFT);
		u32 n = lm ? swarm_entry_copies(g, lm, entry, copies) :
			     swarm_write_copies(sc, entry, copies);
		struct bvec_iter next = it;
		u64 ok = 0;
		u32 i;

		for (i = 0; i < n; i++)
			ok |= BIT_ULL(swarm_loc_decode(copies[i]).dev);
		ok &= ~failed;
		if (unlikely(!ok))	/* no copy left: the write fails */
			atomic_cmpxchg(&swarm_io(bio)->error, 0,
				       (__force int)BLK_STS_IOERR);
		for (i = 0; i < n; i++) {
			struct swarm_loc l = swarm_loc_decode(copies[i]);

			if (unlikely(failed & BIT_ULL(l.dev))) {
				/* Its copy there is stale from now on. */
				swarm_health_stale(&sc->health, l.dev);
				swarm_io(bio)->degraded = true;
				if (ok)
					this_cpu_inc(sc->stats.pcpu->degraded_writes);
				continue;
			}
			/* Each copy takes the same bytes, from @it on. */
			next = it;
			if (swarm_parts_add(sc, ps, l.dev,
					    swarm_slot_sector(g, l.slot) + in_entry,
					    &next, len, ok & ~BIT_ULL(l.dev))) {
				swarm_parts_drop(sc, ps);
				return -ENOMEM;
			}
		}
		if (unlikely(!ok))
			bio_advance_iter(bio, &next, len);
		it = next;
	}
	if (bio_op(bio) == REQ_OP_WRITE)
		this_cpu_inc(sc->stats.pcpu->writes);
	return 0;
}

/* ---- map() ---- */

/*
 * A write that covers entries remembered lost whole makes them whole
 * when it succeeds (swarm_io_end()): note them, from @bio as it goes
 * down (cut, not yet remapped). Not a discard: what it leaves is not
 * the entry's.
 */
static inline void swarm_lost_note(struct swarm_c *sc, struct bio *bio)
{
	const struct swarm_geom *g = &sc->geom;
	struct swarm_io *io = swarm_io(bio);
	sector_t offset;
	u64 first, end;

	if (likely(!READ_ONCE(sc->lost.nr)) ||
	    (bio_op(bio) != REQ_OP_WRITE && bio_op(bio) != REQ_OP_WRITE_ZEROES))
		return;
	offset = dm_target_offset(sc->ti, bio->bi_iter.bi_sector);
	first = (offset + g->entry_sectors - 1) >> g->entry_shift;
	end = (offset + bio_sectors(bio)) >> g->entry_shift;
	if (end > first) {
		io->clear_first = first;
		io->clear_nr = end - first;
	}
}

/* Hand @bio to the worker. */
static void swarm_defer(struct swarm_c *sc, struct bio *bio)
{
	/* Sent later, from the worker: it may wait for tags. */
	bio->bi_opf &= ~REQ_NOWAIT;
	spin_lock_irq(&sc->lock);
	bio_list_add(&sc->deferred, bio);
	spin_unlock_irq(&sc->lock);
	queue_work(sc->wq, &sc->worker);
}

/*
 * Hand a read to the worker, which sends it as parts (swarm_read_slow()):
 * a REQ_NOWAIT read whose parts map() could not allocate, or with an
 * entry that has no copy left (the worker fails it). Failing it with
 * BLK_STS_AGAIN is right only while nothing of its original is in
 * flight: dm core may have sent the pieces before this one, and the
 * original then completes after its submitter returned (in interrupt
 * context), where io_uring does not reissue it but fails the request with
 * -EAGAIN. Queuing it allocates nothing and never waits.
 */
static void swarm_defer_read(struct swarm_c *sc, struct bio *bio)
{
	unsigned long flags;

	spin_lock_irqsave(&sc->lock, flags);
	bio_list_add(&sc->slow_reads, bio);
	spin_unlock_irqrestore(&sc->lock, flags);
	queue_work(sc->wq, &sc->worker);
}

/* Hand an empty flush to the worker (swarm_send_flushes()). */
static void swarm_defer_flush(struct swarm_c *sc, struct bio *bio)
{
	bio->bi_opf &= ~REQ_NOWAIT;
	spin_lock_irq(&sc->lock);
	bio_list_add(&sc->flushes, bio);
	spin_unlock_irq(&sc->lock);
	queue_work(sc->wq, &sc->worker);
}

/**
 * swarm_io_requeue() - hand bios back to the worker.
 * @sc: the target.
 * @bios: writes held by a migration; emptied.
 */
void swarm_io_requeue(struct swarm_c *sc, struct bio_list *bios)
{
	if (bio_list_empty(bios))
		return;
	spin_lock_irq(&sc->lock);
	bio_list_merge(&sc->deferred, bios);
	spin_unlock_irq(&sc->lock);
	bio_list_init(bios);
	queue_work(sc->wq, &sc->worker);
}

/* The worker again, for writes held while the gate was closed. */
void swarm_io_kick(struct swarm_c *sc)
{
	queue_work(sc->wq, &sc->worker);
}

static int swarm_map_read(struct swarm_c *sc, struct bio *bio, u64 entry,
			  sector_t in_entry)
{
	u64 failed = swarm_health_failed(&sc->health);
	const struct swarm_geom *g = &sc->geom;
	u32 nr = swarm_bio_entries(g, bio, in_entry), run, n = 1, pick = 0;
	struct swarm_io *io = swarm_io(bio);
	struct swarm_live_map *lm;
	struct swarm_parts ps;
	const u64 *c;
	bool hold;
	u64 copy;

	/*
	 * Remembered lost: fail fast. A rebuild lists an entry before the
	 * member is ok (a full barrier, swarm_rb_detach()): a read that saw
	 * the member ok sees the entry listed.
	 */
	smp_rmb();
	if (unlikely(swarm_lost_hit(&sc->lost, entry, nr))) {
		this_cpu_inc(sc->stats.pcpu->lost_reads);
		return DM_MAPIO_KILL;
	}
	/* To send it again if it fails (swarm_read_slow()). */
	io->iter = bio->bi_iter;
	io->flags = bio->bi_flags;
	rcu_read_lock();
	lm = rcu_dereference(sc->maps.live);
	if (!lm) {
		struct swarm_loc loc = swarm_striped_loc(g, entry);

		copy = swarm_loc_encode(loc.dev, loc.slot);
	} else {
		n = swarm_placement_copies(&lm->pl, entry, &c);
		if (n > 1) {
			pick = swarm_sel_choose_ok(&sc->sel, c, n,
						   bio->bi_iter.bi_size, failed);
			if (pick == SWARM_SEL_NONE)
				pick = 0;	/* lost, below */
		}
		copy = c[pick];
	}
	if (unlikely(failed & BIT_ULL(swarm_loc_decode(copy).dev))) {
		/* No copy left on a member that is ok: fail fast. */
		rcu_read_unlock();
		this_cpu_inc(sc->stats.pcpu->lost_reads);
		return DM_MAPIO_KILL;
	}
	run = nr > 1 ? swarm_run(g, lm, entry, &copy, 1, nr, false) : 1;
	if (run < nr && lm && swarm_parts_fit(bio)) {
		int r = swarm_read_parts(sc, bio, lm, entry, in_entry, nr,
					 GFP_NOWAIT | __GFP_NOWARN, &ps);

		if (!r || (bio->bi_opf & REQ_NOWAIT)) {
			rcu_read_unlock();
			if (r)
				swarm_defer_read(sc, bio);
			else
				swarm_parts_send(sc, &ps);
			swarm_trace_reads(&sc->trace, entry, nr);
			this_cpu_inc(sc->stats.pcpu->reads);
			return DM_MAPIO_SUBMITTED;
		}
	}
	hold = swarm_hold_pays(sc);
	rcu_read_unlock();

	if (n > 1) {
		this_cpu_inc(sc->stats.pcpu->multi_copy_reads);
		if (pick)
			this_cpu_inc(sc->stats.pcpu->redirected_reads);
	}
	if (!swarm_accept_run(g, bio, in_entry, run, nr))
		return DM_MAPIO_SUBMITTED;
	swarm_trace_reads(&sc->trace, entry, run);
	this_cpu_inc(sc->stats.pcpu->reads);
	io->iter = bio->bi_iter;	/* the part accepted */
	swarm_remap(sc, bio, copy, in_entry);
	if (hold && bio->bi_iter.bi_size < SWARM_HOLD_MAX_BYTES &&
	    swarm_plug_read(sc, bio))
		return DM_MAPIO_SUBMITTED;
	return DM_MAPIO_REMAPPED;
}

static int swarm_map_write(struct swarm_c *sc, struct bio *bio, u64 entry,
			   sector_t in_entry)
{
	const struct swarm_geom *g = &sc->geom;
	u32 nr = swarm_bio_entries(g, bio, in_entry), run, n;
	struct swarm_io *io = swarm_io(bio);
	u64 copies[SWARM_MAX_COPIES];
	struct swarm_live_map *lm;
	struct swarm_parts ps;
	int r;

	if (unlikely(READ_ONCE(sc->meta_failed)))
		return DM_MAPIO_KILL;
	if (unlikely(!swarm_gate_enter(&sc->maps)))
		goto defer;
	if (unlikely(!READ_ONCE(sc->has_data) || READ_ONCE(sc->migrating))) {
		swarm_gate_exit(&sc->maps);
		goto defer;
	}
	io->entered = true;
	rcu_read_lock();
	lm = rcu_dereference(sc->maps.live);
	n = swarm_entry_copies(g, lm, entry, copies);
	run = nr > 1 ? swarm_run(g, lm, entry, copies, n, nr, true) : 1;
	if ((run < nr || n > 1) && lm && swarm_parts_fit(bio)) {
		/* end_io leaves the gate when every part is written. */
		r = swarm_write_parts(sc, bio, lm, entry, in_entry, nr,
				      GFP_NOWAIT | __GFP_NOWARN, &ps);
		rcu_read_unlock();
		if (!r) {
			swarm_lost_note(sc, bio);
			swarm_parts_send(sc, &ps);
			return DM_MAPIO_SUBMITTED;
		}
		/* The worker writes it, where allocation may wait. */
		io->entered = false;
		swarm_gate_exit(&sc->maps);
		goto defer;
	}
	rcu_read_unlock();

	if (!swarm_accept_run(g, bio, in_entry, run, nr))
		return DM_MAPIO_SUBMITTED;	/* end_io leaves the gate */
	if (n > 1) {
		/* The worker writes it to every copy. */
		io->entered = false;
		swarm_gate_exit(&sc->maps);
		goto defer;
	}
	if (unlikely(!swarm_health_write_ok(&sc->health,
					    swarm_loc_decode(copies[0]).dev))) {
		/* Its only copy is on a failed member. */
		io->entered = false;
		swarm_gate_exit(&sc->maps);
		return DM_MAPIO_KILL;
	}
	if (bio_op(bio) == REQ_OP_WRITE)
		this_cpu_inc(sc->stats.pcpu->writes);
	swarm_lost_note(sc, bio);
	swarm_remap(sc, bio, copies[0], in_entry);
	return DM_MAPIO_REMAPPED;
defer:
	swarm_defer(sc, bio);
	return DM_MAPIO_SUBMITTED;
}

int swarm_io_map(struct dm_target *ti, struct bio *bio)
{
	struct swarm_c *sc = ti->private;
	const struct swarm_geom *g = &sc->geom;
	struct swarm_io *io = swarm_io(bio);
	sector_t offset;

	io->dev = SWARM_IO_NONE;
	io->entered = false;
	io->lost = false;
	io->degraded = false;
	io->tries = 0;
	io->clear_nr = 0;
	if (swarm_cache_map(sc->cache, READ_ONCE(sc->cache->on), bio,
			    swarm_cache_pb(bio, sizeof(*io))))
		return DM_MAPIO_SUBMITTED;	/* served from memory */
	if (unlikely(bio->bi_opf & REQ_PREFLUSH)) {
		/* An empty flush: dm core sends one per member. */
		u32 dev = dm_bio_get_target_bio_nr(bio);

		if (unlikely(!swarm_health_write_ok(&sc->health, dev))) {
			/* Nothing on a failed member is read again. */
			bio_endio(bio);
			return DM_MAPIO_SUBMITTED;
		}
		if (unlikely(swarm_lost_dirty(&sc->lost))) {
			/* Writes made lost entries whole: record it first. */
			swarm_defer_flush(sc, bio);
			return DM_MAPIO_SUBMITTED;
		}
		bio_set_dev(bio, sc->devs[dev].dm_dev->bdev);
		swarm_stats_account(&sc->stats, dev, bio);
		return DM_MAPIO_REMAPPED;
	}
	offset = dm_target_offset(ti, bio->bi_iter.bi_sector);
	if (bio_op(bio) == REQ_OP_READ)
		return swarm_map_read(sc, bio, offset >> g->entry_shift,
				      offset & (g->entry_sectors - 1));
	return swarm_map_write(sc, bio, offset >> g->entry_shift,
			       offset & (g->entry_sectors - 1));
}

/*
 * @bio failed with @st: fail the member it went to, if @st says so, and
 * hand a read to the worker to send to other copies (swarm_read_slow()),
 * unless one of its entries had none left, or it was tried on as many
 * copies as an entry has. Readahead is not sent again. Any context.
 *
 * Return: true if the read went to the worker: end_io returns
 * DM_ENDIO_INCOMPLETE.
 */
static bool swarm_io_failed(struct swarm_c *sc, struct bio *bio,
			    blk_status_t st)
{
	struct swarm_io *io = swarm_io(bio);
	u32 dev = io->dev;
	unsigned long flags;

	if (bio->bi_opf & REQ_PREFLUSH)
		dev = dm_bio_get_target_bio_nr(bio);
	if (dev != SWARM_IO_NONE && swarm_io_judges(bio))
		swarm_health_io_error(&sc->health, dev, st);
	if (bio_op(bio) != REQ_OP_READ || !swarm_io_judges(bio) || io->lost ||
	    io->tries >= SWARM_MAX_COPIES || !swarm_status_fails_member(st) ||
	    (bio->bi_opf & REQ_INTEGRITY) || !rcu_access_pointer(sc->maps.live))
		return false;
	io->tries++;
	io->dev = SWARM_IO_NONE;	/* its parts account for themselves */
	spin_lock_irqsave(&sc->lock, flags);
	bio_list_add(&sc->failed_reads, bio);
	spin_unlock_irqrestore(&sc->lock, flags);
	queue_work(sc->wq, &sc->worker);
	return true;
}

int swarm_io_end(struct dm_target *ti, struct bio *bio, blk_status_t *error)
{
	struct swarm_c *sc = ti->private;
	struct swarm_io *io = swarm_io(bio);

	if (io->dev != SWARM_IO_NONE)
		swarm_sel_end(&sc->sel, io->dev, io->bytes);
	if (io->entered)
		swarm_gate_exit(&sc->maps);
	if (unlikely(*error) && swarm_io_failed(sc, bio, *error))
		return DM_ENDIO_INCOMPLETE;
	if (unlikely(io->clear_nr) && !*error)
		swarm_lost_clear(sc, io->clear_first, io->clear_nr,
				 bio->bi_opf & REQ_FUA);
	swarm_cache_end(sc->cache, READ_ONCE(sc->cache->on), bio,
			swarm_cache_pb(bio, sizeof(*io)), &io->iter, *error);
	return DM_ENDIO_DONE;
}

/* ---- the worker: writes to several copies, migrations, first writes ---- */

/* Write @bio, entered in the gate, to every copy, from the worker. */
static void swarm_fan_out(struct swarm_c *sc, struct bio *bio)
{
	const struct swarm_geom *g = &sc->geom;
	sector_t offset = dm_target_offset(sc->ti, bio->bi_iter.bi_sector);
	sector_t in_entry = offset & (g->entry_sectors - 1);
	struct swarm_parts ps;

	swarm_lost_note(sc, bio);
	/* GFP_NOIO from a bioset cannot fail. */
	swarm_write_parts(sc, bio, NULL, offset >> g->entry_shift, in_entry,
			  swarm_bio_entries(g, bio, in_entry), GFP_NOIO, &ps);
	swarm_parts_send(sc, &ps);
}

/* Does @bio cover an entry a migration is copying? */
static bool swarm_write_held(struct swarm_c *sc, struct bio *bio)
{
	const struct swarm_geom *g = &sc->geom;
	sector_t offset = dm_target_offset(sc->ti, bio->bi_iter.bi_sector);
	u64 first = offset >> g->entry_shift;
	u64 last = (offset + max(bio_sectors(bio), 1U) - 1) >> g->entry_shift;

	return first < sc->maps.hold_hi && last >= sc->maps.hold_lo;
}

/*
 * A write in the worker. Return: false if the gate is closed (it stays
 * for the next run of the worker).
 */
static bool swarm_write_slow(struct swarm_c *sc, struct bio *bio)
{
	struct swarm_io *io = swarm_io(bio);

	if (!READ_ONCE(sc->has_data)) {
		if (swarm_meta_set_flags(sc, SWARM_SB_HAS_DATA)) {
			bio_io_error(bio);
			return true;
		}
		WRITE_ONCE(sc->has_data, true);
	}
	if (!swarm_gate_enter(&sc->maps))
		return false;
	if (READ_ONCE(sc->migrating) && swarm_write_held(sc, bio)) {
		/* The migration requeues it once the window is copied. */
		swarm_gate_exit(&sc->maps);
		bio_list_add(&sc->maps.held, bio);
		return true;
	}
	io->entered = true;
	swarm_fan_out(sc, bio);
	return true;
}

/*
 * A read from the worker, as parts, each entry from a copy on a member
 * that is ok: one that failed on a copy (swarm_io_failed(), @failover),
 * or one map() could not send (swarm_defer_read()). When an entry has no
 * copy left on a member that is ok, the read fails, lost.
 */
static void swarm_read_slow(struct swarm_c *sc, struct bio *bio, bool failover)
{
	const struct swarm_geom *g = &sc->geom;
	struct swarm_io *io = swarm_io(bio);
	struct swarm_live_map *lm = swarm_live_get(&sc->maps);
	sector_t offset, in_entry;
	struct swarm_parts ps;

	bio->bi_iter = io->iter;
	bio->bi_flags = io->flags;
	bio->bi_status = BLK_STS_OK;
	bio->bi_opf &= ~REQ_NOWAIT;
	offset = dm_target_offset(sc->ti, bio->bi_iter.bi_sector);
	in_entry = offset & (g->entry_sectors - 1);
	if (failover)
		this_cpu_inc(sc->stats.pcpu->read_failovers);
	if (!lm ||
	    swarm_read_parts(sc, bio, lm, offset >> g->entry_shift, in_entry,
			     swarm_bio_entries(g, bio, in_entry), GFP_NOIO, &ps)) {
		io->lost = true;	/* -ENOENT: GFP_NOIO does not fail */
		this_cpu_inc(sc->stats.pcpu->lost_reads);
		bio->bi_status = BLK_STS_IOERR;
		bio_endio(bio);
	} else {
		swarm_parts_send(sc, &ps);
	}
	swarm_live_put(lm);
}

/* Take what @list (under sc->lock) holds, leaving it empty. */
static struct bio_list swarm_take_bios(struct swarm_c *sc,
				       struct bio_list *list)
{
	struct bio_list bios;

	spin_lock_irq(&sc->lock);
	bios = *list;
	bio_list_init(list);
	spin_unlock_irq(&sc->lock);
	return bios;
}

static void swarm_send_reads(struct swarm_c *sc)
{
	struct bio_list bios = swarm_take_bios(sc, &sc->failed_reads);
	struct bio *bio;

	while ((bio = bio_list_pop(&bios)))
		swarm_read_slow(sc, bio, true);
	bios = swarm_take_bios(sc, &sc->slow_reads);
	while ((bio = bio_list_pop(&bios)))
		swarm_read_slow(sc, bio, false);
}

/*
 * Flushes held while writes had made entries remembered lost whole: the
 * members are flushed and the superblocks record the list, then the
 * flushes go on. When that fails the entries are still recorded lost,
 * which a crash leaves as EIO, not as stale data.
 */
static void swarm_send_flushes(struct swarm_c *sc)
{
	struct bio_list bios = swarm_take_bios(sc, &sc->flushes);
	struct bio *bio;

	if (bio_list_empty(&bios))
		return;
	swarm_meta_sync_lost(sc);
	while ((bio = bio_list_pop(&bios))) {
		u32 dev = dm_bio_get_target_bio_nr(bio);

		if (unlikely(!swarm_health_write_ok(&sc->health, dev))) {
			bio_endio(bio);
			continue;
		}
		bio_set_dev(bio, sc->devs[dev].dm_dev->bdev);
		swarm_stats_account(&sc->stats, dev, bio);
		dm_submit_bio_remap(bio, NULL);
	}
}

/* Reads held by a plug flushed from schedule(). */
static void swarm_send_worker_held(struct swarm_c *sc)
{
	struct bio *list;

	spin_lock_irq(&sc->lock);
	list = bio_list_get(&sc->held);
	spin_unlock_irq(&sc->lock);
	if (list)
		swarm_send_held(sc, list, GFP_NOIO);
}

static void swarm_worker(struct work_struct *work)
{
	struct swarm_c *sc = container_of(work, struct swarm_c, worker);
	struct bio_list bios;
	struct bio *bio;

	swarm_send_reads(sc);
	swarm_send_worker_held(sc);
	swarm_send_flushes(sc);

	bios = swarm_take_bios(sc, &sc->deferred);

	while ((bio = bio_list_pop(&bios))) {
		if (unlikely(READ_ONCE(sc->meta_failed))) {
			bio_io_error(bio);
			continue;
		}
		if (!swarm_write_slow(sc, bio)) {
			/* The gate is closed: its opener kicks us again. */
			bio_list_add_head(&bios, bio);
			spin_lock_irq(&sc->lock);
			bio_list_merge_head(&sc->deferred, &bios);
			spin_unlock_irq(&sc->lock);
			break;
		}
	}
}

int swarm_io_init(struct swarm_c *sc)
{
	int r;

	spin_lock_init(&sc->lock);
	bio_list_init(&sc->deferred);
	bio_list_init(&sc->held);
	bio_list_init(&sc->failed_reads);
	bio_list_init(&sc->slow_reads);
	bio_list_init(&sc->flushes);
	sc->hold_off = jiffies;
	atomic64_set(&sc->hold_tally, 0);
	INIT_WORK(&sc->worker, swarm_worker);
	/* The worker holds up to SWARM_PARTS_OPEN parts while it waits. */
	r = bioset_init(&sc->bs, SWARM_PARTS_OPEN + BIO_POOL_SIZE,
			offsetof(struct swarm_clone, bio), BIOSET_NEED_BVECS);
	if (r)
		return r;
	r = bioset_init(&sc->gather_bs, BIO_POOL_SIZE,
			offsetof(struct swarm_gather, bio), BIOSET_NEED_BVECS);
	if (r)
		goto bad_bs;
	sc->scratch = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!sc->scratch) {
		r = -ENOMEM;
		goto bad_gather;
	}
	return 0;
bad_gather:
	bioset_exit(&sc->gather_bs);
bad_bs:
	bioset_exit(&sc->bs);
	return r;
}

void swarm_io_exit(struct swarm_c *sc)
{
	__free_page(sc->scratch);
	bioset_exit(&sc->gather_bs);
	bioset_exit(&sc->bs);
}
