// SPDX-License-Identifier: GPL-2.0-only
/*
 * Offload the K/V of a sequence (4 layers x 256 tokens, one entry per
 * token and layer) to a swarm device, then read back each decoding
 * step's top-8 tokens of every layer as one batch, and check them.
 *
 *   kv_offload /dev/mapper/kv      (a swarm of 4 KiB entries)
 *   kv_offload /tmp/kv.img         (a file: made, as a plain store)
 *
 * Build: cc -Iuserspace/include kv_offload.c -Lbuild/user -lswarm
 */
#include <stdio.h>
#include <string.h>
#include <swarm-client.h>

enum { LAYERS = 4, TOKENS = 256, TOPK = 8, STEPS = 16, N = LAYERS * TOKENS };

int main(int argc, char **argv)
{
	struct swarm_client_opts o = { .entry_size = 4096, .nr_entries = N,
				       .flags = SWARM_CLIENT_CREATE };
	static struct swarm_entry_io io[N];
	struct swarm_client *c;
	char err[512], want[64], *kv;
	int i, s, bad = 0;

	if (argc != 2 || swarm_client_open(argv[1], &o, &c, err, sizeof(err)))
		return fprintf(stderr, "kv_offload DEV|FILE: %s\n", argc == 2 ? err : "usage"), 1;
	kv = swarm_alloc_entries(c, N);		/* aligned for O_DIRECT */
	for (i = 0; i < N; i++) {		/* entry = layer * TOKENS + token */
		snprintf(kv + i * 4096, 4096, "K/V layer %d token %d", i / TOKENS, i % TOKENS);
		io[i] = (struct swarm_entry_io){ .entry = i, .buf = kv + i * 4096 };
	}
	if (swarm_write_batch(c, io, N))
		return fprintf(stderr, "write failed\n"), 1;
	for (s = 0; s < STEPS; s++) {		/* one batch: top-k of every layer */
		for (i = 0; i < LAYERS * TOPK; i++)
			io[i].entry = i / TOPK * TOKENS + (s * 37 + i % TOPK * 11) % TOKENS;
		memset(kv, 0, LAYERS * TOPK * 4096);
		swarm_read_batch(c, io, LAYERS * TOPK);
		for (i = 0; i < LAYERS * TOPK; i++) {	/* EIO: lost, recompute */
			snprintf(want, sizeof(want), "K/V layer %d token %d",
				 (int)(io[i].entry / TOKENS), (int)(io[i].entry % TOKENS));
			bad += io[i].status || strcmp(io[i].buf, want);
		}
	}
	printf("%d steps of %d entries read over %s, %d wrong\n", STEPS,
	       LAYERS * TOPK, swarm_client_backend_name(c), bad);
	swarm_free_entries(kv);
	swarm_client_close(c);
	return bad != 0;
}
