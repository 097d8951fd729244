// Why: the VM's handle on the network for the Lisp UDP API (Builtins/CoreNet.cs). The
// platform that boots the VM builds the stack over its device and sets these; null = the
// guest was started without ip= (no network). Eval knows only LispVm.Net, never a device
// driver: NetDevice is read for its MAC only, and the driver's own counters (netfront's
// ring errors, a TAP's oversized frames) reach (net-stats) through INetDeviceCounters.
namespace LispVm.Eval;

/// <summary>A network driver's counters by name, for (net-stats): frames the device itself
/// dropped never reach the stack's counters.</summary>
public interface INetDeviceCounters
{
    /// <summary>The device's kind as (net-stats) names it: "netfront", "tap".</summary>
    string DeviceKind { get; }
    int CounterCount { get; }
    /// <summary>Counter i's name ("rx-too-long"), for 0 <= i < CounterCount.</summary>
    string CounterName(int i);
    long Counter(int i);
}

public sealed unsafe partial class Vm
{
    /// <summary>The network stack, or null when there is no network.</summary>
    public LispVm.Net.NetStack Net;
    /// <summary>The device under Net (its MAC for net-stats); null with Net.</summary>
    public LispVm.Net.INetDevice NetDevice;
    /// <summary>The driver's counters, or null where the platform has none to show.</summary>
    public INetDeviceCounters NetDeviceCounters;
}
