// Why: a zeroed, page-aligned 4 KiB block standing in for a page shared with Xen or a
// backend domain, plus accessors for the ring indices, so tests can play the other side.
using System.Runtime.InteropServices;
using XenPv.Shim.Io;

namespace XenPv.Tests;

public sealed unsafe class SharedPage : IDisposable
{
    public readonly byte* P = (byte*)NativeMemory.AlignedAlloc(4096, 4096);
    public SharedPage() { NativeMemory.Clear(P, 4096); }
    public void Dispose() => NativeMemory.AlignedFree(P);

    public uint this[int offset]
    {
        get => *(uint*)(P + offset);
        set => *(uint*)(P + offset) = value;
    }

    // The backend side of a layout: put bytes into the guest's "in" array.
    public void Produce(RingLayout l, byte[] data)
    {
        uint prod = this[l.InProdOffset];
        foreach (byte b in data) P[l.InOffset + (int)(prod++ & (uint)(l.InSize - 1))] = b;
        this[l.InProdOffset] = prod;
    }

    // The backend side: take up to max bytes from the guest's "out" array.
    public byte[] Consume(RingLayout l, int max = int.MaxValue)
    {
        uint cons = this[l.OutConsOffset], prod = this[l.OutProdOffset];
        var got = new List<byte>();
        while (cons != prod && got.Count < max) got.Add(P[l.OutOffset + (int)(cons++ & (uint)(l.OutSize - 1))]);
        this[l.OutConsOffset] = cons;
        return got.ToArray();
    }
}
