/*
 * Service starts in flight: created, and waiting for the child to exec or
 * fail. hearth-spawner does not wait for each child in turn: a child waits
 * for a CPU before it reaches exec, and on a busy host that wait, not the
 * work, set the pace of a big fleet's start. Each start's outcome comes on
 * its own pipe, which the main loop polls; replies go out as outcomes come.
 *
 * An exit collected before its start's outcome was read is kept and
 * reported after the reply with the pid, so hearthd never hears of the exit
 * of a pid it does not know; one of a process that never ran is dropped.
 */
#ifndef HEARTH_SPAWNER_IN_FLIGHT_H
#define HEARTH_SPAWNER_IN_FLIGHT_H

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

#include "service-start.h"

/* At most this many at once; past it requests wait in the channel (hearthd's side queues them). */
#define IN_FLIGHT_MAX 64

int in_flight_room(void);

/* Takes over a begun start of request `id`; `line` (the request's text, unparsed) is kept for a second attempt. */
void in_flight_add(double id, const struct start_attempt *a, const struct service_start *s, const char *line, size_t len);

/* Fills one pollfd per start in flight; returns how many. */
int in_flight_pollfds(struct pollfd *p);

/*
 * Steps the starts whose pollfds (as filled above) woke, and replies for
 * those whose outcome is in. A start killed at birth inside its cgroup is
 * handed to `again` with its request's text, which must reply itself.
 */
void in_flight_step(const struct pollfd *p, int n, void (*again)(char *line, size_t len));

/* A child's exit: 1 if it is a start in flight (kept until its outcome), 0 otherwise. */
int in_flight_exited(pid_t pid, int status);

#endif
