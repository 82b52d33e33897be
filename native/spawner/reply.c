/* hearth-spawner's replies: see reply.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reply.h"

static int chan = -1;
static char *out;
static size_t out_len, out_cap;

void reply_channel(int fd) {
  chan = fd;
}

static void out_reserve(size_t more) {
  if (out_len + more <= out_cap) return;
  size_t cap = out_cap ? out_cap : 4096;
  while (cap < out_len + more) cap *= 2;
  char *p = realloc(out, cap);
  if (!p) {
    fprintf(stderr, "hearth-spawner: out of memory\n");
    _exit(1);
  }
  out = p;
  out_cap = cap;
}

void out_raw(const char *s, size_t n) {
  out_reserve(n);
  memcpy(out + out_len, s, n);
  out_len += n;
}

void out_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char buf[256];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) out_raw(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

void out_json_string(const char *s) {
  OUT_LIT("\"");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') {
      char e[2] = {'\\', (char)*p};
      out_raw(e, 2);
    } else if (*p < 0x20 || *p >= 0x80) {
      /* Non-ASCII bytes are escaped one by one: the reply stays valid UTF-8. */
      out_printf("\\u%04x", *p);
    } else {
      out_raw((const char *)p, 1);
    }
  }
  OUT_LIT("\"");
}

void flush_some(void) {
  size_t off = 0;
  while (off < out_len) {
    ssize_t n = send(chan, out + off, out_len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break; /* hearthd is busy: the rest goes when the channel takes it */
      _exit(0);                   /* hearthd is gone: nothing left to do */
    }
    off += (size_t)n;
  }
  memmove(out, out + off, out_len - off);
  out_len -= off;
}

int out_pending(void) {
  return out_len > 0;
}

void reply_error(double id, int has_id, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (has_id) out_printf("{\"id\":%.0f,\"error\":", id);
  else OUT_LIT("{\"error\":");
  out_json_string(msg);
  OUT_LIT("}\n");
}

void ack(const char *cmd) {
  /* Sent now, not batched: Node sends the next connection only after it. */
  out_printf("{\"cmd\":\"%s\"}\n", cmd);
  flush_some();
}

void report_started(double id, pid_t pid) {
  out_printf("{\"id\":%.0f,\"pid\":%d}\n", id, (int)pid);
}

void report_exit(pid_t pid, int status) {
  if (WIFSIGNALED(status)) out_printf("{\"pid\":%d,\"code\":null,\"signal\":%d}\n", (int)pid, WTERMSIG(status));
  else out_printf("{\"pid\":%d,\"code\":%d,\"signal\":null}\n", (int)pid, WEXITSTATUS(status));
}
