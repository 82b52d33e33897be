/*
 * logwriter: writes numbered lines to stdout as fast as the reader takes them, for
 * hearth's log-ingestion benchmark. Each line is "TAG SEQ " padded with 'x' to 100
 * bytes; SEQ counts from 0. After SECONDS it writes how many whole lines it wrote
 * to COUNT_FILE (through a temporary file and rename) and exits 0, so the bench can
 * prove that every line reached the log exactly once. With GATE_FILE it first waits
 * (polling every millisecond) until that file exists, so every writer of every
 * subject starts when the bench says so, not when its supervisor happened to start it.
 * COUNT_FILE then holds: LINES START_MS END_MS (wall clock, milliseconds).
 *
 *   logwriter TAG SECONDS COUNT_FILE [GATE_FILE]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LINE 100
#define BATCH 40

static double wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Writes all of buf, waiting when stdout is non-blocking and full. 0 on success. */
static int write_all(const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(1, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd p = {.fd = 1, .events = POLLOUT};
        poll(&p, 1, 100);
        continue;
      }
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: logwriter TAG SECONDS COUNT_FILE [GATE_FILE]\n");
    return 2;
  }
  const char *tag = argv[1];
  struct stat st;
  if (argc == 5)
    while (stat(argv[4], &st) != 0) usleep(1000);
  double start_ms = wall_ms();
  double end = now() + atof(argv[2]);
  char buf[LINE * BATCH];
  unsigned long seq = 0;
  while (now() < end) {
    size_t off = 0;
    for (int i = 0; i < BATCH; i++) {
      int n = snprintf(buf + off, LINE, "%s %lu ", tag, seq + (unsigned long)i);
      memset(buf + off + n, 'x', LINE - 1 - (size_t)n);
      buf[off + LINE - 1] = '\n';
      off += LINE;
    }
    if (write_all(buf, off) != 0) break;
    seq += BATCH;
  }
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", argv[3]);
  FILE *f = fopen(tmp, "w");
  if (!f) return 1;
  fprintf(f, "%lu %.0f %.0f\n", seq, start_ms, wall_ms());
  if (fclose(f) != 0 || rename(tmp, argv[3]) != 0) return 1;
  return 0;
}
