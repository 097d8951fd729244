// Why: frames for the Lisp heap on Xen. Address space above 1 GiB is handed out by Reserve
// (no mapping); Commit takes free frames the guest owns (pfn → mfn from the P2M) and maps
// them with batched mmu_update, adding L2/L1 page tables as needed; Decommit unmaps,
// flushes the TLB and keeps the frames for reuse. Page-table pages come from frames inside
// the boot mapping: zeroed through their VA, remapped read-only, then linked (Xen then
// types them as page tables). Vocabulary: VA virtual address, PFN guest frame number,
// MFN machine frame, MA machine address, P2M pfn→mfn table, M2P mfn→pfn table.
namespace LispVm.Kernel
{
    internal sealed unsafe class XenFrames
    {
        const ulong VirtBase = 0x400000;
        const ulong HeapBase = 0x40000000;          // 1 GiB: above anything the builder maps
        const ulong HeapTop = 0x8000000000;         // 512 GiB: stay within L4 slot 0
        const long HYPERVISOR_mmu_update = 1, HYPERVISOR_update_va_mapping = 14, HYPERVISOR_mmuext_op = 26;
        const long DOMID_SELF = 0x7FF0;
        const ulong PteTable = 0x67, PteData = 0x67, PteReadOnly = 0x25, UVMF_INVLPG = 2;
        const ulong MfnMask = 0x000ffffffffff000UL;
        const int Batch = 64;

        readonly ulong* _p2m;
        readonly ulong _nrPages;
        readonly ulong _l4Va;
        ulong _tableNext, _tableEnd;      // VAs of free, mapped frames for page tables
        ulong _dataNextPfn;               // first never-used pfn beyond the boot mapping
        readonly uint* _freePfns;         // decommitted frames, reused first
        ulong _freeCount;
        ulong _reserveNext = HeapBase;
        readonly ulong* _batch;
        int _batchCount;
        public ulong FramesMapped;

        public XenFrames(byte* startInfo, ulong bootEnd, ulong mapEnd)
        {
            _nrPages = *(ulong*)(startInfo + 32);
            _l4Va = *(ulong*)(startInfo + 88);
            _p2m = *(ulong**)(startInfo + 104);
            _tableNext = bootEnd;
            _tableEnd = mapEnd;
            _dataNextPfn = (mapEnd - VirtBase) / 4096;
            _freePfns = (uint*)Internal.Runtime.BootHeap.AllocZeroed((_nrPages + 1) * 4);
            _batch = (ulong*)Internal.Runtime.BootHeap.AllocZeroed(Batch * 16);
        }

        public ulong FreeFrames => _freeCount + (_nrPages > _dataNextPfn ? _nrPages - _dataNextPfn : 0);

        public byte* Reserve(ulong bytes)
        {
            bytes = (bytes + 0x1fffff) & ~0x1fffffUL;
            if (bytes == 0 || HeapTop - _reserveNext < bytes) return null;
            ulong va = _reserveNext;
            _reserveNext += bytes;
            return (byte*)va;
        }

        // VA of a page-table frame given its MFN: page tables we can read all live in the boot
        // mapping (VirtBase + pfn*4096), so find the pfn in the P2M.
        ulong* TableVa(ulong mfn)
        {
            ulong limit = (_tableEnd - VirtBase) / 4096;
            for (ulong pfn = 0; pfn < limit && pfn < _nrPages; pfn++)
                if (_p2m[pfn] == mfn) return (ulong*)(VirtBase + pfn * 4096);
            return null;
        }

        void Queue(ulong ma, ulong val)
        {
            _batch[_batchCount * 2] = ma;            // MMU_NORMAL_PT_UPDATE (0) in the low bits
            _batch[_batchCount * 2 + 1] = val;
            if (++_batchCount == Batch) FlushBatch();
        }

        bool FlushBatch()
        {
            if (_batchCount == 0) return true;
            uint* done = stackalloc uint[1];
            long rc = Hyper.Call(HYPERVISOR_mmu_update, (long)_batch, _batchCount, (long)done, DOMID_SELF, 0);
            _batchCount = 0;
            return rc == 0;
        }

        // Returns the VA (readable) of the next-level table under entry `index` of `table`,
        // creating and linking a zeroed table if the entry is empty. tableMfn is table's MFN.
        ulong* NextTable(ulong* table, ulong tableMfn, ulong index, out ulong nextMfn)
        {
            ulong e = table[index];
            if ((e & 1) != 0)
            {
                nextMfn = (e & MfnMask) >> 12;
                return TableVa(nextMfn);
            }
            nextMfn = 0;
            if (_tableNext >= _tableEnd) return null;
            ulong va = _tableNext;
            _tableNext += 4096;
            ulong pfn = (va - VirtBase) / 4096;
            ulong mfn = _p2m[pfn];
            for (int i = 0; i < 512; i++) ((ulong*)va)[i] = 0;
            // A page-table frame may only be mapped read-only before Xen accepts it.
            if (Hyper.Call(HYPERVISOR_update_va_mapping, (long)va, (long)((mfn << 12) | PteReadOnly), (long)UVMF_INVLPG, 0, 0) != 0)
                return null;
            FlushBatch();
            Queue((tableMfn << 12) + index * 8, (mfn << 12) | PteTable);
            if (!FlushBatch()) return null;
            nextMfn = mfn;
            return (ulong*)va;
        }

