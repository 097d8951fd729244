// Why: the VM's handle on the network for the Lisp UDP API (Builtins/CoreNet.cs). The
// platform that boots the VM builds the stack over its device and sets these; null = the
// guest was started without ip= (no network). Eval knows only LispVm.Net, never a device
// driver: NetDevice is read for its MAC only (net-stats).
namespace LispVm.Eval;

public sealed unsafe partial class Vm
{
    /// <summary>The network stack, or null when there is no network.</summary>
    public LispVm.Net.NetStack Net;
    /// <summary>The device under Net (its MAC for net-stats); null with Net.</summary>
    public LispVm.Net.INetDevice NetDevice;
}
