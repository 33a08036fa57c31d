/* rtpgen - RTP load generator for Carillon's media relay (tests/bench/README.md,
 * "Relay").
 *
 * One process plays both ends of N calls through the PBX: a minimal SIP
 * user agent over UDP registers the callee, places the calls as the caller
 * (digest auth), answers them as the callee, and media threads stream
 * 20 ms packets (50 packets/s) both ways on each call while measuring,
 * per stream, loss (RFC 3550 A.3), interarrival jitter (A.8) and late
 * packets.  The caller sends G.711 mu-law (PCMU); the callee answers
 * with --callee-codec (PCMU by default: the PBX relays; another codec
 * makes it transcode).  Payloads are a second of a speech-like tone
 * encoded at start-up and replayed.  Self-contained: GLib, OpenSSL
 * (digest), spandsp (G.722), libopus and libc.
 *
 * Threads: the main thread owns SIP, the timeline and every field marked
 * "main"; each media thread owns the streams whose id is its index modulo
 * the thread count (sending side) and the receive statistics of whatever
 * arrives on those streams' sockets.  A stream is handed over through its
 * atomic `state`; counters the main thread reads while media flows are
 * relaxed atomics.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <pthread.h>
#include <glib.h>

#define RTPGEN_TICKS_PER_PACKET 20      /* ms between packets of a stream */
#define RTPGEN_LOOP_PACKETS 50          /* the replayed second of audio */
#define RTPGEN_MAX_PAYLOAD 400          /* bytes; Opus at 32 kbit/s needs ~80 */
#define RTPGEN_TIME_BYTES 8             /* relayed PCMU: the send time */
#define RTPGEN_PACKET_MAX (12 + RTPGEN_MAX_PAYLOAD)
#define RTPGEN_T1_MS 500
#define RTPGEN_T2_MS 4000
#define RTPGEN_TX_TIMEOUT_MS (64 * RTPGEN_T1_MS)
#define RTPGEN_MIN_BYE_RATE 200.0      /* BYEs per second, at least */

/* ---------------------------------------------------------- buf.c */

/* A view into a received message. */
typedef struct {
    const char *p;
    size_t len;
} Slice;

/* Bounded writer over caller memory; once something does not fit it is
 * `full` and stays so (the message is then not sent). */
typedef struct {
    char *p;
    size_t len, cap;
    bool full;
} Buf;

void buf_init(Buf *b, char *mem, size_t cap);
void buf_put(Buf *b, const char *s);
void buf_putn(Buf *b, const char *s, size_t n);
void buf_put_slice(Buf *b, Slice s);
void buf_put_uint(Buf *b, uint64_t v);

bool slice_eq(Slice s, const char *lit);        /* ASCII case-insensitive */
bool slice_has_prefix(Slice s, const char *lit);
char *slice_dup(Slice s);
Slice slice_trim(Slice s);

/* ---------------------------------------------------------- codec.c */

typedef enum {
    CODEC_ULAW,
    CODEC_ALAW,
    CODEC_G722,
    CODEC_OPUS,
    N_CODECS,
} CodecId;

typedef struct {
    CodecId id;
    const char *name;           /* as --callee-codec and Carillon name it */
    const char *rtp_name;       /* SDP encoding name */
    unsigned clock;             /* RTP clock, Hz */
    unsigned channels;          /* rtpmap encoding parameters; 0: none */
    int static_pt;              /* -1: dynamic */
    unsigned sample_rate;       /* of the audio the encoder takes */
} Codec;

/* A second of the tone (tests/bench/tone.h) in 20 ms packets of one
 * codec, replayed in a loop by every stream that sends it. */
typedef struct {
    const Codec *codec;
    uint16_t len[RTPGEN_LOOP_PACKETS];
    uint8_t data[RTPGEN_LOOP_PACKETS][RTPGEN_MAX_PAYLOAD];
} PayloadLoop;

const Codec *codec_find(const char *name);
const Codec *codec_get(CodecId id);
/* Encodes the loop with the codec's real encoder (G.711 by formula,
 * spandsp's G.722, libopus). */
PayloadLoop *payload_loop_new(const Codec *codec, GError **error);
/* RTP timestamp units per ms (the codec's clock / 1000). */
unsigned codec_ts_per_ms(const Codec *codec);

/* ---------------------------------------------------------- sipmsg.c */

#define SIP_MAX_VIAS 8
#define SIP_MAX_CHALLENGES 4

