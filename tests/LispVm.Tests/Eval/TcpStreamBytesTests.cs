// Why: socket streams carry text and octets on one connection (issue 17): an octet read after
// a text read must get exactly the wire bytes (malformed UTF-8 and a sequence split across
// segments included), READ-BYTE/WRITE-BYTE and element types, READ-CHAR-NO-HANG/LISTEN,
// half-close, SOCKET-TIMEOUT and CLOSE :ABORT. The guest (the VM's NetStack at 10.0.0.2)
// talks to a scripted peer (a NetStack at 10.0.0.1 on its own thread, NetApiTests' wire)
// that sends exactly the segments a test gives it and records every byte it gets.
using System.Collections.Concurrent;
using System.Text;
using LispVm.Net;
using Xunit;

namespace LispVm.Tests.Eval;

public class TcpStreamBytesTests
{
    /// <summary>A peer listening on port 7: sends each queued segment in order (the next only
    /// when the last is in its send ring), then FIN when Fin is set; records what arrives.</summary>
    sealed unsafe class Script
    {
        public readonly ConcurrentQueue<byte[]> Segments = new();
        public volatile bool Fin, Reset, PeerEof, Deaf;   // Deaf: stop reading (a full window)
        public volatile int Accepted;
        readonly List<byte> got = new();
        int listener = -1, conn = -1, sentOfHead;
        bool finSent;
        readonly byte[] buf = new byte[8192];

        public byte[] Got { get { lock (got) return got.ToArray(); } }
        public void Send(params byte[] bytes) => Segments.Enqueue(bytes);
        public void Send(string text) => Segments.Enqueue(Encoding.UTF8.GetBytes(text));

        public void Step(NetPeer peer)
        {
            NetStack st = peer.Stack;
            if (listener < 0) listener = st.TcpListen(7, 8);
            int fresh = st.TcpAccept(listener);           // a new connection replaces the last
            if (fresh >= 0) { conn = fresh; sentOfHead = 0; finSent = false; Accepted++; }
            if (conn < 0) return;
            while (Segments.TryPeek(out byte[] head))
            {
                int k;
                fixed (byte* b = head) k = st.TcpSend(conn, b + sentOfHead, head.Length - sentOfHead);
                if (k <= 0) break;
                sentOfHead += k;
                if (sentOfHead < head.Length) break;
                Segments.TryDequeue(out _); sentOfHead = 0;
            }
            if (Fin && !finSent && Segments.IsEmpty) { st.TcpClose(conn); finSent = true; }
            if (Deaf) return;
            int n;
            fixed (byte* b = buf) n = st.TcpReceive(conn, b, buf.Length);
            if (n > 0) lock (got) got.AddRange(buf.AsSpan(0, n).ToArray());
            else if (n == 0) PeerEof = true;
            else if (n == NetError.Reset) Reset = true;
        }
    }

    sealed class Net : IDisposable
    {
        public readonly EvalHost Host = new EvalHost();
        public readonly NetPeer Peer;
        public readonly Script Script = new Script();
        public Net()
        {
            var (guest, peer) = WireEnd.Pair();
            var vm = Host.Host.Vm;
            vm.Net = new NetStack(guest, NetPeer.Config("ip=10.0.0.2/24 gw=10.0.0.1"));
            vm.NetDevice = guest;
            Peer = new NetPeer(peer, Script.Step);
        }
        public string Eval(string s) => Host.Eval(s);
        public void Dispose() { Peer.Dispose(); Host.Dispose(); }
    }

