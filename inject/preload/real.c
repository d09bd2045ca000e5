/* The thread-local recursion guard of libremora-libc.so. */
#include "preload.h"

__thread int rm_pl_guard __attribute__((tls_model("initial-exec")));
