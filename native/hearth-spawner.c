/*
 * hearth-spawner: starts processes for hearthd: one server per TCP
 * connection, and the main processes of services.
 *
 * Forking hearthd (a Node process of some 60 MiB) costs more than what it
 * starts: the kernel copies its page tables each time. This helper is
 * started once by hearthd, with a Node IPC channel, and stays small: hearthd
 * hands it each accepted connection with child.send(request, socket), and it
 * starts the server with vfork with the socket as fds 0, 1 and 2; a service
 * request carries no connection, and its process is created right inside the
 * unit's cgroup (spawner/service-start.c, spawner/service-request.h).
 *
 * The channel speaks Node's own IPC protocol (JSON serialization): one JSON
 * value per line, the connection's fd riding on the sendmsg(2) of the line
 * that announces it:
 *
 *   hearthd -> spawner  {"cmd":"NODE_HANDLE","type":"net.Socket","msg":REQUEST,"key":...}
 *                       REQUEST = {"id":N,"file":"/abs/path","argv":[..],"env":["K=V",..],"umask":N?,
 *                                  "cgroups":["/…/cgroup.procs",..]?}
 *   spawner -> hearthd  {"cmd":"NODE_HANDLE_ACK"}   (or _NACK when no fd came: Node resends)
 *                       {"id":N,"pid":P}  or  {"id":N,"error":"..."}
 *                       {"pid":P,"code":C,"signal":null} / {"pid":P,"code":null,"signal":S}
 *                       {"error":"..."}  for a line that is not a request at all
 *
 * Node also asks about sockets it handed over when their server closes
 * (NODE_SOCKET_NOTIFY_CLOSE, NODE_SOCKET_GET_COUNT): this helper keeps no
 * sockets, so it answers "all closed" and "0".
 *
 * With "cgroups", the server joins those cgroups (the service's, in the cgroup
 * v2 tree and the v1 hierarchies) between fork and exec: nothing it runs can
 * escape its service (common/server-start.c).
 *
 * Nothing goes through a shell. Every request is checked before anything is
 * started; a bad one gets an error reply and the helper carries on. It exits
 * when the channel closes (hearthd went away) or hearthd dies (PDEATHSIG);
 * servers it started keep running.
 *
 * usage: started by hearthd with NODE_CHANNEL_FD set; no arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/server-start.h"
#include "spawner/json.h"
#include "spawner/reply.h"
#include "spawner/request.h"
#include "spawner/in-flight.h"
#include "spawner/service-request.h"

#define MAX_LINE (1 << 20)   /* longest request line accepted */
#define MAX_FDS 64           /* fds received but not yet claimed by a message */
#define HANDLE_PREFIX "{\"cmd\":\"NODE_HANDLE\""

static int chan = -1;
/* The pid of hearthd, whose descriptors a service request names. */
static pid_t hearthd;


/* ---- fds that arrived with the channel's data ------------------------------- */

static int fdq[MAX_FDS];
static int fdq_len;

static void fdq_push(int fd) {
  if (fdq_len == MAX_FDS) {
    /* Nothing claimed them: Node sends one handle at a time, so this is garbage. */
    close(fdq[0]);
    memmove(fdq, fdq + 1, (MAX_FDS - 1) * sizeof fdq[0]);
    fdq_len--;
  }
  fdq[fdq_len++] = fd;
}

static int fdq_shift(void) {
  if (fdq_len == 0) return -1;
  int fd = fdq[0];
  memmove(fdq, fdq + 1, (size_t)(fdq_len - 1) * sizeof fdq[0]);
  fdq_len--;
  return fd;
}

/* ---- starting a server ------------------------------------------------------ */

static int take_cgroup(const char *path, int i, void *ctx) {
  if (!cgroup_procs_path_ok(path)) return 0;
  ((const char **)ctx)[i] = path;
  return 1;
}

/*
 * "cgroups": absent or null, or up to SERVER_MAX_CGROUPS cgroup.procs paths;
 * *out is NULL-terminated (or NULL). 0 after replying with the error.
 */
static int cgroup_list(jparser *j, jnode *arr, double id, const char ***out) {
  *out = NULL;
  if (!arr || arr->type == J_NULL) return 1;
  const char **v = calloc(SERVER_MAX_CGROUPS + 1, sizeof *v);
  if (!v) {
    reply_error(id, 1, "out of memory");
    return 0;
  }
  if (read_list(j, arr, "cgroups", "cgroup.procs paths", "the absolute path of a cgroup.procs file", SERVER_MAX_CGROUPS, take_cgroup, v, id) < 0) {
    free(v);
    return 0;
  }
  *out = v;
  return 1;
}

