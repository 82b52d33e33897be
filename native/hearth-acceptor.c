/*
 * hearth-acceptor: accepts the connections of one plain wait = no TCP service
 * and starts its server for each one that hearthd admits.
 *
 * Handing every accepted socket from hearthd to a helper costs hearthd a Node
 * socket object and an IPC round trip per connection, one at a time. Here the
 * helper owns accept(2) and hearthd only decides: connections are announced
 * and answered in batches, as plain text lines, and hearthd keeps access
 * control, limits and logging exactly as for any other service.
 *
 * fd 3 is the bound (not yet listening) TCP socket. stdin carries decisions,
 * stdout carries events, one per line (ID is this helper's connection number):
 *
 *   out  r                      listening
 *   out  c ID ADDRESS PORT      a connection waits for a decision
 *   in   y ID                   start the server for it
 *   in   n ID                   refuse it (close)
 *   out  s ID PID               the server runs
 *   out  f ID MESSAGE           the server could not be started
 *   out  x PID CODE SIGNAL      a server ended (CODE -1 when killed; SIGNAL 0 when not)
 *   in   q  (or end of input)   stop accepting; exit once every server has ended
 *   out  q                      the listening socket is closed here
 *
 * The server gets the connection as fds 0, 1 and 2, the environment given
 * with --env plus REMOTE_HOST, REMOTE_ADDR and REMOTE_PORT (only REMOTE_HOST
 * with --host-only, as xinetd sets it), no blocked or ignored signals, and
 * --umask if given. With --cgroup (once per hierarchy) each server joins
 * those cgroup.procs files between fork and exec, so it is inside its
 * service before its program runs. Nothing goes through a shell.
 *
 * usage: hearth-acceptor [--umask OCTAL] [--argv0 NAME] [--env NAME=VALUE]... [--cgroup PROCS_FILE]...
 *                        [--host-only] [--nodelay] [--keepalive] [--backlog N] -- FILE [ARGS...]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
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

#define LISTEN_FD 3
#define MAX_PENDING 256 /* undecided connections; accepting pauses beyond this */

static char out[65536];
static size_t out_len;

static void flush_out(void) {
  size_t off = 0;
  while (off < out_len) {
    ssize_t n = write(STDOUT_FILENO, out + off, out_len - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      _exit(0); /* hearthd is gone */
    }
    off += (size_t)n;
  }
  out_len = 0;
}

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...) {
  if (sizeof out - out_len < 512) flush_out();
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(out + out_len, sizeof out - out_len, fmt, ap);
  va_end(ap);
  if (n > 0) out_len += (size_t)n < sizeof out - out_len ? (size_t)n : sizeof out - out_len - 1;
}

struct pending {
  unsigned long id;
  int fd;
  char addr[INET6_ADDRSTRLEN];
  unsigned port;
};
static struct pending pend[MAX_PENDING];
static int npend;

static const char *file;
static char **server_argv;
static char **server_env; /* with three free slots at the end for REMOTE_* */
static int host_only;     /* REMOTE_HOST alone, as xinetd sets it */
static int nenv;
static int have_umask;
static mode_t server_umask;
static int children;
/* cgroup.procs files every server joins before it execs (--cgroup); NULL-terminated */
static const char *cgroups[SERVER_MAX_CGROUPS + 1];
static int ncgroups;
/* The same cgroups, opened once at start: pending connections can fill the descriptor table. */
static struct cgroup_target target;
/* accept4 failed for want of a descriptor: wait until a pending connection is handed on. */
static int starved;

static struct pending *find(unsigned long id) {
  for (int i = 0; i < npend; i++)
    if (pend[i].id == id) return &pend[i];
  return NULL;
}

static void drop(struct pending *p) {
  close(p->fd);
  starved = 0;
  *p = pend[--npend];
}

/* Reads what the client already sent, so that closing sends a FIN, not a reset. */
static void refuse(struct pending *p) {
  char sink[4096];
  int fl = fcntl(p->fd, F_GETFL);
  if (fl >= 0) fcntl(p->fd, F_SETFL, fl | O_NONBLOCK);
  for (int i = 0; i < 16 && read(p->fd, sink, sizeof sink) > 0; i++) {
  }
  drop(p);
}

