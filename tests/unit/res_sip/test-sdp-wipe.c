#define _GNU_SOURCE
/* Unit tests: a parsed SDP's a=crypto values (the far end's SDES keys)
 * are wiped before their memory goes back to the allocator.
 *
 * This program defines free(): while watching, each block freed is
 * searched for the key before it is released.  Under AddressSanitizer,
 * which interposes free itself, the test skips. */
#include <malloc.h>
#include <string.h>
#include <carillon/sip/sdp.h>

#define KEY30 "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"

static volatile gboolean watching;
static volatile guint blocks_with_key;

#ifndef __SANITIZE_ADDRESS__
extern void __libc_free(void *p);

__attribute__((visibility("default"))) void
free(void *p)
{
    if (p && watching) {
        gsize n = malloc_usable_size(p);
        if (memmem(p, n, KEY30, strlen(KEY30)) != NULL)
            blocks_with_key++;
    }
    __libc_free(p);
}
#endif

static const char sdp[] =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 4000 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n";

static void
test_parsed_keys_wiped(void)
{
    g_autoptr(GError) error = NULL;
    SdpSession *s;
    const SdpMedia *m;

#ifdef __SANITIZE_ADDRESS__
    g_test_skip("AddressSanitizer interposes free()");
    return;
#endif
    s = sdp_session_parse(sdp, sizeof(sdp) - 1, &error);
    g_assert_no_error(error);
    m = s->media->pdata[0];
    g_assert_cmpuint(m->crypto->len, ==, 1);
    g_assert_nonnull(strstr(m->crypto->pdata[0], KEY30));
    blocks_with_key = 0;
    watching = TRUE;
    sdp_session_free(s);
    watching = FALSE;
    g_assert_cmpuint(blocks_with_key, ==, 0);
}

/* The check itself works: a block still holding the key is seen. */
static void
test_detector(void)
{
#ifdef __SANITIZE_ADDRESS__
    g_test_skip("AddressSanitizer interposes free()");
    return;
#endif
    char *copy = g_strdup("inline:" KEY30);

    blocks_with_key = 0;
    watching = TRUE;
    g_free(copy);
    watching = FALSE;
    g_assert_cmpuint(blocks_with_key, ==, 1);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_summary("parsed SDES keys are wiped before they are freed");
    g_test_add_func("/sip/sdp/wipe/detector", test_detector);
    g_test_add_func("/sip/sdp/wipe/parsed-keys", test_parsed_keys_wiped);
    return g_test_run();
}
