// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarmctl: control dm-swarm devices through /dev/dm-swarm-control, and
 * the offline tools (traces, clustering). The commands are in cli/cmd-*.c.
 *
 * Exit status: 0 on success, 1 on failure, 2 on bad usage. Errors go to
 * stderr as "swarmctl: <message>".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/target.h"

const char swarmctl_usage[] =
"usage: swarmctl <command> [arguments]\n"
"\n"
"  version                                 tool and kernel ABI versions\n"
"  map upload [--drop-data] [--delta] [--wait] <dev> <map>\n"
"                                          upload a cluster map file\n"
"  map show <dev> [entry|first-last]...    where entries live, or a summary\n"
"  stats <dev> [--json]                    per-member and total statistics\n"
"  stats <dev> --watch [interval] [--count N] [--json]\n"
"                                          rates per member every interval (s)\n"
"  stats reset <dev>                       zero the statistics\n"
"  lost <dev> [--json]                     entry ranges with no copy left to read\n"
"  trace gen|convert|info|record ...       activation traces (swarmctl trace)\n"
"  cluster <trace> -o <map> [options]      co-activation clustering to a map\n"
"  adapt <dev> --map <map> [--once] [options]\n"
"                                          new entries join clusters (Eq. 9),\n"
"                                          re-cluster on drift (swarmctl adapt)\n"
"  assemble [--create NAME] <dev>...       table line from the members' superblocks\n"
"  examine [--json] <dev>...               print the members' superblocks\n"
"  wipe --yes <dev>...                     erase the superblocks (blank again)\n"
"  replace [--force] <dev> <index> <new-device>\n"
"                                          a new device in a failed member's\n"
"                                          place; the kernel rebuilds it\n"
"  help                                    this text\n"
"\n"
"<dev> is a swarm device: /dev/dm-N, /dev/mapper/NAME, NAME or MAJOR:MINOR.\n"
"The map file format is described in userspace/MAP-FORMAT.md.\n"
"--drop-data allows a map change that loses the data on the device.\n"
"--delta uploads changes to the live map: clusters added, dropped, grown.\n"
"--wait waits until the data is moved to the new map (migration).\n";

/* ---- version ---- */

int cmd_version(int argc, char **argv)
{
	struct dm_swarm_version v;
	char err[SWARM_ERR_MAX];
	int fd;

	(void)argv;
	if (argc != 0)
		return usage(swarmctl_usage, "version takes no arguments");
	printf("swarmctl ABI %u.%u.%u\n", DM_SWARM_VERSION_MAJOR,
	       DM_SWARM_VERSION_MINOR, DM_SWARM_VERSION_PATCH);
	fd = swarm_ctl_open(NULL, err, sizeof(err));
	if (fd < 0 || swarm_version(fd, &v, err, sizeof(err))) {
		fflush(stdout);
		fail("%s", err);
		if (fd >= 0)
			close(fd);
		return EXIT_FAILURE;
	}
	printf("kernel ABI %" PRIu32 ".%" PRIu32 ".%" PRIu32 "\n",
	       v.major, v.minor, v.patch);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	int r;

	if (!cmd)
		return usage(swarmctl_usage, "no command given");
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "-h")) {
		fputs(swarmctl_usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "version"))
		r = cmd_version(argc - 2, argv + 2);
	else if (!strcmp(cmd, "map"))
		r = cmd_map(argc - 2, argv + 2);
	else if (!strcmp(cmd, "stats"))
		r = cmd_stats(argc - 2, argv + 2);
	else if (!strcmp(cmd, "lost"))
		r = cmd_lost(argc - 2, argv + 2);
	else if (!strcmp(cmd, "trace"))
		r = cmd_trace(argc - 2, argv + 2);
	else if (!strcmp(cmd, "adapt"))
		r = cmd_adapt(argc - 1, argv + 1);
	else if (!strcmp(cmd, "cluster"))
		r = cmd_cluster(argc - 2, argv + 2);
	else if (!strcmp(cmd, "assemble"))
		r = cmd_assemble(argc - 2, argv + 2);
	else if (!strcmp(cmd, "examine"))
		r = cmd_examine(argc - 2, argv + 2);
	else if (!strcmp(cmd, "wipe"))
		r = cmd_wipe(argc - 2, argv + 2);
	else if (!strcmp(cmd, "replace"))
		r = cmd_replace(argc - 2, argv + 2);
	else
		return usage(swarmctl_usage, "unknown command '%s'", cmd);
	if (fflush(stdout) || ferror(stdout)) {
		fail("writing the output: %s", strerror(errno));
		return EXIT_FAILURE;
	}
	return r;
}
