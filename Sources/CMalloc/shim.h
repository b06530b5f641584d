#ifndef CVEBUSTER_CMALLOC_SHIM_H
#define CVEBUSTER_CMALLOC_SHIM_H
// glibc's allocator tuning (malloc.h is not in Swift's Glibc module). Elsewhere a no-op.
#include <stdlib.h>  // defines __GLIBC__ on glibc
#if defined(__GLIBC__)
#include <malloc.h>
// Fixed thresholds (glibc stops adapting them): blocks of `bytes` or more are mapped and unmapped
// on their own, and a heap gives back its free top once it exceeds `bytes`.
static inline void cvebuster_return_freed_memory_above(int bytes) {
  mallopt(M_MMAP_THRESHOLD, bytes);
  mallopt(M_TRIM_THRESHOLD, bytes);
}
#else
static inline void cvebuster_return_freed_memory_above(int bytes) { (void)bytes; }
#endif
#endif
