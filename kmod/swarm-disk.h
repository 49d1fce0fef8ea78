/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: the on-disk format (see ON-DISK-FORMAT.md). Every member
 * carries, at its start:
 *
 *   sector 0    superblock copy 0 (4 KiB)
 *   sector 8    superblock copy 1 (4 KiB)
 *   sector 16   map area 0
 *   ...         map area 1
 *   data_start  entry slots, data_start + slot * entry_sectors
 *
 * A map area holds one slot record (__le64: entry + 1, 0 = free) for each
 * slot of this member, padded with zeros to 4 KiB (a "part"), then the
 * part of the previous member
 * (member i - 1, and member N - 1 for member 0): every record is on two
 * members, so one member's copy can be lost. A map of generation G lives
 * in area G % 2; a commit writes the other area, flushes, then writes the
 * superblocks with FUA.
 *
 * Pure code: builds in the kernel and in user space (swarmctl assemble).
 */
#ifndef DM_SWARM_DISK_H
#define DM_SWARM_DISK_H

#include "swarm-core.h"
#include "swarm-place.h"

#define SWARM_SB_MAGIC		0x4d525753U	/* "SWRM" little-endian */
/* 2: run_shift; 3: member health; 4: pending migration; 5: lost entries */
#define SWARM_SB_VERSION	5U
#define SWARM_SB_VERSION_HEALTH	3U
#define SWARM_SB_VERSION_PENDING	4U
#define SWARM_SB_VERSION_LOST	5U
#define SWARM_SB_BYTES		4096U
#define SWARM_SB_SECTORS	8U
#define SWARM_SB_COPIES		2U
#define SWARM_AREA0_SECTOR	(SWARM_SB_COPIES * SWARM_SB_SECTORS)
#define SWARM_DATA_ALIGN	2048U	/* data starts on a 1 MiB boundary */

/* struct swarm_disk_sb @flags */
#define SWARM_SB_HAS_DATA	1U	/* a write has reached the set */
#define SWARM_SB_FLAGS_ALL	SWARM_SB_HAS_DATA

/*
 * Entries remembered lost (version 5). A rebuild that meets an entry with
 * no copy on a member that is ok cannot make it whole: after it the
 * member is ok again and would return whatever its new device holds. So
 * the entry is remembered, until a write covers it whole again, as a
 * sorted list of ranges of entries in the superblock itself:
 *
 *  - the superblock is the one block every commit point writes already
 *    (two copies a member, FUA, the higher seq wins): the list goes to
 *    disk in the same write that records the rebuild's progress and, at
 *    the end, the member ok; a crash leaves the old list or the new one
 *    with the health it belongs to. Clearing it again is one superblock
 *    write, cheap enough for the next flush after a write (a bitmap of
 *    every entry would need room that sets formatted before it do not
 *    have, and a write of its own block at every flush).
 *  - lost entries come in ranges: the entries that had only a copy on
 *    the failed member are its striped runs and the single-copy part of
 *    its clusters, so the list stays short where a bitmap would be
 *    sparse.
 *
 * It is bounded: SWARM_LOST_MAX ranges fill the superblock's 4 KiB. A
 * rebuild whose lost entries do not fit fails (the member stays failed,
 * its lost entries keep failing as those of a failed member), and a
 * write that would split a range beyond the bound leaves it lost: an
 * entry is never read as data it does not hold.
 */
#define SWARM_LOST_MAX		200U

/**
 * struct swarm_ext - a range of entries.
 * @first: the first entry.
 * @count: entries, >= 1.
 */
struct swarm_ext {
	u64 first;
	u64 count;
};

/* struct swarm_ext on disk. */
struct swarm_disk_ext {
	__le64 first;
	__le64 count;
};

