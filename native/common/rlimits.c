#define _GNU_SOURCE
#include "rlimits.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct {
  const char *name;
  int resource;
} names[] = {
    {"as", RLIMIT_AS},           {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},       {"fsize", RLIMIT_FSIZE},       {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},   {"nproc", RLIMIT_NPROC},       {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},   {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

static int parse_value(const char *s, size_t n, rlim_t *out) {
  if (n == 9 && strncmp(s, "unlimited", 9) == 0) {
    *out = RLIM_INFINITY;
    return 0;
  }
  if (n == 0 || n > 20) return -1;
  unsigned long long v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    unsigned long long next = v * 10 + (unsigned long long)(s[i] - '0');
    if (next / 10 != v) return -1; /* overflow */
    v = next;
  }
  *out = (rlim_t)v;
  return 0;
}

int rlimit_parse(const char *spec, int *resource, struct rlimit *rl) {
  const char *eq = strchr(spec, '=');
  const char *colon = eq ? strchr(eq, ':') : NULL;
  if (!eq || !colon) return -1;
  size_t name_len = (size_t)(eq - spec);
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strlen(names[i].name) != name_len || strncmp(names[i].name, spec, name_len) != 0) continue;
    if (parse_value(eq + 1, (size_t)(colon - eq - 1), &rl->rlim_cur) != 0) return -1;
    if (parse_value(colon + 1, strlen(colon + 1), &rl->rlim_max) != 0) return -1;
    *resource = names[i].resource;
    return 0;
  }
  return -1;
}
