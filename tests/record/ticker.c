/* Records N numbered ticks, one every PERIOD microseconds (default 1000):
 * slow enough for a test to kill its helper half-way, or flat out (0). */
#include <stdlib.h>
#include <unistd.h>

#include <remora/remora.h>

REMORA_EVENT(ticker, tick, (int, n));

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	int period = argc > 2 ? atoi(argv[2]) : 1000;
	for (int i = 0; i < n; i++) {
		remora_trace(ticker, tick, i);
		if (period)
			usleep((useconds_t)period);
	}
	return 0;
}
