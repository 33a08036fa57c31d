/* Carillon - res_sip UDP transport.
 *
 * The receive path allocates nothing per packet: datagrams are read with
 * recvmmsg() into a fixed set of buffers owned by this file (all UDP
 * listeners share them; everything runs on the main thread), parsed in
 * place and answered before the next batch is read.  Responses made
 * while a batch is handled are copied into a send batch and leave with
 * one sendmmsg() at its end (a response too large for a slot goes at
 * once).  A dispatch reads at most a few batches so one busy socket
 * cannot starve the rest of the main loop.
 */
#define _GNU_SOURCE
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "transport.h"
#include "sip_core.h"

#define UDP_BATCH 32
#define UDP_BUF_SIZE 65536      /* above any datagram: larger ones get 513 */
#define UDP_BATCHES_PER_DISPATCH 8
#define UDP_SEND_SLOT 2048

typedef struct {
    GSocket *socket;
    int fd;
    GSource *source;
} Udp;

typedef struct {
    char data[UDP_BATCH][UDP_BUF_SIZE];
    struct mmsghdr msgs[UDP_BATCH];
    struct iovec iov[UDP_BATCH];
    SipAddr from[UDP_BATCH];
    /* the send batch */
    SipListener *batching;      /* listener whose batch is being handled */
    guint n_out;
    char out[UDP_BATCH][UDP_SEND_SLOT];
    struct mmsghdr out_msgs[UDP_BATCH];
    struct iovec out_iov[UDP_BATCH];
    SipAddr out_to[UDP_BATCH];
} RecvBuffers;

static RecvBuffers *bufs;
static guint n_open;

static void
buffers_ref(void)
{
    if (n_open++ == 0)
        bufs = g_malloc0(sizeof(*bufs));
}

static void
buffers_unref(void)
{
    if (--n_open == 0)
        g_clear_pointer(&bufs, g_free);
}

/* Reads one batch; returns the number of datagrams, 0 when none are
 * waiting. */
