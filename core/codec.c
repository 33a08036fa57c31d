/* Carillon - the codec registry (see carillon/codec.h). */
#include <carillon/codec.h>
#include <carillon/core.h>

typedef struct {
    const PbxCodec *codec;
    PbxModule *owner;
    gpointer cleanup;           /* pbx_module_on_unload handle */
} Entry;

static GPtrArray *entries;      /* Entry *, registration order */

G_DEFINE_QUARK(pbx-codec-error-quark, pbx_codec_error)

static Entry *
find_entry(const PbxCodec *codec, guint *index)
{
    for (guint i = 0; entries && i < entries->len; i++) {
        Entry *e = entries->pdata[i];
        if (e->codec == codec) {
            if (index)
                *index = i;
            return e;
        }
    }
    return NULL;
}

static void
remove_entry(guint index)
{
    g_free(g_ptr_array_steal_index(entries, index));
    if (entries->len == 0)
        g_clear_pointer(&entries, g_ptr_array_unref);
}

static void
owner_unloaded(gpointer data)
{
    guint index;

    if (find_entry(data, &index))
        remove_entry(index);
}

static gboolean
check_codec(const PbxCodec *codec, GError **error)
{
    if (!codec->name || !codec->encode || !codec->decode || !codec->max_encoded_len ||
        !codec->max_decoded_samples || codec->clock_rate == 0 || codec->sample_rate == 0) {
        g_set_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_INVALID,
                    "codec '%s': name, rates and every function are required",
                    codec->name ? codec->name : "(null)");
        return FALSE;
    }
    if (pbx_codec_find(codec->name)) {
        g_set_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_EXISTS,
                    "codec '%s' is already registered", codec->name);
        return FALSE;
    }
    if (codec->payload_type != PBX_CODEC_PT_DYNAMIC &&
        pbx_codec_find_by_payload(codec->payload_type)) {
        g_set_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_EXISTS,
                    "codec '%s': RTP payload type %u is taken by '%s'", codec->name,
                    codec->payload_type, pbx_codec_find_by_payload(codec->payload_type)->name);
        return FALSE;
    }
    return TRUE;
}

gboolean
pbx_codec_register(PbxModule *owner, const PbxCodec *codec, GError **error)
{
    Entry *e;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(codec != NULL, FALSE);
    if (!check_codec(codec, error))
        return FALSE;
    if (!entries)
        entries = g_ptr_array_new();
    e = g_new0(Entry, 1);
    e->codec = codec;
    e->owner = owner;
    if (owner)
        e->cleanup = pbx_module_on_unload(owner, owner_unloaded, (gpointer) codec);
    g_ptr_array_add(entries, e);
    return TRUE;
}

void
pbx_codec_unregister(const PbxCodec *codec)
{
    guint index;
    Entry *e;

    PBX_ASSERT_MAIN_CONTEXT();
    e = find_entry(codec, &index);
    if (!e)
        return;
    if (e->owner)
        pbx_module_forget(e->owner, e->cleanup);
    remove_entry(index);
}

const PbxCodec *
pbx_codec_find(const char *name)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(name != NULL, NULL);
    for (guint i = 0; entries && i < entries->len; i++) {
        const PbxCodec *c = ((Entry *) entries->pdata[i])->codec;
        if (g_ascii_strcasecmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

const PbxCodec *
pbx_codec_find_by_payload(guint payload_type)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (payload_type == PBX_CODEC_PT_DYNAMIC)
        return NULL;
    for (guint i = 0; entries && i < entries->len; i++) {
        const PbxCodec *c = ((Entry *) entries->pdata[i])->codec;
        if (c->payload_type == payload_type)
            return c;
    }
    return NULL;
}

GPtrArray *
pbx_codec_list(void)
{
    GPtrArray *out;

    PBX_ASSERT_MAIN_CONTEXT();
    out = g_ptr_array_new();
    for (guint i = 0; entries && i < entries->len; i++)
        g_ptr_array_add(out, (gpointer) ((Entry *) entries->pdata[i])->codec);
    return out;
}
