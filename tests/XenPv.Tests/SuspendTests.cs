// Why: what libxc's PV save requires of the guest, checked the way libxc checks it, on the
// fake Xen (SparseXen): the P2M lists in shared_info (every listed MFN ours and non-zero,
// every P2M entry below max_pfn an MFN or INVALID, current after the balloon grows the P2M),
// and the machine half of a suspend (MachineSuspend): foreign frames unmapped and start_info
// rewritten at the hypercall, the start_info MFN as its argument, exact undo when cancelled,
// the resume path (cached table MFNs refreshed, P2M republished, grant table set up again).
using System.Runtime.InteropServices;
using XenPv.Shim;
using Xunit;

namespace XenPv.Tests;

public unsafe class SuspendTests
{
    static (SparseXen, XenFrames) Boot(ulong nrPages, ulong maxFrames = 0)
    {
        var xen = new SparseXen(nrPages, maxFrames);
        var f = new XenFrames(xen.Si, SparseXen.VirtBase, xen, xen);
        Assert.True(f.Start(), $"start failed: {f.FailReason} {f.LastError}");
        return (xen, f);
    }

    static SharedInfo* NewShared() => (SharedInfo*)NativeMemory.AllocZeroed(4096);

    // libxc's map_p2m_tree, on the fake Xen's machine frames: the P2M as the toolstack sees it.
    static ulong[] ToolstackP2m(SparseXen xen, SharedInfo* s)
    {
        ulong count = s->arch_max_pfn, maxPfn = count - 1;
        Assert.True(count > 0, "arch.max_pfn not published");
        Assert.Equal(0ul, s->arch_p2m_cr3);                          // the tree, not the linear list
        ulong fll = s->arch_pfn_to_mfn_frame_list_list;
        Assert.True(fll != 0 && xen.Owned(fll, out _), $"Bad mfn {fll:x} for p2m frame list list");
        ulong fllEntries = maxPfn / (512 * 512) + 1, flEntries = maxPfn / 512 + 1;
        var fl = new List<ulong>();
        for (ulong x = 0; x < fllEntries; x++)
        {
            ulong m = xen.ReadMachine(fll, (int)x);
            Assert.True(m != 0 && xen.Owned(m, out _), $"Bad mfn {m:x} at index {x} in p2m frame list list");
            for (int y = 0; y < 512 && (ulong)fl.Count < flEntries; y++) fl.Add(xen.ReadMachine(m, y));
        }
        var p2m = new ulong[count];
        for (int x = 0; x < fl.Count; x++)
        {
            // map_p2m_leaves: every leaf in the pseudophysmap (M2P below max_pfn, P2M agrees).
            ulong leafPfn = 0;
            Assert.True(fl[x] != 0 && xen.Owned(fl[x], out leafPfn), $"Bad mfn in p2m_frame_list[{x}]");
            Assert.True(leafPfn <= maxPfn, $"p2m frame {x} at PFN {leafPfn} > max_pfn {maxPfn}");
            for (int i = 0; i < 512 && (ulong)(x * 512 + i) < count; i++) p2m[x * 512 + i] = xen.ReadMachine(fl[x], i);
        }
        for (ulong pfn = 0; pfn < count; pfn++)
        {
            ulong m = p2m[pfn];
            if (m == XenFrames.InvalidMfn) continue;                  // a hole: "likely a ballooned page"
            Assert.True(xen.Owned(m, out ulong back) && back == pfn, $"p2m[{pfn}] = {m:x} is not our frame for that PFN");
        }
        for (int x = 0; x < fl.Count; x++) { xen.Owned(fl[x], out ulong lp); Assert.Equal(fl[x], p2m[lp]); }
        return p2m;
    }

    [Fact]
    public void P2mListsDescribeExactlyOurP2m()
    {
        var (xen, f) = Boot(4096, 65536);
        var s = NewShared();
        try
        {
            Assert.True(f.PublishP2m(s), $"publish failed: {f.LastError}");
            Assert.Equal(f.PublishedMaxPfn, s->arch_max_pfn);
            Assert.Equal(f.FrameListListMfn, s->arch_pfn_to_mfn_frame_list_list);
            var p2m = ToolstackP2m(xen, s);
            for (ulong pfn = 0; pfn < (ulong)p2m.Length; pfn++) Assert.Equal(f.P2m(pfn), p2m[pfn]);
            Assert.Equal(8ul * 512, s->arch_max_pfn);                 // the builder's 8 P2M pages
        }
        finally { NativeMemory.Free(s); }
    }

