#ifndef REMORA_CTL_REMORAD_FILTER_H
#define REMORA_CTL_REMORAD_FILTER_H

#include <stddef.h>

/* Reads enable-event's opts: filter (or "") into filter; -1 with err on
 * an unknown key or a filter too long. */
int rmd_enable_opts(const char *opts, char *filter, size_t size, char *err, size_t errlen);

#endif
