/*
 * A small strict JSON parser for hearth-spawner's request lines: parses in
 * place (strings are decoded into the line itself) into a flat node array.
 */
#ifndef HEARTH_SPAWNER_JSON_H
#define HEARTH_SPAWNER_JSON_H

#include <stddef.h>

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
  int saw_nul; /* set while decoding a string */
} jparser;

/* Parses one line (modified in place); returns the root node or -1 with j->err set. */
int jparse(jparser *j, char *line, size_t len);

/* The member of an object node, or NULL. */
jnode *jget(jparser *j, int obj, const char *key);

/* A node's index (for jget), -1 for NULL. */
int node_index(jparser *j, jnode *n);

#endif
