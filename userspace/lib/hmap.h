/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one hash map of the user space: 64-bit keys to values of a fixed
 * size, open addressing with linear probing, at most 3/4 full. Any key is
 * allowed: UINT64_MAX, which marks empty slots, is kept aside. Used for
 * the Mooncake reader's hash ids (lib/trace-mooncake.c) and the
 * clustering's cluster-pair weights (cluster/weights.c).
 */
#ifndef SWARM_HMAP_H
#define SWARM_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/util.h"

#define SWARM_HMAP_EMPTY	UINT64_MAX

/**
 * struct swarm_hmap - the map.
 * @keys: @cap slots, SWARM_HMAP_EMPTY where free.
 * @vals: @cap + 1 values of @val_size bytes; the last one is the value of
 *	the key SWARM_HMAP_EMPTY when @has_empty.
 * @n: keys held.
 */
struct swarm_hmap {
	uint64_t *keys;
	unsigned char *vals;
	size_t val_size;
	size_t cap, n;
	bool has_empty;
};

/* An empty map of values of @val_size bytes (nothing allocated yet). */
void swarm_hmap_init(struct swarm_hmap *m, size_t val_size);
void swarm_hmap_free(struct swarm_hmap *m);
/* Double the table (1024 slots at first); 0 or -ENOMEM. */
int swarm_hmap_grow(struct swarm_hmap *m);

static inline void *swarm_hmap_val(const struct swarm_hmap *m, size_t slot)
{
	return m->vals + slot * m->val_size;
}

/* The value of @key, or NULL if @key is not in the map. */
static inline void *swarm_hmap_find(const struct swarm_hmap *m, uint64_t key)
{
	size_t i;

	if (key == SWARM_HMAP_EMPTY)
		return m->has_empty ? swarm_hmap_val(m, m->cap) : NULL;
	if (!m->cap)
		return NULL;
	for (i = mix64(key) & (m->cap - 1); m->keys[i] != SWARM_HMAP_EMPTY;
	     i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return swarm_hmap_val(m, i);
	return NULL;
}

/*
 * The value of @key, added (all bytes zero) if it was not in the map;
 * *@added (may be NULL) tells which. NULL if out of memory.
 */
static inline void *swarm_hmap_get(struct swarm_hmap *m, uint64_t key,
				   bool *added)
{
	void *v;
	size_t i;

	if (added)
		*added = false;
	if ((m->n + 1) * 4 > m->cap * 3 && swarm_hmap_grow(m))
		return NULL;
	if (key == SWARM_HMAP_EMPTY) {
		i = m->cap;
		if (m->has_empty)
			return swarm_hmap_val(m, i);
		m->has_empty = true;
	} else {
		for (i = mix64(key) & (m->cap - 1);
		     m->keys[i] != SWARM_HMAP_EMPTY; i = (i + 1) & (m->cap - 1))
			if (m->keys[i] == key)
				return swarm_hmap_val(m, i);
		m->keys[i] = key;
	}
	m->n++;
	if (added)
		*added = true;
	v = swarm_hmap_val(m, i);
	memset(v, 0, m->val_size);
	return v;
}

/*
 * Walk the map: *@pos starts at 0; each call gives the next key (in
 * *@key) and its value, NULL when all were given. The order is the
 * slots', not the order of insertion.
 */
void *swarm_hmap_next(const struct swarm_hmap *m, size_t *pos, uint64_t *key);

#endif /* SWARM_HMAP_H */
