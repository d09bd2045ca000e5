/* A second translation unit including the same event declarations. */
#include "events.h"

void second_tu_trace(uint64_t id, uint32_t len, const char *path)
{
	remora_trace(myapp, request, id, len, path);
}

struct remora_event *second_tu_request_event(void)
{
	return &remora__ev_myapp__request;
}
