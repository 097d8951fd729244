// A name to look up without allocating: a C# string, UTF-8 bytes or a Lisp string, read
// as a sequence of code points. Interning hashes and compares names through this so the
// reader can find an existing symbol from its token bytes with no heap allocation.
// A Lisp-string key holds a raw address: use it only until the next allocation.
namespace LispVm.Gc
{
    internal unsafe struct NameKey
    {
        string cs;
        int start;          // first char of a C# string key
        byte* bytes;        // UTF-8 bytes, or Lisp string body
        int kind;           // 0 = C# string, 1 = UTF-8, 2 = String8 body, 3 = String32 body
        public int Length;  // in units of the source (chars, bytes, elements)

        public static NameKey Of(string s) { NameKey k = default; k.cs = s; k.kind = 0; k.Length = s.Length; return k; }
        public static NameKey Of(string s, int start)
        {
            NameKey k = default; k.cs = s; k.kind = 0;
            if (start < 0) start = 0;
            if (start > s.Length) start = s.Length;
            k.start = start; k.Length = s.Length - start;
            return k;
        }
        public static NameKey OfUtf8(byte* p, int n) { NameKey k = default; k.bytes = p; k.kind = 1; k.Length = n < 0 ? 0 : n; return k; }
        public static NameKey OfLisp(ulong str)
        {
            NameKey k = default;
            ulong h = *(ulong*)(str & ~7UL);
            k.bytes = (byte*)((str & ~7UL) + 8);
            k.kind = (byte)(h >> 8) == (byte)ObjType.String8 ? 2 : 3;
            k.Length = (int)(h >> 32);
            return k;
        }

        /// <summary>Next code point; advances pos by the units it used.</summary>
        public int Next(ref int pos)
        {
            switch (kind)
            {
                case 0:
                {
                    int c = cs[start + pos++];
                    if (c >= 0xD800 && c < 0xDC00 && pos < Length)
                    {
                        int d = cs[start + pos];
                        if (d >= 0xDC00 && d < 0xE000) { pos++; return 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00); }
                    }
                    return c;
                }
                case 1: return DecodeUtf8(bytes, Length, ref pos);
                case 2: return bytes[pos++];
                default: return (int)((uint*)bytes)[pos++];
            }
        }

        public static int DecodeUtf8(byte* p, int n, ref int pos)
        {
            int b0 = p[pos];
            if (b0 < 0x80) { pos++; return b0; }
            if ((b0 & 0xE0) == 0xC0 && pos + 1 < n && (p[pos + 1] & 0xC0) == 0x80)
            {
                int c = ((b0 & 0x1F) << 6) | (p[pos + 1] & 0x3F);
                if (c >= 0x80) { pos += 2; return c; }
            }
            else if ((b0 & 0xF0) == 0xE0 && pos + 2 < n && (p[pos + 1] & 0xC0) == 0x80 && (p[pos + 2] & 0xC0) == 0x80)
            {
                int c = ((b0 & 0x0F) << 12) | ((p[pos + 1] & 0x3F) << 6) | (p[pos + 2] & 0x3F);
                if (c >= 0x800 && (c < 0xD800 || c >= 0xE000)) { pos += 3; return c; }
            }
            else if ((b0 & 0xF8) == 0xF0 && pos + 3 < n && (p[pos + 1] & 0xC0) == 0x80
                     && (p[pos + 2] & 0xC0) == 0x80 && (p[pos + 3] & 0xC0) == 0x80)
            {
                int c = ((b0 & 0x07) << 18) | ((p[pos + 1] & 0x3F) << 12) | ((p[pos + 2] & 0x3F) << 6) | (p[pos + 3] & 0x3F);
                if (c >= 0x10000 && c <= 0x10FFFF) { pos += 4; return c; }
            }
            pos++;
            return b0;   // invalid or truncated sequence: the byte as Latin-1
        }

        /// <summary>Hash of the code points; equal to Heap.StringHash of the same text.</summary>
        public ulong Hash()
        {
            ulong h = Heap.HashSeed;
            int pos = 0;
            while (pos < Length) h = Heap.HashStep(h, (uint)Next(ref pos));
            return h & Heap.HashMask;
        }

        /// <summary>True if the Lisp string s has exactly these code points.</summary>
        public bool EqualsString(ulong s)
        {
            ulong h = *(ulong*)(s & ~7UL);
            byte t = (byte)(h >> 8);
            if (t != (byte)ObjType.String8 && t != (byte)ObjType.String32) return false;
            int n = (int)(h >> 32);
            byte* d = (byte*)((s & ~7UL) + 8);
            int pos = 0;
            for (int i = 0; i < n; i++)
            {
                if (pos >= Length) return false;
                int c = Next(ref pos);
                int e = t == (byte)ObjType.String8 ? d[i] : (int)((uint*)d)[i];
                if (c != e) return false;
            }
            return pos == Length;
        }
    }
}
