/* Reading a service request (see service-request.h) into a service_start. */
#define _GNU_SOURCE
#include "service-request.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/rlimits.h"
#include "common/server-start.h"
#include "in-flight.h"
#include "reply.h"
#include "service-start.h"
#include "request.h"

int is_service_request(jparser *j, int req) {
  return req >= 0 && j->nodes[req].type == J_OBJ && jget(j, req, "stdio") != NULL;
}

/* Absolute, and no "." or ".." segment: the helper runs as root. */
static int clean_absolute(const char *p) {
  if (p[0] != '/') return 0;
  for (const char *s = p; (s = strchr(s, '/')) != NULL; s++) {
    if (s[1] == '.' && (s[2] == '/' || s[2] == '\0')) return 0;
    if (s[1] == '.' && s[2] == '.' && (s[3] == '/' || s[3] == '\0')) return 0;
  }
  return 1;
}

/* An optional string field: "" when absent or null, NULL when not a string. */
static const char *optional_string(jparser *j, int req, const char *key) {
  jnode *n = jget(j, req, key);
  if (!n || n->type == J_NULL) return "";
  if (n->type != J_STR || n->nul) return NULL;
  return n->str;
}

/* The access mode and O_APPEND of hearthd's descriptor, from its fdinfo. */
static int reopen_flags(pid_t hearthd, int fd) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", (int)hearthd, fd);
  int info = open(path, O_RDONLY | O_CLOEXEC);
  if (info < 0) return -1;
  ssize_t n = read(info, buf, sizeof buf - 1);
  close(info);
  if (n <= 0) return -1;
  buf[n] = '\0';
  char *f = strstr(buf, "\nflags:");
  if (!f) return -1;
  long flags = strtol(f + 7, NULL, 8);
  return (int)(flags & (O_ACCMODE | O_APPEND));
}

/* A FIFO by its path, read-write as hearthd's own output FIFOs are opened: never blocks, never SIGPIPE. */
static int open_fifo(const char *path, int i, double id) {
  if (path[0] != '/') {
    reply_error(id, 1, "\"stdio\"[%d] must be an absolute path", i);
    return -1;
  }
  int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    reply_error(id, 1, "cannot open the pipe %s for fd %d: %s", path, i, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) {
    close(fd);
    reply_error(id, 1, "\"stdio\"[%d]: %s is not a FIFO", i, path);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK); /* the service writes as to any pipe */
  return fd;
}

/* fd `i` of the process: /dev/null, a FIFO by path, or the file behind hearthd's descriptor. -1 after replying. */
static int open_stdio(jnode *e, int i, pid_t hearthd, double id) {
  if (e->type == J_NULL) {
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) reply_error(id, 1, "cannot open /dev/null: %s", strerror(errno));
    return fd;
  }
  if (e->type == J_STR && !e->nul) return open_fifo(e->str, i, id);
  if (e->type != J_NUM || e->num < 0 || e->num > 1 << 30 || e->num != (double)(int)e->num) {
    reply_error(id, 1, "\"stdio\"[%d] must be null, a FIFO's path or a descriptor number", i);
    return -1;
  }
  /* hearthd gone: its pid may name another process by now. */
  if (getppid() != hearthd) {
    reply_error(id, 1, "hearthd is gone");
    return -1;
  }
  int flags = reopen_flags(hearthd, (int)e->num);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)hearthd, (int)e->num);
  int fd = flags < 0 ? -1 : open(path, flags | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) reply_error(id, 1, "cannot open hearthd's descriptor %d for fd %d: %s", (int)e->num, i, strerror(errno));
  return fd;
}

static int take_limit(const char *text, int i, void *ctx) {
  struct service_start *s = ctx;
  return rlimit_parse(text, &s->limit_resource[i], &s->limit[i]) == 0;
}

static int take_join_path(const char *path, int i, void *ctx) {
  if (!cgroup_procs_path_ok(path)) return 0;
  ((struct service_start *)ctx)->join_path[i] = path;
  return 1;
}

