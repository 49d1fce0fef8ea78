// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: table-line parsing and geometry. Pure code, shared with the
 * user-space tests.
 */
#include "swarm-core.h"

static int parse_u32(const char *s, u32 *val)
{
	return kstrtou32(s, 10, val);
}

/* Parse the @n feature arguments in @argv. */
static int parse_features(unsigned int n, char **argv, struct swarm_table *t,
			  char **error)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const char *name = argv[i];
		u32 v;

		if (!strcasecmp(name, "format")) {
			t->given |= SWARM_FEAT_FORMAT;
			continue;
		}
		if (strcasecmp(name, "max_copies") && strcasecmp(name, "spare") &&
		    strcasecmp(name, "cache_mb") && strcasecmp(name, "min_copies") &&
		    strcasecmp(name, "migrate_rate") &&
		    strcasecmp(name, "rebuild_rate")) {
			*error = "Unknown feature";
			return -EINVAL;
		}
		if (i + 1 >= n) {
			*error = "Feature needs a value";
			return -EINVAL;
		}
		if (!strcasecmp(name, "max_copies")) {
			if (parse_u32(argv[++i], &v) || !v || v > SWARM_MAX_COPIES) {
				*error = "Invalid max_copies (1..8)";
				return -EINVAL;
			}
			t->max_copies = v;
			t->given |= SWARM_FEAT_MAX_COPIES;
		} else if (!strcasecmp(name, "min_copies")) {
			if (parse_u32(argv[++i], &v) || !v ||
			    v > min_t(u32, SWARM_MAX_COPIES, t->nr_devs)) {
				*error = "Invalid min_copies (1..8, at most the number of devices)";
				return -EINVAL;
			}
			t->min_copies = v;
			t->given |= SWARM_FEAT_MIN_COPIES;
		} else if (!strcasecmp(name, "cache_mb")) {
			if (parse_u32(argv[++i], &v) || v > SWARM_CACHE_MAX_MB) {
				*error = "Invalid cache_mb (0..1048576 MiB)";
				return -EINVAL;
			}
			t->cache_mb = v;
			t->given |= SWARM_FEAT_CACHE;
		} else if (!strcasecmp(name, "migrate_rate")) {
			if (parse_u32(argv[++i], &v) || v > SWARM_MIGRATE_RATE_MAX) {
				*error = "Invalid migrate_rate (0..1048576 MiB/s)";
				return -EINVAL;
			}
			t->migrate_rate = v;
			t->given |= SWARM_FEAT_MIGRATE_RATE;
		} else if (!strcasecmp(name, "rebuild_rate")) {
			if (parse_u32(argv[++i], &v) || v > SWARM_REBUILD_RATE_MAX) {
				*error = "Invalid rebuild_rate (0..1073741824 KiB/s)";
				return -EINVAL;
			}
			t->rebuild_rate = v;
			t->given |= SWARM_FEAT_REBUILD_RATE;
		} else {
			if (parse_u32(argv[++i], &v) || v > 100) {
				*error = "Invalid spare (0..100 per cent)";
				return -EINVAL;
			}
			t->spare_pct = v;
			t->given |= SWARM_FEAT_SPARE;
		}
	}
	if (t->min_copies > t->max_copies) {
		*error = "min_copies is larger than max_copies";
		return -EINVAL;
	}
	return 0;
}

/**
 * swarm_parse_table() - parse the table-line arguments of a swarm target.
 * @argc: number of arguments.
 * @argv: <entry_sectors> <nr_devs> <dev>... [<#feature args> <feature>...]
 *	where a feature is "max_copies <1..8>", "min_copies <1..8>" (every
 *	entry on that many members), "spare <0..100>", "cache_mb <MiB>"
 *	(the DRAM tier, 0 = off), "migrate_rate <MiB/s>" and
 *	"rebuild_rate <KiB/s>" (caps of the copies a map change and a
 *	rebuild make, 0 = none, the default) or "format" (members that
 *	hold other data may be overwritten).
 * @t: filled in on success.
 * @error: set to a message for ti->error on failure.
 *
 * Checks everything that can be checked without opening the devices.
 *
 * Return: 0 or -EINVAL.
 */
