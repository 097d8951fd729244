// Why: the generic request/response ring of io/ring.h (netif tx/rx, blkif), front-end side.
// One page: req_prod, req_event, rsp_prod, rsp_event, then entries (a union of request
// and response) from byte 64, as many as the largest power of two that fits. The backend
// writes rsp_prod and the responses: read them once, check them against what we have
// outstanding, and treat impossible values as a broken ring (reported, never trusted).
using System.Threading;

namespace XenPv.Shim.Io
{
#pragma warning disable CS8500 // pointers to generic structs: TReq/TRsp are plain wire structs (no references)
    public unsafe struct SlotRing<TReq, TRsp> where TReq : struct where TRsp : struct
    {
        public const int HeaderSize = 64;
        public const int ReqProd = 0, ReqEvent = 4, RspProd = 8, RspEvent = 12;

        private byte* page;
        private uint size;            // entries, power of two
        private uint entrySize;
        private uint reqProdPvt;      // requests written, not necessarily published
        private uint rspCons;         // responses consumed
        public bool Broken;           // the backend published an impossible rsp_prod

        // Entries that fit in one page for this request/response pair (netif tx/rx: 256).
        public static uint EntriesPerPage()
        {
            uint e = (uint)(sizeof(TReq) > sizeof(TRsp) ? sizeof(TReq) : sizeof(TRsp));
            uint n = 1;
            while (HeaderSize + n * 2 * e <= 4096) n *= 2;
            return n;
        }

        // FRONT_RING_INIT on a page we share (SHARED_RING_INIT when fresh).
        public SlotRing(byte* sharedPage, bool initialise)
        {
            page = sharedPage;
            size = EntriesPerPage();
            entrySize = (uint)(sizeof(TReq) > sizeof(TRsp) ? sizeof(TReq) : sizeof(TRsp));
            reqProdPvt = 0;
            rspCons = 0;
            Broken = false;
            if (initialise)
            {
                for (int i = 0; i < 4096; i++) page[i] = 0;
                *U(ReqEvent) = 1;
                *U(RspEvent) = 1;
            }
        }

        public uint Size { get { return size; } }
        private uint* U(int offset) { return (uint*)(page + offset); }
        private byte* Entry(uint index) { return page + HeaderSize + (index & (size - 1)) * entrySize; }

        public uint Outstanding { get { return reqProdPvt - rspCons; } }
        public bool Full { get { return Outstanding >= size; } }

        // Writes a request into the next slot (not visible to the backend until Publish).
        public bool Push(TReq request)
        {
            if (Full || Broken) return false;
            *(TReq*)Entry(reqProdPvt) = request;
            reqProdPvt++;
            return true;
        }

        // RING_PUSH_REQUESTS_AND_CHECK_NOTIFY: publishes req_prod; true if the backend asked
        // to be notified for a request in the newly published range.
        public bool Publish()
        {
            uint old = *U(ReqProd);
            uint now = reqProdPvt;
            Interlocked.MemoryBarrier(); // write the requests before publishing req_prod
            *U(ReqProd) = now;
            Interlocked.MemoryBarrier(); // publish req_prod before reading req_event
            uint ev = *U(ReqEvent);
            return (uint)(now - ev) < (uint)(now - old);
        }

        // A response waits (rsp_prod moved past what we took): a memory read, no barrier
        // needed since TryTake reads rsp_prod again before using a response.
        public bool HasResponses { get { return !Broken && *U(RspProd) != rspCons; } }

        // Takes the next response if there is one.
        public bool TryTake(out TRsp response)
        {
            response = default(TRsp);
            if (Broken) return false;
            uint prod = *U(RspProd);
            Interlocked.MemoryBarrier(); // read rsp_prod before the responses it covers
            if (prod == rspCons) return false;
            // More responses than requests outstanding is impossible: stop using this ring.
            if ((uint)(prod - rspCons) > reqProdPvt - rspCons) { Broken = true; return false; }
            response = *(TRsp*)Entry(rspCons);
            rspCons++;
            return true;
        }

        // RING_FINAL_CHECK_FOR_RESPONSES: asks for an event at the next response and checks
        // again, so a response that raced with the request is not slept through.
        public bool FinalCheckForResponses()
        {
            if (!Broken && *U(RspProd) != rspCons) return true;
            *U(RspEvent) = rspCons + 1;
            Interlocked.MemoryBarrier(); // publish rsp_event before re-reading rsp_prod
            return !Broken && *U(RspProd) != rspCons;
        }
    }
}
