/* Test module built for another module ABI: the loader must refuse it. */
#include <carillon/carillon.h>

PBX_MODULE_EXPORT const PbxModuleInfo pbx_module_info = {
    .abi_version = 999,                 /* an ABI no Carillon has */
    .name = "test_badabi",
    .description = "Built for the wrong ABI",
};
