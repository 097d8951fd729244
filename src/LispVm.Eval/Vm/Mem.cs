// Direct reads of heap objects (DESIGN §2/§3: pointer = address + tag, header word first,
// body after it). Reads may be direct; stores of Lisp values go through the heap's
// barrier setters. Used by the VM loop and the builtins on hot paths.
using System.Runtime.CompilerServices;
using LispVm.Gc;

namespace LispVm.Eval;

public static unsafe class M
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Car(ulong c) { return *(ulong*)(c - 1); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Cdr(ulong c) { return *(ulong*)(c + 7); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hdr(ulong w) { return *(ulong*)(w & ~7UL); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ObjType Type(ulong w) { return (ObjType)(byte)(*(ulong*)(w & ~7UL) >> 8); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Len(ulong w) { return (int)(*(ulong*)(w & ~7UL) >> 32); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Slot(ulong w, int i) { return *(ulong*)((w & ~7UL) + 8 + (ulong)i * 8); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Raw(ulong w) { return (byte*)((w & ~7UL) + 8); }
    /// <summary>Is w a headed (non-symbol) object of this type?</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Is(ulong w, ObjType t) { return (w & 7) == 3 && Type(w) == t; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsFix(ulong w) { return (w & 3) == 0; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long FixVal(ulong w) { return (long)w >> 2; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Fix(long n) { return (ulong)(n << 2); }
}

/// <summary>Layout of Function objects (DESIGN §3, type 0x05) as Eval defines it.</summary>
public static class Fn
{
    public const int Code = 0;      // ByteVector, or NIL for a builtin
    public const int Consts = 1;    // SimpleVector or NIL
    public const int Name = 2;
    public const int Arity = 3;     // fixnum: min | max << 16 (max 0xFFFF = any)
    public const int Builtin = 4;   // fixnum index into the builtin table, -1 for bytecode
    public const int LambdaList = 5;
    public const int Size = 6;
    public const int AnyArgs = 0xFFFF;
}

/// <summary>Symbol body slots (DESIGN §3).</summary>
public static class Sy
{
    public const int Name = 0, Value = 1, Function = 2, Plist = 3, Package = 4, Hash = 5, Flags = 6;
}
