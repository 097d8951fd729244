// Why: the xunit tests run this code on .NET; the image runs it compiled by ILC against our
// corelib, where explicit struct layouts, generics over structs and fixed buffers could
// behave differently. This allocation-free check (structs and statics only, callable after
// Boot.Seal) lets the kernel's #selftest prove the XenPv pieces work inside the image.
using XenPv.Shim.Io;

namespace XenPv.Shim
{
    public static unsafe class XenPvSelfTest
    {
        // page: 4096 bytes of scratch memory. Returns 0, or the number of the first failed check.
        public static int Run(byte* page)
        {
            if (sizeof(StartInfo) != 1168 || sizeof(VcpuInfo) != 64 || sizeof(SharedInfo) != 3136) return 1;
            if (sizeof(TrapInfo) != 16 || sizeof(SchedPoll) != 24 || sizeof(MmuUpdate) != 16) return 2;
            if (sizeof(NetifTxRequest) != 12 || sizeof(GrantEntryV1) != 8 || sizeof(XenMemoryReservation) != 32) return 3;
            StartInfo* si = (StartInfo*)page;
            Clear(page);
            si->nr_pages = 7;
            if (*(ulong*)(page + 32) != 7) return 4;
            si->console_domU_evtchn = 9;
            if (*(uint*)(page + 80) != 9) return 5;

            // ByteRing: a round trip across the u32 wrap.
            Clear(page);
            RingLayout l = RingLayout.Console;
            *(uint*)(page + l.OutProdOffset) = 0xFFFFFFF0; *(uint*)(page + l.OutConsOffset) = 0xFFFFFFF0;
            *(uint*)(page + l.InProdOffset) = 0xFFFFFFF0; *(uint*)(page + l.InConsOffset) = 0xFFFFFFF0;
            ByteRing ring = new ByteRing(page, l);
            byte* data = stackalloc byte[40];
            for (int i = 0; i < 40; i++) data[i] = (byte)(i * 7);
            if (ring.Write(data, 40) != 40) return 6;
            if (*(uint*)(page + l.OutProdOffset) != 0x18) return 7;
            // Play the backend: copy out -> in.
            for (uint i = 0; i < 40; i++) page[l.InOffset + ((0xFFFFFFF0 + i) & 1023)] = page[l.OutOffset + ((0xFFFFFFF0 + i) & 2047)];
            *(uint*)(page + l.InProdOffset) = unchecked(0xFFFFFFF0 + 40);
            byte* back = stackalloc byte[64];
            if (ring.Read(back, 64) != 40) return 8;
            for (int i = 0; i < 40; i++) if (back[i] != data[i]) return 9;

            // Hostile producer index: dropped, resynchronised, no crash.
            *(uint*)(page + l.InProdOffset) = 0x12345678;
            if (ring.Read(back, 64) != 0 || ring.Resets != 1) return 10;
            if (*(uint*)(page + l.InConsOffset) != 0x12345678) return 11;

            // SlotRing over netif tx: geometry, publish + notify rule, a response comes back.
            if (SlotRing<NetifTxRequest, NetifTxResponse>.EntriesPerPage() != 256) return 12;
            SlotRing<NetifTxRequest, NetifTxResponse> tx = new SlotRing<NetifTxRequest, NetifTxResponse>(page, true);
            NetifTxRequest req = default(NetifTxRequest);
            req.id = 5; req.size = 60;
            if (!tx.Push(req) || !tx.Publish()) return 13;
            NetifTxResponse* slot = (NetifTxResponse*)(page + 64);
            if (((NetifTxRequest*)(page + 64))->size != 60) return 14;
            slot->id = 5; slot->status = 0;
            *(uint*)(page + 8) = 1;                 // rsp_prod
            NetifTxResponse rsp;
            if (!tx.TryTake(out rsp) || rsp.id != 5) return 15;

            // Time scaling.
            if (XenTime.ScaleDelta(2000, 0x80000000, 1) != 2000) return 16;
            return 0;
        }

        private static void Clear(byte* page) { for (int i = 0; i < 4096; i++) page[i] = 0; }
    }
}
