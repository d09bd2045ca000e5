/* The libFuzzer entry points every harness defines. In the fuzz preset they
 * are linked with -fsanitize=fuzzer; in the default build smoke_main.c
 * calls them over the checked-in corpus and random inputs (fuzz-smoke). */
#ifndef REMORA_FUZZ_FUZZ_H
#define REMORA_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: one-time setup (weak in smoke_main.c). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant the code under test broke: abort so libFuzzer (or ctest)
 * reports the input. */
#define FUZZ_CHECK(cond)                                                                    \
	do {                                                                                \
		if (!(cond))                                                                \
			fuzz_fail(__FILE__, __LINE__, #cond);                               \
	} while (0)
__attribute__((noreturn)) void fuzz_fail(const char *file, int line, const char *what);

#endif