/* The v1 cgroup.procs files, opened; 0 after replying (what was opened is in s->join for the caller to close). */
static int open_joins(jparser *j, jnode *arr, struct service_start *s, double id) {
  int n = read_list(j, arr, "joins", "cgroup.procs paths", "the absolute path of a cgroup.procs file", SERVICE_MAX_JOINS, take_join_path, s, id);
  if (n < 0) return 0;
  for (int i = 0; i < n; i++) {
    int fd = open(s->join_path[i], O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      reply_error(id, 1, "cannot join the cgroup of %s: %s", s->join_path[i], strerror(errno));
      return 0;
    }
    s->join[s->njoins++] = fd;
  }
  return 1;
}

void start_service(jparser *j, int req, pid_t hearthd, const char *line, size_t len, enum start_how how) {
  double id;
  if (!request_id(j, req, &id)) return;
  struct service_start s;
  memset(&s, 0, sizeof s);
  s.stdio[0] = s.stdio[1] = s.stdio[2] = -1;
  s.cgroup_dir = -1;
  struct program prog;

  const char *cwd = optional_string(j, req, "cwd");
  const char *cgroup = optional_string(j, req, "cgroup");
  jnode *stdio = jget(j, req, "stdio");
  if (!read_program(j, req, id, &prog)) goto done;
  if (!cwd || (*cwd && cwd[0] != '/')) {
    reply_error(id, 1, "\"cwd\" must be an absolute path");
    goto done;
  }
  if (!cgroup || (*cgroup && !clean_absolute(cgroup))) {
    reply_error(id, 1, "\"cgroup\" must be the absolute path of a cgroup v2 directory");
    goto done;
  }
  if (!stdio || stdio->type != J_ARR) {
    reply_error(id, 1, "\"stdio\" must be an array of three entries");
    goto done;
  }
  s.nlimits = read_list(j, jget(j, req, "rlimits"), "rlimits", "\"NAME=SOFT:HARD\" strings", "a \"NAME=SOFT:HARD\" string", SERVICE_MAX_LIMITS, take_limit, &s, id);
  if (s.nlimits < 0) goto done;
  if (!open_joins(j, jget(j, req, "joins"), &s, id)) goto done;
  int entries = 0;
  for (int c = stdio->child; c >= 0; c = j->nodes[c].next) entries++;
  if (entries != 3) {
    reply_error(id, 1, "\"stdio\" must be an array of three entries");
    goto done;
  }
  int i = 0;
  for (int c = stdio->child; c >= 0; c = j->nodes[c].next, i++)
    if ((s.stdio[i] = open_stdio(&j->nodes[c], i, hearthd, id)) < 0) goto done;
  if (*cgroup) {
    s.cgroup_dir = open(cgroup, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (s.cgroup_dir < 0) {
      reply_error(id, 1, "cannot join the cgroup %s: %s", cgroup, strerror(errno));
      goto done;
    }
    s.cgroup = cgroup;
  }
  s.file = prog.file;
  s.argv = prog.argv;
  s.envp = prog.envp;
  s.cwd = *cwd ? cwd : NULL;
  s.set_umask = prog.set_umask;
  s.umask = prog.umask;

  char err[512];
  if (how == START_IN_FLIGHT && in_flight_room()) {
    struct start_attempt a;
    if (service_begin(&s, 1, &a, err, sizeof err) < 0) reply_error(id, 1, "%s", err);
    else in_flight_add(id, &a, &s, line, len);
  } else {
    pid_t pid = service_start(&s, how != START_OLD_WAY, err, sizeof err);
    if (pid < 0) reply_error(id, 1, "%s", err);
    else report_started(id, pid);
  }

done:
  for (int k = 0; k < 3; k++)
    if (s.stdio[k] >= 0) close(s.stdio[k]);
  for (int k = 0; k < s.njoins; k++) close(s.join[k]);
  if (s.cgroup_dir >= 0) close(s.cgroup_dir);
  program_free(&prog);
}
