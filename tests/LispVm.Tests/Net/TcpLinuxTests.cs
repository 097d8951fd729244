// Why: our TCP against Linux's own, inside a network namespace this test creates (never the
// host's): Linux's socat sends 300 KB to our echo loop and must get exactly it back, and we
// connect to a socat listener in the namespace.
using System.Diagnostics;
using System.Text;
using LispVm.Net;
using Xunit;

namespace LispVm.Tests.Net
{
    public unsafe partial class LinuxInteropTests
    {
        [NetnsFact]
        public void LinuxTcpClientGetsItsBytesEchoed()
        {
            using var n = new Netns();
            int l;
            l = n.Stack.TcpListen(9000, 4);
            var text = Convert.ToBase64String(Rig.Rand(225000, 31)) + "\n";   // 300 KB of text
            var psi = new ProcessStartInfo(Which("ip"), "netns exec " + n.Name + " " + Which("socat") + " -t 10 - TCP:10.77.0.2:9000")
            { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            using var client = Process.Start(psi);
            var output = client.StandardOutput.ReadToEndAsync();
            var writer = Task.Run(() => { client.StandardInput.Write(text); client.StandardInput.Close(); });
            int c = -1; var pending = new List<byte>(); bool eof = false, closed = false;
            var buf = new byte[4096];
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!closed && DateTime.UtcNow < deadline)
            {
                n.Poll();     // this thread runs the stack (Netns has no pump thread)
                {
                    if (c < 0) c = n.Stack.TcpAccept(l);
                    if (c >= 0)
                    {
                        int got;
                        fixed (byte* p = buf) got = eof ? 0 : n.Stack.TcpReceive(c, p, buf.Length);
                        if (got > 0) pending.AddRange(buf.AsSpan(0, got).ToArray());
                        else if (got == 0) eof = true;
                        if (pending.Count > 0)
                        {
                            var chunk = pending.ToArray();
                            int sent;
                            fixed (byte* p = chunk) sent = n.Stack.TcpSend(c, p, chunk.Length);
                            if (sent > 0) pending.RemoveRange(0, sent);
                        }
                        else if (eof) { n.Stack.TcpClose(c); closed = true; }
                    }
                }
                Thread.Sleep(1);
            }
            Assert.True(closed, "no EOF from socat");
            Assert.True(n.Pump(() => client.HasExited, 20000));
            Assert.Equal(text.Length, output.Result.Length);
            Assert.Equal(text, output.Result);
            Assert.Equal(0, n.Snmp("Tcp", "InCsumErrors"));
            Assert.Equal(1, n.Stack.Stats.TcpPassiveOpens);
        }

        [NetnsFact]
        public void WeConnectToALinuxListener()
        {
            using var n = new Netns();
            var psi = new ProcessStartInfo(Which("ip"), "netns exec " + n.Name + " " + Which("socat") + " -u TCP-LISTEN:9100,reuseaddr -")
            { RedirectStandardOutput = true, UseShellExecute = false };
            using var listener = Process.Start(psi);
            var output = listener.StandardOutput.ReadToEndAsync();
            var msg = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("from lispvm over tcp\n", 2000)));
            int c = -1, sent = 0; bool closed = false;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!closed && DateTime.UtcNow < deadline)
            {
                n.Poll();     // this thread runs the stack (Netns has no pump thread)
                {
                    if (c < 0) c = n.Stack.TcpConnect(0x0A4D0001, 9100);
                    var st = (TcpState)n.Stack.TcpStateOf(c);
                    if (st == TcpState.Closed) { n.Stack.TcpClose(c); c = -1; }   // refused: socat not listening yet
                    else if (st == TcpState.Established)
                    {
                        if (sent < msg.Length) fixed (byte* p = msg) { int k = n.Stack.TcpSend(c, p + sent, msg.Length - sent); if (k > 0) sent += k; }
                        else { n.Stack.TcpClose(c); closed = true; }
                    }
                }
                Thread.Sleep(c < 0 ? 50 : 1);
            }
            Assert.True(closed, "never connected or stalled at " + sent);
            Assert.True(n.Pump(() => listener.HasExited, 10000));
            Assert.Equal(Encoding.ASCII.GetString(msg), output.Result);
        }
    }
}
