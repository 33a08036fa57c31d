/* Test module registering a channel technology "TESTTECH": live channels
 * must keep the module loaded, and unloading must remove the tech. */
#include <carillon/carillon.h>

static PbxChannel *
testtech_request(const PbxChannelTech *tech, const char *target,
                 PbxChannel *requester, const PbxDialOptions *options,
                 GError **error)
{
    return pbx_channel_new_outbound(tech, NULL, target, NULL, NULL);
}

static gboolean
testtech_call(PbxChannel *chan, guint timeout_ms, GError **error)
{
    return TRUE;
}

static gboolean
testtech_answer(PbxChannel *chan, GError **error)
{
    pbx_channel_set_state(chan, PBX_CHANNEL_UP);
    return TRUE;
}

static void
testtech_hangup(PbxChannel *chan, PbxCause cause)
{
}

static const PbxChannelTech testtech = {
    .name = "TESTTECH",
    .description = "Channel tech of the unit tests",
    .request = testtech_request,
    .call = testtech_call,
    .answer = testtech_answer,
    .hangup = testtech_hangup,
};

static gboolean
chantech_load(PbxModule *self, GError **error)
{
    return pbx_channel_tech_register(self, &testtech, error);
}

PBX_MODULE_DEFINE("test_chantech", "Registers a channel tech",
                  .load = chantech_load);
