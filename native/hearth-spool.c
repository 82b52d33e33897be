/*
 * hearth-spool: moves service output from named pipes into spool files, so
 * that no byte a service wrote is lost when hearthd is killed.
 *
 * A read(2) from a pipe takes the bytes out of the kernel; a hearthd killed
 * between that read and its journal write loses them. Here the bytes move
 * with splice(2) from the FIFO straight into a regular file: a byte is either
 * still in the pipe or in the spool file, whoever is killed when. hearthd
 * reads the spool files (re-readable), journals their lines and records in
 * the journal itself how far it got, so a new hearthd continues exactly there.
 * This helper outlives hearthd (one per runtime dir, guarded by a lock); a new
 * hearthd connects to it, or starts a new one if it died.
 *
 * Each stream (KEY, e.g. "web.out") has a FIFO FIFODIR/KEY and spool files
 * SPOOLDIR/KEY.GEN; a new generation starts when the current one is large,
 * and a generation is deleted once hearthd has journaled all of it.
 * Processed bytes are punched out of the current file, so a spool holds about
 * what is still unjournaled. A stream whose unjournaled bytes pass --cap is
 * not drained any more: the service blocks in write(), as with a full pipe,
 * while every other stream flows on.
 *
 * Streams of mode "k" (a service's) are opened read-write and never end;
 * streams of mode "e" (a pool worker's) end when every writer has closed.
 *
 * The control socket speaks lines; positions are GEN OFF pairs:
 *   in   w KEY MODE AGEN AOFF SGEN SOFF  watch KEY; journaled to A, read to S
 *   in   p KEY AGEN AOFF SGEN SOFF       progress: journaled to A, read to S
 *   in   d KEY                           drain what the pipe holds now, then say s
 *   in   q                               exit; fully journaled spools are deleted
 *   out  s KEY GEN SIZE EMPTY            state: the current generation and its size;
 *                                        EMPTY 1 when the pipe held nothing more just then
 *   out  a KEY GEN SIZE                  more bytes (one notice until the next p)
 *   out  z KEY GEN SIZE                  an "e" stream ended: nothing more comes
 *   out  f KEY MESSAGE                   a stream failed (cannot open, disk full)
 *
 * usage: hearth-spool --socket PATH --spool-dir DIR --fifo-dir DIR
 *                     [--cap BYTES] [--rotate BYTES]
 * Prints "ready" (or "busy": another one kept the spool's lock for LOCK_WAIT_SECONDS) on stdout,
 * then detaches it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "spool/state.h"
#include "spool/router.h"

/* --- draining ------------------------------------------------------------ */

static void watch_fifo(struct stream *s, int on) {
  if (on == s->in_epoll || s->fifo < 0) return;
  if (on) {
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)(s - streams)};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, s->fifo, &ev) == 0) s->in_epoll = 1;
  } else {
    /* Deleted, not just muted: a dead writer's EPOLLHUP would wake us for nothing. */
    epoll_ctl(ep, EPOLL_CTL_DEL, s->fifo, NULL);
    s->in_epoll = 0;
  }
}

static void fail(struct stream *s, const char *what, int err) {
  if (!s->reported) say("f %s %s: %s\n", s->key, what, strerror(err));
  s->reported = 1;
  s->failing = 1;
  s->retry_at = time(NULL) + 1;
  watch_fifo(s, 0);
}

static void start_generation(struct stream *s) {
  if (s->ngens >= MAX_GENS) return;
  uint64_t n = s->ngens ? current(s)->n + 1 : 0;
  char path[4096];
  gen_path(path, sizeof path, s, n);
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    fail(s, "cannot start a spool file", errno);
    return;
  }
  struct stat st;
  fstat(fd, &st);
  if (s->spool >= 0) close(s->spool);
  s->spool = fd;
  s->gens[s->ngens].n = n;
  s->gens[s->ngens].size = (uint64_t)st.st_size;
  s->ngens++;
  s->punched = 0;
}

static void end_stream(int i) {
  struct stream *s = &streams[i];
  say("z %s %" PRIu64 " %" PRIu64 "\n", s->key, current(s)->n, current(s)->size);
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", fifo_dir, s->key);
  if (s->in_epoll) epoll_ctl(ep, EPOLL_CTL_DEL, s->fifo, NULL);
  unlink(path);
  free_stream(i);
}

