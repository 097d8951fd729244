// Why: a socket stream decodes UTF-8 ahead of what is read (%SOCKET-FILL), yet an octet read
// after a text read must get exactly the bytes on the wire. So decoding loses nothing: each
// UNIT of the stream's character buffer is a code point (well-formed UTF-8 only: shortest
// form, no surrogates, at most U+10FFFF), or a RAW unit holding a maximal ill-formed
// subpart (1..3 bytes, Unicode 15 §3.9 "U+FFFD substitution of maximal subparts"), which
// reads as one U+FFFD character and re-encodes as its own bytes. HOLD: the bytes of a
// sequence cut by the end of a read, (count << 24) | bytes, big-endian, 0 for none.
namespace LispVm.Eval;

public static unsafe class SocketUtf8
{
    /// <summary>Raw units are RawTag | (count << 24) | bytes: above every code point.</summary>
    public const uint RawTag = 0x40000000;

    public static bool IsRaw(uint unit) { return unit >= RawTag; }

    /// <summary>The character a unit reads as.</summary>
    public static int CharOf(uint unit) { return unit >= RawTag ? 0xFFFD : (int)unit; }

    /// <summary>A raw unit of k (1..3) bytes packed big-endian in bytes.</summary>
    public static uint Raw(int k, long bytes) { return RawTag | ((uint)k << 24) | ((uint)bytes & 0xFFFFFF); }

    /// <summary>The length of the sequence lead byte b starts (1..4), 0 when b starts none.</summary>
    public static int SeqLen(int b)
    {
        if (b < 0x80) return 1;
        if (b >= 0xC2 && b <= 0xDF) return 2;
        if (b >= 0xE0 && b <= 0xEF) return 3;
        if (b >= 0xF0 && b <= 0xF4) return 4;
        return 0;
    }

    /// <summary>Whether b can be byte `index` (1..3) of a sequence led by lead (Table 3-7:
    /// the second byte's range depends on the lead, which rules out overlong forms,
    /// surrogates and code points above U+10FFFF).</summary>
    public static bool Continues(int lead, int index, int b)
    {
        int lo = 0x80, hi = 0xBF;
        if (index == 1)
        {
            if (lead == 0xE0) lo = 0xA0;
            else if (lead == 0xED) hi = 0x9F;
            else if (lead == 0xF0) lo = 0x90;
            else if (lead == 0xF4) hi = 0x8F;
        }
        return b >= lo && b <= hi;
    }

    /// <summary>Feeds one byte: writes 0, 1 or 2 units to dst (a cut sequence, then b's
    /// own) and returns how many; hold carries a sequence in progress.</summary>
    public static int Step(ref long hold, int b, uint* dst)
    {
        int n = 0;
        int k = (int)(hold >> 24);
        if (k > 0)
        {
            long bytes = hold & 0xFFFFFF;
            int lead = (int)(bytes >> (8 * (k - 1))) & 0xFF;
            if (Continues(lead, k, b))
            {
                bytes = (bytes << 8) | (long)b;
                k++;
                if (k == SeqLen(lead)) { dst[n++] = (uint)Decode(bytes, k); hold = 0; }
                else hold = ((long)k << 24) | bytes;
                return n;
            }
            dst[n++] = Raw(k, bytes);
            hold = 0;
        }
        int len = SeqLen(b);
        if (len == 1) dst[n++] = (uint)b;
        else if (len == 0) dst[n++] = Raw(1, b);
        else hold = (1L << 24) | (long)b;
        return n;
    }

    /// <summary>The raw unit of what hold carries (hold must not be 0).</summary>
    public static uint HoldUnit(long hold) { return Raw((int)(hold >> 24), hold & 0xFFFFFF); }

    static int Decode(long bytes, int k)
    {
        if (k == 2) return (int)(((bytes >> 8) & 0x1F) << 6 | (bytes & 0x3F));
        if (k == 3) return (int)(((bytes >> 16) & 0x0F) << 12 | ((bytes >> 8) & 0x3F) << 6 | (bytes & 0x3F));
        return (int)(((bytes >> 24) & 0x07) << 18 | ((bytes >> 16) & 0x3F) << 12 | ((bytes >> 8) & 0x3F) << 6 | (bytes & 0x3F));
    }

    /// <summary>A unit's wire bytes into d (1..4): a raw unit's own, else the code point's UTF-8.</summary>
    public static int Bytes(uint unit, byte* d)
    {
        if (unit >= RawTag)
        {
            int k = (int)((unit >> 24) & 3);
            for (int i = 0; i < k; i++) d[i] = (byte)(unit >> (8 * (k - 1 - i)));
            return k;
        }
        int c = (int)unit;
        if (c < 0x80) { d[0] = (byte)c; return 1; }
        if (c < 0x800) { d[0] = (byte)(0xC0 | (c >> 6)); d[1] = (byte)(0x80 | (c & 0x3F)); return 2; }
        if (c < 0x10000) { d[0] = (byte)(0xE0 | (c >> 12)); d[1] = (byte)(0x80 | ((c >> 6) & 0x3F)); d[2] = (byte)(0x80 | (c & 0x3F)); return 3; }
        d[0] = (byte)(0xF0 | (c >> 18)); d[1] = (byte)(0x80 | ((c >> 12) & 0x3F)); d[2] = (byte)(0x80 | ((c >> 6) & 0x3F)); d[3] = (byte)(0x80 | (c & 0x3F));
        return 4;
    }
}
