#ifndef STATELESS_MAKE_EXT4_H
#define STATELESS_MAKE_EXT4_H
#include <stddef.h>

/// Makes an ext4 filesystem (4 KiB blocks, extents, flex_bg, 64bit, uninit_bg, a journal)
/// over the whole of `device` with `label`, through e2fsprogs' libext2fs: what
/// `mke2fs -t ext4 -L LABEL DEVICE` makes, without running a program. Returns 0, or -1
/// with a one-line reason in `message`.
int stateless_make_ext4(const char *device, const char *label, char *message, size_t size);

#endif
