/* Probes of the hostile:ev LTTng-UST provider (see hostile_tp.h). */
#define TRACEPOINT_CREATE_PROBES
#define TRACEPOINT_DEFINE
#include "hostile_tp.h"
