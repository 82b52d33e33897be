/*
 * Starting one per-connection server: shared by hearth-spawner and
 * hearth-acceptor, so both give a server the same start.
 */
#ifndef HEARTH_SERVER_START_H
#define HEARTH_SERVER_START_H

#include <stddef.h>
#include <sys/types.h>

/* At most this many cgroup.procs files per server (v2 plus the v1 hierarchies). */
#define SERVER_MAX_CGROUPS 8

/*
 * The cgroups a service's servers go into, opened once: a helper that holds
 * many connections must not need a free descriptor to start a server. The
 * cgroup v2 directory (if one is named) is where the kernel creates each
 * server (clone3 with CLONE_INTO_CGROUP); the other files are joined by the
 * server writing "0" to them between fork and exec.
 */
struct cgroup_target {
  const char *paths[SERVER_MAX_CGROUPS]; /* the cgroup.procs files, as named */
  int fds[SERVER_MAX_CGROUPS];           /* each one open O_WRONLY */
  int n;
  int v2;                                /* index of the cgroup v2 file in paths/fds, or -1 */
  int v2_dir;                            /* its directory, open for CLONE_INTO_CGROUP, or -1 */
  int create_inside;                     /* 0 once creating inside failed here: join by writing from then on */
};

/* Opens every cgroup.procs file of a NULL-terminated list (NULL: none); -1 with a message in err. */
int cgroup_target_open(struct cgroup_target *t, const char *const *cgroups, char *err, size_t errlen);
void cgroup_target_close(struct cgroup_target *t);

struct server_start {
  const char *file;          /* absolute path of the program */
  char *const *argv;
  char *const *envp;
  int conn;                  /* the connection: the server's fds 0, 1 and 2 */
  int set_umask;
  mode_t umask;
  struct cgroup_target *cgroups; /* where the server goes before it execs, or NULL */
};

/*
 * Starts the server; returns its pid, or -1 with a message in err. Nothing
 * of the program runs before the server is in every cgroup of the target.
 */
pid_t server_start(const struct server_start *s, char *err, size_t errlen);

/*
 * In a child between fork and exec: the program starts as Node would start
 * it, nothing blocked, nothing ignored. The helpers ignore SIGPIPE, SIGINT
 * and SIGQUIT and block SIGCHLD; they catch nothing, so that is all to undo.
 */
void reset_signals_for_exec(void);

/* Whether a path may name a cgroup.procs file: absolute, no "..", ending in "/cgroup.procs". */
int cgroup_procs_path_ok(const char *path);

#endif
