#ifndef AUGUR_KERNELS_C_H
#define AUGUR_KERNELS_C_H
#include <stdint.h>
#include <stddef.h>
#endif
