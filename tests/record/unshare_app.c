/* Records, then enters a new user and mount namespace (as unprivileged
 * sandboxes do), mounts a tmpfs over /tmp, and records again. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include <remora/remora.h>

REMORA_EVENT(ns, phase, (int, n), (bool, inside));

int main(void)
{
	for (int i = 0; i < 100; i++)
		remora_trace(ns, phase, i, false);
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		perror("unshare");
		return 3;
	}
	if (mount("none", "/tmp", "tmpfs", 0, NULL) < 0) {
		perror("mount");
		return 4;
	}
	for (int i = 100; i < 200; i++)
		remora_trace(ns, phase, i, true);
	puts("inside a new user and mount namespace");
	return 0;
}