static int
read_batch(Udp *u)
{
    int n;

    for (int i = 0; i < UDP_BATCH; i++) {
        bufs->iov[i].iov_base = bufs->data[i];
        bufs->iov[i].iov_len = UDP_BUF_SIZE - 1;
        memset(&bufs->msgs[i].msg_hdr, 0, sizeof(struct msghdr));
        bufs->msgs[i].msg_hdr.msg_iov = &bufs->iov[i];
        bufs->msgs[i].msg_hdr.msg_iovlen = 1;
        bufs->msgs[i].msg_hdr.msg_name = &bufs->from[i].u;
        bufs->msgs[i].msg_hdr.msg_namelen = sizeof(bufs->from[i].u);
    }
    do {
        n = recvmmsg(u->fd, bufs->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? 0 : n;
}

/* Sends the queued responses; a datagram the kernel refuses is dropped
 * like any lost UDP packet. */
static void
flush_batch(Udp *u)
{
    guint done = 0;

    for (guint i = 0; i < bufs->n_out; i++) {
        memset(&bufs->out_msgs[i].msg_hdr, 0, sizeof(struct msghdr));
        bufs->out_msgs[i].msg_hdr.msg_iov = &bufs->out_iov[i];
        bufs->out_msgs[i].msg_hdr.msg_iovlen = 1;
        bufs->out_msgs[i].msg_hdr.msg_name = &bufs->out_to[i].u.sa;
        bufs->out_msgs[i].msg_hdr.msg_namelen = bufs->out_to[i].len;
    }
    while (done < bufs->n_out) {
        int n = sendmmsg(u->fd, bufs->out_msgs + done, bufs->n_out - done,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        done += n > 0 ? (guint) n : 1;     /* skip a refused datagram */
    }
    bufs->n_out = 0;
}

/* Queues a datagram behind the earlier ones; FALSE (queue flushed, so
 * order is kept) when it is too large for a slot. */
static gboolean
queue_send(Udp *u, const SipAddr *dest, const char *data, gsize len)
{
    guint i;

    if (bufs->n_out == UDP_BATCH || len > UDP_SEND_SLOT)
        flush_batch(u);
    if (len > UDP_SEND_SLOT)
        return FALSE;
    i = bufs->n_out;
    memcpy(bufs->out[i], data, len);
    bufs->out_iov[i].iov_base = bufs->out[i];
    bufs->out_iov[i].iov_len = len;
    bufs->out_to[i] = *dest;
    bufs->n_out++;
    return TRUE;
}

static gboolean
udp_readable(GSocket *socket, GIOCondition cond, gpointer data)
{
    SipListener *l = data;
    Udp *u = l->priv;

    sip_listener_ref(l);
    buffers_ref();      /* the batch outlives a close from a handler */
    for (int b = 0; b < UDP_BATCHES_PER_DISPATCH && l->open; b++) {
        int n = read_batch(u);

        bufs->batching = l;
        for (int i = 0; i < n && l->open; i++) {
            SipRx rx = { .listener = l, .conn = NULL };
            gsize len = bufs->msgs[i].msg_len;

            rx.src = bufs->from[i];
            rx.src.len = bufs->msgs[i].msg_hdr.msg_namelen;
            if (rx.src.u.sa.sa_family != AF_INET && rx.src.u.sa.sa_family != AF_INET6)
                continue;
            /* A truncated datagram is larger than any limit we accept;
             * hand the parser a length that still says so. */
            if (bufs->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
                len = UDP_BUF_SIZE - 1;
            l->stats.rx_msgs++;
            l->stats.rx_bytes += len;
            sip_receive(&rx, bufs->data[i], len);
        }
        bufs->batching = NULL;
        if (l->open)
            flush_batch(u);
        bufs->n_out = 0;
        if (n < UDP_BATCH)
            break;
    }
    buffers_unref();
    sip_listener_unref(l);
    return G_SOURCE_CONTINUE;
}

static GSocket *
make_socket(const SipAddr *bind, GError **error)
{
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GSocketAddress) ga = NULL;
    GSocketFamily fam = sip_addr_is_v6(bind) ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;

    sock = g_socket_new(fam, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
    if (!sock)
        return NULL;
    g_socket_set_blocking(sock, FALSE);
    /* [::] and 0.0.0.0 on one port must coexist: v6 sockets are v6 only. */
    if (fam == G_SOCKET_FAMILY_IPV6
        && !g_socket_set_option(sock, IPPROTO_IPV6, IPV6_V6ONLY, 1, error))
        return NULL;
    ga = sip_addr_to_gsocket_address(bind);
    if (!g_socket_bind(sock, ga, FALSE, error))
        return NULL;
    return g_steal_pointer(&sock);
}

static gboolean
udp_open(SipListener *l, GError **error)
{
    Udp *u;
    GSocket *sock = make_socket(&l->bind, error);
    g_autoptr(GSocketAddress) local = NULL;

    if (!sock)
        return FALSE;
    local = g_socket_get_local_address(sock, NULL);
    if (!local || !sip_addr_from_gsocket_address(local, &l->local))
        l->local = l->bind;
    u = g_new0(Udp, 1);
    u->socket = sock;
    u->fd = g_socket_get_fd(sock);
    u->source = g_socket_create_source(sock, G_IO_IN, NULL);
    g_source_set_callback(u->source, G_SOURCE_FUNC(udp_readable), l, NULL);
    /* GLib (2.74) blocks a non-recursive source around its dispatch by
     * taking its fd out of the poll set and putting it back, and each of
     * those wakes the context: two eventfd writes and a read per batch.
     * Nothing here runs a nested main loop, so let it "recurse". */
    g_source_set_can_recurse(u->source, TRUE);
    g_source_attach(u->source, NULL);
    l->priv = u;
    buffers_ref();
    return TRUE;
}

static void
udp_close(SipListener *l)
{
    Udp *u = l->priv;

    if (!u)
        return;
    g_source_destroy(u->source);
    g_source_unref(u->source);
    g_socket_close(u->socket, NULL);
    g_object_unref(u->socket);
    g_free(u);
    l->priv = NULL;
    buffers_unref();
}

/* A full socket buffer drops the datagram: UDP is lossy anyway and the
 * transaction layer retransmits. */
static SipSendResult
udp_send(SipListener *l, SipConn *conn, const SipAddr *dest, const char *data, gsize len)
{
    Udp *u = l->priv;
    ssize_t n;

    if (!u || !dest || dest->u.sa.sa_family != l->local.u.sa.sa_family)
        return SIP_SEND_ERROR;
    if (bufs->batching == l && queue_send(u, dest, data, len))
        return SIP_SEND_OK;
    do {
        n = sendto(u->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL, &dest->u.sa, dest->len);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
            pbx_debug(sip_log, "UDP %s: send buffer full, datagram dropped", l->name);
            return SIP_SEND_OK;
        }
        pbx_debug(sip_log, "UDP %s: sendto: %s", l->name, g_strerror(errno));
        return SIP_SEND_ERROR;
    }
    return SIP_SEND_OK;
}

const SipTransportClass sip_transport_udp = {
    .name = "udp",
    .via_name = "UDP",
    .proto = SIP_TRANSPORT_UDP,
    .reliable = FALSE,
    .open = udp_open,
    .close = udp_close,
    .send = udp_send,
};