/* The few fields of a SIP message rtpgen acts on (slices into the
 * datagram).  Via holds every Via header value in order. */
typedef struct {
    bool response;
    int status;
    Slice method, ruri;
    Slice call_id, from, to, contact, cseq_method;
    unsigned long cseq;
    Slice via[SIP_MAX_VIAS];
    int n_via;
    Slice challenge[SIP_MAX_CHALLENGES];        /* WWW- or Proxy-Authenticate */
    int n_challenge;
    Slice body;
} SipMsg;

bool sip_parse(const char *data, size_t len, SipMsg *m);
/* The value of parameter `name` of a header value (";tag=..."), or an
 * empty slice. */
Slice sip_header_param(Slice value, const char *name);
/* The URI of a name-addr (inside <>) or addr-spec (up to ';'). */
Slice sip_uri(Slice value);
/* Connection address and port of the first audio stream of an SDP body. */
bool sdp_audio_dest(Slice body, struct sockaddr_in *dest);
/* The payload type the first audio stream of an SDP offer gives codec
 * (its rtpmap, or the static type listed without one). */
bool sdp_payload_type(Slice body, const Codec *codec, unsigned *pt);

/* ---------------------------------------------------------- digest.c */

typedef struct {
    char *realm, *nonce, *opaque;
    const char *algorithm;      /* "MD5" or "SHA-256" */
    bool proxy;                 /* Proxy-Authenticate (407) */
} Challenge;

/* Picks the first challenge of m whose algorithm rtpgen can answer. */
bool digest_pick(const SipMsg *m, Challenge *c);
void digest_clear(Challenge *c);
/* Appends "Authorization: ..." or "Proxy-Authorization: ..." (qop=auth). */
void digest_put_credentials(Buf *b, const Challenge *c, const char *user, const char *password,
                            const char *method, const char *uri, unsigned nc);

/* ---------------------------------------------------------- rtpgen */

typedef struct {
    const char *host;
    unsigned port;
    unsigned calls;
    double duration;            /* s of media with every call up */
    double rate;                /* call set-ups per second */
    double timeout;             /* s, hard limit of the whole run; 0: computed */
    const char *caller, *callee;
    char *caller_pw, *callee_pw;
    unsigned threads;           /* media threads */
    unsigned late_ms;           /* later than this behind schedule: late */
    unsigned media_delay_ms;    /* from answer to a stream's first packet */
    unsigned expires;           /* of the callee's registration */
    int pbx_pid;                /* CPU of this process is measured; 0: none */
    const Codec *callee_codec;  /* what the callee answers and sends */
    bool direct;                /* no PBX: each call's sockets talk to each other */
    bool verbose;
} Options;

typedef enum {
    STREAM_OFF,                 /* socket open, not sending */
    STREAM_ARMED,               /* connected; sends from start_tick on */
    STREAM_RUNNING,
    STREAM_STOPPED,
} StreamState;

/* What arrived of one stream (RFC 3550 A.1, A.3, A.8); written by the
 * thread of the socket it arrives on.  Two kinds (rxstats.c): a stream
 * of ours relayed by the PBX, whose packets carry their send time, or
 * a stream the PBX encoded itself (transcoding), timed by its RTP
 * timestamps. */
typedef struct {
    uint64_t received, late, misordered, misrouted;
    uint32_t cycles;
    uint16_t base_seq, max_seq;
    bool started;
    int fd;                     /* the socket it arrives on (first packet) */
    double transit;             /* last, in 1/8 ms */
    double jitter;              /* 1/8 ms */
    double jitter_max;
    double delay_max_ms;
    /* the PBX's own streams */
    uint32_t ssrc, last_ts;
    int64_t ts_ext;             /* RTP timestamp, unwrapped from the first */
    double transit_min;         /* 1/8 ms: the fastest packet so far */
    uint64_t win_received;      /* arrived in the window, */
    int64_t win_first_seq, win_last_seq;        /* extended: the first and the last */
} RxStats;

typedef struct {
    /* main, before ARMED; then read-only */
    int fd;
    unsigned port;
    uint32_t ssrc, ts_off;
    const PayloadLoop *loop;    /* what it sends; the PBX sends it the same codec */
    uint8_t pt;                 /* payload type, both ways */
    bool send_time;             /* the send time in the payload (relayed PCMU) */
    int64_t start_tick;
    int state;                  /* StreamState, atomic */
    /* the sending thread */
    uint16_t seq;
    uint64_t sent;
    /* the receiving thread */
    RxStats rx;                 /* its own packets, relayed to the far socket */
    RxStats term;               /* the PBX's packets to this socket (transcoded) */
} Stream;

