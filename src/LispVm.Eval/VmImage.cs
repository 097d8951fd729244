// The VM side of heap images (DESIGN "Heap image"): a blob = 8 header words (magic,
// version, fingerprint of what must match — builtin names/arity/order, root slots, symbol
// and root table sizes —, saved old-space base, old-space bytes, root count, checksum of
// everything after the header, 1 reserved), then the root values, then the old-space
// bytes. The checksum makes any flipped byte a refusal, not a wrong heap. Saving runs where
// allocation is still allowed (build time, before the boot heap is sealed); loading
// allocates nothing.
using LispVm.Gc;

namespace LispVm.Eval;

public static unsafe class HeapImage
{
    public const ulong Magic = 0x31474D494C50564CUL;   // "LVPLIMG1" in file byte order
    public const ulong Version = 2;
    const int HeaderWords = 8;

    static ulong Fingerprint(Vm vm, int rootSlots)
    {
        ulong h = 0xcbf29ce484222325UL;
        ulong* parts = stackalloc ulong[7];
        parts[6] = vm.BuiltinsHash;
        parts[0] = (ulong)vm.Nb; parts[1] = (ulong)rootSlots; parts[2] = (ulong)vm.Syms.Length;
        parts[3] = (ulong)vm.Roots.Length; parts[4] = (ulong)vm.Threads.Length; parts[5] = Version;
        for (int i = 0; i < 7; i++) { h ^= parts[i]; h *= 0x100000001b3UL; }
        return h;
    }

    // FNV-1a over 64-bit words: ~0.1 ms for a 600 KB image natively. Loading computes the
    // same hash over the roots here and over the objects in the heap's walk (one pass).
    const ulong HashBasis = 0xcbf29ce484222325UL;
    static ulong Checksum(ulong* p, ulong words) { return Heap.ImageHash(HashBasis, p, words); }

    /// <summary>The image of the VM as it is now (call after Boot.Load, at a quiet point);
    /// null if the heap is busy.</summary>
    public static byte[] Save(Vm vm)
    {
        Heap heap = vm.Heap;
        int n = heap.CountRootSlots();
        ulong[] roots = new ulong[n + 1];
        int got;
        byte* start; ulong bytes;
        fixed (ulong* r = roots) got = heap.PrepareImage(r, n + 1, out start, out bytes);
        if (got < 0 || got != n) return null;
        byte[] img = new byte[(HeaderWords + n) * 8 + (long)bytes];
        fixed (byte* d = img)
        {
            ulong* w = (ulong*)d;
            w[0] = Magic; w[1] = Version; w[2] = Fingerprint(vm, n); w[3] = (ulong)start;
            w[4] = bytes; w[5] = (ulong)n; w[6] = 0; w[7] = 0;
            for (int i = 0; i < n; i++) w[HeaderWords + i] = roots[i];
            byte* o = d + (HeaderWords + n) * 8;
            for (ulong i = 0; i < bytes; i++) o[i] = start[i];
            w[6] = Checksum(w + HeaderWords, (ulong)n + bytes / 8);
        }
        return img;
    }

    /// <summary>Loads an image into a VM that has not booted its library yet. Returns null,
    /// or why it was refused (then nothing changed and Boot.Load is the fallback).</summary>
    public static string Load(Vm vm, byte* blob, long length)
    {
        if (blob == null || length < HeaderWords * 8) return "no image";
        if (((ulong)blob & 7) != 0) return "misaligned image";
        ulong* w = (ulong*)blob;
        if (w[0] != Magic) return "not a LispVm heap image";
        if (w[1] != Version) return "image format version differs";
        int n = vm.Heap.CountRootSlots();
        if (w[5] != (ulong)n || w[2] != Fingerprint(vm, n)) return "image was made by a different build";
        ulong bytes = w[4];
        if ((ulong)length != (ulong)(HeaderWords + n) * 8 + bytes) return "image length does not match its header";
        ulong rootsHash = Heap.ImageHash(HashBasis, w + HeaderWords, (ulong)n);
        string why = vm.Heap.LoadImage(blob + (HeaderWords + n) * 8, bytes, w[3], w + HeaderWords, n, rootsHash, w[6]);
        if (why != null) return why;
        // The console starts a fresh session: nothing printed yet on this terminal.
        vm.Heap.SetSlot(vm.Roots[(int)R.ConsoleOut], Builtins.SCol, M.Fix(0));
        return null;
    }
}
