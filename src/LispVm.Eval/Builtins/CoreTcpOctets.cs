// Why: (unsigned-byte 8) I/O on socket streams: READ-BYTE, WRITE-BYTE, and READ-SEQUENCE and
// WRITE-SEQUENCE with octets (lisp/81-tcp.lisp). A bivalent socket stream mixes both in wire
// order: bytes out go into the same output buffer as characters' UTF-8; bytes in come first
// from what the stream already decoded (SocketUtf8 units give back their exact wire bytes,
// malformed UTF-8 included), then from a sequence the decoder holds in part, then straight
// from the connection, undecoded. A telnet stream (the network REPL's) reads bytes only
// through its character buffer, so IAC commands stay filtered.
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

    /// <summary>(%socket-write-byte byte stream): one byte out; sends when the buffer is full.</summary>
    static ulong SocketWriteByte(Vm vm, Args a)
    {
        ulong s = a[1];
        if (!SockArg(s)) return vm.TypeError(s, "SOCKET-STREAM");
        if (!SmallInt(a[0], 0, 255, out int b)) return vm.TypeError(a[0], "(UNSIGNED-BYTE 8)");
        byte u = (byte)b;
        ulong v = a[0];
        SocketPutBytes(vm, s, &u, 1);
        return SocketAfterOutput(vm, a, s, v, false);
    }

    /// <summary>(%socket-take-octets stream vector start end): stores bytes at start.. (at most
    /// end - start, and ReadChunk) without waiting: the count stored, 0 when none is there
    /// yet, -1 when the input has ended and none was stored, -2 when the stream must fill its
    /// character buffer first (a telnet stream: %socket-await-octets).</summary>
    static ulong SocketTakeOctets(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!SockArg(s)) return vm.TypeError(s, "SOCKET-STREAM");
        if (!VecInfo(a[1], out ulong store, out int len, out int cap) || !OctetStore(store))
            return vm.TypeError(a[1], "(VECTOR (UNSIGNED-BYTE 8))");
        if (!SmallInt(a[2], 0, len, out int start) || !SmallInt(a[3], start, len, out int end)) return vm.SimpleError("Bad vector bounds.");
        int want = end - start < ReadChunk ? end - start : ReadChunk;
        if (want == 0) return M.Fix(0);
        byte* got = stackalloc byte[ReadChunk];
        int n = TakeBytes(vm, s, got, want);
        for (int q = 0; q < n; q++) Store(vm, store, start + q, got[q]);
        return M.Fix(n);
    }

    /// <summary>(%socket-take-byte stream): the next byte without waiting; -1 when the input
    /// has ended, -2 when none is there yet (%socket-await-octets, then again).</summary>
    static ulong SocketTakeByte(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!SockArg(s)) return vm.TypeError(s, "SOCKET-STREAM");
        byte b;
        int n = TakeBytes(vm, s, &b, 1);
        return M.Fix(n == 1 ? b : n == 0 ? -2 : n);
    }

    /// <summary>(%socket-octets-available stream): units buffered plus one for a cut sequence
    /// held (so nonzero means a byte can be taken now), -1 when none and the input has ended.</summary>
    static ulong SocketOctetsAvailable(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!SockArg(s)) return vm.TypeError(s, "SOCKET-STREAM");
        long n = M.FixVal(M.Slot(s, SEnd)) - M.FixVal(M.Slot(s, SFill)) + (RecFix(s, XHold) != 0 ? 1 : 0);
        if (n == 0 && (RecFix(s, XFlags) & FEof) != 0) return M.Fix(-1);
        return M.Fix(n);
    }

    /// <summary>Up to max (1..ReadChunk) bytes into dst, in wire order: first the units the
    /// character buffer holds (each unit's exact bytes; a unit taken in part stays in the
    /// buffer as a raw unit of the rest), then a cut sequence the decoder holds, then, when
    /// nothing was buffered, straight from the connection, undecoded. The count; 0 when
    /// nothing is there yet; -1 at the end of input; -2 on a telnet stream with nothing
    /// buffered (its bytes come only through the character buffer, so IAC stays filtered).</summary>
    static int TakeBytes(Vm vm, ulong s, byte* dst, int max)
    {
        int i = 0;
        byte* u = stackalloc byte[4];
        long pos = M.FixVal(M.Slot(s, SFill)), cend = M.FixVal(M.Slot(s, SEnd));
        uint* cbuf = (uint*)M.Raw(M.Slot(s, SBuf));
        for (; ; )
        {
            while (i < max && pos < cend)
            {
                int k = SocketUtf8.Bytes(cbuf[pos], u);
                int j = 0;
                for (; j < k && i < max; j++) dst[i++] = u[j];
                if (j < k)
                {
                    long rest = 0;
                    for (int q = j; q < k; q++) rest = (rest << 8) | u[q];
                    cbuf[pos] = SocketUtf8.Raw(k - j, rest);
                    break;
                }
                pos++;
            }
            vm.Heap.SetSlot(s, SFill, M.Fix(pos));
            if (i == max) return i;
            long hold = RecFix(s, XHold);
            if (hold == 0) break;
            // The cut sequence becomes a raw unit after the buffered ones (all taken now),
            // compacting first when the buffer is full (keeping one unit for UNREAD-CHAR).
            int capUnits = M.Len(M.Slot(s, SBuf));
            if (cend >= capUnits)
            {
                cbuf[0] = cbuf[cend - 1];
                pos = cend = 1;
            }
            cbuf[cend++] = SocketUtf8.HoldUnit(hold);
            SetRec(vm, s, XHold, 0);
            vm.Heap.SetSlot(s, SEnd, M.Fix(cend));
        }
        if (i > 0) return i;
        long flags = RecFix(s, XFlags);
        if ((flags & FEof) != 0 || vm.Net == null) return -1;
        if ((flags & FTelnet) != 0) return -2;
        int n = vm.Net.TcpReceive((int)RecFix(s, XHandle), dst, max);
        if (n == NetError.WouldBlock) return 0;
        if (n <= 0)
        {
            SetRec(vm, s, XFlags, flags | FEof);
            if (n < 0) SetRec(vm, s, XError, n);
            return -1;
        }
        return n > max ? max : n;
    }

    static void Store(Vm vm, ulong store, int i, int b)
    {
        if (M.Type(store) == ObjType.SimpleVector) vm.Heap.SetSlot(store, i, M.Fix(b));
        else if (M.Type(store) == ObjType.ByteVector) M.Raw(store)[i] = (byte)b;
        else ((ulong*)M.Raw(store))[i] = (ulong)b;
    }
}
