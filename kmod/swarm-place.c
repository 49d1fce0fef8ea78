// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: validation and placement of cluster maps. Pure code, shared
 * with the user-space tests and simulator.
 *
 * Placement runs in three named steps:
 *
 *  1. grant_copies: every clustered entry gets one copy; an entry in k
 *     clusters may get up to min(k, max_copies) copies while the
 *     replication budget lasts (the capacity left after one copy of every
 *     entry, less the spare reserve). Clusters are visited from the most
 *     to the least frequently activated, so over budget the hot clusters'
 *     copies win.
 *  2. lay_out_clusters: each cluster's granted copies are laid out
 *     cyclically across the members, in consecutive slots per member.
 *     ROUNDROBIN is the paper's Eq. 7: a global pointer p, cluster i
 *     starts on member p mod N, then p += |C_i|. COACTIVATION visits hot
 *     clusters first and picks the start member so that the members
 *     holding one copy more than the others (|C| mod N of them) overlap
 *     least with those of already placed clusters it is read with
 *     (weighted by co-activation), then fill the least used members; and
 *     it never puts two copies of an entry on one member.
 *  3. stripe_the_rest: entries in no cluster are striped in id order over
 *     the free slots, as without a map.
 *  4. top_up: with min_copies m > 1 (redundancy on demand), every entry
 *     has m copies on distinct members: an entry in fewer than m clusters
 *     gets the missing ones on the members after its last copy, and an
 *     entry in no cluster has copy k of its run on the member k after the
 *     run's (step 3). The replicas of co-activated entries come on top,
 *     from the budget left after m copies of every entry.
 */
#include "swarm-place.h"

/* Check cluster @i's members; @last marks the cluster each entry was seen in. */
static int check_members(const struct swarm_upload *u, u32 i, u64 nr_entries,
			 u32 *last, char **error)
{
	const struct swarm_cluster *c = &u->clusters[i];
	bool has_medoid = false;
	u64 k;

	for (k = c->first; k < c->first + c->nr_members; k++) {
		u64 e = u->members[k];

		if (e >= nr_entries) {
			*error = "Entry out of range";
			return -ERANGE;
		}
		if (last[e] == i + 1) {
			*error = "Entry twice in one cluster";
			return -EEXIST;
		}
		last[e] = i + 1;
		has_medoid |= e == c->medoid;
	}
	if (!has_medoid) {
		*error = "Medoid is not a member of its cluster";
		return -EINVAL;
	}
	return 0;
}

/* Check cluster @i's id and its place in the member array (@next). */
static int check_cluster(const struct swarm_upload *u, u32 i, u64 next,
			 u8 *seen, char **error)
{
	const struct swarm_cluster *c = &u->clusters[i];

	if (c->id >= u->nr_clusters) {
		*error = "Cluster id out of range";
		return -ERANGE;
	}
	if (seen[c->id]) {
		*error = "Duplicate cluster id";
		return -EEXIST;
	}
	seen[c->id] = 1;
	if (!c->nr_members) {
		*error = "Empty cluster";
		return -EINVAL;
	}
	if (c->first != next || c->nr_members > u->nr_members - next) {
		*error = "Member counts disagree";
		return -EINVAL;
	}
	return 0;
}

static int check_weights(const struct swarm_upload *u, char **error)
{
	u32 i;

	for (i = 0; i < u->nr_weights; i++) {
		const struct swarm_weight *w = &u->weights[i];

		if (w->a >= u->nr_clusters || w->b >= u->nr_clusters) {
			*error = "Weight names an unknown cluster";
			return -ERANGE;
		}
		if (w->a == w->b) {
			*error = "Weight of a cluster with itself";
			return -EINVAL;
		}
	}
	return 0;
}

int swarm_upload_validate(const struct swarm_upload *u, u64 nr_entries,
			  char **error)
{
	u32 *last = NULL;
	u8 *seen = NULL;
	u64 next = 0;
	u32 i;
	int r = 0;

	if (!u->nr_clusters) {
		*error = "No clusters";
		return -EINVAL;
	}
	last = swarm_zalloc(nr_entries, sizeof(*last));
	seen = swarm_zalloc(u->nr_clusters, sizeof(*seen));
	if (!last || !seen) {
		*error = "Out of memory";
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < u->nr_clusters && !r; i++) {
		r = check_cluster(u, i, next, seen, error);
		if (!r)
			r = check_members(u, i, nr_entries, last, error);
		next += u->clusters[i].nr_members;
	}
	if (!r && next != u->nr_members) {
		*error = "Member counts disagree";
		r = -EINVAL;
	}
	if (!r)
		r = check_weights(u, error);
out:
	swarm_free(last);
	swarm_free(seen);
	return r;
}

struct place_order {
	u64 frequency;
	u32 id;
	u32 idx;
};

