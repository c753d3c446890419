#include <stddef.h>
#include <stdint.h>
#include <libmount/libmount.h>
