/* The plugin of the plugin scenario: a shared object with events of its
 * own, loaded and unloaded with dlopen/dlclose by plugin.c. */
#include <stdint.h>

#include "hostile.h"

REMORA_EVENT(plug, hit, (int, round), (int, k));

__attribute__((visibility("default"))) int plugin_run(int round, int n);

int plugin_run(int round, int n)
{
	remora_printf(plug, note, "round=%d n=%d", round, n);
	for (int k = 0; k < n; k++)
		remora_trace(plug, hit, round, k);
	return n;
}