/* Moves what the pipe holds into the spool; with `all`, until the pipe is empty. Returns 0 if the stream ended. */
static int drain(int i, int all) {
  struct stream *s = &streams[i];
  int moved = 0;
  for (int round = 0; s->fifo >= 0 && !s->failing && (all || round < 4); round++) {
    uint64_t held = unjournaled(s);
    if (held >= cap) break;
    if (current(s)->size >= rotate_at && s->ngens < MAX_GENS) start_generation(s);
    if (s->failing) break;
    uint64_t room = cap - held;
    loff_t off = (loff_t)current(s)->size;
    ssize_t n = splice(s->fifo, NULL, s->spool, &off, room < SPLICE_CHUNK ? (size_t)room : SPLICE_CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n > 0) {
      current(s)->size += (uint64_t)n;
      moved = 1;
      s->reported = 0;
      continue;
    }
    if (n == 0) {
      /* No writer is left (an "e" stream: hearthd opened the write end before asking us to watch it). */
      if (s->ending) {
        end_stream(i);
        return 0;
      }
      break;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) fail(s, "cannot move output to the spool", errno);
    break;
  }
  if (!s->failing) watch_fifo(s, unjournaled(s) < cap);
  if (moved && !s->notified) {
    say("a %s %" PRIu64 " %" PRIu64 "\n", s->key, current(s)->n, current(s)->size);
    s->notified = 1;
  }
  return 1;
}

/* hearthd journaled up to (g, off): delete generations it finished, free what it read. */
static void journaled(struct stream *s, uint64_t g, uint64_t off) {
  if (!later(g, off, s->ack_gen, s->ack_off)) return;
  s->ack_gen = g;
  s->ack_off = off;
  char path[4096];
  while (s->ngens > 1 && (s->gens[0].n < g || (s->gens[0].n == g && off >= s->gens[0].size))) {
    gen_path(path, sizeof path, s, s->gens[0].n);
    unlink(path);
    memmove(&s->gens[0], &s->gens[1], sizeof s->gens[0] * (size_t)(s->ngens - 1));
    s->ngens--;
  }
  if (g == current(s)->n) {
    uint64_t upto = off & ~(uint64_t)65535;
    /* Not supported by this file system: the generation limit still bounds the file. */
    if (upto > s->punched && fallocate(s->spool, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)s->punched, (off_t)(upto - s->punched)) == 0)
      s->punched = upto;
  }
}

static void progress(int i, uint64_t ag, uint64_t ao, uint64_t sg, uint64_t so) {
  struct stream *s = &streams[i];
  journaled(s, ag, ao);
  s->seen_gen = sg;
  s->seen_off = so;
  s->notified = 0;
  if (later(current(s)->n, current(s)->size, sg, so)) {
    say("a %s %" PRIu64 " %" PRIu64 "\n", s->key, current(s)->n, current(s)->size);
    s->notified = 1;
  }
  if (!s->failing && !s->in_epoll && unjournaled(s) < cap) drain(i, 0);
}

/* --- commands ------------------------------------------------------------ */