typedef struct _Gen Gen;

typedef struct {
    Gen *g;
    unsigned index;
    pthread_t thread;
    bool started;
    int epfd, tfd;
    int64_t next_tick;
    /* relaxed atomics, read by main */
    uint64_t rx_packets, tx_packets;
    /* read by main after the join */
    uint64_t send_errors, late_sends;
    uint64_t relayed;           /* our own packets back although timed by RTP timestamp */
    uint64_t skipped_ticks;     /* ms of schedule skipped: overloaded */
    uint64_t foreign;           /* not ours, echoed, or to the wrong call */
    double max_lag_ms;
} MediaThread;

/* A message kept for retransmission over UDP (RFC 3261 timers A/E/G). */
typedef struct {
    char *msg;
    size_t len;
    int fd;
    struct sockaddr_in to;
    int64_t next_ms, interval_ms, deadline_ms;
    bool cap_t2;                /* non-INVITE requests, 2xx retransmits */
} Retrans;

typedef enum {
    CALL_IDLE,
    CALL_INVITING,              /* INVITE sent, no credentials yet */
    CALL_AUTHENTICATING,        /* INVITE with credentials sent */
    CALL_UP,
    CALL_HANGING_UP,            /* BYE sent */
    CALL_DONE,
    CALL_FAILED,
} CallState;

/* The caller's side of one call (main). */
typedef struct {
    CallState state;
    unsigned idx;
    unsigned cseq;
    unsigned branch_n;
    int stream;
    char *to_hdr;               /* To of the dialog, with the PBX's tag */
    char *target;               /* Contact of the 200: URI of ACK and BYE */
    Retrans rt;                 /* INVITE or BYE until answered; else the last ACK */
    int64_t started_ms, answered_ms;
} Call;

typedef enum {
    LEG_ANSWERING,              /* 200 sent, waiting for the ACK */
    LEG_UP,
    LEG_DONE,
    LEG_FAILED,
} LegState;

/* The callee's side of one call (main), by the PBX's Call-ID. */
typedef struct {
    LegState state;
    char *call_id;
    unsigned number;            /* in order of arrival; in our To tag */
    unsigned long cseq;
    int stream;
    struct sockaddr_in dest;    /* the PBX's media address for this leg */
    Retrans rt;                 /* the 200 until the ACK */
} Leg;

typedef enum {
    REG_IDLE,
    REG_SENT,
    REG_AUTH_SENT,
    REG_OK,
    REG_FAILED,
} RegState;

typedef struct {
    RegState state;
    const char *what;           /* "clear", "register", "unregister" */
    unsigned cseq;
    unsigned expires;
    bool star;                  /* Contact: * */
    Retrans rt;
} Registration;

typedef enum {
    PH_REGISTER,
    PH_SETUP,
    PH_MEDIA,
    PH_HANGUP,
    PH_UNREGISTER,
    PH_END,
} Phase;

/* CPU and packet counters at one instant. */
typedef struct {
    int64_t ms;
    uint64_t rx, tx;
    double pbx_cpu_s, own_cpu_s;
} Snapshot;

struct _Gen {
    Options opt;
    struct sockaddr_in pbx;
    char local_ip[INET_ADDRSTRLEN];
    char run_id[12];
    int uac_fd, uas_fd;
    unsigned uac_port, uas_port;
    int sip_epfd, tick_fd;
    int64_t epoch_ns;           /* tick 0 of every timer */
    int64_t realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */

    PayloadLoop *loops[N_CODECS];       /* those in use */
    bool relay_timing;          /* PCMU both ways: the send time in every payload */
    Stream *streams;
    unsigned max_streams;
    unsigned n_streams;         /* atomic (release after a stream's set-up) */
    uint32_t ssrc_base;
    MediaThread *media;
    int64_t stop_tick;          /* atomic: no packet is sent from this tick on */
    int64_t end_tick;           /* atomic: media threads return at this tick */
    int64_t win_from_ms, win_until_ms;  /* atomic: the window, for arrivals */
    bool media_joined;

