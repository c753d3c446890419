#include <stddef.h>
#include <stdint.h>
#include <blkid/blkid.h>
