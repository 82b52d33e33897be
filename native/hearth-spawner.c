/*
 * hearth-spawner: starts one server per TCP connection for hearthd.
 *
 * Forking hearthd (a Node process of some 60 MiB) for every connection costs
 * more than the server it starts: the kernel copies its page tables each
 * time. This helper is started once by hearthd, with a Node IPC channel, and
 * stays small: hearthd hands it each accepted connection with
 * child.send(request, socket), and it starts the server with posix_spawn
 * (a vfork-style clone) with the socket as fds 0, 1 and 2.
 *
 * The channel speaks Node's own IPC protocol (JSON serialization): one JSON
 * value per line, the connection's fd riding on the sendmsg(2) of the line
 * that announces it:
 *
 *   hearthd -> spawner  {"cmd":"NODE_HANDLE","type":"net.Socket","msg":REQUEST,"key":...}
 *                       REQUEST = {"id":N,"file":"/abs/path","argv":[..],"env":["K=V",..],"umask":N?}
 *   spawner -> hearthd  {"cmd":"NODE_HANDLE_ACK"}   (or _NACK when no fd came: Node resends)
 *                       {"id":N,"pid":P}  or  {"id":N,"error":"..."}
 *                       {"pid":P,"code":C,"signal":null} / {"pid":P,"code":null,"signal":S}
 *                       {"error":"..."}  for a line that is not a request at all
 *
 * Node also asks about sockets it handed over when their server closes
 * (NODE_SOCKET_NOTIFY_CLOSE, NODE_SOCKET_GET_COUNT): this helper keeps no
 * sockets, so it answers "all closed" and "0".
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
#include <spawn.h>
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

#define MAX_LINE (1 << 20)   /* longest request line accepted */
#define MAX_ARGS 4096        /* argv and env entries, each */
#define MAX_FDS 64           /* fds received but not yet claimed by a message */
#define HANDLE_PREFIX "{\"cmd\":\"NODE_HANDLE\""

static int chan = -1;

/* ---- output: replies are collected and written in one go ------------------ */

static char *out;
static size_t out_len, out_cap;

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

static void out_raw(const char *s, size_t n) {
  out_reserve(n);
  memcpy(out + out_len, s, n);
  out_len += n;
}

/* A string literal, its length counted by the compiler. */
#define OUT_LIT(s) out_raw(s, sizeof s - 1)