    static bool WaitFor(Func<bool> cond, int ms = 5000)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!cond()) { if (sw.ElapsedMilliseconds > ms) return false; Thread.Sleep(10); }
        return true;
    }

    [Fact]
    public void Octets_after_read_line_are_the_wire_bytes_with_bad_utf8_and_a_split_sequence()
    {
        using var n = new Net();
        n.Eval("(defvar *s* (tcp-connect \"10.0.0.1\" 7 :timeout 5))");
        // One segment: a header line, then bytes that are no UTF-8 (0x80..0xFF alone, an overlong
        // C0 AF, a surrogate ED A0 80) and the first two bytes of € (E2 82 AC), cut there.
        n.Script.Send(new byte[] { (byte)'l', (byte)'e', (byte)'n', (byte)'\r', (byte)'\n',
                                   0x80, 0xFF, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0xFE, 0xE2, 0x82 });
        Assert.Equal("\"len\"", n.Eval("(values (read-line *s*))"));
        // The read decoded everything that had come, the cut sequence included: its bytes wait.
        Assert.Equal("(10 #(128 255 192 175 237 160 128 254 226 130))", n.Eval(
            "(let ((v (make-array 10 :element-type '(unsigned-byte 8)))) (list (read-sequence v *s*) v))"));
        // The sequence's last byte in a second segment, then all 256 byte values.
        var rest = new byte[257];
        rest[0] = 0xAC;
        for (int i = 0; i < 256; i++) rest[i + 1] = (byte)i;
        n.Script.Send(rest);
        Assert.Equal("T", n.Eval("(let ((v (make-array 257))) (read-sequence v *s*)" +
            " (and (= (aref v 0) #xAC) (loop for i below 256 always (= (aref v (1+ i)) i))))"));
        Assert.Equal("T", n.Eval("(close *s*)"));
    }

    [Fact]
    public void A_three_byte_character_split_across_segments_reads_as_one_and_bytes_stay_exact()
    {
        using var n = new Net();
        n.Eval("(defvar *s* (tcp-connect \"10.0.0.1\" 7 :timeout 5))");
        n.Script.Send(new byte[] { (byte)'a', 0xE2 });
        Assert.Equal("#\\a", n.Eval("(read-char *s*)"));
        Assert.Equal("NIL", n.Eval("(progn (sleep 0.2) (read-char-no-hang *s*))"));   // half a character is none
        Assert.Equal("NIL", n.Eval("(listen *s*)"));
        n.Script.Send(new byte[] { 0x82 });
        Assert.Equal("NIL", n.Eval("(progn (sleep 0.2) (listen *s*))"));
        n.Script.Send(new byte[] { 0xAC, (byte)'b', (byte)'\n' });
        Assert.Equal("\"€b\"", n.Eval("(values (read-line *s*))"));
        // The same split under READ-BYTE: a byte read takes the held part, then the rest.
        n.Script.Send(new byte[] { 0xE2, 0x82 });
        Assert.Equal("NIL", n.Eval("(progn (sleep 0.2) (listen *s*))"));
        Assert.Equal("(226 130)", n.Eval("(list (read-byte *s*) (read-byte *s*))"));
        n.Script.Send(new byte[] { 0xAC, (byte)'c' });
        Assert.Equal("(172 #\\c)", n.Eval("(list (read-byte *s*) (read-char *s*))"));
        Assert.Equal("T", n.Eval("(close *s*)"));
    }

    [Fact]
    public void Malformed_utf8_reads_as_one_replacement_per_maximal_subpart_and_unreads_to_its_bytes()
    {
        using var n = new Net();
        n.Eval("(defvar *s* (tcp-connect \"10.0.0.1\" 7 :timeout 5))");
        // x, 80, FF, C0 AF (C0 never starts a sequence: two), E0 80 (overlong: two), E2 82 then
        // A (one: a cut sequence), F4 90 80 80 (above U+10FFFF: four), é, 😀: 7 + 4 U+FFFD.
        n.Script.Send(new byte[] { (byte)'x', 0x80, 0xFF, 0xC0, 0xAF, 0xE0, 0x80, 0xE2, 0x82, (byte)'A',
                                   0xF4, 0x90, 0x80, 0x80, 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, (byte)'\n' });
        Assert.Equal("(\"x\" 7 \"A\" 4 (233 128512) 15)", n.Eval(
            "(let* ((line (read-line *s*)) (codes (map 'list #'char-code line)))" +
            " (list (subseq line 0 1) (count #xFFFD codes :end 8) (subseq line 8 9)" +
            "       (count #xFFFD codes :start 9) (last codes 2) (length line)))"));
        // A replacement character read, unread, then read as bytes: its own bytes.
        n.Script.Send(new byte[] { 0xC0, 0xAF, (byte)'z' });
        Assert.Equal("(65533 192 175 #\\z)", n.Eval(
            "(let ((c (read-char *s*))) (unread-char c *s*)" +
            " (list (char-code c) (read-byte *s*) (read-byte *s*) (read-char *s*)))"));
        Assert.Equal("T", n.Eval("(close *s*)"));
    }

    [Fact]
    public void Read_byte_and_write_byte_mix_with_characters_in_wire_order()
    {
        using var n = new Net();
        n.Eval("(defvar *s* (tcp-connect \"10.0.0.1\" 7 :timeout 5))");
        Assert.Equal("200", n.Eval("(prog1 (write-byte 200 *s*) (write-char #\\é *s*) (write-byte 10 *s*)" +
            " (write-string \"ok\" *s*) (write-byte 255 *s*) (finish-output *s*))"));
        Assert.True(WaitFor(() => { n.Eval("(%net-poll)"); return n.Script.Got.Length == 7; }), Convert.ToHexString(n.Script.Got));
        Assert.Equal(new byte[] { 200, 0xC3, 0xA9, 10, (byte)'o', (byte)'k', 255 }, n.Script.Got);
        // The peer sends the same bytes back: C8 then C3 A9 is a cut sequence, then é.
        n.Script.Send(new byte[] { 200, 0xC3, 0xA9, 10, (byte)'o', (byte)'k', 255 });
        Assert.Equal("(200 #\\é 10 \"ok\" 255 :TIMEOUT)", n.Eval(
            "(let ((r (list (read-byte *s*) (read-char *s*) (read-byte *s*) (let ((s (make-string 2))) (read-sequence s *s*) s)" +
            "               (read-byte *s*))))" +
            "  (setf (socket-timeout *s*) 0.2)" +
            "  (append r (list (handler-case (read-byte *s*) (net-error () :timeout)))))"));
        Assert.Contains("(UNSIGNED-BYTE 8)", n.Eval("(write-byte 256 *s*)"));
        Assert.Contains("(UNSIGNED-BYTE 8)", n.Eval("(write-byte -1 *s*)"));
        Assert.Equal("T", n.Eval("(close *s*)"));
    }

    [Fact]
    public void Element_types_choose_what_a_stream_moves_and_refuse_the_other_kind()
    {
        using (var n = new Net())
        {
            Assert.Equal("(OR CHARACTER (UNSIGNED-BYTE 8))", n.Eval(
                "(let ((s (tcp-connect \"10.0.0.1\" 7 :timeout 5))) (prog1 (stream-element-type s) (close s)))"));
            // An octet stream: general vectors get octets, character I/O is an error.
            n.Eval("(defvar *b* (tcp-connect \"10.0.0.1\" 7 :timeout 5 :element-type '(unsigned-byte 8)))");
            Assert.Equal("(UNSIGNED-BYTE 8)", n.Eval("(stream-element-type *b*)"));
            Assert.Contains("no character I/O", n.Eval("(write-char #\\a *b*)"));
            Assert.Contains("no character I/O", n.Eval("(format *b* \"hi\")"));
            Assert.Contains("no character I/O", n.Eval("(write-sequence \"hi\" *b*)"));
            Assert.Contains("no character I/O", n.Eval("(read-line *b*)"));
            Assert.True(WaitFor(() => n.Script.Accepted == 2), "the peer took the second connection");
            n.Script.Send(new byte[] { 0xE2, 0x82, 0xAC, (byte)'A' });
            Assert.Equal("T", n.Eval("(progn (sleep 0.2) (listen *b*))"));
            Assert.Equal("(4 #(226 130 172 65))", n.Eval("(let ((v (make-array 4))) (list (read-sequence v *b*) v))"));
            Assert.Equal("T", n.Eval("(close *b*)"));
        }
        // A character stream (the scripted peer serves one connection: a fresh wire).
        using var m = new Net();
        m.Eval("(defvar *c* (tcp-connect \"10.0.0.1\" 7 :timeout 5 :element-type 'character))");
        Assert.Equal("CHARACTER", m.Eval("(stream-element-type *c*)"));
        Assert.Contains("element type CHARACTER", m.Eval("(read-byte *c*)"));
        Assert.Contains("element type CHARACTER", m.Eval("(write-byte 1 *c*)"));
        m.Script.Send("héllo");
        Assert.Equal("(5 #(#\\h #\\é #\\l #\\l #\\o))", m.Eval("(let ((v (make-array 5))) (list (read-sequence v *c*) v))"));
        Assert.Equal("T", m.Eval("(close *c*)"));
        Assert.Contains("a socket stream takes :DEFAULT", m.Eval("(tcp-connect \"10.0.0.1\" 7 :element-type 'fixnum)"));
    }

    [Fact]
    public void Read_char_no_hang_does_not_wait_and_sees_the_end_of_input()
    {
        using var n = new Net();
        n.Eval("(defvar *s* (tcp-connect \"10.0.0.1\" 7 :timeout 5))");
        Assert.Equal("(NIL T)", n.Eval(
            "(let ((t0 (get-internal-real-time))) (list (read-char-no-hang *s*)" +
            " (< (- (get-internal-real-time) t0) (* 0.5 internal-time-units-per-second))))"));
        n.Script.Send("k");
        Assert.Equal("#\\k", n.Eval("(loop (let ((c (read-char-no-hang *s*))) (when c (return c)) (sleep 0.05)))"));
        // CLEAR-INPUT drops what has arrived, a cut sequence included; later input is kept.
        n.Script.Send(new byte[] { (byte)'o', (byte)'l', (byte)'d', 0xE2, 0x82 });
        Assert.Equal("(#\\o NIL NIL)", n.Eval("(progn (sleep 0.3) (list (peek-char nil *s*) (clear-input *s*) (listen *s*)))"));
        n.Script.Send("new");
        Assert.Equal("(#\\n #\\e #\\w)", n.Eval("(list (read-char *s*) (read-char *s*) (read-char *s*))"));
        n.Script.Fin = true;
        Assert.Equal(":END", n.Eval("(progn (sleep 0.3) (read-char-no-hang *s* nil :end))"));
        Assert.Equal("NIL", n.Eval("(listen *s*)"));
        Assert.Equal("T", n.Eval("(close *s*)"));
    }

    [Fact]
    public void After_the_peers_half_close_reads_end_and_writes_still_arrive()
    {
        using var n = new Net();
        n.Eval("(defvar *s* (tcp-connect \"10.0.0.1\" 7 :timeout 5))");
        n.Script.Send("request\n");
        n.Script.Fin = true;
        Assert.Equal("(\"request\" :EOF :EOF :EOF 0)", n.Eval(
            "(list (read-line *s*) (read-line *s* nil :eof) (read-byte *s* nil :eof) (read-char *s* nil :eof)" +
            "      (read-sequence (make-array 3) *s*))"));
        Assert.Equal("T", n.Eval("(progn (write-line \"response\" *s*) (write-byte 7 *s*) (close *s*))"));
        Assert.True(WaitFor(() => n.Script.Got.Length == 10 && n.Script.PeerEof), "the peer got the reply, then FIN");
        Assert.Equal("response\n\a", Encoding.ASCII.GetString(n.Script.Got));
    }

    [Fact]
    public void Socket_shutdown_sends_fin_and_the_stream_still_reads_the_reply()
    {
        using var n = new Net();
        n.Eval("(defvar *s* (tcp-connect \"10.0.0.1\" 7 :timeout 5))");
        Assert.Equal("T", n.Eval("(progn (write-string \"GET /\" *s*) (socket-shutdown *s*))"));
        Assert.True(WaitFor(() => n.Script.PeerEof), "the peer saw FIN");
        Assert.Equal("GET /", Encoding.ASCII.GetString(n.Script.Got));
        Assert.Contains("closed", n.Eval("(progn (write-string \"more\" *s*) (finish-output *s*))"));
        n.Script.Send("200 OK\n");
        n.Script.Fin = true;
        Assert.Equal("(\"200 OK\" :EOF T)", n.Eval("(list (read-line *s*) (read-line *s* nil :eof) (close *s*))"));
    }

    [Fact]
    public void Socket_timeout_ends_a_wait_with_a_net_error_and_the_stream_stays_usable()
    {
        using var n = new Net();
        n.Eval("(defvar *s* (tcp-connect \"10.0.0.1\" 7 :timeout 5 :read-timeout 0.3))");
        Assert.Equal("0.3", n.Eval("(socket-timeout *s*)"));
        Assert.Equal("(T T)", n.Eval(
            "(let ((t0 (get-internal-real-time)))" +
            " (list (handler-case (progn (read-line *s*) nil)" +
            "         (net-error (e) (and (search \"socket-timeout\" (princ-to-string e)) t)))" +
            "       (< (- (get-internal-real-time) t0) (* 2 internal-time-units-per-second))))"));
        Assert.Equal("T", n.Eval("(handler-case (progn (read-byte *s*) nil) (net-error () t))"));
        n.Script.Send("late\n");
        Assert.Equal("\"late\"", n.Eval("(values (read-line *s*))"));
        Assert.Equal("NIL", n.Eval("(setf (socket-timeout *s*) nil)"));
        Assert.Contains("TYPE-ERROR", n.Eval("(handler-case (setf (socket-timeout *s*) -1) (type-error () 'type-error))"));
        Assert.Contains("TYPE-ERROR", n.Eval("(handler-case (tcp-connect \"10.0.0.1\" 7 :read-timeout 0) (type-error () 'type-error))"));
        // A peer that stops reading: the write waits while the windows fill, then times out.
        n.Script.Deaf = true;
        Assert.Equal("(:WRITE T)", n.Eval("(progn (setf (socket-timeout *s*) 0.5)" +
            " (handler-case (progn (dotimes (i 200) (write-string (make-string 1000 :initial-element #\\w) *s*)) :all-written)" +
            "   (net-error (e) (list :write (and (search \"within 0.5 s\" (princ-to-string e)) t)))))"));
        n.Script.Deaf = false;
        Assert.Equal("T", n.Eval("(close *s* :abort t)"));
    }

    [Fact]
    public void Close_abort_resets_at_once_and_drops_unsent_output()
    {
        using var n = new Net();
        n.Eval("(defvar *s* (tcp-connect \"10.0.0.1\" 7 :timeout 5))");
        n.Script.Send("hi\n");                                   // the peer has accepted: it talks
        Assert.Equal("T", n.Eval("(progn (read-line *s*) (write-char #\\x *s*) (close *s* :abort t))"));
        Assert.True(WaitFor(() => n.Script.Reset), "the peer saw RST");
        Assert.Empty(n.Script.Got);
        Assert.Contains("closed", n.Eval("(read-char *s*)"));
    }
}
