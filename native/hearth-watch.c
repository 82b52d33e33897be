/*
 * hearth-watch: tells hearthd which files of a config dir changed, so that a
 * reload need not stat(2) every service file (10,000 stats were the largest
 * part of a one-file reload of a 10,000-service fleet). Node's own fs.watch
 * cannot be trusted with this: libuv drops inotify's queue-overflow event,
 * so a burst of changes would go unseen without a word.
 *
 *     hearth-watch DIR...
 *
 * For each DIR, in order (I counts from 0), it prints "ready I DEV INO" (the
 * dir's device and inode, taken before its watch was added: hearthd compares
 * them with the dir it reads, and a dir replaced since is not trusted to the
 * watch) or "unwatched I REASON"; then "started".
 *
 * Then, for each line "sync" on stdin, it reads every event the kernel has
 * queued and prints what changed since the previous sync:
 *   "changed I NAME"  a file of DIR named NAME was written, created, removed,
 *                     renamed or had its attributes changed;
 *   "all I"           changes in DIR cannot be listed this time (the kernel's
 *                     event queue overflowed, more names than one sync holds,
 *                     a name with a byte outside printable ASCII);
 *   "lost I"          DIR's watch is gone (the dir was removed, moved or
 *                     unmounted): said at every sync from then on;
 * and "synced". Every change made before "sync" was written is in its answer:
 * the kernel queues an event as the change is made, and the answer is written
 * only once the queue has been read empty.
 *
 * Between syncs it reads events as they come, so only a burst larger than the
 * kernel's queue (fs.inotify.max_queued_events) overflows it. It exits when
 * stdin ends: hearthd is gone. Exit 2 on bad usage, 1 if inotify is unavailable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DIRS 16
/* Names one sync lists per dir; past that, "all": stat(2)ing every file costs hearthd less than a long list. */
#define MAX_NAMES 256
#define NAME_BYTES 256

/* Every change of a file's content, its times, its links or its place in the dir, and the dir's own end. */
#define WATCHED_EVENTS                                                                                                 \
  (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF |   \
   IN_MOVE_SELF | IN_ONLYDIR)

struct dir {
  int wd; /* -1: not watched */
  int all;
  int lost;
  int count;
  char names[MAX_NAMES][NAME_BYTES];
};

static struct dir dirs[MAX_DIRS];
static int ndirs;

static void mark_all(void) {
  for (int i = 0; i < ndirs; i++) dirs[i].all = 1;
}

/* Only what fits one line of the answer unchanged; anything else makes hearthd look at every file. */
static int printable(const char *name) {
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    if (*p < 0x20 || *p > 0x7e) return 0;
  return strlen(name) < NAME_BYTES;
}

static void note_change(struct dir *d, const char *name) {
  if (d->all) return;
  if (!printable(name)) {
    d->all = 1;
    return;
  }
  for (int i = 0; i < d->count; i++)
    if (strcmp(d->names[i], name) == 0) return;
  if (d->count == MAX_NAMES) {
    d->all = 1;
    return;
  }
  strcpy(d->names[d->count++], name);
}

static void take_event(const struct inotify_event *e) {
  if (e->mask & IN_Q_OVERFLOW) {
    mark_all();
    return;
  }
  for (int i = 0; i < ndirs; i++) {
    struct dir *d = &dirs[i];
    if (d->wd != e->wd) continue;
    if (e->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
      d->lost = 1;
    } else if (e->len > 0) {
      note_change(d, e->name);
    }
    return;
  }
}

/* Reads every queued event; returns 0 once the queue is empty, -1 on a read error (then nothing can be trusted). */
static int read_events(int ifd) {
  char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
  for (;;) {
    ssize_t n = read(ifd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return 0;
    if (n <= 0) {
      mark_all();
      return -1;
    }
    for (char *p = buf; p < buf + n;) {
      const struct inotify_event *e = (const struct inotify_event *)p;
      take_event(e);
      p += sizeof *e + e->len;
    }
  }
}

static void answer_sync(int ifd) {
  read_events(ifd);
  for (int i = 0; i < ndirs; i++) {
    struct dir *d = &dirs[i];
    if (d->wd < 0) continue;
    if (d->lost) {
      printf("lost %d\n", i);
    } else if (d->all) {
      printf("all %d\n", i);
    } else {
      for (int k = 0; k < d->count; k++) printf("changed %d %s\n", i, d->names[k]);
    }
    d->all = 0;
    d->count = 0;
  }
  printf("synced\n");
  fflush(stdout);
}

/* Reads stdin; answers each complete "sync" line. Returns 0 at the end of stdin. */
static int take_requests(int ifd) {
  static char line[64];
  static size_t used;
  char buf[512];
  ssize_t n = read(0, buf, sizeof buf);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return 0;
  for (ssize_t i = 0; i < n; i++) {
    if (buf[i] != '\n') {
      /* An over-long line is no request: keep only its start, which then matches nothing. */
      if (used < sizeof line - 1) line[used++] = buf[i];
      continue;
    }
    line[used] = '\0';
    if (strcmp(line, "sync") == 0) answer_sync(ifd);
    used = 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc - 1 > MAX_DIRS || strcmp(argv[1], "--help") == 0) {
    fprintf(stderr, "usage: hearth-watch DIR... (at most %d dirs; answers \"sync\" lines on stdin)\n", MAX_DIRS);
    return 2;
  }
  int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (ifd < 0) {
    fprintf(stderr, "hearth-watch: inotify: %s\n", strerror(errno));
    return 1;
  }
  ndirs = argc - 1;
  for (int i = 0; i < ndirs; i++) {
    struct stat st;
    dirs[i].wd = -1;
    /* The dir's identity first: if it is replaced before the watch is added, hearthd sees a dir other than this one. */
    if (stat(argv[i + 1], &st) < 0) {
      printf("unwatched %d %s\n", i, strerror(errno));
      continue;
    }
    int wd = inotify_add_watch(ifd, argv[i + 1], WATCHED_EVENTS);
    if (wd < 0) {
      printf("unwatched %d %s\n", i, strerror(errno));
      continue;
    }
    dirs[i].wd = wd;
    printf("ready %d %llu %llu\n", i, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
  }
  printf("started\n");
  fflush(stdout);

  struct pollfd fds[2] = {{0, POLLIN, 0}, {ifd, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    /* Events first: a sync that arrives with them must include them (answer_sync reads the queue again anyway). */
    if (fds[1].revents) read_events(ifd);
    if (fds[0].revents && !take_requests(ifd)) return 0;
  }
}
