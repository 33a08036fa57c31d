/* Carillon - libFuzzer harness for app_voicemail's readers: the input
 * as a voicemail.conf (the core's INI reader, then [general] and every
 * mailbox line) and as a message envelope. */
#include <stdlib.h>

#include "../../modules/app_voicemail/vm_conf.h"
#include "../../modules/app_voicemail/vm_spool.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static void
check_conf(const PbxConfig *cfg)
{
    GPtrArray *problems = g_ptr_array_new_with_free_func((GDestroyNotify) g_error_free);
    VmConf *conf = vm_conf_parse(cfg, problems);

    /* every box parsed is found again, with a PIN of digits */
    for (guint i = 0; i < conf->boxes->len; i++) {
        const VmBox *b = g_ptr_array_index(conf->boxes, i);

        if (vm_conf_find(conf, b->id) != b || strspn(b->pin, "0123456789") != strlen(b->pin))
            abort();
    }
    for (guint i = 0; i < problems->len; i++)
        if (!strstr(((GError *) g_ptr_array_index(problems, i))->message, "voicemail.conf:"))
            abort();
    vm_conf_unref(conf);
    g_ptr_array_unref(problems);
}

/* An envelope that parsed is written and must parse back the same. */
static void
check_envelope(const char *text, size_t size)
{
    VmEnvelope env = { 0 }, back = { 0 };
    char *again;

    if (!vm_envelope_parse("msg0000.txt", text, (gssize) size, &env, NULL))
        return;
    again = vm_envelope_format(&env);
    if (!vm_envelope_parse("again.txt", again, -1, &back, NULL) || back.duration != env.duration
        || back.origtime != env.origtime)
        abort();
    g_free(again);
    vm_envelope_clear(&env);
    vm_envelope_clear(&back);
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    PbxConfig *cfg;

    if (size > 8192)
        return 0;
    cfg = pbx_config_load_data("voicemail.conf", (const char *) data, (gssize) size, NULL);
    if (cfg) {
        check_conf(cfg);
        pbx_config_unref(cfg);
    }
    check_envelope((const char *) data, size);
    return 0;
}
