/*
 * hearth-spool's state: the stream table, the connection to hearthd and
 * positions in a stream's spool generations. Included once, by
 * hearth-spool.c (the helpers are built one C file each; this keeps that file
 * short enough to read).
 */
#ifndef HEARTH_SPOOL_STATE_H
#define HEARTH_SPOOL_STATE_H

#define KEY_MAX 200
#define MAX_GENS 8
#define SPLICE_CHUNK (1 << 20)
#define OUT_MAX (16u << 20)
#define LINE_BUF (16 * 1024)
#define TAG_LISTEN UINT64_MAX
#define TAG_CLIENT (UINT64_MAX - 1)

struct gen {
  uint64_t n;
  uint64_t size;
};

struct stream {
  char key[KEY_MAX + 1];
  int used;
  int ending;
  int fifo;
  int spool; /* the current generation, open for writing */
  struct gen gens[MAX_GENS]; /* live generations, oldest first; the last is written */
  int ngens;
  uint64_t ack_gen, ack_off, seen_gen, seen_off;
  uint64_t punched; /* of the current generation */
  int notified;
  int in_epoll;
  int failing;
  int reported; /* the current failure was said once */
  time_t retry_at;
  int next_in_chain;
  int worker; /* the router's table: the worker process that has this stream */
};

/* Bytes read from a socket until a whole line is there. */
struct linebuf {
  char buf[LINE_BUF];
  size_t len;
  int overlong; /* the line being read is longer than any we take: it is skipped */
};

static const char *socket_path, *spool_dir, *fifo_dir;
static uint64_t cap = 4u << 20, rotate_at = 64u << 20;
static int ep = -1, listener = -1, client = -1;
/* A worker splices streams and talks to the router; the router talks to hearthd (router.h). */
static int is_worker;
static ino_t socket_ino;
static struct stream *streams;
static int nstreams, free_slot = -1;
static int *chains;
static unsigned nchains;
static struct linebuf from_client;
static char *outbuf;
static size_t out_len, out_cap;

/* --- output to hearthd ------------------------------------------------- */

static void drop_client(void) {
  if (client < 0) return;
  /* A worker's client is the router: without it nobody hears the worker, and a new helper
     (which the lock keeps out while any worker lives) must be able to start. */
  if (is_worker) _exit(0);
  close(client);
  client = -1;
  out_len = 0;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  if (client < 0) return;
  if (out_len > OUT_MAX) {
    drop_client(); /* a client that never reads: the next hearthd asks again */
    return;
  }
  if (out_cap - out_len < 512) {
    size_t want = out_cap ? out_cap * 2 : 65536;
    char *grown = realloc(outbuf, want);
    if (!grown) return;
    outbuf = grown;
    out_cap = want;
  }
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(outbuf + out_len, out_cap - out_len, fmt, ap);
  va_end(ap);
  if (n > 0 && (size_t)n < out_cap - out_len) out_len += (size_t)n;
}

static void flush_out(void) {
  size_t off = 0;
  while (client >= 0 && off < out_len) {
    ssize_t n = send(client, outbuf + off, out_len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break; /* hearthd is busy: the rest goes with the next flush */
      drop_client();
      return;
    }
    off += (size_t)n;
  }
  if (client < 0) return;
  memmove(outbuf, outbuf + off, out_len - off);
  out_len -= off;
  struct epoll_event ev = {.events = EPOLLIN | (out_len ? EPOLLOUT : 0), .data.u64 = TAG_CLIENT};
  epoll_ctl(ep, EPOLL_CTL_MOD, client, &ev);
}

/* --- the stream table ---------------------------------------------------- */

static unsigned hash_key(const char *k) {
  unsigned h = 2166136261u;
  for (; *k; k++) h = (h ^ (unsigned char)*k) * 16777619u;
  return h;
}

static int find_stream(const char *key) {
  if (!chains) return -1;
  for (int i = chains[hash_key(key) % nchains]; i >= 0; i = streams[i].next_in_chain)
    if (strcmp(streams[i].key, key) == 0) return i;
  return -1;
}

static void rehash(void) {
  unsigned want = nchains ? nchains * 2 : 1024;
  int *c = malloc(sizeof(int) * want);
  if (!c) return;
  for (unsigned i = 0; i < want; i++) c[i] = -1;
  free(chains);
  chains = c;
  nchains = want;
  for (int i = 0; i < nstreams; i++) {
    if (!streams[i].used) continue;
    unsigned b = hash_key(streams[i].key) % nchains;
    streams[i].next_in_chain = chains[b];
    chains[b] = i;
  }
}

static int new_stream(const char *key) {
  int i = free_slot;
  if (i >= 0) {
    free_slot = streams[i].next_in_chain;
  } else {
    struct stream *grown = realloc(streams, sizeof *streams * (size_t)(nstreams + 1));
    if (!grown) return -1;
    streams = grown;
    i = nstreams++;
  }
  struct stream *s = &streams[i];
  memset(s, 0, sizeof *s);
  /* Before this slot counts as used: rehash links every used stream, and linking this one
     again below would make it its own successor (a lookup that misses would never end). */
  if (!chains || (unsigned)nstreams > nchains) rehash();
  if (!chains) return -1;
  snprintf(s->key, sizeof s->key, "%s", key);
  s->used = 1;
  s->fifo = s->spool = -1;
  unsigned b = hash_key(key) % nchains;
  s->next_in_chain = chains[b];
  chains[b] = i;
  return i;
}

static void free_stream(int i) {
  struct stream *s = &streams[i];
  int *link = &chains[hash_key(s->key) % nchains];
  while (*link != i) link = &streams[*link].next_in_chain;
  *link = s->next_in_chain;
  if (s->fifo >= 0) close(s->fifo);
  if (s->spool >= 0) close(s->spool);
  s->used = 0;
  s->next_in_chain = free_slot;
  free_slot = i;
}

static int valid_key(const char *k) {
  size_t n = strlen(k);
  if (n == 0 || n > KEY_MAX || k[0] == '.') return 0;
  for (; *k; k++) {
    char c = *k;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("_.@+-", c))) return 0;
  }
  return 1;
}

static void gen_path(char *buf, size_t len, const struct stream *s, uint64_t n) {
  snprintf(buf, len, "%s/%s.%" PRIu64, spool_dir, s->key, n);
}

/* --- positions ----------------------------------------------------------- */

static struct gen *current(struct stream *s) { return &s->gens[s->ngens - 1]; }

/* Bytes from the start of the oldest live generation to (g, off). */
static uint64_t absolute(const struct stream *s, uint64_t g, uint64_t off) {
  uint64_t sum = 0;
  if (s->ngens == 0 || g < s->gens[0].n) return 0;
  for (int i = 0; i < s->ngens; i++) {
    if (s->gens[i].n == g) return sum + (off < s->gens[i].size ? off : s->gens[i].size);
    sum += s->gens[i].size;
  }
  return sum; /* beyond what exists: everything */
}

static uint64_t unjournaled(const struct stream *s) {
  const struct gen *c = &s->gens[s->ngens - 1];
  return absolute(s, c->n, c->size) - absolute(s, s->ack_gen, s->ack_off);
}

static int later(uint64_t g1, uint64_t o1, uint64_t g2, uint64_t o2) { return g1 > g2 || (g1 == g2 && o1 > o2); }

#endif
