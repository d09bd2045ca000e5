/* Backtracking to the last `*` only: linear in practice, no recursion. */
#include <string.h>

#include "shm/glob.h"

bool rm_glob_match(const char *pat, size_t patlen, const char *str)
{
	size_t p = 0, s = 0, star = (size_t)-1, mark = 0;
	size_t slen = strlen(str);
	while (s < slen) {
		if (p < patlen && (pat[p] == '?' || pat[p] == str[s])) {
			p++, s++;
		} else if (p < patlen && pat[p] == '*') {
			star = p++;
			mark = s;
		} else if (star != (size_t)-1) {
			p = star + 1;
			s = ++mark;
		} else {
			return false;
		}
	}
	while (p < patlen && pat[p] == '*')
		p++;
	return p == patlen;
}
