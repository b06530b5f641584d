#ifndef CVEBUSTER_CCRYPTO_SHIM_H
#define CVEBUSTER_CCRYPTO_SHIM_H
#include <openssl/evp.h>

/// One-shot SHA-256 of `count` bytes into `out` (32 bytes). Returns 1 on success.
static inline int cvebuster_sha256(const void *data, size_t count, unsigned char *out) {
  unsigned int size = 0;
  return EVP_Digest(data, count, out, &size, EVP_sha256(), NULL);
}
#endif
