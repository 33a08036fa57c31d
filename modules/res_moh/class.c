/* res_moh - a music on hold class at run time (see class.h). */
#include "class.h"

static const guint rates[MOH_N_RATES] = { 8000, 16000, 48000 };

typedef struct _MohLoad MohLoad;

/* One file of a load: its request, then its sound. */
typedef struct {
    MohLoad *load;
    guint request;              /* res_sounds' id while in flight, else 0 */
    PbxSound *sound;            /* a reference once loaded; NULL if it failed */
} MohSlot;

/* Loading the class's files at one rate. */
struct _MohLoad {
    MohClass *cls;              /* weak: the class ends the load before it goes */
    guint rate;
    guint pending;              /* slots not answered yet */
    guint failed;
    MohSlot *slots;             /* one per file while loading, then NULL */
};

struct _MohClass {
    guint refs;
    MohClassDef def;            /* a copy; files shared (immutable) */
    gint64 start_us;
    const SoundsApi *sounds;
    MohLoad loads[MOH_N_RATES];
    gboolean started[MOH_N_RATES];
    MohTimeline *ready[MOH_N_RATES];    /* atomic: published once */
    guint listeners;
};

static PbxLogDomain *
log_domain(void)
{
    return pbx_log_domain("moh");
}

MohClass *
moh_class_new(const MohClassDef *def, const SoundsApi *sounds)
{
    MohClass *cls = g_new0(MohClass, 1);

    PBX_ASSERT_MAIN_CONTEXT();
    cls->refs = 1;
    cls->def = *def;
    cls->def.name = g_strdup(def->name);
    cls->def.directory = g_strdup(def->directory);
    cls->def.files = g_ptr_array_ref(def->files);
    cls->start_us = g_get_monotonic_time();
    cls->sounds = sounds;
    for (guint i = 0; i < MOH_N_RATES; i++) {
        cls->loads[i].cls = cls;
        cls->loads[i].rate = rates[i];
    }
    return cls;
}

MohClass *
moh_class_ref(MohClass *cls)
{
    PBX_ASSERT_MAIN_CONTEXT();
    cls->refs++;
    return cls;
}

/* Cancels what is still in flight and drops what came. */
static void
load_clear(MohLoad *load, const SoundsApi *sounds)
{
    guint n = load->cls->def.files->len;

    for (guint i = 0; load->slots && i < n; i++) {
        if (load->slots[i].request)
            sounds->cancel(load->slots[i].request);
        pbx_sound_unref(load->slots[i].sound);
    }
    g_clear_pointer(&load->slots, g_free);
    load->pending = 0;
}

void
moh_class_unref(MohClass *cls)
{
    if (!cls)
        return;
    PBX_ASSERT_MAIN_CONTEXT();
    if (--cls->refs > 0)
        return;
    for (guint i = 0; i < MOH_N_RATES; i++) {
        load_clear(&cls->loads[i], cls->sounds);
        moh_timeline_free(cls->ready[i]);
    }
    g_free(cls->def.name);
    g_free(cls->def.directory);
    g_ptr_array_unref(cls->def.files);
    g_free(cls);
}

const char *
moh_class_get_name(const MohClass *cls)
{
    return cls->def.name;
}

const MohClassDef *
moh_class_get_def(const MohClass *cls)
{
    return &cls->def;
}

gint64
moh_class_get_start(const MohClass *cls)
{
    return cls->start_us;
}

/* ---------------------------------------------------------- loading */

/* Every file answered: the ones that came make the timeline, which the
 * media threads see from now on. */