static void start(struct pending *p) {
  char host[INET6_ADDRSTRLEN + 16], addr[INET6_ADDRSTRLEN + 16], port[32];
  snprintf(host, sizeof host, "REMOTE_HOST=%s", p->addr);
  snprintf(addr, sizeof addr, "REMOTE_ADDR=%s", p->addr);
  snprintf(port, sizeof port, "REMOTE_PORT=%u", p->port);
  server_env[nenv] = host;
  server_env[nenv + 1] = host_only ? NULL : addr;
  server_env[nenv + 2] = port;
  server_env[nenv + 3] = NULL;

  struct server_start st = {
      .file = file,
      .argv = server_argv,
      .envp = server_env,
      .conn = p->fd,
      .set_umask = have_umask,
      .umask = server_umask,
      .cgroups = ncgroups ? &target : NULL,
  };
  char err[512];
  pid_t pid = server_start(&st, err, sizeof err);
  if (pid < 0) {
    emit("f %lu %s\n", p->id, err);
  } else {
    children++;
    emit("s %lu %d\n", p->id, (int)pid);
  }
  drop(p);
}

static void reap(void) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    children--;
    if (WIFSIGNALED(status)) emit("x %d -1 %d\n", (int)pid, WTERMSIG(status));
    else emit("x %d %d 0\n", (int)pid, WEXITSTATUS(status));
  }
}

static int listening = 1;

static void stop_accepting(void) {
  if (!listening) return;
  close(LISTEN_FD);
  listening = 0;
  while (npend > 0) drop(&pend[0]);
  /* hearthd may bind the port again (a reload) once this copy is closed. */
  emit("q\n");
}

static void accept_all(int nodelay, int keepalive) {
  static unsigned long next_id = 1;
  for (int round = 0; round < 64 && npend < MAX_PENDING; round++) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = accept4(LISTEN_FD, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
    if (fd < 0) {
      /* Out of descriptors: the connection waits in the queue (polling now would spin). */
      if (errno == EMFILE || errno == ENFILE) starved = 1;
      return; /* else EAGAIN, or a connection that died in the queue */
    }
    int one = 1;
    if (nodelay) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (keepalive) setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    struct pending *p = &pend[npend++];
    p->id = next_id++;
    p->fd = fd;
    p->addr[0] = '\0';
    p->port = 0;
    if (ss.ss_family == AF_INET) {
      struct sockaddr_in *a = (struct sockaddr_in *)&ss;
      inet_ntop(AF_INET, &a->sin_addr, p->addr, sizeof p->addr);
      p->port = ntohs(a->sin_port);
    } else if (ss.ss_family == AF_INET6) {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
      inet_ntop(AF_INET6, &a->sin6_addr, p->addr, sizeof p->addr);
      p->port = ntohs(a->sin6_port);
    }
    emit("c %lu %s %u\n", p->id, p->addr[0] ? p->addr : "-", p->port);
  }
}

static void command(char *line) {
  char *end;
  if (line[0] == 'q' && line[1] == '\0') {
    stop_accepting();
    return;
  }
  if ((line[0] != 'y' && line[0] != 'n') || line[1] != ' ') return;
  unsigned long id = strtoul(line + 2, &end, 10);
  if (*end != '\0') return;
  struct pending *p = find(id);
  if (!p) return;
  if (line[0] == 'y') start(p);
  else refuse(p);
}

static void usage(const char *why) {
  fprintf(stderr, "hearth-acceptor: %s\nusage: hearth-acceptor [--umask OCTAL] [--argv0 NAME] [--env NAME=VALUE]... [--cgroup PROCS_FILE]... [--host-only] [--nodelay] [--keepalive] [--backlog N] -- FILE [ARGS...]\n", why);
  exit(2);
}

