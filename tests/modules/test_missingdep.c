/* Test module whose dependency does not exist: refused at load. */
#include <carillon/carillon.h>

PBX_MODULE_DEFINE("test_missingdep", "Depends on a missing module",
                  .requires = PBX_REQUIRES("test_no_such_module"));
