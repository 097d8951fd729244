// Why: enum xenbus_state (io/xenbus.h), the state a front end and its back end publish in
// their `state` keys while they connect (netfront next). Spec names and values.
namespace XenPv.Xenbus
{
    public enum XenbusState
    {
        Unknown = 0, Initialising = 1, InitWait = 2, Initialised = 3, Connected = 4, Closing = 5, Closed = 6,
    }
}
