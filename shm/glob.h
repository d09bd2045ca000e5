/* The one glob syntax for event patterns ("provider:name"): `*` matches
 * any run of characters, `?` any one character, every other character
 * itself. REMORA_ENABLE (read by the stub), `remora record -e` and
 * `remora enable-event` all match with this function, so a pattern means
 * the same thing wherever a user types it. Stub-safe: no libc allocation,
 * no locks (fnmatch() may allocate). */
#ifndef REMORA_SHM_GLOB_H
#define REMORA_SHM_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* Whether str matches the first patlen bytes of pat. */
bool rm_glob_match(const char *pat, size_t patlen, const char *str);

#endif
