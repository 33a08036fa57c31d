/* Carillon - the codec registry (see carillon/codec.h). */
#include <carillon/core.h>
#include <carillon/log.h>
#include <carillon/resampler.h>

#include "codec_private.h"

typedef struct {
    const PbxCodec *codec;
    PbxModule *owner;
    gpointer cleanup;           /* pbx_module_on_unload handle */
    guint instances;
    guint encode_cost;          /* us of CPU per second of audio */
    guint decode_cost;
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
    Entry *e = g_ptr_array_steal_index(entries, index);

    if (e->instances > 0)
        pbx_warning(pbx_log_domain("codec"), "codec '%s' removed with %u instances alive",
                    e->codec->name, e->instances);
    g_free(e);
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
ptimes_valid(const PbxCodec *codec)
{
    gboolean has_default = FALSE;

    for (guint i = 0; codec->ptimes && codec->ptimes[i]; i++) {
        if (i > 0 && codec->ptimes[i] <= codec->ptimes[i - 1])
            return FALSE;
        has_default |= codec->ptimes[i] == codec->ptime;
    }
    return has_default && codec->ptime <= PBX_AUDIO_MAX_MS;
}

/* Everything the core relies on later without checking again. */
static gboolean
descriptor_complete(const PbxCodec *codec)
{
    return codec->name && codec->rtp_name && codec->clock_rate > 0 &&
           pbx_audio_rate_is_valid(codec->sample_rate) && ptimes_valid(codec) &&
           codec->encode && codec->decode && !codec->state_new == !codec->state_free &&
           (!codec->set_param || codec->init_params);
}

static gboolean
check_codec(const PbxCodec *codec, GError **error)
{
    const PbxCodec *taken = pbx_codec_find_by_payload(codec->payload_type);

    if (!descriptor_complete(codec)) {
        g_set_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_INVALID,
                    "codec '%s': name, SDP name, rates, ptimes and encode/decode are required",
                    codec->name ? codec->name : "(null)");
        return FALSE;
    }
    if (pbx_codec_find(codec->name)) {
        g_set_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_EXISTS,
                    "codec '%s' is already registered", codec->name);
        return FALSE;
    }
    if (taken) {
        g_set_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_EXISTS,
                    "codec '%s': RTP payload type %u is taken by '%s'", codec->name,
                    codec->payload_type, taken->name);
        return FALSE;
    }
    return TRUE;
}

gboolean
pbx_codec_register(PbxModule *owner, const PbxCodec *codec, GError **error)
{
    guint encode_cost, decode_cost;
    Entry *e;

    PBX_ASSERT_MAIN_CONTEXT();
    g_return_val_if_fail(codec != NULL, FALSE);
    if (!check_codec(codec, error) ||
        !pbx_cost_measure_codec(codec, &encode_cost, &decode_cost, error))
        return FALSE;
    if (!entries)
        entries = g_ptr_array_new();
    e = g_new0(Entry, 1);
    e->codec = codec;
    e->owner = owner;
    e->encode_cost = encode_cost;
    e->decode_cost = decode_cost;
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

gboolean
pbx_codec_get_info(const PbxCodec *codec, PbxCodecInfo *info)
{
    Entry *e;

    PBX_ASSERT_MAIN_CONTEXT();
    e = find_entry(codec, NULL);
    if (!e)
        return FALSE;
    info->owner = e->owner;
    info->instances = e->instances;
    info->encode_cost = e->encode_cost;
    info->decode_cost = e->decode_cost;
    return TRUE;
}

guint
pbx_codec_get_translation_cost(const PbxCodec *from, const PbxCodec *to)
{
    Entry *a, *b;

    PBX_ASSERT_MAIN_CONTEXT();
    a = find_entry(from, NULL);
    b = find_entry(to, NULL);
    if (!a || !b)
        return G_MAXUINT;
    if (a == b)
        return 0;
    return a->decode_cost + pbx_resampler_get_cost(from->sample_rate, to->sample_rate) +
           b->encode_cost;
}

gboolean
pbx_codec_registry_acquire(const PbxCodec *codec, GError **error)
{
    Entry *e = find_entry(codec, NULL);

    if (!e) {
        g_set_error(error, PBX_CODEC_ERROR, PBX_CODEC_ERROR_NOT_FOUND,
                    "codec '%s' is not registered", codec->name ? codec->name : "(null)");
        return FALSE;
    }
    e->instances++;
    if (e->owner)
        pbx_module_use(e->owner);
    return TRUE;
}

gboolean
pbx_codec_registry_release(const PbxCodec *codec)
{
    Entry *e = find_entry(codec, NULL);

    if (!e)
        return FALSE;
    e->instances--;
    if (e->owner)
        pbx_module_unuse(e->owner);
    return TRUE;
}
