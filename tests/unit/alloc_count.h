/* Unit test helper: counting the allocations a piece of code makes.
 *
 * A test program that includes this defines malloc, calloc and realloc,
 * which every library in the process (GLib, libopus, spandsp, libgsm,
 * speexdsp) then calls, and counts the calls made between
 * count_from_here() and counted().  Each passes on to glibc's own
 * allocator entry points.  Under valgrind, whose allocator replaces
 * these too, and under AddressSanitizer, which interposes them itself
 * (the definitions are left out then), nothing can be counted:
 * interposed() says so and the tests skip.  Include it in one file per
 * program. */
#pragma once

#include <stdlib.h>
#include <glib.h>

static volatile gboolean counting;
static volatile guint allocations;

#ifndef __SANITIZE_ADDRESS__
/* Exported, although the tree builds with -fvisibility=hidden: the
 * libraries must bind to these. */
#define INTERPOSE __attribute__((visibility("default")))

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

INTERPOSE void *
malloc(size_t n)
{
    allocations += counting;
    return __libc_malloc(n);
}

INTERPOSE void *
calloc(size_t n, size_t size)
{
    allocations += counting;
    return __libc_calloc(n, size);
}

INTERPOSE void *
realloc(void *p, size_t n)
{
    allocations += counting;
    return __libc_realloc(p, n);
}
#endif

static void
count_from_here(void)
{
    allocations = 0;
    counting = TRUE;
}

static guint
counted(void)
{
    counting = FALSE;
    return allocations;
}

/* FALSE when malloc is not ours (valgrind or ASan replaced it). */
static gboolean
interposed(void)
{
    g_autoptr(GString) s = NULL;

    count_from_here();
    s = g_string_new("counted");
    return counted() > 0;
}