        // Pointer (readable) to the L1 entry for va and the entry's machine address.
        ulong* L1Entry(ulong va, bool create, out ulong entryMa)
        {
            entryMa = 0;
            ulong* l4 = (ulong*)_l4Va;
            ulong l4Mfn = _p2m[(_l4Va - VirtBase) / 4096];
            ulong m3, m2, m1;
            ulong* l3 = create ? NextTable(l4, l4Mfn, (va >> 39) & 511, out m3) : Existing(l4, (va >> 39) & 511, out m3);
            if (l3 == null) return null;
            ulong* l2 = create ? NextTable(l3, m3, (va >> 30) & 511, out m2) : Existing(l3, (va >> 30) & 511, out m2);
            if (l2 == null) return null;
            ulong* l1 = create ? NextTable(l2, m2, (va >> 21) & 511, out m1) : Existing(l2, (va >> 21) & 511, out m1);
            if (l1 == null) return null;
            ulong i1 = (va >> 12) & 511;
            entryMa = (m1 << 12) + i1 * 8;
            return l1 + i1;
        }

        ulong* Existing(ulong* table, ulong index, out ulong mfn)
        {
            ulong e = table[index];
            mfn = (e & MfnMask) >> 12;
            return (e & 1) != 0 ? TableVa(mfn) : null;
        }

        bool TakeFrame(out ulong pfn)
        {
            if (_freeCount > 0) { pfn = _freePfns[--_freeCount]; return true; }
            if (_dataNextPfn < _nrPages) { pfn = _dataNextPfn++; return true; }
            pfn = 0;
            return false;
        }

        public bool Commit(byte* p, ulong bytes)
        {
            ulong va = (ulong)p, end = va + bytes;
            if (va < HeapBase || end > _reserveNext || (va & 4095) != 0) return false;
            ulong start = va;
            for (; va < end; va += 4096)
            {
                ulong ma;
                ulong* pte = L1Entry(va, true, out ma);
                if (pte == null) { FlushBatch(); return false; }
                if ((*pte & 1) != 0) continue;
                ulong pfn;
                if (!TakeFrame(out pfn)) { FlushBatch(); return false; }
                Queue(ma, (_p2m[pfn] << 12) | PteData);
                FramesMapped++;
            }
            if (!FlushBatch()) return false;
            for (ulong z = start; z < end; z += 8) *(ulong*)z = 0;
            return true;
        }

        public bool Decommit(byte* p, ulong bytes)
        {
            ulong va = (ulong)p, end = va + bytes;
            if (va < HeapBase || end > _reserveNext) return false;
            for (; va < end; va += 4096)
            {
                ulong ma;
                ulong* pte = L1Entry(va, false, out ma);
                if (pte == null || (*pte & 1) == 0) continue;
                ulong mfn = (*pte & MfnMask) >> 12;
                Queue(ma, 0);
                ulong pfn = PfnOf(mfn);
                if (pfn < _nrPages) _freePfns[_freeCount++] = (uint)pfn;
                FramesMapped--;
            }
            if (!FlushBatch()) return false;
            // Unmapped entries may still be cached: flush before anyone reuses the frames.
            ulong* op = stackalloc ulong[3];
            op[0] = 6;   // MMUEXT_TLB_FLUSH_LOCAL
            op[1] = 0; op[2] = 0;
            uint* done = stackalloc uint[1];
            Hyper.Call(HYPERVISOR_mmuext_op, (long)op, 1, (long)done, DOMID_SELF, 0);
            return true;
        }

        // M2P (read-only, mapped by Xen for PV guests at this fixed VA), checked against our P2M;
        // a linear search over the frames we hand out if they disagree.
        const ulong M2PVa = 0xFFFF800000000000UL;
        ulong PfnOf(ulong mfn)
        {
            ulong guess = ((ulong*)M2PVa)[mfn];
            if (guess < _nrPages && _p2m[guess] == mfn) return guess;
            for (ulong pfn = (_tableEnd - VirtBase) / 4096; pfn < _dataNextPfn; pfn++)
                if (_p2m[pfn] == mfn) return pfn;
            return ulong.MaxValue;
        }
    }
}