static void out_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char buf[256];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) out_raw(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* A JSON string literal; the text may come from a request, so escape it all. */
static void out_json_string(const char *s) {
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

static void flush_all(void) {
  size_t off = 0;
  while (off < out_len) {
    ssize_t n = write(chan, out + off, out_len - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      _exit(0); /* hearthd is gone: nothing left to do */
    }
    off += (size_t)n;
  }
  out_len = 0;
}

/* ---- a small strict JSON parser ---------------------------------------------- */

enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct {
  int type;
  int child; /* first element or member (index), -1 if none */
  int next;  /* next sibling, -1 if last */
  const char *key; /* member name when inside an object */
  const char *str; /* decoded, NUL-terminated (in place) */
  int nul;         /* the string had a \u0000, so str is cut short: never use it */
  double num;
} jnode;

typedef struct {
  char *p, *end;
  jnode *nodes;
  int count, cap;
  const char *err;
  int depth;
  int saw_nul; /* set by jstring */
} jparser;

static int jnew(jparser *j, int type) {
  if (j->count == j->cap) {
    int cap = j->cap ? j->cap * 2 : 64;
    jnode *n = realloc(j->nodes, (size_t)cap * sizeof *n);
    if (!n) {
      j->err = "out of memory";
      return -1;
    }
    j->nodes = n;
    j->cap = cap;
  }
  jnode *n = &j->nodes[j->count];
  memset(n, 0, sizeof *n);
  n->type = type;
  n->child = n->next = -1;
  return j->count++;
}

static void jspace(jparser *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n')) j->p++;
}

static int hex4(const char *s, unsigned *v) {
  *v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    *v <<= 4;
    if (c >= '0' && c <= '9') *v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') *v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') *v |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  return 0;
}

/* Decodes a string literal in place (the result is never longer than the source). */
static const char *jstring(jparser *j) {
  char *w = j->p + 1, *start = w; /* skip the opening quote */
  char *r = w;
  j->saw_nul = 0;
  for (;;) {
    if (r >= j->end) {
      j->err = "unterminated string";
      return NULL;
    }
    unsigned char c = (unsigned char)*r;
    if (c == '"') break;
    if (c < 0x20) {
      j->err = "control character in a string";
      return NULL;
    }
    if (c != '\\') {
      *w++ = *r++;
      continue;
    }
    if (r + 1 >= j->end) {
      j->err = "unterminated string";
      return NULL;
    }
    char e = r[1];
    r += 2;
    switch (e) {
      case '"': *w++ = '"'; break;
      case '\\': *w++ = '\\'; break;
      case '/': *w++ = '/'; break;
      case 'b': *w++ = '\b'; break;
      case 'f': *w++ = '\f'; break;
      case 'n': *w++ = '\n'; break;
      case 'r': *w++ = '\r'; break;
      case 't': *w++ = '\t'; break;
      case 'u': {
        unsigned cp;
        if (j->end - r < 4 || hex4(r, &cp) < 0) {
          j->err = "bad \\u escape";
          return NULL;
        }
        r += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned lo;
          if (j->end - r >= 6 && r[0] == '\\' && r[1] == 'u' && hex4(r + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
            r += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else {
            cp = 0xFFFD; /* a lone surrogate, as JSON.stringify may emit */
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        if (cp == 0) j->saw_nul = 1;
        /* UTF-8 needs at most as many bytes as the escape had (6, or 12 for a pair). */
        if (cp < 0x80) *w++ = (char)cp;
        else if (cp < 0x800) {
          *w++ = (char)(0xC0 | (cp >> 6));
          *w++ = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
          *w++ = (char)(0xE0 | (cp >> 12));
          *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
          *w++ = (char)(0x80 | (cp & 0x3F));
        } else {
          *w++ = (char)(0xF0 | (cp >> 18));
          *w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
          *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
          *w++ = (char)(0x80 | (cp & 0x3F));
        }
        break;
      }
      default:
        j->err = "bad escape in a string";
        return NULL;
    }
  }
  *w = '\0'; /* at most where the closing quote was */
  j->p = r + 1;
  return start;
}

static int jvalue(jparser *j);

static int jnumber(jparser *j) {
  char *s = j->p;
  if (j->p < j->end && *j->p == '-') j->p++;
  if (j->p >= j->end || *j->p < '0' || *j->p > '9') {
    j->err = "unexpected character";
    return -1;
  }
  if (*j->p == '0') j->p++;
  else while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  if (j->p < j->end && *j->p == '.') {
    j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') {
      j->err = "bad number";
      return -1;
    }
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
    j->p++;
    if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') {
      j->err = "bad number";
      return -1;
    }
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  }
  char buf[64];
  size_t len = (size_t)(j->p - s);
  if (len >= sizeof buf) {
    j->err = "number too long";
    return -1;
  }
  memcpy(buf, s, len);
  buf[len] = '\0';
  int n = jnew(j, J_NUM);
  if (n >= 0) j->nodes[n].num = strtod(buf, NULL);
  return n;
}

static int jliteral(jparser *j, const char *word, int type) {
  size_t len = strlen(word);
  if ((size_t)(j->end - j->p) < len || memcmp(j->p, word, len) != 0) {
    j->err = "unexpected character";
    return -1;
  }
  j->p += len;
  return jnew(j, type);
}

static int jcontainer(jparser *j, int type) {
  char close = type == J_ARR ? ']' : '}';
  if (++j->depth > 32) {
    j->err = "nested too deeply";
    return -1;
  }
  int self = jnew(j, type);
  if (self < 0) return -1;
  j->p++;
  jspace(j);
  int last = -1;
  if (j->p < j->end && *j->p == close) {
    j->p++;
    j->depth--;
    return self;
  }
  for (;;) {
    const char *key = NULL;
    jspace(j);
    if (type == J_OBJ) {
      if (j->p >= j->end || *j->p != '"') {
        j->err = "expected a member name";
        return -1;
      }
      key = jstring(j);
      if (!key) return -1;
      if (j->saw_nul) {
        j->err = "NUL character in a member name";
        return -1;
      }
      jspace(j);
      if (j->p >= j->end || *j->p != ':') {
        j->err = "expected ':'";
        return -1;
      }
      j->p++;
    }
    int v = jvalue(j);
    if (v < 0) return -1;
    j->nodes[v].key = key;
    if (last < 0) j->nodes[self].child = v;
    else j->nodes[last].next = v;
    last = v;
    jspace(j);
    if (j->p < j->end && *j->p == ',') {
      j->p++;
      continue;
    }
    if (j->p < j->end && *j->p == close) {
      j->p++;
      j->depth--;
      return self;
    }
    j->err = type == J_ARR ? "expected ',' or ']'" : "expected ',' or '}'";
    return -1;
  }
}

static int jvalue(jparser *j) {
  jspace(j);
  if (j->p >= j->end) {
    j->err = "unexpected end of line";
    return -1;
  }
  switch (*j->p) {
    case '{': return jcontainer(j, J_OBJ);
    case '[': return jcontainer(j, J_ARR);
    case '"': {
      const char *s = jstring(j);
      if (!s) return -1;
      int nul = j->saw_nul;
      int n = jnew(j, J_STR);
      if (n >= 0) {
        j->nodes[n].str = s;
        j->nodes[n].nul = nul;
      }
      return n;
    }
    case 't': return jliteral(j, "true", J_TRUE);
    case 'f': return jliteral(j, "false", J_FALSE);
    case 'n': return jliteral(j, "null", J_NULL);
    default: return jnumber(j);
  }
}

/* Parses one line (modified in place); returns the root node or -1 with j->err set. */
static int jparse(jparser *j, char *line, size_t len) {
  j->p = line;
  j->end = line + len;
  j->count = 0;
  j->err = NULL;
  j->depth = 0;
  int root = jvalue(j);
  if (root < 0) return -1;
  jspace(j);
  if (j->p != j->end) {
    j->err = "trailing characters";
    return -1;
  }
  return root;
}

static jnode *jget(jparser *j, int obj, const char *key) {
  if (obj < 0 || j->nodes[obj].type != J_OBJ) return NULL;
  for (int c = j->nodes[obj].child; c >= 0; c = j->nodes[c].next)
    if (strcmp(j->nodes[c].key, key) == 0) return &j->nodes[c];
  return NULL;
}

static int node_index(jparser *j, jnode *n) {
  return n ? (int)(n - j->nodes) : -1;
}

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

static void reply_error(double id, int has_id, const char *fmt, ...) {
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

/* Collects a JSON array of strings into a NULL-terminated vector; NULL on a bad entry. */
static char **string_vector(jparser *j, jnode *arr, const char *name, int need_eq, double id) {
  if (!arr || arr->type != J_ARR) {
    reply_error(id, 1, "\"%s\" must be an array of strings", name);
    return NULL;
  }
  int n = 0;
  for (int c = arr->child; c >= 0; c = j->nodes[c].next) n++;
  if (n > MAX_ARGS) {
    reply_error(id, 1, "\"%s\" has %d entries (at most %d)", name, n, MAX_ARGS);
    return NULL;
  }
  char **v = calloc((size_t)n + 1, sizeof *v);
  if (!v) {
    reply_error(id, 1, "out of memory");
    return NULL;
  }
  int i = 0;
  for (int c = arr->child; c >= 0; c = j->nodes[c].next, i++) {
    jnode *e = &j->nodes[c];
    if (e->type == J_STR && e->nul) {
      reply_error(id, 1, "\"%s\"[%d] contains a NUL character", name, i);
      free(v);
      return NULL;
    }
    if (e->type != J_STR || (need_eq && (e->str[0] == '=' || !strchr(e->str, '=')))) {
      reply_error(id, 1, need_eq ? "\"%s\"[%d] must be a \"NAME=value\" string" : "\"%s\"[%d] must be a string", name, i);
      free(v);
      return NULL;
    }
    v[i] = (char *)e->str;
  }
  return v;
}

static void start_server(jparser *j, int req, int fd) {
  jnode *idn = jget(j, req, "id");
  if (!idn || idn->type != J_NUM || idn->num < 0 || idn->num > 9007199254740991.0 || idn->num != (double)(int64_t)idn->num) {
    reply_error(0, 0, "a request needs an \"id\" (a non-negative integer)");
    if (fd >= 0) close(fd);
    return;
  }
  double id = idn->num;
  if (fd < 0) {
    reply_error(id, 1, "no connection came with the request");
    return;
  }
  jnode *file = jget(j, req, "file");
  jnode *um = jget(j, req, "umask");
  char **argv = NULL, **envp = NULL;
  if (!file || file->type != J_STR || file->nul || file->str[0] != '/') {
    reply_error(id, 1, "\"file\" must be an absolute path");
    goto done;
  }
  if (um && um->type != J_NULL && (um->type != J_NUM || um->num < 0 || um->num > 0777 || um->num != (double)(int)um->num)) {
    reply_error(id, 1, "\"umask\" must be an integer from 0 to 0777");
    goto done;
  }
  argv = string_vector(j, jget(j, req, "argv"), "argv", 0, id);
  if (!argv) goto done;
  if (!argv[0]) {
    reply_error(id, 1, "\"argv\" must not be empty");
    goto done;
  }
  envp = string_vector(j, jget(j, req, "env"), "env", 1, id);
  if (!envp) goto done;

  /* Node accepted the connection non-blocking, and the flag lives in the
     open file the server shares: a server expects a blocking stdin. */
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  for (int target = 0; target <= 2; target++) posix_spawn_file_actions_adddup2(&fa, fd, target);
  sigset_t none, dfl;
  sigemptyset(&none);
  /* The server starts as Node would start it: nothing blocked, nothing ignored.
     Only the signals this process ignores need resetting (glibc resets caught
     ones itself); each one is a syscall in every server's start. */
  sigemptyset(&dfl);
  sigaddset(&dfl, SIGPIPE);
  sigaddset(&dfl, SIGINT);
  sigaddset(&dfl, SIGQUIT);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &dfl);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  /* This process is single-threaded: setting the umask around the call is exact. */
  mode_t old = 0;
  int set_umask = um && um->type == J_NUM;
  if (set_umask) old = umask((mode_t)um->num);
  pid_t pid;
  int rc = posix_spawn(&pid, file->str, &fa, &attr, argv, envp);
  if (set_umask) umask(old);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) reply_error(id, 1, "%s", strerror(rc));
  else out_printf("{\"id\":%.0f,\"pid\":%d}\n", id, (int)pid);

done:
  free(argv);
  free(envp);
  close(fd);
}

static void ack(const char *cmd) {
  /* Sent at once, not batched: Node sends the next connection only after it. */
  out_printf("{\"cmd\":\"%s\"}\n", cmd);
  flush_all();
}

static void handle_line(jparser *j, char *line, size_t len) {
  int announces_handle = len >= sizeof HANDLE_PREFIX - 1 && memcmp(line, HANDLE_PREFIX, sizeof HANDLE_PREFIX - 1) == 0;
  int root = jparse(j, line, len);
  if (root < 0) {
    reply_error(0, 0, "malformed message: %s", j->err);
    if (announces_handle) {
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
  /* A request without a connection: answer it, so the sender is not left waiting. */
  start_server(j, root, -1);
}

/* ---- children ---------------------------------------------------------------- */

static void reap(void) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    if (WIFSIGNALED(status)) out_printf("{\"pid\":%d,\"code\":null,\"signal\":%d}\n", (int)pid, WTERMSIG(status));
    else out_printf("{\"pid\":%d,\"code\":%d,\"signal\":null}\n", (int)pid, WEXITSTATUS(status));
  }
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
  if (fcntl(chan, F_SETFD, FD_CLOEXEC) < 0) {
    perror("hearth-spawner: channel");
    return 2;
  }
  int fl = fcntl(chan, F_GETFL);
  if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(chan, F_SETFL, fl & ~O_NONBLOCK);

  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() == 1) return 0; /* hearthd already gone */
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
  size_t cap = 65536, len = 0;
  char *buf = malloc(cap);
  int discarding = 0;        /* inside an over-long line: drop it up to its newline */
  int discarding_handle = 0; /* ... and that line announced a connection */
  if (!buf) return 1;

  for (;;) {
    struct pollfd p[2] = {{chan, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
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
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (cap - len < 4096) {
        if (cap >= MAX_LINE * 2) {
          discarding = 1;
          discarding_handle = len >= sizeof HANDLE_PREFIX - 1 && memcmp(buf, HANDLE_PREFIX, sizeof HANDLE_PREFIX - 1) == 0;
          len = 0;
        } else {
          char *nb = realloc(buf, cap * 2);
          if (!nb) return 1;
          buf = nb;
          cap *= 2;
        }
      }
      union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(int) * 16)];
      } ctl;
      struct iovec iov = {buf + len, cap - len};
      struct msghdr mh = {0};
      mh.msg_iov = &iov;
      mh.msg_iovlen = 1;
      mh.msg_control = ctl.space;
      mh.msg_controllen = sizeof ctl.space;
      ssize_t n = recvmsg(chan, &mh, MSG_CMSG_CLOEXEC);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return 0;
      }
      if (n == 0) return 0; /* hearthd closed the channel */
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < count; i++) {
          int fd;
          memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
          fdq_push(fd);
        }
      }
      size_t scan = len;
      len += (size_t)n;
      size_t start = 0;
      for (size_t i = scan; i < len; i++) {
        if (buf[i] != '\n') continue;
        if (discarding) {
          discarding = 0;
          reply_error(0, 0, "malformed message: longer than %d bytes", MAX_LINE);
          if (discarding_handle) {
            /* Node waits for the ACK of a handle before it sends anything else. */
            int fd = fdq_shift();
            if (fd >= 0) close(fd);
            ack("NODE_HANDLE_ACK");
          }
        } else if (i > start) {
          handle_line(&j, buf + start, i - start);
        }
        start = i + 1;
      }
      if (start > 0) {
        memmove(buf, buf + start, len - start);
        len -= start;
      }
      if (len > MAX_LINE) {
        discarding = 1;
        discarding_handle = memcmp(buf, HANDLE_PREFIX, sizeof HANDLE_PREFIX - 1) == 0;
        len = 0;
      }
    }
    /* Reap before replying, so a short-lived server's exit follows its start. */
    reap();
    flush_all();
  }
}
