// The Swift runtime seeds its hash functions from `swift_stdlib_random` in a static
// initializer, before main runs, and its own implementation calls getrandom(2) with no
// flags: that blocks until the kernel's CRNG is initialized. An initramfs /init runs
// before that point, and without a hardware RNG (QEMU's default CPU has no RDRAND) the
// wait measured 1.2 s of a 7.7 s boot. A hash seed needs no cryptographic strength, so
// this definition, linked ahead of libswiftCore.a (whose Random.cpp.o then is never
// pulled in), asks for the best bytes available *now*: GRND_NONBLOCK while they are
// cryptographic, else GRND_INSECURE (Linux 5.6+), the flag the kernel provides for
// exactly this; only a kernel without it falls back to blocking. systemd seeds its hash
// tables the same way. Nothing in the early-boot code uses randomness for security.
#include "early_random.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

void swift_stdlib_random(void *buffer, size_t count) {
    unsigned char *next = buffer;
    unsigned int flags = GRND_NONBLOCK;
    while (count > 0) {
        ssize_t got = getrandom(next, count > 256 ? 256 : count, flags);
        if (got < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN && flags == GRND_NONBLOCK) { flags = GRND_INSECURE; continue; }
            if (errno == EINVAL && flags == GRND_INSECURE) { flags = 0; continue; }
            abort();  // the runtime's own implementation traps here too
        }
        next += got;
        count -= (size_t)got;
    }
}
