// Type codes of headed objects (DESIGN.md §3). Codes below 0x80 are boxed (every body
// word is a Lisp value the collector scans); codes from 0x80 are raw (the collector only
// needs the body size, computed from the element size below).
namespace LispVm.Gc
{
    public enum ObjType : byte
    {
        Symbol = 0x01,
        SimpleVector = 0x02,
        Ratio = 0x03,
        Closure = 0x04,
        Function = 0x05,
        HashTable = 0x06,
        Instance = 0x07,
        Package = 0x08,
        ArrayHeader = 0x09,
        Stream = 0x0A,
        ValueCell = 0x0B,
        Complex = 0x0C,
        LispThread = 0x0D,

        String8 = 0x80,
        String32 = 0x81,
        ByteVector = 0x82,
        Bignum = 0x83,
        DoubleFloat = 0x84,
        DoubleVector = 0x85,
        WordVector = 0x86,
        BitVector = 0x87,
    }

    public static class ObjTypes
    {
        public const int FirstRaw = 0x80;

        public static bool IsRaw(ObjType t) { return (byte)t >= FirstRaw; }

        /// <summary>Body size in words of an object with this header. Raw element sizes:
        /// String8/ByteVector 1 byte, String32 4, Bignum/DoubleFloat/DoubleVector/WordVector 8,
        /// BitVector 1 bit; unknown raw types count bytes.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static ulong BodyWords(ulong header)
        {
            // Boxed objects (every slot a value) are the common case in the collector's loops.
            if ((byte)(header >> 8) < FirstRaw) return header >> 32;
            return RawBodyWords(header);
        }

        static ulong RawBodyWords(ulong header) { return RawWords((uint)(byte)(header >> 8), header >> 32); }

        /// <summary>Body words of a raw object of type t with len elements: the one table
        /// of raw element sizes (the collectors' loops inline it, so it has no switch).</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static ulong RawWords(uint t, ulong len)
        {
            if (t == (uint)ObjType.String32) return (len * 4 + 7) >> 3;
            if (t - (uint)ObjType.Bignum <= ObjType.WordVector - ObjType.Bignum) return len;   // 8-byte elements
            if (t == (uint)ObjType.BitVector) return (len + 63) >> 6;
            return (len + 7) >> 3;                                // String8, ByteVector, unknown: bytes
        }

        /// <summary>Body size in words for `n` elements of type `t`.</summary>
        public static ulong BodyWordsFor(ObjType t, ulong n) { return BodyWords((n << 32) | ((ulong)(byte)t << 8)); }
    }

    /// <summary>Test of a heap hash table.</summary>
    public enum HashTest : byte { Eq = 0, Eql = 1, Equal = 2, Equalp = 3 }

    /// <summary>How FindSymbol/Intern found a name (CL's second value).</summary>
    public enum SymbolStatus : byte { None = 0, Internal = 1, External = 2, Inherited = 3 }

    /// <summary>Bits of a symbol's flags word (a fixnum in slot 6).</summary>
    public static class SymbolFlags
    {
        public const long Special = 1;
        public const long Constant = 2;
        public const long Keyword = 4;
    }
}
