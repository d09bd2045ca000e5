/* Probes of the LTTng-UST provider of bench/load.c (see load_tp.h). */
#define TRACEPOINT_CREATE_PROBES
#define TRACEPOINT_DEFINE
#include "load_tp.h"
