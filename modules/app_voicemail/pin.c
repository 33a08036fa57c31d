/* app_voicemail - PINs changed by their box's owner (vm.h, pin.c). */
#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "vm.h"

gboolean
vm_pin_store(const char *box_dir, const char *pin, GError **error)
{
    g_autofree char *path = g_build_filename(box_dir, "pin", NULL);
    g_autofree char *text = g_strconcat(pin, "\n", NULL);

    if (g_mkdir_with_parents(box_dir, 0750) != 0) {
        g_set_error(error, VM_SPOOL_ERROR, VM_SPOOL_ERROR_IO, "mkdir %s: %s", box_dir,
                    g_strerror(errno));
        return FALSE;
    }
    /* g_file_set_contents_full: a temporary file, fsynced, renamed. */
    return g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                    error);
}

static gboolean
pin_valid(const char *pin)
{
    gsize n = strlen(pin);

    if (n == 0 || n > 20)
        return FALSE;
    for (gsize i = 0; i < n; i++)
        if (!g_ascii_isdigit(pin[i]))
            return FALSE;
    return TRUE;
}

void
vm_pin_set(const char *box_id, const char *pin)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (!vm.pins)
        vm.pins = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_replace(vm.pins, g_strdup(box_id), g_strdup(pin));
}

void
vm_pin_load(const char *box_id, const char *box_dir)
{
    g_autofree char *path = g_build_filename(box_dir, "pin", NULL);
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return;
    g_strstrip(text);
    if (pin_valid(text))
        vm_pin_set(box_id, text);
    else
        pbx_warning(vm.log, "%s: %s is not a PIN (digits): ignored", box_id, path);
}

const char *
vm_pin_get(const VmBox *box)
{
    const char *pin = vm.pins ? g_hash_table_lookup(vm.pins, box->id) : NULL;

    return pin ? pin : box->pin;
}