int main(int argc, char **argv) {
  const char *argv0 = NULL;
  int nodelay = 0, keepalive = 0, backlog = 1024, i = 1;
  server_env = calloc((size_t)argc + 4, sizeof *server_env);
  if (!server_env) return 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    } else if (strcmp(a, "--nodelay") == 0) nodelay = 1;
    else if (strcmp(a, "--host-only") == 0) host_only = 1;
    else if (strcmp(a, "--keepalive") == 0) keepalive = 1;
    else if (i + 1 >= argc) usage("an option is missing its value");
    else if (strcmp(a, "--umask") == 0) {
      char *end;
      long u = strtol(argv[++i], &end, 8);
      if (*end || u < 0 || u > 0777) usage("--umask takes an octal value up to 777");
      have_umask = 1;
      server_umask = (mode_t)u;
    } else if (strcmp(a, "--argv0") == 0) argv0 = argv[++i];
    else if (strcmp(a, "--cgroup") == 0) {
      const char *c = argv[++i];
      if (ncgroups == SERVER_MAX_CGROUPS || !cgroup_procs_path_ok(c)) usage("--cgroup takes the absolute path of a cgroup.procs file (at most 8)");
      cgroups[ncgroups++] = c;
    }
    else if (strcmp(a, "--env") == 0) {
      const char *e = argv[++i];
      if (e[0] == '=' || !strchr(e, '=')) usage("--env takes NAME=VALUE");
      server_env[nenv++] = (char *)e;
    } else if (strcmp(a, "--backlog") == 0) {
      backlog = atoi(argv[++i]);
      if (backlog < 1) usage("--backlog takes a positive number");
    } else usage("unknown option");
  }
  if (i >= argc || argv[i][0] != '/') usage("FILE must be an absolute path");
  file = argv[i];
  server_argv = argv + i;
  if (argv0) server_argv[0] = (char *)argv0;

  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() == 1) return 0; /* hearthd already gone */
  /* Keyboard signals are for hearthd, which stops us through stdin. */
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);

  /* The socket's open file is shared with hearthd, which never reads it. */
  if (listen(LISTEN_FD, backlog) < 0) {
    fprintf(stderr, "hearth-acceptor: listen: %s\n", strerror(errno));
    return 1;
  }
  fcntl(LISTEN_FD, F_SETFD, FD_CLOEXEC);
  int fl = fcntl(LISTEN_FD, F_GETFL);
  fcntl(LISTEN_FD, F_SETFL, fl | O_NONBLOCK);
  fcntl(STDIN_FILENO, F_SETFD, FD_CLOEXEC);

  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) {
    perror("hearth-acceptor: signalfd");
    return 1;
  }
  if (ncgroups) {
    char err[512];
    if (cgroup_target_open(&target, cgroups, err, sizeof err) < 0) {
      fprintf(stderr, "hearth-acceptor: %s\n", err);
      return 1;
    }
  }
  emit("r\n");
  flush_out();

  char in[8192];
  size_t in_len = 0;
  int input_open = 1;
  for (;;) {
    struct pollfd p[3] = {
      {sfd, POLLIN, 0},
      {input_open ? STDIN_FILENO : -1, POLLIN, 0},
      {listening && !starved && npend < MAX_PENDING ? LISTEN_FD : -1, POLLIN, 0},
    };
    /* Starved with nothing pending to hand on (descriptors held elsewhere): look again shortly. */
    int ready = poll(p, 3, starved ? 100 : -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      perror("hearth-acceptor: poll");
      return 1;
    }
    if (ready == 0) starved = 0;
    if (p[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) > 0) {
      }
    }
    reap();
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(STDIN_FILENO, in + in_len, sizeof in - in_len);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        input_open = 0;
        stop_accepting();
      } else {
        in_len += (size_t)n;
        size_t start = 0;
        for (size_t k = 0; k < in_len; k++) {
          if (in[k] != '\n') continue;
          in[k] = '\0';
          command(in + start);
          start = k + 1;
        }
        memmove(in, in + start, in_len - start);
        in_len -= start;
        if (in_len == sizeof in) in_len = 0; /* an absurd line: drop it */
      }
    }
    if (listening && (p[2].revents & POLLIN)) accept_all(nodelay, keepalive);
    flush_out();
    if (!listening && children == 0) return 0;
  }
}
