// SPDX-License-Identifier: GPL-2.0-only
/* The hash map of lib/hmap.h: growing it and walking it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"

void swarm_hmap_init(struct swarm_hmap *m, size_t val_size)
{
	memset(m, 0, sizeof(*m));
	m->val_size = val_size;
}

void swarm_hmap_free(struct swarm_hmap *m)
{
	free(m->keys);
	free(m->vals);
	swarm_hmap_init(m, m->val_size);
}

/* Move every key to a table of @cap slots (a power of 2). */
static int rehash(struct swarm_hmap *m, size_t cap)
{
	uint64_t *k = malloc(cap * sizeof(*k));
	unsigned char *v = malloc((cap + 1) * m->val_size);
	size_t i, j;

	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	memset(k, 0xff, cap * sizeof(*k));
	for (i = 0; i < m->cap; i++) {
		if (m->keys[i] == SWARM_HMAP_EMPTY)
			continue;
		j = mix64(m->keys[i]) & (cap - 1);
		while (k[j] != SWARM_HMAP_EMPTY)
			j = (j + 1) & (cap - 1);
		k[j] = m->keys[i];
		memcpy(v + j * m->val_size, swarm_hmap_val(m, i), m->val_size);
	}
	if (m->has_empty)
		memcpy(v + cap * m->val_size, swarm_hmap_val(m, m->cap),
		       m->val_size);
	free(m->keys);
	free(m->vals);
	m->keys = k;
	m->vals = v;
	m->cap = cap;
	return 0;
}

int swarm_hmap_grow(struct swarm_hmap *m)
{
	return rehash(m, m->cap ? m->cap * 2 : 1024);
}

void *swarm_hmap_next(const struct swarm_hmap *m, size_t *pos, uint64_t *key)
{
	for (; *pos < m->cap; (*pos)++) {
		if (m->keys[*pos] != SWARM_HMAP_EMPTY) {
			*key = m->keys[(*pos)++];
			return swarm_hmap_val(m, *pos - 1);
		}
	}
	if (*pos == m->cap && m->has_empty) {
		(*pos)++;
		*key = SWARM_HMAP_EMPTY;
		return swarm_hmap_val(m, m->cap);
	}
	return NULL;
}
