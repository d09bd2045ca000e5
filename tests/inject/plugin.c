/* A provider plugin with events of its own, loaded with dlopen(). */
#include <remora/remora.h>

REMORA_EVENT(plug, hit, (int, round), (int, n));

__attribute__((visibility("default"))) void inj_plugin_fire(int round, int n);
void inj_plugin_fire(int round, int n)
{
	for (int i = 0; i < n; i++)
		remora_trace(plug, hit, round, i);
}
