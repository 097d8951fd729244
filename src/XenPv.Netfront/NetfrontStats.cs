// Why: what netfront saw of the backend, every drop by its reason, so a hostile or broken
// netback is visible in (net-stats) instead of silent. Plain counters; Names and Get keep the
// same order so the kernel can list them without knowing the fields.
namespace XenPv.Netfront
{
    public struct NetfrontStats
    {
        public long RxFrames, RxBytes, TxFrames, TxBytes;
        public long RxBadId;        // response id out of range or not outstanding
        public long RxError;        // status <= 0 (NETIF_RSP_* or an empty frame)
        public long RxBadOffset;    // offset + length past the page
        public long RxBadFlags;     // NETRXF_more_data / NETRXF_extra_info (we offered neither)
        public long RxTooLong;      // longer than MaxFrame or the caller's buffer
        public long RxReclaimed;    // ids lost to bad responses, posted again once the ring drained
        public long TxBadId;        // completion id out of range or not in flight
        public long TxReclaimed;    // slots lost to bad completions, freed once the ring drained
        public long TxError;        // completion status != NETIF_RSP_OKAY
        public long TxBusy;         // no free tx slot or ring slot
        public long TxBadLength;    // frame shorter than 14 or longer than MaxFrame
        public long TxDown;         // Transmit while not connected
        public long RingBroken;     // the backend published an impossible rsp_prod
        public long Events;         // our event channel fired
        public long Notifies;       // we rang the backend

        public const int Count = 19;
        public static readonly string[] Names =
        {
            "rx-frames", "rx-bytes", "tx-frames", "tx-bytes", "rx-bad-id", "rx-error",
            "rx-bad-offset", "rx-bad-flags", "rx-too-long", "rx-reclaimed", "tx-bad-id",
            "tx-error", "tx-busy", "tx-bad-length", "tx-down", "ring-broken", "events", "notifies",
            "tx-reclaimed",
        };

        public long Get(int i)
        {
            switch (i)
            {
                case 0: return RxFrames;
                case 1: return RxBytes;
                case 2: return TxFrames;
                case 3: return TxBytes;
                case 4: return RxBadId;
                case 5: return RxError;
                case 6: return RxBadOffset;
                case 7: return RxBadFlags;
                case 8: return RxTooLong;
                case 9: return RxReclaimed;
                case 10: return TxBadId;
                case 11: return TxError;
                case 12: return TxBusy;
                case 13: return TxBadLength;
                case 14: return TxDown;
                case 15: return RingBroken;
                case 16: return Events;
                case 17: return Notifies;
                case 18: return TxReclaimed;
                default: return 0;
            }
        }

        /// <summary>Frames the backend handed us that we dropped, all reasons together.</summary>
        public long RxDropped { get { return RxBadId + RxError + RxBadOffset + RxBadFlags + RxTooLong; } }
    }
}