int swarm_parse_table(unsigned int argc, char **argv, struct swarm_table *t,
		      char **error)
{
	u32 nr_feat;

	memset(t, 0, sizeof(*t));
	t->max_copies = SWARM_DEFAULT_MAX_COPIES;
	t->min_copies = 1;
	if (argc < 3) {
		*error = "Not enough arguments: <entry_sectors> <nr_devs> <dev>...";
		return -EINVAL;
	}
	if (parse_u32(argv[0], &t->entry_sectors)) {
		*error = "Invalid entry size";
		return -EINVAL;
	}
	if (!is_power_of_2(t->entry_sectors)) {
		*error = "Entry size is not a power of two";
		return -EINVAL;
	}
	if (t->entry_sectors < SWARM_MIN_ENTRY_SECTORS ||
	    t->entry_sectors > SWARM_MAX_ENTRY_SECTORS) {
		*error = "Entry size out of range (8..2048 sectors, 4 KiB..1 MiB)";
		return -EINVAL;
	}
	if (parse_u32(argv[1], &t->nr_devs) || !t->nr_devs ||
	    t->nr_devs > SWARM_MAX_DEVS) {
		*error = "Invalid device count (1..64)";
		return -EINVAL;
	}
	if (argc - 2 < t->nr_devs) {
		*error = "Fewer devices given than the device count";
		return -EINVAL;
	}
	t->dev_paths = argv + 2;
	argc -= 2 + t->nr_devs;
	argv += 2 + t->nr_devs;
	if (!argc)
		return 0;

	if (parse_u32(argv[0], &nr_feat) || nr_feat > SWARM_MAX_FEATURE_ARGS) {
		*error = "Invalid number of feature arguments";
		return -EINVAL;
	}
	if (nr_feat != argc - 1) {
		*error = "Feature argument count does not match the arguments given";
		return -EINVAL;
	}
	t->nr_feature_args = nr_feat;
	return parse_features(nr_feat, argv + 1, t, error);
}

/**
 * swarm_geom_init() - derive and check the geometry of a swarm.
 * @g: filled in on success.
 * @t: the parsed table line.
 * @target_sectors: length of the target (ti->len).
 * @dev_sectors: size of each member, @t->nr_devs values.
 * @error: set to a message for ti->error on failure.
 *
 * Every member offers the same number of slots, that of the smallest one.
 *
 * Return: 0 or -EINVAL.
 */
int swarm_geom_init(struct swarm_geom *g, const struct swarm_table *t,
		    u64 target_sectors, const u64 *dev_sectors,
		    char **error)
{
	u64 min_slots = U64_MAX, need;
	u32 i;

	memset(g, 0, sizeof(*g));
	g->entry_sectors = t->entry_sectors;
	g->entry_shift = ilog2(t->entry_sectors);
	g->nr_devs = t->nr_devs;
	g->data_start = 0;
	g->min_copies = t->min_copies ? t->min_copies : 1;

	if (!target_sectors || target_sectors & (t->entry_sectors - 1)) {
		*error = "Target length is not a multiple of the entry size";
		return -EINVAL;
	}
	g->nr_entries = target_sectors >> g->entry_shift;

	for (i = 0; i < t->nr_devs; i++) {
		u64 slots;

		if (dev_sectors[i] < g->data_start + t->entry_sectors) {
			*error = "Device too small to hold one entry";
			return -EINVAL;
		}
		slots = (dev_sectors[i] - g->data_start) >> g->entry_shift;
		if (slots < min_slots)
			min_slots = slots;
	}

	g->dev_slots = min_slots;
	swarm_geom_set_run(g, g->entry_shift < SWARM_RUN_SECTORS_SHIFT ?
			   SWARM_RUN_SECTORS_SHIFT - g->entry_shift : 0);
	need = swarm_geom_slots_needed(g);
	if (need > min_slots) {
		*error = g->min_copies > 1 ?
			"Target length times min_copies is larger than the devices hold" :
			"Target length is larger than the devices hold";
		return -EINVAL;
	}
	return 0;
}

/**
 * swarm_geom_slots_needed() - slots each member needs without a map.
 * @g: geometry with @g->nr_devs, @g->nr_entries, @g->run_shift and
 *	@g->min_copies.
 *
 * One copy: entries are striped, ceil(entries / N) slots a member
 * (swarm_striped_loc() stripes the last partial row entry by entry).
 * With min_copies m > 1, the default placement (swarm_place_default())
 * puts R = ceil(entries / run) runs on the members in turn and copy k of
 * run i on member (i + k) mod N, so that a member holds at most
 * m x ceil(R / N) runs.
 *
 * Return: the slots.
 */
u64 swarm_geom_slots_needed(const struct swarm_geom *g)
{
	u64 run = 1ULL << g->run_shift, runs;

	if (g->min_copies <= 1)
		return div_u64(g->nr_entries + g->nr_devs - 1, g->nr_devs);
	runs = (g->nr_entries + run - 1) >> g->run_shift;
	return (u64)g->min_copies * div_u64(runs + g->nr_devs - 1, g->nr_devs) *
	       run;
}

/**
 * swarm_geom_set_run() - set the run of striped entries.
 * @g: geometry with @g->nr_devs and @g->nr_entries.
 * @run_shift: log2 of the entries in a run, <= SWARM_MAX_RUN_SHIFT.
 */
void swarm_geom_set_run(struct swarm_geom *g, u32 run_shift)
{
	u32 rem;

	g->run_shift = run_shift;
	div_u64_rem(g->nr_entries, g->nr_devs << run_shift, &rem);
	g->striped_full = g->nr_entries - rem;
}

/**
 * swarm_check_unique() - check that no value appears twice.
 * @ids: values, e.g. the dev_t of each member.
 * @n: number of values.
 *
 * Return: 0, or -EINVAL when a value repeats.
 */
int swarm_check_unique(const u64 *ids, u32 n)
{
	u32 i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (ids[i] == ids[j])
				return -EINVAL;
	return 0;
}
