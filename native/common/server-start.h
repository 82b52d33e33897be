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

struct server_start {
  const char *file;          /* absolute path of the program */
  char *const *argv;
  char *const *envp;
  int conn;                  /* the connection: the server's fds 0, 1 and 2 */
  int set_umask;
  mode_t umask;
  const char *const *cgroups; /* cgroup.procs files the server joins before it execs; NULL-terminated or NULL */
  /* The same files already open (O_WRONLY|O_CLOEXEC), one per entry of cgroups, or NULL: a helper
     that holds many connections opens them once, so a full descriptor table cannot stop a start. */
  const int *cgroup_fds;
};

/* Opens every cgroup.procs file of a NULL-terminated list for server_start's cgroup_fds; -1 with a message in err. */
int cgroup_procs_open(const char *const *cgroups, int *fds, char *err, size_t errlen);

/*
 * Starts the server; returns its pid, or -1 with a message in err. Nothing
 * of the program runs before the server is in every cgroup given: the child
 * joins them between fork and exec.
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