    [Fact]
    public void P2mListsFollowTheBalloon()
    {
        var (xen, f) = Boot(4096, 65536);
        var s = NewShared();
        try
        {
            Assert.True(f.PublishP2m(s));
            ulong before = s->arch_max_pfn;
            Assert.Equal(20000ul, f.PopulateFrames(20000));           // grows the P2M by pages
            Assert.True(s->arch_max_pfn > before && s->arch_max_pfn >= 24096, $"max_pfn {s->arch_max_pfn}");
            var p2m = ToolstackP2m(xen, s);
            for (ulong pfn = 0; pfn < (ulong)p2m.Length; pfn++) Assert.Equal(f.P2m(pfn), p2m[pfn]);
            Assert.Equal(15000ul, f.ReleaseFreeFrames(15000));        // holes stay INVALID, still listed
            p2m = ToolstackP2m(xen, s);
            int holes = p2m.Count(m => m == XenFrames.InvalidMfn);
            Assert.True(holes >= 15000, $"{holes} holes");
            for (ulong pfn = 0; pfn < (ulong)p2m.Length; pfn++) Assert.Equal(f.P2m(pfn), p2m[pfn]);
        }
        finally { NativeMemory.Free(s); }
    }

    [Fact]
    public void FrozenFramesDoNotMove()
    {
        var (xen, f) = Boot(4096, 65536);
        f.Frozen = true;
        Assert.Equal(0ul, f.PopulateFrames(100));
        Assert.Equal(0ul, f.ReleaseFreeFrames(100));
        f.Frozen = false;
        Assert.Equal(100ul, f.PopulateFrames(100));
    }

    // ---- the machine half of a suspend ----

    sealed class FakeSuspendOps : ISuspendOps
    {
        public readonly List<string> Calls = new();
        public long Result = 1;
        public Action<ulong> AtHypercall = _ => { };
        public ulong[] GrantMfns = { 0x7000001 };
        public ulong NextShared;                  // MA Xen gives the new domain's shared_info
        public XenError MapSharedInfo(ulong va, ulong ma) { Calls.Add(ma == 0 ? "unmap shared" : $"map shared {ma:x}"); return XenError.Ok; }
        public long Suspend(ulong startInfoMfn) { Calls.Add($"suspend {startInfoMfn:x}"); AtHypercall(startInfoMfn); return Result; }
        public XenError SetupGrantTable(uint n, ulong* mfns)
        {
            Calls.Add($"setup grants {n}");
            for (int i = 0; i < n; i++) mfns[i] = GrantMfns[i];
            return XenError.Ok;
        }
    }

    sealed class Rig : IDisposable
    {
        public SparseXen Xen; public XenFrames F; public SharedInfo* S; public FakeSuspendOps Ops = new();
        public MachineSuspend M; public ulong SiPfn;
        public Rig()
        {
            (Xen, F) = Boot(4096, 65536);
            S = NewShared();
            Assert.True(F.PublishP2m(S));
            SiPfn = Xen.P2mPfn + Xen.P2mPages;                // builder order: P2M, start_info, xenstore, console
            Xen.Si->store_mfn = Xen.BootMfn(SiPfn + 1);
            Xen.Si->console_domU_mfn = Xen.BootMfn(SiPfn + 2);
            Xen.Si->shared_info = 0x5555000;
            // The grant table: one foreign frame mapped in a reservation, as OpenNetDevice does.
            byte* region = F.Reserve(4096);
            Xen.SharedFrames.Add(Ops.GrantMfns[0]);
            ulong* m = stackalloc ulong[1];
            m[0] = Ops.GrantMfns[0];
            Assert.True(F.MapMachineFrames(region, m, 1, true));
            M = new MachineSuspend(Xen.Si, SiPfn, S, (ulong)S, F, Ops);
            GrantVa = region;
        }
        public byte* GrantVa;
        public void Dispose() { NativeMemory.Free(S); Xen.Dispose(); }
    }

    // A GrantTable whose TableVa is the reserved VA (the fake Xen maps it; the entries the
    // test reads live in host memory): built over the VA only for its address and size.
    static GrantTable GrantAt(byte* va) => new GrantTable((GrantEntryV1*)va, 512);

