// Why: `xl mem-set` asks the domain to grow or shrink; the collector owns the frames, so the
// GC, not a pager, decides what goes back. This is the policy (when to populate, when to
// collect, what is kept), converging like Linux's balloon driver: grow at once, shrink from
// free frames first and after one full collection only if still above the target. It moves
// frames only when the target changes (never because the heap grew) and aims the domain's
// TOTAL (XENMEM_current_reservation: image, page tables and P2M included) at the target.
// Step() does bounded work and is re-entrant: call it at every VM safe point and at the
// idle prompt; it costs one field test when nothing is pending.
// Vocabulary: frame = 4 KiB page of the domain; free = owned, mapped by nothing.
namespace XenPv.Shim
{
    public enum BalloonState
    {
        Idle,            // converged (or nothing asked): Step does nothing
        Grow,            // below the target: populate in batches
        Release,         // above the target: return free frames, no collection yet
        NeedCollect,     // free frames used up, still above: collect at the next safe point that may
        ReleaseAfterGc,  // collected: return what the collection freed
        Short,           // cannot converge for this target (reported once); waits for the next
    }

    public unsafe sealed class Balloon
    {
        /// <summary>The smallest target honoured: 16 MiB, the smallest domain the REPL boots
        /// in (issue 12 item 4); below it the console, stacks and nursery cannot live.</summary>
        public const ulong MinFrames = 4096;
        /// <summary>Free frames always kept when shrinking: the heap's 2 MiB exhaustion reserve
        /// (it must be backed, or running out is a panic instead of a storage-condition) plus
        /// room for page tables and side tables the heap commits as it grows back.</summary>
        public const ulong KeepFreeFrames = 640;
        /// <summary>Free frames a shrink never goes below: KeepFreeFrames plus 4 MiB of working
        /// room, so a session whose live data is above the target can still read, print and
        /// handle the storage-condition (with no room at all every allocation would exhaust).</summary>
        public const ulong MinFreeFrames = KeepFreeFrames + 1024;
        /// <summary>Free frames left out of the heap's limit besides KeepFreeFrames: what a full
        /// collection near the limit commits outside it (the mark/work stack grows past its
        /// first 256 KiB on long chains). Measured: without it a session held at its limit
        /// (BalloonHeapTests, target below the live data) thrashed and lost its handler. The
        /// limit is based on IBalloonHeap.LimitedBytes, not CommittedBytes: the latter counted
        /// the side tables twice, and since the boot image grew (2026-12-07) that put a heap
        /// held at its limit ~2 MiB past the domain's frames (it died in its reserve).</summary>
        public const ulong WorkRoomFrames = 256;
        /// <summary>Frames moved per Step: bounds the pause at a safe point (64 MiB).</summary>
        public const ulong StepFrames = 16384;

        readonly IBalloonFrames frames;
        readonly IBalloonHeap heap;
        readonly IBalloonConsole console;

        public BalloonState State { get; private set; }
        /// <summary>The clamped target in frames; RequestedKiB is what the toolstack wrote.</summary>
        public ulong TargetFrames { get; private set; }
        public ulong RequestedKiB { get; private set; }
        /// <summary>Full collections the balloon started, targets taken, short reports made.</summary>
        public ulong Collections { get; private set; }
        public ulong TargetsTaken { get; private set; }
        public ulong ShortReports { get; private set; }
        /// <summary>Cap on the heap limit from a boot option (0 = none).</summary>
        public ulong LimitCap;

        public Balloon(IBalloonFrames frames, IBalloonHeap heap, IBalloonConsole console)
        {
            this.frames = frames; this.heap = heap; this.console = console;
            ulong total = TotalFrames();
            TargetFrames = total;
            RequestedKiB = total * 4;
            State = BalloonState.Idle;
        }

        /// <summary>Frames the toolstack counts for this domain: current_reservation, or our
        /// own count when Xen does not answer.</summary>
        public ulong TotalFrames()
        {
            long r = frames.CurrentReservation();
            return r >= 0 ? (ulong)r : frames.OwnedFrames;
        }

        /// <summary>Work left for Step: moving toward the target, or a collection it waits for
        /// (Idle and Short wait for the next target). An idle loop that sleeps on events only
        /// must not sleep while this is true: nothing will wake it.</summary>
        public bool HasWork
        {
            get
            {
                return State == BalloonState.Grow || State == BalloonState.Release
                    || State == BalloonState.NeedCollect || State == BalloonState.ReleaseAfterGc;
            }
        }

        /// <summary>A new memory/target (KiB). Any value is accepted and clamped to
        /// [MinFrames, MaxFrames]; the state machine starts over for it.</summary>
        public void SetTargetKiB(ulong kib)
        {
            RequestedKiB = kib;
            ulong t = kib / 4;
            ulong max = frames.MaxFrames;
            if (t > max) t = max;
            if (t < MinFrames) t = MinFrames < max ? MinFrames : max;
            TargetFrames = t;
            TargetsTaken++;
            ulong total = TotalFrames();
            State = total < t ? BalloonState.Grow : total > t ? BalloonState.Release : BalloonState.Idle;
        }

        /// <summary>One bounded piece of work. mayCollect: a full collection is safe here (a VM
        /// safe point, the idle prompt). Returns true when frames or the limit changed.</summary>
        public bool Step(bool mayCollect)
        {
            switch (State)
            {
                case BalloonState.Grow: return StepGrow();
                case BalloonState.Release:
                case BalloonState.ReleaseAfterGc: return StepRelease();
                case BalloonState.NeedCollect:
                    if (!mayCollect) return false;
                    heap.CollectAndTrim();
                    Collections++;
                    State = BalloonState.ReleaseAfterGc;
                    return StepRelease();
                default: return false;
            }
        }