    Phase phase;
    Call *calls;
    unsigned n_started, n_up, n_failed, n_done, n_bye_sent, n_bye_failed, next_bye;
    unsigned fail_codes[7];     /* by status class; [0]: timeouts, [1]: other */
    GHashTable *legs;           /* Call-ID -> Leg */
    unsigned n_legs, n_legs_up, n_legs_failed;
    Registration reg;
    int64_t setup_start_ms, setup_deadline_ms, window_start_ms, window_end_ms;
    int64_t hangup_start_ms, hangup_deadline_ms, unregister_deadline_ms, deadline_ms;
    int64_t last_scan_ms;
    Snapshot snap[2];
    bool window_open, window_done, timed_out, error;
};

/* main.c */
int64_t gen_now_ms(const Gen *g);
int64_t gen_now_ns(void);
void gen_send(Gen *g, int fd, const struct sockaddr_in *to, const char *msg, size_t len);
void gen_fail(Gen *g, int status);

/* retrans.c */
void retrans_set(Retrans *rt, Gen *g, int fd, const struct sockaddr_in *to, const Buf *msg,
                 bool cap_t2, bool retransmit);
void retrans_clear(Retrans *rt);
/* Resends when due; FALSE once the transaction timed out. */
bool retrans_tick(Retrans *rt, Gen *g, int64_t now_ms);
void retrans_resend(Retrans *rt, Gen *g);

/* sipbuild.c */
void sip_put_request_line(Buf *b, const char *method, const char *uri);
void sip_put_via(Buf *b, const Gen *g, unsigned port, const char *kind, unsigned a, unsigned b2);
void sip_put_sdp_body(Buf *b, const Gen *g, unsigned id, unsigned rtp_port, const Codec *codec,
                      unsigned pt);
void sip_put_response_head(Buf *b, const SipMsg *req, int status, const char *reason,
                           const char *to_tag);
void sip_reply(Gen *g, int fd, const struct sockaddr_in *to, const SipMsg *req, int status,
               const char *reason);

/* register.c */
void reg_start(Gen *g, const char *what, bool star, unsigned expires);
void reg_on_response(Gen *g, const SipMsg *m);
void reg_tick(Gen *g, int64_t now_ms);

/* uac.c */
void uac_start_call(Gen *g, unsigned idx);
void uac_on_message(Gen *g, const SipMsg *m, const struct sockaddr_in *from);
void uac_hangup(Gen *g, Call *c);
void uac_tick(Gen *g, int64_t now_ms);
bool uac_call_id_is_ours(const Gen *g, Slice call_id);

/* uas.c */
void uas_on_message(Gen *g, const SipMsg *m, const struct sockaddr_in *from);
void uas_tick(Gen *g, int64_t now_ms);
unsigned uas_legs_up(Gen *g);
void uas_free(Gen *g);

/* media.c */
bool media_init(Gen *g, GError **error);
/* A stream sending codec with payload type pt. */
int media_open_stream(Gen *g, const Codec *codec, unsigned pt, GError **error);
void media_arm(Gen *g, int id, const struct sockaddr_in *dest);
void media_stop_stream(Gen *g, int id);
bool media_start_threads(Gen *g, GError **error);
void media_stop_at(Gen *g, int64_t stop_tick, int64_t end_tick);
/* Arrivals in [from_ms, until_ms) count in the window (RxStats.win_*). */
void media_set_window(Gen *g, int64_t from_ms, int64_t until_ms);
void media_join(Gen *g);
void media_counters(const Gen *g, uint64_t *rx, uint64_t *tx);

/* rxstats.c */
void rx_update(RxStats *r, int fd, uint16_t seq, double transit, unsigned late_ms);
/* A packet the PBX encoded: false (not counted) when its SSRC is not
 * the stream's first one. */
bool rx_update_term(RxStats *r, uint32_t ssrc, uint16_t seq, uint32_t ts, unsigned ts_per_ms,
                    int64_t arrival_ns, unsigned late_ms);
/* The packet rx_update_term took last arrived in the window. */
void rx_window_count(RxStats *r);
/* Packets of the PBX's stream missing from the window (window_ms long):
 * `gaps`, sent and never arrived (sequence numbers), `silent`, never sent
 * (fewer sequence numbers than one per 20 ms, less one for where the
 * window's edges fall).  Returns the packets expected: the larger of the
 * sequence numbers seen and one per 20 ms. */
int64_t rx_window_missing(const RxStats *r, double window_ms, int64_t *gaps, int64_t *silent);
int64_t rx_expected(const RxStats *r);

/* timeline.c */
void timeline_run(Gen *g);

/* report.c */
void report_print(const Gen *g);
