#ifndef BRIEFER_CLZ4_SHIM_H
#define BRIEFER_CLZ4_SHIM_H
// LZ4 (liblz4): the raw event log's blocks are compressed with it (fast enough to keep up with ingest on one core).
#include <lz4.h>
#endif
