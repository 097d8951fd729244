// Why: the balloon policy against the real heap and VM, as the kernel wires them
// (KernelMemory): frames are a capped pool (a domain), the balloon steps from the VM's poll
// while Lisp runs, collecting only at safe points. Shows the cycle grow / fill / drop /
// shrink converges with data intact, frames owned come back to the same count, the limit
// follows, and a target below the live data leaves a running session with storage-condition.
using System.Text;
using LispVm.Eval;
using LispVm.Gc;
using LispVm.Hosted;
using XenPv.Shim;
using Xunit;

namespace LispVm.Tests.Eval;

public unsafe class BalloonHeapTests
{
    const ulong MiB = 256;   // frames

    // A domain: Overhead frames (image, tables) + the heap's committed frames + free ones.
    sealed class DomainFrames : IBalloonFrames
    {
        readonly HostedFrameSource src;
        public ulong Owned, Max, Overhead, Returned, Populated;
        public DomainFrames(HostedFrameSource src, ulong owned, ulong max, ulong overhead)
        {
            this.src = src; Owned = owned; Max = max; Overhead = overhead; Cap();
        }
        void Cap() { src.MaxCommittedPages = Owned - Overhead; }
        public ulong OwnedFrames => Owned;
        public ulong MaxFrames => Max;
        public ulong FreeFrames => Owned - Overhead > src.CommittedPages ? Owned - Overhead - src.CommittedPages : 0;
        public ulong ReleaseFreeFrames(ulong n) { if (n > FreeFrames) n = FreeFrames; Owned -= n; Returned += n; Cap(); return n; }
        public ulong PopulateFrames(ulong n) { if (n > Max - Owned) n = Max - Owned; Owned += n; Populated += n; Cap(); return n; }
        public ulong FramesReturnedTotal => Returned;
        public ulong FramesPopulatedTotal => Populated;
        public long CurrentReservation() => (long)Owned;
    }

    // KernelMemory's IBalloonHeap, over the hosted heap.
    sealed class HeapSide : IBalloonHeap, IBalloonConsole, IVmPoller
    {
        readonly Heap heap;
        public Balloon B;
        public readonly List<string> Lines = new();
        public int CollectsAtPoll;
        public HeapSide(Heap h) { heap = h; }
        public void CollectAndTrim() { heap.Collect(true); heap.TrimFrames(); CollectsAtPoll++; }
        public ulong CommittedBytes => heap.Stats.FramesCommitted * heap.Stats.PageSize;
        public ulong LimitedBytes => heap.Stats.OldBytesCommitted + heap.Stats.NurseryBytes;
        public ulong LiveBytes => heap.Stats.LiveBytesAfterLastGc;
        public void SetLimit(ulong bytes) => heap.SetLimit(bytes);
        public void WriteLine(byte* t, int n) => Lines.Add(Encoding.ASCII.GetString(t, n));
        public void Poll(Vm vm) { B?.Step(vm.PollMayCollect); }
    }

    static (EvalHost h, DomainFrames f, HeapSide s, Balloon b) Domain(ulong startMiB)
    {
        var h = new EvalHost(new HeapOptions { LimitBytes = 512UL << 20, NurseryBytes = 4UL << 20, ReserveBytes = 2UL << 20 });
        ulong committed = h.Host.Frames.CommittedPages;
        ulong overhead = 4 * MiB;
        var f = new DomainFrames(h.Host.Frames, startMiB * MiB, 256 * MiB, overhead);
        Assert.True(f.Owned > overhead + committed, "domain too small for the booted heap");
        var s = new HeapSide(h.Host.Heap);
        var b = new Balloon(f, s, s);
        s.B = b;
        b.UpdateLimit();
        h.Host.Vm.Poller = s;
        h.Host.Vm.StepLimit = 2000;
        return (h, f, s, b);
    }

    // Lisp runs (so the balloon steps from the VM's poll) until the balloon settles.
    static void RunUntilSettled(EvalHost h, Balloon b)
    {
        for (int i = 0; i < 50 && b.State != BalloonState.Idle && b.State != BalloonState.Short; i++)
            h.Eval("(dotimes (i 20000) (cons i i))");
    }

    [Fact]
    public void CyclesConvergeWhileLispRunsAndReturnToTheSameCount()
    {
        var (h, f, s, b) = Domain(48);
        using (h)
        {
            h.Eval("(defparameter *keep* (make-array 10000 :initial-element 7))");
            for (int cycle = 0; cycle < 3; cycle++)
            {
                b.SetTargetKiB(160 * 1024);
                RunUntilSettled(h, b);
                Assert.Equal(BalloonState.Idle, b.State);
                Assert.Equal(160 * MiB, f.Owned);
                Assert.True(h.Host.Heap.Stats.LimitBytes > (120UL << 20), "limit " + h.Host.Heap.Stats.LimitBytes);
                // 100 MB of live vectors fit in the grown domain.
                Assert.Equal("*BIG*", h.Eval("(defparameter *big* (let ((l nil)) (dotimes (i 100) (push (make-array 131072 :initial-element i) l)) l))"));
                Assert.Equal("4950", h.Eval("(reduce #'+ (mapcar (lambda (v) (svref v 5)) *big*))"));
                h.Eval("(setq *big* nil)");
                b.SetTargetKiB(40 * 1024);
                RunUntilSettled(h, b);
                Assert.Equal(BalloonState.Idle, b.State);
                Assert.Equal(40 * MiB, f.Owned);
                Assert.Equal("70000", h.Eval("(reduce #'+ *keep*)"));
            }
            Assert.True(s.CollectsAtPoll >= 3, "collections " + s.CollectsAtPoll);
            Assert.Empty(s.Lines);
            Assert.Equal("42", h.Eval("(+ 40 2)"));
            Assert.Null(h.Host.Heap.Verify());
        }
    }

    [Fact]
    public void TargetBelowLiveDataKeepsRunningWithStorageCondition()
    {
        var (h, f, s, b) = Domain(96);
        using (h)
        {
            Assert.Equal("*BIG*", h.Eval("(defparameter *big* (let ((l nil)) (dotimes (i 40) (push (make-array 131072 :initial-element i) l)) l))"));
            b.SetTargetKiB(20 * 1024);
            RunUntilSettled(h, b);
            Assert.Equal(BalloonState.Short, b.State);
            Assert.Single(s.Lines);
            Assert.StartsWith("Balloon: target 20,480 KiB is below what this domain needs: keeping ", s.Lines[0]);
            Assert.True(f.Owned < 96 * MiB && f.Owned > 40 * MiB, "owned " + f.Owned);
            Assert.Equal("CAUGHT", h.Eval("(handler-case (make-list 2000000) (storage-condition () 'caught))"));
            Assert.Equal("CAUGHT", h.Eval("(handler-case (make-array 10000000) (storage-condition () 'caught))"));
            Assert.Equal("780", h.Eval("(reduce #'+ (mapcar (lambda (v) (svref v 5)) *big*))"));
            Assert.Equal("42", h.Eval("(+ 40 2)"));
            Assert.False(h.Host.Heap.IsDead);
        }
    }
}
