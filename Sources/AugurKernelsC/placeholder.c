#include "AugurKernelsC.h"