/**
 * struct swarm_disk_sb - the superblock, little-endian on disk.
 * @magic: SWARM_SB_MAGIC.
 * @version: SWARM_SB_VERSION.
 * @crc: crc32c of the SWARM_SB_BYTES block with this field zero.
 * @flags: SWARM_SB_*.
 * @uuid: the set's identity, random at format time.
 * @member: this member's index in the set.
 * @nr_members: members of the set.
 * @entry_sectors: entry size in 512-byte sectors.
 * @area_sectors: size of each map area.
 * @nr_entries: entries of the set (the target length / entry size).
 * @dev_slots: entry slots on every member.
 * @data_start: first sector of the slots.
 * @seq: bumped at every superblock write; the higher copy wins.
 * @generation: the committed map; 0 = no map, entries striped.
 * @nr_clusters: clusters of the committed map.
 * @max_copies: the table's max_copies feature, for swarmctl assemble.
 * @spare_pct: the table's spare feature.
 * @nr_copies: entry copies of the committed map.
 * @area_crc: crc32c of each member's part (its records, padded to 4 KiB)
 *	in the committed area.
 * @run_shift: log2 of the run of striped entries (version 2; version 1
 *	sets stripe entry by entry: 0).
 * @failed: members not trusted, bit i for member i (version 3): their
 *	copies are never read until a rebuild or clear_member.
 * @stale: failed members that missed writes (version 3).
 * @rebuild_dev: the member being rebuilt + 1, 0 = none (version 3).
 * @rebuild_next: the entries below it are rebuilt (version 3).
 * @min_copies: the table's min_copies feature, 0 or 1 = one copy: every
 *	committed map gives every entry that many copies on distinct
 *	members, and a table must give the same value. Older modules
 *	ignore it (they read the map records as they are).
 * @pending_clusters: clusters of the pending map (version 4).
 * @pending_generation: a migration to this map generation, the committed
 *	one + 1, runs; 0 = none (version 4). Its records are in area
 *	@pending_generation % 2, the one the committed map does not use.
 * @pending_copied: the entries below it have their new copies, durable
 *	(version 4).
 * @pending_copies: entry copies of the pending map (version 4).
 * @pending_crc: crc32c of each member's part in the pending area
 *	(version 4).
 *
 * @nr_lost: extents in @lost (version 5), 0..SWARM_LOST_MAX.
 * @lost_pad: zero.
 * @new_members: failed members that are new devices, not yet rebuilt
 *	(version 5), a subset of @failed: their rebuild remembers the
 *	entries with no copy elsewhere as lost, since the device does not
 *	hold them (the same device back does: writes to such entries fail
 *	while it is failed).
 * @lost: the entries remembered lost (version 5): sorted, disjoint,
 *	non-adjacent ranges of entries a rebuild found with no copy left;
 *	their reads fail until they are written whole again.
 *
 * A superblock is written as version 3 only when one of the version 3
 * fields is set, so that a module that does not know them refuses a
 * degraded set instead of trusting its stale copies, and still reads a
 * healthy one; as version 4 only while a migration is pending, so that
 * an older module does not write to entries whose new copies it would
 * leave stale; as version 5 only while entries are remembered lost or a
 * new device is rebuilt, so that an older module refuses the set rather
 * than read their slots.
 */
struct swarm_disk_sb {
	__le32 magic;
	__le32 version;
	__le32 crc;
	__le32 flags;
	u8 uuid[16];
	__le32 member;
	__le32 nr_members;
	__le32 entry_sectors;
	__le32 area_sectors;
	__le64 nr_entries;
	__le64 dev_slots;
	__le64 data_start;
	__le64 seq;
	__le64 generation;
	__le32 nr_clusters;
	__le16 max_copies;
	__le16 spare_pct;
	__le64 nr_copies;
	__le32 area_crc[SWARM_MAX_DEVS];
	__le32 run_shift;
	__le32 rebuild_dev;
	__le64 failed;
	__le64 stale;
	__le64 rebuild_next;
	__le32 min_copies;
	__le32 pending_clusters;
	__le64 pending_generation;
	__le64 pending_copied;
	__le64 pending_copies;
	__le32 pending_crc[SWARM_MAX_DEVS];
	__le32 nr_lost;
	__le32 lost_pad;
	__le64 new_members;
	struct swarm_disk_ext lost[SWARM_LOST_MAX];
};