    [Fact]
    public void CancelledSuspendUnmapsRewritesAndUndoesExactly()
    {
        using var r = new Rig();
        var g = GrantAt(r.GrantVa);
        r.M.AttachGrants(g);
        ulong store = r.Xen.Si->store_mfn, console = r.Xen.Si->console_domU_mfn;
        bool checkedAtCall = false;
        r.Ops.AtHypercall = siMfn =>
        {
            // What the toolstack sees while we are suspended.
            Assert.Equal(r.Xen.BootMfn(r.SiPfn), siMfn);
            Assert.Equal(r.SiPfn + 1, r.Xen.Si->store_mfn);
            Assert.Equal(r.SiPfn + 2, r.Xen.Si->console_domU_mfn);
            Assert.Null(r.Xen.Translate((ulong)r.GrantVa));          // no foreign frame mapped
            Assert.True(r.F.Frozen);
            Assert.Equal(0ul, r.F.PopulateFrames(1));
            checkedAtCall = true;
        };
        r.Ops.Result = 1;
        Assert.Equal(SuspendOutcome.Cancelled, r.M.Run());
        Assert.True(checkedAtCall);
        Assert.Equal(new[] { "unmap shared", $"suspend {r.Xen.BootMfn(r.SiPfn):x}", "map shared 5555000", "setup grants 1" }, r.Ops.Calls);
        Assert.Equal(store, r.Xen.Si->store_mfn);
        Assert.Equal(console, r.Xen.Si->console_domU_mfn);
        Assert.Equal(r.Ops.GrantMfns[0], r.Xen.Translate((ulong)r.GrantVa));
        Assert.False(r.F.Frozen);
        Assert.Equal(SuspendState.Running, r.M.State);
        Assert.Equal(1, r.M.Cancels);
        Assert.Equal(1ul, r.F.PopulateFrames(1));                    // the balloon works again
    }

    [Fact]
    public void RefusedSuspendLeavesEverythingAsItWas()
    {
        using var r = new Rig();
        r.Xen.Si->store_mfn = 0x99999999;                             // not ours: refuse before the hypercall
        Assert.Equal(SuspendOutcome.Refused, r.M.Run());
        Assert.DoesNotContain(r.Ops.Calls, c => c.StartsWith("suspend"));
        Assert.Equal(new[] { "unmap shared", "map shared 5555000" }, r.Ops.Calls);
        Assert.Equal(0x99999999ul, r.Xen.Si->store_mfn);
        Assert.False(r.F.Frozen);
        Assert.Contains("not in the P2M", r.M.FailReason);
        r.Ops.Result = -38;                                           // ENOSYS from Xen: same domain
        r.Xen.Si->store_mfn = r.Xen.BootMfn(r.SiPfn + 1);
        r.Ops.Calls.Clear();
        Assert.Equal(SuspendOutcome.Refused, r.M.Run());
        Assert.Equal(r.Xen.BootMfn(r.SiPfn + 1), r.Xen.Si->store_mfn);
        Assert.Equal("map shared 5555000", r.Ops.Calls[^1]);
    }

    [Fact]
    public void ResumeRemapsRefreshesAndRepublishes()
    {
        using var r = new Rig();
        var g = GrantAt(r.GrantVa);
        r.M.AttachGrants(g);
        ulong newGrant = 0x7000002;
        r.Xen.SharedFrames.Add(newGrant);
        r.Ops.Result = 0;
        r.Ops.AtHypercall = _ =>
        {
            // The toolstack's restore: new shared_info frame, lists cleared, start_info rewritten
            // with MFNs again, new grant frames; the cached table MFNs are stale.
            r.S->arch_pfn_to_mfn_frame_list_list = 0;
            r.S->arch_max_pfn = 0;
            r.Xen.Si->shared_info = 0x6666000;
            r.Xen.Si->store_mfn = r.Xen.BootMfn(r.SiPfn + 1);
            r.Xen.Si->console_domU_mfn = r.Xen.BootMfn(r.SiPfn + 2);
            r.Ops.GrantMfns = new[] { newGrant };
            r.F.ForgetCachedTablesForTest();
        };
        Assert.Equal(SuspendOutcome.Resumed, r.M.Run());
        Assert.Null(r.M.FailReason);
        Assert.Contains("map shared 6666000", r.Ops.Calls);
        Assert.Equal(1, SharedInfo.Vcpu(r.S, 0)->evtchn_upcall_mask);
        Assert.Equal(newGrant, r.Xen.Translate((ulong)r.GrantVa));
        var p2m = ToolstackP2m(r.Xen, r.S);                          // republished, and right
        for (ulong pfn = 0; pfn < (ulong)p2m.Length; pfn++) Assert.Equal(r.F.P2m(pfn), p2m[pfn]);
        // The refreshed table MFNs work: commit new heap pages (new tables made as needed).
        byte* heap = r.F.Reserve(4 << 20);
        Assert.True(r.F.Commit(heap, 4 << 20), $"commit after resume failed: {r.F.LastError}");
        Assert.False(r.F.Frozen);
        Assert.Equal(1, r.M.Resumes);
        Assert.Equal(g.Count - GrantTable.ReservedEntries, g.Free);
    }

    [Fact]
    public void AbiOfTheSuspendCall()
    {
        Assert.Equal(2u, Hypercalls.ShutdownSuspend);
        Assert.Equal((long)XenError.NotBooted, Hypercalls.SchedShutdownSuspend(0x1234));   // no Xen on .NET
    }
}
