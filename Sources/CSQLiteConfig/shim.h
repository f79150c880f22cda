#ifndef BRIEFER_CSQLITECONFIG_SHIM_H
#define BRIEFER_CSQLITECONFIG_SHIM_H

#include <sqlite3.h>

// sqlite3_db_config is variadic, which Swift cannot call: one typed wrapper per option used.

/// Keeps the last connection's close from checkpointing (and syncing) the WAL: committed data is
/// already durable in the WAL, and SQLite's automatic checkpoints still fold it into the file.
static inline int briefer_sqlite_no_checkpoint_on_close(sqlite3 *db) {
    int applied = 0;
    return sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &applied);
}

#endif
