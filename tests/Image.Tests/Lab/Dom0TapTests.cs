// Why: issue 16 asks the Linux-mode network test to run inside the lab's Dom0 too: the same
// image file, as a Linux process on a TAP device (the `tun` module loaded at Dom0 boot), in a
// network namespace the script creates and always deletes. Same checks as on Xen and on the
// host: ping -c 20 without loss, 1,000 lockstep UDP echoes (tests/net/udp_lockstep.py), a
// REPL that still answers. Side by side with XenNetTests this is the same stack with and
// without Xen on the same emulated machine. LISPVM_LAB=1.
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace Image.Tests.Lab;

[Collection("Xen lab")]
public sealed class Dom0TapTests(LabFixture fixture, ITestOutputHelper log)
{
    private void Say(string s) { log.WriteLine(s); Console.Error.WriteLine("[lab] " + s); }

    private const string Script = """
        NS=lispvm-dom0tap
        ip netns del $NS 2>/dev/null
        ip netns add $NS || exit 1
        cleanup() { [ -n "$PID" ] && kill $PID 2>/dev/null; ip netns del $NS 2>/dev/null; rm -f /tmp/tap-in; }
        trap cleanup EXIT
        ip netns exec $NS ip link set lo up
        ip netns exec $NS ip tuntap add dev lvtap0 mode tap || exit 1
        ip netns exec $NS ip addr add 10.0.0.1/24 dev lvtap0
        ip netns exec $NS ip link set lvtap0 up
        rm -f /tmp/tap-in; mkfifo /tmp/tap-in
        ip netns exec $NS timeout 600 /mnt/share/lispvm-tap.elf ip=10.0.0.2/24 gw=10.0.0.1 udp-echo=7 net=tap:lvtap0 \
          </tmp/tap-in >/tmp/tap-out 2>&1 &
        PID=$!
        exec 3>/tmp/tap-in
        i=0; until grep -q '^net: ' /tmp/tap-out || [ $i -ge 300 ]; do sleep 0.1; i=$((i+1)); done
        echo "== boot"; cat /tmp/tap-out
        echo "== ping"; ip netns exec $NS ping -n -c 20 -i 0.2 -W 5 10.0.0.2
        echo "== echo"; ip netns exec $NS timeout 600 python3 /mnt/share/udp_lockstep.py 10.0.0.2 7 1000 16
        echo '(+ 40 2)' >&3
        echo '(quit)' >&3
        exec 3>&-
        wait $PID; echo "== exit $?"
        echo "== repl"; cat /tmp/tap-out
        """;

    [LabFact]
    public void LinuxModeImageOverTapInDom0()
    {
        var lab = fixture.Lab;
        File.Copy(KernelImage.ReplPath(), Path.Combine(lab.Share, "lispvm-tap.elf"), true);
        File.Copy(Path.Combine(KernelImage.RepoRoot(), "tests", "net", "udp_lockstep.py"), Path.Combine(lab.Share, "udp_lockstep.py"), true);
        var r = lab.Dom0(Script, TimeSpan.FromSeconds(900));
        string o = r.Output;
        Say("Dom0 TAP run:\n" + o);
        Assert.Matches(@"net: 10\.0\.0\.2/24 gw 10\.0\.0\.1 mac [0-9a-f:]{17} on tap:lvtap0", o);
        Assert.Contains(" 0% packet loss", o);
        var times = Regex.Matches(o, @"time=([\d.]+) ms").Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).OrderBy(t => t).ToList();
        Assert.Equal(20, times.Count);
        Say($"ping over TAP in Dom0: median RTT {times[10]:F2} ms");
        Assert.Matches(@"lockstep: sent 1000 ok 1000 retries \d+ lost 0", o);
        Assert.Matches(@"== repl[\s\S]*\n42\r?\n", o);
        Assert.Contains("== exit 0", o);
    }
}
