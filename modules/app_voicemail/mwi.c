/* app_voicemail - message waiting indication: the "message-summary"
 * event package (RFC 3842) on res_sip_pubsub.  A phone subscribes to its
 * own box (the Request-URI's user part, looked up as vm_conf_find()
 * does); every change of the box's counts NOTIFYs each subscription to
 * it, so a box shared by several phones (one endpoint registered from
 * several devices) lights all of them. */
#include "vm.h"

#define MWI_PACKAGE "message-summary"

/* Whether endpoint ep may watch box: its own number, or the box its
 * `mailbox` (endpoints.conf) names; the counts are private. */
static gboolean
may_watch(const SipEndpoint *ep, const VmBox *box)
{
    if (!ep)
        return FALSE;
    if (ep->mailbox && *ep->mailbox)
        return vm_conf_find(vm.conf, ep->mailbox) == box;
    return strcmp(ep->name, box->number) == 0;
}

static gboolean
mwi_subscribe(const char *resource, const SipEndpoint *subscriber, guint *code, gpointer data)
{
    const VmBox *box = vm_conf_find(vm.conf, resource);

    if (!box) {
        *code = 404;
        return FALSE;
    }
    if (!may_watch(subscriber, box)) {
        *code = 403;
        return FALSE;
    }
    return TRUE;
}

static char *
mwi_body(SipSubscription *sub, const char *resource, gpointer data)
{
    const VmBox *box = vm_conf_find(vm.conf, resource);
    const VmCounts *c = box ? vm_counts_get(box->id) : NULL;
    guint new_count = c ? c->new_count : 0, old_count = c ? c->old_count : 0;

    PBX_ASSERT_MAIN_CONTEXT();
    return g_strdup_printf("Messages-Waiting: %s\r\nMessage-Account: %s\r\n"
                           "Voice-Message: %u/%u (0/0)\r\n", new_count ? "yes" : "no",
                           vm.pubsub->get_entity(sub), new_count, old_count);
}

const SipEventPackage vm_mwi_package = {
    .name = MWI_PACKAGE,
    .content_type = "application/simple-message-summary",
    .subscribe = mwi_subscribe,
    .body = mwi_body,
};

void
vm_mwi_changed(const VmBox *box)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (vm.pubsub && vm_conf_find(vm.conf, box->number) == box)
        vm.pubsub->resource_changed(MWI_PACKAGE, box->number);
}
