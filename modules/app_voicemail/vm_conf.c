/* app_voicemail - voicemail.conf: [general] and the context sections.
 * See vm_conf.h. */
#include "vm_conf.h"

#define G(field) G_STRUCT_OFFSET(VmGeneral, field)

static const PbxOption general_options[] = {
    /* key               type            offset                default          min  max */
    { "maxmsg",          PBX_OPT_UINT,   G(maxmsg),            "100",           1,   9999 },
    { "maxsecs",         PBX_OPT_UINT,   G(maxsecs),           "180",           1,   3600 },
    { "minsecs",         PBX_OPT_UINT,   G(minsecs),           "1",             0,   60 },
    { "maxsilence",      PBX_OPT_UINT,   G(maxsilence),        "5",             0,   60 },
    { "silencethreshold", PBX_OPT_UINT,  G(silencethreshold),  "128",           1,   32767 },
    { "attach",          PBX_OPT_BOOL,   G(attach),            "yes",           0,   0 },
    { "serveremail",     PBX_OPT_STRING, G(serveremail),       "voicemail@localhost", 0, 0 },
    { "fromstring",      PBX_OPT_STRING, G(fromstring),        "Carillon Voicemail", 0, 0 },
    { "emailsubject",    PBX_OPT_STRING, G(emailsubject),
      "New message ${VM_MSGNUM} in mailbox ${VM_MAILBOX}", 0, 0 },
    { "emailbody",       PBX_OPT_STRING, G(emailbody),
      "Dear ${VM_NAME}:\\n\\n\\tjust wanted to let you know you were just left a "
      "${VM_DUR} long message (number ${VM_MSGNUM})\\nin mailbox ${VM_MAILBOX} from "
      "${VM_CALLERID}, on ${VM_DATE}.\\n\\nThanks!\\n", 0, 0 },
    { "mailcmd",         PBX_OPT_STRING, G(mailcmd),           "/usr/sbin/sendmail -t", 0, 0 },
    { "maxlogins",       PBX_OPT_UINT,   G(maxlogins),         "3",             1,   100 },
    { "lockout",         PBX_OPT_UINT,   G(lockout),           "300",           0,   86400 },
    { "operator",        PBX_OPT_STRING, G(operator_exten),    "",              0,   0 },
};

/* Sections that are not mailbox contexts in Asterisk's file. */
static const char *const non_contexts[] = { "general", "zonemessages" };

static void
problem(GPtrArray *problems, const PbxConfig *cfg, const char *section, const char *key,
        const char *message)
{
    GError *error = NULL;

    pbx_config_set_error(cfg, &error, PBX_CONFIG_ERROR_VALUE, section, key, "%s", message);
    g_ptr_array_add(problems, error);
}

static void
apply_defaults(const PbxOption *opts, gsize n, VmGeneral *g)
{
    g_autoptr(PbxConfig) none = pbx_config_load_data("defaults", "", 0, NULL);

    pbx_config_options_clear(opts, n, g);
    pbx_config_apply(none, "general", opts, n, g, TRUE, NULL);
}

static void
apply_default(const PbxOption *opt, VmGeneral *g)
{
    apply_defaults(opt, 1, g);
}

static void
general_defaults(VmGeneral *g)
{
    apply_defaults(general_options, G_N_ELEMENTS(general_options), g);
}

static const PbxOption *
general_option(const char *key)
{
    for (gsize i = 0; i < G_N_ELEMENTS(general_options); i++)
        if (g_ascii_strcasecmp(general_options[i].key, key) == 0)
            return &general_options[i];
    return NULL;
}

/* Each key on its own, so one bad value leaves the others applied; a
 * bad value keeps the default. */
static void
parse_general(const PbxConfig *cfg, VmGeneral *g, GPtrArray *problems)
{
    const char *const *keys = pbx_config_get_keys(cfg, "general");

    for (; keys && *keys; keys++) {
        const PbxOption *opt = general_option(*keys);
        GError *error = NULL;

        if (!opt) {
            problem(problems, cfg, "general", *keys, "unknown option");
            continue;
        }
        pbx_config_options_clear(opt, 1, g);
        if (!pbx_config_apply(cfg, "general", opt, 1, g, TRUE, &error)) {
            g_ptr_array_add(problems, error);
            apply_default(opt, g);
        }
    }
}

static gboolean
is_context(const char *section)
{
    for (gsize i = 0; i < G_N_ELEMENTS(non_contexts); i++)
        if (g_ascii_strcasecmp(section, non_contexts[i]) == 0)
            return FALSE;
    return TRUE;
}

