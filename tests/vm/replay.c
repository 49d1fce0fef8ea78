// SPDX-License-Identifier: GPL-2.0-only
/*
 * swarm-replay: read a native text trace back from a block device the way
 * an inference engine does: per step, one io_uring submission with every
 * entry as an O_DIRECT read, then wait for all; then pause. The kernel's
 * trace of reads then sees the same steps.
 *
 *   swarm-replay <dev> <trace> [entry_bytes] [pause_us]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QD	1024U

int main(int argc, char **argv)
{
	size_t esz = argc > 3 ? strtoul(argv[3], NULL, 10) : 4096;
	unsigned long pause_us = argc > 4 ? strtoul(argv[4], NULL, 10) : 3000;
	unsigned long steps = 0, reads = 0;
	static char line[1 << 20];
	struct io_uring ring;
	char *buf;
	FILE *f;
	int fd, r;

	if (argc < 3) {
		fprintf(stderr, "usage: swarm-replay <dev> <trace> [entry_bytes] [pause_us]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_DIRECT);
	f = fopen(argv[2], "r");
	if (fd < 0 || !f || posix_memalign((void **)&buf, 4096, esz * QD)) {
		perror("swarm-replay");
		return 1;
	}
	r = io_uring_queue_init(QD, &ring, 0);
	if (r) {
		fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-r));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		unsigned int n = 0, i;

		if (*p == '#' || *p == '\n')
			continue;
		for (;;) {
			unsigned long long e = strtoull(p, &end, 10);
			struct io_uring_sqe *sqe;

			if (end == p)
				break;
			p = end;
			if (n == QD) {
				fprintf(stderr, "swarm-replay: a step of more than %u entries\n", QD);
				return 1;
			}
			sqe = io_uring_get_sqe(&ring);
			io_uring_prep_read(sqe, fd, buf + (size_t)n * esz, esz, e * esz);
			n++;
		}
		r = io_uring_submit_and_wait(&ring, n);
		if (r < (int)n) {
			fprintf(stderr, "swarm-replay: submit: %s\n", strerror(r < 0 ? -r : 0));
			return 1;
		}
		for (i = 0; i < n; i++) {
			struct io_uring_cqe *cqe;

			r = io_uring_wait_cqe(&ring, &cqe);
			if (r || cqe->res != (int)esz) {
				fprintf(stderr, "swarm-replay: read failed: %d\n", r ? r : cqe->res);
				return 1;
			}
			io_uring_cqe_seen(&ring, cqe);
		}
		steps++;
		reads += n;
		usleep(pause_us);
	}
	printf("replayed %lu steps, %lu reads\n", steps, reads);
	io_uring_queue_exit(&ring);
	return 0;
}
