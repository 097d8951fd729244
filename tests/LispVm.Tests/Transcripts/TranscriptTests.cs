// Runs every golden transcript in tests/transcripts/ against the hosted REPL core, one
// REPL session per file (prompts on, so prompt stripping is exercised), and again with the
// heap in GC stress mode (Category=Stress; test.sh runs it with LISPVM_GC_STRESS=1).
using System.Text;
using LispVm.Gc;
using LispVm.Hosted;
using Xunit;

namespace LispVm.Tests.Transcripts;

public class TranscriptTests
{
    public static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "LispVm.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("repo root not found");
    }

    public static IEnumerable<object[]> Files()
    {
        var dir = Path.Combine(RepoRoot(), "tests", "transcripts");
        return Directory.GetFiles(dir, "*.txt").OrderBy(f => f, StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) });
    }

    public static List<string> Run(string name, HeapOptions options, bool noFileSystem = false, byte[] image = null)
    {
        string file = Path.Combine(RepoRoot(), "tests", "transcripts", name);
        var output = new StringBuilder();
        var host = new LispHost(options, false, (b, n) => output.Append(Encoding.UTF8.GetString(b, 0, n)), image);
        Assert.Equal(0, host.BootErrors);
        Assert.Null(host.ImageRefused);
        host.Platform.NoFileSystem = noFileSystem;
        host.Vm.StepLimit = 50_000_000;
        host.Repl.ShowPrompt = true;
        host.Repl.Start();
        var failures = new List<string>();
        foreach (var c in Transcript.Parse(File.ReadAllText(file)))
        {
            output.Clear();
            host.FeedString(string.Join("\n", c.Input) + "\n");
            if (c.Expects.Count == 0) continue;
            string msg = Transcript.Check(c, output.ToString(), file);
            if (msg != null) failures.Add(msg);
        }
        host.Heap.Destroy();
        return failures;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Transcript_passes(string name)
    {
        var failures = Run(name, new HeapOptions { LimitBytes = 512UL << 20 });
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [Trait("Category", "Stress")]
    [MemberData(nameof(EngineFiles))]
    public void Transcript_passes_under_gc_stress(string name)
    {
        var o = LispHost.OptionsFromEnvironment(512);
        if (o.StressMinorEvery == 0) { o.StressMinorEvery = 1; o.StressFullEvery = 64; }
        var failures = Run(name, o);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // The file transcript again with the platform answering like the Xen guest (no file
    // system): the same answers must come from the in-memory file store.
    [Fact]
    public void File_transcript_passes_on_the_in_memory_store()
    {
        var failures = Run("76-files.txt", new HeapOptions { LimitBytes = 512UL << 20 }, true);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // Every transcript, engine and library (issue 5: GC stress passes on the transcripts);
    // 00-conditions.txt's stress failure was BINDLC/BOXL reading their slot operand through
    // a code pointer made stale by the cell allocation.
    public static IEnumerable<object[]> EngineFiles() => Files();

    [Fact]
    public void Runner_can_fail()
    {
        var c = Transcript.Parse("(+ 1 2)\n;=> 4\n")[0];
        Assert.NotNull(Transcript.Check(c, "* 3\n* ", "x.txt"));
        Assert.Null(Transcript.Check(c, "* 7\n* 4\n* ", "x.txt"));
        var e = Transcript.Parse("(car 1)\n;error> not of type LIST\n")[0];
        Assert.Null(Transcript.Check(e, ";; Error: The value 1 is not of type LIST.\n* ", "x.txt"));
        Assert.NotNull(Transcript.Check(e, ";; Error: Division by zero.\n* ", "x.txt"));
        var w = Transcript.Parse("(f)\n;=> #<FUNCTION {*}>\n")[0];
        Assert.Null(Transcript.Check(w, "#<FUNCTION F 0x1234>\n", "x.txt"));
    }
}
