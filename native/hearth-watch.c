/*
 * hearth-watch: tells hearthd which files of a config dir changed, so that a
 * reload need not stat(2) every service file (10,000 stats were the largest
 * part of a one-file reload of a 10,000-service fleet). Node's own fs.watch
 * cannot be trusted with this: libuv drops inotify's queue-overflow event,
 * so a burst of changes would go unseen without a word.
 *
 *     hearth-watch DIR
 *
 * It prints "ready DEV INO" (the dir's device and inode, taken before its
 * watch was added: hearthd compares them with the dir it reads, and a dir
 * replaced since is not trusted to the watch), or "unwatched REASON" and
 * exits 1.
 *
 * Then, for each line "sync" on stdin, it reads every event the kernel has
 * queued and prints what changed since the previous sync:
 *   "changed NAME"  a file of DIR named NAME was written, created, removed,
 *                   renamed or had its attributes changed;
 *   "all"           changes cannot be listed this time (the kernel's event
 *                   queue overflowed, more names than one sync holds, a name
 *                   with a byte outside printable ASCII);
 *   "lost"          DIR's watch is gone (the dir was removed, moved or
 *                   unmounted): said at every sync from then on;
 * and "synced". Every change made before "sync" was written is in its answer:
 * the kernel queues an event as the change is made, and the answer is written
 * only once the queue has been read empty.
 *
 * Between syncs it reads events as they come, so only a burst larger than the
 * kernel's queue (fs.inotify.max_queued_events) overflows it. It exits when
 * stdin ends: hearthd is gone. Exit 2 on bad usage, 1 if DIR cannot be watched.
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

/* Names one sync lists; past that, "all": stat(2)ing every file costs hearthd less than a long list. */
#define MAX_NAMES 256
#define NAME_BYTES 256

/* Every change of a file's content, its times, its links or its place in the dir, and the dir's own end. */
#define WATCHED_EVENTS                                                                                                 \
  (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF |   \
   IN_MOVE_SELF | IN_ONLYDIR)

/* What happened in the dir since the last sync. */
static int all;
static int lost;
static int count;
static char names[MAX_NAMES][NAME_BYTES];

/* Only what fits one line of the answer unchanged; anything else makes hearthd look at every file. */
static int printable(const char *name) {
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    if (*p < 0x20 || *p > 0x7e) return 0;
  return strlen(name) < NAME_BYTES;
}

static void note_change(const char *name) {
  if (all) return;
  if (!printable(name)) {
    all = 1;
    return;
  }
  for (int i = 0; i < count; i++)
    if (strcmp(names[i], name) == 0) return;
  if (count == MAX_NAMES) {
    all = 1;
    return;
  }
  strcpy(names[count++], name);
}

static void take_event(const struct inotify_event *e) {
  if (e->mask & IN_Q_OVERFLOW) {
    all = 1;
  } else if (e->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
    lost = 1;
  } else if (e->len > 0) {
    note_change(e->name);
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
      all = 1;
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
  if (lost) {
    printf("lost\n");
  } else if (all) {
    printf("all\n");
  } else {
    for (int k = 0; k < count; k++) printf("changed %s\n", names[k]);
  }
  all = 0;
  count = 0;
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
  if (argc != 2 || strcmp(argv[1], "--help") == 0) {
    fprintf(stderr, "usage: hearth-watch DIR (answers \"sync\" lines on stdin)\n");
    return 2;
  }
  int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  struct stat st;
  /* The dir's identity first: if it is replaced before the watch is added, hearthd sees a dir other than this one. */
  if (ifd < 0 || stat(argv[1], &st) < 0 || inotify_add_watch(ifd, argv[1], WATCHED_EVENTS) < 0) {
    printf("unwatched %s\n", strerror(errno));
    return 1;
  }
  printf("ready %llu %llu\n", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
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
