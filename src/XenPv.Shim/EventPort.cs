// Why: a registered port as its driver sees it (IEventPort): ring the other end, clear
// our pending bit, sleep on this port alone while a driver waits for its own ring mid-
// message (the registry's Wait serves everybody at once). Created by EventRegistry.
namespace XenPv.Shim
{
    public unsafe sealed class EventPort : IEventPort
    {
        private readonly EventRegistry registry;
        private readonly IEventOps ops;
        public uint Port = EventRegistry.NoPort;    // NoPort while the slot is free
        public IEventHandler Handler;               // run by EventRegistry.Dispatch; may be null

        internal EventPort(EventRegistry registry, IEventOps ops)
        {
            this.registry = registry;
            this.ops = ops;
        }

        public void Notify() { if (Port != EventRegistry.NoPort) ops.Send(Port); }
        public void ClearPending() { registry.TestAndClear(Port); }
        public bool IsPending { get { return registry.IsPending(Port); } }
        public ulong NowNs() { return ops.NowNs(); }

        public void WaitUntil(ulong absoluteDeadlineNs)
        {
            uint* one = stackalloc uint[1];
            one[0] = Port;
            if (Port != EventRegistry.NoPort) ops.Poll(one, 1, absoluteDeadlineNs);
        }
    }
}
