/*
 * Starting a service's process in hearth-spawner: created inside its cgroup,
 * in a new session, with its limits, working directory and output, then
 * exec'd. hearthd used to fork itself for this; see service-start.c for why
 * it no longer does.
 */
#ifndef HEARTH_SPAWNER_SERVICE_START_H
#define HEARTH_SPAWNER_SERVICE_START_H

#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#define SERVICE_MAX_LIMITS 16
#define SERVICE_MAX_JOINS 8

struct service_start {
  const char *file; /* absolute path of the program (or of the first wrapper) */
  char *const *argv;
  char *const *envp;
  const char *cwd; /* NULL: stay in the helper's */
  int set_umask;
  mode_t umask;
  int stdio[3]; /* open descriptors that become fds 0, 1 and 2 */
  int nlimits;
  int limit_resource[SERVICE_MAX_LIMITS];
  struct rlimit limit[SERVICE_MAX_LIMITS];
  int cgroup_dir;      /* the cgroup v2 directory (O_PATH) the process is created in, or -1 */
  const char *cgroup;  /* its path, for messages */
  int njoins;
  int join[SERVICE_MAX_JOINS];          /* cgroup.procs files (cgroup v1) the process writes "0" to */
  const char *join_path[SERVICE_MAX_JOINS];
};

/* What a failure message names; kept (as copies) with a start in flight, whose request is gone by then. */
struct start_labels {
  const char *file;
  const char *cwd;
  const char *cgroup;
  const char *join_path[SERVICE_MAX_JOINS];
  int limit_resource[SERVICE_MAX_LIMITS];
};

void service_labels(const struct service_start *s, struct start_labels *l);

/* A process created and not yet known to have exec'd. */
struct start_attempt {
  pid_t pid;
  int pipe;        /* the read end of the child's close-on-exec pipe: its outcome */
  int into_cgroup; /* created with CLONE_INTO_CGROUP (a child killed at birth gets a second, old-way attempt) */
  int alive;       /* the child said it lives (see service-start.c) */
};

enum start_outcome { START_PENDING, START_RUNNING, START_FAILED, START_KILLED_AT_BIRTH };

/*
 * Creates the process and returns at once: 0 with *a, or -1 with a message
 * in err (nothing was created). Inside the cgroup with clone3 where allowed
 * and the kernel can; otherwise fork, and the child joins by writing.
 */
int service_begin(const struct service_start *s, int allow_into_cgroup, struct start_attempt *a, char *err, size_t errlen);

/*
 * One step on a begun start, when poll(2) finds its pipe readable or hung
 * up; never blocks. START_PENDING until the outcome is in; then the pipe is
 * closed and, unless `reaped` (its exit was already collected), a child that
 * never ran is reaped. err holds the message of a failure.
 */
enum start_outcome service_step(struct start_attempt *a, const struct start_labels *l, int reaped, char *err, size_t errlen);

/*
 * Begins and waits for the outcome: returns the pid once the program has
 * exec'd, or -1 with a message in err (nothing of the program ran, and the
 * child was reaped). A child killed at birth is started again the old way.
 */
pid_t service_start(const struct service_start *s, int allow_into_cgroup, char *err, size_t errlen);

#endif
