// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarmctl replace: put a new device in a failed member's place.
 *
 * The kernel does the work (see README.md, "Failed members"): a table
 * reload that names another device in a failed member's place starts a
 * rebuild onto it at resume. This command is that reload, with the checks
 * an operator wants first: the member is failed (or --force), the new
 * device is a block device that is not already a member or the swarm
 * itself. It runs dmsetup (table, load, suspend, resume); when the load
 * fails nothing has changed, and when the suspend fails the loaded table
 * is cleared again.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/target.h"

#define LINE_MAX_LEN	(DM_SWARM_MAX_DEVS * 32 + 4096)
#define MAX_TOKENS	(DM_SWARM_MAX_DEVS + 64)

static const char replace_usage[] =
"usage: swarmctl replace [--force] <dev> <index> <new-device>\n";

/* The dm name of @dev, from sysfs. */
static int dm_name(const struct swarm_dev *dev, char *name, size_t len)
{
	char path[96];
	FILE *f;
	int r = -1;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/dm/name",
		 dev->major, dev->minor);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(name, (int)len, f)) {
		name[strcspn(name, "\n")] = '\0';
		r = *name ? 0 : -1;
	}
	fclose(f);
	return r;
}

int cmd_replace(int argc, char **argv)
{
	char name[128], line[LINE_MAX_LEN], out[LINE_MAX_LEN], devt[32];
	char *tok[MAX_TOKENS], *save = NULL, *t, *end;
	const char *spec = NULL, *idx_arg = NULL, *newdev = NULL;
	struct swarm_stats st;
	struct target tg;
	unsigned long idx;
	bool force = false;
	size_t used = 0;
	struct stat sb;
	uint32_t nr, ntok = 0, i;
	int r;

	for (i = 0; i < (uint32_t)argc; i++) {
		if (!strcmp(argv[i], "--force"))
			force = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage(replace_usage, "replace: unknown option %s",
				     argv[i]);
		else if (!spec)
			spec = argv[i];
		else if (!idx_arg)
			idx_arg = argv[i];
		else if (!newdev)
			newdev = argv[i];
		else
			return usage(replace_usage, "replace: too many arguments");
	}
	if (!newdev)
		return usage(replace_usage,
			     "replace needs a swarm device, a member index and a new device");
	errno = 0;
	idx = strtoul(idx_arg, &end, 10);
	if (errno || end == idx_arg || *end || idx >= DM_SWARM_MAX_DEVS)
		return usage(replace_usage, "replace: bad member index '%s'",
			     idx_arg);
	if (stat(newdev, &sb)) {
		fail("%s: %s", newdev, strerror(errno));
		return EXIT_FAILURE;
	}
	if (!S_ISBLK(sb.st_mode)) {
		fail("%s is not a block device", newdev);
		return EXIT_FAILURE;
	}
	snprintf(devt, sizeof(devt), "%u:%u", major(sb.st_rdev),
		 minor(sb.st_rdev));

	r = open_target(spec, &tg);
	if (r)
		return r;
	r = get_stats(&tg, &st);
	close(tg.fd);
	if (r)
		return r;
	nr = st.s.nr_devs;
	if (idx >= nr) {
		fail("%s has members 0 to %u, not %lu", spec, nr - 1, idx);
		return EXIT_FAILURE;
	}
	if (tg.dev.major == major(sb.st_rdev) &&
	    tg.dev.minor == minor(sb.st_rdev)) {
		fail("%s is the swarm device itself", newdev);
		return EXIT_FAILURE;
	}
	if (!(st.s.failed_devs & (1ULL << idx)) && !force) {
		fail("member %lu of %s is ok: replacing it drops the copies "
		     "only it holds (--force to do it anyway)", idx, spec);
		return EXIT_FAILURE;
	}
	if (dm_name(&tg.dev, name, sizeof(name))) {
		fail("%s: no dm name in /sys/dev/block/%u:%u/dm/name", spec,
		     tg.dev.major, tg.dev.minor);
		return EXIT_FAILURE;
	}

	/* <start> <len> swarm <entry sectors> <nr_devs> <member>... */
	if (run_dmsetup((const char *[]){ "table", name, NULL }, out, sizeof(out))) {
		fail("dmsetup table %s failed", name);
		return EXIT_FAILURE;
	}
	out[strcspn(out, "\n")] = '\0';
	for (t = strtok_r(out, " ", &save); t && ntok < MAX_TOKENS;
	     t = strtok_r(NULL, " ", &save))
		tok[ntok++] = t;
	if (ntok < 5 + nr || strcmp(tok[2], "swarm") ||
	    strtoul(tok[4], NULL, 10) != nr) {
		fail("%s: unexpected table line (a swarm over %u members?)",
		     name, nr);
		return EXIT_FAILURE;
	}
	for (i = 0; i < nr; i++) {
		if (!strcmp(tok[5 + i], devt)) {
			fail("%s (%s) is already member %u of %s", newdev, devt,
			     i, name);
			return EXIT_FAILURE;
		}
	}
	printf("member %lu of %s: %s, %s\n", idx, name, tok[5 + idx],
	       st.s.failed_devs & (1ULL << idx) ? "failed" : "ok (--force)");
	tok[5 + idx] = devt;
	for (i = 0; i < ntok; i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used,
					 "%s%s", i ? " " : "", tok[i]);
	if (used >= sizeof(line)) {
		fail("table line too long");
		return EXIT_FAILURE;
	}
	printf("%s load %s --table \"%s\"\n", dmsetup_path(), name, line);
	fflush(stdout);
	if (run_dmsetup((const char *[]){ "load", name, "--table", line, NULL },
		    NULL, 0)) {
		fail("the new table was refused (see above and the kernel "
		     "log); %s is unchanged", name);
		return EXIT_FAILURE;
	}
	if (run_dmsetup((const char *[]){ "suspend", name, NULL }, NULL, 0)) {
		run_dmsetup((const char *[]){ "clear", name, NULL }, NULL, 0);
		fail("dmsetup suspend %s failed; the new table was cleared, "
		     "%s is unchanged", name, name);
		return EXIT_FAILURE;
	}
	if (run_dmsetup((const char *[]){ "resume", name, NULL }, NULL, 0)) {
		fail("dmsetup resume %s failed: %s is suspended with the new "
		     "table (see the kernel log; dmsetup resume %s)", name,
		     name, name);
		return EXIT_FAILURE;
	}
	printf("member %lu of %s is now %s (%s); the rebuild runs: "
	       "swarmctl stats %s, dmsetup status %s\n",
	       idx, name, newdev, devt, name, name);
	return 0;
}