static void start_server(jparser *j, int req, int fd) {
  double id;
  if (!request_id(j, req, &id)) {
    if (fd >= 0) close(fd);
    return;
  }
  if (fd < 0) {
    reply_error(id, 1, "no connection came with the request");
    return;
  }
  struct program prog;
  const char **cgroups = NULL;
  if (!read_program(j, req, id, &prog)) goto done;
  if (!cgroup_list(j, jget(j, req, "cgroups"), id, &cgroups)) goto done;

  /* Node accepted the connection non-blocking, and the flag lives in the
     open file the server shares: a server expects a blocking stdin. */
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);

  char err[512];
  struct cgroup_target target;
  if (cgroup_target_open(&target, cgroups, err, sizeof err) < 0) {
    reply_error(id, 1, "%s", err);
    goto done;
  }
  struct server_start s = {
      .file = prog.file,
      .argv = prog.argv,
      .envp = prog.envp,
      .conn = fd,
      .set_umask = prog.set_umask,
      .umask = prog.umask,
      .cgroups = target.n ? &target : NULL,
  };
  pid_t pid = server_start(&s, err, sizeof err);
  cgroup_target_close(&target);
  if (pid < 0) reply_error(id, 1, "%s", err);
  else report_started(id, pid);

done:
  program_free(&prog);
  free(cgroups);
  close(fd);
}

/* The line being handled, as it came: parsing changes it in place, and a start in flight keeps it for a second attempt. */
static char *unparsed;
static size_t unparsed_cap;

/* Whether a line (or the start of one) is Node's announcement of a connection handed over with it. */
static int announces_handle(const char *line, size_t len) {
  return len >= sizeof HANDLE_PREFIX - 1 && memcmp(line, HANDLE_PREFIX, sizeof HANDLE_PREFIX - 1) == 0;
}

static void handle_line(jparser *j, char *line, size_t len) {
  int announces = announces_handle(line, len);
  if (len > unparsed_cap) {
    char *nb = realloc(unparsed, len);
    if (nb) {
      unparsed = nb;
      unparsed_cap = len;
    }
  }
  /* Out of memory: no copy, so the start is waited for here (in flight, it could not be tried again). */
  int kept = len <= unparsed_cap;
  if (kept) memcpy(unparsed, line, len);
  int root = jparse(j, line, len);
  if (root < 0) {
    reply_error(0, 0, "malformed message: %s", j->err);
    if (announces) {
      /* Node waits for the ACK of a handle before it sends anything else. */
      int fd = fdq_shift();
      if (fd >= 0) close(fd);
      ack("NODE_HANDLE_ACK");
    }
    return;
  }
  jnode *cmd = jget(j, root, "cmd");
  if (cmd && cmd->type == J_STR && strcmp(cmd->str, "NODE_HANDLE") == 0) {
    int fd = fdq_shift();
    if (fd < 0) {
      ack("NODE_HANDLE_NACK"); /* the fd got lost (MSG_CTRUNC): Node sends it again */
      return;
    }
    ack("NODE_HANDLE_ACK");
    jnode *type = jget(j, root, "type");
    if (!type || type->type != J_STR || strcmp(type->str, "net.Socket") != 0) {
      close(fd);
      reply_error(0, 0, "only connected sockets (net.Socket) are accepted");
      return;
    }
    start_server(j, node_index(j, jget(j, root, "msg")), fd);
    return;
  }
  if (cmd && cmd->type == J_STR && strncmp(cmd->str, "NODE_", 5) == 0) {
    /* Node's bookkeeping for sockets handed over by a net.Server: none are kept here. */
    jnode *key = jget(j, root, "key");
    if (!key || key->type != J_STR) return;
    if (strcmp(cmd->str, "NODE_SOCKET_NOTIFY_CLOSE") == 0) {
      OUT_LIT("{\"cmd\":\"NODE_SOCKET_ALL_CLOSED\",\"key\":");
      out_json_string(key->str);
      OUT_LIT("}\n");
    } else if (strcmp(cmd->str, "NODE_SOCKET_GET_COUNT") == 0) {
      OUT_LIT("{\"cmd\":\"NODE_SOCKET_COUNT\",\"key\":");
      out_json_string(key->str);
      OUT_LIT(",\"count\":0}\n");
    }
    return;
  }
  if (is_service_request(j, root)) {
    start_service(j, root, hearthd, unparsed, len, kept ? START_IN_FLIGHT : START_WAITING);
    return;
  }
  /* A request without a connection: answer it, so the sender is not left waiting. */
  start_server(j, root, -1);
}

/* ---- children ---------------------------------------------------------------- */

static void reap(void) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    if (!in_flight_exited(pid, status)) report_exit(pid, status);
  }
}

/* A start killed as it was created in its cgroup (spawner/service-start.c): once more, the old way. */
static jparser again_parser;

static void start_again(char *line, size_t len) {
  int root = jparse(&again_parser, line, len);
  /* It parsed once; only memory can fail it now, and then the request is lost: said, at least. */
  if (root < 0) reply_error(0, 0, "cannot start a process killed as it was created again: %s", again_parser.err);
  else start_service(&again_parser, root, hearthd, line, len, START_OLD_WAY);
}

/* ---- the channel's lines --------------------------------------------------- */

struct line_buffer {
  char *buf;
  size_t cap, len;
  size_t scanned;        /* bytes from the front already searched for a newline */
  int discarding;        /* inside an over-long line: drop it up to its newline */
  int discarding_handle; /* ... and that line announced a connection */
};

