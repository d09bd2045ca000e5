/* Records N numbered ticks, one every millisecond: long enough for a test
 * to kill its helper (or itself) half-way. */
#include <stdlib.h>
#include <unistd.h>

#include <remora/remora.h>

REMORA_EVENT(ticker, tick, (int, n));

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	for (int i = 0; i < n; i++) {
		remora_trace(ticker, tick, i);
		usleep(1000);
	}
	return 0;
}
