// Field access for conses and headed objects, plus the simple constructors built on
// AllocBoxed/AllocRaw (vectors, strings, doubles). Reads are direct loads; every store
// of a Lisp value goes through the barrier (StoreBarrier) so minor GCs stay correct.
using System.Runtime.CompilerServices;

namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        // ---- conses ----
        /// <summary>Car of a cons, NIL for NIL. Undefined for other values.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong Car(ulong c) { return c == W.Nil ? W.Nil : *(ulong*)(c - 1); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong Cdr(ulong c) { return c == W.Nil ? W.Nil : *(ulong*)(c + 7); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void SetCar(ulong c, ulong v) { ulong a = c - 1; *(ulong*)a = v; StoreBarrier(a, v); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void SetCdr(ulong c, ulong v) { ulong a = c + 7; *(ulong*)a = v; StoreBarrier(a, v); }

        // ---- headed objects (tag 011 or 101) ----
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong Header(ulong w) { return *(ulong*)(w & ~7UL); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ObjType TypeOf(ulong w) { return (ObjType)(byte)(*(ulong*)(w & ~7UL) >> 8); }
        /// <summary>True if w is a headed object (tag 011) of type t.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Is(ulong w, ObjType t) { return (w & 7) == W.TagObj && (byte)(*(ulong*)(w - 3) >> 8) == (byte)t; }
        /// <summary>Element count from the header (words for boxed objects).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Length(ulong w) { return (int)(*(ulong*)(w & ~7UL) >> 32); }
        /// <summary>The type's own header flags (bits 0..14; bit 15 belongs to the collector).</summary>
        public int Flags(ulong w) { return (int)((*(ulong*)(w & ~7UL) >> 16) & 0x7FFF); }
        public void SetFlags(ulong w, int flags)
        {
            ulong* h = (ulong*)(w & ~7UL);
            *h = (*h & ~(0x7FFFUL << 16)) | ((ulong)(flags & 0x7FFF) << 16);
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong Slot(ulong w, int i) { return ((ulong*)((w & ~7UL) + 8))[i]; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void SetSlot(ulong w, int i, ulong v)
        {
            ulong a = (w & ~7UL) + 8 + (ulong)(uint)i * 8;
            *(ulong*)a = v;
            StoreBarrier(a, v);
        }
        /// <summary>Address of the body of a headed object (raw bytes, or boxed words).
        /// Valid only until the next allocation; call Barrier(obj) after storing values.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public byte* RawData(ulong w) { return (byte*)((w & ~7UL) + 8); }

        /// <summary>Bytes occupied by the object starting at address a (cons or headed).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static ulong ObjBytesAt(ulong a)
        {
            ulong h = *(ulong*)a;
            if ((h & 7) != W.TagHeader) return 16;
            return 8 + ObjTypes.BodyWords(h) * 8;
        }

        // ---- vectors ----
        public ulong MakeVector(int n, ulong init)
        {
            int m = rootTop;
            int r = PushRoot(init);
            ulong v = AllocBoxed(ObjType.SimpleVector, n);
            init = rootStack[r];
            rootTop = m;
            if (init != W.Nil)
            {
                ulong* p = (ulong*)(v + 5);
                Bits.FillWords(p, init, (ulong)(uint)n);
                Barrier(v);
            }
            return v;
        }

        // ---- doubles ----
        public ulong MakeDouble(double d)
        {
            ulong v = AllocRaw(ObjType.DoubleFloat, 1);
            *(double*)(v + 5) = d;
            return v;
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double DoubleValue(ulong w) { return *(double*)((w & ~7UL) + 8); }

        // ---- strings ----
        /// <summary>True for String8 or String32 objects.</summary>
        public bool IsString(ulong w)
        {
            if ((w & 7) != W.TagObj) return false;
            byte t = (byte)(*(ulong*)(w - 3) >> 8);
            return t == (byte)ObjType.String8 || t == (byte)ObjType.String32;
        }

        /// <summary>New string of n characters, String8 if wide is false.</summary>
        public ulong MakeStringN(int n, bool wide)
        {
            return AllocRaw(wide ? ObjType.String32 : ObjType.String8, n);
        }

        /// <summary>Lisp string from a C# string (surrogate pairs become one character).</summary>
        public ulong MakeString(string s)
        {
            NameKey k = NameKey.Of(s);
            return MakeStringFromKey(ref k);
        }

        /// <summary>Lisp string from UTF-8 bytes (invalid bytes map to U+0080..U+00FF).
        /// p must not point into the Lisp heap.</summary>
        public ulong MakeStringFromBytes(byte* p, int n)
        {
            NameKey k = NameKey.OfUtf8(p, n);
            return MakeStringFromKey(ref k);
        }

        ulong MakeStringFromKey(ref NameKey k)
        {
            int count = 0, max = 0, pos = 0;
            while (pos < k.Length) { int c = k.Next(ref pos); count++; if (c > max) max = c; }
            ulong s = MakeStringN(count, max > 0xFF);
            pos = 0;
            byte* d = (byte*)(s + 5);
            if (max > 0xFF) { uint* d32 = (uint*)d; for (int i = 0; i < count; i++) d32[i] = (uint)k.Next(ref pos); }
            else { for (int i = 0; i < count; i++) d[i] = (byte)k.Next(ref pos); }
            return s;
        }

        /// <summary>Character code at index i of a String8/String32.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int StringChar(ulong s, int i)
        {
            byte* d = (byte*)(s + 5);
            if ((byte)(*(ulong*)(s - 3) >> 8) == (byte)ObjType.String8) return d[i];
            return (int)((uint*)d)[i];
        }

        /// <summary>Stores a character code; false if it does not fit a String8.</summary>
        public bool SetStringChar(ulong s, int i, int code)
        {
            byte* d = (byte*)(s + 5);
            if ((byte)(*(ulong*)(s - 3) >> 8) == (byte)ObjType.String8)
            {
                if ((uint)code > 0xFF) return false;
                d[i] = (byte)code;
                return true;
            }
            ((uint*)d)[i] = (uint)code;
            return true;
        }

        /// <summary>Compares a Lisp string with a C# string (for tests and builtins).</summary>
        public bool StringEquals(ulong s, string cs)
        {
            NameKey k = NameKey.Of(cs);
            return k.EqualsString(s);
        }
    }
}
