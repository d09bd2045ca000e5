#include <stdlib.h>
#include <sys/auxv.h>

#include "shm/env.h"

bool rm_env_secure(void)
{
	return getauxval(AT_SECURE) != 0;
}

const char *rm_getenv(const char *name)
{
	return rm_env_secure() ? NULL : getenv(name);
}
