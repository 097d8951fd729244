// Why: grant tables v1 (grant_table.h): how the guest lets a backend domain (netback)
// read or write one of its frames. Entry = {flags, domid, frame}; the backend sets
// GTF_reading/GTF_writing while it uses the frame, so ending access must check them and
// clear flags atomically. Refs below 8 are reserved for the toolstack (console, xenstore).
// A ref the backend still uses waits on a deferred list (as long as the pool: every ref at
// most once) and is retried later (RetryDeferred) until the backend lets go.
// Lab check (Xen 4.17): SetupTable(1) + XenFrames.MapMachineFrames show ref 0 = 0x19 (console,
// permit|reading|writing: xenconsoled has it mapped) and ref 1 = 0x1 (xenstore).
using System.Runtime.InteropServices;
using System.Threading;

namespace XenPv.Shim
{
    [StructLayout(LayoutKind.Explicit, Size = 8)]
    public struct GrantEntryV1
    {
        public const ushort PermitAccess = 1, ReadOnly = 4, Reading = 8, Writing = 16;
        [FieldOffset(0)] public ushort flags;
        [FieldOffset(2)] public ushort domid;
        [FieldOffset(4)] public uint frame;
    }

    // struct gnttab_setup_table: Xen returns the MFNs of the table frames in frame_list.
    [StructLayout(LayoutKind.Explicit, Size = 24)]
    public struct GnttabSetupTable
    {
        public const uint Cmd = 2;     // GNTTABOP_setup_table
        [FieldOffset(0)] public ushort dom;
        [FieldOffset(4)] public uint nr_frames;
        [FieldOffset(8)] public short status;
        [FieldOffset(16)] public ulong frame_list;
    }

    public unsafe sealed class GrantTable
    {
        public const int ReservedEntries = 8;   // GNTTAB_NR_RESERVED_ENTRIES
        private readonly GrantEntryV1* entries;
        private readonly int count;
        private readonly int[] freeList;        // boot-allocated stack of free refs
        private int freeCount;
        private readonly int[] deferred;        // refs whose EndAccess found the backend busy
        private int deferredCount;
        public int DeferredRetries;             // EndAccess attempts on deferred refs that failed again

        // entries: the mapped table frames (count = frames * 512).
        public GrantTable(GrantEntryV1* entries, int count)
        {
            this.entries = entries;
            this.count = count;
            freeList = new int[count > ReservedEntries ? count - ReservedEntries : 0];
            for (int r = count - 1; r >= ReservedEntries; r--) freeList[freeCount++] = r;
            deferred = new int[freeList.Length];
        }

        /// <summary>Where the table is mapped and how many frames it has (for a suspend).</summary>
        public byte* TableVa { get { return (byte*)entries; } }
        public int Frames { get { return count / 512; } }

        /// <summary>After a resume in a new domain the table is a new one, empty but for the
        /// toolstack's reserved refs (console, xenstore): every ref of ours is free again and
        /// nothing is deferred (the backend that held them is gone).</summary>
        public void ResetAfterResume()
        {
            freeCount = 0;
            for (int r = count - 1; r >= ReservedEntries; r--) freeList[freeCount++] = r;
            deferredCount = 0;
        }

        public int Free { get { return freeCount; } }
        public int Deferred { get { return deferredCount; } }
        public int Count { get { return count; } }

        // Boot: GNTTABOP_setup_table for nrFrames (<= MaxSetupFrames) and maps the table at va
        // (page aligned, inside a XenFrames reservation, nothing mapped there yet). Null on
        // failure, with the reason in err.
        public const int MaxSetupFrames = 4;
        public static GrantTable Map(XenFrames frames, byte* va, uint nrFrames, out XenError err)
        {
            err = XenError.EINVAL;
            if (frames == null || va == null || nrFrames == 0 || nrFrames > MaxSetupFrames) return null;
            ulong* mfns = stackalloc ulong[MaxSetupFrames];
            err = SetupTable(nrFrames, mfns);
            if (err != XenError.Ok) return null;
            if (!frames.MapMachineFrames(va, mfns, (int)nrFrames, true))
            {
                err = frames.LastError != XenError.Ok ? frames.LastError : XenError.EINVAL;
                return null;
            }
            return new GrantTable((GrantEntryV1*)va, (int)nrFrames * 512);
        }

