/* app_media - module set-up and tear-down (see setup.h). */
#include "app.h"
#include "conf.h"
#include "methods.h"
#include "setup.h"
#include "writer.h"

static const PbxDialplanMethodDesc methods[] = {
    /* name        function               may_yield */
    { "tone",      media_call_tone,       TRUE },
    { "milliwatt", media_call_milliwatt,  TRUE },
    { "echo",      media_call_echo,       TRUE },
    { "record",    media_call_record,     TRUE },
};

static const char dom[] = "app_media";

gboolean
media_setup(PbxModule *owner, GError **error)
{
    MediaConf conf = { 0 };

    PBX_ASSERT_MAIN_CONTEXT();
    if (!media_conf_load(&conf, error))
        return FALSE;
    media_conf_set(&conf);
    media_apps_init(owner);
    if (!rec_writer_start(error))
        return FALSE;
    if (pbx_dialplan_register_methods(owner, methods, G_N_ELEMENTS(methods), error))
        return TRUE;
    rec_writer_stop();
    return FALSE;
}

void
media_teardown(void)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (media_apps_shutdown(MEDIA_UNLOAD_WAIT_MS))
        rec_writer_stop();
    else            /* their files stay open: the writer cannot go */
        pbx_error(pbx_log_domain(dom), "%u calls still hold app_media's ports after %u ms",
                  media_apps_count(), MEDIA_UNLOAD_WAIT_MS);
    pbx_dialplan_unregister_methods(methods, G_N_ELEMENTS(methods));
    media_conf_set(&(MediaConf) { 0 });
}

gboolean
media_reload(GError **error)
{
    MediaConf conf = { 0 };

    PBX_ASSERT_MAIN_CONTEXT();
    if (!media_conf_load(&conf, error))
        return FALSE;
    media_conf_set(&conf);
    return TRUE;
}
