// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-swarm: the registry of swarm targets, to find a device's live table
 * by dev_t (the control device) and the table a reload replaces (live map
 * adoption).
 *
 * A device may have two tables at once (a reload): the live one is the
 * one resumed last. Lookups take a use count, so that a control request
 * can drop the registry's mutex while it works on the target; the
 * destructor leaves the registry, then waits for those uses to end.
 */
#include <linux/mutex.h>
#include <linux/wait.h>

#include "swarm.h"

static DEFINE_MUTEX(swarm_registry_mutex);
static LIST_HEAD(swarm_registry);
static DECLARE_WAIT_QUEUE_HEAD(swarm_registry_wait);
static u64 swarm_resume_seq;

void swarm_registry_add(struct swarm_c *sc)
{
	mutex_lock(&swarm_registry_mutex);
	list_add(&sc->reg.list, &swarm_registry);
	mutex_unlock(&swarm_registry_mutex);
}

/* The destructor: no new lookups find @sc; wait for those that did. */
void swarm_registry_del(struct swarm_c *sc)
{
	mutex_lock(&swarm_registry_mutex);
	list_del_init(&sc->reg.list);
	mutex_unlock(&swarm_registry_mutex);
	wait_event(swarm_registry_wait, !READ_ONCE(sc->reg.users));
}

/* A table of a swarm device goes live. */
void swarm_registry_resume(struct swarm_c *sc)
{
	mutex_lock(&swarm_registry_mutex);
	sc->reg.resume_seq = ++swarm_resume_seq;
	mutex_unlock(&swarm_registry_mutex);
}

/**
 * swarm_registry_get() - the live swarm target of a device.
 * @dev: the device.
 *
 * Return: the target resumed last, to be put with swarm_registry_put(),
 * or NULL.
 */
struct swarm_c *swarm_registry_get(dev_t dev)
{
	struct swarm_c *sc, *best = NULL;

	mutex_lock(&swarm_registry_mutex);
	list_for_each_entry(sc, &swarm_registry, reg.list)
		if (sc->reg.resume_seq && swarm_devt(sc) == dev &&
		    (!best || sc->reg.resume_seq > best->reg.resume_seq))
			best = sc;
	if (best)
		best->reg.users++;
	mutex_unlock(&swarm_registry_mutex);
	return best;
}

void swarm_registry_put(struct swarm_c *sc)
{
	mutex_lock(&swarm_registry_mutex);
	if (!--sc->reg.users)
		wake_up_all(&swarm_registry_wait);
	mutex_unlock(&swarm_registry_mutex);
}
