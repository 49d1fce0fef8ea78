/* SPDX-License-Identifier: GPL-2.0-only */
/* swarmctl assemble, examine and wipe: the members' superblocks. */
#ifndef SWARMCTL_DISK_H
#define SWARMCTL_DISK_H

int swarmctl_assemble(int argc, char **argv);
int swarmctl_examine(int argc, char **argv);
int swarmctl_wipe(int argc, char **argv);

#endif /* SWARMCTL_DISK_H */