static int open_generations(struct stream *s, uint64_t ag, uint64_t ao) {
  char path[4096];
  struct stat st;
  /* Generations before the journaled one are done: a crash may have left them. */
  for (uint64_t back = 1; back <= 64 && back <= ag; back++) {
    gen_path(path, sizeof path, s, ag - back);
    if (unlink(path) != 0 && errno == ENOENT) break;
  }
  /* The journaled generation may be finished and deleted (journaled to its very end) while the
   * next one holds bytes: look there too, or a new file would be written over them. */
  uint64_t first = ag;
  gen_path(path, sizeof path, s, ag);
  if (ao > 0 && stat(path, &st) != 0) first = ag + 1;
  for (uint64_t n = first; s->ngens < MAX_GENS; n++) {
    gen_path(path, sizeof path, s, n);
    if (stat(path, &st) != 0) break;
    s->gens[s->ngens].n = n;
    s->gens[s->ngens].size = (uint64_t)st.st_size;
    s->ngens++;
  }
  if (s->ngens == 0) {
    /* Nothing spooled: start at the journaled generation, or after it if it was finished and deleted. */
    s->gens[0].n = first;
    s->gens[0].size = 0;
    gen_path(path, sizeof path, s, s->gens[0].n);
  } else {
    gen_path(path, sizeof path, s, current(s)->n);
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return -1;
  if (s->ngens == 0) s->ngens = 1;
  s->spool = fd;
  return 0;
}

/* The answer to a watch or drain. Only "the pipe is empty" lets hearthd conclude that an
 * unfinished line has no more bytes coming: a spool at its cap leaves bytes in the pipe. */
static void say_state(struct stream *s) {
  int queued = 0;
  int empty = s->fifo >= 0 && ioctl(s->fifo, FIONREAD, &queued) == 0 && queued == 0;
  say("s %s %" PRIu64 " %" PRIu64 " %d\n", s->key, current(s)->n, current(s)->size, empty);
  s->notified = 1;
}

static void cmd_watch(const char *key, const char *mode, uint64_t ag, uint64_t ao, uint64_t sg, uint64_t so) {
  int i = find_stream(key);
  if (i < 0) {
    char path[4096];
    int ending = mode[0] == 'e';
    snprintf(path, sizeof path, "%s/%s", fifo_dir, key);
    int fifo = open(path, (ending ? O_RDONLY : O_RDWR) | O_NONBLOCK | O_CLOEXEC);
    if (fifo < 0 && errno == ENOENT && !ending && mkfifo(path, 0600) == 0) fifo = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    int err = errno;
    if (fifo >= 0) {
      struct stat st;
      if (fstat(fifo, &st) != 0 || !S_ISFIFO(st.st_mode)) {
        close(fifo);
        fifo = -1;
        err = EINVAL;
      }
    }
    i = new_stream(key);
    if (i < 0) {
      if (fifo >= 0) close(fifo);
      say("f %s out of memory\n", key);
      return;
    }
    struct stream *s = &streams[i];
    s->ending = ending;
    s->fifo = fifo;
    if (open_generations(s, ag, ao) != 0) {
      say("f %s cannot open its spool in %s: %s\n", key, spool_dir, strerror(errno));
      free_stream(i);
      return;
    }
    if (fifo < 0) {
      if (ending && err == ENOENT) {
        /* The worker's pipe is gone: what is spooled is all there is. */
        say("z %s %" PRIu64 " %" PRIu64 "\n", key, current(s)->n, current(s)->size);
        free_stream(i);
        return;
      }
      say("f %s cannot open its pipe %s: %s\n", key, path, strerror(err));
      free_stream(i);
      return;
    }
  }
  struct stream *s = &streams[i];
  journaled(s, ag, ao);
  s->seen_gen = sg;
  s->seen_off = so;
  say_state(s);
  drain(i, 0);
}

static void quit(void) {
  char path[4096];
  for (int i = 0; i < nstreams; i++) {
    struct stream *s = &streams[i];
    if (!s->used || s->ngens == 0 || unjournaled(s) > 0) continue;
    for (int g = 0; g < s->ngens; g++) {
      gen_path(path, sizeof path, s, s->gens[g].n);
      unlink(path);
    }
  }
  flush_out();
  _exit(0); /* the router removes the socket once every worker is gone */
}

static void command(char *line) {
  char *argv[8];
  int argc = 0;
  for (char *tok = strtok(line, " "); tok && argc < 8; tok = strtok(NULL, " ")) argv[argc++] = tok;
  if (argc == 0) return;
  if (strcmp(argv[0], "q") == 0) quit();
  if (strcmp(argv[0], "c") == 0) {
    for (int i = 0; i < nstreams; i++) streams[i].notified = 0;
    return;
  }
  if (argc < 2 || !valid_key(argv[1])) {
    say("f - bad request \"%s\"\n", argv[0]);
    return;
  }
  uint64_t v[4] = {0, 0, 0, 0};
  int first = argv[0][0] == 'w' ? 3 : 2;
  for (int k = 0; k < 4 && first + k < argc; k++) v[k] = strtoull(argv[first + k], NULL, 10);
  int i = find_stream(argv[1]);
  switch (argv[0][0]) {
    case 'w':
      if (argc == 7) cmd_watch(argv[1], argv[2], v[0], v[1], v[2], v[3]);
      else say("f %s bad watch request\n", argv[1]);
      return;
    case 'p':
      if (i >= 0 && argc == 6) progress(i, v[0], v[1], v[2], v[3]);
      return;
    case 'd':
      if (i < 0) return;
      if (drain(i, 1)) say_state(&streams[i]);
      return;
    default:
      say("f - bad request \"%s\"\n", argv[0]);
  }
}

/* Reads what fd has; each whole line goes to on_line. Returns 0 once the other end closed. */
static int read_lines(int fd, struct linebuf *b, void (*on_line)(char *line, void *ctx), void *ctx) {
  for (;;) {
    ssize_t n = recv(fd, b->buf + b->len, sizeof b->buf - b->len, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return 1;
    if (n <= 0) return 0;
    b->len += (size_t)n;
    char *start = b->buf, *nl;
    while ((nl = memchr(start, '\n', b->len - (size_t)(start - b->buf)))) {
      *nl = 0;
      if (!b->overlong) on_line(start, ctx);
      b->overlong = 0;
      start = nl + 1;
    }
    b->len -= (size_t)(start - b->buf);
    memmove(b->buf, start, b->len);
    if (b->len == sizeof b->buf) {
      b->overlong = 1; /* a line longer than any we take: skip it */
      b->len = 0;
    }
  }
}

static void client_line(char *line, void *ctx) {
  (void)ctx;
  if (is_worker) command(line);
  else route(line);
}

static void worker_line(char *line, void *ctx) { relay(ctx, line); }

/* Once a second: retry failed streams; leave when our socket was removed (the runtime dir is gone). */
static void housekeeping(void) {
  struct stat st;
  if (stat(socket_path, &st) != 0 || st.st_ino != socket_ino) _exit(0);
  time_t now = time(NULL);
  for (int i = 0; i < nstreams; i++) {
    struct stream *s = &streams[i];
    if (!s->used || !s->failing || now < s->retry_at) continue;
    s->failing = 0;
    drain(i, 0);
  }
}

/* The event loop of the router and of each worker: each has only its own kinds of tags in epoll. */
static void run(void) __attribute__((noreturn));
static void run(void) {
  struct epoll_event evs[256];
  time_t last_house = time(NULL);
  for (;;) {
    int n = epoll_wait(ep, evs, 256, 1000);
    for (int k = 0; k < n; k++) {
      uint64_t tag = evs[k].data.u64;
      if (tag == TAG_LISTEN) accept_client();
      else if (tag == TAG_CLIENT) {
        if ((evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !read_lines(client, &from_client, client_line, NULL)) drop_client();
      } else if (tag >= TAG_WORKER(MAX_WORKERS - 1)) {
        struct worker *w = &workers[TAG_WORKER(0) - tag];
        if (!read_lines(w->fd, &w->from, worker_line, w)) stop_workers_and_leave(1);
      } else if (tag < (uint64_t)nstreams && streams[tag].used && streams[tag].in_epoll) {
        drain((int)tag, (evs[k].events & EPOLLHUP) != 0);
      }
    }
    flush_out();
    time_t now = time(NULL);
    if (now != last_house) {
      last_house = now;
      housekeeping();
      flush_out();
    }
  }
}

static void worker_loop(void) { run(); }

/* hearthd waits 5 s for "ready": the wait for a predecessor's lock ends well before. */
#define LOCK_WAIT_SECONDS 3

static void lock_wait_over(int sig) { (void)sig; }

/*
 * Takes the spool's lock: two helpers splicing into one spool file would tear it. hearthd starts
 * a helper only when it cannot reach one, so a holder now is one going away (a helper killed
 * with kill -9 leaves its worker, which shares the lock, until the worker sees that) or one still
 * coming up. Saying "busy" at once left hearthd with no helper at all, and it then gave up the
 * spool for its whole life: the bytes a killed hearthd had left in the spool files were never
 * journaled. So the lock is waited for, a while: the predecessor's exit hands it over at once.
 */
static int take_lock(int lock) {
  if (flock(lock, LOCK_EX | LOCK_NB) == 0) return 0;
  if (errno != EWOULDBLOCK) return -1;
  /* Without SA_RESTART, so that the alarm ends the wait with EINTR. */
  struct sigaction sa = {.sa_handler = lock_wait_over};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, NULL);
  alarm(LOCK_WAIT_SECONDS);
  int r = flock(lock, LOCK_EX);
  alarm(0);
  signal(SIGALRM, SIG_DFL);
  return r;
}

static void usage(void) {
  fprintf(stderr, "usage: hearth-spool --socket PATH --spool-dir DIR --fifo-dir DIR [--cap BYTES] [--rotate BYTES]\n");
  exit(2);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (i + 1 >= argc) usage();
    if (strcmp(a, "--socket") == 0) socket_path = argv[++i];
    else if (strcmp(a, "--spool-dir") == 0) spool_dir = argv[++i];
    else if (strcmp(a, "--fifo-dir") == 0) fifo_dir = argv[++i];
    else if (strcmp(a, "--cap") == 0) cap = strtoull(argv[++i], NULL, 10);
    else if (strcmp(a, "--rotate") == 0) rotate_at = strtoull(argv[++i], NULL, 10);
    else usage();
  }
  if (!socket_path || !spool_dir || !fifo_dir || cap == 0 || rotate_at == 0) usage();
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  mkdir(spool_dir, 0700);
  char lock_path[4096];
  snprintf(lock_path, sizeof lock_path, "%s/.lock", spool_dir);
  int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock < 0) {
    printf("error cannot open %s: %s\n", lock_path, strerror(errno));
    return 1;
  }
  if (take_lock(lock) != 0) {
    /* A predecessor that neither served nor went away: it stays, and hearthd tries to reach it. */
    printf("busy\n");
    return 3;
  }
  listener = listen_on(socket_path);
  if (listener < 0) {
    printf("error cannot listen on %s: %s\n", socket_path, strerror(errno));
    return 1;
  }
  ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event lev = {.events = EPOLLIN, .data.u64 = TAG_LISTEN};
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &lev);
  printf("ready\n");
  fflush(stdout);
  /* hearthd may die at any time: nothing of ours may point at its pipes. */
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    dup2(devnull, STDIN_FILENO);
    dup2(devnull, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
    if (devnull > STDERR_FILENO) close(devnull);
  }

  start_router();
  run();
}
