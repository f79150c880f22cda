#ifndef BRIEFER_CLIBPQ_SHIM_H
#define BRIEFER_CLIBPQ_SHIM_H

// libpq, PostgreSQL's client library: `briefer import-scores` reads a warehouse's output tables through it.
#include <libpq-fe.h>

#endif
