// Why: the Lisp TCP API and socket streams (lisp/81-tcp.lisp, Builtins/CoreTcp.cs) against
// the real stack on the in-memory wire of NetApiTests: the VM's NetStack at 10.0.0.2, a
// peer NetStack at 10.0.0.1 on its own thread running a C# TCP echo server or client.
// Handshakes, windows and retransmission all run for real; nothing leaves the process.
using System.Diagnostics;
using System.Text;
using LispVm.Net;
using Xunit;

namespace LispVm.Tests.Eval;

public class TcpStreamTests
{
    sealed class Net : IDisposable
    {
        public readonly EvalHost Host = new EvalHost();
        public readonly NetPeer Peer;
        public Net(Action<NetPeer> serve)
        {
            var (guest, peer) = WireEnd.Pair();
            var vm = Host.Host.Vm;
            vm.Net = new NetStack(guest, NetPeer.Config("ip=10.0.0.2/24 gw=10.0.0.1"));
            vm.NetDevice = guest;
            Peer = new NetPeer(peer, serve);
        }
        public string Eval(string s) => Host.Eval(s);
        public void Dispose() { Peer.Dispose(); Host.Dispose(); }
    }

    /// <summary>A serve step: a TCP echo server on port (any number of connections).</summary>
    static unsafe Action<NetPeer> TcpEcho(int port)
    {
        int l = -1;
        var conns = new List<(int h, List<byte> pending)>();
        byte[] buf = new byte[8192];
        return peer =>
        {
            NetStack st = peer.Stack;
            if (l < 0) l = st.TcpListen(port, 8);
            int c;
            while ((c = st.TcpAccept(l)) >= 0) conns.Add((c, new List<byte>()));
            foreach (var (h, pending) in conns.ToArray())
            {
                if (pending.Count < 65536)
                {
                    int n;
                    fixed (byte* b = buf) n = st.TcpReceive(h, b, buf.Length);
                    if (n > 0) pending.AddRange(buf.AsSpan(0, n).ToArray());
                    else if (n == 0 || (n < 0 && n != NetError.WouldBlock))
                    {
                        if (pending.Count == 0) { st.TcpClose(h); conns.Remove((h, pending)); continue; }
                    }
                }
                if (pending.Count > 0)
                {
                    byte[] out_ = pending.ToArray();
                    int k;
                    fixed (byte* b = out_) k = st.TcpSend(h, b, out_.Length);
                    if (k > 0) pending.RemoveRange(0, k);
                }
            }
        };
    }

    /// <summary>A serve step: connects to 10.0.0.2:port once the guest listens, sends
    /// `send`, collects what comes back into `got` until the guest closes.</summary>
    static unsafe Action<NetPeer> TcpClient(int port, byte[] send, StringBuilder got, ManualResetEventSlim done)
    {
        int h = -1, sent = 0;
        bool finished = false;
        var sw = Stopwatch.StartNew();
        byte[] buf = new byte[4096];
        return peer =>
        {
            NetStack st = peer.Stack;
            if (finished) return;
            if (h < 0)
            {
                if (sw.ElapsedMilliseconds < 300) return;          // the guest's listen first
                h = st.TcpConnect(0x0A000002, port);
                return;
            }
            int state = st.TcpStateOf(h);
            if (state < (int)TcpState.Established) return;
            if (sent < send.Length)
                fixed (byte* b = send) { int k = st.TcpSend(h, b + sent, send.Length - sent); if (k > 0) sent += k; }
            int n;
            fixed (byte* b = buf) n = st.TcpReceive(h, b, buf.Length);
            if (n > 0) lock (got) got.Append(Encoding.UTF8.GetString(buf, 0, n));
            else if (n != NetError.WouldBlock) { st.TcpClose(h); finished = true; done.Set(); }
        };
    }

    [Fact]
    public void A_line_written_to_the_peers_echo_comes_back_by_read_line()
    {
        using var n = new Net(TcpEcho(7));
        Assert.Equal("(\"hello λ\" NIL T)", n.Eval(
            "(let ((s (tcp-connect \"10.0.0.1\" 7 :timeout 5))) (write-line \"hello λ\" s) (finish-output s)" +
            " (append (multiple-value-list (read-line s)) (list (close s))))"));
    }

