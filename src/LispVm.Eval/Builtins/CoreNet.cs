// Why: the primitives under the Lisp UDP API (lisp/80-net.lisp) over Vm.Net, the
// platform-neutral stack (LispVm.Net). Sockets are the stack's small numbers; errors come
// back as the stack's negative NetError codes and the Lisp layer turns them into
// NET-ERRORs with a message. Datagram bytes pass through a C# stack buffer (at most
// NetStack.MaxUdpPayload), so the stack never sees a pointer into the moving Lisp heap.
// Waiting is the platform's (IPlatform.WaitForEvent); the stack is pumped by %NET-POLL here
// and by the kernel's poller and idle loop.
using LispVm.Gc;
using LispVm.Net;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    static void RegisterNet(Builtins b)
    {
        b.Def("%NET-UP-P", 0, 0, &NetUpP);
        b.Def("%NET-POLL", 0, 0, &NetPoll);
        b.Def("%UDP-OPEN", 1, 1, &UdpOpenB);
        b.Def("%UDP-CLOSE", 1, 1, &UdpCloseB);
        b.Def("%UDP-LOCAL-PORT", 1, 1, &UdpLocalPortB);
        b.Def("%UDP-SEND", 4, 4, &UdpSendB);
        b.Def("%UDP-RECEIVE", 1, 1, &UdpReceiveB);
        b.Def("%UDP-READY-P", 1, 1, &UdpReadyB);
        b.Def("%PLATFORM-WAIT", 1, 1, &PlatformWait);
        b.Def("%NET-CONFIG", 0, 0, &NetConfigB);
        b.Def("%NET-COUNTERS", 0, 0, &NetCounters);
        b.Def("%NET-DROP-NAME", 1, 1, &NetDropName);
        b.Def("%NET-ARP", 0, 0, &NetArp);
        b.Def("%NET-DEVICE-COUNTERS", 0, 0, &NetDeviceCountersB);
    }

    static ulong NoNet() { return M.Fix(NetError.NoNetwork); }

    static bool SmallInt(ulong x, long lo, long hi, out int v)
    {
        v = 0;
        if (!M.IsFix(x)) return false;
        long l = M.FixVal(x);
        if (l < lo || l > hi) return false;
        v = (int)l;
        return true;
    }

    static ulong NetUpP(Vm vm, Args a) { return vm.Bool(vm.Net != null); }

    static ulong NetPoll(Vm vm, Args a)
    {
        if (vm.Net == null) return W.Nil;
        return vm.Bool(vm.Net.Poll((ulong)vm.Platform.NowMicros() * 1000));
    }

    static ulong UdpOpenB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        if (!SmallInt(a[0], 0, 65535, out int port)) return M.Fix(NetError.BadPort);
        return M.Fix(vm.Net.UdpOpen(port));
    }

    static ulong UdpCloseB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        if (!SmallInt(a[0], 0, NetStack.MaxUdpSockets, out int s)) return M.Fix(NetError.BadSocket);
        return M.Fix(vm.Net.UdpClose(s));
    }

    static ulong UdpLocalPortB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        if (!SmallInt(a[0], 0, NetStack.MaxUdpSockets, out int s)) return M.Fix(NetError.BadSocket);
        return M.Fix(vm.Net.UdpLocalPort(s));
    }

    /// <summary>(%udp-send socket ip port data): ip a host-order integer, data a string
    /// (sent as UTF-8) or a vector of octets. The byte count or a NetError code.</summary>
    static ulong UdpSendB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        if (!SmallInt(a[0], 0, NetStack.MaxUdpSockets, out int s)) return M.Fix(NetError.BadSocket);
        if (!M.IsFix(a[1]) || M.FixVal(a[1]) < 0 || M.FixVal(a[1]) > 0xFFFFFFFFL) return vm.TypeError(a[1], "(UNSIGNED-BYTE 32)");
        if (!SmallInt(a[2], 1, 65535, out int port)) return M.Fix(NetError.BadPort);
        byte* buf = stackalloc byte[NetStack.MaxUdpPayload];
        int n = 0;
        if (!VecInfo(a[3], out ulong store, out int len, out int cap)) return vm.TypeError(a[3], "(OR STRING (VECTOR (UNSIGNED-BYTE 8)))");
        if (IsStr(store))
        {
            byte* u = stackalloc byte[4];
            for (int i = 0; i < len; i++)
            {
                int k = Utf8Put(u, vm.Heap.StringChar(store, i));
                if (n + k > NetStack.MaxUdpPayload) return M.Fix(NetError.TooLong);
                for (int j = 0; j < k; j++) buf[n++] = u[j];
            }
        }
        else
        {
            if (len > NetStack.MaxUdpPayload) return M.Fix(NetError.TooLong);
            if (M.Type(store) == ObjType.ByteVector)
            {
                byte* src = M.Raw(store);
                for (int i = 0; i < len; i++) buf[i] = src[i];
            }
            else
            {
                for (int i = 0; i < len; i++)
                {
                    ulong e = ElemRef(vm, store, i);    // no allocation for octets (fixnums)
                    if (!SmallInt(e, 0, 255, out int v)) return vm.TypeError(e, "(UNSIGNED-BYTE 8)");
                    buf[i] = (byte)v;
                }
            }
            n = len;
        }
        return M.Fix(vm.Net.UdpSend(s, (uint)M.FixVal(a[1]), port, buf, n));
    }

    /// <summary>(%udp-receive socket): the next datagram as a fresh vector of octets with the
    /// values source ip (integer) and port; a NetError code (WouldBlock: none yet). A simple
    /// vector of fixnums, like MAKE-ARRAY's (unsigned-byte 8) vectors here, so EQUALP and
    /// friends compare it with what the program built.</summary>
    static ulong UdpReceiveB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        if (!SmallInt(a[0], 0, NetStack.MaxUdpSockets, out int s)) return M.Fix(NetError.BadSocket);
        if (!vm.Heap.RoomFor(8 * NetStack.MaxUdpPayload + 64)) return vm.HeapExhausted();
        byte* buf = stackalloc byte[NetStack.MaxUdpPayload];
        int n = vm.Net.UdpReceive(s, buf, NetStack.MaxUdpPayload, out uint ip, out int port);
        if (n < 0) return M.Fix(n);
        if (n > NetStack.MaxUdpPayload) n = NetStack.MaxUdpPayload;
        ulong v = vm.Heap.AllocBoxed(ObjType.SimpleVector, n);
        for (int i = 0; i < n; i++) vm.Heap.SetSlot(v, i, M.Fix(buf[i]));
        return vm.Values(v, M.Fix(ip), M.Fix(port));
    }

    static ulong UdpReadyB(Vm vm, Args a)
    {
        if (vm.Net == null || !SmallInt(a[0], 0, NetStack.MaxUdpSockets, out int s)) return W.Nil;
        return vm.Bool(vm.Net.UdpReady(s));
    }

    /// <summary>(%platform-wait µs): waits for an event (input, a frame) or the time.</summary>
    static ulong PlatformWait(Vm vm, Args a)
    {
        if (!M.IsFix(a[0])) return vm.TypeError(a[0], "FIXNUM");
        vm.FlushConsole();
        vm.Platform.WaitForEvent(M.FixVal(a[0]));
        return W.Nil;
    }

    /// <summary>#(ip prefix-length gateway echo-port #(mac octets)) or NIL without a network.</summary>
    static ulong NetConfigB(Vm vm, Args a)
    {
        if (vm.Net == null) return W.Nil;
        Heap h = vm.Heap;
        int m = h.RootMark();
        int rm = h.PushRoot(h.AllocRaw(ObjType.ByteVector, 6));
        if (vm.NetDevice != null) vm.NetDevice.GetMac(M.Raw(h.Root(rm)));
        NetConfig c = vm.Net.Config;
        ulong v = h.AllocBoxed(ObjType.SimpleVector, 5);
        h.SetSlot(v, 0, M.Fix(c.Ip));
        h.SetSlot(v, 1, M.Fix(c.PrefixLength));
        h.SetSlot(v, 2, M.Fix(c.Gateway));
        h.SetSlot(v, 3, M.Fix(c.EchoPort));
        h.SetSlot(v, 4, h.Root(rm));
        h.PopRoots(m);
        return v;
    }

    /// <summary>#(rx-packets rx-bytes tx-packets tx-bytes arp-requests-in arp-replies-in
    /// arp-requests-out arp-replies-out icmp-echo-in icmp-echo-out udp-in udp-out
    /// drop0 .. dropN-1) (drops in DropReason order), or NIL without a network.</summary>
    static ulong NetCounters(Vm vm, Args a)
    {
        if (vm.Net == null) return W.Nil;
        NetStats st = vm.Net.Stats;
        int drops = (int)DropReason.Count;
        ulong v = vm.Heap.AllocBoxed(ObjType.SimpleVector, 12 + drops);
        Heap h = vm.Heap;
        h.SetSlot(v, 0, M.Fix(st.RxPackets)); h.SetSlot(v, 1, M.Fix(st.RxBytes));
        h.SetSlot(v, 2, M.Fix(st.TxPackets)); h.SetSlot(v, 3, M.Fix(st.TxBytes));
        h.SetSlot(v, 4, M.Fix(st.ArpRequestsIn)); h.SetSlot(v, 5, M.Fix(st.ArpRepliesIn));
        h.SetSlot(v, 6, M.Fix(st.ArpRequestsOut)); h.SetSlot(v, 7, M.Fix(st.ArpRepliesOut));
        h.SetSlot(v, 8, M.Fix(st.IcmpEchoIn)); h.SetSlot(v, 9, M.Fix(st.IcmpEchoOut));
        h.SetSlot(v, 10, M.Fix(st.UdpIn)); h.SetSlot(v, 11, M.Fix(st.UdpOut));
        for (int i = 0; i < drops; i++) h.SetSlot(v, 12 + i, M.Fix(st.Drops[i]));
        return v;
    }

    static ulong NetDropName(Vm vm, Args a)
    {
        if (!SmallInt(a[0], 0, (int)DropReason.Count - 1, out int i) || i >= NetStats.DropNames.Length) return W.Nil;
        return vm.Heap.MakeString(NetStats.DropNames[i]);
    }

    /// <summary>The driver's counters: ("kind" ("name" . value) ...) in the driver's order,
    /// or NIL (no network, or a driver without counters).</summary>
    static ulong NetDeviceCountersB(Vm vm, Args a)
    {
        INetDeviceCounters c = vm.NetDeviceCounters;
        if (vm.Net == null || c == null) return W.Nil;
        Heap h = vm.Heap;
        int m = h.RootMark();
        int rl = h.PushRoot(W.Nil);
        for (int i = c.CounterCount - 1; i >= 0; i--)
        {
            string name = c.CounterName(i);
            if (name == null) continue;
            int rn = h.PushRoot(h.MakeString(name));
            ulong pair = h.Cons(h.Root(rn), M.Fix(c.Counter(i)));
            h.SetRoot(rl, h.Cons(pair, h.Root(rl)));
            h.PopRoots(rn);
        }
        string kind = c.DeviceKind;
        int rk = h.PushRoot(h.MakeString(kind ?? "device"));
        ulong l = h.Cons(h.Root(rk), h.Root(rl));
        h.PopRoots(m);
        return l;
    }

    /// <summary>The ARP cache as a list of #(ip #(mac octets) age-ms), or NIL.</summary>
    static ulong NetArp(Vm vm, Args a)
    {
        if (vm.Net == null) return W.Nil;
        const int Max = NetStack.ArpCacheSize;
        uint* ips = stackalloc uint[Max];
        byte* macs = stackalloc byte[6 * Max];
        long* ages = stackalloc long[Max];
        int n = vm.Net.ArpEntries(ips, macs, ages, Max);
        if (n > Max) n = Max;
        Heap h = vm.Heap;
        int m = h.RootMark();
        int rl = h.PushRoot(W.Nil);
        for (int i = n - 1; i >= 0; i--)
        {
            int rm = h.PushRoot(h.AllocRaw(ObjType.ByteVector, 6));
            byte* d = M.Raw(h.Root(rm));
            for (int k = 0; k < 6; k++) d[k] = macs[6 * i + k];
            ulong e = h.AllocBoxed(ObjType.SimpleVector, 3);
            h.SetSlot(e, 0, M.Fix(ips[i]));
            h.SetSlot(e, 1, h.Root(rm));
            h.SetSlot(e, 2, M.Fix(ages[i]));
            h.SetRoot(rl, h.Cons(e, h.Root(rl)));
            h.PopRoots(rm);
        }
        ulong l = h.Root(rl);
        h.PopRoots(m);
        return l;
    }
}
