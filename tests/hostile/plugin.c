/* Provider in a plugin: dlopen a shared object with its own events, record
 * through it, dlclose it (and check it is really unloaded), three rounds;
 * the program records events of its own before, between and after.
 * Usage: plugin PLUGIN.so */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

#include "hostile.h"

REMORA_EVENT(host, mark, (int, round), (int, phase));

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	for (int round = 1; round <= 3; round++) {
		remora_trace(host, mark, round, 0);
		void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			printf("round %d: dlopen: %s\n", round, dlerror());
			return 1;
		}
		int (*run)(int, int) = (int (*)(int, int))dlsym(h, "plugin_run");
		if (!run) {
			printf("round %d: dlsym: %s\n", round, dlerror());
			return 1;
		}
		int n = run(round, 100 * round);
		remora_trace(host, mark, round, 1);
		dlclose(h);
		void *still = dlopen(argv[1], RTLD_NOW | RTLD_NOLOAD);
		printf("round %d: %d events through the plugin, %s after dlclose\n", round, n,
		       still ? "still loaded" : "unloaded");
		if (still)
			dlclose(still);
		remora_trace(host, mark, round, 2);
	}
	return 0;
}
