/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * swarmctl stats --watch: the rates between two DM_SWARM_STATS snapshots
 * and their lines, text or JSON (cli/stats-watch.c). Pure: the command
 * (cli/cmd-stats.c) takes the snapshots and the time.
 */
#ifndef SWARMCTL_STATS_WATCH_H
#define SWARMCTL_STATS_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/libswarm.h"

/**
 * struct watch_dev - one member over one interval.
 * @read_mib_s: MiB read per second.
 * @write_mib_s: MiB written per second.
 * @read_iops: read bios per second.
 * @write_iops: write bios per second.
 * @inflight: bios in flight at the end.
 * @util_pct: per cent of the interval with a bio in flight.
 * @read_share_pct: per cent of the interval's member reads it got.
 */
struct watch_dev {
	double read_mib_s, write_mib_s, read_iops, write_iops;
	uint64_t inflight;
	double util_pct, read_share_pct;
};

/**
 * struct watch - one interval.
 * @secs: its length.
 * @reset: a counter went backwards (stats reset): rates from zero.
 * @nr_devs: members.
 * @reads_s, @writes_s: the device's reads and writes per second.
 * @multi_s: reads per second of entries with several copies (the
 *	selector had a choice).
 * @redirected_s: of those, sent to a copy other than the first.
 * @redirected_pct: @redirected_s / @multi_s (0 without choices).
 * @selector: DM_SWARM_SELECT_* at the end.
 * @generation: the map generation at the end.
 */
struct watch {
	double secs;
	bool reset;
	uint32_t nr_devs;
	struct watch_dev devs[DM_SWARM_MAX_DEVS];
	double reads_s, writes_s, multi_s, redirected_s, redirected_pct;
	uint32_t selector;
	uint64_t generation;
};

/* The interval from snapshot @a to @b, @secs seconds apart (> 0). */
void watch_delta(const struct swarm_stats *a, const struct swarm_stats *b,
		 double secs, struct watch *w);

/*
 * The lines of @w at @t seconds since the start into @buf: text (a
 * header, one line per member, one for the device) or one JSON object.
 * Returns the length (snprintf's: may exceed @len, then truncated).
 */
size_t watch_format(const struct watch *w, double t, bool json, char *buf,
		    size_t len);

#endif /* SWARMCTL_STATS_WATCH_H */