        bool StepGrow()
        {
            ulong total = TotalFrames();
            if (total >= TargetFrames) { State = BalloonState.Idle; UpdateLimit(); return true; }
            ulong want = TargetFrames - total;
            if (want > StepFrames) want = StepFrames;
            ulong got = frames.PopulateFrames(want);
            if (got > want) got = want;       // a frame source must not give more; do not trust it
            UpdateLimit();
            if (got < want)
            {
                // Xen refused part (max_pages, host short of memory): stay where we got to.
                State = BalloonState.Short;
                ReportPopulateShort(want, got);
                return got > 0;
            }
            if (total + got >= TargetFrames) State = BalloonState.Idle;
            return true;
        }

        bool StepRelease()
        {
            ulong total = TotalFrames();
            if (total <= TargetFrames) { State = BalloonState.Idle; UpdateLimit(); return true; }
            ulong excess = total - TargetFrames;
            ulong free = frames.FreeFrames;
            ulong spare = free > MinFreeFrames ? free - MinFreeFrames : 0;
            ulong n = excess < spare ? excess : spare;
            if (n > StepFrames) n = StepFrames;
            if (n > 0)
            {
                ulong got = frames.ReleaseFreeFrames(n);
                UpdateLimit();
                if (got > 0) return true;
                // Xen took nothing: trying again at every safe point would only spin.
                State = BalloonState.Short;
                Report("Balloon: Xen took none of the ", n, " frames offered; staying at ", total * 4, " KiB");
                return false;
            }
            if (State == BalloonState.Release && n == 0)
            {
                State = BalloonState.NeedCollect;
                return false;
            }
            // Collected already (or Xen refuses): keep what is needed, say so once.
            State = BalloonState.Short;
            UpdateLimit();
            ReportShrinkShort(total);
            return false;
        }

        /// <summary>The heap may grow into the free frames, less what growing costs outside its
        /// limit and the frames kept for the exhaustion
        /// reserve (KeepFreeFrames). Reaching the limit is then a storage-condition, never a
        /// failed frame commit.</summary>
        /// <summary>What `bytes` of heap growth cost outside the heap's limit, rounded up to
        /// 3/64: the collector's side tables take 21/512 of the heap (mark bits and forwarding
        /// blocks 1/64 each, crossing map 1/128, cards 1/512), page tables 1/512, our P2M
        /// 1/512 (23/512 in all). Was 1/8 (64/512): a 1,536 MiB guest then held only 85%.</summary>
        public static ulong GrowthOverhead(ulong bytes) { return bytes / 64 * 3; }

        public void UpdateLimit()
        {
            ulong free = frames.FreeFrames * 4096;
            ulong margin = GrowthOverhead(free) + (KeepFreeFrames + WorkRoomFrames) * 4096;
            ulong usable = free > margin ? free - margin : 0;
            ulong limit = heap.LimitedBytes + usable;
            if (LimitCap != 0 && limit > LimitCap) limit = LimitCap;
            heap.SetLimit(limit);
        }

        // "Balloon: target 16,384 KiB is below what this domain needs: keeping 24,576 KiB
        // (live data 18,874,368 bytes); allocation past that is a storage-condition"
        void ReportShrinkShort(ulong total)
        {
            Report("Balloon: target ", TargetFrames * 4, " KiB is below what this domain needs: keeping ",
                total * 4, " KiB (live data ", heap.LiveBytes, " bytes); allocation past that is a storage-condition");
        }

        // "Balloon: Xen gave 1,024 of the 4,096 frames asked for; staying at 20,480 KiB"
        void ReportPopulateShort(ulong want, ulong got)
        {
            Report("Balloon: Xen gave ", got, " of the ", want, " frames asked for; staying at ", TotalFrames() * 4, " KiB");
        }

        // One console line: t1 v1 t2 v2 t3 [v3 t4] (v3 and t4 left out when t4 is null).
        void Report(string t1, ulong v1, string t2, ulong v2, string t3, ulong v3 = 0, string t4 = null)
        {
            ShortReports++;
            if (console == null) return;
            byte* b = stackalloc byte[LineMax];
            int n = Put(b, 0, t1);
            n = PutNum(b, n, v1);
            n = Put(b, n, t2);
            n = PutNum(b, n, v2);
            n = Put(b, n, t3);
            if (t4 != null) { n = PutNum(b, n, v3); n = Put(b, n, t4); }
            console.WriteLine(b, n);
        }

        const int LineMax = 256;

        static int Put(byte* b, int n, string s)
        {
            for (int i = 0; i < s.Length && n < LineMax; i++) b[n++] = (byte)s[i];
            return n;
        }

        /// <summary>Decimal with thousands separators (Lisp's ~:D), as (room) prints.</summary>
        public static int PutNum(byte* b, int n, ulong v)
        {
            byte* d = stackalloc byte[32];
            int k = 0, digits = 0;
            do
            {
                if (digits > 0 && digits % 3 == 0) d[k++] = (byte)',';
                d[k++] = (byte)('0' + v % 10);
                v /= 10;
                digits++;
            } while (v != 0);
            while (k > 0 && n < LineMax) b[n++] = d[--k];
            return n;
        }
    }
}