/**
 * struct swarm_sb - a superblock in CPU order.
 * Fields as in struct swarm_disk_sb, but for the lost extents themselves
 * (kept out of it: it is copied on the stack), which
 * swarm_sb_encode_lost() and swarm_sb_lost() write and read.
 * @lost_entries: entries in the lost extents (decoded, not on disk).
 */
struct swarm_sb {
	u32 version;
	u32 flags;
	u8 uuid[16];
	u32 member;
	u32 nr_members;
	u32 entry_sectors;
	u32 area_sectors;
	u64 nr_entries;
	u64 dev_slots;
	u64 data_start;
	u64 seq;
	u64 generation;
	u32 nr_clusters;
	u32 max_copies;
	u32 spare_pct;
	u64 nr_copies;
	u32 area_crc[SWARM_MAX_DEVS];
	u32 run_shift;
	u32 rebuild_dev;
	u64 failed;
	u64 stale;
	u64 rebuild_next;
	u32 min_copies;
	u32 pending_clusters;
	u64 pending_generation;
	u64 pending_copied;
	u64 pending_copies;
	u32 pending_crc[SWARM_MAX_DEVS];
	u32 nr_lost;
	u64 new_members;
	u64 lost_entries;
};

/* Does @sb need version 3 (member health)? */
static inline bool swarm_sb_has_health(const struct swarm_sb *sb)
{
	return sb->failed || sb->stale || sb->rebuild_dev;
}

/* What a member's first superblock block holds. */
enum swarm_sb_kind {
	SWARM_SB_BLANK,		/* all zeros: never used */
	SWARM_SB_FOREIGN,	/* something else's data */
	SWARM_SB_VALID,		/* a swarm superblock */
	SWARM_SB_CORRUPT,	/* swarm magic, bad checksum or fields */
	SWARM_SB_NEWER,		/* swarm magic, a version we do not know */
};

u32 swarm_crc32c(const void *buf, size_t len);
void swarm_sb_encode(const struct swarm_sb *sb, void *block);
void swarm_sb_encode_lost(const struct swarm_sb *sb,
			  const struct swarm_ext *lost, void *block);
u32 swarm_sb_lost(const void *block, struct swarm_ext *lost);
u32 swarm_sb_lost_of(const void *blocks, u64 seq, struct swarm_ext *lost);
int swarm_ext_add(struct swarm_ext *ext, u32 *nr, u32 max, u64 first,
		  u64 count);
int swarm_ext_clear(struct swarm_ext *ext, u32 *nr, u32 max, u64 first,
		    u64 count);
bool swarm_ext_any(const struct swarm_ext *ext, u32 nr, u64 first, u64 count);
u32 swarm_ext_find(const struct swarm_ext *ext, u32 nr, u64 e);
bool swarm_ext_valid(const struct swarm_ext *ext, u32 nr, u64 limit);
enum swarm_sb_kind swarm_sb_decode(const void *block, struct swarm_sb *sb);
enum swarm_sb_kind swarm_sb_pick(const void *blocks, struct swarm_sb *sb);
void swarm_disk_layout(struct swarm_geom *g, u32 *area_sectors);
int swarm_placement_to_records(const struct swarm_geom *g,
			       const struct swarm_placement *m, u32 dev,
			       __le64 *rec);
int swarm_placement_from_records(const struct swarm_geom *g,
				 __le64 *const *rec, struct swarm_placement *m,
				 char **error);

/* Sector of map area @area (0 or 1). */
static inline u64 swarm_area_sector(u32 area_sectors, u32 area)
{
	return SWARM_AREA0_SECTOR + (u64)area * area_sectors;
}

/* Bytes of one member's records: one __le64 per slot. */
static inline u64 swarm_records_bytes(u64 dev_slots)
{
	return dev_slots * sizeof(__le64);
}

/*
 * A map area holds two parts, each the records of one member padded to
 * 4 KiB: this member's, then its predecessor's. Checksums cover a part.
 */
static inline u64 swarm_part_bytes(u64 dev_slots)
{
	return round_up(swarm_records_bytes(dev_slots), (u64)SWARM_SB_BYTES);
}

#endif /* DM_SWARM_DISK_H */
