// nettle's Ed25519 (in libhogweed), headers only: the early-boot binary opens
// libhogweed.so.6 with dlopen(3) when the image trusts a release key (mkstateless build
// --trust adds it and libgmp, ~0.8 MB), so images without a key carry neither. The host
// tool links it (Package.swift). The function type comes from the declaration itself.
#include <stddef.h>
#include <stdint.h>
#include <nettle/eddsa.h>

typedef __typeof__(&nettle_ed25519_sha512_verify) stateless_ed25519_sha512_verify;
