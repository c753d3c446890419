#ifndef STATELESS_EARLY_RANDOM_H
#define STATELESS_EARLY_RANDOM_H
#include <stddef.h>

/// Replaces the Swift runtime's `swift_stdlib_random` in the early-boot binary; see
/// early_random.c for why.
void swift_stdlib_random(void *buffer, size_t count);

#endif
