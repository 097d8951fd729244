// Why: one byte ring for every Xen page that carries a pair of byte streams (console
// in/out, xenstore req/rsp), parameterised by where the arrays and the free-running u32
// indices live. The page is shared with another domain and therefore hostile: indices
// are read once, checked (prod - cons <= size) and on nonsense we resynchronise and
// drop data; nothing here can index outside the arrays.
using System.Threading;

namespace XenPv.Shim.Io
{
    public struct RingLayout
    {
        public int InOffset, InSize, OutOffset, OutSize;
        public int InConsOffset, InProdOffset, OutConsOffset, OutProdOffset;

        public RingLayout(int inOffset, int inSize, int outOffset, int outSize,
            int inCons, int inProd, int outCons, int outProd)
        {
            InOffset = inOffset; InSize = inSize; OutOffset = outOffset; OutSize = outSize;
            InConsOffset = inCons; InProdOffset = inProd; OutConsOffset = outCons; OutProdOffset = outProd;
        }

        // struct xencons_interface (io/console.h): in[1024], out[2048], in_cons, in_prod, out_cons, out_prod.
        public static RingLayout Console { get { return new RingLayout(0, 1024, 1024, 2048, 3072, 3076, 3080, 3084); } }

        // struct xenstore_domain_interface (io/xs_wire.h): the guest writes req, reads rsp.
        public static RingLayout Xenstore { get { return new RingLayout(1024, 1024, 0, 1024, 2056, 2060, 2048, 2052); } }

        public bool IsValid
        {
            get
            {
                return InSize > 0 && (InSize & (InSize - 1)) == 0 && OutSize > 0 && (OutSize & (OutSize - 1)) == 0
                    && InOffset >= 0 && InOffset + InSize <= 4096 && OutOffset >= 0 && OutOffset + OutSize <= 4096
                    && InConsOffset >= 0 && InConsOffset <= 4092 && InProdOffset >= 0 && InProdOffset <= 4092
                    && OutConsOffset >= 0 && OutConsOffset <= 4092 && OutProdOffset >= 0 && OutProdOffset <= 4092;
            }
        }
    }

    public unsafe struct ByteRing
    {
        private byte* page;
        private RingLayout l;

        // Times we found the other side's index impossible and resynchronised.
        public int Resets;

        public ByteRing(byte* page, RingLayout layout)
        {
            this.page = page;
            l = layout;
            Resets = 0;
            if (!layout.IsValid) this.page = null;
        }

        public bool IsOpen { get { return page != null; } }

        private uint* U(int offset) { return (uint*)(page + offset); }

        // Copies up to n bytes into the out array; returns how many fit (0 when full).
        public int Write(byte* src, int n)
        {
            if (page == null || n <= 0) return 0;
            uint cons = *U(l.OutConsOffset);
            uint prod = *U(l.OutProdOffset);
            Interlocked.MemoryBarrier(); // read out_cons before deciding which slots are free
            uint used = prod - cons;
            if (used > (uint)l.OutSize)
            {
                // The consumer index is nonsense: forget what we had queued and restart empty.
                Resets++;
                *U(l.OutProdOffset) = cons;
                prod = cons;
                used = 0;
            }
            int free = l.OutSize - (int)used;
            int k = n < free ? n : free;
            uint mask = (uint)l.OutSize - 1;
            byte* outArr = page + l.OutOffset;
            for (int i = 0; i < k; i++)
                outArr[(prod + (uint)i) & mask] = src[i];
            Interlocked.MemoryBarrier(); // write the bytes before publishing out_prod
            *U(l.OutProdOffset) = prod + (uint)k;
            return k;
        }

        // Copies up to max bytes from the in array and releases them; returns how many (0 when empty).
        public int Read(byte* dst, int max) { return CopyIn(dst, max, true); }

        // Copies up to max bytes from the in array without consuming them.
        public int Peek(byte* dst, int max) { return CopyIn(dst, max, false); }

        // Read and Peek: in_prod read once and checked, the bytes copied, in_cons moved on consume.
        private int CopyIn(byte* dst, int max, bool consume)
        {
            if (page == null || max <= 0) return 0;
            uint prod = *U(l.InProdOffset);
            Interlocked.MemoryBarrier(); // read in_prod before reading the bytes it covers
            uint cons = *U(l.InConsOffset);
            uint avail = prod - cons;
            if (avail > (uint)l.InSize)
            {
                if (!consume) return 0;
                // The producer index is nonsense: drop everything and resynchronise.
                Resets++;
                *U(l.InConsOffset) = prod;
                return 0;
            }
            int k = (int)avail < max ? (int)avail : max;
            uint mask = (uint)l.InSize - 1;
            byte* inArr = page + l.InOffset;
            for (int i = 0; i < k; i++)
                dst[i] = inArr[(cons + (uint)i) & mask];
            if (!consume) return k;
            Interlocked.MemoryBarrier(); // finish reading the bytes before releasing them with in_cons
            *U(l.InConsOffset) = cons + (uint)k;
            return k;
        }

        // Forgets every byte waiting in the in array (in_cons = in_prod): replies to requests
        // of a connection that is gone (a resume in a new domain). Returns how many.
        public int DropInput()
        {
            if (page == null) return 0;
            uint prod = *U(l.InProdOffset);
            uint cons = *U(l.InConsOffset);
            Interlocked.MemoryBarrier(); // read in_prod before releasing what it covers
            *U(l.InConsOffset) = prod;
            uint n = prod - cons;
            return n > (uint)l.InSize ? 0 : (int)n;
        }

        // Bytes waiting to be read (0 if the index is nonsense).
        public int InAvailable
        {
            get
            {
                if (page == null) return 0;
                uint avail = *U(l.InProdOffset) - *U(l.InConsOffset);
                return avail > (uint)l.InSize ? 0 : (int)avail;
            }
        }
    }
}
