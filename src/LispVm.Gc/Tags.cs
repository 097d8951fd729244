// Tagged 64-bit Lisp values (DESIGN.md §2): the low 3 bits say what a word is.
// Everything here is pure bit arithmetic on `ulong` so the reader, the VM and the
// collector agree on one encoding; pointers are address + tag, immediates carry their
// payload in the upper bits. NIL is an immediate (its symbol data live in heap.NilSymbol).
using System.Runtime.CompilerServices;

namespace LispVm.Gc
{
    public static unsafe class W
    {
        public const ulong TagMask = 7;
        public const ulong TagCons = 1;      // 001
        public const ulong TagImm = 2;       // 010
        public const ulong TagObj = 3;       // 011
        public const ulong TagSymbol = 5;    // 101
        public const ulong TagHeader = 6;    // 110 (inside the heap only)
        public const ulong TagForward = 7;   // 111 (during GC only)

        public const ulong Nil = 0x02;
        public const ulong Unbound = 0x102;
        public const ulong Eof = 0x202;
        public const ulong NoValue = 0x302;

        public const long MostPositiveFixnum = (1L << 61) - 1;
        public const long MostNegativeFixnum = -(1L << 61);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Fix(long n) { return (ulong)(n << 2); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static long FixVal(ulong w) { return (long)w >> 2; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool FitsFixnum(long n) { return n >= MostNegativeFixnum && n <= MostPositiveFixnum; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Tag(ulong w) { return w & TagMask; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool IsFixnum(ulong w) { return (w & 3) == 0; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool IsCons(ulong w) { return (w & 7) == TagCons; }
        /// <summary>A cons or NIL.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool IsList(ulong w) { return (w & 7) == TagCons || w == Nil; }
        /// <summary>Pointer to a headed object that is not a symbol (tag 011).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool IsObj(ulong w) { return (w & 7) == TagObj; }
        /// <summary>A symbol: tag 101 or NIL.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool IsSymbol(ulong w) { return (w & 7) == TagSymbol || w == Nil; }
        /// <summary>Any heap pointer: tag 001, 011 or 101.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool IsPointer(ulong w) { return ((0x2Au >> (int)(w & 7)) & 1) != 0; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool IsImmediate(ulong w) { return (w & 7) == TagImm; }
        /// <summary>Address of the object a pointer designates (tag stripped).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Addr(ulong w) { return w & ~TagMask; }

        // Characters: subtag 1, 21-bit code point in bits 8..
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool IsChar(ulong w) { return (w & 0xFF) == 0x0A; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong MakeChar(int code) { return ((ulong)(uint)code << 8) | 0x0A; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int CharCode(ulong w) { return (int)(w >> 8); }

        // Single floats: subtag 2, IEEE bits in the upper 32 bits.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool IsSingle(ulong w) { return (w & 0xFF) == 0x12; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong MakeSingleBits(uint bits) { return ((ulong)bits << 32) | 0x12; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static uint SingleBits(ulong w) { return (uint)(w >> 32); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong MakeSingle(float f) { return MakeSingleBits(*(uint*)&f); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float SingleValue(ulong w) { uint b = (uint)(w >> 32); return *(float*)&b; }

        // Object headers: length << 32 | flags << 16 | type << 8 | 110.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong MakeHeader(ObjType type, uint length, ushort flags)
        {
            return ((ulong)length << 32) | ((ulong)flags << 16) | ((ulong)(byte)type << 8) | TagHeader;
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ObjType HeaderType(ulong h) { return (ObjType)(byte)(h >> 8); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static uint HeaderLength(ulong h) { return (uint)(h >> 32); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ushort HeaderFlags(ulong h) { return (ushort)(h >> 16); }
    }
}
