/* Request fields that are lists of strings (argv, env). */
#include "vector.h"

#include <stdlib.h>
#include <string.h>

#include "reply.h"

/* Collects a JSON array of strings into a NULL-terminated vector; NULL on a bad entry. */
char **string_vector(jparser *j, jnode *arr, const char *name, int need_eq, double id) {
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

