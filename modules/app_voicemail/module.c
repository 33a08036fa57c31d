/* app_voicemail - mailboxes, messages, MWI and email.  See README.md. */
#include <carillon/carillon.h>

static gboolean
vm_load(PbxModule *self, GError **error)
{
    return TRUE;
}

PBX_MODULE_DEFINE("app_voicemail", "Voicemail: mailboxes, MWI and email", .load = vm_load);
