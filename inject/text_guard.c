/* EXPERIMENT (issue 18, item 4): a guard on a never-referenced page of
 * libremora's own code gives its r-x vma an anon_vma, so fork copies the
 * present entries of libremora's code into the child (no fault on the
 * first event's code). The page is int3 filler that nothing calls or
 * reads. */
#define _GNU_SOURCE
#include "shm/rsys.h"
#include "stub.h"

__asm__(".pushsection .text.rm_text_guard,\"ax\",@progbits\n"
	".balign 4096\n"
	"rm_text_guard_page:\n"
	".fill 4096,1,0xcc\n"
	".popsection\n");

void rm_text_guard(void)
{
	char *pg;
	__asm__("lea rm_text_guard_page(%%rip), %0" : "=r"(pg));
	rsys(SYS_madvise, pg, 4096, 102 /* MADV_GUARD_INSTALL */);
}