    [Fact]
    public void Read_char_peek_unread_listen_and_read_work_on_a_socket_stream()
    {
        using var n = new Net(TcpEcho(7));
        n.Eval("(defvar *s* (tcp-connect \"10.0.0.1\" 7 :timeout 5))");
        Assert.Equal("NIL", n.Eval("(listen *s*)"));
        Assert.Equal("(#\\( #\\( #\\( (1 \"two\" #\\3 (4.5)) FOO)", n.Eval(
            "(progn (format *s* \"(1 \\\"two\\\" #\\\\3 (4.5)) foo~%\") (finish-output *s*)" +
            " (let* ((a (peek-char nil *s*)) (b (read-char *s*))) (unread-char b *s*)" +
            "  (list a b (peek-char nil *s*) (read *s*) (read *s*))))"));
        Assert.Equal("T", n.Eval("(progn (write-string \"x\" *s*) (finish-output *s*) (sleep 0.3) (listen *s*))"));
        Assert.Equal("(#\\Newline #\\x)", n.Eval("(list (read-char *s*) (read-char *s*))"));   // READ leaves the line end
        Assert.Equal("T", n.Eval("(close *s*)"));
    }

    [Fact]
    public void Two_hundred_kilobytes_cross_while_a_writer_thread_and_a_reader_run_at_once()
    {
        using var n = new Net(TcpEcho(7));
        // The writer sends 4000 numbered lines (~200 KB: more than the rings and the echo's
        // buffer, so it must block and let the reader run); the reader checks each one.
        string r = n.Eval(@"
(let* ((s (tcp-connect ""10.0.0.1"" 7 :timeout 5))
       (w (make-thread (lambda ()
                         (dotimes (i 4000) (format s ""line ~D ~A~%"" i (make-string 40 :initial-element #\λ)))
                         (finish-output s) :written)))
       (bad 0) (sum 0))
  (dotimes (i 4000)
    (let ((line (read-line s)))
      (incf sum (length line))
      (unless (string= line (format nil ""line ~D ~A"" i (make-string 40 :initial-element #\λ))) (incf bad))))
  (list (join-thread w) bad sum (close s)))");
        Assert.Equal("(:WRITTEN 0 198890 T)", r);
    }

    [Fact]
    public void A_lisp_server_answers_a_peer_client_with_format_on_the_socket_stream()
    {
        var got = new StringBuilder();
        var done = new ManualResetEventSlim();
        using var n = new Net(TcpClient(5000, Encoding.UTF8.GetBytes("ping ünï\n"), got, done));
        string r = n.Eval(@"
(let* ((l (tcp-listen 5000)) (s (tcp-accept l :timeout 5)))
  (let ((line (read-line s)))
    (format s ""pong ~A ~S~%"" line (list 1 2))
    (close s) (tcp-close l)
    (list line (tcp-listener-open-p l))))");
        Assert.Equal("(\"ping ünï\" NIL)", r);
        Assert.True(done.Wait(5000), "the peer saw the close");
        lock (got) Assert.Equal("pong ping ünï (1 2)\n", got.ToString());
    }

    [Fact]
    public void An_accepted_stream_takes_element_type_and_read_timeout()
    {
        var got = new StringBuilder();
        var done = new ManualResetEventSlim();
        using var n = new Net(TcpClient(5001, new byte[] { 0x78, 0x0A, 0xFF }, got, done));
        string r = n.Eval(@"
(let* ((l (tcp-listen 5001))
       (s (tcp-accept l :timeout 5 :element-type '(unsigned-byte 8) :read-timeout 0.3)))
  (prog1 (list (stream-element-type s) (socket-timeout s) (read-byte s) (read-byte s) (read-byte s)
               (handler-case (read-byte s) (net-error () :timed-out)))
    (close s) (tcp-close l)))");
        Assert.Equal("((UNSIGNED-BYTE 8) 0.3 120 10 255 :TIMED-OUT)", r);
    }

    [Fact]
    public void Refused_connections_and_timeouts_are_net_errors_with_a_message()
    {
        using var n = new Net(_ => { });
        Assert.Contains("connection refused", n.Eval("(tcp-connect \"10.0.0.1\" 9 :timeout 5)"));
        Assert.Equal("NIL", n.Eval("(tcp-accept (tcp-listen 6000) :timeout 0.2)"));
        Assert.Contains("port 0 is not in 1..65535", n.Eval("(tcp-listen 0)"));
        Assert.Contains("is not our address", n.Eval("(tcp-listen 6001 :address \"10.0.0.9\")"));
        Assert.Equal("T", n.Eval("(typep (handler-case (tcp-connect \"10.0.0.1\" 9) (error (e) e)) 'net-error)"));
    }

    [Fact]
    public void Write_sequence_and_read_sequence_move_every_octet_value_through_the_echo()
    {
        using var n = new Net(TcpEcho(7));
        n.Eval("(defvar *s* (tcp-connect \"10.0.0.1\" 7 :timeout 5))");
        // All 256 byte values twice (no UTF-8 in between: 0x80..0xFF alone are not characters),
        // from a vector and from a list; read back into a vector and into a list.
        Assert.Equal("T", n.Eval("(let ((v (make-array 256 :element-type '(unsigned-byte 8))))" +
            " (dotimes (i 256) (setf (aref v i) i))" +
            " (write-sequence v *s*) (write-sequence (coerce v 'list) *s* :start 10 :end 20) (finish-output *s*) t)"));
        Assert.Equal("(256 T)", n.Eval("(let ((v (make-array 256))) (list (read-sequence v *s*)" +
            " (equalp v (let ((w (make-array 256))) (dotimes (i 256 w) (setf (aref w i) i))))))"));
        Assert.Equal("(12 (0 0 10 11 12 13 14 15 16 17 18 19 0))", n.Eval(
            "(let ((l (make-list 13 :initial-element 0))) (list (read-sequence l *s* :start 2 :end 12) l))"));
        Assert.Equal("T", n.Eval("(close *s*)"));
    }

    [Fact]
    public void Text_and_octets_mix_on_one_socket_stream_in_order()
    {
        using var n = new Net(TcpEcho(7));
        n.Eval("(defvar *s* (tcp-connect \"10.0.0.1\" 7 :timeout 5))");
        // A header line, then a body with a non-ASCII character split across two byte reads,
        // written as characters and octets in one vector. (The body arrived with the line,
        // so READ-LINE decoded it: bytes come back as the UTF-8 of what was decoded, exact
        // for valid UTF-8 as here; a lone 0xFF would come back as U+FFFD's three bytes.)
        n.Eval("(progn (write-line \"len 5\" *s*) (write-sequence (vector #\\é 1 2 127) *s*)" +
               " (write-sequence \"-ok-\" *s* :start 1 :end 3) (finish-output *s*) (sleep 0.3))");
        Assert.Equal("\"len 5\"", n.Eval("(values (read-line *s*))"));
        Assert.Equal("(1 #(195 0 0))", n.Eval("(let ((v (make-array 3 :initial-element 0))) (list (read-sequence v *s* :end 1) v))"));
        Assert.Equal("(4 #(169 1 2 127))", n.Eval("(let ((v (make-array 4))) (list (read-sequence v *s*) v))"));
        Assert.Equal("(2 \"ok\")", n.Eval("(let ((str (make-string 2))) (list (read-sequence str *s*) str))"));
        Assert.Contains("(UNSIGNED-BYTE 8)", n.Eval("(write-sequence (vector 256) *s*)"));
        Assert.Equal("T", n.Eval("(close *s*)"));
    }

    [Fact]
    public void Socket_no_delay_switches_nagle_and_output_still_flows()
    {
        using var n = new Net(TcpEcho(7));
        n.Eval("(defvar *s* (tcp-connect \"10.0.0.1\" 7 :timeout 5))");
        Assert.Equal("T", n.Eval("(socket-no-delay *s*)"));
        Assert.Equal("\"a\"", n.Eval("(progn (write-line \"a\" *s*) (finish-output *s*) (values (read-line *s*)))"));
        Assert.Equal("NIL", n.Eval("(socket-no-delay *s* nil)"));
        Assert.Equal("\"b\"", n.Eval("(progn (write-line \"b\" *s*) (finish-output *s*) (values (read-line *s*)))"));
        Assert.Equal("T", n.Eval("(close *s*)"));
        Assert.Contains("not an open TCP connection", n.Eval("(socket-no-delay *s*)"));
    }
}
