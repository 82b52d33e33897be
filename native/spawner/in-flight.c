/* Service starts in flight (see in-flight.h). */
#define _GNU_SOURCE
#include "in-flight.h"

#include <stdlib.h>
#include <string.h>

#include "reply.h"

struct in_flight {
  int used;
  double id;
  struct start_attempt a;
  struct start_labels labels; /* strings owned (copies) */
  char *line;                 /* the request, for a second attempt */
  size_t len;
  int exited; /* its exit was collected before its outcome was read */
  int status;
};

static struct in_flight table[IN_FLIGHT_MAX];
static int count;
/* Which entry each pollfd of the last in_flight_pollfds() belongs to. */
static int polled[IN_FLIGHT_MAX];

int in_flight_room(void) {
  return count < IN_FLIGHT_MAX;
}

static char *copy(const char *s) {
  return s ? strdup(s) : NULL;
}

static void labels_copy(struct start_labels *to, const struct start_labels *from) {
  *to = *from;
  to->file = copy(from->file);
  to->cwd = copy(from->cwd);
  to->cgroup = copy(from->cgroup);
  for (int i = 0; i < SERVICE_MAX_JOINS; i++) to->join_path[i] = copy(from->join_path[i]);
}

static void labels_free(struct start_labels *l) {
  free((char *)l->file);
  free((char *)l->cwd);
  free((char *)l->cgroup);
  for (int i = 0; i < SERVICE_MAX_JOINS; i++) free((char *)l->join_path[i]);
}

void in_flight_add(double id, const struct start_attempt *a, const struct service_start *s, const char *line, size_t len) {
  struct in_flight *e = NULL;
  for (int i = 0; i < IN_FLIGHT_MAX && !e; i++)
    if (!table[i].used) e = &table[i];
  if (!e) abort(); /* callers ask in_flight_room() first */
  memset(e, 0, sizeof *e);
  e->used = 1;
  e->id = id;
  e->a = *a;
  struct start_labels l;
  service_labels(s, &l);
  labels_copy(&e->labels, &l);
  /* Out of memory: no second attempt, and a failure names less; the start itself goes on. */
  e->line = malloc(len + 1);
  if (e->line) {
    memcpy(e->line, line, len);
    e->line[len] = '\0';
    e->len = len;
  }
  count++;
}

int in_flight_pollfds(struct pollfd *p) {
  int n = 0;
  for (int i = 0; i < IN_FLIGHT_MAX; i++) {
    if (!table[i].used) continue;
    p[n].fd = table[i].a.pipe;
    p[n].events = POLLIN;
    p[n].revents = 0;
    polled[n++] = i;
  }
  return n;
}

static void finish(struct in_flight *e) {
  labels_free(&e->labels);
  free(e->line);
  memset(e, 0, sizeof *e);
  count--;
}

void in_flight_step(const struct pollfd *p, int n, void (*again)(char *line, size_t len)) {
  for (int k = 0; k < n; k++) {
    if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    struct in_flight *e = &table[polled[k]];
    char err[512];
    enum start_outcome r = service_step(&e->a, &e->labels, e->exited, err, sizeof err);
    if (r == START_PENDING) continue;
    if (r == START_RUNNING) {
      report_started(e->id, e->a.pid);
      if (e->exited) report_exit(e->a.pid, e->status);
    } else if (r == START_KILLED_AT_BIRTH && e->a.into_cgroup && e->line) {
      again(e->line, e->len);
    } else {
      reply_error(e->id, 1, "%s", err);
    }
    finish(e);
  }
}

int in_flight_exited(pid_t pid, int status) {
  for (int i = 0; i < IN_FLIGHT_MAX; i++) {
    if (!table[i].used || table[i].a.pid != pid) continue;
    table[i].exited = 1;
    table[i].status = status;
    return 1;
  }
  return 0;
}
