#include "vdso.h"

#include <elf.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>

__attribute__((visibility("hidden"))) rm_vdso_gettime_fn rm_vdso_clock_gettime;
__attribute__((visibility("hidden"))) rm_vdso_gettime_fn rm_clock_gettime_fn = clock_gettime;

/* The image is the kernel's, mapped read-only: trusted as libc trusts it,
 * but every table is still looked for rather than assumed. */
void *rm_vdso_sym(const char *name)
{
	uintptr_t base = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
	if (!base)
		return NULL;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return NULL;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	uintptr_t load = 0, dyn = 0;
	int have_load = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !have_load) {
			load = base + ph[i].p_offset - ph[i].p_vaddr;
			have_load = 1;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = base + ph[i].p_offset;
		}
	}
	if (!have_load || !dyn)
		return NULL;
	const Elf64_Sym *sym = NULL;
	const char *str = NULL;
	const Elf32_Word *hash = NULL;
	for (const Elf64_Dyn *d = (const Elf64_Dyn *)dyn; d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_SYMTAB)
			sym = (const Elf64_Sym *)(load + d->d_un.d_ptr);
		else if (d->d_tag == DT_STRTAB)
			str = (const char *)(load + d->d_un.d_ptr);
		else if (d->d_tag == DT_HASH)
			hash = (const Elf32_Word *)(load + d->d_un.d_ptr);
	}
	if (!sym || !str || !hash)
		return NULL;
	uint32_t nsym = hash[1]; /* nchain: one per symbol */
	for (uint32_t i = 1; i < nsym; i++) {
		if (ELF64_ST_TYPE(sym[i].st_info) != STT_FUNC || sym[i].st_shndx == SHN_UNDEF)
			continue;
		if (!strcmp(str + sym[i].st_name, name))
			return (void *)(load + sym[i].st_value);
	}
	return NULL;
}

void rm_vdso_init(void)
{
	if (!rm_vdso_clock_gettime)
		rm_vdso_clock_gettime = (rm_vdso_gettime_fn)rm_vdso_sym("__vdso_clock_gettime");
	if (rm_vdso_clock_gettime)
		rm_clock_gettime_fn = rm_vdso_clock_gettime;
}
