// Why: netfront's data path on the generic SlotRing (io/netif.h). rx: one whole page per
// buffer, id = buffer index, posted with its (permanent, writable) grant; every response is
// hostile: a bad id, status <= 0, offset + length past the page, or flags we never offered
// (more_data, extra_info) drop the frame and count it. tx: a frame is copied into a 2 KiB
// half page (never crossing the page), id = slot index; completions free slots (bad ids
// counted). Notify the backend only when Publish says so; FinalCheckForResponses before idling.
using XenPv.Shim.Io;

namespace XenPv.Netfront
{
    public sealed unsafe partial class Netfront
    {
        public const int TxRingPage = 0, RxRingPage = 1, FirstRxPage = 2, FirstTxPage = FirstRxPage + RxBuffers;

        private SlotRing<NetifTxRequest, NetifTxResponse> tx;
        private SlotRing<NetifRxRequest, NetifRxResponse> rx;
        private bool ringsLive;                                 // rings set up on granted pages
        private readonly bool[] rxPosted = new bool[RxBuffers]; // id handed to the backend
        private int rxPostedCount;
        private readonly bool[] txInFlight = new bool[TxSlots];
        private readonly int[] txFree = new int[TxSlots];
        private int txFreeCount;

        public bool RingsBroken { get { return tx.Broken || rx.Broken; } }
        public int RxPosted { get { return rxPostedCount; } }
        public int TxInFlight { get { return TxSlots - txFreeCount; } }

        private void InitRings()
        {
            for (int i = TxSlots - 1; i >= 0; i--) txFree[txFreeCount++] = i;
        }

        private byte* Page(int i) { return pages + (long)i * 4096; }

        // Fresh rings on the (already granted) ring pages.
        private void StartRings()
        {
            tx = new SlotRing<NetifTxRequest, NetifTxResponse>(Page(TxRingPage), true);
            rx = new SlotRing<NetifRxRequest, NetifRxResponse>(Page(RxRingPage), true);
            ringsLive = true;
        }

        /// <summary>The tx request for slot id carrying length bytes: the slot's half page, so
        /// offset + size never passes 4096 and two slots never overlap. False for a bad id or
        /// length (14..MaxFrame).</summary>
        public static bool BuildTxRequest(int id, int length, uint gref, out NetifTxRequest q)
        {
            q = default(NetifTxRequest);
            if (id < 0 || id >= TxSlots || length < MinFrame || length > MaxFrame || length > TxSlotBytes) return false;
            q.gref = gref;
            q.offset = (ushort)((id % (4096 / TxSlotBytes)) * TxSlotBytes);
            q.flags = 0;                 // checksums are complete (feature-no-csum-offload), one slot per frame
            q.id = (ushort)id;
            q.size = (ushort)length;
            return true;
        }

        private static int TxPageOf(int id) { return FirstTxPage + id / (4096 / TxSlotBytes); }

        private void Ring()
        {
            if (port == null) return;
            port.Notify();
            Stats.Notifies++;
        }

        // Posts every rx buffer the backend does not hold. Ids lost to bad responses come back
        // once the ring has drained (no request outstanding: none can still be answered).
        private void RefillRx()
        {
            if (!ringsLive || rx.Broken || (rxPostedCount == RxBuffers && rx.Outstanding > 0)) return;
            if (rx.Outstanding == 0 && rxPostedCount > 0)
            {
                for (int i = 0; i < RxBuffers; i++) rxPosted[i] = false;
                Stats.RxReclaimed += rxPostedCount;
                rxPostedCount = 0;
            }
            bool pushed = false;
            for (int id = 0; id < RxBuffers && !rx.Full; id++)
            {
                if (rxPosted[id]) continue;
                NetifRxRequest r = default(NetifRxRequest);
                r.id = (ushort)id;
                r.gref = (uint)refs[FirstRxPage + id];
                if (!rx.Push(r)) break;
                rxPosted[id] = true;
                rxPostedCount++;
                pushed = true;
            }
            if (pushed && rx.Publish() && linkUp) Ring();
        }

        // One received frame into buf, or 0 (then the backend is asked to notify the next one).
        private int TakeFrame(byte* buf, int max)
        {
            if (!Connected) return 0;
            uint guard = rx.Size + 1;                    // each turn consumes a slot: bounded
            while (guard-- > 0)
            {
                NetifRxResponse r;
                if (!rx.TryTake(out r))
                {
                    if (rx.Broken) { Stats.RingBroken++; linkUp = false; return 0; }
                    RefillRx();
                    if (rx.FinalCheckForResponses()) continue;
                    return 0;
                }
                int id = r.id, status = r.status, offset = r.offset;
                if (id >= RxBuffers || !rxPosted[id]) { Stats.RxBadId++; continue; }
                rxPosted[id] = false;
                rxPostedCount--;
                if (status <= 0) { Stats.RxError++; continue; }
                if ((r.flags & (NetifRxResponse.FlagMoreData | NetifRxResponse.FlagExtraInfo)) != 0) { Stats.RxBadFlags++; continue; }
                if (offset + status > 4096) { Stats.RxBadOffset++; continue; }
                if (status > MaxFrame || status > max) { Stats.RxTooLong++; continue; }
                byte* src = Page(FirstRxPage + id) + offset;
                for (int i = 0; i < status; i++) buf[i] = src[i];
                Stats.RxFrames++;
                Stats.RxBytes += status;
                RefillRx();
                return status;
            }
            return 0;
        }

        private bool SendFrame(byte* frame, int length)
        {
            if (!Connected) { Stats.TxDown++; return false; }
            if (length < MinFrame || length > MaxFrame) { Stats.TxBadLength++; return false; }
            TakeTxCompletions();
            if (txFreeCount == 0 || tx.Full)
            {
                Stats.TxBusy++;
                tx.FinalCheckForResponses();             // an event when slots come back
                return false;
            }
            int id = txFree[txFreeCount - 1];
            NetifTxRequest q;
            if (!BuildTxRequest(id, length, (uint)refs[TxPageOf(id)], out q)) { Stats.TxBadLength++; return false; }
            txFreeCount--;
            txInFlight[id] = true;
            byte* dst = Page(TxPageOf(id)) + q.offset;
            for (int i = 0; i < length; i++) dst[i] = frame[i];
            tx.Push(q);
            Stats.TxFrames++;
            Stats.TxBytes += length;
            if (tx.Publish()) Ring();                    // Publish orders the copy before req_prod
            return true;
        }

        // Frees the slots of completed frames. Bounded by the ring (each turn consumes a slot).
        private void TakeTxCompletions()
        {
            if (!ringsLive) return;
            uint guard = tx.Size + 1;
            while (guard-- > 0)
            {
                NetifTxResponse r;
                if (!tx.TryTake(out r))
                {
                    if (tx.Broken) { Stats.RingBroken++; linkUp = false; return; }
                    break;
                }
                int id = r.id;
                if (id >= TxSlots || !txInFlight[id]) { Stats.TxBadId++; continue; }
                txInFlight[id] = false;
                txFree[txFreeCount++] = id;
                if (r.status != NetifTxResponse.RspOkay) Stats.TxError++;
            }
            // Slots lost to bad completions come back once nothing is outstanding.
            if (tx.Outstanding == 0 && txFreeCount < TxSlots)
            {
                Stats.TxReclaimed += TxSlots - txFreeCount;
                txFreeCount = 0;
                for (int i = TxSlots - 1; i >= 0; i--) { txInFlight[i] = false; txFree[txFreeCount++] = i; }
            }
        }
    }
}
