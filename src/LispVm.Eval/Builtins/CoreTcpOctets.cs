// Why: (unsigned-byte 8) I/O on socket streams for READ-SEQUENCE and WRITE-SEQUENCE with a
// vector that is not a string (lisp/81-tcp.lisp). A socket stream is bivalent: bytes out go
// into the same output buffer as characters' UTF-8, in order; bytes in come first from what
// the stream already decoded as characters (given back as their UTF-8: exact for valid
// UTF-8, U+FFFD's three bytes for a malformed sequence), then from a sequence the decoder
// holds in part, then straight from the connection, undecoded. A telnet stream (the network
// REPL's) reads bytes only through its character buffer, so IAC commands stay filtered.
using LispVm.Gc;
using LispVm.Net;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    /// <summary>A vector an octet read can fill: element type T, octets or words.</summary>
    static bool OctetStore(ulong store)
    {
        ObjType t = M.Type(store);
        return t == ObjType.SimpleVector || t == ObjType.ByteVector || t == ObjType.WordVector;
    }

    /// <summary>(%socket-put-octets stream vector start end): elements start..end out, an
    /// integer 0..255 as that byte, a character as its UTF-8 (the caller keeps end - start
    /// small: SocketOutBytes / 4). A type error names the first bad element; those before it
    /// are out.</summary>
    static ulong SocketPutOctets(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!SockArg(s)) return vm.TypeError(s, "SOCKET-STREAM");
        if (!VecInfo(a[1], out ulong store, out int len, out int cap)) return vm.TypeError(a[1], "VECTOR");
        if (!SmallInt(a[2], 0, len, out int start) || !SmallInt(a[3], start, len, out int end)) return vm.SimpleError("Bad vector bounds.");
        Heap h = vm.Heap;
        int m = h.RootMark(); int rs = h.PushRoot(s); int rv = h.PushRoot(a[1]);
        byte* u = stackalloc byte[4];
        for (int i = start; i < end; i++)
        {
            VecInfo(h.Root(rv), out store, out len, out cap);
            if (i >= len) break;
            ulong e = ElemRef(vm, store, i);
            int k;
            if (W.IsChar(e)) k = Utf8Put(u, W.CharCode(e));
            else if (SmallInt(e, 0, 255, out int b)) { u[0] = (byte)b; k = 1; }
            else { h.PopRoots(m); return vm.TypeError(e, "(OR (UNSIGNED-BYTE 8) CHARACTER)"); }
            SocketPutBytes(vm, h.Root(rs), u, k);
        }
        h.PopRoots(m);
        return W.Nil;
    }

    /// <summary>(%socket-take-octets stream vector start end): stores bytes at start.. (at most
    /// end - start) without waiting: the count stored, 0 when none is there yet, -1 when the
    /// input has ended and none was stored, -2 when a telnet stream must fill its character
    /// buffer first (%socket-await-input).</summary>
    static ulong SocketTakeOctets(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!SockArg(s)) return vm.TypeError(s, "SOCKET-STREAM");
        if (!VecInfo(a[1], out ulong store, out int len, out int cap) || !OctetStore(store))
            return vm.TypeError(a[1], "(VECTOR (UNSIGNED-BYTE 8))");
        if (!SmallInt(a[2], 0, len, out int start) || !SmallInt(a[3], start, len, out int end)) return vm.SimpleError("Bad vector bounds.");
        int i = start;
        // 1. Bytes left of a character taken in part.
        long pend = RecFix(s, XPend);
        while (pend != 0 && i < end)
        {
            int k = (int)(pend >> 24);
            Store(vm, store, i++, (int)((pend >> (8 * (k - 1))) & 0xFF));
            k--;
            pend = k == 0 ? 0 : ((long)k << 24) | (pend & ((1L << (8 * k)) - 1));
        }
        SetRec(vm, s, XPend, pend);
        // 2. Characters decoded already, as their UTF-8.
        byte* u = stackalloc byte[4];
        long pos = M.FixVal(M.Slot(s, SFill)), cend = M.FixVal(M.Slot(s, SEnd));
        uint* cbuf = (uint*)M.Raw(M.Slot(s, SBuf));
        while (i < end && pos < cend)
        {
            int k = Utf8Put(u, (int)cbuf[pos++]);
            int j = 0;
            for (; j < k && i < end; j++) Store(vm, store, i++, u[j]);
            if (j < k)
            {
                long rest = 0;
                for (int q = j; q < k; q++) rest = (rest << 8) | u[q];
                SetRec(vm, s, XPend, ((long)(k - j) << 24) | rest);
            }
        }
        vm.Heap.SetSlot(s, SFill, M.Fix(pos));
        if (i == end || pos < cend) return M.Fix(i - start);
        // 3. A sequence the decoder holds in part: its bytes so far, then raw input.
        long utf = RecFix(s, XUtf);
        if (utf != 0 && i < end)
        {
            int need = (int)(utf & 7), total = (int)((utf >> 3) & 7), acc = (int)(utf >> 6);
            int have = total - need;                      // the lead byte and have - 1 continuations
            int cont = have - 1;
            u[0] = (byte)((total == 2 ? 0xC0 : total == 3 ? 0xE0 : 0xF0) | (acc >> (6 * cont)));
            for (int q = 1; q < have; q++) u[q] = (byte)(0x80 | ((acc >> (6 * (cont - q))) & 0x3F));
            int j = 0;
            for (; j < have && i < end; j++) Store(vm, store, i++, u[j]);
            if (j < have)
            {
                long rest = 0;
                for (int q = j; q < have; q++) rest = (rest << 8) | u[q];
                SetRec(vm, s, XPend, ((long)(have - j) << 24) | rest);
            }
            SetRec(vm, s, XUtf, 0);
            if (i == end) return M.Fix(i - start);
        }
        if (i > start) return M.Fix(i - start);
        // 4. Straight from the connection.
        long flags = RecFix(s, XFlags);
        if ((flags & FEof) != 0 || vm.Net == null) return M.Fix(-1);
        if ((flags & FTelnet) != 0) return M.Fix(-2);
        byte* raw = stackalloc byte[ReadChunk];
        int want = end - i < ReadChunk ? end - i : ReadChunk;
        int n = vm.Net.TcpReceive((int)RecFix(s, XHandle), raw, want);
        if (n == NetError.WouldBlock) return M.Fix(0);
        if (n <= 0)
        {
            SetRec(vm, s, XFlags, flags | FEof);
            if (n < 0) SetRec(vm, s, XError, n);
            return M.Fix(-1);
        }
        if (n > want) n = want;
        for (int q = 0; q < n; q++) Store(vm, store, i++, raw[q]);
        return M.Fix(n);
    }

    static void Store(Vm vm, ulong store, int i, int b)
    {
        if (M.Type(store) == ObjType.SimpleVector) vm.Heap.SetSlot(store, i, M.Fix(b));
        else if (M.Type(store) == ObjType.ByteVector) M.Raw(store)[i] = (byte)b;
        else ((ulong*)M.Raw(store))[i] = (ulong)b;
    }
}