static gboolean
valid_number(const char *s)
{
    if (!*s || strlen(s) > 32)
        return FALSE;
    for (; *s; s++)
        if (!g_ascii_isalnum(*s) && *s != '-' && *s != '_' && *s != '.')
            return FALSE;
    return TRUE;
}

static void
add_box(VmConf *conf, VmBox *box, GPtrArray *problems, const PbxConfig *cfg)
{
    if (g_hash_table_contains(conf->by_id, box->id)) {
        g_autofree char *msg = g_strdup_printf("mailbox %s repeated", box->id);

        problem(problems, cfg, box->context, box->number, msg);
        vm_box_free(box);
        return;
    }
    g_ptr_array_add(conf->boxes, box);
    g_hash_table_insert(conf->by_id, box->id, box);
}

static void
parse_line(VmConf *conf, const PbxConfig *cfg, const char *ctx, const char *key,
           const char *value, GPtrArray *problems)
{
    g_autoptr(VmBox) box = g_new0(VmBox, 1);
    g_autofree char *why = NULL;

    box->number = g_strdup(key);
    box->context = g_strdup(ctx);
    box->id = g_strdup_printf("%s@%s", key, ctx);
    box->line = pbx_config_get_line(cfg, ctx, key);
    box->attach = conf->general.attach;
    if (!valid_number(key)) {
        problem(problems, cfg, ctx, key, "a mailbox number is letters and digits");
        return;
    }
    if (!vm_box_parse_value(box, value, &why)) {
        problem(problems, cfg, ctx, key, why);
        return;
    }
    add_box(conf, g_steal_pointer(&box), problems, cfg);
}

static void
parse_context(VmConf *conf, const PbxConfig *cfg, const char *ctx, GPtrArray *problems)
{
    const char *const *keys = pbx_config_get_keys(cfg, ctx);

    if (!valid_number(ctx)) {
        problem(problems, cfg, ctx, NULL, "bad context name");
        return;
    }
    for (; keys && *keys; keys++) {
        const char *const *all = pbx_config_get_all(cfg, ctx, *keys);

        if (all && all[0] && all[1])
            problem(problems, cfg, ctx, *keys, "mailbox repeated (the last line counts)");
        parse_line(conf, cfg, ctx, *keys, pbx_config_get(cfg, ctx, *keys), problems);
    }
}

VmConf *
vm_conf_new_empty(void)
{
    VmConf *conf = g_new0(VmConf, 1);

    conf->refs = 1;
    conf->boxes = g_ptr_array_new_with_free_func((GDestroyNotify) vm_box_free);
    conf->by_id = g_hash_table_new(g_str_hash, g_str_equal);
    general_defaults(&conf->general);
    return conf;
}

VmConf *
vm_conf_parse(const PbxConfig *cfg, GPtrArray *problems)
{
    VmConf *conf = vm_conf_new_empty();
    const char *const *sections = pbx_config_get_sections(cfg);

    parse_general(cfg, &conf->general, problems);
    for (; sections && *sections; sections++)
        if (is_context(*sections))
            parse_context(conf, cfg, *sections, problems);
    return conf;
}

VmConf *
vm_conf_ref(VmConf *conf)
{
    g_atomic_int_inc(&conf->refs);
    return conf;
}

void
vm_conf_unref(VmConf *conf)
{
    if (!conf || !g_atomic_int_dec_and_test(&conf->refs))
        return;
    pbx_config_options_clear(general_options, G_N_ELEMENTS(general_options), &conf->general);
    g_hash_table_unref(conf->by_id);
    g_ptr_array_unref(conf->boxes);
    g_free(conf);
}

const VmBox *
vm_conf_find(const VmConf *conf, const char *box)
{
    if (strchr(box, '@'))
        return g_hash_table_lookup(conf->by_id, box);
    for (guint i = 0; i < conf->boxes->len; i++) {
        const VmBox *b = g_ptr_array_index(conf->boxes, i);

        if (strcmp(b->number, box) == 0)
            return b;
    }
    return NULL;
}

guint
vm_box_maxmsg(const VmConf *conf, const VmBox *box)
{
    return box->maxmsg ? box->maxmsg : conf->general.maxmsg;
}

guint
vm_box_maxsecs(const VmConf *conf, const VmBox *box)
{
    return box->maxsecs ? box->maxsecs : conf->general.maxsecs;
}
