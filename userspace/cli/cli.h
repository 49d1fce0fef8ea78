/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * swarmctl's commands (cli/) and what they share: messages and usage
 * errors, the option parser of the offline commands, the progress bar
 * (a device opened for the ioctls: target.h).
 *
 * Exit status: 0 on success, 1 on failure, 2 on bad usage. Errors go to
 * stderr as "swarmctl: <message>".
 */
#ifndef SWARMCTL_CLI_H
#define SWARMCTL_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/trace.h"

#define EXIT_USAGE	2

/* "swarmctl: MESSAGE" on stderr. */
void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...);
/*
 * "swarmctl: MESSAGE", a blank line and @text on stderr (only @text if
 * @fmt is NULL); returns EXIT_USAGE.
 */
int __attribute__((format(printf, 2, 3)))
usage(const char *text, const char *fmt, ...);

/* The usage texts: swarmctl's (cli/swarmctl.c), "trace" and "cluster"'s. */
extern const char swarmctl_usage[];
extern const char trace_usage[];

/* ---- Options of trace gen, convert, info and cluster ---- */

struct opt {
	const char *name;
	char kind;		/* 'u' u64, 'd' double, 's' string, 'f' flag */
	void *p;
};

/*
 * Parse @argv against @opts (ended by a NULL name); positional arguments
 * go to @pos (at most @max_pos). Returns 0 or an exit code, after a usage
 * error with trace_usage.
 */
int parse_opts(const char *cmd, int argc, char **argv,
	       const struct opt *opts, const char **pos, int max_pos,
	       int *nr_pos);

/*
 * Read a trace (cli/cmd-trace.c): --entries, --layers and, for Mooncake,
 * the hash ids (may be NULL); fails with a message. Exit code.
 */
int read_trace(const char *path, uint64_t entries, uint64_t layers,
	       struct swarm_trace *t, enum swarm_trace_fmt *fmt,
	       uint64_t **ids, uint64_t *nr_ids);
/* --layers is 1..65536, else a usage error. */
int check_layers(const char *cmd, uint64_t layers);

/* ---- Progress on a terminal ---- */

/* Set by the command: show the bar (stderr is a terminal, no --quiet). */
extern bool show_progress;
/* Draw "PHASE [####....] NN%", at most every 0.1 s per phase. */
void progress(const char *phase, double done);
/* Erase the bar. */
void progress_end(void);

/* ---- dmsetup (cli/dmsetup.c) ---- */

/* The dmsetup to run: $SWARMCTL_DMSETUP (tests), else "dmsetup". */
const char *dmsetup_path(void);
/*
 * Run dmsetup with @args (NULL-terminated, without argv[0], at most 14);
 * its stdout into @out (@len bytes, NUL-terminated) when @out is set.
 * Return: 0 if it exited with status 0; else -1, the reason said.
 */
int run_dmsetup(const char *const *args, char *out, size_t len);

/* ---- The commands: the arguments after the command's name; exit code ---- */

int cmd_version(int argc, char **argv);
int cmd_map(int argc, char **argv);		/* cli/cmd-map.c */
int cmd_stats(int argc, char **argv);		/* cli/cmd-stats.c */
int cmd_lost(int argc, char **argv);		/* cli/cmd-stats.c */
int cmd_trace(int argc, char **argv);		/* cli/cmd-trace.c */
/* "trace record": argv[0] is "record" (cli/cmd-record.c). */
int cmd_trace_record(int argc, char **argv);
/*
 * Record @duration seconds of reads of @dev (as trace record does, by
 * process, a new step after @gap_us) into @t; exit code. SIGINT and
 * SIGTERM end the recording early, and then record_interrupted().
 */
int record_trace(const char *dev, double duration, uint64_t gap_us,
		 uint32_t ring, struct swarm_trace *t, uint64_t *reads,
		 uint64_t *dropped);
bool record_interrupted(void);
/* "adapt": argv[0] is "adapt" (cli/cmd-adapt.c). */
int cmd_adapt(int argc, char **argv);
int cmd_cluster(int argc, char **argv);		/* cli/cmd-cluster.c */
int cmd_assemble(int argc, char **argv);	/* cli/cmd-disk.c */
int cmd_examine(int argc, char **argv);
int cmd_wipe(int argc, char **argv);
int cmd_replace(int argc, char **argv);	/* cli/cmd-replace.c */

#endif /* SWARMCTL_CLI_H */
