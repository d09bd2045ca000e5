/* A shared object with its own events, loaded by test_api_dso.c: its
 * remora_events section is registered by its own constructor and
 * unregistered by its destructor at dlclose(). */
#include <remora/remora.h>

REMORA_EVENT(dso, ping, (int, n));

__attribute__((visibility("default"))) void dso_ping(int n);
void dso_ping(int n)
{
	remora_trace(dso, ping, n);
}
