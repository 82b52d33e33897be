/* hearth-spawner's JSON parser: see json.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

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
int jparse(jparser *j, char *line, size_t len) {
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

jnode *jget(jparser *j, int obj, const char *key) {
  if (obj < 0 || j->nodes[obj].type != J_OBJ) return NULL;
  for (int c = j->nodes[obj].child; c >= 0; c = j->nodes[c].next)
    if (strcmp(j->nodes[c].key, key) == 0) return &j->nodes[c];
  return NULL;
}

int node_index(jparser *j, jnode *n) {
  return n ? (int)(n - j->nodes) : -1;
}
