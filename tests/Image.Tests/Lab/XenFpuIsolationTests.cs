// Why: the lab itself must keep each domain's SSE state its own. With Xen's lazy FPU switch
// (CR0.TS and #NM) under QEMU 7.2 TCG, Dom0 processes ran on another domain's XMM registers
// whenever LispVm guests computed with doubles: python's bytes compare failed, sha256sum
// lied, xl aborted in a lock assertion and bash segfaulted (the density test's "random" Dom0
// crashes). lab/qemu.sh boots Xen with spec-ctrl=eager-fpu; this test is the reproducer
// that failed on the first iteration without it: two guests summing doubles while two Dom0
// workers compare and hash the same 4 MiB. Both sides must stay exact. LISPVM_LAB=1.
using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

using static Image.Tests.Lab.LabRepl;

namespace Image.Tests.Lab;

[Collection("Xen lab")]
public sealed class XenFpuIsolationTests(LabFixture fixture, ITestOutputHelper log)
{
    private const int Rounds = 6;

    private void Say(string s) { log.WriteLine(s); Console.Error.WriteLine("[lab] " + s); }

    // Each round sums i*1.5 for i below 2,000,000: every partial sum is a multiple of 0.5
    // below 2^52, so the double result is exact, 2999998500000 = 2.9999985d12.
    private static readonly string FloatLoop =
        "(dotimes (k " + Rounds + ") (let ((s 0d0)) (dotimes (i 2000000) (setq s (+ s (* i 1.5d0)))) (format t \"~&round ~d ~a~%\" k s)))";

    private const string Dom0Workers = """
        set -u
        head -c 4194304 /dev/urandom > /dev/shm/fpu-a && cp /dev/shm/fpu-a /dev/shm/fpu-b || { echo "@@BAD setup"; exit 1; }
        H=$(sha256sum < /dev/shm/fpu-a)
        work() {
          for i in 1 2 3 4; do
            python3 -c 'import hashlib,sys
        a=open("/dev/shm/fpu-a","rb").read(); b=open("/dev/shm/fpu-b","rb").read()
        c=bytes(bytearray(a))
        sys.exit(0 if a==b and b==c and hashlib.sha256(c).hexdigest()==sys.argv[1] else 3)' "${H%% *}" \
              || echo "@@BAD w$1 i$i python rc $?"
            [ "$(sha256sum < /dev/shm/fpu-a)" = "$H" ] || echo "@@BAD w$1 i$i sha256sum"
            cmp -s /dev/shm/fpu-a /dev/shm/fpu-b || echo "@@BAD w$1 i$i cmp"
            xl list >/dev/null 2>&1 || echo "@@BAD w$1 i$i xl list rc $?"
          done
          echo "@@DONE w$1"
        }
        work 1 & work 2 & wait
        rm -f /dev/shm/fpu-a /dev/shm/fpu-b
        """;

    [LabFact]
    public void Dom0AndGuestsKeepTheirOwnSseStateWhileBothCompute()
    {
        var lab = fixture.Lab;
        Assert.Contains("EAGER_FPU", lab.Dom0("xl dmesg | grep 'Support for PV VMs'").Output);
        var guests = new List<LabGuest>();
        try
        {
            for (int n = 0; n < 2; n++)
                guests.Add(BootToPrompt(lab, new LabDriver.GuestOptions(KernelImage.ReplPath(), MemoryMb: 32), out _));
            foreach (var g in guests) g.SendLine(FloatLoop);

            var sw = Stopwatch.StartNew();
            var r = lab.Dom0(Dom0Workers, TimeSpan.FromSeconds(300));
            Say($"Dom0 workers: rc {r.ExitCode} in {sw.Elapsed.TotalSeconds:F0} s\n{r.Output.Trim()}");
            Assert.DoesNotContain("@@BAD", r.Output);
            Assert.Equal(2, Regex.Matches(r.Output, @"@@DONE w\d").Count);

            foreach (var g in guests)
            {
                g.Expect($@"round {Rounds - 1} [^\r]*\r\n", TimeSpan.FromSeconds(240));
                var rounds = Regex.Matches(g.Output, @"round (\d) ([^\r]*)\r\n");
                Assert.Equal(Rounds, rounds.Count);
                foreach (Match m in rounds) Assert.Equal("2.9999985d12", m.Groups[2].Value);
            }
            Say($"guests: {Rounds} exact rounds each, {sw.Elapsed.TotalSeconds:F0} s after the workers started");
        }
        finally
        {
            foreach (var g in guests) g.Destroy();
        }
    }
}
