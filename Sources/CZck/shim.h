#include <stddef.h>
#include <stdint.h>
#include <zck.h>
