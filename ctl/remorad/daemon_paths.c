/* Socket paths and names shared by remorad and the CLI. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/remorad/daemon_proto.h"

int rmd_name_ok(const char *s)
{
	size_t n = strnlen(s, RMD_NAME_MAX);
	if (n == 0 || n >= RMD_NAME_MAX || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

int rmd_ctl_path(const char *sock, char *buf, size_t size)
{
	size_t n = strlen(sock);
	const char *suffix = ".sock";
	size_t sl = strlen(suffix);
	if (n > sl && !strcmp(sock + n - sl, suffix))
		n -= sl;
	if (n + 5 >= size)
		return -1;
	memcpy(buf, sock, n);
	strcpy(buf + n, ".ctl");
	return 0;
}
