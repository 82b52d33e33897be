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

/*
 * Starts the process; returns its pid once it has exec'd, or -1 with a
 * message in err (nothing of the program ran, and the child was reaped).
 */
pid_t service_start(const struct service_start *s, char *err, size_t errlen);

#endif
