/* view_gen OUT SCENARIO...: writes test traces for the CLI tests. */
#include <stdio.h>

#include "view_gen.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: view_gen OUT SCENARIO...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++)
		if (view_gen(argv[1], argv[i]))
			return 1;
	return 0;
}
