/* SPDX-License-Identifier: MIT */
/* The library's version, as alloy/config.h had it when the library was compiled. See
 * alloy_version in alloy/alloy.h. */
#include "alloy/alloy.h"

const char *alloy_version(void)
{
    return ALLOY_VERSION_STRING;
}
