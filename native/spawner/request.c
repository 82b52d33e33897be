/* The fields every start request carries (see request.h). */
#include "request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

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


int read_list(jparser *j, jnode *arr, const char *field, const char *holds, const char *entry, int max,
              int (*ok)(const char *s, int i, void *ctx), void *ctx, double id) {
  if (!arr || arr->type == J_NULL) return 0;
  if (arr->type != J_ARR) {
    reply_error(id, 1, "\"%s\" must be an array of %s", field, holds);
    return -1;
  }
  int i = 0;
  for (int c = arr->child; c >= 0; c = j->nodes[c].next, i++) {
    jnode *e = &j->nodes[c];
    if (i == max) {
      reply_error(id, 1, "\"%s\" has more than %d entries", field, max);
      return -1;
    }
    if (e->type != J_STR || e->nul || !ok(e->str, i, ctx)) {
      reply_error(id, 1, "\"%s\"[%d] must be %s", field, i, entry);
      return -1;
    }
  }
  return i;
}

int request_id(jparser *j, int req, double *id) {
  jnode *n = jget(j, req, "id");
  if (!n || n->type != J_NUM || n->num < 0 || n->num > 9007199254740991.0 || n->num != (double)(int64_t)n->num) {
    reply_error(0, 0, "a request needs an \"id\" (a non-negative integer)");
    return 0;
  }
  *id = n->num;
  return 1;
}

int read_program(jparser *j, int req, double id, struct program *p) {
  memset(p, 0, sizeof *p);
  jnode *file = jget(j, req, "file");
  jnode *um = jget(j, req, "umask");
  if (!file || file->type != J_STR || file->nul || file->str[0] != '/') {
    reply_error(id, 1, "\"file\" must be an absolute path");
    return 0;
  }
  if (um && um->type != J_NULL && (um->type != J_NUM || um->num < 0 || um->num > 0777 || um->num != (double)(int)um->num)) {
    reply_error(id, 1, "\"umask\" must be an integer from 0 to 0777");
    return 0;
  }
  p->file = file->str;
  p->set_umask = um && um->type == J_NUM;
  p->umask = p->set_umask ? (mode_t)um->num : 0;
  p->argv = string_vector(j, jget(j, req, "argv"), "argv", 0, id);
  if (!p->argv) return 0;
  if (!p->argv[0]) {
    reply_error(id, 1, "\"argv\" must not be empty");
    return 0;
  }
  p->envp = string_vector(j, jget(j, req, "env"), "env", 1, id);
  return p->envp != NULL;
}

void program_free(struct program *p) {
  free(p->argv);
  free(p->envp);
  p->argv = p->envp = NULL;
}
