/* The environment as remora's code in a traced program may read it. In a
 * process the kernel marked AT_SECURE (setuid, setgid, file capabilities)
 * the variables belong to the less privileged user who started it, so
 * none of them is read: tracing falls back to the defaults of the
 * effective uid (SECURITY.md, "Setuid programs"). Stub-safe: getauxval
 * reads what the loader saved, before any constructor runs. */
#ifndef REMORA_SHM_ENV_H
#define REMORA_SHM_ENV_H

#include <stdbool.h>

/* True in a setuid/setgid/file-capability process. */
bool rm_env_secure(void);

/* getenv(name), or NULL when rm_env_secure(). */
const char *rm_getenv(const char *name);

#endif
