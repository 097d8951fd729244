// Why: the image's socket streams against Linux's TCP (issue 17): in a network namespace this
// test creates (and deletes), a Python server at 10.0.0.1 sends a text line, then bytes that
// are no UTF-8 and a three-byte character cut across two segments; the image, at its REPL,
// reads the line as text and the rest as octets and must get exactly the wire bytes, then
// answers with WRITE-BYTE of all 256 values and a line, and half-closes with
// SOCKET-SHUTDOWN; the server checks every byte it got. Root only (NetNsFact).
using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;
using static Image.Tests.LinuxNetTests;

namespace Image.Tests;

public class LinuxSocketBytesTests
{
    readonly ITestOutputHelper log;
    public LinuxSocketBytesTests(ITestOutputHelper log) { this.log = log; }

    // The server: one connection; two segments 0.3 s apart (TCP_NODELAY, so the cut stays a
    // cut); then it reads to the guest's FIN, sends a last line and prints what it got.
    const string Server = @"
import socket, sys, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('10.0.0.1', 7000)); l.listen(1); print('listening', flush=True)
l.settimeout(30); c, _ = l.accept(); c.settimeout(30)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
c.sendall(b'len 260\r\n' + bytes(range(256)) + b'\xc0\xaf\xe2\x82')
time.sleep(0.3)
c.sendall(b'\xac tail\n')
got = b''
while True:
    d = c.recv(65536)
    if not d: break
    got += d
c.sendall(b'after shutdown\n'); c.close()
want = bytes(range(256)) + 'done €\n'.encode()
print('server got', len(got), 'bytes', 'exact' if got == want else 'WRONG ' + got.hex(), flush=True)
";

    [NetNsFact]
    public void Octets_after_a_text_line_are_the_wire_bytes_between_the_image_and_linux()
    {
        string ns = $"lispvm-sockb{Environment.ProcessId}";
        WithTapNamespace(ns, "lvtap3", () =>
        {
            using var g = new Guest(ns, "ip=10.0.0.2/24", "gw=10.0.0.1", "net=tap:lvtap3");
            Assert.True(g.WaitFor(@"^LispVm .* boot \d+ ms", 20000) != null, "no banner; output:\n" + g.Output);
            var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "netns", "exec", ns, "python3", "-c", Server }) psi.ArgumentList.Add(a);
            using var server = Process.Start(psi)!;
            Assert.Equal("listening", server.StandardOutput.ReadLine());

            g.Send("(defvar *s* (tcp-connect \"10.0.0.1\" 7000 :timeout 10 :read-timeout 10))");
            g.Send("(read-line *s*)");
            Assert.True(g.WaitFor(@"""len 260""") != null, "no header line; output:\n" + g.Output);
            g.Send("(let ((v (make-array 260 :element-type '(unsigned-byte 8)))) (read-sequence v *s*)" +
                   " (list :octets (loop for i below 256 always (= (aref v i) i)) (coerce (subseq v 256) 'list)))");
            Assert.True(g.WaitFor(@"\(:OCTETS T \(192 175 226 130\)\)") != null, "octets differ; output:\n" + g.Output);
            g.Send("(list :rest (read-byte *s*) (read-line *s*))");
            Assert.True(g.WaitFor(@"\(:REST 172 "" tail""\)") != null, "the cut sequence's last byte; output:\n" + g.Output);
            g.Send("(progn (dotimes (i 256) (write-byte i *s*)) (write-line \"done €\" *s*) (socket-shutdown *s*)" +
                   " (list :after (read-line *s*) (read-line *s* nil :eof) (close *s*)))");
            Assert.True(g.WaitFor(@"\(:AFTER ""after shutdown"" :EOF T\)", 20000) != null, "half-close; output:\n" + g.Output);
            Assert.True(server.WaitForExit(30000), "the server did not finish; guest:\n" + g.Output);
            string said = server.StandardOutput.ReadToEnd() + server.StandardError.ReadToEnd();
            log.WriteLine(said);
            Assert.Contains("server got 265 bytes exact", said);
        });
    }
}
