/* Carillon - res_sip transports: the listener registry, GSocket address
 * conversion and the common send path. */
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "transport.h"
#include "sip_core.h"
#include "resolve.h"

static GPtrArray *listeners;    /* SipListener*, configuration order */

/* ------------------------------------------------------------------ */
/* Addresses                                                           */
/* ------------------------------------------------------------------ */

GSocketAddress *
sip_addr_to_gsocket_address(const SipAddr *a)
{
    return g_socket_address_new_from_native((gpointer) &a->u.sa, a->len);
}

gboolean
sip_addr_from_gsocket_address(GSocketAddress *ga, SipAddr *out)
{
    gssize len = g_socket_address_get_native_size(ga);

    memset(out, 0, sizeof(*out));
    if (len <= 0 || (gsize) len > sizeof(out->u))
        return FALSE;
    if (!g_socket_address_to_native(ga, &out->u, len, NULL))
        return FALSE;
    out->len = (socklen_t) len;
    return out->u.sa.sa_family == AF_INET || out->u.sa.sa_family == AF_INET6;
}

/* ------------------------------------------------------------------ */
/* Listeners                                                           */
/* ------------------------------------------------------------------ */

const SipTransportClass *
sip_transport_class_find(const char *name)
{
    static const SipTransportClass *const classes[] = {
        &sip_transport_udp,
        &sip_transport_tcp,
        &sip_transport_tls,
    };

    for (guint i = 0; i < G_N_ELEMENTS(classes); i++) {
        if (g_ascii_strcasecmp(classes[i]->name, name) == 0)
            return classes[i];
    }
    return NULL;
}

SipListener *
sip_listener_new(const SipTransportClass *klass, const char *name,
                 const SipAddr *bind, const char *bind_text)
{
    SipListener *l = g_new0(SipListener, 1);

    l->ref_count = 1;
    l->klass = klass;
    l->name = g_strdup(name);
    l->bind = *bind;
    l->local = *bind;
    l->bind_text = g_strdup(bind_text);
    return l;
}

SipListener *
sip_listener_ref(SipListener *l)
{
    l->ref_count++;
    return l;
}

void
sip_listener_unref(SipListener *l)
{
    if (!l || --l->ref_count > 0)
        return;
    if (l->open)
        sip_listener_close(l);
    g_free(l->name);
    g_free(l->bind_text);
    sip_tls_conf_free(l->tls_conf);
    g_free(l);
}

gboolean
sip_listener_open(SipListener *l, GError **error)
{
    if (l->open)
        return TRUE;
    if (l->klass->open && !l->klass->open(l, error))
        return FALSE;
    l->open = TRUE;
    return TRUE;
}

void
sip_listener_close(SipListener *l)
{
    if (!l->open)
        return;
    l->open = FALSE;
    if (l->klass->close)
        l->klass->close(l);
}

void
sip_listeners_add(SipListener *l)
{
    if (!listeners)
        listeners = g_ptr_array_new_with_free_func((GDestroyNotify) sip_listener_unref);
    g_ptr_array_add(listeners, sip_listener_ref(l));
}

void
sip_listeners_shutdown(void)
{
    while (listeners && listeners->len > 0) {
        SipListener *l = listeners->pdata[listeners->len - 1];
        sip_listener_close(l);
        g_ptr_array_remove_index(listeners, listeners->len - 1);
    }
    g_clear_pointer(&listeners, g_ptr_array_unref);
}

void
sip_listeners_remove(SipListener *l)
{
    if (listeners)
        g_ptr_array_remove(listeners, l);
}

GPtrArray *
sip_listeners_get(void)
{
    if (!listeners)
        listeners = g_ptr_array_new_with_free_func((GDestroyNotify) sip_listener_unref);
    return listeners;
}

SipListener *
sip_listeners_find(const char *name)
{
    GPtrArray *ls = sip_listeners_get();

    for (guint i = 0; i < ls->len; i++) {
        SipListener *l = ls->pdata[i];
        if (g_str_equal(l->name, name))
            return l;
    }
    return NULL;
}

