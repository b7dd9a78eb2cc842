#ifndef MICROCAST_CVIPS_SHIM_H
#define MICROCAST_CVIPS_SHIM_H
#include <vips/vips.h>
#endif
