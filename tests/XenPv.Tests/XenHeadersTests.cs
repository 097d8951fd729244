// Why: differential ABI check. Compiles a C program against Debian's libxen-dev public
// headers that prints every size/offset/constant in AbiFacts, and compares with C#.
// Skips (with the reason) when gcc or /usr/include/xen is absent: run
// tests/XenPv.Tests/install-xen-headers.sh (tests/XenPv.Tests/test.sh does it).
using System.Diagnostics;
using System.Text;
using Xunit;

namespace XenPv.Tests;

public sealed class XenHeadersFactAttribute : FactAttribute
{
    public XenHeadersFactAttribute()
    {
        if (!File.Exists("/usr/include/xen/xen.h"))
            Skip = "Xen public headers missing (/usr/include/xen/xen.h): run tests/XenPv.Tests/install-xen-headers.sh (apt-get install libxen-dev)";
        else if (!File.Exists("/usr/bin/gcc") && !File.Exists("/usr/local/bin/gcc"))
            Skip = "gcc missing: apt-get install gcc";
    }
}

public class XenHeadersTests
{
    [XenHeadersFact]
    public void CSharpLayoutMatchesLibxenHeaders()
    {
        var c = new StringBuilder();
        // Without an interface version the headers map sched_op/event_channel_op to the old
        // compat numbers (6, 16); Xen 4.17 guests use the 4.13+ interface (29, 32).
        c.AppendLine("#define __XEN_INTERFACE_VERSION__ 0x00040d00");
        c.AppendLine("#include <stdio.h>\n#include <stddef.h>\n#include <stdint.h>");
        c.AppendLine("#include <xen/xen.h>\n#include <xen/version.h>\n#include <xen/sched.h>\n#include <xen/event_channel.h>\n#include <xen/memory.h>");
        c.AppendLine("#include <xen/io/console.h>\n#include <xen/io/xs_wire.h>\n#include <xen/grant_table.h>\n#include <xen/io/netif.h>\n#include <xen/io/xenbus.h>");
        // XENMEM_memory_map fills "BIOS INT 0x15 EAX=0xE820" entries; the public headers have
        // no struct for them, so the C side states the BIOS format (packed u64, u64, u32).
        c.AppendLine("struct lispvm_e820entry { uint64_t addr; uint64_t size; uint32_t type; } __attribute__((packed));");
        c.AppendLine("#define NET_TX_RING_SIZE __CONST_RING_SIZE(netif_tx, 4096)\n#define NET_RX_RING_SIZE __CONST_RING_SIZE(netif_rx, 4096)");
        c.AppendLine("int main(void) {");
        foreach (var f in AbiFacts.All) c.AppendLine($"  printf(\"%lld\\n\", (long long)({f.C}));");
        foreach (var k in AbiFacts.Constants) c.AppendLine($"  printf(\"%lld\\n\", (long long)({k.C}));");
        c.AppendLine("  return 0;\n}");

        string dir = Directory.CreateTempSubdirectory("xenabi").FullName;
        File.WriteAllText(Path.Combine(dir, "abi.c"), c.ToString());
        var (gccCode, gccOut) = Run("gcc", $"-o {dir}/abi {dir}/abi.c");
        Assert.True(gccCode == 0, "gcc failed:\n" + gccOut);
        var (code, output) = Run($"{dir}/abi", "");
        Assert.Equal(0, code);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var expected = AbiFacts.All.Select(f => (f.C, f.CSharp)).Concat(AbiFacts.Constants).ToArray();
        Assert.Equal(expected.Length, lines.Length);
        var mismatches = new List<string>();
        for (int i = 0; i < expected.Length; i++)
            if (long.Parse(lines[i]) != expected[i].Item2)
                mismatches.Add($"{expected[i].Item1}: headers {lines[i]}, C# {expected[i].Item2}");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private static (int, string) Run(string file, string args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o);
    }
}
