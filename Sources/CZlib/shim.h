#ifndef CVEBUSTER_CZLIB_SHIM_H
#define CVEBUSTER_CZLIB_SHIM_H
#include <zlib.h>

// deflateInit2/inflateInit2 are macros; Swift needs real functions.
static inline int cvebuster_deflate_init_gzip(z_streamp strm, int level) {
  return deflateInit2(strm, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
static inline int cvebuster_inflate_init_gzip(z_streamp strm) {
  return inflateInit2(strm, 15 + 16);
}
#endif
