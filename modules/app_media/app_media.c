/* app_media - media applications for the dialplan: call:tone(),
 * call:echo(), call:milliwatt(), call:record().  See README.md. */
#include <carillon/carillon.h>

#include "setup.h"

static gboolean
app_media_load(PbxModule *self, GError **error)
{
    return media_setup(self, error);
}

/* Running apps hold uses: this runs with some only when forced or at the
 * daemon's stop, and then waits for them (setup.h). */
static void
app_media_unload(PbxModule *self)
{
    media_teardown();
}

static gboolean
app_media_reload(PbxModule *self, GError **error)
{
    return media_reload(error);
}

PBX_MODULE_DEFINE("app_media", "Tones, echo, milliwatt and recording for the dialplan",
                  .load = app_media_load, .unload = app_media_unload,
                  .reload = app_media_reload);
