/* libremora-cyg.so: function entry and exit of programs built with
 * -finstrument-functions (provider cyg_profile, the names LTTng-UST's
 * lttng_ust_cyg_profile uses). glibc supplies empty hooks, so such a
 * program runs untraced without this library.
 *
 * Nothing here may be instrumented (it would call itself): the hooks are
 * no_instrument_function, the rest is libremora, built without the flag.
 * The guard keeps a hook that fires inside the recording of another (a
 * signal handler built with the flag) from recording a half-nested pair. */
#include <remora/remora.h>

REMORA_EVENT(cyg_profile, func_entry, (void *, addr), (void *, call_site));
REMORA_EVENT(cyg_profile, func_exit, (void *, addr), (void *, call_site));

static __thread int guard __attribute__((tls_model("initial-exec")));

#define HOOK __attribute__((visibility("default"), no_instrument_function))
#define COLD __attribute__((noinline, cold, no_instrument_function))

COLD static void rec_entry(void *fn, void *site)
{
	if (guard)
		return;
	guard = 1;
	remora_trace(cyg_profile, func_entry, fn, site);
	guard = 0;
}

COLD static void rec_exit(void *fn, void *site)
{
	if (guard)
		return;
	guard = 1;
	remora_trace(cyg_profile, func_exit, fn, site);
	guard = 0;
}

HOOK void __cyg_profile_func_enter(void *fn, void *site)
{
	if (remora_enabled(cyg_profile, func_entry))
		rec_entry(fn, site);
}

HOOK void __cyg_profile_func_exit(void *fn, void *site)
{
	if (remora_enabled(cyg_profile, func_exit))
		rec_exit(fn, site);
}
