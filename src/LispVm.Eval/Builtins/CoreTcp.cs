// Why: TCP for Lisp (lisp/81-tcp.lisp) over the stack's non-blocking TCP (LispVm.Net): the
// handle primitives, and SOCKET STREAMS, a bidirectional UTF-8 character stream kind
// (KSocket) that READ-CHAR, READ-LINE, READ, WRITE-STRING, FORMAT... accept like any stream.
// Design: a builtin never blocks. Input is a decoded character buffer in the stream (SBuf,
// positions SFill..SEnd) that %SOCKET-FILL tops up from the connection without waiting;
// a read builtin that finds it empty (and the peer not at its end) does not wait in C#: it
// returns Vm.TailCallReq to a Lisp function (%SOCKET-RETRY, %SOCKET-READ-LINE, %SOCKET-READ)
// that waits for input letting other green threads run (%IO-WAIT) and then does the
// operation again. Output is UTF-8 in a fixed byte buffer (SocketOutBytes); an output
// builtin that leaves it that full tail-calls %SOCKET-DRAIN, which sends and waits for
// the stack's 16 KiB send ring to take the rest: a peer that stops reading blocks only the
// writing thread. Nothing here holds a pointer into the moving Lisp heap across a call.
// The stream's record (SPath slot) is a simple vector, slots X* below.
using LispVm.Gc;
using LispVm.Net;
using LispVm.Reader;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    public const int KSocket = 20;
    // XHold: a UTF-8 sequence cut by the end of a read (SocketUtf8's hold, 0 for none). The
    // character buffer holds SocketUtf8 units, so what was decoded ahead gives its exact
    // bytes back to an octet read (CoreTcpOctets.cs). XMode: the element type, ModeBivalent
    // (:DEFAULT), ModeChars (CHARACTER) or ModeOctets ((UNSIGNED-BYTE 8)). XTimeout: the
    // Lisp side's read timeout (NIL or seconds), kept here with the stream.
    const int XHandle = 0, XOut = 1, XOutFill = 2, XFlags = 3, XError = 4, XHold = 5, XTelnet = 6, XOwner = 7, XInterrupts = 8, XMode = 9, XTimeout = 10, XSize = 11;
    const int FEof = 1, FTelnet = 2, FOverflow = 4;
    public const int ModeBivalent = 0, ModeChars = 1, ModeOctets = 2;
    /// <summary>Input buffer: SocketInChars decoded characters; one READ of a longer form
    /// doubles it, up to SocketInMaxChars. Output: SocketOutBytes, grown only while one
    /// builtin writes more (at most SocketOutMaxBytes; beyond, the output is cut and the
    /// next drain signals it).</summary>
    public const int SocketInChars = 4096, SocketInMaxChars = 1 << 20, SocketOutBytes = 4096, SocketOutMaxBytes = 1 << 18;
    const int ReadChunk = 2048;

    static void RegisterTcp(Builtins b)
    {
        b.Vm.SocketReadSource = new SocketSource(b.Vm);     // at start-up, like the VM's own sources
        b.Def("%TCP-LISTEN", 2, 2, &TcpListenB);
        b.Def("%TCP-ACCEPT", 1, 1, &TcpAcceptB);
        b.Def("%TCP-CONNECT", 2, 2, &TcpConnectB);
        b.Def("%TCP-STATE", 1, 1, &TcpStateB);
        b.Def("%TCP-READY", 1, 1, &TcpReadyB);
        b.Def("%TCP-PROBE", 1, 1, &TcpProbeB);
        b.Def("%TCP-CLOSE", 1, 1, &TcpCloseB);
        b.Def("%TCP-ABORT", 1, 1, &TcpAbortB);
        b.Def("%TCP-SET-NO-DELAY", 2, 2, &TcpSetNoDelayB);
        b.Def("%TCP-REMOTE", 1, 1, &TcpRemoteB);
        b.Def("%TCP-LOCAL-PORT", 1, 1, &TcpLocalPortB);
        b.Def("%MAKE-SOCKET-STREAM", 2, 3, &MakeSocketStream);
        b.Def("%SOCKET-STREAM-P", 1, 1, &SocketStreamP);
        b.Def("%SOCKET-HANDLE", 1, 1, &SocketHandle);
        b.Def("%SOCKET-FILL", 1, 1, &SocketFill);
        b.Def("%SOCKET-AVAILABLE", 1, 1, &SocketAvailable);
        b.Def("%SOCKET-ERROR", 1, 1, &SocketErrorB);
        b.Def("%SOCKET-INPUT-ROOM", 1, 1, &SocketInputRoom);
        b.Def("%SOCKET-SET-OWNER", 2, 2, &SocketSetOwner);
        b.Def("%SOCKET-INTERRUPTS", 1, 1, &SocketInterrupts);
        b.Def("%SOCKET-FLUSH", 1, 1, &SocketFlush);
        b.Def("%SOCKET-PUT-STRING", 4, 4, &SocketPutString);
        b.Def("%SOCKET-PUT-OCTETS", 4, 4, &SocketPutOctets);
        b.Def("%SOCKET-TAKE-OCTETS", 4, 4, &SocketTakeOctets);
        b.Def("%SOCKET-TAKE-BYTE", 1, 1, &SocketTakeByte);
        b.Def("%SOCKET-WRITE-BYTE", 2, 2, &SocketWriteByte);
        b.Def("%SOCKET-OCTETS-AVAILABLE", 1, 1, &SocketOctetsAvailable);
        b.Def("%SOCKET-MODE", 1, 1, &SocketModeB);
        b.Def("%SOCKET-TIMEOUT", 1, 1, &SocketTimeoutB);
        b.Def("%SOCKET-SET-TIMEOUT", 2, 2, &SocketSetTimeout);
        b.Def("%SOCKET-TAKE-LINE", 1, 1, &SocketTakeLine);
        b.Def("%SOCKET-TRY-READ", 1, 1, &SocketTryRead);
        b.Def("%SOCKET-GROW", 1, 1, &SocketGrow);
        b.Def("%SOCKET-DISCARD-INPUT", 1, 1, &SocketDiscardInput);
        b.Def("%SOCKET-SKIP-BLANK-LINE", 1, 1, &SocketSkipBlankLine);
        b.Def("%JOIN-STRINGS", 1, 1, &JoinStrings);
        b.Def("%IO-WAIT", 1, 1, &IoWaitB);
        b.Def("%THREAD-INTERRUPT", 1, 1, &ThreadInterruptB);
        b.Def("%SERVE-AT-EOF", 1, 1, &ServeInBackgroundB);
        b.Def("%CONSTANT-TIME-EQUAL", 2, 2, &ConstantTimeEqual);
    }

    // ---- Handles (ints: the stack's; errors: NetError codes, the Lisp side names them).

    static bool HandleArg(ulong x, out int h) { return SmallInt(x, 0, int.MaxValue, out h); }

    static ulong TcpListenB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        if (!SmallInt(a[0], 1, 65535, out int port)) return M.Fix(NetError.BadPort);
        if (!SmallInt(a[1], 1, NetStack.MaxBacklog, out int backlog)) backlog = NetStack.MaxBacklog;
        return M.Fix(vm.Net.TcpListen(port, backlog));
    }
    static ulong TcpAcceptB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        return HandleArg(a[0], out int h) ? M.Fix(vm.Net.TcpAccept(h)) : M.Fix(NetError.BadSocket);
    }
    static ulong TcpConnectB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        if (!M.IsFix(a[0]) || M.FixVal(a[0]) < 0 || M.FixVal(a[0]) > 0xFFFFFFFFL) return vm.TypeError(a[0], "(UNSIGNED-BYTE 32)");
        if (!SmallInt(a[1], 1, 65535, out int port)) return M.Fix(NetError.BadPort);
        return M.Fix(vm.Net.TcpConnect((uint)M.FixVal(a[0]), port));
    }
    static ulong TcpStateB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        return HandleArg(a[0], out int h) ? M.Fix(vm.Net.TcpStateOf(h)) : M.Fix(NetError.BadSocket);
    }
    static ulong TcpReadyB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        return HandleArg(a[0], out int h) ? M.Fix(vm.Net.TcpReady(h)) : M.Fix(NetError.BadSocket);
    }
    /// <summary>(%tcp-probe h): why a connection that is not established ended: a NetError
    /// code (Refused, Reset, TimedOut), 0 for an orderly end, WouldBlock while it goes on.</summary>
    static ulong TcpProbeB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        if (!HandleArg(a[0], out int h)) return M.Fix(NetError.BadSocket);
        byte dummy;
        return M.Fix(vm.Net.TcpReceive(h, &dummy, 0));
    }
    static ulong TcpCloseB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        return HandleArg(a[0], out int h) ? M.Fix(vm.Net.TcpClose(h)) : M.Fix(NetError.BadSocket);
    }
    static ulong TcpAbortB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        return HandleArg(a[0], out int h) ? M.Fix(vm.Net.TcpAbort(h)) : M.Fix(NetError.BadSocket);
    }
    /// <summary>(%tcp-set-no-delay h on): Nagle off (on true) or on; 0 or BadSocket.</summary>
    static ulong TcpSetNoDelayB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        return HandleArg(a[0], out int h) ? M.Fix(vm.Net.TcpSetNoDelay(h, a[1] != W.Nil)) : M.Fix(NetError.BadSocket);
    }
    static ulong TcpRemoteB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        if (!HandleArg(a[0], out int h)) return M.Fix(NetError.BadSocket);
        int r = vm.Net.TcpRemote(h, out uint ip, out int port);
        if (r < 0) return M.Fix(r);
        return vm.Values(M.Fix(ip), M.Fix(port));
    }
    static ulong TcpLocalPortB(Vm vm, Args a)
    {
        if (vm.Net == null) return NoNet();
        return HandleArg(a[0], out int h) ? M.Fix(vm.Net.TcpLocalPort(h)) : M.Fix(NetError.BadSocket);
    }

    // ---- Socket streams.

    internal static bool IsSocket(ulong s) { return M.Slot(s, SKind) == M.Fix(KSocket); }
    static ulong Rec(ulong s) { return M.Slot(s, SPath); }
    static long RecFix(ulong s, int i) { return M.FixVal(M.Slot(M.Slot(s, SPath), i)); }
    static void SetRec(Vm vm, ulong s, int i, long v) { vm.Heap.SetSlot(M.Slot(s, SPath), i, M.Fix(v)); }

    /// <summary>(%make-socket-stream handle telnet-p &optional mode): a socket stream over a
    /// connection; mode ModeBivalent (the default), ModeChars or ModeOctets.</summary>
    static ulong MakeSocketStream(Vm vm, Args a)
    {
        if (!HandleArg(a[0], out int h)) return vm.TypeError(a[0], "FIXNUM");
        bool telnet = a[1] != W.Nil;
        int mode = ModeBivalent;
        if (a.Count > 2 && !SmallInt(a[2], ModeBivalent, ModeOctets, out mode)) return vm.TypeError(a[2], "(INTEGER 0 2)");
        Heap hp = vm.Heap;
        int m = hp.RootMark();
        int rin = hp.PushRoot(hp.MakeStringN(SocketInChars, true));
        int rout = hp.PushRoot(hp.AllocRaw(ObjType.ByteVector, SocketOutBytes));
        int rrec = hp.PushRoot(hp.AllocBoxed(ObjType.SimpleVector, XSize));
        ulong rec = hp.Root(rrec);
        hp.SetSlot(rec, XHandle, M.Fix(h));
        hp.SetSlot(rec, XOut, hp.Root(rout));
        hp.SetSlot(rec, XOutFill, M.Fix(0));
        hp.SetSlot(rec, XFlags, M.Fix(telnet ? FTelnet : 0));
        hp.SetSlot(rec, XError, M.Fix(0));
        hp.SetSlot(rec, XHold, M.Fix(0));
        hp.SetSlot(rec, XTelnet, M.Fix(0));
        hp.SetSlot(rec, XOwner, W.Nil);
        hp.SetSlot(rec, XInterrupts, M.Fix(0));
        hp.SetSlot(rec, XMode, M.Fix(mode));
        hp.SetSlot(rec, XTimeout, W.Nil);
        ulong s = vm.MakeStream(KSocket, hp.Root(rin));
        hp.SetSlot(s, SPath, hp.Root(rrec));
        hp.PopRoots(m);
        return s;
    }

    static bool SockArg(ulong x) { return M.Is(x, ObjType.Stream) && IsSocket(x); }
    static ulong SocketStreamP(Vm vm, Args a) { return vm.Bool(SockArg(a[0])); }
    static ulong SocketHandle(Vm vm, Args a)
    {
        if (!SockArg(a[0])) return W.Nil;
        return M.Fix(RecFix(a[0], XHandle));
    }
    static ulong SocketErrorB(Vm vm, Args a) { return SockArg(a[0]) ? M.Fix(RecFix(a[0], XError)) : M.Fix(0); }
    /// <summary>(%socket-set-owner stream thread-handle): IAC IP on a telnet stream interrupts that thread.</summary>
    static ulong SocketSetOwner(Vm vm, Args a)
    {
        if (!SockArg(a[0])) return vm.TypeError(a[0], "SOCKET-STREAM");
        vm.Heap.SetSlot(Rec(a[0]), XOwner, a[1]);
        return a[1];
    }
    static ulong SocketInterrupts(Vm vm, Args a) { return SockArg(a[0]) ? M.Fix(RecFix(a[0], XInterrupts)) : M.Fix(0); }
    static ulong SocketModeB(Vm vm, Args a) { return SockArg(a[0]) ? M.Fix(RecFix(a[0], XMode)) : vm.TypeError(a[0], "SOCKET-STREAM"); }
    static ulong SocketTimeoutB(Vm vm, Args a) { return SockArg(a[0]) ? M.Slot(Rec(a[0]), XTimeout) : vm.TypeError(a[0], "SOCKET-STREAM"); }
    /// <summary>(%socket-set-timeout stream seconds-or-nil): the Lisp side checks the value.</summary>
    static ulong SocketSetTimeout(Vm vm, Args a)
    {
        if (!SockArg(a[0])) return vm.TypeError(a[0], "SOCKET-STREAM");
        vm.Heap.SetSlot(Rec(a[0]), XTimeout, a[1]);
        return a[1];
    }

    /// <summary>A socket stream of element type (UNSIGNED-BYTE 8): the character builtins
    /// refuse it (CoreStreams.cs InStream/OutStream).</summary>
    internal static bool SocketRefusesChars(ulong s) { return IsSocket(s) && RecFix(s, XMode) == ModeOctets; }

    /// <summary>Characters buffered, or -1 when none and the input has ended.</summary>
    static ulong SocketAvailable(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!SockArg(s)) return vm.TypeError(s, "SOCKET-STREAM");
        long n = M.FixVal(M.Slot(s, SEnd)) - M.FixVal(M.Slot(s, SFill));
        if (n == 0 && (RecFix(s, XFlags) & FEof) != 0) return M.Fix(-1);
        return M.Fix(n);
    }

    /// <summary>Characters %SOCKET-FILL could still add (after compacting); 0 = full of unread input.</summary>
    static ulong SocketInputRoom(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!SockArg(s)) return vm.TypeError(s, "SOCKET-STREAM");
        long unread = M.FixVal(M.Slot(s, SEnd)) - M.FixVal(M.Slot(s, SFill));
        long room = M.Len(M.Slot(s, SBuf)) - 2 - unread;
        return M.Fix(room < 0 ? 0 : room);
    }

    /// <summary>The next buffered character; -1 at the end of input; -2 when none is
    /// buffered yet (Vm.SocketStarved is set: a reader must come back for more).</summary>
    internal static int SocketGet(Vm vm, ulong s, bool consume)
    {
        long pos = M.FixVal(M.Slot(s, SFill)), end = M.FixVal(M.Slot(s, SEnd));
        if (pos < end)
        {
            int c = SocketUtf8.CharOf(((uint*)M.Raw(M.Slot(s, SBuf)))[pos]);
            if (consume) vm.Heap.SetSlot(s, SFill, M.Fix(pos + 1));
            return c;
        }
        if ((RecFix(s, XFlags) & FEof) != 0) return -1;
        vm.SocketStarved = true;
        return -2;
    }

    /// <summary>(%socket-fill stream): moves what the connection has received into the
    /// character buffer without waiting (telnet commands filtered on a telnet stream: IAC
    /// IP interrupts the owner thread and drops the unread input). The characters added,
    /// 0 (nothing yet, or the buffer is full) or -1 (the input has ended).</summary>
    static ulong SocketFill(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!SockArg(s)) return vm.TypeError(s, "SOCKET-STREAM");
        long flags = RecFix(s, XFlags);
        if ((flags & FEof) != 0) return M.Fix(-1);
        if (vm.Net == null) return M.Fix(-1);
        uint* buf = (uint*)M.Raw(M.Slot(s, SBuf));
        int cap = M.Len(M.Slot(s, SBuf));
        long pos = M.FixVal(M.Slot(s, SFill)), end = M.FixVal(M.Slot(s, SEnd));
        if (pos > 1)
        {
            // Compact, keeping one consumed character for UNREAD-CHAR.
            long from = pos - 1;
            for (long i = from; i < end; i++) buf[i - from] = buf[i];
            end -= from; pos = 1;
            vm.Heap.SetSlot(s, SFill, M.Fix(pos));
            vm.Heap.SetSlot(s, SEnd, M.Fix(end));
        }
        // n bytes make at most n + 1 units (a cut sequence's raw unit, then the byte's own).
        int room = cap - (int)end - 1;
        if (room <= 0) return M.Fix(0);
        byte* raw = stackalloc byte[ReadChunk];
        int want = room < ReadChunk ? room : ReadChunk;
        int n = vm.Net.TcpReceive((int)RecFix(s, XHandle), raw, want);
        if (n == NetError.WouldBlock) return M.Fix(0);
        long hold = RecFix(s, XHold);
        int added = 0;
        if (n <= 0)
        {
            if (hold != 0) { buf[end++] = SocketUtf8.HoldUnit(hold); added++; SetRec(vm, s, XHold, 0); }
            SetRec(vm, s, XFlags, flags | FEof);
            if (n < 0) SetRec(vm, s, XError, n);
            vm.Heap.SetSlot(s, SEnd, M.Fix(end));
            return M.Fix(added > 0 ? added : -1);
        }
        if (n > want) n = want;
        bool telnet = (flags & FTelnet) != 0;
        int ts = (int)RecFix(s, XTelnet);
        int interrupts = 0;
        for (int i = 0; i < n; i++)
        {
            int b = raw[i];
            if (telnet)
            {
                int opt = b;
                b = TelnetFilter.Step(ref ts, b, out int reply);
                if (reply != 0) TelnetReply(vm, s, reply, opt);
                if (b == TelnetFilter.Dropped) continue;
                if (b == TelnetFilter.Interrupt)
                {
                    interrupts++;
                    end = pos;                 // the unread input goes, as Ctrl-C drops typeahead
                    added = 0; hold = 0;
                    continue;
                }
            }
            int k = SocketUtf8.Step(ref hold, b, buf + end);
            end += k; added += k;
        }
        SetRec(vm, s, XHold, hold);
        SetRec(vm, s, XTelnet, ts);
        vm.Heap.SetSlot(s, SEnd, M.Fix(end));
        if (interrupts > 0)
        {
            SetRec(vm, s, XInterrupts, RecFix(s, XInterrupts) + interrupts);
            ulong owner = M.Slot(Rec(s), XOwner);
            LispThread t = M.IsFix(owner) ? vm.FromHandle(M.FixVal(owner)) : null;
            if (t != null && t.State == ThreadState.Runnable) vm.InterruptThread(t);
        }
        return M.Fix(added);
    }

    /// <summary>IAC reply option into the output buffer (raw bytes, not characters), sent
    /// with the next flush; dropped when the buffer has no room (the client asks again).</summary>
    static void TelnetReply(Vm vm, ulong s, int reply, int opt)
    {
        ulong rec = Rec(s);
        ulong ob = M.Slot(rec, XOut);
        int fill = (int)M.FixVal(M.Slot(rec, XOutFill));
        if (fill + 3 > M.Len(ob)) return;
        byte* d = M.Raw(ob) + fill;
        d[0] = TelnetFilter.Iac; d[1] = (byte)reply; d[2] = (byte)opt;
        vm.Heap.SetSlot(rec, XOutFill, M.Fix(fill + 3));
    }

    /// <summary>One character out (StreamPut): UTF-8 into the output buffer; when full, a
    /// send without waiting, then growth (bounded) for the rest of this builtin's output.</summary>
    internal static void SocketPut(Vm vm, ulong s, int c)
    {
        byte* u = stackalloc byte[4];
        SocketPutBytes(vm, s, u, Utf8Put(u, c));
    }

    /// <summary>k (1..4) raw bytes out, as SocketPut does a character's UTF-8.</summary>
    static void SocketPutBytes(Vm vm, ulong s, byte* u, int k)
    {
        ulong rec = Rec(s);
        ulong ob = M.Slot(rec, XOut);
        int fill = (int)M.FixVal(M.Slot(rec, XOutFill));
        int cap = M.Len(ob);
        if (fill + 4 > cap)
        {
            SendNow(vm, s);
            rec = Rec(s); ob = M.Slot(rec, XOut);
            fill = (int)M.FixVal(M.Slot(rec, XOutFill));
            if (fill + 4 > cap)
            {
                if (cap * 2 > SocketOutMaxBytes)
                {
                    vm.Heap.SetSlot(rec, XFlags, M.Fix(M.FixVal(M.Slot(rec, XFlags)) | FOverflow));
                    return;
                }
                Heap h = vm.Heap;
                int m = h.RootMark(); int rs = h.PushRoot(s);
                ulong nb = h.AllocRaw(ObjType.ByteVector, cap * 2);
                s = h.Root(rs); h.PopRoots(m);
                rec = Rec(s); ob = M.Slot(rec, XOut);
                for (int i = 0; i < fill; i++) M.Raw(nb)[i] = M.Raw(ob)[i];
                h.SetSlot(rec, XOut, nb);
                ob = nb;
            }
        }
        byte* d = M.Raw(ob) + fill;
        for (int i = 0; i < k; i++) d[i] = u[i];
        vm.Heap.SetSlot(rec, XOutFill, M.Fix(fill + k));
    }

    /// <summary>Hands the output buffer to the stack without waiting; the bytes left, or a NetError.</summary>
    static int SendNow(Vm vm, ulong s)
    {
        ulong rec = Rec(s);
        int fill = (int)M.FixVal(M.Slot(rec, XOutFill));
        int err = (int)M.FixVal(M.Slot(rec, XError));
        if (fill == 0) return 0;
        if (vm.Net == null) return NetError.NoNetwork;
        if (err < 0 && err != NetError.WouldBlock) return err;
        byte* b = M.Raw(M.Slot(rec, XOut));
        int n = vm.Net.TcpSend((int)M.FixVal(M.Slot(rec, XHandle)), b, fill);
        // NotConnected: our own SOCKET-SHUTDOWN; not an error of the connection, so reads
        // still end with the peer's FIN rather than with it.
        if (n < 0) { if (n != NetError.NotConnected) vm.Heap.SetSlot(rec, XError, M.Fix(n)); return n; }
        for (int i = n; i < fill; i++) b[i - n] = b[i];
        vm.Heap.SetSlot(rec, XOutFill, M.Fix(fill - n));
        return fill - n;
    }

    /// <summary>(%socket-flush stream): sends what the ring takes now; the bytes still
    /// buffered, or a NetError code (and -100 once when output was cut: overflow).</summary>
    static ulong SocketFlush(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!SockArg(s)) return M.Fix(0);
        long flags = RecFix(s, XFlags);
        if ((flags & FOverflow) != 0) { SetRec(vm, s, XFlags, flags & ~FOverflow); return M.Fix(-100); }
        return M.Fix(SendNow(vm, s));
    }

    /// <summary>(%socket-put-string stream string start end): characters start..end out
    /// (the caller keeps end - start small: SocketOutBytes / 4).</summary>
    static ulong SocketPutString(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!SockArg(s)) return vm.TypeError(s, "SOCKET-STREAM");
        if (!VecInfo(a[1], out ulong store, out int len, out int cap)) return vm.TypeError(a[1], "STRING");
        if (!SmallInt(a[2], 0, len, out int start) || !SmallInt(a[3], start, len, out int end)) return vm.SimpleError("Bad string bounds.");
        Heap h = vm.Heap;
        int m = h.RootMark(); int rs = h.PushRoot(s); int rstr = h.PushRoot(a[1]);
        for (int i = start; i < end; i++)
        {
            VecInfo(h.Root(rstr), out store, out len, out cap);
            if (i >= len) break;
            vm.StreamPut(h.Root(rs), W.CharCode(ElemRef(vm, store, i)));
        }
        h.PopRoots(m);
        return W.Nil;
    }

    /// <summary>(%socket-take-line stream): the buffered characters up to a newline (taken,
    /// the newline consumed) as (values string 1), or all of them (values string 0) when no
    /// newline is buffered yet; (values nil 2) at the end of input with nothing buffered.</summary>
    static ulong SocketTakeLine(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!SockArg(s)) return vm.TypeError(s, "SOCKET-STREAM");
        long pos = M.FixVal(M.Slot(s, SFill)), end = M.FixVal(M.Slot(s, SEnd));
        if (pos >= end && (RecFix(s, XFlags) & FEof) != 0) return vm.Values(W.Nil, M.Fix(2));
        uint* buf = (uint*)M.Raw(M.Slot(s, SBuf));
        long stop = pos;
        bool wide = false;
        while (stop < end && buf[stop] != '\n') { if (SocketUtf8.CharOf(buf[stop]) > 255) wide = true; stop++; }
        bool line = stop < end;
        int n = (int)(stop - pos);
        Heap h = vm.Heap;
        int m = h.RootMark(); int rs = h.PushRoot(s);
        ulong str = h.MakeStringN(n, wide);
        s = h.Root(rs); h.PopRoots(m);
        buf = (uint*)M.Raw(M.Slot(s, SBuf));
        for (int i = 0; i < n; i++)
        {
            uint c = (uint)SocketUtf8.CharOf(buf[pos + i]);
            if (wide) ((uint*)M.Raw(str))[i] = c; else M.Raw(str)[i] = (byte)c;
        }
        h.SetSlot(s, SFill, M.Fix(line ? stop + 1 : stop));
        return vm.Values(str, M.Fix(line ? 1 : 0));
    }

    sealed class SocketSource : IReadSource
    {
        readonly Vm vm;
        public SocketSource(Vm vm) { this.vm = vm; }
        public int Read() { return Clip(SocketGet(vm, vm.Roots[(int)R.ReadStream], true)); }
        public int Peek() { return Clip(SocketGet(vm, vm.Roots[(int)R.ReadStream], false)); }
        static int Clip(int c) { return c < 0 ? -1 : c; }
        public bool AtRealEnd { get { return true; } }
    }

    /// <summary>(%socket-try-read stream): one form read from the buffered characters; the
    /// keyword :%MORE (position unchanged) when they ended before the form did and the peer
    /// has not ended: wait for input and try again; :%EOF at the end of input.</summary>
    static ulong SocketTryRead(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!SockArg(s)) return vm.TypeError(s, "SOCKET-STREAM");
        long start = M.FixVal(M.Slot(s, SFill));
        ulong saved = vm.Roots[(int)R.ReadStream];
        vm.Roots[(int)R.ReadStream] = s;
        vm.SocketStarved = false;
        ReadStatus st = vm.Reader.Read(vm.SocketReadSource, vm.ReadOptionsNow(), out ulong v);
        s = vm.Roots[(int)R.ReadStream];
        vm.Roots[(int)R.ReadStream] = saved;
        if (vm.SocketStarved)
        {
            vm.SocketStarved = false;
            vm.Heap.SetSlot(s, SFill, M.Fix(start));
            return vm.Intern(":%MORE");
        }
        if (st == ReadStatus.Ok) return v;
        if (st == ReadStatus.Eof) return vm.Intern(":%EOF");
        if (st == ReadStatus.NeedMore) return vm.Error("END-OF-FILE", "STREAM", s);
        return vm.ReaderError();
    }

    /// <summary>(%socket-grow stream): doubles the input buffer (a form longer than it); NIL at the limit.</summary>
    static ulong SocketGrow(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!SockArg(s)) return vm.TypeError(s, "SOCKET-STREAM");
        int cap = M.Len(M.Slot(s, SBuf));
        if (cap * 2 > SocketInMaxChars) return W.Nil;
        Heap h = vm.Heap;
        int m = h.RootMark(); int rs = h.PushRoot(s);
        ulong nb = h.MakeStringN(cap * 2, true);
        s = h.Root(rs); h.PopRoots(m);
        long pos = M.FixVal(M.Slot(s, SFill)), end = M.FixVal(M.Slot(s, SEnd));
        uint* from = (uint*)M.Raw(M.Slot(s, SBuf)), to = (uint*)M.Raw(nb);
        for (long i = 0; i < end; i++) to[i] = from[i];
        h.SetSlot(s, SBuf, nb);
        return vm.T;
    }

    static ulong SocketDiscardInput(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!SockArg(s)) return W.Nil;
        vm.Heap.SetSlot(s, SFill, M.Slot(s, SEnd));
        SetRec(vm, s, XHold, 0);
        return W.Nil;
    }

    /// <summary>After a form read at the prompt: the rest of its line when it is only blanks
    /// (so READ-LINE in the form gets the next line, as on the console); the output column
    /// is 0 again (the client's terminal echoed the line end), so values print after "* "
    /// without a fresh line first.</summary>
    static ulong SocketSkipBlankLine(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!SockArg(s)) return W.Nil;
        long pos = M.FixVal(M.Slot(s, SFill)), end = M.FixVal(M.Slot(s, SEnd));
        uint* buf = (uint*)M.Raw(M.Slot(s, SBuf));
        long q = pos;
        while (q < end && (buf[q] == ' ' || buf[q] == '\t' || buf[q] == '\r')) q++;
        if (q < end && buf[q] == '\n') vm.Heap.SetSlot(s, SFill, M.Fix(q + 1));
        vm.Heap.SetSlot(s, SCol, M.Fix(0));
        return W.Nil;
    }

    /// <summary>(%join-strings list): one fresh string of the strings in order.</summary>
    static ulong JoinStrings(Vm vm, Args a)
    {
        long total = 0; bool wide = false;
        for (ulong l = a[0]; W.IsCons(l); l = M.Cdr(l))
        {
            ulong x = M.Car(l);
            if (!IsStr(x)) return vm.TypeError(x, "STRING");
            total += M.Len(x);
            if (M.Type(x) == ObjType.String32)
                for (int i = 0; i < M.Len(x); i++) if (((uint*)M.Raw(x))[i] > 255) { wide = true; break; }
        }
        if (total > int.MaxValue / 8) return vm.SimpleError("String too long.");
        if (!vm.Heap.RoomFor((ulong)total * (wide ? 4UL : 1UL) + 64)) return vm.HeapExhausted();
        Heap h = vm.Heap;
        int m = h.RootMark(); int rl = h.PushRoot(a[0]);
        ulong r = h.MakeStringN((int)total, wide);
        h.PopRoots(m);
        int k = 0;
        for (ulong l = a[0]; W.IsCons(l); l = M.Cdr(l))
        {
            ulong x = M.Car(l);
            int n = M.Len(x);
            for (int i = 0; i < n; i++, k++)
            {
                int c = h.StringChar(x, i);
                if (wide) ((uint*)M.Raw(r))[k] = (uint)c; else M.Raw(r)[k] = (byte)c;
            }
        }
        return r;
    }

    static ulong IoWaitB(Vm vm, Args a)
    {
        if (!M.IsFix(a[0])) return vm.TypeError(a[0], "FIXNUM");
        vm.IoWait(M.FixVal(a[0]));
        return W.Nil;
    }

    static ulong ThreadInterruptB(Vm vm, Args a)
    {
        LispThread t = M.IsFix(a[0]) ? vm.FromHandle(M.FixVal(a[0])) : null;
        if (t == null || t.State != ThreadState.Runnable) return W.Nil;
        vm.InterruptThread(t);
        return vm.T;
    }

    static ulong ServeInBackgroundB(Vm vm, Args a) { vm.ServeInBackground = a[0] != W.Nil; return a[0]; }

    /// <summary>(%constant-time-equal given secret): strings compared in time that depends
    /// on their lengths only (SecretCompare).</summary>
    static ulong ConstantTimeEqual(Vm vm, Args a)
    {
        if (!IsStr(a[0]) || !IsStr(a[1])) return W.Nil;
        const int Max = 1024;
        int n = M.Len(a[0]), k = M.Len(a[1]);
        if (n > Max) n = Max;                 // longer givens compare as unequal below
        if (k > Max) return W.Nil;
        int* x = stackalloc int[Max];
        int* y = stackalloc int[Max];
        for (int i = 0; i < n; i++) x[i] = vm.Heap.StringChar(a[0], i);
        for (int i = 0; i < k; i++) y[i] = vm.Heap.StringChar(a[1], i);
        bool eq = SecretCompare.Equal(x, n, y, k) && M.Len(a[0]) <= Max;
        return vm.Bool(eq);
    }

    // ---- Hooks for the stream builtins (CoreStreams.cs): the socket cases.

    /// <summary>The builtin `name` found no input buffered: (%socket-retry 'name stream
    /// args...) waits for input in Lisp and calls it again.</summary>
    internal static ulong SocketRetry(Vm vm, Args a, ulong s, string name)
    {
        int n = a.Count;
        for (int i = n - 1; i >= 0; i--) a.Set(i + 2, a[i]);
        a.Set(0, vm.Intern(name));
        a.Set(1, s);
        return TailTo(vm, "%SOCKET-RETRY", n + 2);
    }

    static ulong TailTo(Vm vm, string fname, int argc)
    {
        ulong fn = vm.SymFunction(vm.Intern(fname));
        if (!W.IsObj(fn)) return vm.SimpleError("Socket streams need the library (81-tcp.lisp).");
        vm.TailFn = fn; vm.TailArgc = argc;
        return Vm.TailCallReq;
    }

    /// <summary>Calls fname with the given arguments in place of the builtin's.</summary>
    internal static ulong SocketTail(Vm vm, Args a, string fname, ulong x0, ulong x1, ulong x2)
    {
        a.Set(0, x0); a.Set(1, x1); a.Set(2, x2);
        return TailTo(vm, fname, 3);
    }

    /// <summary>After output to a socket stream: when the buffer is that full (or all is
    /// asked), (%socket-drain stream value all-p) sends and waits; else value at once.</summary>
    internal static ulong SocketAfterOutput(Vm vm, Args a, ulong s, ulong value, bool all)
    {
        long fill = RecFix(s, XOutFill);
        if (!all && fill < SocketOutBytes && (RecFix(s, XFlags) & FOverflow) == 0) return value;
        return SocketTail(vm, a, "%SOCKET-DRAIN", s, value, vm.Bool(all));
    }

    internal static ulong SocketReadChar(Vm vm, Args a, ulong s)
    {
        int c = SocketGet(vm, s, true);
        if (c == -2) { vm.SocketStarved = false; return SocketRetry(vm, a, s, "READ-CHAR"); }
        return c < 0 ? EofOr(vm, a, 1, s) : W.MakeChar(c);
    }

    internal static ulong SocketPeekChar(Vm vm, Args a, ulong s)
    {
        ulong pt = a.Count > 0 ? a[0] : W.Nil;
        for (; ; )
        {
            int c = SocketGet(vm, s, false);
            if (c == -2) { vm.SocketStarved = false; return SocketRetry(vm, a, s, "PEEK-CHAR"); }
            if (c < 0) return EofOr(vm, a, 2, s);
            if (pt == vm.T && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) { SocketGet(vm, s, true); continue; }
            if (W.IsChar(pt) && W.CharCode(pt) != c) { SocketGet(vm, s, true); continue; }
            return W.MakeChar(c);
        }
    }

    internal static void SocketUnread(Vm vm, ulong s)
    {
        long pos = M.FixVal(M.Slot(s, SFill));
        if (pos > 0) vm.Heap.SetSlot(s, SFill, M.Fix(pos - 1));
    }
}
