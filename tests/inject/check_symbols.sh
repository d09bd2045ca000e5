#!/usr/bin/env bash
# Fails when the in-app stub (libremora.so, which also holds the helper's
# code) references anything the contract bans on its paths: libc's
# allocator, stdio, pthread locks, atfork handlers (DESIGN.md section 3,
# line 5). Also proves the check itself can fail: a control object that
# calls malloc must be caught.
set -euo pipefail
lib=$1
control=$2
banned='^(malloc|calloc|realloc|free|reallocarray|posix_memalign|aligned_alloc|memalign|valloc|strdup|strndup|asprintf|vasprintf|printf|fprintf|vfprintf|sprintf|snprintf|vsnprintf|puts|fputs|fopen|fdopen|fclose|fflush|fwrite|fread|perror|syslog|pthread_atfork|pthread_mutex_lock|pthread_mutex_trylock|pthread_rwlock_rdlock|pthread_rwlock_wrlock|pthread_spin_lock|pthread_create|pthread_key_create|sigaction|signal|sigprocmask|pthread_sigmask|dlopen|fnmatch|__libc_malloc)(@.*)?$'

check() {
    nm -D --undefined-only "$1" | awk '{print $NF}' | grep -E "$banned" || true
}

hits=$(check "$lib")
if [ -n "$hits" ]; then
    echo "FAIL: $lib references banned symbols:"; echo "$hits"; exit 1
fi
if [ -z "$(check "$control")" ]; then
    echo "FAIL: the check missed malloc in the control object $control"; exit 1
fi
echo "undefined symbols of $lib:"; nm -D --undefined-only "$lib" | awk '{print "  " $NF}'
echo "PASS: no banned symbol"
