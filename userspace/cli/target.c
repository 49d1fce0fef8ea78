// SPDX-License-Identifier: GPL-2.0-only
/* A swarm device opened for the ioctls (cli/target.h). */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/target.h"

const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

int open_target(const char *spec, struct target *t)
{
	char err[SWARM_ERR_MAX];

	t->fd = -1;
	if (swarm_dev_resolve(spec, &t->dev, err, sizeof(err)))
		goto fail;
	t->fd = swarm_ctl_open(NULL, err, sizeof(err));
	if (t->fd < 0)
		goto fail;
	if (swarm_check_version(t->fd, err, sizeof(err)))
		goto fail;
	return 0;
fail:
	fail("%s", err);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	return EXIT_FAILURE;
}

int get_stats(struct target *t, struct swarm_stats *st)
{
	char err[SWARM_ERR_MAX];

	if (!swarm_stats(t->fd, &t->dev, st, err, sizeof(err)))
		return 0;
	fail("%s", err);
	return EXIT_FAILURE;
}

double mib_per_s(uint64_t bytes, uint64_t ms)
{
	return ms ? (double)bytes / MIB / ((double)ms / 1000.0) : 0.0;
}
