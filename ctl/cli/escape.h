/* Printing untrusted text from a trace (escape.c). */
#ifndef REMORA_CTL_CLI_ESCAPE_H
#define REMORA_CTL_CLI_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* p[0..n), escaped: printable ASCII and harmless UTF-8 as is, the rest
 * as \n, \t, \r, \", \\, \uXXXX or \xXX. */
void rm_put_escaped(FILE *f, const unsigned char *p, size_t n);
/* The same for a NUL-terminated string. */
void rm_put_str(FILE *f, const char *s);

#endif
