/* SPDX-License-Identifier: GPL-2.0-only */
/* swarmctl's offline commands: "trace ..." and "cluster" (swarmctl-trace.c). */
#ifndef SWARMCTL_TRACE_H
#define SWARMCTL_TRACE_H

/* argv[0] is the subcommand after "trace"; the exit status. */
int swarmctl_trace(int argc, char **argv);
/* argv are the arguments after "cluster"; the exit status. */
int swarmctl_cluster(int argc, char **argv);

#endif /* SWARMCTL_TRACE_H */
