/* app_voicemail - message waiting indication: the "message-summary"
 * event package (RFC 3842) on res_sip_pubsub.  A phone subscribes to its
 * box (the Request-URI's user part, looked up as vm_conf_find() does)
 * or to its own address (the user part names an endpoint whose `mailbox`
 * names the box: what most phones subscribe to).  Every change of the
 * box's counts NOTIFYs each subscription to it, under either name, and
 * the endpoints with mwi_unsolicited (mwi_unsolicited.c), so a box
 * shared by several phones (endpoints whose `mailbox` names the same box,
 * or one endpoint registered from several devices) lights all of them. */
#include "vm.h"

#define MWI_PACKAGE "message-summary"

const VmBox *
vm_mwi_box_of(const SipEndpoint *ep)
{
    if (ep->mailbox && *ep->mailbox)
        return vm_conf_find(vm.conf, ep->mailbox);
    return vm_conf_find(vm.conf, ep->name);
}

/* The box a subscription's resource names: an endpoint with a `mailbox`
 * names that box, anything else is a box number (or box@context). */
static const VmBox *
resource_box(const char *resource)
{
    const SipEndpoint *ep = vm.sip->endpoint_lookup(resource);

    if (ep && ep->mailbox && *ep->mailbox)
        return vm_conf_find(vm.conf, ep->mailbox);
    return vm_conf_find(vm.conf, resource);
}

/* Whether endpoint ep may watch box: its own number, or the box its
 * `mailbox` (endpoints.conf) names; the counts are private. */
static gboolean
may_watch(const SipEndpoint *ep, const VmBox *box)
{
    return ep && vm_mwi_box_of(ep) == box;
}

static gboolean
mwi_subscribe(const char *resource, const SipEndpoint *subscriber, guint *code, gpointer data)
{
    const VmBox *box = resource_box(resource);

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

char *
vm_mwi_summary(const VmBox *box, const char *account)
{
    const VmCounts *c = box ? vm_counts_get(box->id) : NULL;
    guint new_count = c ? c->new_count : 0, old_count = c ? c->old_count : 0;

    PBX_ASSERT_MAIN_CONTEXT();
    return g_strdup_printf("Messages-Waiting: %s\r\nMessage-Account: %s\r\n"
                           "Voice-Message: %u/%u (0/0)\r\n", new_count ? "yes" : "no",
                           account, new_count, old_count);
}

static char *
mwi_body(SipSubscription *sub, const char *resource, gpointer data)
{
    return vm_mwi_summary(resource_box(resource), vm.pubsub->get_entity(sub));
}

const SipEventPackage vm_mwi_package = {
    .name = MWI_PACKAGE,
    .content_type = "application/simple-message-summary",
    .subscribe = mwi_subscribe,
    .body = mwi_body,
};

/* Subscriptions to the addresses of the endpoints sharing box. */
static void
endpoints_changed(const VmBox *box)
{
    const GPtrArray *eps = vm.sip->endpoint_list();

    for (guint i = 0; i < eps->len; i++) {
        const SipEndpoint *ep = g_ptr_array_index(eps, i);
        if (strcmp(ep->name, box->number) != 0 && resource_box(ep->name) == box)
            vm.pubsub->resource_changed(MWI_PACKAGE, ep->name);
    }
}

void
vm_mwi_changed(const VmBox *box)
{
    PBX_ASSERT_MAIN_CONTEXT();
    if (!vm.pubsub)
        return;
    if (vm_conf_find(vm.conf, box->number) == box)
        vm.pubsub->resource_changed(MWI_PACKAGE, box->number);
    endpoints_changed(box);
    vm_mwi_unsolicited_changed(box);
}
