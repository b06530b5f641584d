#ifndef CVEBUSTER_CDEFLATE_SHIM_H
#define CVEBUSTER_CDEFLATE_SHIM_H
// libdeflate (Debian libdeflate-dev): whole-buffer gzip, faster than zlib at the same ratio.
#include <libdeflate.h>
#endif
