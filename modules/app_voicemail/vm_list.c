/* app_voicemail - reading a folder's messages (vm_spool.h). */
#include "vm_spool.h"

void
vm_message_free(VmMessage *msg)
{
    g_free(msg->path);
    vm_envelope_clear(&msg->env);
    g_free(msg);
}

static VmMessage *
read_message(const char *folder_dir, guint index)
{
    g_autofree char *base = vm_spool_msg_base(folder_dir, index);
    g_autofree char *txt = g_strconcat(base, ".txt", NULL);
    g_autoptr(GError) error = NULL;
    VmMessage *msg = g_new0(VmMessage, 1);

    msg->path = g_strconcat(base, ".wav", NULL);
    if (!vm_envelope_load(txt, &msg->env, &error))
        g_clear_error(&error);  /* a message without a readable envelope still plays */
    return msg;
}

GPtrArray *
vm_spool_list(const char *folder_dir, GError **error)
{
    guint n = vm_spool_count(folder_dir);
    GPtrArray *list = g_ptr_array_new_full(n, (GDestroyNotify) vm_message_free);

    for (guint i = 0; i < n; i++)
        g_ptr_array_add(list, read_message(folder_dir, i));
    return list;
}