SipListener *
sip_listeners_pick(SipTransport proto, gboolean v6)
{
    GPtrArray *ls = sip_listeners_get();
    SipListener *wild = NULL;

    for (guint i = 0; i < ls->len; i++) {
        SipListener *l = ls->pdata[i];
        if (!l->open || l->klass->proto != proto || sip_addr_is_v6(&l->local) != v6)
            continue;
        if (!sip_addr_is_any(&l->local))
            return l;
        if (!wild)
            wild = l;
    }
    return wild;
}

/* The source address the kernel would use towards dest: connect() on a
 * UDP socket sends nothing and does not block. */
static gboolean
route_source(const SipAddr *dest, SipAddr *out)
{
    int fd = socket(dest->u.sa.sa_family, SOCK_DGRAM, 0);
    gboolean ok = FALSE;

    if (fd < 0)
        return FALSE;
    out->len = sizeof(out->u);
    if (connect(fd, &dest->u.sa, dest->len) == 0
        && getsockname(fd, &out->u.sa, &out->len) == 0)
        ok = TRUE;
    close(fd);
    return ok;
}

const char *
sip_listener_sent_by_host(SipListener *l, const SipAddr *dest, char *buf, gsize size)
{
    SipAddr local = l->local;
    char ip[INET6_ADDRSTRLEN];

    if (sip_addr_is_any(&local) && dest && !route_source(dest, &local))
        local = l->local;
    sip_addr_ip_string(&local, ip, sizeof(ip));
    if (sip_addr_is_v6(&local))
        g_snprintf(buf, size, "[%s]", ip);
    else
        g_strlcpy(buf, ip, size);
    return buf;
}

SipSendResult
sip_transport_send(SipListener *l, SipConn *conn, const SipAddr *dest,
                   const char *data, gsize len)
{
    SipSendResult r;

    if (!l || !l->open) {
        if (l)
            l->stats.tx_errors++;
        return SIP_SEND_ERROR;
    }
    if (G_UNLIKELY(sip_stack.debug)) {
        char peer[SIP_ADDR_STRLEN];
        const SipAddr *to = conn ? sip_conn_get_remote(conn) : dest;
        sip_debug_message("sent", l->klass->via_name,
                          to ? sip_addr_to_string(to, peer, sizeof(peer)) : "?", data, len);
    }
    r = l->klass->send(l, conn, dest, data, len);
    if (r == SIP_SEND_OK) {
        l->stats.tx_msgs++;
        l->stats.tx_bytes += len;
    } else {
        l->stats.tx_errors++;
    }
    return r;
}

/* ------------------------------------------------------------------ */
/* Our address towards a peer                                          */
/* ------------------------------------------------------------------ */

/* The listener res_sip would send from, and the local IP it routes
 * from; IPv6 comes back from the listener with brackets. */
gboolean
sip_local_address(SipTransport transport, const char *remote_ip, char *ip, gsize size,
                  guint16 *port)
{
    SipTransport tp = sip_transport_usable(transport);
    char buf[SIP_ADDR_STRLEN];
    SipListener *l;
    SipAddr dest;
    const char *host;

    if (!remote_ip || !sip_resolve_literal(remote_ip, 5060, &dest))
        return FALSE;
    l = sip_listeners_pick(tp, sip_addr_is_v6(&dest));
    if (!l)
        return FALSE;
    host = sip_listener_sent_by_host(l, &dest, buf, sizeof(buf));
    if (host[0] == '[')
        host++;
    g_strlcpy(ip, host, size);
    ip[strcspn(ip, "]")] = '\0';
    *port = sip_addr_port(&l->local);
    return TRUE;
}

char *
sip_contact_for(SipTransport transport, const char *remote_ip)
{
    char ip[SIP_ADDR_STRLEN];
    guint16 port = 5060;
    gboolean v6;

    if (!sip_local_address(transport, remote_ip, ip, sizeof(ip), &port))
        g_strlcpy(ip, "127.0.0.1", sizeof(ip));
    v6 = strchr(ip, ':') != NULL;
    return g_strdup_printf("<sip:carillon@%s%s%s:%u%s>", v6 ? "[" : "", ip, v6 ? "]" : "",
                           port, sip_transport_usable(transport) == SIP_TRANSPORT_UDP ? ""
                           : sip_transport_usable(transport) == SIP_TRANSPORT_TLS
                           ? ";transport=tls" : ";transport=tcp");
}