/* Hot clusters first; equal frequencies in id order. */
static int cmp_hot_first(const void *a, const void *b)
{
	const struct place_order *x = a, *y = b;

	if (x->frequency != y->frequency)
		return x->frequency > y->frequency ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_by_id(const void *a, const void *b)
{
	const struct place_order *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct place_state {
	const struct swarm_geom *g;
	const struct swarm_upload *u;
	const struct swarm_place_params *p;
	struct swarm_placement *m;
	u8 *want;		/* per entry: copies granted */
	u8 *in_cluster;		/* per entry: in a cluster of the upload */
	u32 minc;		/* copies every entry gets, >= 1 */
	u8 *granted;		/* per membership: gets a copy of its own */
	struct place_order *order;
	u64 *extra_mask;	/* per cluster index: members with one more copy */
	u8 *placed;		/* per cluster index */
	u64 *adj_first;		/* weights as adjacency lists, by cluster index */
	u32 *adj_to;
	u64 *adj_w;
	u32 *id_to_idx;
	u64 *next;		/* next free slot of each member (heap: stack) */
	u64 ptr;			/* the global pointer p of Eq. 7 */
	bool full;			/* a copy found no free slot */
};

static void grant_copies(struct place_state *s)
{
	const struct swarm_upload *u = s->u;
	u64 cap = (u64)s->g->nr_devs * s->g->dev_slots, base, avail, budget, e;
	u32 i, rem;

	/*
	 * avail = base - base * spare / 100, without overflowing, where base
	 * is the whole device even when the map is placed in part of it.
	 */
	base = s->p->base_slots ? (u64)s->g->nr_devs * s->p->base_slots : cap;
	avail = div_u64_rem(base, 100, &rem);
	avail = base - avail * s->p->spare_pct - rem * s->p->spare_pct / 100;
	avail = min_t(u64, avail, cap);
	base = s->g->nr_entries * s->minc;
	budget = avail > base ? avail - base : 0;

	for (i = 0; i < u->nr_clusters; i++) {
		const struct swarm_cluster *c = &u->clusters[s->order[i].idx];
		u64 k;

		for (k = c->first; k < c->first + c->nr_members; k++) {
			u64 e = u->members[k];

			if (!s->want[e]) {
				s->want[e] = 1;
				s->in_cluster[e] = 1;
				s->granted[k] = 1;
			} else if (s->want[e] < s->p->max_copies &&
				   (s->want[e] < s->minc || budget)) {
				/* Copies up to min_copies are paid for. */
				if (s->want[e] >= s->minc)
					budget--;
				s->want[e]++;
				s->granted[k] = 1;
			}
		}
	}
	for (e = 0; e < s->g->nr_entries; e++)
		s->want[e] = max_t(u8, s->want[e], s->minc);
}

/* Reserve a run in m->extra for every entry granted several copies. */
static int reserve_runs(struct place_state *s)
{
	struct swarm_placement *m = s->m;
	u64 e, idx = 0;

	for (e = 0; e < m->nr_entries; e++)
		if (s->want[e] > 1)
			idx += s->want[e];
	m->nr_extra = idx;
	if (idx) {
		m->extra = swarm_zalloc(idx, sizeof(u64));
		if (!m->extra)
			return -ENOMEM;
	}
	idx = 0;
	for (e = 0; e < m->nr_entries; e++) {
		if (s->want[e] > 1) {
			m->loc[e] = SWARM_LOC_MULTI | idx;
			idx += s->want[e];
		}
	}
	return 0;
}

static bool has_copy_on(const struct place_state *s, u64 e, u32 dev)
{
	const u64 *c;
	u32 n, i;

	if (s->want[e] <= 1)
		return false;	/* single copies are placed once */
	c = &s->m->extra[s->m->loc[e] & SWARM_LOC_IDX_MASK];
	n = (u32)(s->m->loc[e] >> SWARM_LOC_CNT_SHIFT) & 0xff;
	for (i = 0; i < n; i++)
		if (swarm_loc_decode(c[i]).dev == dev)
			return true;
	return false;
}

/* The first member from @dev on, cyclically, that has a free slot. */
static u32 member_with_room(const struct place_state *s, u32 dev)
{
	u32 i, n = s->g->nr_devs;

	for (i = 0; i < n; i++, dev = dev + 1 == n ? 0 : dev + 1)
		if (s->next[dev] < s->g->dev_slots)
			return dev;
	return U32_MAX;	/* add_copy() refuses it */
}

/*
 * The first member from @dev on, cyclically, that has a free slot and no
 * copy of @e yet.
 */
static u32 member_for(const struct place_state *s, u64 e, u32 dev)
{
	u32 i, n = s->g->nr_devs;

	dev %= n;
	for (i = 0; i < n; i++, dev = dev + 1 == n ? 0 : dev + 1)
		if (s->next[dev] < s->g->dev_slots && !has_copy_on(s, e, dev))
			return dev;
	return U32_MAX;	/* add_copy() refuses it */
}

/* Copies of @e placed so far. */
static u32 nr_placed(const struct place_state *s, u64 e)
{
	if (s->want[e] <= 1)
		return 0;	/* only called for entries that want several */
	return (u32)(s->m->loc[e] >> SWARM_LOC_CNT_SHIFT) & 0xff;
}

static void add_copy(struct place_state *s, u64 e, u32 dev)
{
	struct swarm_placement *m = s->m;
	u64 w;

	/* The budget leaves room for every copy; never write past it. */
	if (dev >= s->g->nr_devs) {
		s->full = true;
		return;
	}
	w = swarm_loc_encode(dev, s->next[dev]++);

	m->nr_copies++;
	if (s->want[e] <= 1) {
		m->loc[e] = w;
		return;
	}
	m->extra[(m->loc[e] & SWARM_LOC_IDX_MASK) +
		 ((m->loc[e] >> SWARM_LOC_CNT_SHIFT) & 0xff)] = w;
	m->loc[e] += 1ULL << SWARM_LOC_CNT_SHIFT;
}

/* Members @start .. @start + @r - 1, cyclically, as a bit mask. */
static u64 run_mask(u32 start, u32 r, u32 n)
{
	u64 mask = 0;
	u32 i;

	for (i = 0; i < r; i++)
		mask |= 1ULL << ((start + i) % n);
	return mask;
}

#define SWARM_WEIGHT_CAP	BIT_ULL(40)

static u32 pick_start(struct place_state *s, u32 idx, u64 granted)
{
	u32 n = s->g->nr_devs, r, base, start, best = 0;
	u64 best_overlap = U64_MAX, best_fill = U64_MAX;

	div_u64_rem(granted, n, &r);
	div_u64_rem(s->ptr, n, &base);

	for (start = 0; start < n; start++) {
		u32 st = (base + start) % n;
		u64 mask = run_mask(st, r, n), overlap = 0, fill = 0, k;
		u32 d;

		for (k = s->adj_first[idx]; k < s->adj_first[idx + 1]; k++)
			if (s->placed[s->adj_to[k]])	/* capped: no overflow */
				overlap += min_t(u64, s->adj_w[k], SWARM_WEIGHT_CAP) *
					hweight64(mask & s->extra_mask[s->adj_to[k]]);
		for (d = 0; d < n; d++)
			if (mask & (1ULL << d))
				fill += s->next[d];
		if (overlap < best_overlap ||
		    (overlap == best_overlap && fill < best_fill)) {
			best_overlap = overlap;
			best_fill = fill;
			best = st;
		}
	}
	s->extra_mask[idx] = run_mask(best, r, n);
	return best;
}

static void lay_out_roundrobin(struct place_state *s,
			       const struct swarm_cluster *c)
{
	u32 n = s->g->nr_devs, dev, d;
	u64 k, placed = 0;

	/* The "No Balance" ablation starts every cluster on member 0. */
	if (s->p->policy == SWARM_PLACE_NOBALANCE)
		dev = 0;
	else
		div_u64_rem(s->ptr, n, &dev);
	for (k = c->first; k < c->first + c->nr_members; k++) {
		u64 e = s->u->members[k];

		if (!s->granted[k])
			continue;
		/*
		 * min_copies promises distinct members, Eq. 7 does not: with
		 * it, a replica no member can take without a second copy of
		 * the entry is dropped (as lay_out_coactivation() does).
		 */
		if (s->minc > 1) {
			d = member_for(s, e, dev);
			if (d == U32_MAX && nr_placed(s, e))
				continue;
		} else {
			d = member_with_room(s, dev);
		}
		add_copy(s, e, d);
		dev = dev + 1 == n ? 0 : dev + 1;
		placed++;
	}
	s->ptr += placed;
}

#define SWARM_SWAP_WINDOW 64

static void lay_out_coactivation(struct place_state *s, u32 idx,
				 const struct swarm_cluster *c)
{
	const u64 *mem = s->u->members;
	u32 n = s->g->nr_devs, dev;
	u64 k, granted = 0, placed = 0;

	for (k = c->first; k < c->first + c->nr_members; k++)
		granted += s->granted[k];
	dev = pick_start(s, idx, granted);

	/*
	 * Walk the members; each granted one goes to the next member device.
	 * If its entry already has a copy there, take a later one that does
	 * not (within a window), else drop that copy.
	 */
	for (k = c->first; k < c->first + c->nr_members; k++) {
		u64 j, end = c->first + c->nr_members;
		u32 d;

		if (!s->granted[k])
			continue;
		d = member_with_room(s, dev);
		if (has_copy_on(s, mem[k], d)) {
			for (j = k + 1; j < end && j < k + SWARM_SWAP_WINDOW; j++)
				if (s->granted[j] && !has_copy_on(s, mem[j], d))
					break;
			if (j < end && j < k + SWARM_SWAP_WINDOW) {
				/* Place j now, and k when its turn comes again. */
				s->granted[j] = 0;
				add_copy(s, mem[j], d);
				placed++;
				dev = d + 1 == n ? 0 : d + 1;
				k--;	/* retry k on the next member */
				continue;
			}
			s->granted[k] = 0;	/* every candidate has a copy here */
			continue;
		}
		add_copy(s, mem[k], d);
		placed++;
		dev = d + 1 == n ? 0 : d + 1;
	}
	s->ptr += placed;
	s->placed[idx] = 1;
}

static void lay_out_clusters(struct place_state *s)
{
	u32 i;

	if (s->p->policy != SWARM_PLACE_COACTIVATION)
		sort(s->order, s->u->nr_clusters, sizeof(*s->order),
		     cmp_by_id, NULL);
	for (i = 0; i < s->u->nr_clusters; i++) {
		u32 idx = s->order[i].idx;
		const struct swarm_cluster *c = &s->u->clusters[idx];

		if (s->p->policy != SWARM_PLACE_COACTIVATION)
			lay_out_roundrobin(s, c);
		else
			lay_out_coactivation(s, idx, c);
	}
}

/*
 * Entries in no cluster are striped in runs, as without a map: a run of
 * 2^run_shift of them in consecutive slots of one member, then the next
 * member, so that large I/O of them reaches each member as large requests.
 */
static void stripe_the_rest(struct place_state *s)
{
	u32 n = s->g->nr_devs, dev = 0, k;
	u64 e, in_run = 0, run = 1ULL << s->g->run_shift;

	for (e = 0; e < s->m->nr_entries; e++) {
		if (s->in_cluster[e])
			continue;
		if (in_run == run) {
			dev = dev + 1 == n ? 0 : dev + 1;
			in_run = 0;
		}
		dev = member_with_room(s, dev);
		add_copy(s, e, dev);
		/* min_copies: copy k of the run on the member k after it. */
		for (k = 1; k < s->want[e] && dev < n; k++)
			add_copy(s, e, member_for(s, e, dev + k));
		in_run++;
	}
}

/*
 * min_copies: a clustered entry with fewer copies gets the missing ones
 * on the members after its last copy (consecutive members of a cluster
 * hold its consecutive members, so their extra copies spread too).
 */
static void top_up(struct place_state *s)
{
	const struct swarm_upload *u = s->u;
	u32 i, got;
	u64 k;

	if (s->minc <= 1)
		return;
	for (i = 0; i < u->nr_clusters; i++) {
		const struct swarm_cluster *c = &u->clusters[s->order[i].idx];

		for (k = c->first; k < c->first + c->nr_members; k++) {
			u64 e = u->members[k];

			while ((got = nr_placed(s, e)) < s->minc && !s->full) {
				const u64 *w = &s->m->extra[s->m->loc[e] &
							    SWARM_LOC_IDX_MASK];
				u32 last = got ? swarm_loc_decode(w[got - 1]).dev : 0;

				add_copy(s, e, member_for(s, e, last + 1));
			}
		}
	}
}

static int build_adjacency(struct place_state *s)
{
	const struct swarm_upload *u = s->u;
	u32 i, nc = u->nr_clusters;
	u64 *fill;

	s->adj_first = swarm_zalloc((u64)nc + 1, sizeof(u64));
	s->adj_to = swarm_zalloc(2 * (u64)u->nr_weights + 1, sizeof(u32));
	s->adj_w = swarm_zalloc(2 * (u64)u->nr_weights + 1, sizeof(u64));
	s->id_to_idx = swarm_zalloc((u64)nc + 1, sizeof(u32));
	fill = swarm_zalloc((u64)nc + 1, sizeof(u64));
	if (!s->adj_first || !s->adj_to || !s->adj_w || !s->id_to_idx || !fill) {
		swarm_free(fill);
		return -ENOMEM;
	}
	for (i = 0; i < nc; i++)
		s->id_to_idx[u->clusters[i].id] = i;
	for (i = 0; i < u->nr_weights; i++) {
		s->adj_first[s->id_to_idx[u->weights[i].a] + 1]++;
		s->adj_first[s->id_to_idx[u->weights[i].b] + 1]++;
	}
	for (i = 0; i < nc; i++)
		s->adj_first[i + 1] += s->adj_first[i];
	memcpy(fill, s->adj_first, ((u64)nc + 1) * sizeof(u64));
	for (i = 0; i < u->nr_weights; i++) {
		u32 a = s->id_to_idx[u->weights[i].a];
		u32 b = s->id_to_idx[u->weights[i].b];

		s->adj_to[fill[a]] = b;
		s->adj_w[fill[a]++] = u->weights[i].weight;
		s->adj_to[fill[b]] = a;
		s->adj_w[fill[b]++] = u->weights[i].weight;
	}
	swarm_free(fill);
	return 0;
}

/* Are @p valid for @g? min_copies needs that many members. */
static bool swarm_place_params_ok(const struct swarm_geom *g,
				  const struct swarm_place_params *p)
{
	return p->max_copies && p->max_copies <= SWARM_MAX_COPIES &&
	       p->spare_pct <= 100 && p->policy <= SWARM_PLACE_NOBALANCE &&
	       p->min_copies <= p->max_copies && p->min_copies <= g->nr_devs;
}

/**
 * swarm_place() - place a validated upload.
 * @g: geometry of the device.
 * @u: the upload, checked by swarm_upload_validate().
 * @p: policy and replication budget.
 * @m: the map to fill; swarm_placement_free() it when done.
 * @error: set on failure.
 *
 * Every entry gets @p->min_copies copies on distinct members (top_up()).
 *
 * Return: 0, -EINVAL for bad parameters, -ENOMEM, or -ENOSPC if a copy
 * found no slot (the budget rules that out for replicas; min_copies
 * copies of every entry may not fit).
 */
int swarm_place(const struct swarm_geom *g, const struct swarm_upload *u,
		const struct swarm_place_params *p, struct swarm_placement *m,
		char **error)
{
	struct place_state s = { .g = g, .u = u, .p = p, .m = m };
	u64 e;
	u32 i;
	int r = -ENOMEM;

	memset(m, 0, sizeof(*m));
	if (!swarm_place_params_ok(g, p)) {
		*error = "Invalid placement parameters";
		return -EINVAL;
	}
	s.minc = p->min_copies ? p->min_copies : 1;
	m->nr_entries = g->nr_entries;
	m->nr_clusters = u->nr_clusters;
	*error = "Out of memory";
	m->loc = swarm_zalloc(g->nr_entries, sizeof(u64));
	s.want = swarm_zalloc(g->nr_entries, sizeof(u8));
	s.in_cluster = swarm_zalloc(g->nr_entries, sizeof(u8));
	/* + 1: swarm_place_default() has no cluster. */
	s.granted = swarm_zalloc(u->nr_members + 1, sizeof(u8));
	s.order = swarm_zalloc(u->nr_clusters + 1ULL, sizeof(*s.order));
	s.extra_mask = swarm_zalloc(u->nr_clusters + 1ULL, sizeof(u64));
	s.placed = swarm_zalloc(u->nr_clusters + 1ULL, sizeof(u8));
	s.next = swarm_zalloc(g->nr_devs, sizeof(u64));
	if (!m->loc || !s.want || !s.in_cluster || !s.granted || !s.order ||
	    !s.extra_mask || !s.placed || !s.next || build_adjacency(&s))
		goto out;

	for (i = 0; i < u->nr_clusters; i++) {
		s.order[i].frequency = u->clusters[i].frequency;
		s.order[i].id = u->clusters[i].id;
		s.order[i].idx = i;
	}
	sort(s.order, u->nr_clusters, sizeof(*s.order), cmp_hot_first, NULL);

	grant_copies(&s);
	if (reserve_runs(&s))
		goto out;
	lay_out_clusters(&s);
	top_up(&s);
	stripe_the_rest(&s);
	if (s.full) {
		*error = "No free slot for a copy";
		r = -ENOSPC;
		goto out;
	}

	for (e = 0; e < m->nr_entries; e++)
		if ((m->loc[e] & SWARM_LOC_MULTI) &&
		    ((m->loc[e] >> SWARM_LOC_CNT_SHIFT) & 0xff) > 1)
			m->nr_multi++;
	for (i = 0; i < g->nr_devs; i++)
		m->dev_used[i] = s.next[i];
	r = 0;
out:
	swarm_free(s.want);
	swarm_free(s.in_cluster);
	swarm_free(s.granted);
	swarm_free(s.order);
	swarm_free(s.extra_mask);
	swarm_free(s.placed);
	swarm_free(s.next);
	swarm_free(s.adj_first);
	swarm_free(s.adj_to);
	swarm_free(s.adj_w);
	swarm_free(s.id_to_idx);
	if (r)
		swarm_placement_free(m);
	return r;
}

/**
 * swarm_place_default() - the placement of a device without a cluster map
 * whose entries need several copies (the table's min_copies).
 * @g: geometry of the device.
 * @min_copies: copies of every entry, 2..min(8, @g->nr_devs).
 * @m: the map to fill; swarm_placement_free() it when done.
 * @error: set on failure.
 *
 * Entries are striped in runs as without a map (swarm_striped_loc()),
 * copy k of each run on the member k after the run's, in consecutive
 * slots: large I/O reaches every member as large requests, as on RAID10
 * with the "offset" layout. swarm_geom_slots_needed() is the room it
 * needs.
 *
 * Return: 0, -EINVAL, -ENOMEM, or -ENOSPC when the copies do not fit.
 */
int swarm_place_default(const struct swarm_geom *g, u32 min_copies,
			struct swarm_placement *m, char **error)
{
	struct swarm_upload u = { 0 };
	struct swarm_place_params p = {
		.policy = SWARM_PLACE_ROUNDROBIN,
		.max_copies = min_copies,
		.min_copies = min_copies,
	};

	return swarm_place(g, &u, &p, m, error);
}

void swarm_placement_free(struct swarm_placement *m)
{
	swarm_free(m->loc);
	swarm_free(m->extra);
	m->loc = NULL;
	m->extra = NULL;
}

/* Mark in @used[dev][slot] the slots @m (NULL: striped) uses. */
static void mark_used(const struct swarm_geom *g, const struct swarm_placement *m,
		      u8 **used)
{
	const u64 *c;
	u64 e;
	u32 n, i;

	for (e = 0; e < g->nr_entries; e++) {
		if (!m) {
			struct swarm_loc l = swarm_striped_loc(g, e);

			used[l.dev][l.slot] = 1;
			continue;
		}
		n = swarm_placement_copies(m, e, &c);
		for (i = 0; i < n; i++) {
			struct swarm_loc l = swarm_loc_decode(c[i]);

			used[l.dev][l.slot] = 1;
		}
	}
}

/**
 * swarm_place_beside() - place an upload in the slots a live map leaves
 * free, so that data can move from the old slots to the new ones while
 * the old map stays whole.
 * @g: geometry of the device.
 * @old: the live map, or NULL when entries are striped.
 * @u: the upload, checked by swarm_upload_validate().
 * @p: policy and replication budget.
 * @m: the map to fill; swarm_placement_free() it when done.
 * @error: set on failure.
 *
 * The map is placed as on a device of F slots a member, F the fewest free
 * slots of any member, and slot j of a member then becomes its j-th free
 * slot: clusters stay contiguous where the free slots are.
 *
 * Return: 0, -ENOMEM, or -ENOSPC when the free slots cannot hold one copy
 * of every entry.
 */
int swarm_place_beside(const struct swarm_geom *g, const struct swarm_placement *old,
		       const struct swarm_upload *u,
		       const struct swarm_place_params *p, struct swarm_placement *m,
		       char **error)
{
	struct beside {
		u8 *used[SWARM_MAX_DEVS];
		u64 *free_slot[SWARM_MAX_DEVS];
		u64 nfree[SWARM_MAX_DEVS];
	} *b;
	struct swarm_place_params p2;
	struct swarm_geom g2 = *g;
	u64 fewest = U64_MAX, e, s, *w;
	u32 d, n;
	int r = -ENOMEM;

	memset(m, 0, sizeof(*m));
	*error = "Out of memory";
	b = swarm_zalloc(1, sizeof(*b));
	if (!b)
		return r;
	for (d = 0; d < g->nr_devs; d++) {
		b->used[d] = swarm_zalloc(g->dev_slots, 1);
		if (!b->used[d])
			goto out;
	}
	mark_used(g, old, b->used);
	for (d = 0; d < g->nr_devs; d++) {
		for (s = 0; s < g->dev_slots; s++)
			b->nfree[d] += !b->used[d][s];
		fewest = min_t(u64, fewest, b->nfree[d]);
		b->free_slot[d] = swarm_zalloc(b->nfree[d] + 1, sizeof(u64));
		if (!b->free_slot[d])
			goto out;
		for (s = 0, n = 0; s < g->dev_slots; s++)
			if (!b->used[d][s])
				b->free_slot[d][n++] = s;
	}
	if (fewest * g->nr_devs < g->nr_entries) {
		*error = "Too few free slots beside the live map to move the data";
		r = -ENOSPC;
		goto out;
	}
	g2.dev_slots = fewest;
	p2 = *p;
	p2.base_slots = g->dev_slots;	/* spare counts on the whole device */
	r = swarm_place(&g2, u, &p2, m, error);
	if (r)
		goto out;

	/* Slot j of member d is its j-th free slot. */
	for (e = 0; e < m->nr_entries; e++) {
		w = &m->loc[e];
		n = 1;
		if (*w & SWARM_LOC_MULTI) {
			n = (u32)(*w >> SWARM_LOC_CNT_SHIFT) & 0xff;
			w = &m->extra[*w & SWARM_LOC_IDX_MASK];
		}
		for (s = 0; s < n; s++) {
			struct swarm_loc l = swarm_loc_decode(w[s]);

			w[s] = swarm_loc_encode(l.dev, b->free_slot[l.dev][l.slot]);
		}
	}
	m->nr_moved = m->nr_entries;	/* every copy is new */
	m->nr_new = m->nr_copies;
out:
	for (d = 0; d < g->nr_devs; d++) {
		swarm_free(b->used[d]);
		swarm_free(b->free_slot[d]);
	}
	swarm_free(b);
	return r;
}

/*
 * Stable placement: a new map placed over a live one keeps every copy it
 * can and moves only what changed.
 *
 * Each cluster, hot first, wants its granted copies spread over the
 * members, at most cap = ceil(granted / N) on any one. A granted copy
 * keeps a copy the entry has in the live map when that copy's member is
 * below the cap for the cluster; the others get a new slot on the member
 * the cluster has fewest copies on (that does not hold a copy of the
 * entry yet), from the slots the live map leaves free, lowest first,
 * unless a live copy is on a member with no more copies of the cluster
 * than that one (then it stays: a move must improve the spread, so that
 * placing the same map again moves nothing): the changed part of a cluster is
 * contiguous where the free slots are. A cluster whose members and
 * copies did not change thus keeps all of its copies. Entries in no
 * cluster keep their first live copy. Live copies not kept are dropped;
 * their slots stay untouched until the new map is committed.
 *
 * A cluster's copies on one member are read together, and they merge into
 * few requests only where they lie in consecutive slots. Over the striped
 * layout (no live map: the first map over a device with data) they never
 * do: a cluster's entries are scattered over the members' slots. So
 * there, when the free slots hold every copy the clusters are granted,
 * no clustered entry keeps its striped copy: the first map lays its
 * clusters out in runs of free slots, as a fresh placement does. (With
 * fewer free slots, the rule above: the moves would take the room the
 * replicas need, and placing the same map again would move more.) The
 * same holds for an entry that was in no cluster of the live map (still
 * in its striped slot) and is in one now, when the live map's cluster
 * map is known: an entry that joined a cluster (Eq. 9) or a cluster made
 * of such entries (a re-clustering's delta).
 *
 * A cluster's new copy on a member goes to the slot after the cluster's
 * last copy there when that slot is free, else it starts a run above the
 * slots the live map uses (the holes earlier moves left would scatter
 * the cluster), else to the lowest free slot.
 * With free slots to spare (twice what moves, and more than every copy the
 * map grants would take were they all new), a cluster's new run on a
 * member is followed by a quarter of its length left free, where entries
 * that join the cluster later go: they are then read with the run, in the
 * same request. What is set aside never makes a copy miss a slot.
 */
struct stable_state {
	struct place_state s;
	const struct swarm_placement *old;	/* NULL: striped */
	u8 *used[SWARM_MAX_DEVS];	/* slots of the live map */
	u64 cursor[SWARM_MAX_DEVS];	/* next slot to look for a free one */
	u64 nfree[SWARM_MAX_DEVS];	/* free slots left */
	u64 *devs;			/* per entry: members of its new copies */
	u8 *kept;			/* per entry: live copies kept, a bit each */
	u8 *fresh;			/* per entry: has a new copy */
	u8 *was_in;			/* per entry: in a live cluster; NULL: not known */
	bool clustering;		/* placing a cluster's copies */
	bool relayout;			/* loose entries in clusters move */
	u64 headroom;			/* free slots new runs may leave after them */
	u64 end[SWARM_MAX_DEVS];	/* slot after the cluster's last, 0: none */
	u64 top[SWARM_MAX_DEVS];	/* free from here up, as the live map left it */
	u64 fresh_run[SWARM_MAX_DEVS];	/* new copies of the cluster a member */
};

/* Was @e in no cluster of the live map (so in its striped slot)? */
static bool stable_loose(const struct stable_state *t, u64 e)
{
	return !t->old || (t->was_in && !t->was_in[e]);
}

static u32 stable_old_copies(const struct stable_state *t, u64 e, u64 *w)
{
	const u64 *c;
	u32 n;

	if (!t->old) {
		struct swarm_loc l = swarm_striped_loc(t->s.g, e);

		w[0] = swarm_loc_encode(l.dev, l.slot);
		return 1;
	}
	n = swarm_placement_copies(t->old, e, &c);
	n = min_t(u32, n, SWARM_MAX_COPIES);
	memcpy(w, c, n * sizeof(*w));
	return n;
}

/* Record copy @w of @e in the new map. */
static void stable_add(struct stable_state *t, u64 e, u64 w)
{
	struct swarm_placement *m = t->s.m;
	u32 dev = swarm_loc_decode(w).dev;

	t->devs[e] |= 1ULL << dev;
	t->s.next[dev]++;	/* here: slots used on the member */
	m->nr_copies++;
	if (t->s.want[e] <= 1) {
		m->loc[e] = w;
		return;
	}
	m->extra[(m->loc[e] & SWARM_LOC_IDX_MASK) +
		 ((m->loc[e] >> SWARM_LOC_CNT_SHIFT) & 0xff)] = w;
	m->loc[e] += 1ULL << SWARM_LOC_CNT_SHIFT;
}

/*
 * Keep a live copy of @e on a member below @cap: the first one not kept
 * yet. Copies are stored in the order their clusters were placed, hot
 * first, as here, so an unchanged map keeps each copy for the cluster it
 * was placed for. Return: its member or -1.
 */
static int stable_keep(struct stable_state *t, u64 e, const u64 *cnt, u64 cap)
{
	u64 w[SWARM_MAX_COPIES];
	u32 n = stable_old_copies(t, e, w), i, best = U32_MAX;

	/* A loose entry's copy is not near its cluster's: new runs. */
	if (t->clustering && t->relayout && stable_loose(t, e))
		return -1;
	for (i = 0; i < n && best == U32_MAX; i++) {
		u32 d = swarm_loc_decode(w[i]).dev;

		if (!(t->kept[e] & (1U << i)) && !(t->devs[e] & (1ULL << d)) &&
		    cnt[d] < cap)
			best = i;
	}
	if (best == U32_MAX)
		return -1;
	t->kept[e] |= 1U << best;
	stable_add(t, e, w[best]);
	if (t->clustering) {
		struct swarm_loc l = swarm_loc_decode(w[best]);

		t->end[l.dev] = max_t(u64, t->end[l.dev], l.slot + 1);
	}
	return swarm_loc_decode(w[best]).dev;
}

/*
 * A free slot of member @d for a new copy of @e: in a cluster, after the
 * cluster's last copy there if it is free, else the first free slot above
 * every slot the live map uses (a new run, not the holes moves left
 * below), else the lowest free one.
 */
static void stable_new(struct stable_state *t, u64 e, u32 d)
{
	u64 slot = t->end[d];

	if (t->clustering && (!slot || t->used[d][slot])) {
		/* A new run: where the free slots are contiguous, if any left. */
		while (t->used[d][t->top[d]] && t->top[d] < t->s.g->dev_slots)
			t->top[d]++;
		slot = t->top[d];
	}
	if (!t->clustering || slot >= t->s.g->dev_slots || t->used[d][slot]) {
		while (t->used[d][t->cursor[d]])
			t->cursor[d]++;
		slot = t->cursor[d];
	}
	t->used[d][slot] = 1;
	t->nfree[d]--;
	t->fresh[e] = 1;
	t->s.m->nr_new++;
	stable_add(t, e, swarm_loc_encode(d, slot));
	if (t->clustering) {
		t->end[d] = slot + 1;
		t->fresh_run[d]++;
	}
}

/*
 * Leave a quarter of the cluster's new copies on each member free after
 * them, for entries that join it later, within t->headroom. Free slots set
 * aside stay free in the map; the cursor passes over them (it only ever
 * passes used slots: they are marked used here).
 */
static void stable_headroom(struct stable_state *t)
{
	u32 d;
	u64 k, h;

	for (d = 0; d < t->s.g->nr_devs; d++) {
		h = (t->fresh_run[d] + 3) / 4;
		for (k = t->end[d]; h && t->headroom && k < t->s.g->dev_slots &&
		     !t->used[d][k]; k++, h--) {
			t->used[d][k] = 1;
			t->nfree[d]--;
			t->headroom--;
		}
	}
}

/*
 * The member for a new copy of @e in a cluster with @cnt copies a member:
 * the fewest, with a free slot, not holding a copy of @e; ties from @rot.
 */
static u32 stable_pick(struct stable_state *t, u64 e, const u64 *cnt, u32 rot)
{
	u32 n = t->s.g->nr_devs, i, best = U32_MAX;

	for (i = 0; i < n; i++) {
		u32 d = (rot + i) % n;

		if (!t->nfree[d] || (t->devs[e] & (1ULL << d)))
			continue;
		if (best == U32_MAX || cnt[d] < cnt[best])
			best = d;
	}
	return best;
}

/*
 * One granted copy of @e in a cluster with @cnt copies a member. @place
 * false: keep a live copy on a member below @cap. @place true: a new copy
 * on the member with the fewest, unless a live copy's member has no more
 * (a move must improve the spread: else the same map placed again would
 * move it again). Return: true when the copy is placed.
 */
static bool stable_one(struct stable_state *t, u64 e, u64 *cnt, u64 cap,
		       bool place, u32 *rot)
{
	u32 d = U32_MAX;
	int kd;

	if (place)
		d = stable_pick(t, e, cnt, *rot);
	if (place)
		cap = d == U32_MAX ? U64_MAX : cnt[d] + 1;
	kd = stable_keep(t, e, cnt, cap);
	if (kd >= 0) {
		cnt[kd]++;
		return true;
	}
	if (d == U32_MAX)
		return false;	/* no room: checked once all are placed */
	stable_new(t, e, d);
	cnt[d]++;
	*rot = d + 1;
	return true;
}

/*
 * min_copies: @e keeps live copies on members it has none on yet, then
 * gets new copies, until it has min_copies of them.
 */
static void stable_min(struct stable_state *t, u64 e, u32 *rot)
{
	static const u64 none[SWARM_MAX_DEVS];
	u32 d;

	while ((u32)hweight64(t->devs[e]) < t->s.minc) {
		if (stable_keep(t, e, none, U64_MAX) >= 0)
			continue;
		d = stable_pick(t, e, none, *rot);
		if (d == U32_MAX)
			return;	/* no room: checked once all are placed */
		stable_new(t, e, d);
		*rot = d + 1;
	}
}

static void stable_cluster(struct stable_state *t, u32 idx)
{
	const struct swarm_cluster *c = &t->s.u->clusters[idx];
	const u64 *mem = t->s.u->members;
	u32 n = t->s.g->nr_devs, rot = 0, pass;
	u64 cnt[SWARM_MAX_DEVS] = { 0 }, k, granted = 0, cap;
	u8 *gr = t->s.granted;

	for (k = c->first; k < c->first + c->nr_members; k++)
		granted += gr[k];
	cap = div_u64(granted + n - 1, n);
	t->clustering = true;
	memset(t->end, 0, sizeof(t->end));
	memset(t->fresh_run, 0, sizeof(t->fresh_run));
	/* First keep what can stay, then place the rest. */
	for (pass = 0; pass < 2; pass++)
		for (k = c->first; k < c->first + c->nr_members; k++)
			if (gr[k] == 1 &&
			    stable_one(t, mem[k], cnt, cap, pass, &rot))
				gr[k] = 2;
	stable_headroom(t);
	t->clustering = false;
}

static int stable_alloc(struct stable_state *t)
{
	const struct swarm_geom *g = t->s.g;
	struct place_state *s = &t->s;
	u32 d;

	s->m->loc = swarm_zalloc(g->nr_entries, sizeof(u64));
	s->want = swarm_zalloc(g->nr_entries, sizeof(u8));
	s->in_cluster = swarm_zalloc(g->nr_entries, sizeof(u8));
	s->granted = swarm_zalloc(s->u->nr_members, sizeof(u8));
	s->order = swarm_zalloc(s->u->nr_clusters, sizeof(*s->order));
	t->devs = swarm_zalloc(g->nr_entries, sizeof(u64));
	t->kept = swarm_zalloc(g->nr_entries, sizeof(u8));
	t->fresh = swarm_zalloc(g->nr_entries, sizeof(u8));
	s->next = swarm_zalloc(g->nr_devs, sizeof(u64));
	if (!s->m->loc || !s->want || !s->in_cluster || !s->granted ||
	    !s->order || !t->devs || !t->kept || !t->fresh || !s->next)
		return -ENOMEM;
	for (d = 0; d < g->nr_devs; d++) {
		/* One more: stable_new() stops on it when the member is full. */
		t->used[d] = swarm_zalloc(g->dev_slots + 1, 1);
		if (!t->used[d])
			return -ENOMEM;
		t->used[d][g->dev_slots] = 1;
	}
	return 0;
}

static void stable_free(struct stable_state *t)
{
	u32 d;

	swarm_free(t->s.want);
	swarm_free(t->s.next);
	swarm_free(t->s.in_cluster);
	swarm_free(t->s.granted);
	swarm_free(t->s.order);
	swarm_free(t->devs);
	swarm_free(t->kept);
	swarm_free(t->fresh);
	for (d = 0; d < SWARM_MAX_DEVS; d++)
		swarm_free(t->used[d]);
}

/* Per entry: is it a member of a cluster of @up? */
static u8 *stable_was_in(const struct swarm_geom *g, const struct swarm_upload *up)
{
	u8 *in = swarm_zalloc(g->nr_entries, 1);
	u64 k;

	if (in)
		for (k = 0; k < up->nr_members; k++)
			if (up->members[k] < g->nr_entries)
				in[up->members[k]] = 1;
	return in;
}

/**
 * swarm_place_stable() - place an upload over a live map, keeping the
 * copies that can stay and moving only the entries whose copies change.
 * @g: geometry of the device.
 * @old: the live map, or NULL when entries are striped.
 * @u: the upload, checked by swarm_upload_validate().
 * @p: policy (the spread rule above replaces it) and replication budget.
 * @m: the map to fill; swarm_placement_free() it when done.
 * @error: set on failure.
 *
 * Every copy of @m is either a copy of the same entry in @old or in a
 * slot @old leaves free, so moving the data never writes a slot @old
 * uses for another entry. @m->nr_new counts the new copies and
 * @m->nr_moved the entries that have one: those a migration copies.
 *
 * Return: 0, -EINVAL for bad parameters, -ENOMEM, or -ENOSPC when the
 * slots the live map leaves free cannot hold the new copies.
 */
int swarm_place_stable(const struct swarm_geom *g, const struct swarm_placement *old,
		       const struct swarm_upload *u,
		       const struct swarm_place_params *p, struct swarm_placement *m,
		       char **error)
{
	struct stable_state *t;
	u64 e, s;
	u32 i, d;
	int r = -ENOMEM;

	memset(m, 0, sizeof(*m));
	if (!swarm_place_params_ok(g, p)) {
		*error = "Invalid placement parameters";
		return -EINVAL;
	}
	*error = "Out of memory";
	t = swarm_zalloc(1, sizeof(*t));
	if (!t)
		return r;
	t->s.g = g;
	t->s.u = u;
	t->s.p = p;
	t->s.m = m;
	t->s.minc = p->min_copies ? p->min_copies : 1;
	t->old = old;
	m->nr_entries = g->nr_entries;
	m->nr_clusters = u->nr_clusters;
	if (stable_alloc(t))
		goto out;
	mark_used(g, old, t->used);
	for (d = 0; d < g->nr_devs; d++)
		for (s = 0; s < g->dev_slots; s++) {
			t->nfree[d] += !t->used[d][s];
			if (t->used[d][s])
				t->top[d] = s + 1;
		}

	for (i = 0; i < u->nr_clusters; i++) {
		t->s.order[i].frequency = u->clusters[i].frequency;
		t->s.order[i].id = u->clusters[i].id;
		t->s.order[i].idx = i;
	}
	sort(t->s.order, u->nr_clusters, sizeof(*t->s.order), cmp_hot_first, NULL);
	grant_copies(&t->s);
	if (reserve_runs(&t->s))
		goto out;
	if (old && p->live_up) {
		t->was_in = stable_was_in(g, p->live_up);
		if (!t->was_in)
			goto out;
	}
	if (!old || t->was_in) {
		u64 need = 0, all = 0, room = 0, k;

		for (k = 0; k < u->nr_members; k++) {
			need += t->s.granted[k] && stable_loose(t, u->members[k]);
			all += t->s.granted[k] != 0;
		}
		for (d = 0; d < g->nr_devs; d++)
			room += t->nfree[d];
		t->relayout = need <= room;
		/*
		 * Set aside only what no copy can need: were every granted
		 * copy and every min_copies copy new, they would still fit.
		 */
		all += (u64)(t->s.minc - 1) * g->nr_entries;
		if (need && 2 * need <= room && all < room)
			t->headroom = min_t(u64, room - all, need);
	}
	for (i = 0; i < u->nr_clusters; i++)
		stable_cluster(t, t->s.order[i].idx);
	for (e = 0; e < g->nr_entries; e++) {
		u64 w[SWARM_MAX_COPIES];

		if (t->s.in_cluster[e])
			continue;
		stable_old_copies(t, e, w);
		t->kept[e] = 1;
		stable_add(t, e, w[0]);
	}
	if (t->s.minc > 1) {
		u32 rot = 0;

		for (e = 0; e < g->nr_entries; e++)
			stable_min(t, e, &rot);
	}
	/*
	 * A replica may find no room, but every entry needs a copy, and
	 * min_copies of them.
	 */
	for (e = 0; e < g->nr_entries; e++)
		t->s.full |= !t->devs[e] ||
			(u32)hweight64(t->devs[e]) < t->s.minc;
	if (t->s.full) {
		*error = "Too few free slots beside the live map for the entries that move";
		r = -ENOSPC;
		goto out;
	}
	for (e = 0; e < m->nr_entries; e++) {
		m->nr_moved += t->fresh[e];
		if ((m->loc[e] & SWARM_LOC_MULTI) &&
		    ((m->loc[e] >> SWARM_LOC_CNT_SHIFT) & 0xff) > 1)
			m->nr_multi++;
	}
	for (d = 0; d < g->nr_devs; d++)
		m->dev_used[d] = t->s.next[d];
	r = 0;
out:
	swarm_free(t->was_in);
	stable_free(t);
	swarm_free(t);
	if (r)
		swarm_placement_free(m);
	return r;
}

/**
 * swarm_upload_free() - free the arrays of an upload built here.
 * @u: the upload.
 */
void swarm_upload_free(struct swarm_upload *u)
{
	swarm_free(u->clusters);
	swarm_free(u->members);
	swarm_free(u->weights);
	memset(u, 0, sizeof(*u));
}

/* Check the records of delta @d over @nb clusters; fill @rec, @keep. */
static int merge_check(const struct swarm_upload *d, u32 nb, u32 ext,
		       u32 *rec, u8 *keep, char **error)
{
	u32 i;

	for (i = 0; i < d->nr_clusters; i++) {
		const struct swarm_cluster *c = &d->clusters[i];

		if (c->id >= ext) {
			*error = "Cluster id out of range";
			return -ERANGE;
		}
		if (rec[c->id]) {
			*error = "Duplicate cluster id";
			return -EEXIST;
		}
		rec[c->id] = i + 1;
		if (!c->nr_members && c->id >= nb) {
			*error = "Empty cluster";
			return -EINVAL;
		}
		keep[c->id] = c->nr_members > 0;
	}
	for (i = 0; i < d->nr_weights; i++) {
		const struct swarm_weight *w = &d->weights[i];

		if (w->a >= ext || w->b >= ext || !keep[w->a] || !keep[w->b]) {
			*error = "Weight names an unknown cluster";
			return -ERANGE;
		}
		if (w->a == w->b) {
			*error = "Weight of a cluster with itself";
			return -EINVAL;
		}
	}
	return 0;
}

/* Fill @out's clusters and members from @base and @d; @id: new ids. */
static void merge_clusters(const struct swarm_upload *base,
			   const struct swarm_upload *d, u32 ext,
			   const u32 *rec, const u32 *id, struct swarm_upload *out)
{
	u32 i;

	for (i = 0; i < ext; i++) {
		const struct swarm_cluster *r = rec[i] ? &d->clusters[rec[i] - 1] : NULL;
		struct swarm_cluster *c;

		if (id[i] == U32_MAX)
			continue;
		c = &out->clusters[id[i]];
		c->id = id[i];
		c->first = out->nr_members;
		c->nr_members = 0;
		if (i < base->nr_clusters) {
			const struct swarm_cluster *b = &base->clusters[i];

			memcpy(out->members + out->nr_members, base->members + b->first,
			       b->nr_members * sizeof(u64));
			c->nr_members = b->nr_members;
			c->medoid = b->medoid;
			c->frequency = b->frequency;
		}
		if (r) {
			memcpy(out->members + c->first + c->nr_members,
			       d->members + r->first, r->nr_members * sizeof(u64));
			c->nr_members += r->nr_members;
			c->medoid = r->medoid;
			c->frequency = r->frequency;
		}
		out->nr_members += c->nr_members;
	}
	out->nr_clusters = id[ext];
}

/**
 * swarm_upload_merge() - apply a delta upload to a cluster map.
 * @base: the cluster map of the live map (validated when it was uploaded).
 * @d: the delta. A record whose id is a cluster of @base adds its members
 *	to that cluster, whose medoid and frequency become the record's;
 *	with no members it drops the cluster. Records with the ids
 *	@base->nr_clusters, ... add clusters. Weights name clusters by the
 *	same ids and add to those of @base.
 * @out: the merged map, allocated here (swarm_upload_free()). Its
 *	clusters keep their order, dropped ones leave, and are numbered
 *	from 0 again; weights of dropped clusters leave too.
 * @error: set on failure.
 *
 * The merged map still needs swarm_upload_validate() (an entry twice in
 * a cluster, a medoid that is not a member).
 *
 * Return: 0; -ERANGE for an id beyond the clusters the delta can name or
 * a weight naming one (or a dropped one); -EEXIST for two records of one
 * cluster; -EINVAL for a new cluster without members, a weight of a
 * cluster with itself, or no cluster left; -ENOMEM.
 */
int swarm_upload_merge(const struct swarm_upload *base,
		       const struct swarm_upload *d, struct swarm_upload *out,
		       char **error)
{
	u32 nb = base->nr_clusters, ext, i, nw = 0, *rec, *id;
	u64 members = 0;
	u8 *keep;
	int r = -ENOMEM;

	memset(out, 0, sizeof(*out));
	for (i = 0, ext = nb; i < d->nr_clusters; i++)
		ext += d->clusters[i].id >= nb;
	*error = "Out of memory";
	rec = swarm_zalloc((u64)ext + 1, sizeof(u32));
	id = swarm_zalloc((u64)ext + 1, sizeof(u32));
	keep = swarm_zalloc((u64)ext + 1, 1);
	if (!rec || !id || !keep)
		goto out;
	memset(keep, 1, ext);
	r = merge_check(d, nb, ext, rec, keep, error);
	if (r)
		goto out;
	for (i = 0; i < ext; i++) {
		id[i] = keep[i] ? id[ext]++ : U32_MAX;
		if (keep[i] && i < nb)
			members += base->clusters[i].nr_members;
	}
	if (!id[ext]) {
		*error = "No clusters";
		r = -EINVAL;
		goto out;
	}
	for (i = 0; i < base->nr_weights; i++)
		nw += keep[base->weights[i].a] && keep[base->weights[i].b];
	r = -ENOMEM;
	out->clusters = swarm_zalloc(id[ext], sizeof(*out->clusters));
	out->members = swarm_zalloc(members + d->nr_members + 1, sizeof(u64));
	out->weights = swarm_zalloc((u64)nw + d->nr_weights + 1, sizeof(*out->weights));
	if (!out->clusters || !out->members || !out->weights)
		goto out;
	merge_clusters(base, d, ext, rec, id, out);
	for (i = 0; i < base->nr_weights + d->nr_weights; i++) {
		const struct swarm_weight *w = i < base->nr_weights ?
			&base->weights[i] : &d->weights[i - base->nr_weights];

		if (!keep[w->a] || !keep[w->b])
			continue;
		out->weights[out->nr_weights].a = id[w->a];
		out->weights[out->nr_weights].b = id[w->b];
		out->weights[out->nr_weights++].weight = w->weight;
	}
	r = 0;
out:
	swarm_free(rec);
	swarm_free(id);
	swarm_free(keep);
	if (r)
		swarm_upload_free(out);
	return r;
}
