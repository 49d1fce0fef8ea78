// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: the health of the members (see swarm-health.h).
 *
 * The I/O path reports every error a member returns with
 * swarm_health_io_error(), from end_io (any context); reads and writes
 * ask swarm_health_failed() which members to leave out (one atomic read).
 */
#include <linux/blkdev.h>
#include <linux/device-mapper.h>

#include "swarm-health.h"

#define DM_MSG_PREFIX "swarm"

static void swarm_health_event(struct work_struct *work)
{
	struct swarm_health *h = container_of(work, struct swarm_health, event);
	struct bio_list done = BIO_EMPTY_LIST;
	blk_status_t st = BLK_STS_OK;
	struct bio *bio;
	int r = 0;

	if (h->changed)
		r = h->changed(h);
	spin_lock_irq(&h->lock);
	/* A failure newer than the record queued us again. */
	if (r || !(swarm_health_failed(h) & ~(u64)atomic64_read(&h->recorded))) {
		bio_list_merge(&done, &h->held);
		bio_list_init(&h->held);
	}
	spin_unlock_irq(&h->lock);
	if (r)
		st = BLK_STS_IOERR;	/* no superblock left to write */
	while ((bio = bio_list_pop(&done))) {
		bio->bi_status = st;
		bio_endio(bio);
	}
	dm_table_event(h->ti->table);
}

/**
 * swarm_health_hold() - hold a write until the failures are recorded.
 * @h: the health.
 * @bio: a write that left out a copy on a failed member, done.
 *
 * Any context.
 *
 * Return: true if @bio is held (the event work completes it), false if
 * every failed member is recorded already.
 */
bool swarm_health_hold(struct swarm_health *h, struct bio *bio)
{
	unsigned long flags;
	bool hold;

	spin_lock_irqsave(&h->lock, flags);
	hold = swarm_health_failed(h) & ~(u64)atomic64_read(&h->recorded);
	if (hold)
		bio_list_add(&h->held, bio);
	spin_unlock_irqrestore(&h->lock, flags);
	if (hold)
		swarm_health_changed(h);
	return hold;
}

/* The health changed: record it and raise an event. Any context. */
void swarm_health_changed(struct swarm_health *h)
{
	schedule_work(&h->event);
}

/**
 * swarm_health_set() - the health the superblocks recorded.
 * @h: the health.
 * @failed: failed members.
 * @stale: failed members that missed writes.
 * @rebuilding: failed members being rebuilt.
 *
 * Before the first resume, when no I/O runs.
 */
void swarm_health_set(struct swarm_health *h, u64 failed, u64 stale,
		      u64 rebuilding)
{
	atomic64_set(&h->failed, failed);
	atomic64_set(&h->stale, stale);
	atomic64_set(&h->rebuilding, rebuilding);
	atomic64_set(&h->recorded, failed);
}

void swarm_health_init(struct swarm_health *h, struct dm_target *ti,
		       const char *name, u32 nr_devs)
{
	u32 i;

	atomic64_set(&h->failed, 0);
	atomic64_set(&h->stale, 0);
	atomic64_set(&h->rebuilding, 0);
	atomic64_set(&h->recorded, 0);
	spin_lock_init(&h->lock);
	bio_list_init(&h->held);
	h->changed = NULL;
	for (i = 0; i < SWARM_MAX_DEVS; i++)
		atomic_set(&h->errors[i], 0);
	h->nr_devs = nr_devs;
	h->name = name;
	h->ti = ti;
	INIT_WORK(&h->event, swarm_health_event);
}

/* No event is pending or running after this. */
void swarm_health_exit(struct swarm_health *h)
{
	cancel_work_sync(&h->event);
}

/**
 * swarm_health_fail() - mark a member failed.
 * @h: the health.
 * @dev: the member.
 * @err: the errno that failed it, 0 for an operator's message.
 *
 * Any context. The mark is fully ordered: a caller that then finds
 * another member ok (swarm_health_any_ok()) and a second caller that
 * fails that member and looks at @dev cannot both miss each other's
 * failure.
 *
 * Return: true if the member was ok before.
 */
bool swarm_health_fail(struct swarm_health *h, u32 dev, int err)
{
	u64 bit = BIT_ULL(dev);

	if (atomic64_fetch_or(bit, &h->failed) & bit)
		return false;
	if (err)
		DMERR("%s: member %u failed (error %d); reads go to other copies",
		      h->name, dev, err);
	else
		DMWARN("%s: member %u failed by message", h->name, dev);
	swarm_health_changed(h);
	return true;
}

/**
 * swarm_health_io_error() - a member returned an error.
 * @h: the health.
 * @dev: the member.
 * @st: the status of a read or write it completed (not a readahead).
 *
 * Any context, never sleeps.
 *
 * Return: true if @st fails members (swarm_status_fails_member()): the
 * member is failed now.
 */
bool swarm_health_io_error(struct swarm_health *h, u32 dev, blk_status_t st)
{
	if (!swarm_status_fails_member(st))
		return false;
	atomic_inc(&h->errors[dev]);
	/* A member being rebuilt that fails again is not rebuilt. */
	if (atomic64_fetch_andnot(BIT_ULL(dev), &h->rebuilding) & BIT_ULL(dev))
		DMERR("%s: member %u failed again while rebuilt (error %d)",
		      h->name, dev, blk_status_to_errno(st));
	swarm_health_fail(h, dev, blk_status_to_errno(st));
	return true;
}

/**
 * swarm_health_clear() - trust a failed member again.
 * @h: the health.
 * @dev: the member.
 * @force: even though it missed writes (its copies of them are stale).
 *
 * Return: 0, or -EBUSY for a stale member without @force or a member
 * being rebuilt.
 */
int swarm_health_clear(struct swarm_health *h, u32 dev, bool force)
{
	u64 bit = BIT_ULL(dev);

	if (!(swarm_health_failed(h) & bit))
		return 0;
	if (atomic64_read(&h->rebuilding) & bit) {
		DMWARN("%s: member %u is being rebuilt", h->name, dev);
		return -EBUSY;
	}
	if ((atomic64_read(&h->stale) & bit) && !force) {
		DMWARN("%s: member %u missed writes while failed (clear_member %u force)",
		       h->name, dev, dev);
		return -EBUSY;
	}
	atomic64_andnot(bit, &h->stale);
	atomic_set(&h->errors[dev], 0);
	atomic64_andnot(bit, &h->failed);
	DMINFO("%s: member %u cleared%s", h->name, dev,
	       force ? " (forced: copies may be stale)" : "");
	swarm_health_changed(h);
	return 0;
}
