/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-swarm: cluster maps and their placement. An uploaded cluster map
 * (struct swarm_upload: clusters, their members and co-activation
 * weights) is validated and placed (swarm-place.c) into a placement,
 * struct swarm_placement: where every copy of every entry lives.
 *
 * Pure code: builds in the kernel and in user space.
 */
#ifndef DM_SWARM_PLACE_H
#define DM_SWARM_PLACE_H

#include "swarm-core.h"

/**
 * struct swarm_cluster - one cluster of an upload.
 * @id: id, unique, < number of clusters.
 * @nr_members: members, > 0.
 * @medoid: the medoid entry, one of the members.
 * @frequency: activation count in the profile.
 * @first: index of the first member in the upload's member array.
 */
struct swarm_cluster {
	u32 id;
	u32 nr_members;
	u64 medoid;
	u64 frequency;
	u64 first;
};

/**
 * struct swarm_weight - co-activation weight of two clusters.
 * @a: cluster id.
 * @b: cluster id, != @a.
 * @weight: larger = read together more often.
 */
struct swarm_weight {
	u32 a;
	u32 b;
	u64 weight;
};

/**
 * struct swarm_upload - a complete cluster map as user space gave it.
 * @nr_clusters: number of clusters.
 * @clusters: the clusters, in the order given.
 * @nr_members: total number of members.
 * @members: the members of each cluster in turn.
 * @nr_weights: number of weights.
 * @weights: the weights.
 */
struct swarm_upload {
	u32 nr_clusters;
	struct swarm_cluster *clusters;
	u64 nr_members;
	u64 *members;
	u32 nr_weights;
	struct swarm_weight *weights;
};

enum swarm_policy {
	SWARM_PLACE_ROUNDROBIN = 0,	/* the paper's Eq. 7 */
	SWARM_PLACE_COACTIVATION = 1,	/* anti-affinity + capacity balance */
	SWARM_PLACE_NOBALANCE = 2,	/* ablation: every cluster on member 0 */
};

/**
 * struct swarm_place_params - how to place a map.
 * @policy: enum swarm_policy.
 * @max_copies: copies an entry may have, 1..SWARM_MAX_COPIES.
 * @min_copies: copies every entry has, on distinct members (0 = 1), at
 *	most @max_copies and the number of members.
 * @spare_pct: per cent of the capacity that replicas must leave free.
 * @base_slots: slots per member that @spare_pct is counted on, when the
 *	map is placed in fewer (beside a live map); 0: the geometry's.
 * @live_up: swarm_place_stable(): the live map's cluster map, NULL when
 *	not known (after a reload the target has the placement only).
 */
struct swarm_place_params {
	u32 policy;
	u32 max_copies;
	u32 spare_pct;
	u64 base_slots;
	u32 min_copies;
	const struct swarm_upload *live_up;
};

/*
 * A copy is encoded in 64 bits: member in bits 56..62, slot in bits 0..55.
 * An entry word with bit 63 set instead points to a run of copies in
 * swarm_placement.extra: count in bits 48..55, index in bits 0..47.
 */
#define SWARM_LOC_MULTI		BIT_ULL(63)
#define SWARM_LOC_DEV_SHIFT	56
#define SWARM_LOC_SLOT_MASK	((1ULL << 56) - 1)
#define SWARM_LOC_CNT_SHIFT	48
#define SWARM_LOC_IDX_MASK	((1ULL << 48) - 1)

/**
 * struct swarm_placement - a placed map: every copy of every entry.
 * @nr_entries: entries of the device.
 * @nr_clusters: clusters of the upload.
 * @nr_copies: copies of all entries together.
 * @nr_multi: entries with more than one copy.
 * @nr_extra: words used in @extra.
 * @loc: per entry, one copy or a reference into @extra.
 * @extra: copy runs of the entries that have several.
 * @dev_used: slots used on each member.
 * @nr_moved: entries with a copy not in the live map it was placed over
 *	(swarm_place_stable(), swarm_place_beside()): a migration copies them.
 * @nr_new: copies not in that live map.
 */
struct swarm_placement {
	u64 nr_entries;
	u32 nr_clusters;
	u64 nr_copies;
	u64 nr_multi;
	u64 nr_extra;
	u64 *loc;
	u64 *extra;
	u64 dev_used[SWARM_MAX_DEVS];
	u64 nr_moved;
	u64 nr_new;
};

static inline u64 swarm_loc_encode(u32 dev, u64 slot)
{
	return ((u64)dev << SWARM_LOC_DEV_SHIFT) | slot;
}

static inline struct swarm_loc swarm_loc_decode(u64 w)
{
	struct swarm_loc l = {
		.dev = (u32)(w >> SWARM_LOC_DEV_SHIFT) & 0x7f,
		.slot = w & SWARM_LOC_SLOT_MASK,
	};

	return l;
}

/**
 * swarm_placement_copies() - the copies of an entry.
 * @m: the map.
 * @entry: entry, < @m->nr_entries.
 * @copies: set to the first encoded copy.
 *
 * Return: the number of copies, >= 1.
 */
static inline u32 swarm_placement_copies(const struct swarm_placement *m,
					 u64 entry, const u64 **copies)
{
	const u64 *w = &m->loc[entry];

	if (!(*w & SWARM_LOC_MULTI)) {
		*copies = w;
		return 1;
	}
	*copies = &m->extra[*w & SWARM_LOC_IDX_MASK];
	return (u32)(*w >> SWARM_LOC_CNT_SHIFT) & 0xff;
}

static inline u64 swarm_placement_bytes(const struct swarm_placement *m)
{
	return sizeof(*m) + (m->nr_entries + m->nr_extra) * sizeof(u64);
}

int swarm_upload_validate(const struct swarm_upload *u, u64 nr_entries,
			  char **error);
int swarm_place(const struct swarm_geom *g, const struct swarm_upload *u,
		const struct swarm_place_params *p, struct swarm_placement *m,
		char **error);
int swarm_place_beside(const struct swarm_geom *g, const struct swarm_placement *old,
		       const struct swarm_upload *u,
		       const struct swarm_place_params *p, struct swarm_placement *m,
		       char **error);
int swarm_place_stable(const struct swarm_geom *g, const struct swarm_placement *old,
		       const struct swarm_upload *u,
		       const struct swarm_place_params *p, struct swarm_placement *m,
		       char **error);
int swarm_place_default(const struct swarm_geom *g, u32 min_copies,
			struct swarm_placement *m, char **error);
int swarm_upload_merge(const struct swarm_upload *base,
		       const struct swarm_upload *d, struct swarm_upload *out,
		       char **error);
void swarm_upload_free(struct swarm_upload *u);
void swarm_placement_free(struct swarm_placement *m);

#endif /* DM_SWARM_PLACE_H */