static void
load_finish(MohLoad *load)
{
    MohClass *cls = load->cls;
    guint n = cls->def.files->len, got = 0;
    g_autofree PbxSound **sounds = g_new(PbxSound *, n);
    MohTimeline *tl;

    for (guint i = 0; i < n; i++)
        if (load->slots[i].sound)
            sounds[got++] = load->slots[i].sound;
    if (got == 0) {
        pbx_warning(log_domain(), "class %s: none of its %u files could be decoded at %u Hz",
                    cls->def.name, n, load->rate);
        load_clear(load, cls->sounds);
        return;
    }
    tl = moh_timeline_new(sounds, got);
    load_clear(load, cls->sounds);
    g_atomic_pointer_set(&cls->ready[moh_rate_index(load->rate)], tl);
    pbx_info(log_domain(), "class %s: %u files, %.1f s, ready at %u Hz", cls->def.name, got,
             (double) tl->total / tl->rate, load->rate);
}

static void
slot_loaded(PbxSound *sound, const GError *error, gpointer data)
{
    MohSlot *slot = data;
    MohLoad *load = slot->load;

    slot->request = 0;
    slot->sound = sound;
    if (!sound)
        load->failed++;
    if (--load->pending == 0)
        load_finish(load);
}

static void
load_start(MohClass *cls, guint rate)
{
    guint ri = moh_rate_index(rate), n = cls->def.files->len;
    MohLoad *load = &cls->loads[ri];

    if (cls->started[ri])
        return;
    cls->started[ri] = TRUE;
    load->pending = n;
    load->slots = g_new0(MohSlot, n);
    for (guint i = 0; i < n; i++) {
        load->slots[i].load = load;
        load->slots[i].request = cls->sounds->load(cls->def.files->pdata[i], NULL, rate,
                                                   slot_loaded, &load->slots[i]);
    }
}

guint
moh_class_want(MohClass *cls, guint rate)
{
    guint r;

    PBX_ASSERT_MAIN_CONTEXT();
    r = MIN(moh_media_rate_for(rate), cls->def.rate);
    load_start(cls, r);
    return r;
}

const MohTimeline *
moh_class_get_timeline(const MohClass *cls, guint rate)
{
    MohClass *c = (MohClass *) cls;     /* atomics take non-const pointers */

    return g_atomic_pointer_get(&c->ready[moh_rate_index(rate)]);
}

gboolean
moh_class_get_position(const MohClass *cls, gint64 now_us, guint *file, double *seconds)
{
    const MohTimeline *tl = NULL;
    MohCursor at;

    PBX_ASSERT_MAIN_CONTEXT();
    for (guint i = 0; !tl && i < MOH_N_RATES; i++)
        tl = cls->ready[i];
    if (!tl)
        return FALSE;
    moh_timeline_seek(tl, moh_samples_for_us(tl->rate, now_us - cls->start_us), &at);
    *file = at.file;
    *seconds = (double) at.offset / tl->rate;
    return TRUE;
}

/* ---------------------------------------------------------- listeners */

void
moh_class_add_listener(MohClass *cls)
{
    PBX_ASSERT_MAIN_CONTEXT();
    cls->listeners++;
}

void
moh_class_remove_listener(MohClass *cls)
{
    PBX_ASSERT_MAIN_CONTEXT();
    g_return_if_fail(cls->listeners > 0);
    cls->listeners--;
}

guint
moh_class_get_listeners(const MohClass *cls)
{
    return cls->listeners;
}

static void
describe_rate(const MohClass *cls, guint i, GString *out)
{
    const MohLoad *load = &cls->loads[i];
    guint n = cls->def.files->len;

    if (out->len)
        g_string_append(out, ", ");
    if (cls->ready[i])
        g_string_append_printf(out, "%u ready", rates[i]);
    else if (load->slots)
        g_string_append_printf(out, "%u loading %u/%u", rates[i], n - load->pending, n);
    else
        g_string_append_printf(out, "%u failed", rates[i]);
    if (load->failed)
        g_string_append_printf(out, " (%u failed)", load->failed);
}

char *
moh_class_dup_rates(const MohClass *cls)
{
    GString *out = g_string_new(NULL);

    PBX_ASSERT_MAIN_CONTEXT();
    for (guint i = 0; i < MOH_N_RATES; i++)
        if (cls->started[i])
            describe_rate(cls, i, out);
    if (!out->len)
        g_string_append(out, "none");
    return g_string_free(out, FALSE);
}
