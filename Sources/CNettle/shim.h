#include <stddef.h>
#include <stdint.h>
#include <nettle/sha2.h>
