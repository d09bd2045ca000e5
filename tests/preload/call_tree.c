/* Built with -finstrument-functions and without remora: a known call tree
 * (preload_cyg.sh holds it) for libremora-cyg.so to rebuild. */
#include <stdio.h>

__attribute__((noinline)) int leaf(int x)
{
	return x * 2;
}

__attribute__((noinline)) int branch(int n)
{
	int s = 0;
	for (int i = 0; i < n; i++)
		s += leaf(i);
	return s;
}

__attribute__((noinline)) int tree(int n)
{
	if (n <= 0)
		return leaf(n);
	return tree(n - 1) + branch(n);
}

int main(void)
{
	printf("%d\n", tree(3));
	return 0;
}