/* The buffer holds the start of a line longer than MAX_LINE: dropped, and the rest of it up to its newline. */
static void start_discarding(struct line_buffer *in) {
  in->discarding = 1;
  in->discarding_handle = announces_handle(in->buf, in->len);
  in->len = 0;
  in->scanned = 0;
}

/* Reads what the channel has, with the descriptors that ride on it: > 0 (also when nothing was there after all); 0 when hearthd closed it; -1 out of memory. */
static ssize_t receive(struct line_buffer *in) {
  if (in->cap - in->len < 4096) {
    if (in->cap >= MAX_LINE * 2) {
      start_discarding(in);
    } else {
      char *nb = realloc(in->buf, in->cap * 2);
      if (!nb) return -1;
      in->buf = nb;
      in->cap *= 2;
    }
  }
  union {
    struct cmsghdr h;
    char space[CMSG_SPACE(sizeof(int) * 16)];
  } ctl;
  struct iovec iov = {in->buf + in->len, in->cap - in->len};
  struct msghdr mh = {0};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = ctl.space;
  mh.msg_controllen = sizeof ctl.space;
  ssize_t n;
  do n = recvmsg(chan, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN ? 1 : 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < count; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      fdq_push(fd);
    }
  }
  in->len += (size_t)n;
  return n;
}

/* Handles the complete lines received, while starts in flight have room; what is left moves to the front. */
static void handle_lines(jparser *j, struct line_buffer *in) {
  size_t start = 0;
  int stopped = 0;
  for (size_t i = in->scanned; i < in->len; i++) {
    if (in->buf[i] != '\n') continue;
    if (in->discarding) {
      in->discarding = 0;
      reply_error(0, 0, "malformed message: longer than %d bytes", MAX_LINE);
      if (in->discarding_handle) {
        /* Node waits for the ACK of a handle before it sends anything else. */
        int fd = fdq_shift();
        if (fd >= 0) close(fd);
        ack("NODE_HANDLE_ACK");
      }
    } else if (i > start) {
      if (!in_flight_room()) {
        stopped = 1;
        break;
      }
      handle_line(j, in->buf + start, i - start);
    }
    start = i + 1;
  }
  if (start > 0) {
    memmove(in->buf, in->buf + start, in->len - start);
    in->len -= start;
  }
  /* Stopped early, the rest holds whole lines: searched again next time, and never taken for one over-long line. */
  in->scanned = stopped ? 0 : in->len;
  if (!stopped && in->len > MAX_LINE) start_discarding(in);
}

/* ---- main loop ---------------------------------------------------------------- */

int main(void) {
  const char *fdstr = getenv("NODE_CHANNEL_FD");
  const char *mode = getenv("NODE_CHANNEL_SERIALIZATION_MODE");
  char *endp = NULL;
  long cfd = fdstr ? strtol(fdstr, &endp, 10) : -1;
  if (!fdstr || *fdstr == '\0' || *endp != '\0' || cfd < 0 || cfd > INT_MAX) {
    fprintf(stderr, "hearth-spawner: start me from hearthd (NODE_CHANNEL_FD is not set)\n");
    return 2;
  }
  if (mode && strcmp(mode, "json") != 0) {
    fprintf(stderr, "hearth-spawner: serialization \"%s\" is not supported (only json)\n", mode);
    return 2;
  }
  chan = (int)cfd;
  reply_channel(chan);
  if (fcntl(chan, F_SETFD, FD_CLOEXEC) < 0) {
    perror("hearth-spawner: channel");
    return 2;
  }
  int fl = fcntl(chan, F_GETFL);
  if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(chan, F_SETFL, fl & ~O_NONBLOCK);

  prctl(PR_SET_PDEATHSIG, SIGTERM);
  hearthd = getppid();
  if (hearthd == 1) return 0; /* hearthd already gone */
  /* Keyboard signals are for hearthd, which stops us by closing the channel. */
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);

  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) {
    perror("hearth-spawner: signalfd");
    return 1;
  }

  jparser j = {0};
  struct line_buffer in = {0};
  in.cap = 65536;
  in.buf = malloc(in.cap);
  if (!in.buf) return 1;

  for (;;) {
    handle_lines(&j, &in);
    flush_some();
    /* A full table of starts in flight: the channel waits (hearthd queues), the outcomes come first. */
    int reading = in_flight_room();
    struct pollfd p[2 + IN_FLIGHT_MAX];
    p[0] = (struct pollfd){reading || out_pending() ? chan : -1, (short)((reading ? POLLIN : 0) | (out_pending() ? POLLOUT : 0)), 0};
    p[1] = (struct pollfd){sfd, POLLIN, 0};
    int flying = in_flight_pollfds(p + 2);
    if (poll(p, (nfds_t)(2 + flying), -1) < 0) {
      if (errno == EINTR) continue;
      perror("hearth-spawner: poll");
      return 1;
    }
    if (p[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) > 0) {
      }
      reap();
    }
    in_flight_step(p + 2, flying, start_again);
    if (reading && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t got = receive(&in);
      if (got == 0) return 0; /* hearthd closed the channel */
      if (got < 0) return 1;
    }
    /* Reap before replying, so a short-lived server's exit follows its start. */
    reap();
    flush_some();
  }
}