        // GNTTABOP_setup_table for our domain: Xen fills mfns[0..nrFrames) with the table's
        // machine frames (map them, e.g. with XenFrames.MapMachineFrames, then construct).
        public static XenError SetupTable(uint nrFrames, ulong* mfns)
        {
            GnttabSetupTable* op = stackalloc GnttabSetupTable[1];
            op->dom = Hypercalls.DomidSelf;
            op->nr_frames = nrFrames;
            op->status = 0;
            op->frame_list = (ulong)mfns;
            XenError e = Hypercalls.GrantTableOp(GnttabSetupTable.Cmd, op, 1);
            if (e != XenError.Ok) return e;
            return op->status == 0 ? XenError.Ok : (XenError)op->status;
        }

        // Grants domid access to frame (MFN for PV); returns the grant ref, or -1 if none left.
        public int Grant(ushort domid, ulong frame, bool readOnly)
        {
            if (freeCount == 0 || frame > 0xFFFFFFFF) return -1;
            int r = freeList[--freeCount];
            GrantEntryV1* e = entries + r;
            e->frame = (uint)frame;
            e->domid = domid;
            Interlocked.MemoryBarrier(); // write frame and domid before the flags make the grant valid
            e->flags = (ushort)(GrantEntryV1.PermitAccess | (readOnly ? GrantEntryV1.ReadOnly : 0));
            return r;
        }

        // Revokes a grant; false (and the ref stays granted) while the backend still uses the frame.
        public bool EndAccess(int r) { return TryEnd(r) == GrantEnd.Ended; }

        private enum GrantEnd { Ended, Busy, NotGranted }

        // One CAS of the flags to 0, which succeeds only while GTF_reading|GTF_writing are clear
        // (the backend sets them in the same word while it copies or maps).
        private GrantEnd TryEnd(int r)
        {
            if (r < ReservedEntries || r >= count) return GrantEnd.NotGranted;
            ulong* word = (ulong*)(entries + r);
            for (;;)
            {
                ulong old = Volatile.Read(ref *word);
                ushort flags = (ushort)old;
                if ((flags & GrantEntryV1.PermitAccess) == 0) return GrantEnd.NotGranted;
                if ((flags & (GrantEntryV1.Reading | GrantEntryV1.Writing)) != 0) return GrantEnd.Busy;
                ulong cleared = old & ~0xFFFFUL;
                if (Interlocked.CompareExchange(ref *word, cleared, old) == old) break;
            }
            freeList[freeCount++] = r;
            return GrantEnd.Ended;
        }

        // Ends access now, or parks the ref on the deferred list when the backend still uses
        // the frame (its buffer must stay untouched until RetryDeferred ends it). True = ended.
        public bool EndAccessOrDefer(int r)
        {
            GrantEnd e = TryEnd(r);
            if (e != GrantEnd.Busy) return e == GrantEnd.Ended;
            for (int i = 0; i < deferredCount; i++) if (deferred[i] == r) return false;
            if (deferredCount < deferred.Length) deferred[deferredCount++] = r;
            return false;
        }

        public bool IsDeferred(int r)
        {
            for (int i = 0; i < deferredCount; i++) if (deferred[i] == r) return true;
            return false;
        }

        // Retries every deferred ref once (bounded by the list); returns how many are left.
        public int RetryDeferred()
        {
            int i = 0;
            while (i < deferredCount)
            {
                GrantEnd e = TryEnd(deferred[i]);
                if (e == GrantEnd.Busy) { DeferredRetries++; i++; continue; }
                deferred[i] = deferred[--deferredCount];      // ended (or revoked elsewhere)
            }
            return deferredCount;
        }
    }
}
