#ifndef BRIEFER_CZLIB_SHIM_H
#define BRIEFER_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 is a macro: a function Swift can call. windowBits 15 + 32 reads a gzip or zlib header.
static inline int briefer_inflate_init(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}
/// A raw deflate stream (windowBits -15), as a zip archive's deflated files hold.
static inline int briefer_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -15);
}
/// deflateInit2 likewise, writing a gzip stream (windowBits 15 + 16), for tests and fixtures.
static inline int briefer_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
#endif
