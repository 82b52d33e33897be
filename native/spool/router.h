/*
 * hearth-spool's router. A process may hold only RLIMIT_NOFILE descriptors,
 * and every stream costs two (its FIFO and its spool file): one process could
 * not hold a fleet of 10,000 services under a hard limit of 20,000. So the
 * process hearthd talks to holds no stream itself. It forks worker processes,
 * each filled up to what its descriptor limit allows, tells each the streams
 * it has, and passes their answers back to hearthd unchanged: the protocol
 * hearthd speaks is the same whether one worker runs or ten.
 *
 * A worker that dies takes the whole helper down (the router kills the other
 * workers and leaves): hearthd then starts a new helper and tells it every
 * stream with how far it got, the recovery it already has for a helper that
 * died, rather than a second one here for a part of it.
 *
 * Included once, by hearth-spool.c (see state.h).
 */
#ifndef HEARTH_SPOOL_ROUTER_H
#define HEARTH_SPOOL_ROUTER_H

#include <limits.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#define MAX_WORKERS 64
#define TAG_WORKER(k) (UINT64_MAX - 2 - (uint64_t)(k))

struct worker {
  int fd; /* the router's end of the socket pair */
  pid_t pid;
  int streams;
  struct linebuf from;
};

static struct worker workers[MAX_WORKERS];
static int nworkers;
static int streams_per_worker;

static void worker_loop(void) __attribute__((noreturn));

static void stop_workers_and_leave(int code) {
  for (int k = 0; k < nworkers; k++) kill(workers[k].pid, SIGKILL);
  for (int k = 0; k < nworkers; k++) waitpid(workers[k].pid, NULL, 0);
  unlink(socket_path);
  _exit(code);
}

/* Blocking: a worker never blocks itself, so it reads soon, and what hearthd sends meanwhile waits in its socket. */
static void tell(struct worker *w, const char *line, size_t len) {
  while (len > 0) {
    ssize_t n = send(w->fd, line, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) stop_workers_and_leave(1);
    line += n;
    len -= (size_t)n;
  }
}

static void tell_all(const char *line) {
  for (int k = 0; k < nworkers; k++) tell(&workers[k], line, strlen(line));
}

/* In the new child: drop everything of the router's, keep the lock (see main). */
static void become_worker(int fd) {
  is_worker = 1;
  prctl(PR_SET_NAME, "hearth-spool-w"); /* told apart from the router in ps and top */
  close(listener);
  listener = -1;
  if (client >= 0) close(client);
  /* A sibling's socket held here would hide the router's death from that sibling. */
  for (int k = 0; k < nworkers; k++) close(workers[k].fd);
  nworkers = 0;
  close(ep); /* shared with the router: a new instance of our own */
  ep = epoll_create1(EPOLL_CLOEXEC);
  for (int i = 0; i < nstreams; i++) streams[i].used = 0;
  free(streams);
  free(chains);
  streams = NULL;
  chains = NULL;
  nstreams = 0;
  nchains = 0;
  free_slot = -1;
  out_len = 0;
  from_client.len = 0;
  client = fd;
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_CLIENT};
  epoll_ctl(ep, EPOLL_CTL_ADD, client, &ev);
}

static struct worker *spawn_worker(void) {
  if (nworkers == MAX_WORKERS) return NULL;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return NULL;
  pid_t pid = fork();
  if (pid < 0) {
    close(sv[0]);
    close(sv[1]);
    return NULL;
  }
  if (pid == 0) {
    close(sv[0]);
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    become_worker(sv[1]);
    worker_loop();
  }
  close(sv[1]);
  struct worker *w = &workers[nworkers];
  memset(w, 0, sizeof *w);
  w->fd = sv[0];
  w->pid = pid;
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_WORKER(nworkers)};
  epoll_ctl(ep, EPOLL_CTL_ADD, w->fd, &ev);
  nworkers++;
  return w;
}

/* The worker that has KEY, or the first with room for it (a new one if all are full). */
static struct worker *worker_for(const char *key, int create) {
  int i = find_stream(key);
  if (i >= 0) return &workers[streams[i].worker];
  if (!create) return NULL;
  struct worker *w = NULL;
  for (int k = 0; k < nworkers && !w; k++)
    if (workers[k].streams < streams_per_worker) w = &workers[k];
  if (!w) w = spawn_worker();
  if (!w) return NULL;
  i = new_stream(key);
  if (i < 0) return NULL;
  streams[i].worker = (int)(w - workers);
  w->streams++;
  return w;
}

/* A line from hearthd: to the worker with its stream, or to all. */
static void route(char *line) {
  size_t len = strlen(line);
  if (len == 0) return;
  line[len] = '\n'; /* sent on as it came */
  if (len == 1 && line[0] == 'q') {
    tell_all("q\n");
    for (int k = 0; k < nworkers; k++) waitpid(workers[k].pid, NULL, 0);
    unlink(socket_path);
    _exit(0);
  }
  char key[KEY_MAX + 2];
  const char *sp = memchr(line, ' ', len);
  const char *end = sp ? memchr(sp + 1, ' ', len - (size_t)(sp + 1 - line)) : NULL;
  if (!end) end = line + len;
  size_t klen = sp ? (size_t)(end - sp - 1) : 0;
  int verb = sp ? (int)(sp - line) : (int)len;
  if (!sp || klen == 0 || klen > KEY_MAX) {
    say("f - bad request \"%.*s\"\n", verb, line);
    return;
  }
  memcpy(key, sp + 1, klen);
  key[klen] = 0;
  if (!valid_key(key)) {
    say("f - bad request \"%.*s\"\n", verb, line);
    return;
  }
  struct worker *w = worker_for(key, line[0] == 'w');
  if (w) tell(w, line, len + 1);
  else if (line[0] == 'w')
    say("f %s no room for another stream: %d helper processes of %d streams each (raise the descriptor limit)\n", key, nworkers, streams_per_worker);
}

/* A line from a worker goes to hearthd; an ended stream leaves the worker. */
static void relay(struct worker *w, char *line) {
  if (line[0] == 'z' && line[1] == ' ') {
    char *key = line + 2, *sp = strchr(key, ' ');
    if (sp) *sp = 0;
    int i = find_stream(key);
    if (i >= 0) {
      free_stream(i);
      w->streams--;
    }
    if (sp) *sp = ' ';
  }
  say("%s\n", line);
}

static void accept_client(void) {
  int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  /* One hearthd at a time: a new connection is a new hearthd, the old one is gone. */
  drop_client();
  client = fd;
  from_client.len = 0;
  from_client.overlong = 0;
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_CLIENT};
  epoll_ctl(ep, EPOLL_CTL_ADD, client, &ev);
  tell_all("c\n"); /* every stream tells the new hearthd of its next bytes */
}

static int listen_on(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) return -1;
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  unlink(path); /* we hold the lock: a socket file left here belongs to a dead helper */
  mode_t old = umask(0077);
  int ok = bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 && listen(fd, 8) == 0;
  umask(old);
  struct stat st;
  if (!ok || stat(path, &st) != 0) {
    close(fd);
    return -1;
  }
  socket_ino = st.st_ino;
  return fd;
}

static void start_router(void) {
  struct rlimit rl;
  rlim_t limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 1024;
  if (limit > (rlim_t)INT_MAX) limit = INT_MAX;
  /* Each stream: its FIFO and its spool file; the rest for the worker's own few. */
  streams_per_worker = limit > 96 ? (int)(limit - 64) / 2 : 16;
}

#endif
