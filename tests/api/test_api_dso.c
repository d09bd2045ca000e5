/* Each shared object registers its own `remora_events` section: a
 * dlopen()ed object's constructor hands over a section distinct from the
 * executable's, and dlclose() unregisters it. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_stub.h"

REMORA_EVENT(exe, main, (int, n));

static void test_dlopen_registers_its_own_section_and_dlclose_unregisters(void **state)
{
	(void)state;
	static const volatile uint8_t on = 1;
	assert_int_equal(fake.nsections, 1);
	void *h = dlopen(DSO_PATH, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(h);
	assert_int_equal(fake.nsections, 2);
	struct fake_section *s = &fake.sections[1];
	assert_ptr_not_equal(s->begin, fake.sections[0].begin);
	assert_int_equal(s->registrations, 1);
	assert_int_equal(s->end - s->begin, 1);
	assert_string_equal(s->begin[0]->provider, "dso");
	assert_string_equal(s->begin[0]->name, "ping");
	assert_null(fake_find("dso", "ping", 1));
	assert_null(fake_find("exe", "main", 1)); /* not in the object's section */

	fake_attach_all(&on);
	void (*ping)(int) = (void (*)(int))dlsym(h, "dso_ping");
	assert_non_null(ping);
	ping(-2);
	assert_ptr_equal(fake.last_event, s->begin[0]);
	assert_int_equal(fake.last_size, 4);
	assert_memory_equal(fake.buf, ((unsigned char[]){ 0xfe, 0xff, 0xff, 0xff }), 4);

	assert_int_equal(dlclose(h), 0);
	assert_int_equal(fake.unregistered, 1);
	assert_int_equal(fake.nsections, 1);
	fake_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dlopen_registers_its_own_section_and_dlclose_unregisters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
