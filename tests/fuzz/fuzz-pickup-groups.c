/* Carillon - libFuzzer harness for pickup group lists ("1,3-5", 0-63;
 * endpoints.conf call_group/pickup_group, the CALL_GROUP/PICKUP_GROUP
 * variables): a list that parses prints canonically and parses back to
 * the same groups; one that does not leaves the output alone with an
 * error; a list meets itself exactly when it has a group. */
#include <stdlib.h>
#include <string.h>

#include <carillon/pickup.h>

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    char *text;
    guint64 groups = 42, again = 0;
    GError *error = NULL;

    if (size > 1024)
        return 0;
    text = g_strndup((const char *) data, size);
    if (pbx_pickup_groups_parse(text, &groups, &error)) {
        char *s = pbx_pickup_groups_to_string(groups);
        if (error || !pbx_pickup_groups_parse(s, &again, NULL) || again != groups)
            abort();
        if (pbx_pickup_groups_meet(text, text) != (groups != 0))
            abort();
        g_free(s);
    } else if (!error || groups != 42 || pbx_pickup_groups_meet(text, "0-63")) {
        abort();
    }
    g_clear_error(&error);
    g_free(text);
    return 0;
}
