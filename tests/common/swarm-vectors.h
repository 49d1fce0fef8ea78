/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test vectors shared by the KUnit suites and the user-space tests: each bad
 * table line and the exact ti->error it must produce.
 */
#ifndef DM_SWARM_VECTORS_H
#define DM_SWARM_VECTORS_H

struct swarm_bad_line {
	const char *line;
	const char *error;
};

static const struct swarm_bad_line swarm_bad_lines[] = {
	{ "", "Not enough arguments: <entry_sectors> <nr_devs> <dev>..." },
	{ "8 1", "Not enough arguments: <entry_sectors> <nr_devs> <dev>..." },
	{ "x 1 a", "Invalid entry size" },
	{ "-8 1 a", "Invalid entry size" },
	{ "12 1 a", "Entry size is not a power of two" },
	{ "0 1 a", "Entry size is not a power of two" },
	{ "4 1 a", "Entry size out of range (8..2048 sectors, 4 KiB..1 MiB)" },
	{ "4096 1 a", "Entry size out of range (8..2048 sectors, 4 KiB..1 MiB)" },
	{ "8 0 a", "Invalid device count (1..64)" },
	{ "8 65 a", "Invalid device count (1..64)" },
	{ "8 4294967297 a", "Invalid device count (1..64)" },
	{ "8 3 a b", "Fewer devices given than the device count" },
	{ "8 2 a b x", "Invalid number of feature arguments" },
	{ "8 2 a b 17", "Invalid number of feature arguments" },
	{ "8 2 a b 2 x", "Feature argument count does not match the arguments given" },
	{ "8 2 a b 0 x", "Feature argument count does not match the arguments given" },
	{ "8 2 a b 1 frobnicate", "Unknown feature" },
	{ "8 2 a b 2 frobnicate 1", "Unknown feature" },
	{ "8 2 a b 1 max_copies", "Feature needs a value" },
	{ "8 2 a b 2 max_copies 0", "Invalid max_copies (1..8)" },
	{ "8 2 a b 2 max_copies 9", "Invalid max_copies (1..8)" },
	{ "8 2 a b 2 max_copies x", "Invalid max_copies (1..8)" },
	{ "8 2 a b 2 spare 101", "Invalid spare (0..100 per cent)" },
	{ "8 2 a b 3 spare 10 max_copies", "Feature needs a value" },
	{ "8 2 a b 2 cache_mb x", "Invalid cache_mb (0..1048576 MiB)" },
	{ "8 2 a b 2 cache_mb 1048577", "Invalid cache_mb (0..1048576 MiB)" },
	{ "8 2 a b 1 cache_mb", "Feature needs a value" },
	{ "8 2 a b 2 migrate_rate 1048577", "Invalid migrate_rate (0..1048576 MiB/s)" },
	{ "8 2 a b 2 migrate_rate -1", "Invalid migrate_rate (0..1048576 MiB/s)" },
	{ "8 2 a b 2 rebuild_rate 1073741825", "Invalid rebuild_rate (0..1073741824 KiB/s)" },
	{ "8 2 a b 1 rebuild_rate", "Feature needs a value" },
};

#endif /* DM_SWARM_VECTORS_H */
