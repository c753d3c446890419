#include <stddef.h>
#include <stdint.h>
#include <libkmod.h>
