/* Records, then a thread enters SECCOMP_MODE_STRICT (only read, write,
 * _exit and sigreturn remain) and records 1000 more events there: the fast
 * path makes no syscall (the vDSO clock works under strict mode). */
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <remora/remora.h>

REMORA_EVENT(strict, ev, (int, n), (bool, strict));

static void *strict_thread(void *arg)
{
	(void)arg;
	remora_trace(strict, ev, 0, false); /* claims this thread's chunk */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) < 0)
		return (void *)1;
	for (int i = 1; i <= 1000; i++)
		remora_trace(strict, ev, i, true);
	syscall(SYS_exit, 0); /* exit_group and munmap are forbidden now */
	return NULL;
}

int main(void)
{
	pthread_t t;
	for (int i = 0; i < 100; i++)
		remora_trace(strict, ev, -i - 1, false);
	if (pthread_create(&t, NULL, strict_thread, NULL))
		return 2;
	void *ret;
	pthread_join(t, &ret);
	if (ret)
		return 3;
	puts("a thread recorded under SECCOMP_MODE_STRICT");
	return 0;
}
