#include <stddef.h>
#include <stdint.h>
#include <libdevmapper.h>
