// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarm-replay: read a native text trace back from a block device, one
 * thread, one step at a time (O_DIRECT preads of each entry), with a pause
 * between steps, so that the kernel's trace of reads sees the same steps.
 *
 *   swarm-replay <dev> <trace> [entry_bytes] [pause_us]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t esz = argc > 3 ? strtoul(argv[3], NULL, 10) : 4096;
	unsigned long pause_us = argc > 4 ? strtoul(argv[4], NULL, 10) : 3000;
	unsigned long steps = 0, reads = 0;
	char line[1 << 16];
	void *buf;
	FILE *f;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: swarm-replay <dev> <trace> [entry_bytes] [pause_us]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_DIRECT);
	f = fopen(argv[2], "r");
	if (fd < 0 || !f || posix_memalign(&buf, 4096, esz)) {
		perror("swarm-replay");
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		if (*p == '#' || *p == '\n')
			continue;
		for (;;) {
			unsigned long long e = strtoull(p, &end, 10);

			if (end == p)
				break;
			if (pread(fd, buf, esz, (off_t)(e * esz)) != (ssize_t)esz) {
				perror("pread");
				return 1;
			}
			reads++;
			p = end;
		}
		steps++;
		usleep(pause_us);
	}
	printf("replayed %lu steps, %lu reads\n", steps, reads);
	return 0;
}
